package content

import (
	"net/url"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// linkRel is the rel every sanitised link carries.
const linkRel = "nofollow noopener"

// droppedElements are removed with everything inside them before
// bluemonday runs. bluemonday would drop most of them too, but for some it
// keeps the text content (a <form>'s labels, an <svg>'s <title>), which is
// page furniture, not article text.
var droppedElements = map[string]bool{
	"script": true, "style": true, "template": true, "iframe": true, "frame": true,
	"frameset": true, "object": true, "embed": true, "applet": true, "noembed": true,
	"noframes": true, "meta": true, "link": true, "base": true, "head": true,
	"title": true, "form": true, "input": true, "button": true, "select": true,
	"textarea": true, "option": true, "datalist": true, "audio": true, "video": true,
	"canvas": true, "param": true, "track": true, "portal": true, "dialog": true,
}

// Patterns for attributes bluemonday lets through. The pre-pass has already
// rewritten the URLs these contain; the patterns are a second line.
var (
	reSrcset  = regexp.MustCompile(`^[^\x00-\x1f"'<>\\` + "`" + `]+$`)
	reSizes   = regexp.MustCompile(`^[a-zA-Z0-9 ,.()%:-]+$`)
	reMIME    = regexp.MustCompile(`^[a-zA-Z0-9.+-]+/[a-zA-Z0-9.+-]+$`)
	reMedia   = regexp.MustCompile(`^[a-zA-Z0-9 ,.()%:-]+$`)
	reHTTPURL = regexp.MustCompile(`^https?://[^\s"'<>\\` + "`" + `]+$`)
	reLinkRel = regexp.MustCompile(`^` + linkRel + `$`)
	// Plain text for alt and title: bluemonday's own pattern rejects CJK
	// punctuation (（）。、「」), which would strip most Chinese captions.
	reText   = regexp.MustCompile(`^[^<>\x00-\x08\x0b\x0c\x0e-\x1f]*$`)
	reNumber = regexp.MustCompile(`^[0-9]{1,4}$`)
)

// Sanitizer makes article HTML safe to store and serve. It is safe for
// concurrent use.
type Sanitizer struct {
	policy *bluemonday.Policy
}

// NewSanitizer returns a Sanitizer built on bluemonday's UGC policy,
// widened to keep the structure news articles use (figures and captions,
// <picture>/<source srcset>, tables, quotes, headings, lists, code, small
// print, sub/superscripts, ruby annotations) and narrowed to http, https and
// mailto URLs.
func NewSanitizer() *Sanitizer {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowElements("figure", "figcaption", "picture", "blockquote", "pre", "code", "kbd",
		"small", "sub", "sup", "ruby", "rt", "rp", "del", "ins", "s")
	p.AllowAttrs("srcset").Matching(reSrcset).OnElements("img", "source")
	p.AllowAttrs("sizes").Matching(reSizes).OnElements("img", "source")
	p.AllowAttrs("type").Matching(reMIME).OnElements("source")
	p.AllowAttrs("media").Matching(reMedia).OnElements("source")
	p.AllowAttrs(OriginalSrcAttr).Matching(reHTTPURL).OnElements("img")
	p.AllowAttrs("rel").Matching(reLinkRel).OnElements("a")
	p.AllowAttrs("alt").Matching(reText).OnElements("img", "area")
	p.AllowAttrs("title").Matching(reText).Globally()
	p.AllowAttrs("border").Matching(reNumber).OnElements("img", "table")
	// Inline styles that carry meaning in news copy (a grey caption, a
	// centred credit line, bold or struck-through words) survive, checked
	// by bluemonday's per-property value rules; layout and positioning do
	// not, so archived markup cannot cover or restyle the page around it.
	p.AllowStyles("color", "background-color", "text-align", "font-weight", "font-style", "text-decoration").Globally()
	return &Sanitizer{policy: p}
}

// Servable returns stored article HTML safe to serve. HTML whose mark is
// the current SanitizerVersion (it was written by this sanitiser's rules)
// is returned as it is; anything else (rows from before the mark, from an
// older policy, or written by something else) is sanitised again.
func (s *Sanitizer) Servable(stored string, mark int) string {
	if mark == SanitizerVersion {
		return stored
	}
	return s.Sanitize(stored, "")
}

// Sanitize returns htmlText made safe for storing and serving. Relative
// URLs are first resolved against base (when base is an absolute http(s)
// URL); then scripts, styles, frames, forms, embedded objects, SVG and
// MathML are removed with their content, event handlers, style and class
// attributes are dropped, and every URL that is not http, https or (for
// links) mailto is removed, data: included. Links get rel="nofollow
// noopener" and lose target. Lazy-loaded images get their real URL in src,
// and images that appear only inside <noscript> are kept.
//
// The src of an <img> carrying data-original-src (see Rewrite) is a local
// URL and is not resolved against base.
//
// The output is deterministic and sanitising it again returns it unchanged.
func (s *Sanitizer) Sanitize(htmlText, base string) string {
	// Re-serialise with x/net/html so that a second pass sees exactly the
	// markup it would produce itself.
	return renderChildren(s.sanitizeTree(parseFragment(htmlText), parseBase(base)))
}

// sanitizeTree is Sanitize on a parsed fragment: root's children are
// cleaned in place, and the sanitised fragment is returned under a new
// detached <body>.
func (s *Sanitizer) sanitizeTree(root *html.Node, b *url.URL) *html.Node {
	shown := make(map[string]bool)
	walk(root, func(n *html.Node) {
		if isImg(n) && !insideNoscript(n) {
			if u, ok := imgKey(n, b); ok {
				shown[u] = true
			}
		}
	})
	cleanTree(root, b, shown)
	out := parseFragment(s.policy.Sanitize(renderChildren(root)))
	// bluemonday may drop an href it cannot parse while keeping the <a>
	// (and its rel); a second pass would then drop the bare <a>. Unwrap such
	// links now so that sanitising is idempotent.
	var bare []*html.Node
	walk(out, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "a" {
			if _, ok := getAttr(n, "href"); !ok {
				bare = append(bare, n)
			}
		}
	})
	for _, a := range bare {
		for c := a.FirstChild; c != nil; {
			next := c.NextSibling
			a.RemoveChild(c)
			a.Parent.InsertBefore(c, a)
			c = next
		}
		a.Parent.RemoveChild(a)
	}
	return out
}

