package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// headInfo is the metadata a page declares in <meta>, <link>, <title>,
// <base> and <html lang>. Values are raw (trimmed, not resolved).
type headInfo struct {
	Title     string // <title>
	OGTitle   string // og:title, else twitter:title
	SiteName  string // og:site_name, else application-name
	Image     string // og:image, else twitter:image
	Canonical string // <link rel=canonical>
	OGURL     string // og:url
	Author    string // meta author and friends
	Lang      string // <html lang>, else content-language
	Base      string // <base href>
	Published []string
	Modified  []string
}

// Meta keys (property, name or itemprop, lower-cased, spaces removed) read
// for each field, in priority order.
var (
	publishedKeys = []string{
		"article:published_time", "og:article:published_time", "article:published",
		"datepublished", "published_time", "publishdate", "publish_date", "publish-date",
		"pubdate", "pubtime", "weibo:article:create_at", "bytedance:published_time",
		"og:release_date", "dc.date.issued", "dcterms.issued", "dc.date", "sailthru.date",
		"parsely-pub-date", "date", "apub:time",
	}
	modifiedKeys = []string{
		"article:modified_time", "og:updated_time", "article:modified", "datemodified",
		"modified_time", "lastmod", "last-modified", "weibo:article:update_at",
		"dcterms.modified",
	}
	authorKeys = []string{"author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author"}
)

// readHead collects head metadata from anywhere in doc (pages put <meta>
// in <body> too).
func readHead(doc *html.Node) headInfo {
	var h headInfo
	metas := make(map[string]string)
	var contentLang string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Namespace == "" {
			switch n.Data {
			case "html":
				if h.Lang == "" {
					h.Lang = strings.TrimSpace(attr(n, "lang"))
				}
			case "title":
				if h.Title == "" {
					h.Title = collapseSpace(textOf(n))
				}
			case "base":
				if h.Base == "" {
					h.Base = strings.TrimSpace(attr(n, "href"))
				}
			case "link":
				if h.Canonical == "" && hasToken(attr(n, "rel"), "canonical") {
					h.Canonical = strings.TrimSpace(attr(n, "href"))
				}
			case "meta":
				content := strings.TrimSpace(attr(n, "content"))
				if content == "" {
					break
				}
				if strings.EqualFold(attr(n, "http-equiv"), "content-language") && contentLang == "" {
					contentLang = content
				}
				for _, k := range []string{"property", "name", "itemprop"} {
					key := strings.ToLower(strings.ReplaceAll(attr(n, k), " ", ""))
					if key != "" {
						if _, seen := metas[key]; !seen {
							metas[key] = content
						}
					}
				}
			case "time":
				// <time itemprop="datePublished" datetime="…">
				if dt := strings.TrimSpace(attr(n, "datetime")); dt != "" {
					switch strings.ToLower(attr(n, "itemprop")) {
					case "datepublished":
						if _, seen := metas["datepublished"]; !seen {
							metas["datepublished"] = dt
						}
					case "datemodified":
						if _, seen := metas["datemodified"]; !seen {
							metas["datemodified"] = dt
						}
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)

	h.OGTitle = first(metas, "og:title", "twitter:title")
	h.SiteName = first(metas, "og:site_name", "application-name")
	h.Image = first(metas, "og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")
	h.OGURL = metas["og:url"]
	for _, k := range authorKeys {
		if v := metas[k]; v != "" && !strings.Contains(v, "://") {
			h.Author = v
			break
		}
	}
	if h.Lang == "" {
		h.Lang = first(metas, "content-language", "language", "og:locale")
		if h.Lang == "" {
			h.Lang = contentLang
		}
	}
	for _, k := range publishedKeys {
		if v := metas[k]; v != "" {
			h.Published = append(h.Published, v)
		}
	}
	for _, k := range modifiedKeys {
		if v := metas[k]; v != "" {
			h.Modified = append(h.Modified, v)
		}
	}
	return h
}

// first returns the first non-empty metas value among keys.
func first(metas map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := metas[k]; v != "" {
			return v
		}
	}
	return ""
}

// attr returns n's attribute key (case-insensitively), or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// hasToken reports whether the space-separated list s contains tok.
func hasToken(s, tok string) bool {
	for _, f := range strings.Fields(s) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

// textOf returns the concatenated text below n.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// collapseSpace trims s and collapses its whitespace runs (of
// unicode.IsSpace runes) to one space. Text that needs no change is
// returned as it is, without a copy.
func collapseSpace(s string) string {
	if !needsCollapse(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r < utf8.RuneSelf && asciiSpace[r] || r >= utf8.RuneSelf && unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// needsCollapse reports whether collapseSpace would change s: it has
// leading or trailing space, a space other than ' ', or two in a row.
func needsCollapse(s string) bool {
	prev := true // at the start, any space is leading
	for _, r := range s {
		sp := r < utf8.RuneSelf && asciiSpace[r] || r >= utf8.RuneSelf && unicode.IsSpace(r)
		if sp && (prev || r != ' ') {
			return true
		}
		prev = sp
	}
	return prev && s != ""
}

// asciiSpace marks the ASCII runes unicode.IsSpace reports.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}
