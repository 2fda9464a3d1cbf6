package web

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/auth"
	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/store/sqlite"
	"github.com/newsvault/newsvault/internal/stories"
	"github.com/newsvault/newsvault/internal/watcher"
)

// The analyzer's tables take a moment to build; tests share one.
var (
	analyzerOnce sync.Once
	analyzerVal  *search.Analyzer
	analyzerErr  error
)

func testAnalyzer(t testing.TB) *search.Analyzer {
	t.Helper()
	analyzerOnce.Do(func() { analyzerVal, analyzerErr = search.NewAnalyzer() })
	if analyzerErr != nil {
		t.Fatal(analyzerErr)
	}
	return analyzerVal
}

// env is a real store, blob store, pipeline and server in a temporary
// directory, with an admin password, a signed-in admin session and an API
// token.
type env struct {
	t        testing.TB
	store    *sqlite.Store
	blobs    *blob.Store
	analyzer *search.Analyzer
	pipe     *pipeline.Pipeline
	srv      *Server
	http     *httptest.Server
	shanghai *time.Location
	stories  *stories.Service
	// admin is the signed-in session e.do sends; token is a live API
	// token.
	admin who
	token string
}

type envOptions struct {
	pageSize     int
	noArchiver   bool
	jobs         JobOptions
	allowedHosts []string
	// private makes reading need a login (the env's default is public).
	private   bool
	anonymous AnonymousSubmit
	behindTLS bool
	log       *slog.Logger
	// feeds has the server check added feeds and poll on demand
	// through the env's pipeline.
	feeds bool
	// watchNow, when set, wires a watcher reading this clock.
	watchNow func() time.Time
}

// testPassword is the admin password of every env. It is hashed with
// cheap argon2 parameters (they are stored in the hash), so that logging
// in does not cost a test 64 MiB and a tenth of a second.
const testPassword = "correct horse battery staple"

var cheapArgon = auth.Params{Time: 1, Memory: 1024, Threads: 1, SaltLen: 16, KeyLen: 32}

// who is the credentials a test request carries: a session cookie (and
// its CSRF token, sent as X-CSRF-Token on writes), a bearer token, or
// nothing.
type who struct {
	cookie string
	csrf   string
	bearer string
}

