package extract

import (
	"bytes"
	"mime"
	"net/http"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
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
