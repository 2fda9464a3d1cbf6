// Package dedup finds copies of one article: the same text under other URLs,
// in other outlets, with a header or footer added, small edits, or in the
// other Chinese script. It deletes nothing; it says which articles are
// copies of which, which one is the original, and what differs.
//
// A text is normalised (Normalize: folded to simplified script, half width
// and lower case by the caller's Folder, outlet boilerplate lines dropped,
// punctuation and white space removed), cut into overlapping 5-rune
// shingles, and summarised by a MinHash signature. Index files signatures in
// LSH band buckets (32 bands of 4 rows), so the candidates of a new text are
// found by reading 32 buckets whatever the archive's size. Every candidate
// is verified with exact shingle similarity (Config.Compare) before a link
// is made. URL-level identity (mobile, AMP and print variants; canonical and
// og:url) is URLKey and Resolve, on top of archive.CanonicalURL.
//
// # Thresholds, and why
//
// Chosen by a sweep on the labelled set in testdata/labels.json (see
// eval_test.go, TestCopiesOnLabelledSet, -v prints the sweep):
//
//   - MinRunes 80: a photo caption or a video page's blurb is shorter; under
//     it two short texts share most shingles by chance ("记者 报道").
//   - NearJaccard 0.6: chosen to sit below copies with small edits and
//     above different articles on one topic. The score distribution of
//     the labelled pairs has not been measured and recorded yet; rewritten
//     wire copies (one outlet running another's wire text with edits) were
//     seen scoring 0.60–0.74, close to this threshold, so the margin on
//     that side is small.
//   - NearContainment 0.85 with MinLengthRatio 0.5: a repost with a header
//     (China Digital Times over an RFA article) contains all of the
//     original; the length ratio keeps a short brief that a long round-up
//     quotes in full from counting as a copy of the round-up.
//   - 32 bands × 4 rows: a pair at Jaccard 0.6 becomes a candidate with
//     probability 0.99, at 0.3 with 0.23, so verification work stays small.
package dedup
