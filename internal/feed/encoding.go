package feed

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// The glue in this file exists because gofeed decodes bytes exactly as the
// XML declaration says (and as UTF-8 without one). Real feeds often lie: a
// "gb2312" declaration over GBK bytes, a Latin-1 declaration over UTF-8, no
// declaration over bytes whose charset only the HTTP header names, or an
// unknown label that makes gofeed give up. toUTF8 settles the encoding once,
// transcodes to UTF-8 and rewrites the declaration so gofeed sees a plain
// UTF-8 document.

var (
	// xmlDecl matches an XML declaration at the start of a document.
	xmlDecl = regexp.MustCompile(`^[ \t\r\n]*<\?xml[ \t\r\n][^>]*\?>`)
	// declEncoding extracts the encoding pseudo-attribute of a declaration.
	declEncoding = regexp.MustCompile(`encoding[ \t\r\n]*=[ \t\r\n]*["']?([A-Za-z0-9._:\-]*)`)
	// traditionalHint spots a feed that says it is Taiwanese, Hong Kong or
	// Macau Chinese, used to pick Big5 over GB18030 for undeclared bytes.
	traditionalHint = regexp.MustCompile(`(?i)(<(?:dc:)?language>[ \t\r\n]*|xml:lang[ \t]*=[ \t]*["'])zh[-_](tw|hk|mo|hant)`)
)

const utf8Declaration = `<?xml version="1.0" encoding="utf-8"?>`

// toUTF8 returns data transcoded to UTF-8, with any XML declaration rewritten
// to say utf-8. contentType is the HTTP Content-Type header, "" when unknown.
// The order of trust is: a byte order mark; bytes that are valid UTF-8 (the
// common mis-declaration is a legacy label over UTF-8 bytes); the XML
// declaration; the HTTP charset; a guess between GB18030 (Big5 for a feed
// that says it is traditional Chinese) and Windows-1252. data is never
// modified.
func toUTF8(data []byte, contentType string) []byte {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return fixDeclaration(decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), data))
	case bytes.HasPrefix(data, []byte{0x00, '<', 0x00}):
		return fixDeclaration(decodeWith(unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), data))
	case bytes.HasPrefix(data, []byte{'<', 0x00, '?', 0x00}), bytes.HasPrefix(data, []byte{'<', 0x00, 'r', 0x00}), bytes.HasPrefix(data, []byte{'<', 0x00, 'f', 0x00}):
		return fixDeclaration(decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), data))
	}
	if utf8.Valid(data) {
		return fixDeclaration(data)
	}
	enc := chooseEncoding(declaredEncoding(data), charsetParam(contentType), data)
	return fixDeclaration(decodeWith(enc, data))
}

// decodeWith transcodes data to UTF-8 with enc, replacing what it cannot
// decode with U+FFFD.
func decodeWith(enc encoding.Encoding, data []byte) []byte {
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil || !utf8.Valid(out) {
		return bytes.ToValidUTF8(data, []byte("\uFFFD"))
	}
	return out
}

// declaredEncoding returns the encoding label of data's XML declaration, or
// "" when there is none.
func declaredEncoding(data []byte) string {
	loc := xmlDecl.FindIndex(headOf(data, 1024))
	if loc == nil {
		return ""
	}
	m := declEncoding.FindSubmatch(data[loc[0]:loc[1]])
	if m == nil {
		return ""
	}
	return string(m[1])
}

// fixDeclaration replaces the XML declaration of UTF-8 data, if any, with one
// that says utf-8, so that gofeed's decoder does not transcode a second time
// or reject an unknown label.
func fixDeclaration(data []byte) []byte {
	loc := xmlDecl.FindIndex(headOf(data, 1024))
	if loc == nil {
		return data
	}
	decl := data[loc[0]:loc[1]]
	m := declEncoding.FindSubmatch(decl)
	if m == nil || strings.EqualFold(string(m[1]), "utf-8") {
		return data // no encoding attribute means UTF-8 already
	}
	out := make([]byte, 0, len(data)-len(decl)+len(utf8Declaration))
	out = append(out, data[:loc[0]]...)
	out = append(out, utf8Declaration...)
	return append(out, data[loc[1]:]...)
}

// headOf returns at most the first n bytes of data.
func headOf(data []byte, n int) []byte {
	if len(data) > n {
		return data[:n]
	}
	return data
}

// charsetParam returns the charset parameter of an HTTP Content-Type value,
// or "".
func charsetParam(contentType string) string {
	if contentType == "" {
		return ""
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		return params["charset"]
	}
	// Tolerate broken headers such as "text/xml; charset=gbk;;".
	i := indexFold(contentType, "charset=")
	if i < 0 {
		return ""
	}
	v := contentType[i+len("charset="):]
	if j := strings.IndexAny(v, "; ,"); j >= 0 {
		v = v[:j]
	}
	return strings.Trim(v, `"'`)
}

// indexFold returns the byte index of the first ASCII-case-insensitive match
// of the ASCII string sub in s, or -1. Unlike strings.ToLower it keeps byte
// offsets of s intact when s is not valid UTF-8.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// chooseEncoding picks the decoder for bytes that are not valid UTF-8: the
// declared label, else the HTTP charset, else a guess. Labels that name UTF-8
// are ignored, since the bytes prove them wrong.
func chooseEncoding(declared, httpCharset string, data []byte) encoding.Encoding {
	for _, label := range []string{declared, httpCharset} {
		if enc := lookupEncoding(label); enc != nil {
			return enc
		}
	}
	if looksDoubleByte(data) {
		if traditionalHint.Match(headOf(data, 8192)) {
			return traditionalchinese.Big5
		}
		return simplifiedchinese.GB18030
	}
	return charmap.Windows1252
}

// lookupEncoding maps a charset label to a decoder for non-UTF-8 bytes, or
// nil when the label is unknown or cannot describe such bytes. Every label of
// the GB family decodes as GB18030, its superset: feeds that say gb2312 very
// often contain GBK characters.
func lookupEncoding(label string) encoding.Encoding {
	label = strings.TrimSpace(label)
	if label == "" {
		return nil
	}
	enc, name := charset.Lookup(label)
	if enc == nil {
		return nil
	}
	switch name {
	case "utf-8", "utf-16le", "utf-16be", "replacement":
		return nil
	case "gbk", "gb18030":
		return simplifiedchinese.GB18030
	}
	return enc
}

// looksDoubleByte reports whether the non-ASCII bytes of data mostly come
// in the high-high pairs of a double-byte Chinese encoding (GBK, GB18030,
// Big5) rather than alone, as the accented letters of a single-byte
// encoding do. In GB2312-range text both bytes of a character are 0xA1 or
// above; GBK characters whose second byte is ASCII and Latin-1 letters both
// count as lone bytes.
func looksDoubleByte(data []byte) bool {
	var pairs, lone int
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c < 0x80 {
			continue
		}
		if c >= 0x81 && c <= 0xFE && i+1 < len(data) && data[i+1] >= 0x80 && data[i+1] <= 0xFE {
			pairs++
			i++
			continue
		}
		lone++
	}
	return pairs > 0 && pairs >= 2*lone
}
