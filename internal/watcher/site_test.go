package watcher

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/store/sqlite"
)

const day = 24 * time.Hour

var t0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// clock is the simulated time every part reads.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// story is an article of the test site.
type story struct {
	title  string
	paras  []string
	images []string
}

func newStory(n int) story {
	places := []string{"城东", "城西", "城南", "城北", "新区", "老城"}
	var paras []string
	for i := range 8 {
		paras = append(paras, fmt.Sprintf("第%d段：记者从%s了解到，第%d号工程的居民对这次改造的意见不一，有人认为道路拓宽以后出行更加方便，也有人担心施工期间的噪音和灰尘影响生活。相关部门表示，将在%d月底前公布详细方案。",
			i+1, places[(i+n)%len(places)], n, i+3))
	}
	paras[4] = "警方表示，事故共造成三人受伤，目前均已送医，伤者情况稳定，事故原因仍在调查之中。"
	return story{title: fmt.Sprintf("第%d号道路改造工程今日启动", n), paras: paras,
		images: []string{fmt.Sprintf("/img/%d-road.png", n), fmt.Sprintf("/img/%d-map.png", n)}}
}

func (s story) page(reads int) []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>` + s.title + ` - 示例新闻网</title>`)
	b.WriteString(`<meta name="author" content="李明"></head><body><nav><a href="/">首页</a> <a href="/society/">社会</a></nav><article><h1>` + s.title + `</h1>`)
	fmt.Fprintf(&b, `<p class="info">作者：李明 阅读量 %d</p>`, reads)
	for i, p := range s.paras {
		b.WriteString("<p>" + p + "</p>")
		if i < len(s.images) {
			b.WriteString(`<figure><img src="` + s.images[i] + `"></figure>`)
		}
	}
	b.WriteString(`</article><footer>Copyright 示例新闻网 版权所有</footer></body></html>`)
	return []byte(b.String())
}

// reply is one scripted answer.
type reply struct {
	status   int
	body     []byte
	location string
	hang     bool // never answer (the client times out)
}

func ok(s story, n int) reply { return reply{status: 200, body: s.page(1000 + n)} }

// site is the httptest news site. Each path follows a life: a function of
// the simulated time and of how many times the path was asked for.
type site struct {
	srv   *httptest.Server
	clk   *clock
	mu    sync.Mutex
	lives map[string]func(at time.Time, n int) reply
	hits  map[string]int
	feed  func(at time.Time) []feedItem
}

type feedItem struct {
	path      string
	title     string
	published time.Time
}

func newSite(t *testing.T, clk *clock) *site {
	s := &site{clk: clk, lives: map[string]func(time.Time, int) reply{}, hits: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Checks are hours apart: no connection lives from one to the next.
	s.srv.Config.SetKeepAlivesEnabled(false)
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/img/"):
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
		return
	case p == "/" || p == "/society/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var b strings.Builder
		b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例新闻网 首页</title></head><body><ul>`)
		for i := range 30 {
			fmt.Fprintf(&b, `<li><a href="/news/%d.html">第%d号道路改造工程今日启动</a></li>`, i, i)
		}
		b.WriteString(`</ul></body></html>`)
		w.Write([]byte(b.String()))
		return
	case p == "/login":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(readFixture("login.html"))
		return
	case p == "/feed.xml":
		s.writeFeed(w)
		return
	}
	s.mu.Lock()
	life := s.lives[p]
	s.hits[p]++
	n := s.hits[p]
	s.mu.Unlock()
	if life == nil {
		http.NotFound(w, r)
		return
	}
	rep := life(s.clk.Now(), n)
	if rep.hang {
		<-r.Context().Done()
		return
	}
	if rep.location != "" {
		w.Header().Set("Location", rep.location)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(rep.status)
	w.Write(rep.body)
}

