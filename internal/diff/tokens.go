package diff

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/newsvault/newsvault/internal/zh"
)

// tokens maps each distinct token of the texts being compared to one rune,
// so that diff-match-patch, which works on runes, works on tokens. This is
// the line-mode trick of diff-match-patch applied to words and characters.
// Runes are handed out in order, skipping the surrogate range, which cannot
// survive a conversion to string.
type tokens struct {
	list []string
	ids  map[string]rune
}

// maxTokens is the number of distinct tokens the encoding can represent.
const maxTokens = unicode.MaxRune + 1 - (0xE000 - 0xD800)

func tokenRune(i int) rune {
	r := rune(i)
	if r >= 0xD800 {
		r += 0xE000 - 0xD800
	}
	return r
}

// encode returns s as one rune per token; false when the texts hold more
// distinct tokens than there are runes.
func (t *tokens) encode(s string) ([]rune, bool) {
	if t.ids == nil {
		t.ids = make(map[string]rune)
	}
	var out []rune
	for s != "" {
		n := nextToken(s)
		tok := s[:n]
		s = s[n:]
		id, ok := t.ids[tok]
		if !ok {
			if len(t.list) >= maxTokens {
				return nil, false
			}
			id = tokenRune(len(t.list))
			t.ids[tok] = id
			t.list = append(t.list, tok)
		}
		out = append(out, id)
	}
	return out, true
}

// decode maps diffs over encoded runes back to the tokens' text.
func (t *tokens) decode(diffs []diffmatchpatch.Diff) []diffmatchpatch.Diff {
	for i, d := range diffs {
		var b strings.Builder
		for _, r := range d.Text {
			i := int(r)
			if r >= 0xE000 {
				i -= 0xE000 - 0xD800
			}
			b.WriteString(t.list[i])
		}
		diffs[i].Text = b.String()
	}
	return diffs
}

// nextToken returns the length in bytes of the token s starts with: a run
// of Latin letters, digits and combining marks (a word; an apostrophe or
// hyphen between letters stays inside it), a run of whitespace, or any
// other single rune — a Han character, a kana, a punctuation mark.
func nextToken(s string) int {
	r, n := utf8.DecodeRuneInString(s)
	switch {
	case unicode.IsSpace(r):
		for n < len(s) {
			r2, m := utf8.DecodeRuneInString(s[n:])
			if !unicode.IsSpace(r2) {
				break
			}
			n += m
		}
		return n
	case isWordRune(r):
		for n < len(s) {
			r2, m := utf8.DecodeRuneInString(s[n:])
			if isWordRune(r2) {
				n += m
				continue
			}
			if (r2 == '\'' || r2 == '’' || r2 == '-') && n+m < len(s) {
				if r3, _ := utf8.DecodeRuneInString(s[n+m:]); isWordRune(r3) {
					n += m
					continue
				}
			}
			break
		}
		return n
	}
	return n
}

// isWordRune reports whether r belongs in a word token: a letter or digit
// of a script that separates words with spaces. CJK characters are tokens
// of their own.
func isWordRune(r rune) bool {
	if zh.IsCJKOrPunct(r) {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}
