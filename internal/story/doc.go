// Package story groups articles about the same event — not the same text —
// into stories, online: each article is assigned when it arrives.
//
// An article becomes a TF-IDF vector over CJK bigrams and Latin words of its
// folded title (counted TitleWeight times) and the first BodyRunes runes of
// its text, with document frequencies learned as articles arrive; only its
// ArticleTerms heaviest terms are kept, so a very long article or one full
// of boilerplate weighs no more than a normal one. Each live story's
// centroid has its CentroidTerms heaviest terms in an inverted index, and a
// term indexed for MaxPosting live stories or more is skipped as too common;
// so finding the best story for an article reads a bounded number of
// postings however large the archive. The cosine to a centroid is halved
// per HalfLife between the article and the story's time span; a story
// older than Window stops taking articles; a story of MaxStory articles is
// full. Below Threshold the article starts a new story. Articles with fewer
// than MinTerms distinct terms (a photo caption, a video page) are thin:
// each is a story of its own and joins nothing.
//
// Refine, run now and then, takes members out of stories they no longer
// fit (SplitThreshold) and merges stories whose centroids reach
// MergeThreshold. Operators' corrections (MergeStories, SplitStory,
// DetachArticle) are kept as constraints (Decision) that assignment, Refine
// and Recluster all respect. Snapshot and Restore turn the whole state into
// plain data for a store.
//
// # Thresholds, and why
//
// Chosen by a sweep on the labelled set (testdata/labels.json; run
// TestStoriesOnLabelledSet with -v to see it). See DefaultConfig for the
// values; the reasons are recorded beside the sweep results in
// eval_test.go's comment.
package story
