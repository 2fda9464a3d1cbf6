package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/fetch"
)

// hostsResolver sends the test's *.test names to loopback and fails others.
type hostsResolver struct{}

func (hostsResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	if strings.HasSuffix(host, ".test") {
		return []net.IPAddr{{IP: net.IPv4(127, 0, 0, 1)}}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// cookieLog records the Cookie header of every request a server got.
type cookieLog struct {
	mu   sync.Mutex
	seen map[string][]string // path -> Cookie headers
}

func (l *cookieLog) add(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string][]string{}
	}
	l.seen[r.URL.Path] = append(l.seen[r.URL.Path], r.Header.Get("Cookie"))
}

func (l *cookieLog) get(path string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.seen[path])
}

func (l *cookieLog) all() map[string][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string][]string{}
	for k, v := range l.seen {
		out[k] = slices.Clone(v)
	}
	return out
}

// rendererFor starts a Renderer whose fetcher resolves *.test names to
// loopback and may reach only the given servers.
func rendererFor(t *testing.T, fcfg fetch.Config, cfg Config, servers ...*httptest.Server) *Renderer {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser")
	}
	if err := available(New(nil, cfg).cfg.ExecPath); err != nil {
		t.Skip(err)
	}
	allowed := map[netip.AddrPort]bool{}
	for _, s := range servers {
		allowed[netip.MustParseAddrPort(s.Listener.Addr().String())] = true
	}
	fcfg.AllowAddrPort = func(ap netip.AddrPort) bool { return allowed[ap] }
	fcfg.Resolver = hostsResolver{}
	if fcfg.HostRate == 0 {
		fcfg.HostRate, fcfg.HostConns = -1, -1
	}
	fcfg.Retries, fcfg.Timeout = -1, time.Minute
	r := New(fetch.New(fcfg), cfg)
	t.Cleanup(func() { r.Close() })
	return r
}

func port(s *httptest.Server) string {
	_, p, _ := net.SplitHostPort(s.Listener.Addr().String())
	return p
}

const membersText = "只有登录的读者才能看到这段正文"

func TestTheOperatorsCookiesGoOnlyToTheirOwnSiteAndAreNotKept(t *testing.T) {
	var siteLog, otherLog cookieLog
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherLog.add(r)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if strings.HasSuffix(r.URL.Path, ".png") {
			w.Header().Set("Content-Type", "image/png")
			w.Write(onePixelPNG)
			return
		}
		fmt.Fprint(w, "{}")
	}))
	t.Cleanup(other.Close)
	otherURL := "http://other.test:" + port(other)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		siteLog.add(r)
		member := false
		if c, err := r.Cookie("member"); err == nil && c.Value == "yes" {
			member = true
		}
		switch r.URL.Path {
		case "/post":
			http.SetCookie(w, &http.Cookie{Name: "seen", Value: "1", Path: "/"})
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if !member {
				fmt.Fprint(w, `<!doctype html><html><body><p id="gate">请先登录</p></body></html>`)
				return
			}
			fmt.Fprintf(w, `<!doctype html><html><body><p>%s</p><div id="more"></div>
<img src="/pic.png"><img src="%s/track.png"><img src="/away.png">
<script>
fetch("/members.json").then(r => r.json()).then(d => { document.getElementById("more").textContent = d.text; });
fetch("%s/api").catch(() => {});
</script></body></html>`, membersText, otherURL, otherURL)
		case "/members.json":
			w.Header().Set("Content-Type", "application/json")
			if member {
				fmt.Fprint(w, `{"text": "会员接口返回的正文"}`)
			} else {
				fmt.Fprint(w, `{"text": ""}`)
			}
		case "/pic.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(onePixelPNG)
		case "/away.png":
			http.Redirect(w, r, otherURL+"/redirected.png", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)
	siteURL := "http://site.test:" + port(site)

	file := filepath.Join(t.TempDir(), "cookies.txt")
	cookieFile := []byte("# Netscape HTTP Cookie File\n" +
		"site.test\tFALSE\t/\tFALSE\t0\tmember\tyes\n" +
		"site.test\tFALSE\t/\tTRUE\t0\tsecure_only\tnot-over-http\n" +
		".other.test\tTRUE\t/\tFALSE\t0\tother_session\tother-secret\n" +
		"site.test\tFALSE\t/\tFALSE\t1000\told\texpired-in-1970\n")
	if err := os.WriteFile(file, cookieFile, 0o600); err != nil {
		t.Fatal(err)
	}
	cookies, err := LoadCookies(file)
	if err != nil {
		t.Fatal(err)
	}
	r := rendererFor(t, fetch.Config{}, Config{Timeout: 40 * time.Second}, site, other)
	ctx := testCtx(t)

	res, err := r.Render(ctx, siteURL+"/post", Options{Cookies: cookies.For("site.test")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.HTML), membersText) || !strings.Contains(string(res.HTML), "会员接口返回的正文") {
		t.Fatalf("the members' text is missing: the cookie did not reach the site:\n%s", res.HTML)
	}
	for _, p := range []string{"/post", "/members.json", "/pic.png"} {
		got := siteLog.get(p)
		if len(got) == 0 || !strings.Contains(got[0], "member=yes") {
			t.Errorf("the site's %s got Cookie %q, want member=yes", p, got)
		}
		for _, c := range got {
			if strings.Contains(c, "secure_only") || strings.Contains(c, "old=") || strings.Contains(c, "other_session") {
				t.Errorf("the site's %s got Cookie %q: a secure cookie over http, an expired one or another site's", p, c)
			}
		}
	}
	// The site's own Set-Cookie holds within the capture.
	if got := siteLog.get("/members.json"); len(got) == 0 || !strings.Contains(got[0], "seen=1") {
		t.Errorf("the cookie the page set was not sent with its sub-request: %q", got)
	}
	seenOther := otherLog.all()
	for _, p := range []string{"/track.png", "/api", "/redirected.png"} {
		if _, ok := seenOther[p]; !ok {
			t.Errorf("the other host never got %s (the test proves nothing without it); got %v", p, seenOther)
		}
	}
	for p, cs := range seenOther {
		for _, c := range cs {
			if c != "" {
				t.Errorf("the other host got Cookie %q on %s", c, p)
			}
		}
	}
	if !slices.Equal(res.CookiesSentTo, []string{"site.test"}) {
		t.Errorf("operator's cookies went to %v, want only site.test", res.CookiesSentTo)
	}

	// Nothing is kept: the file is as it was, and the next capture,
	// given no cookies, sends none — neither the operator's nor the one
	// the site set.
	if now, _ := os.ReadFile(file); !bytes.Equal(now, cookieFile) {
		t.Errorf("the cookie file changed:\n%s", now)
	}
	res, err = r.Render(ctx, siteURL+"/post", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(res.HTML), membersText) {
		t.Errorf("a capture without cookies saw the members' text")
	}
	if got := siteLog.get("/post"); len(got) != 2 || got[1] != "" {
		t.Errorf("the second capture sent Cookie %q", got)
	}
}

