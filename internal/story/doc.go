// Package story groups articles about the same event — not the same text —
// into stories, online: each article is assigned when it arrives.
//
// An article becomes a TF-IDF vector over CJK bigrams and Latin words of its
// folded title (counted TitleWeight times) and the first BodyRunes runes of
// its text, with document frequencies learned as articles arrive; only its
// ArticleTerms heaviest terms are kept, so a very long article or one full
// of boilerplate weighs no more than a normal one. Each live story's
// centroid has its CentroidTerms heaviest terms in an inverted index whose
// posting lists keep at most MaxPosting stories (stories that take no more
// articles go first, then the least recently updated); so finding the best
// story for an article reads at most ArticleTerms×MaxPosting postings
// however large the archive. The cosine to a centroid is halved
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
// Threshold 0.20 was chosen by a previous sweep on labels drawn mostly
// from this clusterer's own output, which favoured it. On the independent
// labelled set now in eval/testdata/labels.json (504 articles, 81 stories,
// built from titles by hand; run TestStoriesOnLabelledSet -v for the
// sweep) 0.20 gives B-cubed P 0.965 R 0.480 F1 0.641, and lower
// thresholds trade precision for recall (0.15: P 0.854 R 0.692 F1 0.764):
// the target F1 0.85 is not met and the threshold is still to be chosen on
// a tune half and reported on the other.
package story
