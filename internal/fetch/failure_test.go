package fetch

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// failResolver answers every name with a not-found DNS error.
type failResolver struct{}

func (failResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestFailureOfNamesEachKindOfFailure(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/big":
			w.Write([]byte(strings.Repeat("x", 2000)))
		case "/hang":
			<-r.Context().Done()
		case "/reset":
			hj, _ := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			c.Close()
		}
	})
	cfg := testConfig()
	cfg.Retries = -1
	cfg.MaxBodySize = 1000
	cfg.IdleTimeout = 50 * time.Millisecond
	c := New(cfg)
	guarded := New(Config{HostRate: -1, Retries: -1})
	noDNS := New(Config{HostRate: -1, Retries: -1, Resolver: failResolver{}})
	for _, tc := range []struct {
		c    *Client
		url  string
		want Failure
	}{
		{c, srv.URL + "/loop", FailRedirectLoop},
		{c, srv.URL + "/big", FailTooLarge},
		{c, srv.URL + "/hang", FailTimeout},
		{c, srv.URL + "/reset", FailReset},
		{guarded, srv.URL + "/", FailBlocked},
		{noDNS, "http://gone.example.invalid/", FailDNS},
	} {
		_, err := tc.c.Get(context.Background(), Request{URL: tc.url})
		if err == nil {
			t.Fatalf("%s: no error", tc.url)
		}
		if got := FailureOf(err); got != tc.want {
			t.Errorf("%s: FailureOf(%v) = %q, want %q", tc.url, err, got, tc.want)
		}
	}
	if FailureOf(nil) != FailNone {
		t.Error("FailureOf(nil) is not FailNone")
	}
}

func TestResponseRecordsTheRedirectChainAndRemoteAddress(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a":
			http.Redirect(w, r, "/b", http.StatusMovedPermanently)
		case "/b":
			http.Redirect(w, r, "/c", http.StatusFound)
		default:
			w.Write([]byte("end"))
		}
	})
	resp, err := New(testConfig()).Get(context.Background(), Request{URL: srv.URL + "/a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Redirects) != 2 || resp.Redirects[0].Status != 301 || resp.Redirects[0].Location != "/b" ||
		!strings.HasSuffix(resp.Redirects[1].URL, "/b") || resp.Redirects[1].Status != 302 {
		t.Fatalf("redirects = %+v", resp.Redirects)
	}
	if resp.RemoteAddr != srv.Listener.Addr().String() {
		t.Errorf("remote address = %q, want %q", resp.RemoteAddr, srv.Listener.Addr())
	}
}
