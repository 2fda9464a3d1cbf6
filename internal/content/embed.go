package content

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// embedKinds are the embedding elements kept as a link to what they embed.
// Other embedding elements (object, embed, applet) are dropped as before:
// they carry plug-in content, not a page, a video or a sound.
var embedKinds = map[string]bool{"iframe": true, "video": true, "audio": true}

// embedReplacement returns what an <iframe>, <video> or <audio> becomes in
// sanitized content: a link to what it embeds (only an absolute http(s)
// URL: anything else, javascript: included, gives no link), labelled with
// the kind of thing and its host, followed by its fallback text. Nothing is
// ever embedded or executed. inLink says n is inside an <a>, where a second
// link cannot nest; the label is then plain text. It returns no nodes when
// the element has neither a usable address nor fallback text.
func embedReplacement(n *html.Node, b *url.URL, inLink bool) []*html.Node {
	src, ok := embedSource(n, b)
	fallback := embedFallback(n)
	var out []*html.Node
	if ok {
		label := "[" + embedLabel(n.Data, src) + " (" + src.Hostname() + ")]"
		if inLink {
			out = append(out, &html.Node{Type: html.TextNode, Data: label})
		} else {
			a := &html.Node{Type: html.ElementNode, Data: "a", DataAtom: atom.A,
				Attr: []html.Attribute{{Key: "href", Val: src.String()}, {Key: "rel", Val: linkRel}}}
			a.AppendChild(&html.Node{Type: html.TextNode, Data: label})
			out = append(out, a)
		}
	}
	if fallback != "" {
		if len(out) > 0 {
			fallback = " " + fallback
		}
		out = append(out, &html.Node{Type: html.TextNode, Data: fallback})
	}
	return out
}

// embedSource is the address an embedding element shows: its src, or for
// <video> and <audio> the first <source> child with a usable src.
func embedSource(n *html.Node, b *url.URL) (*url.URL, bool) {
	refs := []string{}
	if v, ok := getAttr(n, "src"); ok {
		refs = append(refs, v)
	}
	if n.Data != "iframe" {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "source" {
				if v, ok := getAttr(c, "src"); ok {
					refs = append(refs, v)
				}
			}
		}
	}
	for _, ref := range refs {
		if !usableRef(ref) {
			continue
		}
		if u, ok := resolve(b, ref); ok && isWebURL(u) {
			return u, true
		}
	}
	return nil, false
}

// embedLabel names what an element embeds for a reader.
func embedLabel(tag string, u *url.URL) string {
	switch tag {
	case "video":
		return "Embedded video"
	case "audio":
		return "Embedded audio"
	}
	host := strings.ToLower(u.Hostname())
	for _, v := range []string{"youtube.", "youtu.be", "vimeo.", "bilibili.", "youku.", "v.qq.com"} {
		if strings.Contains(host, v) {
			return "Embedded video"
		}
	}
	if strings.Contains(strings.ToLower(u.Path), "video") {
		return "Embedded video"
	}
	return "Embedded page"
}

// embedFallback is the text a browser without the embedding feature would
// show: an <iframe>'s content (raw text to the parser, so any markup in it
// is reduced to its text), or the text of a <video>'s or <audio>'s
// children. Whitespace is collapsed.
func embedFallback(n *html.Node) string {
	var text string
	if n.Data == "iframe" {
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			}
		}
		text = NodeText(parseFragment(b.String()))
	} else {
		text = NodeText(n)
	}
	return strings.Join(strings.Fields(text), " ")
}

// insideLink reports whether n has an <a> ancestor.
func insideLink(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "a" {
			return true
		}
	}
	return false
}
