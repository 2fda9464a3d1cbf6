package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/content/xsscorpus"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/store"
)

// The XSS corpus (internal/content/xsscorpus) is archived
// through every path content takes to a reader, and every page that shows
// it is opened in Chromium. Each payload tries to call xss(N), which nothing
// defines: a payload that runs throws a ReferenceError. Others try to load
// something from evil.test or to navigate away.

// xssPayload is one payload of the shared corpus (package xsscorpus).
type xssPayload = xsscorpus.Payload

func loadXSSCorpus(t *testing.T) []xssPayload {
	t.Helper()
	ps, err := xsscorpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) < 60 {
		t.Fatalf("only %d payloads in the corpus", len(ps))
	}
	return ps
}

// xssResolver sends no name anywhere, so archiving never leaves loopback:
// the hostile site is reached by IP, and evil.test fails at once.
type xssResolver struct{}

func (xssResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	return nil, &net.DNSError{Err: "no such host (XSS test stays on loopback)", Name: host, IsNotFound: true}
}

// The three ways a payload is archived.
const (
	xssViaFeed = "feed content"   // a feed item's full content, polled in feed mode
	xssViaPage = "extracted page" // a page linked from a feed, fetched and extracted
	xssViaRaw  = "raw store"      // written to the store unsanitised, as another writer might
)

// xssArticle is one archived payload.
type xssArticle struct {
	payload int // index into the corpus
	via     string
	id      int64
	source  int64
}

