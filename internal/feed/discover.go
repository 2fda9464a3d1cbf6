package feed

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// feedLinkTypes are the <link type> values that announce a feed.
var feedLinkTypes = map[string]bool{
	"application/rss+xml":   true,
	"application/atom+xml":  true,
	"application/feed+json": true,
	"application/json":      true,
}

// Discover returns the feeds an HTML page announces with
// <link rel="alternate" type="application/rss+xml"> (or atom+xml,
// feed+json, json), as absolute http(s) URLs in document order without
// repeats. Relative hrefs are resolved against the page's <base href>, then
// base (the page URL); those that stay relative are dropped. A page in a
// legacy encoding is decoded as its <meta charset> says.
func Discover(page []byte, base string) []string {
	if !utf8.Valid(page) {
		if enc, _, _ := charset.DetermineEncoding(page, "text/html"); enc != nil {
			if decoded, err := enc.NewDecoder().Bytes(page); err == nil {
				page = decoded
			}
		}
	}
	baseURL := parseAbsolute(base)
	var found []string
	baseSeen := false
	seen := make(map[string]bool)
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return found
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr {
			continue
		}
		switch atom.Lookup(name) {
		case atom.Base:
			if baseSeen {
				continue // only the first <base href> counts
			}
			if href := attrs(z)["href"]; href != "" {
				baseSeen = true
				if u := parseAbsolute(resolve(baseURL, href)); u != nil {
					baseURL = u
				}
			}
		case atom.Link:
			a := attrs(z)
			if !hasToken(a["rel"], "alternate") {
				continue
			}
			mediaType, _, _ := strings.Cut(a["type"], ";")
			if !feedLinkTypes[strings.ToLower(strings.TrimSpace(mediaType))] {
				continue
			}
			u := parseAbsolute(resolve(baseURL, a["href"]))
			if u == nil || (u.Scheme != "http" && u.Scheme != "https") {
				continue
			}
			u.Fragment = ""
			s := u.String()
			if !seen[s] {
				seen[s] = true
				found = append(found, s)
			}
		}
	}
}

// attrs returns the attributes of the tokenizer's current tag, keys in
// lower case.
func attrs(z *html.Tokenizer) map[string]string {
	m := make(map[string]string)
	for {
		key, val, more := z.TagAttr()
		k := strings.ToLower(string(key))
		if _, dup := m[k]; !dup {
			m[k] = strings.TrimSpace(string(val))
		}
		if !more {
			return m
		}
	}
}

// hasToken reports whether a space-separated list (a rel value) contains
// token, compared without case.
func hasToken(list, token string) bool {
	for _, t := range strings.Fields(list) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}
