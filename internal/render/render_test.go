package render

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
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/fetch"
)

// canary is a loopback listener the fetch policy does not allow; it counts
// every connection made to it, by anyone.
type canary struct {
	*httptest.Server
	conns atomic.Int64
}

func newCanary(t testing.TB) *canary {
	c := &canary{}
	c.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "CANARY-REACHED")
	}))
	c.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			c.conns.Add(1)
		}
	}
	c.Start()
	t.Cleanup(c.Close)
	return c
}

// site is the operator's loopback source: pages whose text only exists
// after scripts run, and hostile pages.
func newSite(t testing.TB, canaryURL string) *httptest.Server {
	mux := http.NewServeMux()
	page := func(path, body string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!doctype html><html><head><title>%s</title></head><body>%s</body></html>", path, body)
		})
	}
	canaryWS := strings.Replace(canaryURL, "http://", "ws://", 1)
	page("/ssrf", `<p id="ok">页面正文可以读到</p>
<img src="`+canaryURL+`/img.png">
<iframe src="`+canaryURL+`/frame"></iframe>
<img src="/to-canary">
<script>
fetch("`+canaryURL+`/api").catch(() => {});
try { new WebSocket("`+canaryWS+`/ws"); } catch (e) {}
if (navigator.serviceWorker) navigator.serviceWorker.register("/sw.js").catch(() => {});
</script>`)
	mux.HandleFunc("/to-canary", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, canaryURL+"/redirected.png", http.StatusFound)
	})
	mux.HandleFunc("/sw.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `self.addEventListener("fetch", e => e.respondWith(fetch("`+canaryURL+`/sw")));`)
	})
	page("/delayed", `<div id="app"></div><img src="/pixel.png">
<script>setTimeout(() => { document.getElementById("app").textContent = "脚本稍后插入的正文"; }, 200);</script>`)
	mux.HandleFunc("/pixel.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(onePixelPNG)
	})
	page("/json", `<div id="app">加载中</div>
<script>fetch("/data.json").then(r => r.json()).then(d => { document.getElementById("app").textContent = d.text; });</script>`)
	mux.HandleFunc("/data.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"text": "从接口载入的正文"}`)
	})
	page("/scroll", `<div style="height: 5000px">顶部</div><div id="more"></div>
<script>new IntersectionObserver((es, o) => { if (es[0].isIntersecting) { o.disconnect();
  fetch("/more.json").then(r => r.json()).then(d => { document.getElementById("more").textContent = d.text; }); } })
  .observe(document.getElementById("more"));</script>`)
	mux.HandleFunc("/more.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"text": "滚动后才出现的正文"}`)
	})
	page("/client-redirect", `<script>location.replace("/json");</script>`)
	page("/forever", `<p>never done</p><img src="/hang.png">`)
	mux.HandleFunc("/hang.png", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	page("/memory", `<script>const keep = []; for (;;) keep.push(new Array(1 << 20).fill(Math.random()));</script>`)
	page("/popups", `<script>for (let i = 0; i < 1000; i++) window.open("/delayed", "_blank");</script>`)
	page("/dialogs", `<script>for (;;) alert("hello");</script>`)
	page("/heavy", `<img src="/big.bin?1"><img src="/big.bin?2"><img src="/big.bin?3">`)
	mux.HandleFunc("/big.bin", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(bytes.Repeat([]byte{0}, 300<<10))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// A 1×1 PNG.
var onePixelPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

type fixture struct {
	site   *httptest.Server
	canary *canary
	r      *Renderer
}

func newFixture(t testing.TB, cfg Config) *fixture {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser")
	}
	if err := available(New(nil, cfg).cfg.ExecPath); err != nil {
		t.Skip(err)
	}
	c := newCanary(t)
	site := newSite(t, c.URL)
	siteAddr := netip.MustParseAddrPort(site.Listener.Addr().String())
	client := fetch.New(fetch.Config{
		// The site is the operator's source; every other address, the
		// canary's included, stays refused by the guard.
		AllowAddrPort: func(ap netip.AddrPort) bool { return ap == siteAddr },
		HostRate:      -1, HostConns: -1, Retries: -1,
		Timeout: time.Minute,
	})
	if cfg.Logger == nil && testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	r := New(client, cfg)
	t.Cleanup(func() { r.Close() })
	return &fixture{site: site, canary: c, r: r}
}

func testCtx(t *testing.T) context.Context {
	ctx := t.Context()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-5*time.Second))
		t.Cleanup(cancel)
	}
	return ctx
}