// xssSite is the hostile web site the pipeline archives from.
func xssSite(t *testing.T, ps []xssPayload) *httptest.Server {
	t.Helper()
	esc := func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	prose := "Reporters followed the story through the night, speaking to officials, residents and experts " +
		"who described what happened in the city centre and what it means for the coming weeks. "
	rss := func(title string, items func(b *strings.Builder)) string {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>`)
		fmt.Fprintf(&b, "<title>%s</title><link>http://%s/</link><description>hostile</description>", esc(title), "example.com")
		items(&b)
		b.WriteString("</channel></rss>")
		return b.String()
	}
	svg := xssSVG
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/feed/full.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, rss(ps[0].Payload, func(b *strings.Builder) {
				for i, p := range ps {
					fmt.Fprintf(b, "<item><title>%s</title><link>%s/full/%d</link><guid>%s/full/%d</guid><dc:creator>%s</dc:creator>"+
						"<pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate><description>%s</description><content:encoded>%s</content:encoded></item>",
						esc(p.Payload), srv.URL, i, srv.URL, i, esc(p.Payload), esc("xsscorpus xssfeed"),
						esc(fmt.Sprintf("<p>xsscorpus xssfeed %d %s</p>%s<p>%s</p>", i, prose, p.Payload, prose)))
				}
				// One image that is really an SVG document with scripts,
				// stored as an asset and served by /assets/.
				fmt.Fprintf(b, "<item><title>svg asset</title><link>%s/full/svg</link><content:encoded>%s</content:encoded></item>",
					srv.URL, esc(`<p>xsscorpus svg asset</p><img src="/evil.svg" alt="svg">`))
			}))
		case r.URL.Path == "/feed/pages.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, rss(ps[len(ps)-1].Payload, func(b *strings.Builder) {
				for i, p := range ps {
					fmt.Fprintf(b, "<item><title>%s</title><link>%s/page/%d.html</link><dc:creator>%s</dc:creator><description>%s</description></item>",
						esc(p.Payload), srv.URL, i, esc(p.Payload), esc("teaser"))
				}
			}))
		case strings.HasPrefix(r.URL.Path, "/page/"):
			i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/page/"), ".html"))
			if err != nil || i < 0 || i >= len(ps) {
				http.NotFound(w, r)
				return
			}
			p, a := ps[i].Payload, html.EscapeString(ps[i].Payload)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>%s</title>
<meta property="og:title" content="%s"><meta property="og:site_name" content="%s"><meta name="author" content="%s">
<meta property="article:published_time" content="2024-05-01T10:00:00Z"></head>
<body><header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<article><h1>%s</h1><p>xsscorpus xsspage %d %s</p><p>%s</p>%s<p>%s</p><p>%s</p></article>
<footer>Copyright</footer></body></html>`, a, a, a, a, a, i, prose, prose, p, prose, prose)
		case strings.HasPrefix(r.URL.Path, "/control/"):
			for _, c := range xssControls {
				if c.path == r.URL.Path {
					if c.csp != "" {
						w.Header().Set("Content-Security-Policy", c.csp)
					}
					w.Header().Set("Content-Type", "text/html; charset=utf-8")
					fmt.Fprint(w, "<!doctype html><title>control</title>"+c.body)
					return
				}
			}
			fmt.Fprint(w, "<!doctype html><title>elsewhere</title>")
		case r.URL.Path == "/evil.svg":
			w.Header().Set("Content-Type", "image/svg+xml")
			fmt.Fprint(w, svg)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// xssArchive is what xssArchiveAll archived.
type xssArchive struct {
	site      string // the hostile site's URL
	arts      []xssArticle
	sources   []int64 // every source, most with a payload for a title
	svgAsset  string  // hash of the stored SVG "image" with scripts
	htmlAsset string  // hash of a stored "image" that is an HTML page
}

// xssArchiveAll archives every payload three ways.
func xssArchiveAll(t *testing.T, e *env, ps []xssPayload) xssArchive {
	t.Helper()
	ctx := t.Context()
	site := xssSite(t, ps)
	var (
		arts     []xssArticle
		sources  []int64
		svgAsset string
	)
	client := fetch.New(fetch.Config{AllowPrivate: true, HostRate: -1, Retries: -1, Timeout: 10 * time.Second, Resolver: xssResolver{}})
	pipe := pipeline.New(e.store, e.blobs, client, extract.New(extract.Options{}), nil, pipeline.Options{Indexer: e.analyzer})

	// (a) feed content and extracted pages, through the real pipeline.
	for _, f := range []struct {
		path string
		mode archive.ContentMode
		via  string
		link func(i int) string
	}{
		{"/feed/full.xml", archive.ModeFeed, xssViaFeed, func(i int) string { return site.URL + "/full/" + strconv.Itoa(i) }},
		{"/feed/pages.xml", archive.ModePage, xssViaPage, func(i int) string { return site.URL + "/page/" + strconv.Itoa(i) + ".html" }},
	} {
		src := e.source(archive.Source{Kind: archive.KindFeed, FeedURL: site.URL + f.path, Mode: f.mode})
		res := pipe.Poll(ctx, src)
		if res.Err != nil {
			t.Fatalf("poll %s: %v", f.path, res.Err)
		}
		sources = append(sources, src.ID)
		missing := 0
		for i := range ps {
			canon, err := archive.CanonicalURL(f.link(i))
			if err != nil {
				t.Fatal(err)
			}
			a, err := e.store.ArticleByURL(ctx, canon)
			if err != nil {
				// The extractor may find no article in a page a payload
				// has wrecked: nothing is shown, which is safe.
				t.Logf("%s %d (%s): not archived: %v", f.via, i+1, ps[i].Name, err)
				missing++
				continue
			}
			arts = append(arts, xssArticle{payload: i, via: f.via, id: a.ID, source: src.ID})
		}
		if missing > len(ps)/10 {
			t.Fatalf("%s: %d of %d payload articles were not archived", f.via, missing, len(ps))
		}
	}
	a, err := e.store.ArticleByURL(ctx, site.URL+"/full/svg")
	if err != nil {
		t.Fatal(err)
	}
	// SVG can carry script: the pipeline refuses it, and the article
	// keeps the remote link (shown as a link, never loaded).
	if m := regexp.MustCompile(`/assets/([0-9a-f]{64})`).FindStringSubmatch(a.HTML); m != nil {
		t.Errorf("the SVG image was stored as asset %s", m[1])
	}
	// One stored anyway, as another writer might: /assets/ sends it as a
	// download.
	svgAsset, err = e.blobs.Put(t.Context(), []byte(xssSVG))
	if err != nil {
		t.Fatal(err)
	}
	e.write(article{url: "https://raw.example/svg-asset", title: "svg asset", html: `<p>xsscorpus</p><img src="/assets/` + svgAsset + `">`,
		assets: []store.AssetRef{{Asset: archive.Asset{Hash: svgAsset, URL: "https://raw.example/x.svg", ContentType: "image/svg+xml", Size: int64(len(xssSVG)), FetchedAt: time.Now()}, URL: "https://raw.example/x.svg"}}})

	// (b) a store written by something else: raw payloads in the HTML, the
	// text, the title, the author, and in the title, feed URL, site URL and
	// last error of the source.
	for i, p := range ps {
		src := e.source(archive.Source{Kind: archive.KindFeed, Title: p.Payload, Mode: archive.ModeFeed,
			FeedURL: fmt.Sprintf("javascript:xss(%d)//feed", i+1), SiteURL: fmt.Sprintf("data:text/html,<script>xss(%d)</script>", i+1)})
		src.LastStatus, src.LastError, src.ErrorCount, src.LastPolledAt = archive.PollError, p.Payload, 1, time.Now()
		if err := e.store.UpdateSource(ctx, &src); err != nil {
			t.Fatal(err)
		}
		sources = append(sources, src.ID)
		id := e.write(article{
			url: fmt.Sprintf("https://raw.example/%d", i), source: src.ID, title: p.Payload, author: p.Payload,
			html: "<p>xsscorpus xssraw " + strconv.Itoa(i) + "</p>" + p.Payload,
			text: "xsscorpus xssraw " + p.Payload,
		})
		arts = append(arts, xssArticle{payload: i, via: xssViaRaw, id: id, source: src.ID})
	}

	// An "image" that is an HTML page, as another writer might store one
	// (the pipeline refuses them): /assets/ must not serve it as HTML.
	page := []byte("<!doctype html><script>xss(9003)</script>")
	h, err := e.blobs.Put(t.Context(), page)
	if err != nil {
		t.Fatal(err)
	}
	e.write(article{url: "https://raw.example/html-asset", title: "html asset", html: `<p>xsscorpus</p><img src="/assets/` + h + `">`,
		assets: []store.AssetRef{{Asset: archive.Asset{Hash: h, URL: "https://raw.example/x.png", ContentType: "text/html", Size: int64(len(page)), FetchedAt: time.Now()}, URL: "https://raw.example/x.png"}}})
	return xssArchive{site: site.URL, arts: arts, sources: sources, svgAsset: svgAsset, htmlAsset: h}
}

// xssControls are pages of the hostile site itself, not newsvault's, where
// the attack works. Each must be caught, or the checks prove nothing.
var xssControls = []struct{ path, body, csp, want string }{
	{"/control/exec", `<img src="/x.png" onerror="xss(1)">`, "", "xss is not defined"},
	{"/control/csp", `<script>xss(2)</script>`, "default-src 'none'", "csp-violation"},
	{"/control/dom", `<a href="javascript:xss(3)">x</a>`, "default-src 'none'", "URL href"},
	{"/control/dialog", `<script>alert(4)</script>`, "", "dialog"},
	{"/control/navigate", `<script>location.href = '/control/elsewhere'</script>`, "", "navigat"},
	{"/control/remote", `<img src="http://evil.test/6.png">`, "", "request to http://evil.test/6.png"},
}

// xssVisit is one page to check, with the payload it is about (-1 for a
// page that shows many).
type xssVisit struct {
	path    string
	url     string // instead of path, for the controls
	expect  string // for the controls: what must be found
	what    string
	payload int
	status  int
	asset   bool // a stored asset: sandboxed, not a page
	json    bool // an API answer
}

func (v xssVisit) label(ps []xssPayload) string {
	if v.url != "" {
		return v.what + " " + v.url
	}
	if v.payload < 0 {
		return v.what + " " + v.path
	}
	return fmt.Sprintf("%s %s: payload %d (%s, %s)", v.what, v.path, v.payload+1, ps[v.payload].Class, ps[v.payload].Name)
}

func xssVisits(t *testing.T, e *env, ps []xssPayload, ar xssArchive) []xssVisit {
	t.Helper()
	var vs []xssVisit
	add := func(v xssVisit) {
		if v.status == 0 {
			v.status = http.StatusOK
		}
		vs = append(vs, v)
	}
	// Pages that show many payloads at once: listings of sources and
	// articles (titles, authors, source titles) and search results
	// (snippets).
	add(xssVisit{path: "/sources", what: "sources list", payload: -1})
	total, err := e.store.CountArticles(t.Context(), store.ArticleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for p := 1; (p-1)*xssPageSize < total; p++ {
		add(xssVisit{path: "/?page=" + strconv.Itoa(p), what: "home page", payload: -1})
	}
	perPath := (len(ps) + xssPageSize - 1) / xssPageSize
	for _, word := range []string{"xssfeed", "xsspage", "xssraw"} {
		for p := 1; p <= perPath; p++ {
			add(xssVisit{path: "/search?q=" + word + "&page=" + strconv.Itoa(p), what: "search results", payload: -1})
		}
	}
	for _, id := range ar.sources[:2] {
		add(xssVisit{path: "/sources/" + itoa(id), what: "source page (feed title)", payload: -1})
	}
	// Every payload's article, however it was archived.
	for _, a := range ar.arts {
		add(xssVisit{path: "/articles/" + itoa(a.id), what: "article (" + a.via + ")", payload: a.payload})
	}
	// The other page kinds show a payload through the same template
	// escaping as the article page, so a sample is enough to keep the test
	// fast: the first payload of each class and every attribute-breakout
	// and polyglot payload.
	sampled := xssSample(ps)
	for _, a := range ar.arts {
		if a.via != xssViaRaw || !sampled[a.payload] {
			continue
		}
		add(xssVisit{path: "/articles/" + itoa(a.id) + "/versions", what: "versions", payload: a.payload})
		add(xssVisit{path: "/articles/" + itoa(a.id) + "/versions/1", what: "version", payload: a.payload})
		add(xssVisit{path: "/sources/" + itoa(a.source), what: "source page", payload: a.payload})
	}
	for i, p := range ps {
		if !sampled[i] {
			continue
		}
		// Reflected, not archived: the query and an unknown path are shown
		// back on the page (the API subtest sends every payload).
		add(xssVisit{path: "/search?q=" + url.QueryEscape(p.Payload), what: "search for the payload", payload: i})
		add(xssVisit{path: "/articles/" + url.PathEscape(p.Payload), what: "not-found page", payload: i, status: http.StatusNotFound})
	}
	last := ar.arts[len(ar.arts)-1]
	add(xssVisit{path: "/api/v1/articles/" + itoa(last.id), what: "API answer", payload: last.payload, json: true})
	return vs
}

// xssSample picks the payloads every page kind is checked with.
func xssSample(ps []xssPayload) map[int]bool {
	out := map[int]bool{}
	classes := map[string]bool{}
	for i, p := range ps {
		if !classes[p.Class] || p.Class == "breakout" || p.Class == "polyglot" {
			out[i] = true
		}
		classes[p.Class] = true
	}
	return out
}

// xssPageSize is the listing size; the store caps a search page at 100.
const xssPageSize = 100

func TestArchivedContentCannotAttackTheReader(t *testing.T) {
	ps := loadXSSCorpus(t)
	e := newEnv(t, envOptions{pageSize: xssPageSize})
	ar := xssArchiveAll(t, e, ps)
	arts, sources := ar.arts, ar.sources
	visits := xssVisits(t, e, ps, ar)
	t.Logf("%d payloads, %d articles, %d pages to check", len(ps), len(arts), len(visits))

	t.Run("headers", func(t *testing.T) {
		for _, v := range visits {
			resp, body := e.do("GET", v.path, nil)
			if resp.StatusCode != v.status {
				t.Errorf("%s: status %d, want %d: %.200s", v.label(ps), resp.StatusCode, v.status, body)
			}
			for _, why := range xssHeaderProblems(resp.Header, v) {
				t.Errorf("%s: %s", v.label(ps), why)
			}
		}
		// Not opened in the browser, which would download them
		// (TestAFakeImageIsNeverShownAsAPage opens one).
		for _, v := range []xssVisit{
			{path: "/assets/" + ar.htmlAsset, what: "HTML stored as an image", payload: -1, asset: true},
			{path: "/assets/" + ar.svgAsset, what: "SVG asset with scripts", payload: -1, asset: true},
		} {
			resp, _ := e.do("GET", v.path, nil)
			for _, why := range xssHeaderProblems(resp.Header, v) {
				t.Errorf("%s: %s", v.label(ps), why)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" || resp.Header.Get("Content-Disposition") != "attachment" || resp.StatusCode != http.StatusOK {
				t.Errorf("%s: status %d, Content-Type %q, Content-Disposition %q", v.label(ps), resp.StatusCode, ct, resp.Header.Get("Content-Disposition"))
			}
		}
	})

	t.Run("API", func(t *testing.T) {
		san := content.NewSanitizer()
		paths := []string{"/api/v1/sources", "/api/v1/articles?limit=500"}
		for _, w := range []string{"xsscorpus", "xssfeed", "xsspage", "xssraw"} {
			paths = append(paths, "/api/v1/search?limit=100&q="+w)
		}
		for _, id := range sources {
			paths = append(paths, "/api/v1/sources/"+itoa(id))
		}
		for _, p := range ps {
			paths = append(paths, "/api/v1/search?q="+url.QueryEscape(p.Payload), "/api/v1/articles/"+url.PathEscape(p.Payload))
		}
		for _, a := range arts {
			base := "/api/v1/articles/" + itoa(a.id)
			paths = append(paths, base+"/versions", base+"/versions/1")
			resp, body := e.do("GET", base, nil)
			xssCheckJSON(t, base, resp, body)
			var got struct {
				Title, Author, HTML string
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Errorf("%s: %v", base, err)
				continue
			}
			if a.via == xssViaRaw && (got.Title != ps[a.payload].Payload || got.Author != ps[a.payload].Payload) {
				// JSON carries text as it is; escaping it is the reader's job.
				t.Errorf("%s: title %q and author %q, want the payload as text", base, got.Title, got.Author)
			}
			// Raw-store HTML included: the API sanitises on the way out.
			if san.Sanitize(got.HTML, "") != got.HTML {
				t.Errorf("%s: payload %d (%s, %s): HTML served unsanitised: %q", base, a.payload+1, ps[a.payload].Name, a.via, got.HTML)
			}
		}
		for _, p := range paths {
			resp, body := e.do("GET", p, nil)
			xssCheckJSON(t, p, resp, body)
		}
	})

	t.Run("browser", func(t *testing.T) {
		exec := chromiumPath(t)
		if testing.Short() {
			t.Skip("browser test skipped in -short mode")
		}
		xssBrowse(t, exec, e.http.URL, ar.site, ps, visits)
	})
}

// xssHeaderProblems checks the headers every answer must carry: a strict
// CSP (a sandbox for stored assets), nosniff and a referrer policy.
func xssHeaderProblems(h http.Header, v xssVisit) []string {
	var out []string
	if h.Get("X-Content-Type-Options") != "nosniff" {
		out = append(out, "no X-Content-Type-Options: nosniff")
	}
	if rp := h.Get("Referrer-Policy"); rp != "no-referrer" && rp != "same-origin" && rp != "strict-origin" {
		out = append(out, fmt.Sprintf("Referrer-Policy %q leaks archive URLs", rp))
	}
	csp := h.Get("Content-Security-Policy")
	dirs := map[string][]string{}
	for d := range strings.SplitSeq(csp, ";") {
		f := strings.Fields(strings.ToLower(d))
		if len(f) > 0 {
			dirs[f[0]] = f[1:]
		}
	}
	ct := h.Get("Content-Type")
	switch {
	case v.asset:
		if _, ok := dirs["sandbox"]; !ok || slices.Contains(dirs["sandbox"], "allow-scripts") {
			out = append(out, fmt.Sprintf("stored bytes served without a script-less sandbox: CSP %q", csp))
		}
		if strings.HasPrefix(ct, "text/html") {
			out = append(out, "stored bytes served as "+ct)
		}
	case v.json:
		if !strings.HasPrefix(ct, "application/json") {
			out = append(out, "API answer served as "+ct)
		}
	default:
		if !strings.HasPrefix(ct, "text/html") {
			out = append(out, "page served as "+ct)
		}
	}
	if !slices.Equal(dirs["default-src"], []string{"'none'"}) {
		out = append(out, fmt.Sprintf("CSP default-src is not 'none': %q", csp))
	}
	for _, d := range []string{"script-src", "script-src-elem", "script-src-attr"} {
		for _, s := range dirs[d] {
			if s != "'self'" && s != "'none'" {
				out = append(out, fmt.Sprintf("CSP %s allows %s: %q", d, s, csp))
			}
		}
	}
	for _, d := range []string{"object-src", "frame-src", "child-src", "worker-src"} {
		if s, ok := dirs[d]; ok && !slices.Equal(s, []string{"'none'"}) {
			out = append(out, fmt.Sprintf("CSP %s is not 'none': %q", d, csp))
		}
	}
	if !v.asset {
		for _, d := range []string{"base-uri", "frame-ancestors", "form-action"} {
			if _, ok := dirs[d]; !ok {
				out = append(out, fmt.Sprintf("CSP has no %s: %q", d, csp))
			}
		}
	}
	for d, srcs := range dirs {
		for _, s := range srcs {
			// Inline style attributes carry the colours and alignment the
			// sanitiser keeps; a stored image (sandboxed, scriptless) may
			// have inline styles too.
			inlineStyleOK := d == "style-src-attr" || (v.asset && d == "style-src")
			if s == "*" || s == "http:" || s == "https:" || s == "data:" || s == "blob:" || (s == "'unsafe-inline'" && !inlineStyleOK) || s == "'unsafe-eval'" {
				out = append(out, fmt.Sprintf("CSP %s allows %s: %q", d, s, csp))
			}
		}
	}
	return out
}

// xssCheckJSON checks an API answer: JSON, nosniff, and no raw angle
// brackets, so that no browser can be talked into reading it as markup.
func xssCheckJSON(t *testing.T, path string, resp *http.Response, body []byte) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET %s: no nosniff", path)
	}
	if !json.Valid(body) {
		t.Errorf("GET %s: not JSON: %.300s", path, body)
	}
	if i := strings.IndexAny(string(body), "<>"); i >= 0 {
		t.Errorf("GET %s: raw %q in the JSON: …%.80s", path, body[i], body[max(0, i-40):])
	}
	if resp.StatusCode >= 500 {
		t.Errorf("GET %s: status %d: %.200s", path, resp.StatusCode, body)
	}
}

