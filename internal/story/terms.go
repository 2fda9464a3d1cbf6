package story

import (
	"cmp"
	"math"
	"slices"
	"unicode"
	"unicode/utf8"
)

// Folder folds text to the form search compares (traditional to simplified,
// width, case). The analyzer that search uses (moving to internal/zh)
// provides one; nil folds case only.
type Folder func(string) string

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// eachTerm calls fn with every term of folded text: overlapping bigrams in
// a CJK run as pair (the two runes packed, word nil), and other words as
// UTF-8 bytes valid only during the call (pair 0). A lone CJK
// character is skipped (too ambiguous to mean an event), and so are words
// of fewer than two letters and pure numbers (dates and counts say
// little about which event). It stops after max runes and allocates
// nothing once buf has grown.
func eachTerm(text string, max int, buf []byte, fn func(pair uint64, word []byte)) []byte {
	var prev rune
	word := buf[:0]
	letters, digits := 0, 0
	flush := func() {
		if letters+digits >= 2 && letters > 0 {
			fn(0, word)
		}
		word, letters, digits = word[:0], 0, 0
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
				fn(bigram(prev, r), nil)
			}
			prev = r
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			prev = 0
			if unicode.IsDigit(r) {
				digits++
			} else {
				letters++
			}
			word = utf8.AppendRune(word, unicode.ToLower(r))
		default:
			prev = 0
			flush()
		}
	}
	flush()
	return word
}

// bigram packs two runes into a term key (never 0).
func bigram(a, b rune) uint64 { return uint64(a)<<32 | uint64(b) }

// bigramString is the text of a packed bigram.
func bigramString(k uint64) string { return string([]rune{rune(k >> 32), rune(uint32(k))}) }

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

// heavier orders terms by weight, heaviest first, then by term: a total
// order, so which terms are kept never depends on the input's order.
func heavier(a, b tw) bool { return a.W > b.W || (a.W == b.W && a.T < b.T) }

// selectTop reorders v so that its k heaviest entries come first (in no
// particular order), in time linear in len(v) on average.
func selectTop(v vector, k int) {
	if k <= 0 || k >= len(v) {
		return
	}
	lo, hi, kth := 0, len(v)-1, k-1
	for lo < hi {
		x := v[kth]
		i, j := lo, hi
		for i <= j {
			for heavier(v[i], x) {
				i++
			}
			for heavier(x, v[j]) {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		if j < kth {
			lo = i
		}
		if kth < i {
			hi = j
		}
	}
}

// topUnit keeps the k heaviest positive entries of v (which it reorders),
// scaled to unit length, in a new vector sorted by term.
func topUnit(v vector, k int) vector {
	selectTop(v, k)
	if len(v) > k {
		v = v[:k]
	}
	norm := 0.0
	for _, e := range v {
		if e.W > 0 {
			norm += float64(e.W) * float64(e.W)
		}
	}
	out := make(vector, 0, len(v))
	if norm == 0 {
		return out
	}
	norm = math.Sqrt(norm)
	for _, e := range v {
		if e.W > 0 {
			out = append(out, tw{e.T, float32(float64(e.W) / norm)})
		}
	}
	slices.SortFunc(out, func(a, b tw) int { return cmp.Compare(a.T, b.T) })
	return out
}

// appendMap appends the entries of m to buf.
func appendMap(buf vector, m map[uint32]float64) vector {
	for t, w := range m {
		buf = append(buf, tw{t, float32(w)})
	}
	return buf
}
