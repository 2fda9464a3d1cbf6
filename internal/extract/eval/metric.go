package eval

import (
	"strings"
	"unicode"

	"github.com/newsvault/newsvault/internal/zh"
)

// Tokens splits text into the tokens the metric compares: every CJK
// character (Han ideographs, hiragana, katakana, hangul) is one token, and
// every other run of letters and digits is one token. Everything else
// (spaces, punctuation, symbols) only separates tokens. Tokens keep their
// case: a page that changes the case of its text has changed it.
func Tokens(text string) []string {
	var toks []string
	start := -1 // start of the current letter/digit run, or -1
	for i, r := range text {
		switch {
		case zh.IsCJK(r):
			if start >= 0 {
				toks = append(toks, text[start:i])
				start = -1
			}
			toks = append(toks, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if start < 0 {
				start = i
			}
		default:
			if start >= 0 {
				toks = append(toks, text[start:i])
				start = -1
			}
		}
	}
	if start >= 0 {
		toks = append(toks, text[start:])
	}
	return toks
}

// ShingleSize is the number of consecutive tokens in a shingle.
const ShingleSize = 4

// Shingles returns the multiset of ShingleSize-token shingles of text,
// mapping each shingle to how often it occurs. A text with at least one
// but fewer than ShingleSize tokens is a single shingle of all its tokens,
// so that very short texts still count; an empty text has none.
func Shingles(text string) map[string]int {
	toks := Tokens(text)
	out := make(map[string]int, len(toks))
	if len(toks) == 0 {
		return out
	}
	if len(toks) < ShingleSize {
		out[strings.Join(toks, "\x00")]++
		return out
	}
	for i := 0; i+ShingleSize <= len(toks); i++ {
		out[strings.Join(toks[i:i+ShingleSize], "\x00")]++
	}
	return out
}

// PageScore is the comparison of one extracted text with its reference.
type PageScore struct {
	TP, FP, FN int     // shared shingles, extra in ours, missing from ours
	Precision  float64 // TP / (TP + FP)
	Recall     float64 // TP / (TP + FN)
}

// F1 is the harmonic mean of the page's precision and recall.
func (s PageScore) F1() float64 { return harmonic(s.Precision, s.Recall) }

// Score compares an extracted text with the reference text of the same
// page, as multisets of shingles. The cases that divide zero by zero are
// defined so that an extractor gains nothing by returning nothing:
//
//   - both texts empty: precision 1 and recall 1 (nothing to find, nothing
//     wrongly found);
//   - ours empty, reference not: precision 0 and recall 0 (the page failed);
//   - ours not empty, reference empty: precision 0 and recall 1 (all we
//     returned is extra, and nothing was missed).
func Score(ours, ref string) PageScore {
	o, r := Shingles(ours), Shingles(ref)
	var s PageScore
	for k, n := range o {
		m := r[k]
		s.TP += min(n, m)
		s.FP += max(0, n-m)
	}
	for k, m := range r {
		s.FN += max(0, m-o[k])
	}
	switch {
	case len(o) == 0 && len(r) == 0:
		s.Precision, s.Recall = 1, 1
	case len(o) == 0:
		s.Precision, s.Recall = 0, 0
	case len(r) == 0:
		s.Precision, s.Recall = 0, 1
	default:
		s.Precision = float64(s.TP) / float64(s.TP+s.FP)
		s.Recall = float64(s.TP) / float64(s.TP+s.FN)
	}
	return s
}

// Corpus accumulates page scores into corpus figures: precision and recall
// are the means of the per-page values (every page weighs the same,
// whatever its length), and F1 is the harmonic mean of those two means.
type Corpus struct {
	Pages       int
	EmptyOnText int // pages where ours was empty but the reference was not
	sumP, sumR  float64
}

// Add records one page.
func (c *Corpus) Add(s PageScore) {
	c.Pages++
	c.sumP += s.Precision
	c.sumR += s.Recall
	if s.TP+s.FP == 0 && s.FN > 0 {
		c.EmptyOnText++
	}
}

// Precision is the mean per-page precision, 0 for an empty corpus.
func (c *Corpus) Precision() float64 {
	if c.Pages == 0 {
		return 0
	}
	return c.sumP / float64(c.Pages)
}

// Recall is the mean per-page recall, 0 for an empty corpus.
func (c *Corpus) Recall() float64 {
	if c.Pages == 0 {
		return 0
	}
	return c.sumR / float64(c.Pages)
}

// F1 is the harmonic mean of Precision and Recall.
func (c *Corpus) F1() float64 { return harmonic(c.Precision(), c.Recall()) }

func harmonic(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
