// Package feed turns the bytes of a news feed into items, and holds the other
// pure functions around following feeds: reading and writing OPML
// subscription lists, discovering feed links in an HTML page, and deciding
// when to poll a feed next.
//
// It owns the decoding of feeds: RSS 2.0, RSS 1.0/RDF, Atom and JSON Feed
// (parsed by github.com/mmcdole/gofeed), legacy Chinese and other encodings,
// including mis-declared ones, date zones (a date without a zone is read in
// the feed's zone, "CST" in a Chinese feed is +08:00), relative links and
// tidy titles.
//
// It does not fetch anything (another package does HTTP and passes bytes
// and the Content-Type header in), does not store items, does not clean or
// canonicalise article HTML or URLs beyond resolving relative links, and
// does not extract articles from web pages.
package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	gofeedjson "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"

	"github.com/newsvault/newsvault/internal/zh"
)

// MaxSize is the largest input Parse and ParseOPML accept, in bytes.
const MaxSize = 20 << 20

// Sentinel errors that callers branch on. Errors returned by this package
// wrap them with the operation and the input.
var (
	// ErrNotFeed reports bytes that are not a feed at all, e.g. an HTML page,
	// another XML document or JSON that is not a JSON Feed.
	ErrNotFeed = errors.New("not a feed")
	// ErrMalformed reports a feed that cannot be parsed: broken XML or JSON,
	// a truncated document.
	ErrMalformed = errors.New("malformed feed")
	// ErrTooLarge reports input over MaxSize.
	ErrTooLarge = errors.New("input too large")
)

// Feed is a parsed feed.
type Feed struct {
	Title       string
	SiteURL     string // the site the feed belongs to, absolute when BaseURL allows
	Description string
	Language    string // as the feed declares it, e.g. "zh-CN"; "" when it does not
	Items       []Item
}

// Item is one entry of a feed.
type Item struct {
	GUID   string // guid, Atom id or JSON Feed id, as written
	URL    string // the item's link, absolute when a base is known
	Title  string // plain text: entities decoded, whitespace collapsed
	Author string

	// Published and Updated are zero when unknown. A date without a zone is
	// read in the feed's zone (see ParseOptions.Location). Published falls
	// back to the update date when the feed gives only that.
	Published, Updated time.Time

	Content    string // full HTML content when the feed has it (content:encoded, Atom content, content_html)
	Summary    string // description or summary, often HTML
	Image      string // enclosure, media or item image URL, when present
	Categories []string
}

// ParseOptions tune Parse.
type ParseOptions struct {
	// Location reads dates that carry no zone. nil: infer from the feed's
	// language (zh-CN/zh-Hans/zh → Asia/Shanghai, zh-TW/zh-Hant → Asia/Taipei,
	// zh-HK → Asia/Hong_Kong), else UTC. A feed that declares no language
	// but whose titles are Chinese counts as zh.
	Location *time.Location
	// BaseURL is the feed's URL, used to resolve relative links when the
	// feed's own site link does not.
	BaseURL string
}

