// Package feedout writes feeds of archived articles for readers' feed
// readers: Atom 1.0 and JSON Feed, through gorilla/feeds. It owns the
// shape of an outgoing feed (which fields, full content, newest first) and
// the one rewrite feeds need, our local image links made absolute; the live
// server and the static site both build their feeds here.
package feedout

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gorilla/feeds"

	"github.com/newsvault/newsvault/internal/archive"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Format is a feed format.
type Format string

// The formats written.
const (
	Atom Format = "atom"
	JSON Format = "json"
)

// Ext is the file extension of a format (".atom", ".json").
func (f Format) Ext() string { return "." + string(f) }

// ContentType is the media type a format is served with.
func (f Format) ContentType() string {
	if f == JSON {
		return "application/feed+json; charset=utf-8"
	}
	return "application/atom+xml; charset=utf-8"
}

// Info describes a feed as a whole.
type Info struct {
	Title string
	// Self is the feed's own absolute URL; Link the page it is a feed of.
	Self, Link string
	// ID names the feed for ever (Atom's id); Self is used when empty.
	ID      string
	Updated time.Time
}

// Item is one article as a feed entry. Content is full, sanitised HTML with
// absolute links (see AbsoluteImages).
type Item struct {
	ID        string // stable: the archived page's URL
	Link      string // where to read it: our copy
	Original  string // the article's own URL
	Title     string
	Author    string
	Published time.Time
	Updated   time.Time
	Content   string
	Summary   string
}

// Write writes items (newest first, as given) as a feed in format f.
func Write(w io.Writer, f Format, info Info, items []Item) error {
	id := info.ID
	if id == "" {
		id = info.Self
	}
	feed := &feeds.Feed{
		Title:   info.Title,
		Link:    &feeds.Link{Href: info.Link},
		Id:      id,
		Updated: info.Updated,
	}
	for _, it := range items {
		fi := &feeds.Item{
			Title:       it.Title,
			Link:        &feeds.Link{Href: it.Link},
			Id:          it.ID,
			Description: it.Summary,
			Content:     it.Content,
			Created:     it.Published,
			Updated:     it.Updated,
		}
		if it.Author != "" {
			fi.Author = &feeds.Author{Name: it.Author}
		}
		if fi.Updated.IsZero() {
			fi.Updated = fi.Created
		}
		feed.Items = append(feed.Items, fi)
	}
	switch f {
	case Atom:
		a := (&feeds.Atom{Feed: feed}).AtomFeed()
		for i, e := range a.Entries {
			// The article's own URL, beside our copy.
			if items[i].Original == "" {
				continue
			}
			e.Links = append(e.Links, feeds.AtomLink{Href: items[i].Original, Rel: "related"})
		}
		a.Link = &feeds.AtomLink{Href: info.Link, Rel: "alternate"}
		return feeds.WriteXML(a, w)
	case JSON:
		j := (&feeds.JSON{Feed: feed}).JSONFeed()
		j.FeedUrl = info.Self
		j.HomePageUrl = info.Link
		for i, it := range j.Items {
			it.ExternalUrl = items[i].Original
		}
		s, err := j.ToJSON()
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, s)
		return err
	}
	return fmt.Errorf("feed format %q: want atom or json", f)
}

// AbsoluteImages rewrites the src of every <img> in fragment s with fn;
// fn returns the new src, or "" to drop the image. Everything else is kept.
// Content that does not parse as a fragment is returned unchanged.
func AbsoluteImages(s string, fn func(src string) string) string {
	if !strings.Contains(s, "<img") && !strings.Contains(s, "<IMG") {
		return s
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		return s
	}
	for _, n := range nodes {
		ctx.AppendChild(n)
	}
	rewriteImgs(ctx, fn)
	var b strings.Builder
	for n := ctx.FirstChild; n != nil; n = n.NextSibling {
		if err := html.Render(&b, n); err != nil {
			return s
		}
	}
	return b.String()
}

func rewriteImgs(n *html.Node, fn func(string) string) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		rewriteImgs(c, fn)
		c = next
	}
	if n.Type != html.ElementNode || n.DataAtom != atom.Img {
		return
	}
	src := ""
	for _, a := range n.Attr {
		if a.Key == "src" {
			src = a.Val
		}
	}
	ns := fn(src)
	if ns == "" {
		n.Parent.RemoveChild(n)
		return
	}
	for i := range n.Attr {
		if n.Attr[i].Key == "src" {
			n.Attr[i].Val = ns
		}
	}
}

// FromArticle is the feed entry of article a, read at link, with its
// content already made servable and absolute.
func FromArticle(a archive.Article, link, html string) Item {
	return Item{ID: a.URL, Link: link, Original: a.URL, Title: a.Title, Author: a.Author,
		Published: firstTime(a.Published, a.FirstSeenAt), Updated: firstTime(a.Updated, a.Published, a.FirstSeenAt), Content: html}
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
