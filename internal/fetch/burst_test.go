package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"
)

// A host's rate here is one request per 1000 s: a request that has to wait
// its turn fails at once under a one-minute deadline, so which requests
// waited is seen without measuring time.
func slowHostClient(t *testing.T) *Client {
	t.Helper()
	cfg := testConfig()
	cfg.HostRate, cfg.HostBurst, cfg.Retries = 0.001, 1, -1
	cfg.Resolver = mapResolver{"page.test": {"127.0.0.1"}, "other.test": {"127.0.0.1"}}
	return New(cfg)
}

func minuteCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestABurstLetsAPagesSubRequestsSkipTheirTurnsOnItsOwnHostOnly(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	c := slowHostClient(t)
	page := "http://page.test:" + srv.port()
	ctx := minuteCtx(t)
	// The page itself takes the host's one turn.
	if _, err := c.Get(ctx, Request{URL: page + "/"}); err != nil {
		t.Fatal(err)
	}
	b := NewBurst("page.test", 3)
	bctx := WithBurst(ctx, b)
	for i := range 3 {
		if _, err := c.Get(bctx, Request{URL: fmt.Sprintf("%s/img/%d.png", page, i)}); err != nil {
			t.Fatalf("sub-request %d within the allowance: %v", i, err)
		}
	}
	if b.Left() != 0 {
		t.Errorf("%d left of the allowance, want 0", b.Left())
	}
	// Past the allowance, and without one, the host's turn is awaited.
	if _, err := c.Get(bctx, Request{URL: page + "/img/4.png"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("sub-request past the allowance: %v, want a wait for the host's turn", err)
	}
	if _, err := c.Get(ctx, Request{URL: page + "/next-page"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the next page: %v, want a wait for the host's turn", err)
	}
	// Another host gets nothing from the page's allowance: its first
	// request has a turn, its second waits.
	other := NewBurst("page.test", 10)
	octx := WithBurst(ctx, other)
	if _, err := c.Get(octx, Request{URL: "http://other.test:" + srv.port() + "/a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(octx, Request{URL: "http://other.test:" + srv.port() + "/b"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a second request to another host: %v, want a wait for its turn", err)
	}
	if other.Left() != 10 {
		t.Errorf("requests to another host used the page's allowance: %d left", other.Left())
	}
	if n := srv.hits.Load(); n != 5 {
		t.Errorf("server saw %d requests, want 5", n)
	}
}

func TestAJarsCookiesGoOnlyToTheirOwnHostAlsoAcrossRedirects(t *testing.T) {
	type seen struct{ host, cookie string }
	got := make(chan seen, 10)
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Host, r.Header.Get("Cookie")}
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, "http://other.test:"+r.URL.Query().Get("port")+"/landed", http.StatusFound)
		case "/set":
			http.SetCookie(w, &http.Cookie{Name: "got", Value: "1", Path: "/"})
		}
	})
	cfg := testConfig()
	cfg.Resolver = mapResolver{"page.test": {"127.0.0.1"}, "other.test": {"127.0.0.1"}}
	c := New(cfg)
	jar, _ := cookiejar.New(nil)
	pageURL, _ := url.Parse("http://page.test:" + srv.port() + "/")
	jar.SetCookies(pageURL, []*http.Cookie{{Name: "session", Value: "secret"}})
	ctx := t.Context()
	if _, err := c.Get(ctx, Request{URL: pageURL.String() + "away?port=" + srv.port(), Jar: jar}); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s.cookie != "session=secret" {
		t.Errorf("the page's host got cookie %q", s.cookie)
	}
	if s := <-got; s.cookie != "" {
		t.Errorf("the redirect's other host %s got cookie %q", s.host, s.cookie)
	}
	// Cookies a response sets go to the jar, not to the client.
	if _, err := c.Get(ctx, Request{URL: pageURL.String() + "set", Jar: jar}); err != nil {
		t.Fatal(err)
	}
	<-got
	if _, err := c.Get(ctx, Request{URL: pageURL.String() + "again"}); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s.cookie != "" {
		t.Errorf("a request without the jar sent cookie %q", s.cookie)
	}
	if cs := jar.Cookies(pageURL); len(cs) != 2 {
		t.Errorf("jar holds %v, want session and got", cs)
	}
}
