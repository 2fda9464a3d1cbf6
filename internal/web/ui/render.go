package ui

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/web/auth"
)

// pageSet holds one parsed template per page (each with the shared layout)
// and the fingerprints of the static files, used to make their URLs change
// when their content does.
type pageSet struct {
	pages  map[string]*template.Template
	static map[string]string // file name → short content hash
}

func loadPages() (*pageSet, error) {
	ps := &pageSet{pages: map[string]*template.Template{}, static: map[string]string{}}
	statics, err := fs.Glob(files, "static/*")
	if err != nil {
		return nil, err
	}
	for _, name := range statics {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		ps.static[path.Base(name)] = hex.EncodeToString(sum[:6])
	}
	funcs := template.FuncMap{
		"static": func(name string) (string, error) {
			v, ok := ps.static[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return "/static/" + name + "?v=" + v, nil
		},
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return "1 " + one
			}
			return strconv.Itoa(n) + " " + many
		},
		"short": func(s string, n int) string {
			if len(s) <= n {
				return s
			}
			return s[:n]
		},
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(files, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		ps.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return ps, nil
}

// layout is what every page's frame shows; page data embeds it.
type layout struct {
	Title string // the <title>, before " · newsvault"
	Nav   string // the active navigation entry
	Q     string // the search box's value
	Lang  string // lang of the page's main content, if known
	// Feed, when set, is announced with <link rel="alternate">.
	Feed      string
	FeedTitle string
	FeedType  string // default application/rss+xml
	// Refresh, when positive, reloads the page after that many seconds
	// (a job page while the job runs; works without JavaScript).
	Refresh int

	// Set by render from the request, for the frame and the forms:
	// SignedIn by a session or a token; CSRF is the session's token, which
	// every state-changing form carries; CanSubmit when the reader may
	// submit URLs to archive without being signed in.
	SignedIn  bool
	CSRF      string
	CanSubmit bool
}

// pageData is the data of a page template: a struct embedding layout,
// passed by pointer so that render can fill in who is reading.
type pageData interface{ frame() *layout }

func (l *layout) frame() *layout { return l }

// render executes the named page template into a buffer first, so that a
// template error becomes a clean 500 rather than half a page. Pages are
// never stored by shared caches: they may carry a session's CSRF token.
func (s *UI) render(w http.ResponseWriter, r *http.Request, code int, name string, data pageData) {
	t, ok := s.pages.pages[name]
	if !ok {
		s.internal(w, r, fmt.Errorf("no page template %q", name))
		return
	}
	id := auth.IdentityOf(r)
	l := data.frame()
	l.SignedIn, l.CanSubmit, l.CSRF = id.SignedIn(), s.anonSubmit, id.CSRF()
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-cache")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

type errorData struct {
	layout
	Code    int
	Message string
}

func (s *UI) ErrorPage(w http.ResponseWriter, r *http.Request, code int, msg string) {
	title := http.StatusText(code)
	if code == http.StatusNotFound {
		title = "Not found"
	}
	s.render(w, r, code, "error", &errorData{layout: layout{Title: title}, Code: code, Message: msg})
}

// Static serves the embedded CSS, script and icon.
func (s *UI) Static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := files.ReadFile("static/" + name)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "not_found", "no static file "+name)
		return
	}
	ct := "application/octet-stream"
	switch path.Ext(name) {
	case ".css":
		ct = "text/css; charset=utf-8"
	case ".js":
		ct = "text/javascript; charset=utf-8"
	case ".svg":
		ct = "image/svg+xml"
	}
	w.Header().Set("Content-Type", ct)
	if r.URL.Query().Get("v") == s.pages.static[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	w.Header().Set("ETag", `"`+s.pages.static[name]+`"`)
	if r.Header.Get("If-None-Match") == `"`+s.pages.static[name]+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

func (s *UI) Favicon(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/static/icon.svg?v="+s.pages.static["icon.svg"], http.StatusMovedPermanently)
}

// ---- times

// timeView is a time ready for a <time> element.
type timeView struct {
	Attr string // RFC 3339, for datetime=
	Text string // as shown
}

// IsZero reports whether there is no time to show.
func (t timeView) IsZero() bool { return t.Attr == "" }

const shownLayout = "2006-01-02 15:04 -07:00"

// originalTime shows t in the zone it carries (an article's own zone).
func originalTime(t time.Time) timeView {
	if t.IsZero() {
		return timeView{}
	}
	return timeView{Attr: t.Format(time.RFC3339), Text: t.Format(shownLayout)}
}

// localTime shows t, a time we recorded, in the display zone.
func (s *UI) localTime(t time.Time) timeView {
	if t.IsZero() {
		return timeView{}
	}
	t = t.In(s.loc)
	return timeView{Attr: t.Format(time.RFC3339), Text: t.Format(shownLayout)}
}

// ---- pagination

// pager is the page navigation of a listing.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string // URLs; empty at the ends
	Links              []pageLink
}

type pageLink struct {
	N       int
	URL     string
	Current bool
	Gap     bool // an ellipsis instead of a link
}

