// Package htmlparse parses HTML documents and fragments with
// golang.org/x/net/html, including markup nested deeper than that parser
// accepts (it refuses more than 512 open elements, where browsers keep
// going): such input is parsed again with the elements past a depth
// flattened into their ancestor, their text kept, as browsers flatten
// overly deep trees. It owns only that; what is done with the tree belongs
// to the callers (extract, content).
package htmlparse

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
)

// Flattening depths tried in turn when x/net/html refuses the input. The
// parser adds elements of its own (html, body, tbody, formatting elements
// it reopens), so the first try leaves it half its limit to spare; the last
// also drop formatting elements, which the parser may reopen without end;
// the very last keeps only text (and void and raw-text elements).
var retries = []struct {
	depth          int
	dropFormatting bool
}{{256, false}, {64, false}, {64, true}, {0, true}}

// Parse parses a whole document, as html.ParseWithOptions does.
func Parse(s string, opts ...html.ParseOption) (*html.Node, error) {
	doc, err := html.ParseWithOptions(strings.NewReader(s), opts...)
	if err == nil {
		return doc, nil
	}
	for _, r := range retries {
		if doc, rerr := html.ParseWithOptions(strings.NewReader(flatten(s, r.depth, r.dropFormatting)), opts...); rerr == nil {
			return doc, nil
		}
	}
	return nil, fmt.Errorf("parse html: %w", err)
}

// ParseFragment parses s as the content of context, as
// html.ParseFragmentWithOptions does.
func ParseFragment(s string, context *html.Node, opts ...html.ParseOption) ([]*html.Node, error) {
	nodes, err := html.ParseFragmentWithOptions(strings.NewReader(s), context, opts...)
	if err == nil {
		return nodes, nil
	}
	for _, r := range retries {
		if nodes, rerr := html.ParseFragmentWithOptions(strings.NewReader(flatten(s, r.depth, r.dropFormatting)), context, opts...); rerr == nil {
			return nodes, nil
		}
	}
	return nil, fmt.Errorf("parse html fragment: %w", err)
}

// Flatten returns s with every element that would open deeper than
// maxDepth removed, tags only: its text, comments and the elements it holds
// at allowed depths stay in place. Elements whose content is raw text
// (script, style, textarea, title…) are always kept, so their content never
// turns into visible text. The depth is counted as a browser would close
// elements, conservatively: an element the parser would close implicitly
// may still count as open, which only flattens earlier.
func Flatten(s string, maxDepth int) string {
	return flatten(s, maxDepth, false)
}

type openElem struct {
	name string
	kept bool
}

func flatten(s string, maxDepth int, dropFormatting bool) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s))
	var stack []openElem
	kept := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			raw := z.Raw()
			nameB, _ := z.TagName()
			name := string(nameB)
			if name == "noscript" {
				// Flattened like any element: callers parse with
				// scripting off, where its content is markup.
				z.NextIsNotRawText()
			}
			switch {
			case voidElements[name]:
				b.Write(raw)
				continue
			case rawTextElements[name]:
				// Raw text holds no elements: keep it whole.
				b.Write(raw)
				if tt == html.StartTagToken {
					stack = append(stack, openElem{name, true})
					kept++
				}
				continue
			case dropFormatting && formattingElements[name]:
				continue
			}
			if closesSibling[name] && len(stack) > 0 && stack[len(stack)-1].name == name {
				if stack[len(stack)-1].kept {
					kept--
				}
				stack = stack[:len(stack)-1]
			}
			if kept >= maxDepth {
				stack = append(stack, openElem{name, false})
				continue
			}
			stack = append(stack, openElem{name, true})
			kept++
			b.Write(raw)
		case html.EndTagToken:
			raw := z.Raw()
			nameB, _ := z.TagName()
			name := string(nameB)
			if dropFormatting && formattingElements[name] {
				continue
			}
			i := len(stack) - 1
			for i >= 0 && stack[i].name != name {
				i--
			}
			if i < 0 {
				// Closes nothing we know of: the parser ignores it or
				// makes an empty element of it (</p>, </br>).
				if kept < maxDepth {
					b.Write(raw)
				}
				continue
			}
			wasKept := stack[i].kept
			for j := len(stack) - 1; j >= i; j-- {
				if stack[j].kept {
					kept--
				}
			}
			stack = stack[:i]
			if wasKept {
				b.Write(raw)
			}
		default:
			b.Write(z.Raw())
		}
	}
}

// voidElements never have content or an end tag.
var voidElements = set("area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr", "basefont", "bgsound", "frame", "image")

// rawTextElements hold text the tokenizer does not read as markup.
var rawTextElements = set("iframe", "noembed", "noframes", "plaintext", "script", "style", "textarea", "title", "xmp")

// closesSibling are elements a start tag of the same name closes.
var closesSibling = set("p", "li", "dt", "dd", "option", "tr", "td", "th")

// formattingElements are the elements the parser reopens after they were
// closed by another element's end tag.
var formattingElements = set("a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u")

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
