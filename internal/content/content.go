// Package content owns what newsvault does to an article's HTML between
// extraction and storage or display: sanitising it (Sanitizer), listing the
// images it uses (Images), pointing those images at local copies (Rewrite)
// and reducing it to readable plain text (Text). Article does all four on
// one parsed tree, which may come straight from package extract, so that an
// article is parsed once on its way into the archive; its output carries
// SanitizerVersion so that the server can tell stored HTML it may serve as
// it is.
//
// It works on HTML fragments that are already decoded to UTF-8, parsed with
// golang.org/x/net/html in a <body> context. It does not fetch anything,
// decide which part of a page is the article (package extract does that) or
// store images (the caller downloads the URLs Images returns and hands
// Rewrite the resulting map).
package content

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// parseFragment parses s as the children of a <body> element and returns a
// detached <body> node holding them. Scripting is disabled so that the
// content of <noscript> is parsed as markup: lazy-loading pages often keep
// the only real <img> of a picture there.
func parseFragment(s string) *html.Node {
	root := newBody()
	ctx := newBody()
	nodes, err := html.ParseFragmentWithOptions(strings.NewReader(s), ctx, html.ParseOptionEnableScripting(false))
	if err != nil {
		// Only the reader can fail, and a strings.Reader does not.
		return root
	}
	for _, n := range nodes {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
		root.AppendChild(n)
	}
	return root
}

// newBody returns a detached <body> element.
func newBody() *html.Node {
	return &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
}

// renderChildren serialises the children of root.
func renderChildren(root *html.Node) string {
	var buf bytes.Buffer
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		// Render only fails on writer errors, which bytes.Buffer never returns,
		// or on a malformed tree, which the parser does not produce.
		_ = html.Render(&buf, c)
	}
	return buf.String()
}

// getAttr returns the value of n's attribute key and whether it is present.
func getAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// setAttr sets n's attribute key to val, adding it at the end if absent.
func setAttr(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

// removeAttr deletes every attribute of n named one of keys.
func removeAttr(n *html.Node, keys ...string) {
	out := n.Attr[:0]
	for _, a := range n.Attr {
		drop := false
		if a.Namespace == "" {
			for _, k := range keys {
				if a.Key == k {
					drop = true
					break
				}
			}
		}
		if !drop {
			out = append(out, a)
		}
	}
	n.Attr = out
}

// parseBase returns base as an absolute http(s) URL, or nil when it is empty
// or unusable, in which case relative references stay relative.
func parseBase(base string) *url.URL {
	base = strings.TrimSpace(base)
	if base == "" {
		return nil
	}
	u, err := url.Parse(base)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil
	}
	return u
}

// cleanRef strips what browsers strip from a URL attribute before parsing
// it: surrounding ASCII whitespace and embedded tabs and newlines. Without
// the second step "java\nscript:" would slip past a scheme check.
func cleanRef(ref string) string {
	ref = strings.Trim(ref, " \t\n\r\f")
	if strings.ContainsAny(ref, "\t\n\r") {
		ref = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(ref)
	}
	return ref
}

// resolve parses ref and resolves it against base (which may be nil). It
// reports false when ref is empty or does not parse.
func resolve(base *url.URL, ref string) (*url.URL, bool) {
	ref = cleanRef(ref)
	if ref == "" {
		return nil, false
	}
	u, err := url.Parse(ref)
	if err != nil {
		return nil, false
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	return u, true
}

// isWebURL reports whether u is an absolute http or https URL with a host.
func isWebURL(u *url.URL) bool {
	return u != nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