// xssProbe is installed in every document before its own scripts run. It
// turns Content-Security-Policy violations into console errors, which the
// test collects: a violation means the sanitiser let something through that
// only the CSP stopped.
const xssProbe = `addEventListener('securitypolicyviolation', function (e) {
	console.error('csp-violation', e.effectiveDirective, e.blockedURI, (e.sample || '').slice(0, 80));
}, true);`

// xssDOMCheck lists what in the rendered DOM could run script or leave the
// page; the page's own header, search form and scripts are allowed.
const xssDOMCheck = `(() => {
	const bad = [], origin = location.origin;
	const say = (why, el) => bad.push(why + ': ' + (el.outerHTML || '').slice(0, 160));
	// Attributes, not properties: archived markup could clobber those.
	const abs = (el, name) => {
		const v = el.getAttribute(name);
		try { return v === null ? '' : new URL(v, location.href).href; } catch (e) { return 'bad URL ' + v; }
	};
	const forbidden = /^(iframe|frame|frameset|object|embed|applet|portal|base|template|noscript|style|video|audio|marquee|xmp|plaintext|listing|noembed|noframes|dialog)$/;
	const urlAttrs = /^(href|src|action|formaction|data|cite|background|poster|ping|lowsrc|dynsrc|codebase|xlink:href|srcdoc|usemap|srcset)$/;
	const archived = '.content, .snippet, h1, .meta, dd, .vtitle, .error, .results-count';
	for (const el of document.querySelectorAll('*')) {
		const tag = el.localName, html = el.namespaceURI === 'http://www.w3.org/1999/xhtml';
		if (!html) say('foreign element', el);
		if (forbidden.test(tag)) say('element', el);
		if (tag === 'script' && !(html && abs(el, 'src').startsWith(origin + '/static/') && el.textContent === '')) say('script', el);
		if (tag === 'meta' && el.hasAttribute('http-equiv')) say('meta http-equiv', el);
		if (tag === 'link' && !(el.getAttribute('rel') === 'alternate' || abs(el, 'href').startsWith(origin + '/static/'))) say('link', el);
		if (/^(form|input|button|select|textarea|option)$/.test(tag) && el.closest(archived)) say('form control in archived text', el);
		if (tag === 'form' && !(abs(el, 'action') || location.href).startsWith(origin + '/')) say('form to elsewhere', el);
		if (tag === 'img' && !abs(el, 'src').startsWith(origin + '/assets/')) say('image from elsewhere', el);
		if (tag === 'a' && el.hasAttribute('target')) say('link with a target', el);
		for (const a of el.attributes) {
			const k = a.name.toLowerCase(), v = a.value.replace(/[\x00-\x20\x7f\u200b\ufeff]+/g, '');
			if (k.startsWith('on')) say('event handler ' + k, el);
			if (urlAttrs.test(k) && /^(javascript|vbscript|data|blob|livescript|mocha):/i.test(v)) say('URL ' + k, el);
			if (k === 'srcdoc' || k === 'formaction' || k === 'ping') say('attribute ' + k, el);
			if (k === 'style' && /url\s*\(|expression|binding|@import|position|javascript/i.test(v)) say('style', el);
		}
	}
	if (typeof window.xss !== 'undefined') bad.push('something defined xss');
	return bad;
})()`

