// Package eval scores internal/dedup (copies) and internal/story (stories)
// on a hand-checked labelled set drawn from the shared corpora
// (testdata/labels.json holds only file paths relative to shared/data and
// labels; the texts stay in shared/data), beside simple baselines measured
// in the same run, and benchmarks story assignment at 45,000 articles. It
// has tests and benchmarks only.
package eval
