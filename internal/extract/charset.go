package extract

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// pageKind is what Extract does with a page.
type pageKind int

const (
	kindOther pageKind = iota // not an article
	kindHTML
	kindText
)

// classify decides from the declared Content-Type and the body whether a
// page is HTML, plain text or something else, and returns the media type to
// report for the last case. A declared HTML or text type is believed unless
// the body is recognisably binary; without a declaration, HTML is told from
// text by its tags.
func classify(contentType string, body []byte) (pageKind, string) {
	declared := ""
	if contentType != "" {
		if mt, _, err := mime.ParseMediaType(contentType); err == nil {
			declared = mt
		} else {
			declared = strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
		}
	}
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(body))
	textual := declared == "" || declared == "text/html" || declared == "application/xhtml+xml" || declared == "text/plain"
	switch {
	case !textual:
		return kindOther, declared
	case isBinary(body, sniffed):
		return kindOther, sniffed
	}
	switch declared {
	case "text/html", "application/xhtml+xml":
		return kindHTML, declared
	case "text/plain":
		if sniffed == "text/html" {
			return kindHTML, declared
		}
		return kindText, declared
	}
	head := body[:min(len(body), 64<<10)]
	if sniffed == "text/html" || hasMarkup(string(head)) {
		return kindHTML, "text/html"
	}
	return kindText, "text/plain"
}

// isBinary reports whether body is not text: http.DetectContentType
// recognised a binary format, or it found control bytes and they are more
// than stray bytes in an HTML comment (pages saved by old Chinese portals
// have those).
func isBinary(body []byte, sniffed string) bool {
	switch {
	case strings.HasPrefix(sniffed, "text/"), sniffed == "application/xml", sniffed == "application/json":
		return false
	case sniffed != "application/octet-stream":
		return true // image/*, audio/*, video/*, font/*, PDF, archives…
	case bytes.HasPrefix(body, []byte{0xfe, 0xff}), bytes.HasPrefix(body, []byte{0xff, 0xfe}):
		return false // UTF-16 with a byte-order mark
	}
	sample := body[:min(len(body), 4096)]
	ctl := 0
	for _, b := range sample {
		switch {
		case b == 0:
			return true
		case b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' && b != 0x1b:
			ctl++
		}
	}
	return ctl*20 > len(sample)
}

// hasMarkup reports whether text contains a start tag of a common HTML
// element, so that a page served as text/html but holding bare text goes
// down the text path and an undeclared page with tags goes down the HTML
// path.
func hasMarkup(s string) bool {
	if len(s) > 64<<10 {
		s = s[:64<<10]
	}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.DoctypeToken:
			return true
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			if markupAtoms[atom.Lookup(name)] {
				return true
			}
		}
	}
}

// markupAtoms are tags that make text HTML.
var markupAtoms = map[atom.Atom]bool{
	atom.Html: true, atom.Head: true, atom.Body: true, atom.Title: true, atom.Meta: true,
	atom.Script: true, atom.Style: true, atom.Link: true, atom.P: true, atom.Div: true,
	atom.Br: true, atom.Span: true, atom.A: true, atom.Img: true, atom.Table: true,
	atom.Ul: true, atom.Ol: true, atom.Li: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.Font: true, atom.Center: true, atom.Article: true,
	atom.Section: true, atom.B: true, atom.I: true, atom.Strong: true, atom.Em: true,
}

// decode returns body as UTF-8 text. In order: a byte-order mark decides;
// bytes that are valid UTF-8 stay UTF-8 whatever the page declares (a copy
// re-encoded by a mirror keeps its old <meta charset>); then the
// Content-Type charset; then a <meta> charset in the first 16 KiB; and
// finally a guess between GB18030 and Big5 by how many common Chinese
// characters each decoding yields, falling back to windows-1252. GBK and
// GB2312 labels are decoded as GB18030, their superset, because pages so
// labelled routinely use characters outside GB2312.
func decode(body []byte, contentType string) string {
	switch {
	case bytes.HasPrefix(body, []byte("\xef\xbb\xbf")):
		return strings.ToValidUTF8(string(body[3:]), "\ufffd")
	case bytes.HasPrefix(body, []byte{0xfe, 0xff}):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), body)
	case bytes.HasPrefix(body, []byte{0xff, 0xfe}):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), body)
	case utf8.Valid(body):
		return repairMojibake(string(body), declaredCharset(body, contentType))
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		if enc := lookupCharset(params["charset"]); enc != nil {
			return decodeWith(enc, body)
		}
	}
	if enc := lookupCharset(metaCharset(body)); enc != nil {
		return decodeWith(enc, body)
	}
	return decodeWith(guessEncoding(body), body)
}

// declaredCharset returns the charset label the Content-Type or a <meta>
// declares, or "".
func declaredCharset(body []byte, contentType string) string {
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
		return params["charset"]
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
		case r >= 0x2e80 && isHan(r):
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
		case r >= 0x2e80 && isHan(r):
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

// lookupCharset returns the decoder for a charset label, or nil when the
// label is empty, unknown or UTF-8 (which the caller already ruled out).
func lookupCharset(label string) encoding.Encoding {
	if label == "" {
		return nil
	}
	enc, name := charset.Lookup(label)
	switch {
	case enc == nil, name == "utf-8", name == "replacement":
		return nil
	case name == "gbk" || name == "gb18030":
		return simplifiedchinese.GB18030
	}
	return enc
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
				if i := indexASCIIFold(content, "charset="); i >= 0 {
					return strings.Trim(content[i+len("charset="):], ` "';`)
				}
			}
		}
	}
}

// indexASCIIFold is strings.Index ignoring ASCII case; sub must be ASCII.
func indexASCIIFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// commonHanzi are frequent characters in both simplified and traditional
// forms; decoding Chinese text with the wrong one of GB18030 and Big5 yields
// almost none of them.
const commonHanzi = "的一是不了在人有我他这這个個们們中来來上大为為和国國地到以说說时時要就出会會可也你对對生能而子那得于於着著下自之年过過发發后後作里裡"

// guessEncoding picks an encoding for undeclared non-UTF-8 bytes.
func guessEncoding(body []byte) encoding.Encoding {
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
	if best == nil {
		enc, _ := charset.Lookup("windows-1252")
		return enc
	}
	return best
}

// decodeWith decodes body with enc, replacing what cannot be decoded.
func decodeWith(enc encoding.Encoding, body []byte) string {
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return strings.ToValidUTF8(string(body), "\ufffd")
	}
	return strings.ToValidUTF8(string(out), "\ufffd")
}
