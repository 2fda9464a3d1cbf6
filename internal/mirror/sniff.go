package mirror

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Kinds returned by Sniff.
const (
	KindMirror = "mirror" // a mirror or mirror-v0 file
	KindJekyll = "jekyll" // a Jekyll front-matter file
	KindHTML   = "html"   // an HTML page
	KindText   = "text"   // plain text
)

// Sniff says what kind of plain file an importer has been handed: KindMirror,
// KindJekyll, KindHTML, KindText, or "" for binary or unknown data.
//
// Content decides first: data that Parse accepts is KindMirror (both mirror
// formats) or KindJekyll, and data that starts (after blanks and a byte
// order mark) with "<!doctype html" or "<html" is KindHTML. Then the
// extension of name, case-insensitively: .html, .htm and .xhtml are KindHTML
// unless the data holds NUL bytes; .txt, .text, .md and .markdown are
// KindText when the data is text, that is UTF-8 or, failing that, GB18030
// that decodes without replacement characters, in both cases without NUL
// bytes or other control characters than tab, line breaks, form feed and
// escape. Anything else is "".
func Sniff(name string, data []byte) string {
	if p, perr := parse(data); perr == nil {
		if p.entry.Format == FormatJekyll {
			return KindJekyll
		}
		return KindMirror
	}
	if looksLikeHTML(data) {
		return KindHTML
	}
	switch strings.ToLower(extension(name)) {
	case ".html", ".htm", ".xhtml":
		if bytes.IndexByte(data, 0) < 0 {
			return KindHTML
		}
	case ".txt", ".text", ".md", ".markdown":
		if isText(data) {
			return KindText
		}
	}
	return ""
}

// extension is the extension of the last element of name, with either
// separator.
func extension(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}

// looksLikeHTML reports whether data starts with an HTML doctype or tag.
func looksLikeHTML(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte(bom))
	data = bytes.TrimLeft(data, " \t\r\n\f")
	for _, marker := range [...]string{"<!doctype html", "<html"} {
		if len(data) >= len(marker) && strings.EqualFold(string(data[:len(marker)]), marker) {
			if len(data) == len(marker) {
				return true
			}
			switch data[len(marker)] {
			case ' ', '\t', '\r', '\n', '\f', '>':
				return true
			}
		}
	}
	return false
}

// isText reports whether data is UTF-8 or GB18030 text.
func isText(data []byte) bool {
	if bytes.IndexByte(data, 0) >= 0 {
		return false
	}
	if utf8.Valid(data) {
		return !hasBadControl(data)
	}
	decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || bytes.ContainsRune(decoded, utf8.RuneError) {
		return false
	}
	return !hasBadControl(decoded)
}

// hasBadControl reports whether s holds a C0 control character other than
// tab, line feed, vertical tab, form feed, carriage return and escape, or DEL.
func hasBadControl(s []byte) bool {
	for _, c := range s {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' && c != 0x1b) || c == 0x7f {
			return true
		}
	}
	return false
}