func TestNoRequestOfARenderedPageReachesABlockedAddress(t *testing.T) {
	f := newFixture(t, Config{Timeout: 20 * time.Second})
	res, err := f.r.Render(testCtx(t), f.site.URL+"/ssrf", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.HTML), "页面正文可以读到") {
		t.Errorf("the page's own text is missing from the DOM:\n%s", res.HTML)
	}
	if n := f.canary.conns.Load(); n != 0 {
		t.Fatalf("the canary saw %d connections", n)
	}
	refused := map[string]bool{}
	for _, rf := range res.Refused {
		if !errors.Is(rf.Err, fetch.ErrBlockedAddress) {
			continue
		}
		refused[strings.TrimPrefix(rf.URL, f.canary.URL)] = true
	}
	// The image, the iframe, the fetch() and the redirected image were
	// asked for and refused by the guard.
	for _, p := range []string{"/img.png", "/frame", "/api", "/to-canary"} {
		if !refused[p] && !(p == "/to-canary" && refusedURL(res, f.site.URL+"/to-canary")) {
			t.Errorf("%s was not refused by the guard; refused: %v", p, res.Refused)
		}
	}
	for _, r := range res.Responses {
		if strings.HasPrefix(r.URL, f.canary.URL) || strings.Contains(string(r.Body), "CANARY") {
			t.Errorf("a response came from the canary: %s", r.URL)
		}
	}
	t.Logf("elapsed %s", res.Elapsed)
	t.Logf("refused %d requests, %d direct attempts went to the sink", len(res.Refused), f.r.DirectAttempts())
}

func refusedURL(res *Result, u string) bool {
	for _, rf := range res.Refused {
		if rf.URL == u && errors.Is(rf.Err, fetch.ErrBlockedAddress) {
			return true
		}
	}
	return false
}

func TestPagesBuiltByScriptAreCapturedWithTheirText(t *testing.T) {
	f := newFixture(t, Config{Timeout: 20 * time.Second, Quiet: 400 * time.Millisecond})
	cases := []struct {
		path, text, final string
		sub               string // a sub-response that must be kept
	}{
		{"/delayed", "脚本稍后插入的正文", "/delayed", "/pixel.png"},
		{"/json", "从接口载入的正文", "/json", "/data.json"},
		{"/scroll", "滚动后才出现的正文", "/scroll", "/more.json"},
		{"/client-redirect", "从接口载入的正文", "/json", "/data.json"},
	}
	for _, c := range cases {
		t.Run(strings.TrimPrefix(c.path, "/"), func(t *testing.T) {
			res, err := f.r.Render(testCtx(t), f.site.URL+c.path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(res.HTML), c.text) {
				t.Errorf("rendered DOM lacks %q:\n%s", c.text, res.HTML)
			}
			if res.FinalURL != f.site.URL+c.final {
				t.Errorf("final URL %s, want %s", res.FinalURL, f.site.URL+c.final)
			}
			if !bytes.HasPrefix(res.Screenshot, []byte("\x89PNG\r\n\x1a\n")) {
				t.Errorf("no PNG screenshot (%d bytes)", len(res.Screenshot))
			}
			var got []string
			found := false
			for _, r := range res.Responses {
				got = append(got, strings.TrimPrefix(r.URL, f.site.URL))
				if r.URL == f.site.URL+c.sub && r.OK() && len(r.Body) > 0 {
					found = true
				}
			}
			if len(res.Responses) == 0 || res.Responses[0].URL != f.site.URL+c.path {
				t.Errorf("the page's own response is not first: %v", got)
			}
			if !found {
				t.Errorf("sub-response %s not kept; kept %v", c.sub, got)
			}
		})
	}
	if n := f.canary.conns.Load(); n != 0 {
		t.Fatalf("the canary saw %d connections", n)
	}
	if f.r.Starts() != 1 {
		t.Errorf("%d browsers started for %d captures, want 1 reused", f.r.Starts(), len(cases))
	}
}

func TestHostilePagesStopAtTheirLimitAndThePoolRecovers(t *testing.T) {
	f := newFixture(t, Config{
		Timeout: 8 * time.Second, HeapMB: 64, MaxPageBytes: 512 << 10,
		MaxPopups: 5, MaxDialogs: 5, Quiet: 200 * time.Millisecond,
	})
	cases := []struct {
		path string
		want error
	}{
		{"/forever", ErrTimeout},
		{"/memory", ErrCrashed},
		{"/popups", ErrPopups},
		{"/dialogs", ErrDialogs},
		{"/heavy", ErrTooHeavy},
	}
	for _, c := range cases {
		t.Run(strings.TrimPrefix(c.path, "/"), func(t *testing.T) {
			ctx := testCtx(t)
			_, err := f.r.Render(ctx, f.site.URL+c.path, Options{})
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			t.Logf("stopped: %v", err)
			res, err := f.r.Render(ctx, f.site.URL+"/json", Options{})
			if err != nil {
				t.Fatalf("the next capture failed: %v", err)
			}
			if !strings.Contains(string(res.HTML), "从接口载入的正文") {
				t.Errorf("the next capture lacks its text")
			}
		})
	}
}

func TestAMissingBrowserSaysSoWithoutStarting(t *testing.T) {
	r := New(nil, Config{ExecPath: "/nonexistent/chromium"})
	if err := r.Available(); !errors.Is(err, ErrNoBrowser) || !strings.Contains(err.Error(), "/nonexistent/chromium") {
		t.Fatalf("Available: %v", err)
	}
	_, err := r.Render(t.Context(), "http://127.0.0.1:1/", Options{})
	if !errors.Is(err, ErrNoBrowser) {
		t.Fatalf("Render: %v, want ErrNoBrowser", err)
	}
	if r.Starts() != 0 {
		t.Errorf("a browser was started")
	}
}