// pageParam reads ?page=N (1 when absent) and reports whether it is valid.
func pageParam(r *http.Request) (int, bool) {
	v := r.URL.Query().Get("page")
	if v == "" {
		return 1, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1<<20 {
		return 0, false
	}
	return n, true
}

// newPager builds the navigation for page of total items, size per page,
// keeping r's other query parameters in the links.
func newPager(r *http.Request, page, size, total int) pager {
	p := pager{Page: page, Total: total, Pages: (total + size - 1) / size}
	if p.Pages <= 1 {
		return p
	}
	link := func(n int) string {
		q := r.URL.Query()
		// A GET form sends its empty fields too; links leave them out.
		for k, vs := range q {
			if strings.Join(vs, "") == "" {
				q.Del(k)
			}
		}
		if n == 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	last := 0
	for n := 1; n <= p.Pages; n++ {
		if n != 1 && n != p.Pages && (n < page-2 || n > page+2) {
			continue
		}
		if last != 0 && n > last+1 {
			p.Links = append(p.Links, pageLink{Gap: true})
		}
		p.Links = append(p.Links, pageLink{N: n, URL: link(n), Current: n == page})
		last = n
	}
	return p
}

// ---- articles

// articleItem is one article in a listing.
type articleItem struct {
	ID          int64
	Title       string
	Lang        string
	SourceID    int64
	SourceTitle string
	Date        timeView
	Author      string
	Snippet     template.HTML // search results only: the analyzer's escaped text with <mark>
	// Copies is how many copies of this article the search results folded
	// into it (search results only).
	Copies int
}

// langOf returns the language to mark an article's text with: its own
// when known, else "zh" when the text has Han characters (so browsers pick
// CJK fonts and line breaking), else "".
func langOf(lang, sample string) string {
	if lang != "" {
		return lang
	}
	for _, r := range sample {
		if unicode.Is(unicode.Han, r) {
			return "zh"
		}
	}
	return ""
}

// displayTitle is what to call an article with no title.
func displayTitle(title, u string) string {
	if strings.TrimSpace(title) != "" {
		return title
	}
	return u
}

// articleDate is the date shown for an article in listings: its publication
// time in its own zone, else when we first saw it.
func (s *UI) articleDate(a archive.Article) timeView {
	if !a.Published.IsZero() {
		return originalTime(a.Published)
	}
	return s.localTime(a.FirstSeenAt)
}

// ---- archived content

// reAssetSrc matches the src of an image we serve ourselves.
// assetPrefix is the path under which the server serves stored assets.
const assetPrefix = "/assets/"

var reAssetSrc = regexp.MustCompile(`^/assets/[0-9a-f]{64}$`)

// contentHTML prepares stored article HTML for a page. It is made servable
// (see content.Sanitizer.Servable), and then every image that is not one
// of our copies is replaced by a link to it, so that reading the archive
// never makes the reader's browser contact the original site. srcset and
// <source> are dropped for the same reason. img-src 'self' in the CSP is
// the second line of defence.
func (s *UI) contentHTML(stored string, sanitizer int) template.HTML {
	clean := s.sanitizer.Servable(stored, sanitizer)
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(clean), ctx)
	if err != nil {
		return ""
	}
	root := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	for _, n := range nodes {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
		root.AppendChild(n)
	}
	var imgs, sources []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Img:
				imgs = append(imgs, n)
			case atom.Source:
				sources = append(sources, n)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	for _, n := range sources {
		n.Parent.RemoveChild(n)
	}
	for _, n := range imgs {
		src := attr(n, "src")
		if reAssetSrc.MatchString(src) {
			n.Attr = keepAttrs(n.Attr, "src", "alt", "title", "width", "height", "data-original-src")
			n.Attr = append(n.Attr, html.Attribute{Key: "loading", Val: "lazy"}, html.Attribute{Key: "decoding", Val: "async"})
			continue
		}
		n.Parent.InsertBefore(remoteImageLink(n), n)
		n.Parent.RemoveChild(n)
	}
	var buf bytes.Buffer
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&buf, c); err != nil {
			return ""
		}
	}
	return template.HTML(buf.String()) // sanitised above; images are local or links
}

// remoteImageLink is what replaces an image we have no copy of: a link to
// it (when its URL is http or https), or its alt text.
func remoteImageLink(img *html.Node) *html.Node {
	alt := strings.TrimSpace(attr(img, "alt"))
	label := "[image not archived]"
	if alt != "" {
		label = "[image not archived: " + alt + "]"
	}
	target := attr(img, "data-original-src")
	if target == "" {
		target = attr(img, "src")
	}
	text := &html.Node{Type: html.TextNode, Data: label}
	if u, err := url.Parse(target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		span := &html.Node{Type: html.ElementNode, Data: "span", DataAtom: atom.Span,
			Attr: []html.Attribute{{Key: "class", Val: "remote-image"}}}
		span.AppendChild(text)
		return span
	}
	a := &html.Node{Type: html.ElementNode, Data: "a", DataAtom: atom.A, Attr: []html.Attribute{
		{Key: "href", Val: target}, {Key: "class", Val: "remote-image"}, {Key: "rel", Val: "nofollow noopener noreferrer"},
	}}
	a.AppendChild(text)
	return a
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

func keepAttrs(as []html.Attribute, keys ...string) []html.Attribute {
	var out []html.Attribute
	for _, a := range as {
		for _, k := range keys {
			if a.Namespace == "" && a.Key == k {
				out = append(out, a)
				break
			}
		}
	}
	return out
}