// Parse parses the bytes of an RSS, RDF, Atom or JSON feed. contentType is
// the HTTP Content-Type header ("" when unknown); its charset is used when
// the document does not settle its own encoding.
//
// The encoding is settled before gofeed sees the bytes: a byte order mark,
// else bytes that are valid UTF-8 whatever they claim, else the XML
// declaration, else the HTTP charset, else a guess between GB18030 (Big5
// for a traditional-Chinese feed) and Windows-1252. Labels of the GB family
// decode as GB18030. Dates follow ParseOptions.Location; "CST" is +08:00 in
// a Chinese feed and US Central Time otherwise.
//
// It returns an error wrapping ErrTooLarge for input over MaxSize,
// ErrNotFeed when the bytes are something else, and ErrMalformed when they
// are a feed that cannot be read (including elements nested deeper than
// 10000, which would overflow gofeed's recursive parser). A feed without
// items is not an error. It does not panic.
func Parse(data []byte, contentType string, opts ParseOptions) (f *Feed, err error) {
	input := describeInput(data, opts.BaseURL)
	defer func() {
		// One hostile feed must not bring the archiver down. The fuzz test
		// fails on this error, so bugs still surface.
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("parse feed %s: %w: panic: %v", input, ErrMalformed, r)
		}
	}()
	if len(data) > MaxSize {
		return nil, fmt.Errorf("parse feed %s: %w (limit %d bytes)", input, ErrTooLarge, MaxSize)
	}
	body := zh.DecodeXML(data, contentType)

	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("parse feed %s: %w: empty document", input, ErrNotFeed)
	}
	switch trimmed[0] {
	case '{':
	case '<':
		root, offset, serr := scanXML(body)
		switch {
		case root == "":
			return nil, fmt.Errorf("parse feed %s: %w: no XML root element (%v)", input, ErrNotFeed, serr)
		case strings.EqualFold(root, "html"):
			return nil, fmt.Errorf("parse feed %s: %w: an HTML page", input, ErrNotFeed)
		case !isFeedRoot(root):
			return nil, fmt.Errorf("parse feed %s: %w: XML root element <%s>, want <rss>, <rdf:RDF> or <feed>", input, ErrNotFeed, root)
		case serr != nil:
			return nil, fmt.Errorf("parse feed %s: %w: %v", input, ErrMalformed, serr)
		}
		// gofeed detects the type from the first 4 KiB only; start the
		// document at its root element so a long preamble does no harm.
		if offset > 0 {
			body = body[offset:]
		}
	default:
		what := "text"
		switch {
		case trimmed[0] == '[':
			what = "a JSON array (a JSON Feed is an object)"
		case looksHTML(trimmed):
			what = "an HTML page"
		}
		return nil, fmt.Errorf("parse feed %s: %w: %s that starts with %q", input, ErrNotFeed, what, firstRunes(trimmed, 16))
	}

	gf, err := runGofeed(body)
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, fmt.Errorf("parse feed %s: %w: %v", input, ErrNotFeed, err)
		}
		return nil, fmt.Errorf("parse feed %s: %w: %v", input, ErrMalformed, err)
	}
	if jf, ok := gf.OriginalFeed().(*gofeedjson.Feed); ok && !isJSONFeed(jf) {
		return nil, fmt.Errorf("parse feed %s: %w: JSON without a jsonfeed.org version or items", input, ErrNotFeed)
	}
	return convert(gf, opts), nil
}

// runGofeed parses UTF-8 feed bytes with gofeed, turning a panic inside it
// into an error.
func runGofeed(body []byte) (gf *gofeed.Feed, err error) {
	defer func() {
		if r := recover(); r != nil {
			gf, err = nil, fmt.Errorf("gofeed panic: %v", r)
		}
	}()
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	// Item images come from enclosures and media elements, not from the
	// first <img> of the content (often a tracking pixel or an avatar).
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	return p.Parse(bytes.NewReader(body))
}

// isJSONFeed reports whether a JSON document gofeed read is a JSON Feed: it
// names a jsonfeed.org version or at least has an items array.
func isJSONFeed(jf *gofeedjson.Feed) bool {
	v := strings.ToLower(jf.Version)
	return strings.Contains(v, "jsonfeed.org/version") || jf.Items != nil
}

// maxDepth bounds element nesting. gofeed parses extension elements
// recursively, and a document nested a few million deep (which fits in
// MaxSize) overflows the goroutine stack: a fatal error that no recover
// catches. encoding/xml's Unmarshal and encoding/json use the same limit.
const maxDepth = 10000