// insideNoscript reports whether n has a <noscript> ancestor.
func insideNoscript(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "noscript" {
			return true
		}
	}
	return false
}

// imgKey identifies the image an <img> shows, for spotting the <noscript>
// copy of a lazy-loaded image.
func imgKey(n *html.Node, b *url.URL) (string, bool) {
	_, v := primaryRef(n)
	return fetchURL(b, v)
}

// cleanTree removes dropped elements, comments and unwanted <noscript>
// content below n and rewrites the URL attributes of what remains.
func cleanTree(n *html.Node, b *url.URL, shown map[string]bool) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch c.Type {
		case html.CommentNode, html.DoctypeNode:
			n.RemoveChild(c)
		case html.ElementNode:
			switch {
			case c.Namespace != "" || droppedElements[c.Data]:
				n.RemoveChild(c)
			case c.Data == "noscript":
				for _, img := range noscriptImages(c, b, shown) {
					img.Parent.RemoveChild(img)
					n.InsertBefore(img, c)
					cleanElement(img, b)
				}
				n.RemoveChild(c)
			default:
				cleanElement(c, b)
				cleanTree(c, b, shown)
			}
		}
		c = next
	}
}

// noscriptImages returns the <img> elements inside a <noscript> that show an
// image not already on the page, and marks them shown. The rest of a
// <noscript> ("please enable JavaScript") is not article content.
func noscriptImages(ns *html.Node, b *url.URL, shown map[string]bool) []*html.Node {
	var imgs []*html.Node
	walk(ns, func(n *html.Node) {
		if !isImg(n) {
			return
		}
		u, ok := imgKey(n, b)
		if !ok || shown[u] {
			return
		}
		shown[u] = true
		imgs = append(imgs, n)
	})
	return imgs
}

