package mirror

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxFileNameBytes is the longest name FileName returns, in bytes.
const MaxFileNameBytes = 200

// FileName returns a safe file name for an article: "{id}_{title}.md", or
// "{id}.md" when nothing of the title is left. In the title, line breaks and
// tabs become spaces; other control characters (C0, DEL, C1), invalid UTF-8,
// path separators and the characters Windows or macOS refuse (< > : " / \ |
// ? *) become "_"; trailing dots and spaces are trimmed; and the name is cut
// on a UTF-8 boundary to at most MaxFileNameBytes bytes, keeping ".md".
func FileName(id int64, title string) string {
	prefix := strconv.FormatInt(id, 10)
	const ext = ".md"
	var b strings.Builder
	b.Grow(len(title))
	for i := 0; i < len(title); {
		r, size := utf8.DecodeRuneInString(title[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteByte('_')
		case r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || strings.ContainsRune(`<>:"/\|?*`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	stem := strings.TrimRight(b.String(), ". ")
	if max := MaxFileNameBytes - len(prefix) - len("_") - len(ext); len(stem) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(stem[cut]) {
			cut--
		}
		stem = strings.TrimRight(stem[:cut], ". ")
	}
	if stem == "" {
		return prefix + ext
	}
	return prefix + "_" + stem + ext
}