// xssTab watches one browser tab for signs that a payload did something.
type xssTab struct {
	ctx    context.Context
	origin string
	mu     sync.Mutex
	want   string // URL of the page being checked
	seen   []string
	dialog chan struct{}
}

func (tb *xssTab) note(format string, args ...any) {
	tb.mu.Lock()
	tb.seen = append(tb.seen, fmt.Sprintf(format, args...))
	tb.mu.Unlock()
}

// listen runs on the tab's reader goroutine: it must only record.
func (tb *xssTab) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		tb.note("exception: %s", text)
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range ev.Args {
			if len(a.Value) > 0 {
				args = append(args, string(a.Value))
			} else {
				args = append(args, a.Description)
			}
		}
		tb.note("console.%s: %s", ev.Type, strings.Join(args, " "))
	case *log.EventEntryAdded:
		en := ev.Entry
		tb.mu.Lock()
		want := tb.want
		tb.mu.Unlock()
		if en.Source == "network" && en.URL == want {
			return // the not-found pages answer 404 on purpose
		}
		tb.note("browser log (%s, %s): %s %s", en.Source, en.Level, en.Text, en.URL)
	case *page.EventJavascriptDialogOpening:
		tb.note("dialog (%s): %s", ev.Type, ev.Message)
		select {
		case tb.dialog <- struct{}{}:
		default:
		}
	case *page.EventWindowOpen:
		tb.note("window.open: %s", ev.URL)
	case *page.EventFrameAttached:
		tb.note("a frame was attached")
	case *page.EventFrameRequestedNavigation:
		tb.note("navigation requested to %s (%s)", ev.URL, ev.Reason)
	case *page.EventFrameNavigated:
		tb.mu.Lock()
		want := tb.want
		tb.mu.Unlock()
		if ev.Frame.ParentID != "" || ev.Frame.URL != want {
			tb.note("navigated to %s", ev.Frame.URL)
		}
	case *network.EventRequestWillBeSent:
		u := ev.Request.URL
		tb.mu.Lock()
		want := tb.want
		tb.mu.Unlock()
		// data: URLs are left to the DOM check and the CSP: Chromium's own
		// controls (the date picker's icon) load some.
		if u == want || strings.HasPrefix(u, "data:") || strings.HasPrefix(u, tb.origin+"/static/") || strings.HasPrefix(u, tb.origin+"/assets/") || u == tb.origin+"/favicon.ico" {
			return
		}
		tb.note("request to %s", u)
	}
}

