package extract

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsvault/newsvault/internal/htmlparse"
)

// lazyAttrs hold the real URL of a lazy-loaded image on common sites and
// Chinese CMSs (WeChat uses data-src, Zhihu data-actualsrc, Discuz file).
var lazyAttrs = []string{"data-src", "data-original", "data-actualsrc", "data-lazy-src", "data-echo", "data-url", "file"}

// promoteLazyImages gives every lazy-loaded <img> its real URL in src and
// turns <noscript> image copies into real images, before the extractors run:
// they keep only src, so without this an article's lazy images
// would reach the archive as placeholders or not at all.
func promoteLazyImages(doc *html.Node) {
	var noscripts []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Img:
				for _, k := range lazyAttrs {
					if v := attr(n, k); usableImageRef(v) {
						setAttribute(n, "src", strings.TrimSpace(v))
						break
					}
				}
			case atom.Noscript:
				noscripts = append(noscripts, n)
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, ns := range noscripts {
		unwrapNoscriptImages(ns)
	}
}

// unwrapNoscriptImages replaces a <noscript> holding images with those
// images, unless an image just before it already shows a real URL (then the
// <noscript> is a duplicate and goes).
func unwrapNoscriptImages(ns *html.Node) {
	raw := textOf(ns)
	if !strings.Contains(strings.ToLower(raw), "<img") || ns.Parent == nil {
		return
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := htmlparse.ParseFragment(raw, ctx)
	if err != nil {
		return
	}
	prev := ns.PrevSibling
	for prev != nil && prev.Type == html.TextNode && strings.TrimSpace(prev.Data) == "" {
		prev = prev.PrevSibling
	}
	if prev != nil && prev.Type == html.ElementNode && prev.DataAtom == atom.Img {
		if usableImageRef(attr(prev, "src")) {
			ns.Parent.RemoveChild(ns)
			return
		}
		prev.Parent.RemoveChild(prev) // a placeholder the <noscript> copy replaces
	}
	for _, n := range nodes {
		if n.Type == html.ElementNode && (n.DataAtom == atom.Img || n.DataAtom == atom.Picture) {
			ns.Parent.InsertBefore(n, ns)
		}
	}
	ns.Parent.RemoveChild(ns)
}

// usableImageRef reports whether v is a real image URL rather than an empty
// or inline placeholder.
func usableImageRef(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	return v != "" && !strings.HasPrefix(v, "data:") && !strings.HasPrefix(v, "blob:") &&
		!strings.HasPrefix(v, "javascript:") && !strings.HasPrefix(v, "about:")
}

func setAttribute(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

// reHiddenStyle matches inline styles that hide an element until scripts
// show it.
var reHiddenStyle = regexp.MustCompile(`(?i)(?:visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0*)?)\s*(?:!important)?\s*;?`)

// hiddenStyleWords are in every match of reHiddenStyle.
var hiddenStyleWords = newLiterals("visibility", "opacity")

// revealHiddenContent removes "visibility: hidden" and "opacity: 0" from
// the inline style of elements that hold a lot of text: pages such as
// WeChat's hide the article until a script has run, and an archive runs
// no scripts. Small hidden elements (menus, pop-ups, templates) stay
// hidden.
func revealHiddenContent(doc *html.Node) {
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for i, a := range n.Attr {
				if a.Key == "style" && mayMatch(a.Val, hiddenStyleWords) && reHiddenStyle.MatchString(a.Val) && countTokens(n) >= minRevealTokens {
					n.Attr[i].Val = reHiddenStyle.ReplaceAllString(a.Val, "")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

// minRevealTokens is the text a hidden element needs to be revealed.
const minRevealTokens = 100
