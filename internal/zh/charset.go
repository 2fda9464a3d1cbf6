package zh

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// DecodeHTML returns an HTML page's body as UTF-8 text. contentType is
// the HTTP Content-Type header, "" when unknown. In order: a byte-order
// mark decides; bytes that are valid UTF-8 stay UTF-8 whatever the page
// declares (a copy re-encoded by a mirror keeps its old <meta charset>),
// except that Chinese text once misread as Latin-1 and saved again as
// UTF-8 is repaired (see repairMojibake); then the Content-Type charset;
// then a <meta> charset in the first 16 KiB; and finally a guess (see
// guessEncoding). GBK and GB2312 labels are decoded as GB18030, their
// superset, because pages so labelled routinely use characters outside
// GB2312.
func DecodeHTML(body []byte, contentType string) string {
	if bytes.HasPrefix(body, utf8BOM) {
		return strings.ToValidUTF8(string(body[3:]), "\ufffd")
	}
	if enc := utf16Encoding(body); enc != nil {
		return string(decodeWith(enc, body))
	}
	if utf8.Valid(body) {
		return repairMojibake(string(body), declaredCharset(body, contentType))
	}
	if enc := lookupCharset(charsetParam(contentType)); enc != nil {
		return string(decodeWith(enc, body))
	}
	if enc := lookupCharset(metaCharset(body)); enc != nil {
		return string(decodeWith(enc, body))
	}
	return string(decodeWith(guessEncoding(body, false), body))
}

// utf8BOM is the byte order mark of UTF-8.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// utf16Encoding returns the UTF-16 decoder for data that starts with a
// UTF-16 byte order mark, or with "<" as UTF-16 without one, or nil.
func utf16Encoding(data []byte) encoding.Encoding {
	switch {
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM) // the mark decides the order
	case bytes.HasPrefix(data, []byte{0x00, '<', 0x00}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case bytes.HasPrefix(data, []byte{'<', 0x00, '?', 0x00}), bytes.HasPrefix(data, []byte{'<', 0x00, 'r', 0x00}), bytes.HasPrefix(data, []byte{'<', 0x00, 'f', 0x00}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	}
	return nil
}

// declaredCharset returns the charset label the Content-Type or a <meta>
// declares, or "".
func declaredCharset(body []byte, contentType string) string {
	if label := charsetParam(contentType); label != "" {
		return label
	}
	return metaCharset(body)
}

// repairMojibake undoes the damage of a Chinese page that was decoded as
// a Latin charset (windows-1252, ISO-8859-1 or -15) and saved again as
// UTF-8, once or twice over, as mirrors and old crawlers did: text that
// declares GBK, GB18030 or Big5 but holds no Chinese at all, only Latin-1
// letters, is turned back into bytes and decoded with the declared
// charset, as long as that yields common Chinese characters. Anything else
// comes back unchanged.
func repairMojibake(text, label string) string {
	enc := lookupCharset(label)
	if enc == nil || !isCJKEncoding(label) {
		return text
	}
	if !looksLatin1(text[:min(len(text), 64<<10)]) {
		return text
	}
	best, bestScore := text, minMojibakeHan-1
	var try func(s string, depth int)
	try = func(s string, depth int) {
		// ISO-8859-15 shows as €ŠšŽžŒœŸ the bytes windows-1252 shows as
		// ¤¦¨´¸¼½¾; GBK and Big5 text is full of them, so whichever set
		// appears tells the reading apart (on a tie the first map wins).
		maps := []map[rune]byte{cp1252High, iso885915High}
		if !strings.ContainsAny(s, "¤¦¨´¸¼½¾") && strings.ContainsAny(s, "€ŠšŽžŒœŸ") {
			maps[0], maps[1] = maps[1], maps[0]
		}
		for _, high := range maps {
			raw, ok := latinBytes(s, high)
			if !ok {
				continue
			}
			if utf8.Valid(raw) && depth < maxMojibakeLayers && string(raw) != s {
				try(string(raw), depth+1) // one more layer of UTF-8 to peel
				continue
			}
			out, err := enc.NewDecoder().Bytes(raw)
			if err != nil {
				continue
			}
			if score := cjkScore(string(out[:min(len(out), 64<<10)])); score > bestScore {
				best, bestScore = strings.ToValidUTF8(string(out), "\ufffd"), score
			}
		}
	}
	try(text, 1)
	return best
}

// latinBytes turns s back into the single-byte text it was decoded from:
// runes below U+0100 are their own byte (ISO-8859-1, C1 controls
// included), the others are looked up in high. It reports false when a
// rune has no byte.
func latinBytes(s string, high map[rune]byte) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch b, ok := high[r]; {
		case r < 0x100:
			out = append(out, byte(r))
		case ok:
			out = append(out, b)
		default:
			return nil, false
		}
	}
	return out, true
}