// scanXML returns the local name of the first element of an XML document
// and its byte offset. For a feed root it then checks that elements do not
// nest deeper than maxDepth, counting the way encoding/xml's non-strict mode
// (and so gofeed) does: an end tag closes every open element above its
// match, and one that matches nothing is ignored. Syntax errors after the
// root are left for gofeed to report.
func scanXML(body []byte) (root string, offset int64, err error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // already UTF-8
	var stack []string
	open := make(map[string]int)
	for {
		off := d.InputOffset()
		tok, terr := d.RawToken()
		if terr != nil {
			if root == "" {
				return "", 0, terr
			}
			return root, offset, nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root, offset = t.Name.Local, off
				if !isFeedRoot(root) {
					return root, offset, nil
				}
			}
			stack = append(stack, t.Name.Local)
			open[t.Name.Local]++
			if len(stack) > maxDepth {
				return root, offset, fmt.Errorf("elements nest deeper than %d", maxDepth)
			}
		case xml.EndElement:
			if open[t.Name.Local] == 0 {
				continue
			}
			for {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				open[top]--
				if top == t.Name.Local {
					break
				}
			}
		case xml.Directive:
			if root == "" && bytes.HasPrefix(bytes.ToLower(bytes.TrimSpace(t)), []byte("doctype html")) {
				return "html", off, nil
			}
		}
	}
}

// isFeedRoot reports whether an XML root element's local name is one of
// RSS (<rss>), RSS 1.0 (<rdf:RDF>) or Atom (<feed>).
func isFeedRoot(name string) bool {
	switch strings.ToLower(name) {
	case "rss", "rdf", "feed":
		return true
	}
	return false
}

// looksHTML reports whether a document that does not start with "<" is
// still an HTML page (e.g. text before the markup).
func looksHTML(b []byte) bool {
	head := bytes.ToLower(b[:min(len(b), 4096)])
	return bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<!doctype html"))
}

// describeInput names Parse's input in error messages.
func describeInput(data []byte, baseURL string) string {
	if baseURL != "" {
		return fmt.Sprintf("%s (%d bytes)", baseURL, len(data))
	}
	return fmt.Sprintf("(%d bytes)", len(data))
}

// firstRunes returns the start of b for an error message.
func firstRunes(b []byte, n int) string {
	s := string(b[:min(len(b), 4*n)])
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// convert maps gofeed's universal feed onto ours.
func convert(gf *gofeed.Feed, opts ParseOptions) *Feed {
	f := &Feed{
		Title:       cleanText(gf.Title),
		Description: strings.TrimSpace(gf.Description),
		Language:    strings.TrimSpace(gf.Language),
	}

	feedBase := parseAbsolute(opts.BaseURL)
	f.SiteURL = resolve(feedBase, gf.Link)
	itemBase := parseAbsolute(f.SiteURL)
	if itemBase == nil {
		itemBase = feedBase
	}

	sample := []string{f.Title}
	for i, it := range gf.Items {
		if i == 10 {
			break
		}
		sample = append(sample, it.Title)
	}
	z := zh.RulesFor(f.Language, opts.Location, zh.ChineseNotJapanese(sample...))

	var rssItems []*rss.Item
	var jsonItems []*gofeedjson.Item
	switch orig := gf.OriginalFeed().(type) {
	case *rss.Feed:
		rssItems = orig.Items
	case *gofeedjson.Feed:
		jsonItems = orig.Items
	}

	f.Items = make([]Item, 0, len(gf.Items))
	for i, gi := range gf.Items {
		if gi == nil {
			continue
		}
		it := Item{
			GUID:       strings.TrimSpace(gi.GUID),
			Title:      cleanText(gi.Title),
			Author:     itemAuthor(gi),
			Content:    strings.TrimSpace(gi.Content),
			Summary:    strings.TrimSpace(gi.Description),
			Categories: cleanCategories(gi.Categories),
		}
		link := firstNonEmpty(append([]string{gi.Link}, gi.Links...)...)
		if link == "" && i < len(rssItems) && rssItems[i] != nil {
			link = permalinkGUID(rssItems[i].GUID)
		}
		it.URL = resolve(itemBase, link)
		it.Image = resolve(itemBase, itemImage(gi))
		if i < len(jsonItems) && jsonItems[i] != nil && jsonItems[i].ContentHTML == "" {
			it.Content = textToHTML(jsonItems[i].ContentText)
		}
		if t, ok := z.Parse(gi.Published, gi.PublishedParsed); ok {
			it.Published = t
		}
		if t, ok := z.Parse(gi.Updated, gi.UpdatedParsed); ok {
			it.Updated = t
		}
		if it.Published.IsZero() {
			it.Published = it.Updated
		}
		f.Items = append(f.Items, it)
	}
	return f
}

// permalinkGUID returns an RSS guid usable as the item's link: one marked
// isPermaLink="true", or an unmarked one (the RSS 2.0 default is true) that
// is an http(s) URL.
func permalinkGUID(g *rss.GUID) string {
	if g == nil {
		return ""
	}
	v := strings.TrimSpace(g.Value)
	switch strings.ToLower(strings.TrimSpace(g.IsPermalink)) {
	case "true":
		return v
	case "":
		lower := strings.ToLower(v)
		if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
			return v
		}
	}
	return ""
}

