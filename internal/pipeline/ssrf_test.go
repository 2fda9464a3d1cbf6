package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
)

// forbidden is an image server that must never be reached: it listens on
// 127.0.0.1 (and [::1] at the same port when the machine has IPv6), would
// serve a real PNG, and counts every connection.
type forbidden struct {
	port  string
	conns atomic.Int64
}

func newForbidden(t *testing.T) *forbidden {
	t.Helper()
	f := &forbidden{}
	img := pngBytes(t, 66)
	serve := func(l net.Listener) {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write(img)
		}))
		srv.Listener.Close()
		srv.Listener = l
		srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				f.conns.Add(1)
			}
		}
		srv.Start()
		t.Cleanup(srv.Close)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, f.port, _ = net.SplitHostPort(l.Addr().String())
	serve(l)
	if l6, err := net.Listen("tcp", "[::1]:"+f.port); err == nil {
		serve(l6)
	}
	return f
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// articleSite serves one article page, whose HTML the test gives, and a few
// PNG images, counting requests per path. Only its own port is allowed.
type articleSite struct {
	srv  *httptest.Server
	base string // http://news.test:<port>
	page atomic.Value

	mu   sync.Mutex
	hits map[string]int
}

func newArticleSite(t *testing.T) *articleSite {
	t.Helper()
	s := &articleSite{hits: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		switch {
		case r.URL.Path == "/article.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, s.page.Load())
		case strings.HasPrefix(r.URL.Path, "/img/"):
			w.Header().Set("Content-Type", "image/png")
			w.Write(pngBytes(t, uint8(len(r.URL.Path))))
		case r.URL.Path == "/redirect":
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.srv.Close)
	s.base = "http://news.test:" + strings.TrimPrefix(s.srv.URL, "http://127.0.0.1:")
	return s
}

func (s *articleSite) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// articlePage wraps image markup in an article long enough to be extracted.
func articlePage(images string) string {
	para := "<p>" + strings.Repeat("市图书馆宣布，从下个月一日起，每天的开放时间将延长到晚上十点，周末和节假日照常开放。", 4) + "</p>\n"
	return `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>图书馆延长开放时间</title></head>
<body><article><h1>图书馆延长开放时间</h1>` + para + images + para + para + `</article></body></html>`
}

// guardedPipeline is a pipeline whose client refuses private addresses as
// in production, except the test site's own port, logging to the returned
// buffer.
func guardedPipeline(t *testing.T, site *articleSite, opts Options) (*env, *syncBuffer) {
	t.Helper()
	e := newEnv(t, opts)
	allowed := netip.MustParseAddrPort(site.srv.Listener.Addr().String())
	client := fetch.New(fetch.Config{
		Retries: -1, HostRate: -1, Timeout: 5 * time.Second, Resolver: testResolver{},
		AllowAddrPort: func(ap netip.AddrPort) bool { return ap == allowed },
	})
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.pipe = New(e.store, e.blobs, client, extract.New(extract.Options{}), log, opts)
	return e, logs
}

// TestImagesAtBlockedAddressesAreNotFetched archives a page from an allowed
// server whose images point at loopback, link-local, private and
// private-resolving addresses, in src, data-src, srcset and <picture>: the
// article is stored with its one public image, the others are never
// requested, no asset is stored for them, and the log says why.
func TestImagesAtBlockedAddressesAreNotFetched(t *testing.T) {
	ctx := context.Background()
	site := newArticleSite(t)
	bad := newForbidden(t)
	p := bad.port
	blocked := []string{
		"http://127.0.0.1:" + p + "/src.png",
		"http://127.0.0.1:" + p + "/srcset-2x.png",
		"http://[::1]:" + p + "/data-src.png",
		"http://169.254.169.254/latest/meta-data/iam.png",
		"http://10.0.0.1/private.png",
		"http://intranet.test:" + p + "/by-name.png",
		"http://127.1:" + p + "/short-form.png",
		"http://127.0.0.1:" + p + "/picture.webp",
		site.base + "/redirect?to=" + url.QueryEscape("http://127.0.0.1:"+p+"/redirected.png"),
	}
	site.page.Store(articlePage(`
<p><img src="` + site.base + `/img/public.png" alt="公开图片"></p>
<p><img src="` + blocked[0] + `" alt="回环"></p>
<p><img srcset="http://127.0.0.1:` + p + `/srcset-1x.png 1x, ` + blocked[1] + ` 2x" alt="srcset"></p>
<p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="` + blocked[2] + `" alt="懒加载"></p>
<p><img src="` + blocked[3] + `" alt="元数据"></p>
<p><img src="` + blocked[4] + `" alt="内网"></p>
<p><img src="` + blocked[5] + `" alt="内网名字"></p>
<p><img src="` + blocked[6] + `" alt="简写"></p>
<p><picture><source srcset="` + blocked[7] + `"><img src="` + site.base + `/img/public.png" alt="picture"></picture></p>
<p><img src="` + blocked[8] + `" alt="重定向"></p>
`))
	e, logs := guardedPipeline(t, site, Options{})

	out, err := e.pipe.ArchiveURL(ctx, site.base+"/article.html", nil)
	if err != nil {
		t.Fatalf("the article was not archived: %v", err)
	}
	if !out.NewArticle || out.Images != 1 {
		t.Errorf("outcome %+v; want a new article with its 1 public image", out)
	}
	if out.ImageErrs != len(blocked) {
		t.Errorf("%d image errors; want %d, one per blocked image", out.ImageErrs, len(blocked))
	}
	if n := bad.conns.Load(); n != 0 {
		t.Errorf("the forbidden image server accepted %d connections; want none", n)
	}
	if n := site.count("/img/public.png"); n != 1 {
		t.Errorf("the public image was fetched %d times; want 1", n)
	}
	a, err := e.store.ArticleByURL(ctx, site.base+"/article.html")
	if err != nil || !strings.Contains(a.Text, "晚上十点") {
		t.Fatalf("stored article: %+v, %v", a, err)
	}
	refs, err := e.store.VersionAssets(ctx, a.VersionID)
	if err != nil || len(refs) != 1 || refs[0].URL != site.base+"/img/public.png" {
		t.Errorf("stored assets %+v, %v; want only the public image", refs, err)
	}
	log := logs.String()
	for _, u := range blocked {
		if _, err := e.store.AssetByURL(ctx, u); err == nil {
			t.Errorf("an asset was stored for %s", u)
		}
		if !strings.Contains(log, u) {
			t.Errorf("the log does not mention %s:\n%s", u, log)
		}
	}
	if got := strings.Count(log, "blocked address"); got < len(blocked) {
		t.Errorf("the log gives the reason %d times; want %d:\n%s", got, len(blocked), log)
	}
}

func TestImagesPastTheCapAreLeftRemoteAndReported(t *testing.T) {
	ctx := context.Background()
	site := newArticleSite(t)
	var imgs strings.Builder
	for i := range 5 {
		fmt.Fprintf(&imgs, `<p><img src="%s/img/%d.png" alt="图%d"></p>`, site.base, i, i)
	}
	site.page.Store(articlePage(imgs.String()))
	e, logs := guardedPipeline(t, site, Options{MaxImages: 2})

	out, err := e.pipe.ArchiveURL(ctx, site.base+"/article.html", nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Images != 2 || out.ImagesOverCap != 3 || out.ImageErrs != 0 {
		t.Errorf("outcome %+v; want 2 images stored, 3 over the cap, no errors", out)
	}
	for i := range 5 {
		want := 0
		if i < 2 {
			want = 1
		}
		if n := site.count(fmt.Sprintf("/img/%d.png", i)); n != want {
			t.Errorf("image %d fetched %d times; want %d", i, n, want)
		}
	}
	a, err := e.store.ArticleByURL(ctx, site.base+"/article.html")
	if err != nil {
		t.Fatal(err)
	}
	for i := 2; i < 5; i++ {
		if u := fmt.Sprintf(`src="%s/img/%d.png"`, site.base, i); !strings.Contains(a.HTML, u) {
			t.Errorf("image %d past the cap lost its remote URL: %s", i, a.HTML)
		}
	}
	log := logs.String()
	if !strings.Contains(log, ErrTooManyImages.Error()) || !strings.Contains(log, "MaxImages 2") || !strings.Contains(log, site.base+"/img/2.png") {
		t.Errorf("the log does not give the cap and the first image left out:\n%s", log)
	}
}

// TestBlockedPagesAreRefusedAndNothingIsStored asks the pipeline to archive
// pages at blocked addresses, directly and through a redirect: each fails
// with an error wrapping fetch.ErrBlockedAddress, the attempt is recorded as
// a failed capture, and no article, version or asset is stored.
func TestBlockedPagesAreRefusedAndNothingIsStored(t *testing.T) {
	ctx := context.Background()
	site := newArticleSite(t)
	site.page.Store(articlePage(""))
	bad := newForbidden(t)
	p := bad.port
	e, _ := guardedPipeline(t, site, Options{})
	before, _ := e.store.Stats(ctx)

	for _, u := range []string{
		"http://127.0.0.1:" + p + "/",
		"http://127.1:" + p + "/",
		"http://2130706433:" + p + "/",
		"http://0x7f000001:" + p + "/",
		"http://0177.0.0.1:" + p + "/",
		"http://0.0.0.0:" + p + "/",
		"http://[::]:" + p + "/",
		"http://[::1]:" + p + "/",
		"http://[::ffff:127.0.0.1]:" + p + "/",
		"http://10.0.0.1/",
		"http://172.16.0.1/",
		"http://192.168.1.1/",
		"http://100.64.0.1/",
		"http://169.254.169.254/latest/meta-data/",
		"http://[fe80::1]/",
		"http://[fc00::1]/",
		"http://intranet.test:" + p + "/",
		site.base + "/redirect?to=" + url.QueryEscape("http://127.0.0.1:"+p+"/"),
	} {
		_, err := e.pipe.ArchiveURL(ctx, u, nil)
		if !errors.Is(err, fetch.ErrBlockedAddress) || !strings.Contains(err.Error(), u) {
			t.Errorf("ArchiveURL(%s) = %v; want an error naming it and wrapping fetch.ErrBlockedAddress", u, err)
		}
		if caps, _ := e.store.Captures(ctx, u, 5); len(caps) != 1 || !strings.Contains(caps[0].Error, "blocked address") {
			t.Errorf("%s: the refused attempt is not recorded: %+v", u, caps)
		}
	}
	after, _ := e.store.Stats(ctx)
	if after.Articles != before.Articles || after.Versions != before.Versions || after.Assets != before.Assets {
		t.Errorf("refused pages stored something: %+v -> %+v", before, after)
	}
	if n := bad.conns.Load(); n != 0 {
		t.Errorf("the forbidden server accepted %d connections; want none", n)
	}
}