// The letters windows-1252 and ISO-8859-15 put where ISO-8859-1 has C1
// controls and symbols.
var (
	cp1252High = map[rune]byte{
		'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88,
		'‰': 0x89, 'Š': 0x8a, '‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e, '‘': 0x91, '’': 0x92, '“': 0x93,
		'”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b,
		'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
	}
	iso885915High = map[rune]byte{
		'€': 0xa4, 'Š': 0xa6, 'š': 0xa8, 'Ž': 0xb4, 'ž': 0xb8, 'Œ': 0xbc, 'œ': 0xbd, 'Ÿ': 0xbe,
	}
)

// looksLatin1 reports whether the non-ASCII text of s is all Latin-1
// letters and windows-1252 symbols — and there is enough of it — as
// Chinese text misread as a Latin charset is. A page with any CJK
// character is not.
func looksLatin1(s string) bool {
	nonASCII, latin := 0, 0
	for _, r := range s {
		if r < 0x80 {
			continue
		}
		nonASCII++
		_, w1252 := cp1252High[r]
		_, w15 := iso885915High[r]
		switch {
		case r <= 0xff || w1252 || w15:
			latin++
		case r >= 0x2e80 && IsHanOrKana(r):
			return false
		}
	}
	return nonASCII >= minMojibakeRunes && latin*100 >= nonASCII*minMojibakeShare
}

// Thresholds of repairMojibake.
const (
	minMojibakeRunes  = 20 // non-ASCII runes in the sample
	minMojibakeShare  = 95 // percent of them Latin-1
	maxMojibakeLayers = 3
	minMojibakeHan    = 10 // CJK characters a repair must yield
)

// cjkScore counts the CJK ideographs in s, less fifty for each
// replacement character: a right decoding yields many of the first and
// almost none of the second.
func cjkScore(s string) int {
	score := 0
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			score -= 50
		case r >= 0x2e80 && IsHanOrKana(r):
			score++
		}
	}
	return score
}

// isCJKEncoding reports whether label names a multi-byte Chinese charset.
func isCJKEncoding(label string) bool {
	_, name := charset.Lookup(label)
	switch name {
	case "gbk", "gb18030", "big5", "euc-kr", "euc-jp", "shift_jis":
		return true
	}
	return false
}

// hanziScore counts the common Chinese characters in s, less five for each
// replacement character.
func hanziScore(s string) int {
	score := 0
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			score -= 5
		case strings.ContainsRune(commonHanzi, r):
			score++
		}
	}
	return score
}

// metaCharset returns the charset a <meta> element in the head declares.
func metaCharset(body []byte) string {
	if len(body) > 16<<10 {
		body = body[:16<<10]
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "body":
				return ""
			case "meta":
			default:
				continue
			}
			var httpEquiv, content string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch strings.ToLower(string(k)) {
				case "charset":
					return strings.TrimSpace(string(v))
				case "http-equiv":
					httpEquiv = strings.ToLower(string(v))
				case "content":
					content = string(v)
				}
			}
			if httpEquiv == "content-type" {
				if _, params, err := mime.ParseMediaType(content); err == nil && params["charset"] != "" {
					return params["charset"]
				}
				// Searched without lower-casing the whole value: ToLower
				// turns each invalid byte into three, and the index would
				// no longer fit content.
				if i := indexFold(content, "charset="); i >= 0 {
					return strings.Trim(content[i+len("charset="):], ` "';`)
				}
			}
		}
	}
}