// anonymous carries no credentials.
var anonymous = who{}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "newsvault.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := blob.Open(filepath.Join(dir, "blobs"), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	an := testAnalyzer(t)
	// Tests reach only loopback httptest servers, so private addresses
	// are allowed here, as in the pipeline's own tests.
	client := fetch.New(fetch.Config{AllowPrivate: true, HostRate: -1, Retries: -1, Timeout: 10 * time.Second})
	related, err := stories.Open(ctx, st, an.Fold, stories.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pipe := pipeline.New(st, blobs, client, extract.New(extract.Options{}), nil, pipeline.Options{Indexer: an, Related: related})
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: st, Blobs: blobs, Analyzer: an, Auth: st, Location: sh, PageSize: o.pageSize, Jobs: o.jobs, AllowedHosts: o.allowedHosts,
		ReadAccess: ReadPublic, AnonymousSubmit: o.anonymous, BehindTLS: o.behindTLS, Logger: o.log,
		Stories: related, StoriesRejected: stories.ErrBadDecision}
	if o.private {
		cfg.ReadAccess = ReadPrivate
	}
	if !o.noArchiver {
		cfg.Archiver = pipe
	}
	if o.feeds {
		cfg.Feeds = pipe
	}
	if o.watchNow != nil {
		cfg.Watcher = watcher.New(st, blobs, client, extract.New(extract.Options{}), pipe, watcher.Options{Now: o.watchNow})
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, blobs: blobs, analyzer: an, pipe: pipe, srv: srv, shanghai: sh, stories: related}
	hash, err := auth.HashPassword(testPassword, cheapArgon)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetPassword(ctx, auth.Admin, hash); err != nil {
		t.Fatal(err)
	}
	secret, sess, err := srv.gate.NewSession(ctx, auth.Admin)
	if err != nil {
		t.Fatal(err)
	}
	e.admin = who{cookie: secret, csrf: sess.CSRFToken}
	e.token = e.newToken("tests")
	e.http = httptest.NewServer(srv)
	t.Cleanup(func() {
		e.http.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return e
}

// source creates a source.
func (e *env) source(src archive.Source) archive.Source {
	e.t.Helper()
	if err := e.store.CreateSource(context.Background(), &src); err != nil {
		e.t.Fatal(err)
	}
	return src
}

// article is what (e *env).write stores.
type article struct {
	url       string
	source    int64
	title     string
	author    string
	html      string
	text      string // default: the text of html
	lang      string
	published time.Time
	assets    []store.AssetRef
	sanitizer int // the SanitizerVersion the store claims for html
}

// write stores one version of an article, indexed as the pipeline would,
// and returns the article's ID.
func (e *env) write(a article) int64 {
	e.t.Helper()
	text := a.text
	if text == "" {
		text = a.html
	}
	w := &store.ArticleWrite{
		Article: archive.Article{URL: a.url, SourceID: a.source},
		Version: archive.Version{Title: a.title, Author: a.author, HTML: a.html, Text: text, Language: a.lang, Published: a.published, Sanitizer: a.sanitizer},
		Assets:  a.assets,
	}
	w.Version.Hash = archive.ContentHash(&w.Version)
	doc := e.analyzer.Index(a.title, text)
	w.Index = &doc
	r, err := e.store.SaveArticle(context.Background(), w)
	if err != nil {
		e.t.Fatal(err)
	}
	return r.ArticleID
}

// image stores a small PNG as an asset and returns its reference.
func (e *env) image(shade uint8) store.AssetRef {
	e.t.Helper()
	b := pngBytes(e.t, shade)
	h, err := e.blobs.Put(e.t.Context(), b)
	if err != nil {
		e.t.Fatal(err)
	}
	u := "https://img.example.com/" + strconv.Itoa(int(shade)) + ".png"
	return store.AssetRef{Asset: archive.Asset{Hash: h, URL: u, ContentType: "image/png", Size: int64(len(b)), FetchedAt: time.Now()}, URL: u}
}

func pngBytes(t testing.TB, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 24))
	for x := range 40 {
		for y := range 24 {
			img.Set(x, y, color.RGBA{shade, uint8(x * 6), uint8(y * 10), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// noRedirect is a client that reports redirects instead of following them.
var noRedirect = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// newToken makes a live API token named name and returns it.
func (e *env) newToken(name string) string {
	e.t.Helper()
	tok := auth.NewToken()
	if err := e.store.CreateAPIToken(context.Background(), &store.APIToken{Name: name, Hash: auth.HashSecret(tok)}); err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// do sends a request as the signed-in admin (its session cookie, and its
// CSRF token in X-CSRF-Token on writes) and returns the response with its
// body read.
func (e *env) do(method, path string, body io.Reader, header ...string) (*http.Response, []byte) {
	e.t.Helper()
	return e.send(e.admin, method, path, body, header...)
}

// anon sends a request with no credentials.
func (e *env) anon(method, path string, body io.Reader, header ...string) (*http.Response, []byte) {
	e.t.Helper()
	return e.send(anonymous, method, path, body, header...)
}

// send sends a request carrying as's credentials, then the header pairs
// (which may override them), and returns the response with its body read.
func (e *env) send(as who, method, path string, body io.Reader, header ...string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if as.cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: as.cookie})
		if as.csrf != "" && method != "GET" && method != "HEAD" {
			req.Header.Set(csrfHeader, as.csrf)
		}
	}
	if as.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+as.bearer)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// getJSON fetches path and decodes its JSON body into into.
func (e *env) getJSON(path string, into any) *http.Response {
	e.t.Helper()
	resp, b := e.do("GET", path, nil)
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			e.t.Fatalf("GET %s: %v in %s", path, err, b)
		}
	}
	return resp
}

