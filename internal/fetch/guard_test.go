package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestGetRefusesBlockedAddresses(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("secret"))
	})
	port := srv.port()
	c := New(Config{
		HostRate:  -1,
		RetryBase: time.Millisecond,
		Resolver:  mapResolver{"news.example.com": {"127.0.0.1"}},
	})

	tests := []struct {
		name string
		url  string
	}{
		{"the loopback address is refused", "http://127.0.0.1:" + port + "/"},
		{"localhost is refused", "http://localhost:" + port + "/"},
		{"a private address is refused", "http://10.0.0.1/"},
		{"the cloud metadata address is refused", "http://169.254.169.254/latest/meta-data/"},
		{"the IPv6 loopback is refused", "http://[::1]:" + port + "/"},
		{"an IPv4-mapped loopback is refused", "http://[::ffff:127.0.0.1]:" + port + "/"},
		{"the unspecified address is refused", "http://0.0.0.0:" + port + "/"},
		{"a public name resolving to loopback is refused", "http://news.example.com:" + port + "/"},
		{"a NAT64 loopback is refused", "http://[64:ff9b::7f00:1]:" + port + "/"},
		{"a CGNAT address is refused", "http://100.64.0.1/"},
		{"the broadcast address is refused", "http://255.255.255.255/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			resp, err := c.Get(context.Background(), Request{URL: tt.url})
			if !errors.Is(err, ErrBlockedAddress) {
				t.Fatalf("Get(%s) = %v, %v; want ErrBlockedAddress", tt.url, resp, err)
			}
			if !strings.Contains(err.Error(), tt.url) {
				t.Errorf("error %q does not name the URL %s", err, tt.url)
			}
			// Refused before any connect: no dial timeout, no retries.
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("refusal took %s; want it before any connect attempt", d)
			}
		})
	}
	if n := srv.hits.Load(); n != 0 {
		t.Errorf("server received %d requests; want none", n)
	}
}

func TestGetRefusesRedirectsToBlockedAddresses(t *testing.T) {
	b := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("internal"))
	})
	a := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-b":
			http.Redirect(w, r, b.URL+"/admin", http.StatusFound)
		case "/to-b-by-name":
			http.Redirect(w, r, "http://intranet.example.com:"+b.port()+"/", http.StatusFound)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusMovedPermanently)
		case "/to-file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/to-ftp":
			http.Redirect(w, r, "ftp://example.com/x", http.StatusFound)
		case "/to-self":
			http.Redirect(w, r, "/ok", http.StatusFound)
		default:
			w.Write([]byte("public"))
		}
	})
	allowed := a.addrPort()
	c := New(Config{
		HostRate:      -1,
		RetryBase:     time.Millisecond,
		AllowAddrPort: func(ap netip.AddrPort) bool { return ap == allowed },
		Resolver:      mapResolver{"intranet.example.com": {"127.0.0.1"}},
	})

	tests := []struct {
		name string
		path string
		want error
	}{
		{"a redirect to another loopback port is refused", "/to-b", ErrBlockedAddress},
		{"a redirect to a name resolving to loopback is refused", "/to-b-by-name", ErrBlockedAddress},
		{"a redirect to the metadata address is refused", "/to-metadata", ErrBlockedAddress},
		{"a redirect to a file URL is refused", "/to-file", ErrBadScheme},
		{"a redirect to an ftp URL is refused", "/to-ftp", ErrBadScheme},
		{"a redirect within the allowed server is followed", "/to-self", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.Get(context.Background(), Request{URL: a.URL + tt.path})
			if tt.want == nil {
				if err != nil || resp.Status != http.StatusOK || resp.FinalURL != a.URL+"/ok" {
					t.Fatalf("Get = %+v, %v; want 200 from %s/ok", resp, err, a.URL)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Get = %+v, %v; want %v", resp, err, tt.want)
			}
		})
	}
	if n := b.hits.Load(); n != 0 {
		t.Errorf("blocked server received %d requests; want none", n)
	}
}

func TestBlockedAddressIsNotRetried(t *testing.T) {
	var consulted atomic.Int64
	c := New(Config{
		HostRate:  -1,
		Retries:   3,
		RetryBase: time.Millisecond,
		AllowAddrPort: func(netip.AddrPort) bool {
			consulted.Add(1)
			return false
		},
	})
	_, err := c.Get(context.Background(), Request{URL: "http://10.1.2.3/"})
	if !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("Get = %v; want ErrBlockedAddress", err)
	}
	if n := consulted.Load(); n != 1 {
		t.Errorf("address checked %d times; want 1 (no retries)", n)
	}
}

