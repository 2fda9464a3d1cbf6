// Package story groups articles about the same event — not the same text —
// into stories, online: each article is assigned when it arrives.
//
// An article becomes a TF-IDF vector in two parts, with document
// frequencies learned as articles arrive: a body part over CJK bigrams and
// Latin words of its folded title (counted TitleWeight times) and the first
// BodyRunes runes of its text, of which only its ArticleTerms heaviest
// terms are kept, so a very long article or one full of boilerplate weighs
// no more than a normal one; and a title part over the title alone, with
// its own terms, scaled so that the cosine of two articles is TitleShare
// times the title cosine plus the rest times the body cosine (outlets
// rewrite bodies but their headlines name the same actors and act). Each
// live story's centroid has its CentroidTerms heaviest terms in an
// inverted index whose posting lists keep at most MaxPosting stories
// (stories that take no more articles go first, then the least recently
// updated); so finding the best story for an article reads at most
// ArticleTerms×MaxPosting postings (twice that with the title part)
// however large the archive. The cosine to a centroid is halved per
// HalfLife between the article and the story's time span, and per HalfLife
// by which the story with the article would last longer than Span (one
// event; so a person in the news for weeks — detained, released,
// dismissed — does not chain into one story); a story older than Window
// stops taking articles; a story of MaxStory articles is full. Below
// Threshold the article starts a new story. Articles with fewer than
// MinTerms distinct terms (a photo caption, a video page) are thin: each
// is a story of its own and joins nothing.
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
// Chosen on eval/testdata/labels.json (504 hand-labelled articles, 81
// stories, 10 outlets, independent of this clusterer), split by a hash of
// the story name into a tune half (280 articles) and a measure half (224):
// values were picked by the best B-cubed F1 on tune (NEWSVAULT_STORY_SWEEP
// runs TestStorySweep over any configurations), and measure is reported.
// DefaultConfig: Threshold 0.15, MergeThreshold 0.12, CentroidTerms 120,
// TitleShare 0.3, Span 2 days, with Refine every RefineEvery (250)
// arrivals. B-cubed tune P 0.839 R 0.836 F1 0.838; measure P 0.953
// R 0.867 F1 0.908; all P 0.849 R 0.850 F1 0.850 (same-title baseline F1
// 0.289, TF-IDF single link at 0.2 F1 0.567, in the same run). Why each:
//
//   - Recall was the weakness (one event split into many stories): Threshold
//     0.20 gave F1 0.64, 0.15 gave 0.76 at P 0.85; lower still mixes
//     same-topic events.
//   - Refine's merge at 0.55 merged almost nothing; 0.15 then 0.12 raised
//     tune F1 most (0.78 → 0.80 → 0.82). Refine runs every 250 arrivals,
//     not 2000, since it only sees the last Window of arrivals (not
//     measured apart from the other changes).
//   - Span 2 days raised precision (P 0.85 → 0.93 at Threshold 0.15) by
//     cutting chains of successive events; 1 day lost recall, 3 days
//     precision.
//   - CentroidTerms 120 over 60 raised both P and R (a centroid of 60 terms
//     drops the terms that different outlets share); 200 did no better.
//   - TitleShare 0.3 helped with the lower merge threshold (tune F1 0.822
//     → 0.838); 0.4–0.6 at Threshold 0.20 lowered recall.
//
// The target F1 0.85 is met on measure (the test asserts it there), just
// missed on all (0.850 rounded, under 0.85) and missed on tune: same-topic successive events (the labels keep them apart
// on purpose) remain the main loss.
package story