func (s *site) writeFeed(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>示例新闻网</title><link>` + s.url("/") + `</link>`)
	for _, it := range s.feed(s.clk.Now()) {
		fmt.Fprintf(&b, `<item><title>%s</title><link>%s</link><pubDate>%s</pubDate><description>摘要</description></item>`,
			it.title, s.url(it.path), it.published.Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	w.Write([]byte(b.String()))
}

func (s *site) url(path string) string {
	return "http://news.test:" + s.port() + path
}

func (s *site) port() string {
	_, port, _ := net.SplitHostPort(s.srv.Listener.Addr().String())
	return port
}

func (s *site) live(path string, life func(at time.Time, n int) reply) string {
	s.mu.Lock()
	s.lives[path] = life
	s.mu.Unlock()
	return path
}

func readFixture(name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return b
}

// resolver maps every *.test name to loopback, except the names in
// broken, which fail as a name that does not exist would, from the time
// given.
type resolver struct {
	clk    *clock
	mu     sync.Mutex
	broken map[string]time.Time
}

func (r *resolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	r.mu.Lock()
	from, isBroken := r.broken[host]
	r.mu.Unlock()
	if !strings.HasSuffix(host, ".test") || (isBroken && !r.clk.Now().Before(from)) {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return []net.IPAddr{{IP: net.IPv4(127, 0, 0, 1)}}, nil
}

// rig is a store, blobs, fetch client, pipeline and watcher over a site.
type rig struct {
	clk   *clock
	site  *site
	res   *resolver
	st    *sqlite.Store
	blobs *blob.Store
	pipe  *pipeline.Pipeline
	fetch *fetch.Client
	x     *extract.Extractor
	w     *Watcher
	dir   string
}

func newRig(t *testing.T) *rig {
	t.Helper()
	clk := &clock{t: t0}
	r := &rig{clk: clk, site: newSite(t, clk), res: &resolver{clk: clk, broken: map[string]time.Time{}}, dir: t.TempDir()}
	r.open(t)
	return r
}

// open (re)opens the store and builds the parts over it, as a restarted
// process would.
func (r *rig) open(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	var err error
	if r.st, err = sqlite.Open(ctx, filepath.Join(r.dir, "nv.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.st.Close() })
	if r.blobs, err = blob.Open(filepath.Join(r.dir, "blobs"), blob.Options{}); err != nil {
		t.Fatal(err)
	}
	// The idle timeout ends the hanging life's requests; it is long enough
	// that an ordinary answer never hits it on a loaded machine.
	client := fetch.New(fetch.Config{Resolver: r.res, AllowAddrPort: func(ap netip.AddrPort) bool { return ap.Addr().IsLoopback() },
		HostRate: -1, Retries: -1, IdleTimeout: time.Second, Timeout: 5 * time.Second})
	x := extract.New(extract.Options{})
	r.fetch, r.x = client, x
	r.pipe = pipeline.New(r.st, r.blobs, client, x, nil, pipeline.Options{Now: r.clk.Now})
	r.w = New(r.st, r.blobs, client, x, r.pipe, Options{Now: r.clk.Now, Workers: 4, PerHost: 2})
}

func (r *rig) archive(t *testing.T, path string) int64 {
	t.Helper()
	out, err := r.pipe.ArchiveURL(context.Background(), r.site.url(path), nil)
	if err != nil {
		t.Fatalf("archive %s: %v", path, err)
	}
	return out.ArticleID
}

// nextDue returns the time of the earliest scheduled check.
func (r *rig) nextDue(t *testing.T) time.Time {
	t.Helper()
	due, err := r.st.DueChecks(context.Background(), t0.AddDate(10, 0, 0), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) == 0 {
		return time.Time{}
	}
	return due[0].NextCheck
}

// offset writes at relative to t0 as 3d, 1h, 2d1h.
func offset(at time.Time) string {
	d := at.Sub(t0)
	var b strings.Builder
	if d >= day {
		fmt.Fprintf(&b, "%dd", d/day)
		d %= day
	}
	if d >= time.Hour || b.Len() == 0 {
		fmt.Fprintf(&b, "%dh", d/time.Hour)
		d %= time.Hour
	}
	if d > 0 {
		fmt.Fprintf(&b, "%dm", d/time.Minute)
	}
	return strings.Replace(b.String(), "d0h", "d", 1)
}

// history lists an article's checks as "offset outcome/status".
func (r *rig) history(t *testing.T, id int64) []string {
	t.Helper()
	cs, err := r.st.Checks(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s %s/%s", offset(c.At), c.Outcome, c.Status))
		if c.Outcome == "unavailable" {
			t.Logf("article %d at %s: %s", id, offset(c.At), c.Reason)
		}
	}
	return out
}

func (r *rig) sourceOf(t *testing.T, id int64) archive.Source {
	a, err := r.st.Article(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	src, err := r.st.Source(context.Background(), a.SourceID)
	if err != nil {
		t.Fatal(err)
	}
	return src
}
