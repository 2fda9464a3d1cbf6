package zh

import "unicode"

// IsHan reports whether r is a CJK ideograph (script Han).
func IsHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// IsKana reports whether r is Japanese hiragana or katakana.
func IsKana(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Katakana) }

// IsHanOrKana reports whether r is a CJK ideograph or Japanese kana: a
// character that is a word's worth of meaning on its own.
func IsHanOrKana(r rune) bool {
	// Every Han, hiragana and katakana code point is at or above U+2E80,
	// and the common ideographs are one range: most runes of a page are
	// told without a table search.
	if r < 0x2e80 {
		return false
	}
	if r >= 0x4e00 && r <= 0x9fff {
		return true
	}
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)
}

// IsCJK reports whether r is a Han ideograph, kana or hangul.
func IsCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// IsCJKPunct reports whether r is in the CJK Symbols and Punctuation or
// the Halfwidth and Fullwidth Forms block.
func IsCJKPunct(r rune) bool {
	return r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef
}

// IsCJKOrPunct reports whether r is CJK (IsCJK) or CJK punctuation and
// full-width forms (IsCJKPunct): the runes between which a line break
// carries no space.
func IsCJKOrPunct(r rune) bool { return IsCJK(r) || IsCJKPunct(r) }

// CountHanAndWords counts the ideographs and kana of s, and the runs of
// other letters or digits (words).
func CountHanAndWords(s string) (han, words int) {
	inWord := false
	for _, r := range s {
		switch {
		case r < 0x80:
			// ASCII: no table look-ups.
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				if !inWord {
					words++
				}
				inWord = true
			} else {
				inWord = false
			}
		case IsHanOrKana(r):
			han++
			inWord = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !inWord {
				words++
			}
			inWord = true
		default:
			inWord = false
		}
	}
	return han, words
}

// LooksChinese reports whether text is mostly Chinese: at least ten
// ideographs, and more of them than Latin words.
func LooksChinese(text string) bool {
	han, words := CountHanAndWords(text)
	return han >= 10 && han > words
}

// ChineseNotJapanese reports whether texts are written in Chinese: two or
// more Han characters and no Japanese kana. It suits short texts such as
// the titles of a feed.
func ChineseNotJapanese(texts ...string) bool {
	han := 0
	for _, s := range texts {
		for _, r := range s {
			switch {
			case unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
				return false
			case unicode.Is(unicode.Han, r):
				han++
			}
		}
	}
	return han >= 2
}