// commonHanzi are frequent characters in both simplified and traditional
// forms; decoding Chinese text with the wrong one of GB18030 and Big5 yields
// almost none of them.
const commonHanzi = "的一是不了在人有我他这這个個们們中来來上大为為和国國地到以说說时時要就出会會可也你对對生能而子那得于於着著下自之年过過发發后後作里裡"

// guessEncoding picks an encoding for undeclared bytes that are not
// UTF-8. traditional says the document calls itself traditional Chinese
// (zh-TW, zh-HK, zh-Hant): its double-byte text is Big5. Otherwise the
// decoding of GB18030 and Big5 that yields more common Chinese characters
// (in the first 64 KiB) wins; failing that, double-byte text is GB18030
// and anything else windows-1252.
func guessEncoding(body []byte, traditional bool) encoding.Encoding {
	if traditional && looksDoubleByte(body) {
		return traditionalchinese.Big5
	}
	sample := body
	if len(sample) > 64<<10 {
		sample = sample[:64<<10]
	}
	best, bestScore := encoding.Encoding(nil), 2
	for _, enc := range []encoding.Encoding{simplifiedchinese.GB18030, traditionalchinese.Big5} {
		out, err := enc.NewDecoder().Bytes(sample)
		if err != nil {
			continue
		}
		if score := hanziScore(string(out)); score > bestScore {
			best, bestScore = enc, score
		}
	}
	switch {
	case best != nil:
		return best
	case looksDoubleByte(body):
		return simplifiedchinese.GB18030
	}
	return charmap.Windows1252
}

// XML documents need their own sniffing because parsers such as gofeed
// decode bytes exactly as the XML declaration says (and as UTF-8 without
// one). Real feeds often lie: a "gb2312" declaration over GBK bytes, a
// Latin-1 declaration over UTF-8, no declaration over bytes whose charset
// only the HTTP header names, or an unknown label that makes the parser
// give up. DecodeXML settles the encoding once, transcodes to UTF-8 and
// rewrites the declaration so the parser sees a plain UTF-8 document.

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

// DecodeXML returns an XML document (a feed, an OPML list) transcoded to
// UTF-8, with any XML declaration rewritten to say utf-8. contentType is
// the HTTP Content-Type header, "" when unknown. The order of trust is: a
// byte order mark; bytes that are valid UTF-8 (the common mis-declaration
// is a legacy label over UTF-8 bytes); the XML declaration; the HTTP
// charset; a guess (see guessEncoding; a document whose language is
// traditional Chinese counts as such). data is never modified.
func DecodeXML(data []byte, contentType string) []byte {
	if bytes.HasPrefix(data, utf8BOM) {
		data = data[3:]
	} else if enc := utf16Encoding(data); enc != nil {
		return fixDeclaration(decodeWith(enc, data))
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
	switch {
	case err != nil:
		return bytes.ToValidUTF8(data, []byte("\uFFFD"))
	case !utf8.Valid(out):
		return bytes.ToValidUTF8(out, []byte("\uFFFD"))
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
		if enc := lookupCharset(label); enc != nil {
			return enc
		}
	}
	return guessEncoding(data, traditionalHint.Match(headOf(data, 8192)))
}

// lookupCharset maps a charset label to a decoder for bytes that are not
// UTF-8 and carry no byte order mark, or nil when the label is empty,
// unknown or cannot describe such bytes (UTF-8, UTF-16). Every label of the
// GB family decodes as GB18030, its superset: documents that say gb2312
// very often contain GBK characters.
func lookupCharset(label string) encoding.Encoding {
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