// check opens one page and reports what it did.
func (tb *xssTab) check(v xssVisit) []string {
	want := tb.origin + v.path
	if v.url != "" {
		want = v.url
	}
	tb.mu.Lock()
	tb.want, tb.seen = want, nil
	tb.mu.Unlock()
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(want)); err != nil {
		return []string{"navigate: " + err.Error()}
	}
	// Let timers, focus, toggle and animation events fire. A sandboxed
	// asset runs no script, not even ours.
	var err error
	if v.asset {
		err = chromedp.Do(tb.ctx, chromedp.Sleep(xssSettle))
	} else {
		_, err = chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`new Promise(r => setTimeout(() => r(true), `+
			strconv.Itoa(int(xssSettle/time.Millisecond))+`))`, chromedp.EvalAwaitPromise))
	}
	if err != nil {
		return []string{"settle: " + err.Error()}
	}
	var found []string
	if !v.asset && !v.json {
		dom, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](xssDOMCheck))
		if err != nil {
			found = append(found, "DOM check: "+err.Error())
		}
		found = append(found, dom...)
	}
	if v.json {
		ct, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.contentType`))
		if err != nil || ct != "application/json" {
			found = append(found, fmt.Sprintf("the API answer was read as %q (%v)", ct, err))
		}
	}
	loc := ""
	if h, err := chromedp.Run(tb.ctx, chromedp.NavigationEntries()); err != nil {
		found = append(found, "location: "+err.Error())
	} else if h.CurrentIndex >= 0 && int(h.CurrentIndex) < len(h.Entries) {
		loc = h.Entries[h.CurrentIndex].URL
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if loc != tb.want {
		found = append(found, "the tab is at "+loc)
	}
	for _, s := range tb.seen {
		if v.asset && strings.Contains(s, "Blocked script execution") && strings.Contains(s, "sandboxed") {
			continue // the sandbox doing its job
		}
		found = append(found, s)
	}
	return found
}

// xssSettle is how long a page is watched after its load event, for
// timers, focus, toggle and animation events.
const xssSettle = 40 * time.Millisecond

// xssBrowse opens every visit in a few tabs of one headless Chromium.
func xssBrowse(t *testing.T, exec, base, site string, ps []xssPayload, visits []xssVisit) {
	var controls []xssVisit
	for _, c := range xssControls {
		controls = append(controls, xssVisit{url: site + c.path, expect: c.want, what: "control", payload: -1})
	}
	visits = append(controls, visits...)
	ctx, cancel := browserBudget(t)
	defer cancel()
	bctx, stopBrowser := startChromium(t, ctx, exec,
		// Tabs in the background must run timers as the one in front does.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		// Nothing but the test server resolves: a payload that reaches
		// for evil.test fails fast (and is seen as a request).
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	)
	defer stopBrowser()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}

	const tabs = 4
	work := make(chan xssVisit)
	type result struct {
		v     xssVisit
		found []string
	}
	results := make(chan result)
	var wg sync.WaitGroup
	var open []*xssTab
	for range tabs {
		tctx, cancelTab := chromedp.NewContext(bctx)
		defer cancelTab()
		tb := &xssTab{ctx: tctx, origin: base, dialog: make(chan struct{}, 1)}
		if err := chromedp.Listen(tctx, tb.listen); err != nil {
			t.Fatalf("open a tab: %v", err)
		}
		// chromedp mirrors every document's DOM for its query actions,
		// which this test does not use: that costs a round trip per page.
		if _, err := chromedp.Call(tctx, css.Disable, cdp.Empty{}); err != nil {
			t.Fatalf("disable CSS: %v", err)
		}
		if _, err := chromedp.Call(tctx, dom.Disable, cdp.Empty{}); err != nil {
			t.Fatalf("disable DOM: %v", err)
		}
		if _, err := chromedp.Call(tctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: xssProbe}); err != nil {
			t.Fatalf("install the CSP probe: %v", err)
		}
		// A dialog would stall the page: dismiss it (after noting it).
		go func() {
			for {
				select {
				case <-tctx.Done():
					return
				case <-tb.dialog:
					_, _ = chromedp.Call(tctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
				}
			}
		}()
		open = append(open, tb)
	}
	for _, tb := range open {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range work {
				results <- result{v, tb.check(v)}
			}
		}()
	}
	go func() {
		defer close(work)
		for _, v := range visits {
			select {
			case work <- v:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	start := time.Now()
	failed := map[int]bool{}
	checked := 0
	for r := range results {
		checked++
		if r.v.expect != "" {
			if !slices.ContainsFunc(r.found, func(f string) bool { return strings.Contains(f, r.v.expect) }) {
				t.Errorf("the checks missed an attack that works: %s: want %q in %q", r.v.label(ps), r.v.expect, r.found)
			}
			continue
		}
		if len(r.found) == 0 {
			continue
		}
		if r.v.payload >= 0 {
			failed[r.v.payload] = true
		}
		t.Errorf("%s:\n\t%s", r.v.label(ps), strings.Join(r.found, "\n\t"))
	}
	if checked != len(visits) {
		t.Errorf("checked %d of %d pages (%v)", checked, len(visits), ctx.Err())
	}
	t.Logf("checked %d pages in %d tabs in %v; %d of %d payloads did something", checked, tabs, time.Since(start).Round(time.Millisecond), len(failed), len(ps))
}

// Stored HTML is served as it is only when the store marks it as the
// current sanitiser's output; a row from before the mark, or from an older
// policy, is sanitised on the way out, on pages and in the API.
func TestStoredHTMLIsTrustedOnlyWithTheCurrentSanitizerMark(t *testing.T) {
	e := newEnv(t, envOptions{})
	const marked = `<p class="kept">已标记</p>`
	const attack = `<p class="gone" onclick="x()">旧行</p><script>alert(1)</script>`
	cur := e.write(article{url: "https://a.example/cur", title: "当前", html: marked, sanitizer: content.SanitizerVersion})
	for _, ver := range []int{0, content.SanitizerVersion + 1} {
		old := e.write(article{url: "https://a.example/old" + itoa(int64(ver)), title: "旧", html: attack, text: "旧行", sanitizer: ver})
		for _, p := range []string{"/articles/" + itoa(old), "/api/v1/articles/" + itoa(old)} {
			_, b := e.do("GET", p, nil)
			body := string(b)
			if strings.Contains(body, "onclick") || strings.Contains(body, "alert(1)") || strings.Contains(body, "gone") {
				t.Errorf("%s (sanitizer %d): stored HTML served unsanitised: %.300s", p, ver, body)
			}
			if !strings.Contains(body, "旧行") {
				t.Errorf("%s (sanitizer %d): article text missing: %.300s", p, ver, body)
			}
		}
	}
	for _, p := range []string{"/articles/" + itoa(cur), "/api/v1/articles/" + itoa(cur)} {
		if _, body := e.do("GET", p, nil); !strings.Contains(string(body), "kept") {
			t.Errorf("%s: HTML marked as sanitised was sanitised again: %.300s", p, body)
		}
	}
}

// xssSVG is an SVG "image" with scripts.
const xssSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="24" onload="xss(9001)"><script>xss(9002)</script><rect width="40" height="24" fill="red"/></svg>`