func TestAPagesManySameHostSubResourcesRenderWithinItsLimitWhileCapturesKeepTheHostsRate(t *testing.T) {
	const images = 30
	var mu sync.Mutex
	hits := map[string]int{}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.Host]++
		mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/i/") {
			w.Header().Set("Content-Type", "image/png")
			w.Write(onePixelPNG)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var b strings.Builder
		b.WriteString("<!doctype html><html><body><p>很多图片的页面</p>")
		for i := range images {
			fmt.Fprintf(&b, `<img src="/i/%d.png">`, i)
		}
		b.WriteString("</body></html>")
		fmt.Fprint(w, b.String())
	}))
	t.Cleanup(site.Close)
	// One request per 1000 s to each host: without the allowance the
	// page's 30 images would need hours; a request that must wait its
	// turn fails at once, since the capture's limit comes first.
	fcfg := fetch.Config{HostRate: 0.001, HostBurst: 1, HostConns: 2}
	r := rendererFor(t, fcfg, Config{Timeout: 40 * time.Second, HostBurst: 40}, site)
	ctx := testCtx(t)
	pageURL := "http://many.test:" + port(site) + "/page"

	res, err := r.Render(ctx, pageURL, Options{})
	if err != nil {
		t.Fatalf("the page with %d images did not render: %v", images, err)
	}
	ok := 0
	for _, resp := range res.Responses {
		if strings.Contains(resp.URL, "/i/") && resp.OK() {
			ok++
		}
	}
	if ok != images || res.Burst != images {
		t.Errorf("%d images answered, %d through the allowance; want %d and %d (refused: %v)", ok, res.Burst, images, images, res.Refused)
	}

	// The next capture of the host must wait for the host's turn, which
	// comes after its limit: it fails rather than go early.
	_, err = r.Render(ctx, pageURL, Options{})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "rate limit") {
		t.Errorf("a second capture of the host at once: %v, want a wait for the host's rate-limit turn", err)
	}
	mu.Lock()
	n := hits["many.test:"+port(site)]
	mu.Unlock()
	if n != 1+images {
		t.Errorf("the host got %d requests, want %d (the first capture only)", n, 1+images)
	}
}

