package content

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"

	"github.com/newsvault/newsvault/internal/zh"
)

// Block levels: how much separation an element puts around its content.
const (
	inline    = iota
	lineBreak // its own line (list items, table rows)
	paragraph // its own paragraph, one blank line around it
)

// blockLevel maps element names to their block level; absent means inline.
var blockLevel = map[string]int{
	"li": lineBreak, "tr": lineBreak, "dt": lineBreak, "dd": lineBreak,
	"option": lineBreak, "thead": lineBreak, "tbody": lineBreak, "tfoot": lineBreak,

	"address": paragraph, "article": paragraph, "aside": paragraph,
	"blockquote": paragraph, "caption": paragraph, "center": paragraph,
	"details": paragraph, "dialog": paragraph, "dir": paragraph, "div": paragraph,
	"dl": paragraph, "fieldset": paragraph, "figcaption": paragraph,
	"figure": paragraph, "footer": paragraph, "form": paragraph, "h1": paragraph,
	"h2": paragraph, "h3": paragraph, "h4": paragraph, "h5": paragraph,
	"h6": paragraph, "header": paragraph, "hgroup": paragraph, "hr": paragraph,
	"legend": paragraph, "main": paragraph, "menu": paragraph, "nav": paragraph,
	"ol": paragraph, "p": paragraph, "pre": paragraph, "section": paragraph,
	"summary": paragraph, "table": paragraph, "ul": paragraph,
}

// textSkipped are elements whose content is not readable text. Ruby
// annotations (<rt>, <rp>) are skipped so that the base text reads and
// searches as written.
var textSkipped = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true, "head": true,
	"title": true, "meta": true, "link": true, "iframe": true, "object": true,
	"embed": true, "canvas": true, "audio": true, "video": true, "select": true,
	"textarea": true, "button": true, "rt": true, "rp": true, "noembed": true,
	"noframes": true,
}

// Text returns the readable plain text of an HTML fragment. Block elements
// are separated by a blank line (list items and table rows by a single
// newline), <br> becomes a newline, runs of whitespace inside a line become
// one space, and a line break in the source between two CJK characters is
// dropped rather than turned into a space. Lines have no leading or trailing
// whitespace, there is never more than one blank line in a row, and scripts,
// styles, <noscript> and embedded objects contribute nothing. Figure
// captions come out as their own paragraphs.
func Text(htmlText string) string {
	return NodeText(parseFragment(htmlText))
}

// NodeText is Text for the children of an already parsed node (a
// <noscript>'s content counts for nothing either way).
func NodeText(n *html.Node) string {
	var w textWriter
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
	return w.b.String()
}

// textWriter accumulates text with deferred whitespace, so that nothing
// trails a line and breaks collapse.
type textWriter struct {
	b            strings.Builder
	last         rune // last rune on the current line, 0 at a line start
	space        bool // whitespace seen since last
	spaceNewline bool // that whitespace included a line break
	breaks       int  // newlines owed before the next text, at most 2
	pre          int  // depth of <pre> elements
}

func (w *textWriter) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.ElementNode:
	case html.DocumentNode:
	default:
		return
	}
	if n.Type == html.ElementNode {
		if n.Namespace != "" || textSkipped[n.Data] {
			return
		}
		if n.Data == "br" {
			w.lineBreak()
			return
		}
	}
	level := blockLevel[n.Data]
	w.block(level)
	if n.Data == "pre" {
		w.pre++
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
	if n.Data == "pre" {
		w.pre--
	}
	w.block(level)
	if n.Data == "td" || n.Data == "th" {
		w.space = true
	}
}

// block asks for a separation of level around a block element.
func (w *textWriter) block(level int) {
	if level == inline {
		return
	}
	if level > w.breaks {
		w.breaks = level
	}
	w.space, w.spaceNewline = false, false
}

// lineBreak handles <br>: each one owes a newline, up to one blank line.
func (w *textWriter) lineBreak() {
	if w.breaks < paragraph {
		w.breaks++
	}
	w.space, w.spaceNewline = false, false
}

// isInvisible reports whether r is a zero-width character to drop.
func isInvisible(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
		return true
	}
	return false
}

func (w *textWriter) text(s string) {
	for _, r := range s {
		switch {
		case isInvisible(r):
			continue
		case w.pre > 0 && r == '\n':
			w.lineBreak()
			continue
		case w.pre > 0 && r == '\r':
			continue
		case unicode.IsSpace(r):
			// Inside <pre> only line breaks survive: indentation would
			// break the no-leading-space rule anyway.
			w.space = true
			if r == '\n' || r == '\r' {
				w.spaceNewline = true
			}
			continue
		}
		w.emit(r)
	}
}

// emit writes r after any owed breaks or space.
func (w *textWriter) emit(r rune) {
	if w.b.Len() > 0 && w.breaks > 0 {
		w.b.WriteString("\n\n"[:w.breaks])
		w.last = 0
	}
	w.breaks = 0
	if w.space && w.last != 0 && !(w.spaceNewline && zh.IsCJKOrPunct(w.last) && zh.IsCJKOrPunct(r)) {
		w.b.WriteByte(' ')
	}
	w.space, w.spaceNewline = false, false
	w.b.WriteRune(r)
	w.last = r
}
