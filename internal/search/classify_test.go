package search

import (
	"testing"
	"unicode"
)

// TestClassifyFastPathsAgreeWithTheRules checks every rune against the
// plain definition the fast paths in classify shortcut.
func TestClassifyFastPathsAgreeWithTheRules(t *testing.T) {
	slow := func(r rune) int {
		letter := unicode.IsLetter(r) || unicode.IsNumber(r)
		switch {
		case r < 0x80 && !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'):
			return classSep
		case letter && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
			unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r) || unicode.Is(unicode.Bopomofo, r)):
			return classCJK
		case r == 'ー':
			return classCJK
		case letter && !unicode.Is(unicode61Separators, r):
			return classWord
		case unicode.IsMark(r):
			return classMark
		}
		return classSep
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if got, want := classify(r), slow(r); got != want {
			t.Errorf("classify(%U %c) = %d, want %d", r, r, got, want)
		}
	}
}
