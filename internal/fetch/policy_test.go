package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"testing"
)

// TestAPolicyOpensItsAllowanceOnlyForItsHost runs a source-scoped
// allowance against a real loopback server reachable under two names: the
// allowance opens 127.0.0.1 for the source's host only, never for a request
// without it, another name of the same address, a redirect hop to another
// host, or a later request reusing a kept-alive connection.
func TestAPolicyOpensItsAllowanceOnlyForItsHost(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		w.Write([]byte("<rss/>"))
	})
	c := New(Config{HostRate: -1, Retries: -1, Resolver: mapResolver{
		"feeds.internal":     {"127.0.0.1"},
		"elsewhere.internal": {"127.0.0.1"},
	}})
	feedURL := "http://feeds.internal:" + srv.port() + "/feed.xml"
	otherURL := "http://elsewhere.internal:" + srv.port() + "/img.png"
	source := fetch127(t, Policy{Host: "feeds.internal", AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	private := fetch127(t, Policy{Host: "Feeds.Internal.", AllowPrivate: true})

	tests := []struct {
		name    string
		ctx     context.Context
		url     string
		wantErr error
	}{
		{"the source's host is reached with its allow-net", source, feedURL, nil},
		{"the source's host is reached with its allow-private", private, feedURL, nil},
		{"a request without the policy is refused", context.Background(), feedURL, ErrBlockedAddress},
		{"another host at the same address is refused", source, otherURL, ErrBlockedAddress},
		{"another host is refused with allow-private too", private, otherURL, ErrBlockedAddress},
		{"a redirect hop to another host is refused", source, feedURL + "?to=" + url.QueryEscape(otherURL), ErrBlockedAddress},
		{"a policy without a host opens nothing", fetch127(t, Policy{AllowPrivate: true}), feedURL, ErrBlockedAddress},
		{"no connection is kept for a request without the policy", context.Background(), feedURL, ErrBlockedAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.Get(tt.ctx, Request{URL: tt.url})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Get(%s) = %v, %v; want %v", tt.url, resp, err, tt.wantErr)
			}
			if err == nil && string(resp.Body) != "<rss/>" {
				t.Errorf("Body = %q", resp.Body)
			}
		})
	}
}

func fetch127(t *testing.T, p Policy) context.Context {
	t.Helper()
	return WithPolicy(context.Background(), p)
}

// TestADomainListAppliesToEveryRedirectHop follows an anonymous
// submission's redirect off its allowed domains: the hop is refused before
// it is dialled, though the client could reach it.
func TestADomainListAppliesToEveryRedirectHop(t *testing.T) {
	off := newRecorder(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("off the list")) })
	on := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		w.Write([]byte("on the list"))
	})
	cfg := testConfig()
	cfg.Retries = -1
	cfg.Resolver = mapResolver{"news.example.test": {"127.0.0.1"}, "www.news.example.test": {"127.0.0.1"}, "evil.test": {"127.0.0.1"}}
	c := New(cfg)
	ctx := WithPolicy(context.Background(), Policy{Domains: []string{"news.example.test"}})
	onURL := "http://www.news.example.test:" + on.port() + "/a"
	offURL := "http://evil.test:" + off.port() + "/b"

	if resp, err := c.Get(ctx, Request{URL: onURL}); err != nil || string(resp.Body) != "on the list" {
		t.Fatalf("a subdomain of an allowed domain: %v, %v", resp, err)
	}
	if _, err := c.Get(ctx, Request{URL: offURL}); !errors.Is(err, ErrDomainNotAllowed) {
		t.Errorf("a first URL off the list: err = %v; want ErrDomainNotAllowed", err)
	}
	if _, err := c.Get(ctx, Request{URL: onURL + "?to=" + url.QueryEscape(offURL)}); !errors.Is(err, ErrDomainNotAllowed) {
		t.Errorf("a redirect hop off the list: err = %v; want ErrDomainNotAllowed", err)
	}
	if n := off.hits.Load(); n != 0 {
		t.Errorf("the host off the list was asked %d times; want never", n)
	}
}