// itemAuthor returns the item's author names, comma-separated.
func itemAuthor(gi *gofeed.Item) string {
	var names []string
	for _, p := range gi.Authors {
		if p != nil {
			if n := cleanText(p.Name); n != "" {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 && gi.Author != nil {
		if n := cleanText(gi.Author.Name); n != "" {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// itemImage returns the URL of the item's image: gofeed's choice (iTunes
// image, media:content image, image enclosure, JSON Feed image), else a
// media:thumbnail, an image media:content inside media:group, or an
// enclosure whose URL looks like an image.
func itemImage(gi *gofeed.Item) string {
	if gi.Image != nil && strings.TrimSpace(gi.Image.URL) != "" {
		return strings.TrimSpace(gi.Image.URL)
	}
	if media := gi.Extensions["media"]; media != nil {
		for _, e := range media["thumbnail"] {
			if u := strings.TrimSpace(e.Attrs["url"]); u != "" {
				return u
			}
		}
		contents := media["content"]
		for _, g := range media["group"] {
			contents = append(contents, g.Children["content"]...)
			for _, th := range g.Children["thumbnail"] {
				if u := strings.TrimSpace(th.Attrs["url"]); u != "" {
					return u
				}
			}
		}
		for _, e := range contents {
			u := strings.TrimSpace(e.Attrs["url"])
			if u != "" && (strings.HasPrefix(e.Attrs["type"], "image/") || e.Attrs["medium"] == "image" || hasImageExt(u)) {
				return u
			}
		}
	}
	for _, enc := range gi.Enclosures {
		if enc == nil {
			continue
		}
		u := strings.TrimSpace(enc.URL)
		if u != "" && (strings.HasPrefix(enc.Type, "image/") || enc.Type == "" && hasImageExt(u)) {
			return u
		}
	}
	return ""
}

// hasImageExt reports whether a URL's path ends like an image file.
func hasImageExt(u string) bool {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	switch strings.ToLower(path.Ext(u)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif":
		return true
	}
	return false
}

// cleanText turns a title-like string into plain text: entities decoded,
// whitespace runs collapsed to one space, ends trimmed.
func cleanText(s string) string {
	if strings.Contains(s, "&") {
		s = html.UnescapeString(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// cleanCategories tidies category names and drops empty and repeated ones.
func cleanCategories(cats []string) []string {
	var out []string
	seen := make(map[string]bool, len(cats))
	for _, c := range cats {
		c = cleanText(c)
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
	}
	return out
}

// textToHTML renders JSON Feed content_text as HTML paragraphs.
func textToHTML(text string) string {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" {
		return ""
	}
	var b strings.Builder
	for _, para := range strings.Split(text, "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}

// firstNonEmpty returns the first of ss that is not blank, trimmed.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// parseAbsolute parses an absolute http(s) URL, or returns nil.
func parseAbsolute(s string) *url.URL {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil
	}
	return u
}

// resolve makes ref absolute against base. An absolute ref is returned as
// written (trimmed), so that links are not re-encoded; a relative one that
// cannot be resolved is returned as is.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil || u.IsAbs() || base == nil {
		return ref
	}
	return base.ResolveReference(u).String()
}
