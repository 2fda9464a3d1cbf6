package zh

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// Folder folds text to one comparable form: traditional Chinese to
// simplified (OpenCC's tables, character by character), variants to one
// character, full-width to half-width, compatibility ideographs to unified
// ones, and lower case. It holds only read-only tables, so one Folder is
// safe for concurrent use; build it once with NewFolder and share it.
type Folder struct {
	// bmp is the folded form of every rune below U+10000.
	bmp []rune
	// supp holds the folded form of the supplementary-plane runes whose
	// fold is more than lower-casing (traditional Han in the extension
	// blocks, compatibility ideographs).
	supp map[rune]rune
}

// NewFolder builds the folding tables: OpenCC's t2s conversion applied to
// every Han character on its own (not phrase by phrase, so that the folded
// text lines up rune for rune with the original), full-width to half-width,
// compatibility ideographs to their unified form, and lower case. On top of
// that, characters that OpenCC's character tables list as variants of each
// other in either direction fold to one character, so that a word whose
// traditional form depends on the phrase still matches (瞭解 and 了解, 反覆
// and 反复, 計畫 and 计划). It takes about 50 ms; it fails only if OpenCC's
// embedded dictionaries cannot be loaded.
func NewFolder() (*Folder, error) {
	t2s, err := opencc.New("t2s")
	if err != nil {
		return nil, fmt.Errorf("zh: load OpenCC t2s: %w", err)
	}
	s2t, err := opencc.New("s2t")
	if err != nil {
		return nil, fmt.Errorf("zh: load OpenCC s2t: %w", err)
	}
	a := &Folder{bmp: make([]rune, 0x10000), supp: map[rune]rune{}}
	for r := rune(0); r < 0x10000; r++ {
		a.bmp[r] = unicode.ToLower(r)
	}
	setFold := func(r rune) {
		f := foldOne(t2s, r)
		switch {
		case r < 0x10000:
			a.bmp[r] = f
		case f != unicode.ToLower(r):
			a.supp[r] = f
		}
	}
	eachRune(fullWidthForms, setFold)
	eachRune(unicode.Han, setFold)
	// Folding twice must change nothing (a query may already be folded),
	// but t2s has chains such as 薴→苧→苎: follow them to their end.
	for r := range a.bmp {
		a.bmp[r] = a.settle(a.bmp[r])
	}
	for r, f := range a.supp {
		a.supp[r] = a.settle(f)
	}

	// Merge the folded forms of variants into one class, represented by
	// its first rune in the order of before.
	parent := map[rune]rune{}
	find := func(r rune) rune {
		for {
			p, ok := parent[r]
			if !ok || p == r {
				return r
			}
			r = p
		}
	}
	eachRune(unicode.Han, func(r rune) {
		for _, cc := range []*opencc.OpenCC{t2s, s2t} {
			for _, v := range convertRune(cc, r) {
				x, y := find(a.Rune(r)), find(a.Rune(v))
				if before(y, x) {
					x, y = y, x
				}
				if x != y {
					parent[y] = x
				}
			}
		}
	})
	for r := range a.bmp {
		a.bmp[r] = find(a.bmp[r])
	}
	eachRune(unicode.Han, func(r rune) {
		if r >= 0x10000 {
			if f := find(a.Rune(r)); f != unicode.ToLower(r) {
				a.supp[r] = f
			}
		}
	})
	return a, nil
}

// before orders the runes of a variant class to pick the one the index
// stores: common characters (the CJK Unified Ideographs block) before rare
// ones (the extension blocks), then by code point.
func before(x, y rune) bool {
	common := func(r rune) bool { return 0x4E00 <= r && r <= 0x9FFF }
	if common(x) != common(y) {
		return common(x)
	}
	return x < y
}

// eachRune calls fn for every rune in tab.
func eachRune(tab *unicode.RangeTable, fn func(r rune)) {
	for _, rg := range tab.R16 {
		for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
			fn(r)
		}
	}
	for _, rg := range tab.R32 {
		for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
			fn(r)
		}
	}
}

