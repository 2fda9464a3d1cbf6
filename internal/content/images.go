package content

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Image is one image an article uses.
type Image struct {
	// URL is what to fetch: absolute, with image-proxy wrappers removed.
	URL string
	// Original is the attribute value as written in the page.
	Original string
}

// OriginalSrcAttr is the attribute in which Rewrite keeps the URL an image
// had before it was pointed at a local copy. Sanitize keeps it, and treats
// the src of an <img> carrying it as already local (it is not resolved
// against the page's base URL).
const OriginalSrcAttr = "data-original-src"

// lazyAttrs are the attributes lazy-loading scripts read the real image URL
// from, in the order we trust them. "file" is used by Discuz!-style Chinese
// forum and CMS software.
var lazyAttrs = [...]string{
	"data-src",
	"data-original",
	"data-actualsrc",
	"data-lazy-src",
	"data-echo",
	"file",
}

// maxUnwrap bounds how many proxy layers are peeled off one URL.
const maxUnwrap = 3

// usableRef reports whether an attribute value can name an image worth
// fetching: not empty, and not an inline data: or blob: URL (those are the
// usual lazy-loading placeholders).
func usableRef(v string) bool {
	v = cleanRef(v)
	if v == "" {
		return false
	}
	l := strings.ToLower(v)
	return !strings.HasPrefix(l, "data:") && !strings.HasPrefix(l, "blob:") &&
		!strings.HasPrefix(l, "javascript:") && !strings.HasPrefix(l, "about:")
}

// primaryRef returns the attribute an <img> really displays and its value:
// our own data-original-src if Rewrite has been here, else the first usable
// lazy-loading attribute, else src.
func primaryRef(n *html.Node) (key, val string) {
	if v, ok := getAttr(n, OriginalSrcAttr); ok && usableRef(v) {
		return OriginalSrcAttr, v
	}
	for _, k := range lazyAttrs {
		if v, ok := getAttr(n, k); ok && usableRef(v) {
			return k, v
		}
	}
	if v, ok := getAttr(n, "src"); ok && usableRef(v) {
		return "src", v
	}
	return "", ""
}

// fetchURL turns an image reference from a page into the absolute URL to
// fetch: resolved against base, http or https only, proxies unwrapped.
func fetchURL(base *url.URL, ref string) (string, bool) {
	if !usableRef(ref) {
		return "", false
	}
	u, ok := resolve(base, ref)
	if !ok || !isWebURL(u) {
		return "", false
	}
	for range maxUnwrap {
		inner, ok := unwrapProxy(u)
		if !ok {
			break
		}
		u = inner
	}
	return u.String(), true
}

// unwrapProxy returns the URL an image-resizing proxy URL serves, for the
// proxies Chinese-news mirrors use: images.weserv.nl and wsrv.nl (?url=),
// WordPress Photon (i0.wp.com/host/path) and Google's
// *.googleusercontent.com proxies (?url= or #url). A target written
// without a scheme gets https.
func unwrapProxy(u *url.URL) (*url.URL, bool) {
	host := strings.ToLower(u.Hostname())
	switch {
	case host == "images.weserv.nl" || host == "wsrv.nl" || strings.HasSuffix(host, ".wsrv.nl") ||
		strings.HasSuffix(host, ".weserv.nl"):
		return proxyTarget(u.Query().Get("url"))
	case isPhotonHost(host):
		// The query string carries Photon's own resizing options.
		return proxyTarget(strings.TrimPrefix(u.EscapedPath(), "/"))
	case strings.HasSuffix(host, ".googleusercontent.com") && strings.Contains(u.Path, "/proxy"):
		if t := u.Query().Get("url"); t != "" {
			return proxyTarget(t)
		}
		if f := u.Fragment; strings.HasPrefix(f, "http://") || strings.HasPrefix(f, "https://") {
			return proxyTarget(f)
		}
	}
	return nil, false
}

// isPhotonHost reports whether host is one of WordPress's i0–i3.wp.com.
func isPhotonHost(host string) bool {
	switch host {
	case "i0.wp.com", "i1.wp.com", "i2.wp.com", "i3.wp.com":
		return true
	}
	return false
}

// proxyTarget parses the target of a proxy URL. weserv accepts "host/path",
// "//host/path", "ssl:host/path" and full URLs; the first three mean https
// here (weserv's old default was http, but the sites we mirror serve https).
func proxyTarget(t string) (*url.URL, bool) {
	t = cleanRef(t)
	switch {
	case t == "":
		return nil, false
	case strings.HasPrefix(t, "//"):
		t = "https:" + t
	case strings.HasPrefix(strings.ToLower(t), "ssl:"):
		t = "https://" + strings.TrimLeft(t[len("ssl:"):], "/")
	case !strings.Contains(t, "://"):
		t = "https://" + t
	}
	u, err := url.Parse(t)
	if err != nil || !isWebURL(u) || !strings.Contains(u.Hostname(), ".") {
		return nil, false
	}
	return u, true
}

// isPictureSource reports whether n is a <source> inside a <picture>.
func isPictureSource(n *html.Node) bool {
	return n.Type == html.ElementNode && n.Data == "source" && n.Namespace == "" &&
		n.Parent != nil && n.Parent.Data == "picture"
}

// isImg reports whether n is an HTML <img>.
func isImg(n *html.Node) bool {
	return n.Type == html.ElementNode && n.Data == "img" && n.Namespace == ""
}

// walk calls fn on n and its descendants in document order. fn must not
// detach the node it is given from the tree.
func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