func TestAllowPrivateTurnsTheGuardOff(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("hello"))
	})
	c := New(Config{
		AllowPrivate: true,
		HostRate:     -1,
		Resolver:     mapResolver{"news.example.com": {"127.0.0.1"}},
	})
	for _, u := range []string{srv.URL + "/", "http://news.example.com:" + srv.port() + "/"} {
		resp, err := c.Get(context.Background(), Request{URL: u})
		if err != nil || string(resp.Body) != "hello" {
			t.Errorf("Get(%s) = %+v, %v; want hello", u, resp, err)
		}
	}
}

func TestGuardWithProxyChecksTheTargetHost(t *testing.T) {
	proxy := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		w.Write([]byte("via proxy: " + r.URL.String()))
	})
	c := New(Config{
		HostRate:  -1,
		RetryBase: time.Millisecond,
		Proxy:     proxy.URL,
		Resolver: mapResolver{
			"news.example.com":     {"93.184.216.34"},
			"intranet.example.com": {"93.184.216.34", "10.1.2.3"},
		},
	})

	tests := []struct {
		name     string
		url      string
		wantBody string
		wantErr  error
	}{
		{"a public target is fetched through the loopback proxy", "http://news.example.com/a", "via proxy: http://news.example.com/a", nil},
		{"a target with any private address is refused", "http://intranet.example.com/", "", ErrBlockedAddress},
		{"a literal loopback target is refused", "http://127.0.0.1/", "", ErrBlockedAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := proxy.hits.Load()
			resp, err := c.Get(context.Background(), Request{URL: tt.url})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Get = %+v, %v; want %v", resp, err, tt.wantErr)
				}
				if proxy.hits.Load() != before {
					t.Errorf("proxy received the refused request")
				}
				return
			}
			if err != nil || string(resp.Body) != tt.wantBody {
				t.Fatalf("Get = %+v, %v; want body %q", resp, err, tt.wantBody)
			}
		})
	}
}

func TestAnInvalidProxyFailsEveryGet(t *testing.T) {
	for _, p := range []string{"socks5://127.0.0.1:1080", "http://", "::bad"} {
		c := New(Config{Proxy: p})
		if _, err := c.Get(context.Background(), Request{URL: "http://example.com/"}); !errors.Is(err, ErrBadProxy) {
			t.Errorf("proxy %q: Get = %v; want ErrBadProxy", p, err)
		}
	}
}

func TestPublicAddr(t *testing.T) {
	tests := []struct {
		name string
		addr string
		want bool
	}{
		{"a public IPv4 address is allowed", "8.8.8.8", true},
		{"a public IPv6 address is allowed", "2606:4700:4700::1111", true},
		{"NAT64 of a public address is allowed", "64:ff9b::808:808", true},
		{"6to4 of a public address is allowed", "2002:808:808::1", true},
		{"an IPv4-mapped public address is allowed", "::ffff:8.8.8.8", true},
		{"loopback is refused", "127.0.0.2", false},
		{"10/8 is refused", "10.20.30.40", false},
		{"172.16/12 is refused", "172.31.255.255", false},
		{"192.168/16 is refused", "192.168.1.1", false},
		{"CGNAT is refused", "100.127.0.1", false},
		{"link-local is refused", "169.254.1.1", false},
		{"multicast is refused", "239.1.2.3", false},
		{"the unspecified IPv4 address is refused", "0.0.0.0", false},
		{"broadcast is refused", "255.255.255.255", false},
		{"IETF protocol assignments are refused", "192.0.0.170", false},
		{"benchmarking space is refused", "198.19.0.1", false},
		{"class E is refused", "240.0.0.1", false},
		{"documentation space is refused", "203.0.113.9", false},
		{"the IPv6 loopback is refused", "::1", false},
		{"the unspecified IPv6 address is refused", "::", false},
		{"an IPv4-mapped private address is refused", "::ffff:10.0.0.1", false},
		{"an IPv4-compatible loopback is refused", "::127.0.0.1", false},
		{"unique local is refused", "fd00::1", false},
		{"IPv6 link-local with a zone is refused", "fe80::1%eth0", false},
		{"IPv6 multicast is refused", "ff02::1", false},
		{"IPv6 documentation is refused", "2001:db8::1", false},
		{"Teredo is refused", "2001::1", false},
		{"NAT64 of loopback is refused", "64:ff9b::7f00:1", false},
		{"NAT64 of the metadata address is refused", "64:ff9b::a9fe:a9fe", false},
		{"local-use NAT64 is refused", "64:ff9b:1::1", false},
		{"6to4 of a private address is refused", "2002:a00:1::1", false},
		{"the EC2 IPv6 metadata address is refused", "fd00:ec2::254", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := publicAddr(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("publicAddr(%s) = %v; want %v", tt.addr, got, tt.want)
			}
		})
	}
}
