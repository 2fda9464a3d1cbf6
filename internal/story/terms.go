package story

import (
	"cmp"
	"math"
	"slices"
	"unicode"
)

// Folder folds text to the form search compares (traditional to simplified,
// width, case). The analyzer that search uses (moving to internal/zh)
// provides one; nil folds case only.
type Folder func(string) string

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// eachTerm calls fn with every term of folded text: overlapping bigrams in a
// CJK run (a lone character is skipped: too ambiguous to mean an event),
// and words of two or more letters elsewhere (pure numbers are skipped:
// dates and counts say little about which event). It stops after max runes.
func eachTerm(text string, max int, fn func(string)) {
	var prev rune
	var word []rune
	flush := func() {
		if len(word) >= 2 {
			for _, r := range word {
				if !unicode.IsDigit(r) {
					fn(string(word))
					break
				}
			}
		}
		word = word[:0]
	}
	n := 0
	for _, r := range text {
		if n++; n > max {
			break
		}
		switch {
		case isCJK(r):
			flush()
			if prev != 0 {
				fn(string([]rune{prev, r}))
			}
			prev = r
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			prev = 0
			word = append(word, unicode.ToLower(r))
		default:
			prev = 0
			flush()
		}
	}
	flush()
}

// tw is one term of a vector with its weight.
type tw struct {
	T uint32  `json:"t"`
	W float32 `json:"w"`
}

// vector is a sparse unit vector sorted by term.
type vector []tw

func (v vector) dot(u vector) float64 {
	s, i, j := 0.0, 0, 0
	for i < len(v) && j < len(u) {
		switch {
		case v[i].T < u[j].T:
			i++
		case v[i].T > u[j].T:
			j++
		default:
			s += float64(v[i].W) * float64(u[j].W)
			i++
			j++
		}
	}
	return s
}

// topUnit keeps the k heaviest entries of weights, scaled to unit length and
// sorted by term.
func topUnit(weights map[uint32]float64, k int) vector {
	v := make(vector, 0, len(weights))
	for t, w := range weights {
		if w > 0 {
			v = append(v, tw{t, float32(w)})
		}
	}
	slices.SortFunc(v, func(a, b tw) int { return cmp.Or(cmp.Compare(b.W, a.W), cmp.Compare(a.T, b.T)) })
	if len(v) > k {
		v = v[:k]
	}
	norm := 0.0
	for _, e := range v {
		norm += float64(e.W) * float64(e.W)
	}
	norm = math.Sqrt(norm)
	for i := range v {
		v[i].W = float32(float64(v[i].W) / norm)
	}
	slices.SortFunc(v, func(a, b tw) int { return cmp.Compare(a.T, b.T) })
	return v
}