// cleanElement rewrites the URL-bearing attributes of one element.
func cleanElement(n *html.Node, b *url.URL) {
	switch n.Data {
	case "a", "area":
		removeAttr(n, "target")
		if cleanURLAttr(n, "href", b, true) {
			setAttr(n, "rel", linkRel)
		} else {
			removeAttr(n, "rel")
		}
	case "img":
		cleanImg(n, b)
	case "source":
		removeAttr(n, "src")
		cleanSrcset(n, b)
	case "blockquote", "q", "del", "ins":
		cleanURLAttr(n, "cite", b, false)
	}
}

// cleanImg puts the URL a lazy-loaded <img> really shows into src and
// resolves its URLs.
func cleanImg(n *html.Node, b *url.URL) {
	// Rewrite made src local and kept the original in data-original-src:
	// check src but keep it relative. Only when the original is a usable
	// web URL, though: otherwise the attribute goes, and src must then be
	// treated as any other, or a second pass would resolve it.
	if orig, ok := originalSrc(n, b); ok {
		cleanURLAttr(n, "src", nil, false)
		setAttr(n, OriginalSrcAttr, orig)
	} else {
		removeAttr(n, OriginalSrcAttr)
		if k, v := primaryRef(n); k != "" && k != "src" {
			setAttr(n, "src", v)
		}
		cleanURLAttr(n, "src", b, false)
	}
	removeAttr(n, lazyAttrs[:]...)
	cleanSrcset(n, b)
}

// originalSrc returns n's data-original-src resolved against b, if it is
// an http(s) URL.
func originalSrc(n *html.Node, b *url.URL) (string, bool) {
	v, ok := getAttr(n, OriginalSrcAttr)
	if !ok || !usableRef(v) {
		return "", false
	}
	u, ok := resolve(b, v)
	if !ok || !isWebURL(u) {
		return "", false
	}
	return u.String(), true
}

// cleanURLAttr resolves n's attribute key against b and removes it unless it
// is an http(s) URL (or mailto when mailto is true) or, without a base, a
// relative reference. It reports whether the attribute remains.
func cleanURLAttr(n *html.Node, key string, b *url.URL, mailto bool) bool {
	v, ok := getAttr(n, key)
	if !ok {
		return false
	}
	u, ok := resolve(b, v)
	if !ok || !allowedURL(u, mailto) {
		removeAttr(n, key)
		return false
	}
	setAttr(n, key, u.String())
	return true
}

// allowedURL reports whether u may appear in sanitised output.
func allowedURL(u *url.URL, mailto bool) bool {
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "mailto":
		return mailto
	case "":
		// A relative reference, left relative because there is no base.
		return true
	}
	return false
}

// cleanSrcset resolves every srcset candidate of n, dropping the ones that
// are not http(s), and removes srcset (and sizes) when nothing is left.
func cleanSrcset(n *html.Node, b *url.URL) {
	ss, ok := getAttr(n, "srcset")
	if !ok {
		removeAttr(n, "sizes")
		return
	}
	var kept []candidate
	for _, c := range parseSrcset(ss) {
		u, ok := resolve(b, c.URL)
		if !ok || !allowedURL(u, false) || !usableRef(c.URL) {
			continue
		}
		kept = append(kept, candidate{URL: u.String(), Desc: cleanDescriptor(c.Desc)})
	}
	if len(kept) == 0 {
		removeAttr(n, "srcset", "sizes")
		return
	}
	setAttr(n, "srcset", formatSrcset(kept))
}

// reDescriptor matches the srcset descriptors kept: a width or a density.
var reDescriptor = regexp.MustCompile(`^(?:[0-9]+w|[0-9]+(?:\.[0-9]+)?x)$`)

// cleanDescriptor keeps a srcset descriptor only when it is a plain width or
// density ("640w", "1.5x").
func cleanDescriptor(d string) string {
	if reDescriptor.MatchString(d) {
		return d
	}
	return ""
}