// sendJSON sends v as a JSON body and decodes the answer into into.
func (e *env) sendJSON(method, path string, v any, into any) *http.Response {
	e.t.Helper()
	var body io.Reader
	switch x := v.(type) {
	case string:
		body = strings.NewReader(x)
	case nil:
	default:
		b, err := json.Marshal(v)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	resp, b := e.do(method, path, body, "Content-Type", "application/json")
	if into != nil && len(b) > 0 {
		if err := json.Unmarshal(b, into); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return resp
}

// page fetches an HTML page and parses it.
func (e *env) page(path string) (*http.Response, *html.Node) {
	e.t.Helper()
	resp, b := e.do("GET", path, nil)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		e.t.Fatalf("GET %s: content type %q, body %.300s", path, ct, b)
	}
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, doc
}

type apiError struct {
	Error struct{ Code, Message string } `json:"error"`
}

// ---- a small CSS selector matcher for parsed pages: tag, .class, #id,
// [attr], [attr=value], [attr^=value] compounds, joined by descendant
// spaces. Enough to say what a page shows without string matching.

type simpleSel struct {
	tag, id string
	classes []string
	attrs   []attrSel
}

type attrSel struct{ key, op, val string }

func parseSel(s string) []simpleSel {
	var out []simpleSel
	for _, part := range strings.Fields(s) {
		var ss simpleSel
		for part != "" {
			switch part[0] {
			case '.', '#':
				end := strings.IndexAny(part[1:], ".#[")
				if end < 0 {
					end = len(part) - 1
				}
				name := part[1 : end+1]
				if part[0] == '.' {
					ss.classes = append(ss.classes, name)
				} else {
					ss.id = name
				}
				part = part[end+1:]
			case '[':
				end := strings.IndexByte(part, ']')
				inner := part[1:end]
				part = part[end+1:]
				a := attrSel{key: inner}
				for _, op := range []string{"^=", "="} {
					if k, v, ok := strings.Cut(inner, op); ok {
						a = attrSel{key: k, op: op, val: strings.Trim(v, `"'`)}
						break
					}
				}
				ss.attrs = append(ss.attrs, a)
			default:
				end := strings.IndexAny(part, ".#[")
				if end < 0 {
					end = len(part)
				}
				ss.tag, part = part[:end], part[end:]
			}
		}
		out = append(out, ss)
	}
	return out
}

func (ss simpleSel) match(n *html.Node) bool {
	if n.Type != html.ElementNode || (ss.tag != "" && n.Data != ss.tag) {
		return false
	}
	if ss.id != "" && attr(n, "id") != ss.id {
		return false
	}
	cls := " " + attr(n, "class") + " "
	for _, c := range ss.classes {
		if !strings.Contains(cls, " "+c+" ") {
			return false
		}
	}
	for _, a := range ss.attrs {
		v, ok := "", false
		for _, at := range n.Attr {
			if at.Key == a.key {
				v, ok = at.Val, true
			}
		}
		switch {
		case !ok:
			return false
		case a.op == "=" && v != a.val:
			return false
		case a.op == "^=" && !strings.HasPrefix(v, a.val):
			return false
		}
	}
	return true
}

// queryAll returns the elements under root matching sel, in document order.
func queryAll(root *html.Node, sel string) []*html.Node {
	chain := parseSel(sel)
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if chain[len(chain)-1].match(n) && ancestorsMatch(n.Parent, chain[:len(chain)-1]) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

func ancestorsMatch(n *html.Node, chain []simpleSel) bool {
	if len(chain) == 0 {
		return true
	}
	for ; n != nil; n = n.Parent {
		if chain[len(chain)-1].match(n) {
			return ancestorsMatch(n.Parent, chain[:len(chain)-1])
		}
	}
	return false
}

// query returns the first element matching sel, or nil.
func query(root *html.Node, sel string) *html.Node {
	if all := queryAll(root, sel); len(all) > 0 {
		return all[0]
	}
	return nil
}

// textOf returns the text inside n with runs of space folded.
func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
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
	return strings.Join(strings.Fields(b.String()), " ")
}

// mustQuery returns the first element matching sel or fails the test.
func mustQuery(t testing.TB, root *html.Node, sel string) *html.Node {
	t.Helper()
	n := query(root, sel)
	if n == nil {
		t.Fatalf("no %q on the page", sel)
	}
	return n
}

var jsonUnmarshal = json.Unmarshal

func testLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// attr is the value of n's attribute key, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}