func TestTheAllowanceIsCappedAndTheRestWaitTheirTurn(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/i/") {
			w.Header().Set("Content-Type", "image/png")
			w.Write(onePixelPNG)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><html><body><p>图片</p>")
		for i := range 12 {
			fmt.Fprintf(w, `<img src="/i/%d.png">`, i)
		}
		fmt.Fprint(w, "</body></html>")
	}))
	t.Cleanup(site.Close)
	r := rendererFor(t, fetch.Config{HostRate: 0.001, HostBurst: 1, HostConns: 2}, Config{Timeout: 40 * time.Second, HostBurst: 5}, site)
	res, err := r.Render(testCtx(t), "http://capped.test:"+port(site)+"/page", Options{})
	if err != nil {
		t.Fatal(err)
	}
	answered, waited := 0, 0
	for _, resp := range res.Responses {
		if strings.Contains(resp.URL, "/i/") {
			answered++
		}
	}
	for _, rf := range res.Refused {
		if errors.Is(rf.Err, context.DeadlineExceeded) && strings.Contains(rf.Reason, "rate limit") {
			waited++
		}
	}
	if answered != 5 || waited != 7 {
		t.Errorf("%d images answered and %d held to the host's rate; want 5 and 7 (refused %v)", answered, waited, res.Refused)
	}
}

func TestParseCookiesReadsNetscapeFilesAndRefusesWhatIsNot(t *testing.T) {
	in := "# Netscape HTTP Cookie File\r\n" +
		"\n" +
		".weibo.com\tTRUE\t/\tTRUE\t2000000000\tSUB\tabc\r\n" +
		"#HttpOnly_www.zhihu.com\tFALSE\t/api\tFALSE\t0\tz_c0\t\"q\"x\n"
	_, err := ParseCookies(strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("a value with a quote: %v, want an error naming line 4", err)
	}
	in = strings.Replace(in, "\"q\"x", "qx", 1)
	cs, err := ParseCookies(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Cookie{
		{Name: "SUB", Value: "abc", Domain: "weibo.com", Path: "/", Secure: true, Expires: time.Unix(2000000000, 0)},
		{Name: "z_c0", Value: "qx", Domain: "www.zhihu.com", HostOnly: true, Path: "/api", HTTPOnly: true},
	}
	if !slices.EqualFunc(cs, want, func(a, b Cookie) bool { return a == b }) {
		t.Fatalf("got %+v\nwant %+v", cs, want)
	}
	c := &Cookies{list: cs}
	if got := c.For("m.weibo.com"); len(got) != 1 || got[0].Name != "SUB" {
		t.Errorf("For(m.weibo.com) = %+v", got)
	}
	if got := c.For("zhihu.com"); len(got) != 0 {
		t.Errorf("a host-only cookie of www.zhihu.com went to zhihu.com: %+v", got)
	}
	if got := c.For("notweibo.com"); len(got) != 0 {
		t.Errorf("For(notweibo.com) = %+v", got)
	}
	for _, bad := range []string{
		"com.cn\tTRUE\t/\tFALSE\t0\ta\tb",     // a public suffix
		".com\tTRUE\t/\tFALSE\t0\ta\tb",       // a top-level domain
		"a.com\tYES\t/\tFALSE\t0\ta\tb",       // not TRUE/FALSE
		"a.com\tTRUE\t/\tFALSE\tsoon\ta\tb",   // expiry
		"a.com\tTRUE\tx\tFALSE\t0\ta\tb",      // path
		"a.com TRUE / FALSE 0 a b",            // spaces, not tabs
		"a.com\tTRUE\t/\tFALSE\t0\ta b\tc",    // a space in the name
		"a.com\tTRUE\t/\tFALSE\t0\ta\tb;c=d",  // a header injection
		"a.com\tTRUE\t/\tFALSE\t0\ta\tb\r\nX", // CR LF inside
	} {
		if _, err := ParseCookies(strings.NewReader(bad + "\n")); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func FuzzParseCookies(f *testing.F) {
	f.Add("# Netscape HTTP Cookie File\n.weibo.com\tTRUE\t/\tTRUE\t2000000000\tSUB\tabc\n")
	f.Add("#HttpOnly_www.zhihu.com\tFALSE\t/api\tFALSE\t0\tz_c0\tqx\r\n")
	f.Add("\ufeffa.com\tTRUE\t/\tFALSE\t0\ta\tb\n\n# c\n")
	f.Fuzz(func(t *testing.T, in string) {
		cs, err := ParseCookies(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, c := range cs {
			h := (&http.Cookie{Name: c.Name, Value: c.Value}).String()
			if h != c.Name+"="+c.Value || c.Domain == "" || !strings.HasPrefix(c.Path, "/") {
				t.Fatalf("accepted a cookie that cannot be sent as it is: %+v", c)
			}
		}
	})
}