// Images returns the images an article's HTML uses, in document order and
// without duplicates: each <img>'s displayed URL (its lazy-loading attribute
// such as data-src, data-original, data-actualsrc, data-lazy-src, data-echo
// or file when present, else src), the largest srcset candidate of each
// <img> and of each <source> in a <picture>, including images inside
// <noscript>. URLs are resolved against base, image-proxy URLs are unwrapped
// to the image they serve, and data:, blob: and non-http(s) URLs are skipped,
// as are relative URLs when base is empty or not absolute.
func Images(htmlText, base string) []Image {
	return treeImages(parseFragment(htmlText), parseBase(base))
}

// treeImages is Images on a parsed fragment.
func treeImages(root *html.Node, b *url.URL) []Image {
	var out []Image
	seen := make(map[string]bool)
	add := func(ref string) {
		u, ok := fetchURL(b, ref)
		if !ok || seen[u] {
			return
		}
		seen[u] = true
		out = append(out, Image{URL: u, Original: cleanRef(ref)})
	}
	walk(root, func(n *html.Node) {
		switch {
		case isImg(n):
			if _, v := primaryRef(n); v != "" {
				add(v)
			}
			if ss, ok := getAttr(n, "srcset"); ok {
				if c, ok := largest(parseSrcset(ss)); ok {
					add(c.URL)
				}
			}
		case isPictureSource(n):
			if ss, ok := getAttr(n, "srcset"); ok {
				if c, ok := largest(parseSrcset(ss)); ok {
					add(c.URL)
				}
			}
		}
	})
	return out
}

// Rewrite points every image in htmlText at its local copy. m maps the URL
// Images returned for an image to the local URL to serve it from (for
// example "/assets/<sha256>").
//
// An <img> whose displayed URL (or, failing that, largest srcset candidate)
// is in m gets src set to the local URL and data-original-src set to the
// fetched URL; its lazy-loading attributes and srcset are removed, and so are
// the <source> siblings of a <picture>, which would otherwise make browsers
// load the remote image instead. An image not in m keeps its URL, made
// absolute and unwrapped, in src, with lazy-loading attributes moved into
// src. The result is not sanitised: pass it through a Sanitizer.
func Rewrite(htmlText, base string, m map[string]string) string {
	root := parseFragment(htmlText)
	rewriteTree(root, parseBase(base), m)
	return renderChildren(root)
}

// rewriteTree is Rewrite on a parsed fragment, changing it in place.
func rewriteTree(root *html.Node, b *url.URL, m map[string]string) {
	var imgs, sources []*html.Node
	walk(root, func(n *html.Node) {
		switch {
		case isImg(n):
			imgs = append(imgs, n)
		case isPictureSource(n):
			sources = append(sources, n)
		}
	})
	localised := make(map[*html.Node]bool) // <picture> elements with a local <img>
	for _, n := range imgs {
		if rewriteImg(n, b, m) && n.Parent != nil && n.Parent.Data == "picture" {
			localised[n.Parent] = true
		}
	}
	for _, n := range sources {
		if localised[n.Parent] {
			n.Parent.RemoveChild(n)
			continue
		}
		absSrcset(n, b)
	}
}

// rewriteImg applies Rewrite to one <img> and reports whether it now points
// at a local copy.
func rewriteImg(n *html.Node, b *url.URL, m map[string]string) bool {
	_, ref := primaryRef(n)
	primary, hasPrimary := fetchURL(b, ref)
	var best string
	var hasBest bool
	ss, hasSrcset := getAttr(n, "srcset")
	if hasSrcset {
		if c, ok := largest(parseSrcset(ss)); ok {
			best, hasBest = fetchURL(b, c.URL)
		}
	}
	// data-original-src keeps the URL as the page wrote it (made absolute,
	// proxy not unwrapped), so an export can give back exactly what the
	// source published; the URL we fetched is recorded with the asset.
	origin, local := "", ""
	switch {
	case hasPrimary && m[primary] != "":
		origin, local = asWritten(b, ref, primary), m[primary]
	case hasBest && m[best] != "":
		c, _ := largest(parseSrcset(ss))
		origin, local = asWritten(b, c.URL, best), m[best]
	}
	removeAttr(n, lazyAttrs[:]...)
	if local != "" {
		removeAttr(n, "srcset", "sizes")
		setAttr(n, "src", local)
		setAttr(n, OriginalSrcAttr, origin)
		return true
	}
	removeAttr(n, OriginalSrcAttr)
	switch {
	case hasPrimary:
		setAttr(n, "src", primary)
	case hasBest:
		setAttr(n, "src", best)
	}
	if hasSrcset {
		absSrcset(n, b)
	}
	return false
}

// asWritten returns ref resolved against b, or fallback when that is not an
// http(s) URL.
func asWritten(b *url.URL, ref, fallback string) string {
	if u, ok := resolve(b, cleanRef(ref)); ok && isWebURL(u) {
		return u.String()
	}
	return fallback
}

// absSrcset makes every candidate of n's srcset absolute and unwrapped,
// dropping candidates that cannot be fetched, and removes the attribute when
// none is left. Candidates are never made local: only an <img> src marked
// with data-original-src may hold a local URL, so that Sanitize knows not to
// resolve it against the page.
func absSrcset(n *html.Node, b *url.URL) {
	ss, ok := getAttr(n, "srcset")
	if !ok {
		return
	}
	var kept []candidate
	for _, c := range parseSrcset(ss) {
		if u, ok := fetchURL(b, c.URL); ok {
			kept = append(kept, candidate{URL: u, Desc: c.Desc})
		}
	}
	if len(kept) == 0 {
		removeAttr(n, "srcset")
		return
	}
	setAttr(n, "srcset", formatSrcset(kept))
}
