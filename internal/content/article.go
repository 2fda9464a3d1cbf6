package content

import (
	"net/url"

	"golang.org/x/net/html"
)

// SanitizerVersion identifies the policy Sanitizer applies. HTML stored
// with this number next to it is Sanitizer output (and stays so through
// Article.Rewrite) and may be served as it is; HTML stored with any other
// number, 0 for rows written before the number was kept, must be sanitised
// again before it is served. Raise it whenever the policy changes.
const SanitizerVersion = 1

// Article is an article's HTML parsed once and sanitised: images are listed
// and re-pointed, and the plain text and the markup to store are produced,
// all on the same tree. An Article is not safe for concurrent use.
type Article struct {
	root *html.Node // a detached <body> holding the sanitised fragment
	base *url.URL
}

// Article parses htmlText and sanitises it as Sanitize does.
func (s *Sanitizer) Article(htmlText, base string) *Article {
	return s.ArticleFromTree(parseFragment(htmlText), base)
}

// ArticleFromTree sanitises the children of n, as Sanitize would their
// rendering, without parsing them from text first. n is typically the main
// content node package extract found; it is consumed (its children are
// moved and changed) and must not be used afterwards. <noscript> content
// that was parsed as text (html.Parse enables scripting by default) is
// parsed as markup, so that the images it holds are found as Sanitize
// finds them.
func (s *Sanitizer) ArticleFromTree(n *html.Node, base string) *Article {
	root := detachChildren(n)
	walk(root, markupNoscript)
	b := parseBase(base)
	return &Article{root: s.sanitizeTree(root, b), base: b}
}

// Trusted wraps HTML that is already Sanitizer output (stored with the
// current SanitizerVersion) without sanitising it again.
func Trusted(htmlText, base string) *Article {
	return &Article{root: parseFragment(htmlText), base: parseBase(base)}
}

// HTML returns the article's markup. It is Sanitizer output: sanitising it
// again returns it unchanged.
func (a *Article) HTML() string { return renderChildren(a.root) }

// Text returns the article's plain text, as Text would for HTML().
func (a *Article) Text() string { return NodeText(a.root) }

// Images returns the images the article uses, as Images would for HTML().
func (a *Article) Images() []Image { return treeImages(a.root, a.base) }

// Rewrite points the article's images at their local copies, as Rewrite
// would for HTML(). The result is still Sanitizer output: every attribute
// Rewrite writes is checked against the sanitising policy's rules.
func (a *Article) Rewrite(m map[string]string) {
	rewriteTree(a.root, a.base, m)
	var bare []*html.Node
	walk(a.root, func(n *html.Node) {
		if isImg(n) || isPictureSource(n) {
			keepPolicyAttrs(n)
			if len(n.Attr) == 0 {
				bare = append(bare, n)
			}
		}
	})
	// The policy allows <img> and <source> only with attributes: one left
	// with none (a relative srcset that could not be made absolute) goes.
	for _, n := range bare {
		n.Parent.RemoveChild(n)
	}
}

// keepPolicyAttrs drops the image attributes whose values the sanitising
// policy would drop, so that a re-pointed image stays Sanitizer output.
func keepPolicyAttrs(n *html.Node) {
	if v, ok := getAttr(n, OriginalSrcAttr); ok && !reHTTPURL.MatchString(v) {
		removeAttr(n, OriginalSrcAttr)
	}
	if v, ok := getAttr(n, "srcset"); ok && !reSrcset.MatchString(v) {
		removeAttr(n, "srcset", "sizes")
	}
}

// detachChildren moves the children of n under a new detached <body>.
func detachChildren(n *html.Node) *html.Node {
	root := newBody()
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		n.RemoveChild(c)
		root.AppendChild(c)
		c = next
	}
	return root
}

// markupNoscript replaces the text content of a <noscript> (what html.Parse
// produces with scripting enabled) by that text parsed as markup.
func markupNoscript(n *html.Node) {
	if n.Type != html.ElementNode || n.Data != "noscript" || n.Namespace != "" {
		return
	}
	c := n.FirstChild
	if c == nil || c.Type != html.TextNode || c.NextSibling != nil {
		return
	}
	n.RemoveChild(c)
	frag := parseFragment(c.Data)
	for k := frag.FirstChild; k != nil; {
		next := k.NextSibling
		frag.RemoveChild(k)
		n.AppendChild(k)
		k = next
	}
}
