package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsvault/newsvault/internal/zh"
)

// Rune classes for tokenising folded text.
const (
	classSep  = iota // separates tokens
	classWord        // part of a word (letters and digits of non-CJK scripts)
	classCJK         // a Han, kana, hangul or bopomofo letter: bigrammed
	classMark        // a combining mark: continues the run it follows
)

// classify says what part a folded rune plays in a token.
func classify(r rune) int {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z' {
			return classWord
		}
		return classSep
	}
	// Fast paths for the blocks that make up nearly all CJK text: CJK
	// Unified Ideographs and Extension A, hangul syllables, kana.
	switch {
	case 0x4E00 <= r && r <= 0x9FFF, 0x3400 <= r && r <= 0x4DBF, 0xAC00 <= r && r <= 0xD7A3,
		0x3041 <= r && r <= 0x3096, 0x30A1 <= r && r <= 0x30FA:
		return classCJK
	case 0x2010 <= r && r <= 0x2027, 0x3000 <= r && r <= 0x3004, 0x3008 <= r && r <= 0x3020, 0xFF01 <= r && r <= 0xFF0F:
		return classSep // the punctuation of Chinese text: “”…—、。《》「」（），
	}
	letter := unicode.IsLetter(r) || unicode.IsNumber(r)
	switch {
	case letter && (zh.IsCJK(r) || unicode.Is(unicode.Bopomofo, r)):
		return classCJK
	case r == 'ー': // the prolonged sound mark belongs to katakana words
		return classCJK
	case letter && !unicode.Is(unicode61Separators, r):
		return classWord
	case unicode.IsMark(r):
		return classMark
	}
	return classSep
}

// unicode61Separators are letters (in Go's Unicode tables) that SQLite's
// unicode61 tokenizer, built on Unicode 6.1, treats as separators: New Tai
// Lue vowel signs and two Vedic signs recategorised since. Treating them as
// separators here too keeps every token we emit one FTS5 token, which
// TestUnicode61KeepsEveryTokenWhole checks for every rune.
var unicode61Separators = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x19B0, Hi: 0x19C0, Stride: 1},
		{Lo: 0x19C8, Hi: 0x19C9, Stride: 1},
		{Lo: 0x1CF2, Hi: 0x1CF3, Stride: 1},
	},
}

// eachRun calls fn for every maximal run of word or CJK runes in folded
// text f, as the half-open rune range [start, end), until fn returns false.
func eachRun(f []rune, fn func(start, end int, cjk bool) bool) {
	start, kind := 0, classSep
	for i, r := range f {
		c := classify(r)
		if c == classMark {
			if kind != classSep {
				continue
			}
			c = classWord
		}
		if c == kind {
			continue
		}
		if kind != classSep && !fn(start, i, kind == classCJK) {
			return
		}
		start, kind = i, c
	}
	if kind != classSep {
		fn(start, len(f), kind == classCJK)
	}
}

// eachToken calls fn with the rune range of every index token of folded
// text f, in order, until fn returns false: a word run is one token; a CJK
// run gives its overlapping bigrams, and a lone CJK character is a unigram
// (as Lucene's CJK bigram filter does). Indexing the last character of every
// run as well would let a one-character query find it at the end of a run,
// but costs about a tenth of the index, which must stay smaller than the
// text it indexes.
func eachToken(f []rune, fn func(start, end int) bool) {
	eachRun(f, func(start, end int, cjk bool) bool {
		if !cjk {
			return fn(start, end)
		}
		if end-start == 1 {
			return fn(start, end)
		}
		for i := start; i+1 < end; i++ {
			if !fn(i, i+2) {
				return false
			}
		}
		return true
	})
}

// Tokens returns the index tokens of s, folded (see Fold): each run of Han,
// kana, hangul or bopomofo letters as its overlapping bigrams (so 卢卡申科
// gives 卢卡 卡申 申科, and a lone character is one unigram); each run of
// other letters and digits as one lower-cased word; everything else
// separates tokens.
func (a *Analyzer) Tokens(s string) []string {
	f := a.foldRunes(s)
	var out []string
	eachToken(f, func(start, end int) bool {
		out = append(out, string(f[start:end]))
		return true
	})
	return out
}

// IndexDoc is the search index entry of an article: its title and body as
// space-separated tokens (see Tokens), ready for an FTS5 column or for a
// PostgreSQL tsvector of the same tokens.
type IndexDoc struct {
	Title string
	Body  string
}

// Index returns what the store indexes for an article: the tokens of its
// title and of its plain text, each joined by single spaces.
func (a *Analyzer) Index(title, body string) IndexDoc {
	return IndexDoc{Title: a.joinTokens(title), Body: a.joinTokens(body)}
}

// joinTokens returns the tokens of s joined by spaces, building the string
// directly.
func (a *Analyzer) joinTokens(s string) string {
	f := a.foldRunes(s)
	// Bigrams roughly double CJK text; words keep their length.
	b := make([]byte, 0, len(s)*2)
	eachToken(f, func(start, end int) bool {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		for _, r := range f[start:end] {
			b = utf8.AppendRune(b, r)
		}
		return true
	})
	return string(b)
}

// queryToken is one token of a query term.
type queryToken struct {
	text   []rune
	prefix bool // matches any index token that starts with text
}

// termTokens returns the tokens a query term must match in a row, in
// order: the index tokens of the term, except that a single CJK character
// ending the term becomes a prefix token, so that it matches as a lone
// character or as the first character of any bigram, that is anywhere in a
// run of the text but at its very end.
func (a *Analyzer) termTokens(text string) []queryToken {
	f := a.foldRunes(text)
	var out []queryToken
	lastCJK := -1 // start of the final run, when it is CJK
	eachRun(f, func(start, end int, cjk bool) bool {
		lastCJK = -1
		if !cjk {
			out = append(out, queryToken{text: f[start:end]})
			return true
		}
		lastCJK = len(out)
		if end-start == 1 {
			out = append(out, queryToken{text: f[start:end]})
			return true
		}
		for i := start; i+1 < end; i++ {
			out = append(out, queryToken{text: f[i : i+2]})
		}
		return true
	})
	if lastCJK >= 0 && len(out)-lastCJK == 1 && len(out[lastCJK].text) == 1 {
		out[lastCJK].prefix = true
	}
	return out
}

// hasTokens reports whether s has anything the index would keep.
func hasTokens(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		c := classify(r)
		return c == classWord || c == classCJK
	}) >= 0
}