// fullWidthForms covers the ideographic space and the Halfwidth and
// Fullwidth Forms block, whose runes fold to their canonical width.
var fullWidthForms = &unicode.RangeTable{
	R16: []unicode.Range16{{Lo: 0x3000, Hi: 0x3000, Stride: 1}, {Lo: 0xFF00, Hi: 0xFFEF, Stride: 1}},
}

// foldOne folds one rune through every step: width, compatibility
// ideograph, traditional to simplified, lower case. A step whose result is
// not exactly one rune is skipped, which keeps the mapping rune for rune.
func foldOne(t2s *opencc.OpenCC, r rune) rune {
	if w := width.LookupRune(r).Folded(); w != 0 {
		r = w
	}
	if r == 0x3000 { // the ideographic space has no narrow form in x/text
		r = ' '
	}
	if 0xF900 <= r && r <= 0xFAFF || 0x2F800 <= r && r <= 0x2FA1F { // compatibility ideographs
		if s := norm.NFC.String(string(r)); utf8.RuneCountInString(s) == 1 {
			r, _ = utf8.DecodeRuneInString(s)
		}
	}
	if unicode.Is(unicode.Han, r) {
		if c := convertRune(t2s, r); len(c) > 0 {
			r = c[0]
		}
	}
	return unicode.ToLower(r)
}

// convertRune returns what cc converts r to on its own: for each stage of
// its chain, the candidates of the first dictionary that has r (Convert
// takes the first candidate), keeping single characters. It looks keys up
// directly: Convert, built for phrases, costs ten times more for the
// 100,000 Han characters.
func convertRune(cc *opencc.OpenCC, r rune) []rune {
	var out []rune
	cur := r
	for _, g := range cc.DictChains {
		for _, d := range g.Dicts {
			// The trie maps a key to its index in Values. (Dict.Get
			// looks the index up once more and returns the wrong entry.)
			i, err := d.Trie.Get([]byte(string(cur)))
			if err != nil || i < 0 || i >= len(d.Values) || len(d.Values[i]) == 0 {
				continue // not in this dictionary
			}
			vals := d.Values[i]
			out = out[:0]
			for _, v := range vals {
				if utf8.RuneCountInString(v) == 1 {
					c, _ := utf8.DecodeRuneInString(v)
					out = append(out, c)
				}
			}
			if len(out) > 0 {
				cur = out[0]
			}
			break
		}
	}
	return out
}

// settle follows fold chains from f until a rune folds to itself.
func (a *Folder) settle(f rune) rune {
	for range 8 {
		g := a.Rune(f)
		if g == f {
			break
		}
		f = g
	}
	return f
}

// Rune returns the folded form of one rune.
func (a *Folder) Rune(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	case r < 0x10000:
		return a.bmp[r]
	}
	if f, ok := a.supp[r]; ok {
		return f
	}
	return unicode.ToLower(r)
}

// String returns s in the form search compares: traditional Chinese
// characters as simplified ones (character by character: 盧→卢, 華→华,
// 臺→台), variants as one character, full-width letters, digits,
// punctuation and space as half-width ones, everything lower case. The
// result has exactly as many runes as s (invalid UTF-8 becomes U+FFFD),
// rune i of the result being the fold of rune i of s.
func (a *Folder) String(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = utf8.AppendRune(b, a.Rune(r))
	}
	return string(b)
}

// Runes folds s into a rune slice, one rune per rune of s.
func (a *Folder) Runes(s string) []rune {
	out := make([]rune, 0, len(s)/2)
	for _, r := range s {
		out = append(out, a.Rune(r))
	}
	return out
}

// Narrow returns s with its full-width letters, digits, punctuation and
// ideographic space replaced by their half-width forms (and half-width
// katakana and hangul left as they are), as golang.org/x/text/width's
// Narrow does. Text without a non-ASCII byte is returned as it is.
func Narrow(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return width.Narrow.String(s)
		}
	}
	return s
}
