package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// scriptedResolver answers each name from a script: the n-th lookup of a
// name gets its n-th answer, the last answer repeating. It counts lookups
// and fails names it has no script for, so a test never reaches a real DNS
// server.
type scriptedResolver struct {
	mu      sync.Mutex
	answers map[string][][]string
	asked   map[string]int
}

func newScriptedResolver(answers map[string][][]string) *scriptedResolver {
	return &scriptedResolver{answers: answers, asked: map[string]int{}}
}

func (r *scriptedResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked[host]++
	script, ok := r.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host (not in the test script)", Name: host, IsNotFound: true}
	}
	ips := script[min(r.asked[host], len(script))-1]
	out := make([]net.IPAddr, 0, len(ips))
	for _, s := range ips {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	return out, nil
}

func (r *scriptedResolver) lookups(host string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.asked[host]
}

// recordDials makes c's transports record the remote address of every
// connection they establish, and returns a func that lists them.
func recordDials(t *testing.T, c *Client) func() []string {
	t.Helper()
	router, ok := c.http.Transport.(*policyRouter)
	if !ok {
		t.Fatalf("transport is %T; want *policyRouter", c.http.Transport)
	}
	var mu sync.Mutex
	var dialled []string
	for _, rt := range []http.RoundTripper{router.shared, router.single} {
		tr, ok := rt.(*http.Transport)
		if !ok {
			t.Fatalf("transport is %T; want *http.Transport", rt)
		}
		inner := tr.DialContext
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := inner(ctx, network, addr)
			if err == nil {
				mu.Lock()
				dialled = append(dialled, conn.RemoteAddr().String())
				mu.Unlock()
			}
			return conn, err
		}
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), dialled...)
	}
}

// internalService is an HTTP server that must never be reached: it listens
// on 127.0.0.1 and, where the machine allows, on 127.0.0.2 and [::1] at the
// same port, and counts every connection made to any of them. If a request
// got through it would succeed, so a refusal is the guard's doing.
type internalService struct {
	port  string
	conns atomic.Int64
}

func newInternalService(t *testing.T) *internalService {
	t.Helper()
	s := &internalService{}
	start := func(addr string) bool {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return false
		}
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("internal secret"))
		}))
		srv.Listener.Close()
		srv.Listener = l
		srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				s.conns.Add(1)
			}
		}
		srv.Start()
		t.Cleanup(srv.Close)
		return true
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, s.port, _ = net.SplitHostPort(l.Addr().String())
	l.Close()
	if !start("127.0.0.1:" + s.port) {
		t.Fatalf("cannot listen on 127.0.0.1:%s again", s.port)
	}
	start("127.0.0.2:" + s.port)
	start("[::1]:" + s.port)
	return s
}

// blockedTargets are URLs of addresses the guard must refuse, with the
// sentinels the refusal must wrap. port is the internal service's.
func blockedTargets(port string) []struct {
	name string
	url  string
	want []error
} {
	blocked := []error{ErrBlockedAddress}
	numeric := []error{ErrBlockedAddress, ErrBadURL}
	return []struct {
		name string
		url  string
		want []error
	}{
		{"the IPv4 loopback address", "http://127.0.0.1:" + port + "/", blocked},
		{"loopback shortened to 127.1", "http://127.1:" + port + "/", numeric},
		{"loopback as one decimal number", "http://2130706433:" + port + "/", numeric},
		{"loopback as one hexadecimal number", "http://0x7f000001:" + port + "/", numeric},
		{"loopback with an octal first byte", "http://0177.0.0.1:" + port + "/", numeric},
		{"loopback in mixed hexadecimal and decimal", "http://0x7f.1:" + port + "/", numeric},
		{"loopback with a trailing dot", "http://127.0.0.1.:" + port + "/", numeric},
		{"the unspecified IPv4 address", "http://0.0.0.0:" + port + "/", blocked},
		{"the unspecified IPv4 address as 0", "http://0:" + port + "/", numeric},
		{"the unspecified IPv6 address", "http://[::]:" + port + "/", blocked},
		{"the IPv6 loopback address", "http://[::1]:" + port + "/", blocked},
		{"an IPv4-mapped loopback address", "http://[::ffff:127.0.0.1]:" + port + "/", blocked},
		{"an IPv4-mapped loopback address in hexadecimal", "http://[::ffff:7f00:1]:" + port + "/", blocked},
		{"private 10/8", "http://10.0.0.1/", blocked},
		{"private 172.16/12", "http://172.16.0.1/", blocked},
		{"private 192.168/16", "http://192.168.1.1/", blocked},
		{"carrier-grade NAT 100.64/10", "http://100.64.0.1/", blocked},
		{"the cloud metadata address", "http://169.254.169.254/latest/meta-data/", blocked},
		{"IPv6 link-local", "http://[fe80::1]/", blocked},
		{"IPv6 link-local with a zone", "http://[fe80::1%25lo]:" + port + "/", blocked},
		{"IPv6 unique local", "http://[fc00::1]/", blocked},
		{"a name resolving to a private address", "http://intranet.example.com/", blocked},
		{"a name resolving to loopback", "http://loopback.example.com:" + port + "/", blocked},
		{"a name resolving to the metadata address", "http://metadata.example.com/", blocked},
		{"a name resolving to the IPv6 loopback", "http://v6.example.com:" + port + "/", blocked},
		{"a file URL", "file:///etc/passwd", []error{ErrBadScheme}},
		{"a gopher URL", "gopher://127.0.0.1:" + port + "/_GET%20/", []error{ErrBadScheme}},
		{"an ftp URL", "ftp://127.0.0.1/", []error{ErrBadScheme}},
		{"a data URL", "data:text/html,<h1>hi</h1>", []error{ErrBadScheme}},
		{"a javascript URL", "javascript:alert(1)", []error{ErrBadScheme}},
	}
}

// ssrfResolver resolves the names of blockedTargets: each only to blocked
// addresses, so nothing is dialled even if the guard failed open on names.
func ssrfResolver() *scriptedResolver {
	return newScriptedResolver(map[string][][]string{
		"intranet.example.com": {{"10.1.2.3"}},
		"loopback.example.com": {{"127.0.0.1"}},
		"metadata.example.com": {{"169.254.169.254"}},
		"v6.example.com":       {{"::1"}},
	})
}

func wantErrs(t *testing.T, err error, want []error) {
	t.Helper()
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Errorf("error %v; want it to wrap %v", err, w)
		}
	}
}

func TestEveryBlockedAddressIsRefusedBeforeAnyConnection(t *testing.T) {
	internal := newInternalService(t)
	res := ssrfResolver()
	c := New(Config{HostRate: -1, Retries: 3, RetryBase: time.Millisecond, Resolver: res})
	dials := recordDials(t, c)

	targets := blockedTargets(internal.port)
	for _, tt := range targets {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			resp, err := c.Get(context.Background(), Request{URL: tt.url})
			if err == nil {
				t.Fatalf("Get(%s) = %d %q; want a refusal", tt.url, resp.Status, resp.Body)
			}
			wantErrs(t, err, tt.want)
			if !strings.Contains(err.Error(), tt.url) {
				t.Errorf("error %q does not name the URL %s", err, tt.url)
			}
			if errors.Is(err, ErrBadURL) && !strings.Contains(err.Error(), "127.0.0.1") && !strings.Contains(err.Error(), "0.0.0.0") {
				t.Errorf("error %q does not say which address the numeric host means", err)
			}
		})
	}
	if d := dials(); len(d) != 0 {
		t.Errorf("connections were made to %v; want none", d)
	}
	if n := internal.conns.Load(); n != 0 {
		t.Errorf("the internal service accepted %d connections; want none", n)
	}
	// Numeric hosts are refused before any lookup: a resolver (or libc)
	// that reads them as IPv4 never gets the chance.
	for _, h := range []string{"127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.1", "127.0.0.1.", "0"} {
		if n := res.lookups(h); n != 0 {
			t.Errorf("the resolver was asked for %q %d times; want never", h, n)
		}
	}
	t.Logf("%d direct cases refused", len(targets))
}

func TestARedirectChainToABlockedAddressIsRefusedAtTheLastHop(t *testing.T) {
	internal := newInternalService(t)
	const hops = 3 // then the blocked target: 4 redirects, within the default 5
	var pub *recorder
	var landings atomic.Int64
	pub = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/landing" {
			landings.Add(1)
			w.Write([]byte("public landing page"))
			return
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
		to := r.URL.Query().Get("to")
		if n > 0 {
			to = fmt.Sprintf("%s/hop/%d?to=%s", pub.URL, n-1, url.QueryEscape(to))
		}
		w.Header().Set("Location", to)
		w.WriteHeader([]int{http.StatusFound, http.StatusMovedPermanently, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect}[n%5])
	})
	allowed := pub.addrPort()
	c := New(Config{
		HostRate:      -1,
		Retries:       3,
		RetryBase:     time.Millisecond,
		AllowAddrPort: func(ap netip.AddrPort) bool { return ap == allowed },
		Resolver:      ssrfResolver(),
	})
	dials := recordDials(t, c)

	type target struct {
		name string
		url  string
		want []error
	}
	var targets []target
	for _, b := range blockedTargets(internal.port) {
		targets = append(targets, target{b.name, b.url, b.want})
	}
	// Credentials in a redirect target are refused even towards the
	// allowed server itself.
	targets = append(targets,
		target{"credentials for the same server", "http://user:pass@" + allowed.String() + "/landing", []error{ErrBadURL}},
		target{"credentials for another host", "http://admin:admin@intranet.example.com/", []error{ErrBadURL}},
	)

	// A URL's own credentials survive a relative redirect on its host.
	resp, err := c.Get(context.Background(), Request{URL: "http://user:pass@" + allowed.String() + "/hop/0?to=%2Flanding"})
	if err != nil || string(resp.Body) != "public landing page" {
		t.Fatalf("a relative redirect from a URL with credentials: %v, %v", resp, err)
	}

	// The chain itself works: only the last hop is refused.
	resp, err = c.Get(context.Background(), Request{URL: pub.URL + "/hop/3?to=" + url.QueryEscape(pub.URL+"/landing")})
	if err != nil || string(resp.Body) != "public landing page" {
		t.Fatalf("a chain ending at the public server: %v, %v", resp, err)
	}
	landed := landings.Load()

	for _, tt := range targets {
		t.Run("a chain ending at "+tt.name+" is refused", func(t *testing.T) {
			start := fmt.Sprintf("%s/hop/%d?to=%s", pub.URL, hops, url.QueryEscape(tt.url))
			resp, err := c.Get(context.Background(), Request{URL: start})
			if err == nil {
				t.Fatalf("Get = %d %q; want a refusal", resp.Status, resp.Body)
			}
			wantErrs(t, err, tt.want)
			if !strings.Contains(err.Error(), "redirect to ") || !strings.Contains(err.Error(), start) {
				t.Errorf("error %q does not name the URL and the redirect target", err)
			}
			if strings.Contains(err.Error(), "pass@") || strings.Contains(err.Error(), "admin@") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
	if n := landings.Load(); n != landed {
		t.Errorf("the credentialed redirect reached the server (%d landings, want %d)", n, landed)
	}
	for _, d := range dials() {
		if d != allowed.String() {
			t.Errorf("a connection was made to %s; want only %s", d, allowed)
		}
	}
	if n := internal.conns.Load(); n != 0 {
		t.Errorf("the internal service accepted %d connections; want none", n)
	}
	t.Logf("%d redirect cases refused", len(targets))
}

// TestDNSRebindingCannotSwapTheCheckedAddress: a name answers a permitted
// address first and a private one afterwards. The guard looks the name up
// once per connection and dials the very address it checked, so there is no
// second lookup between check and dial for the answer to change in; the next
// connection's lookup is checked in turn and refused.
func TestDNSRebindingCannotSwapTheCheckedAddress(t *testing.T) {
	pub := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close") // every request needs a new dial
		w.Write([]byte("public"))
	})
	port := pub.port()
	// The rebinding target: the same port on another loopback address.
	l, err := net.Listen("tcp", "127.0.0.2:"+port)
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2:%s: %v", port, err)
	}
	var rebound atomic.Int64
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			rebound.Add(1)
			conn.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecret"))
			conn.Close()
		}
	}()
	t.Cleanup(func() { l.Close() })

	allowed := pub.addrPort() // stands in for a public address
	res := newScriptedResolver(map[string][][]string{
		"rebind.example.com": {{"127.0.0.1"}, {"127.0.0.2"}},
	})
	var checked []netip.AddrPort
	var mu sync.Mutex
	c := New(Config{
		HostRate: -1,
		Retries:  -1,
		Resolver: res,
		AllowAddrPort: func(ap netip.AddrPort) bool {
			mu.Lock()
			checked = append(checked, ap)
			mu.Unlock()
			return ap == allowed
		},
	})
	dials := recordDials(t, c)
	u := "http://rebind.example.com:" + port + "/"

	resp, err := c.Get(context.Background(), Request{URL: u})
	if err != nil || string(resp.Body) != "public" {
		t.Fatalf("first Get = %v, %v; want the permitted server's body", resp, err)
	}
	if n := res.lookups("rebind.example.com"); n != 1 {
		t.Fatalf("first request looked the name up %d times; want exactly 1 (check and dial share it)", n)
	}
	if d := dials(); len(d) != 1 || d[0] != allowed.String() {
		t.Fatalf("first request connected to %v; want only the checked %s", d, allowed)
	}
	mu.Lock()
	for _, ap := range checked {
		if ap != allowed {
			t.Errorf("first request checked %s; want only %s", ap, allowed)
		}
	}
	mu.Unlock()

	_, err = c.Get(context.Background(), Request{URL: u})
	if !errors.Is(err, ErrBlockedAddress) || !strings.Contains(err.Error(), "127.0.0.2") {
		t.Fatalf("second Get = %v; want ErrBlockedAddress naming 127.0.0.2", err)
	}
	if n := res.lookups("rebind.example.com"); n != 2 {
		t.Errorf("two requests made %d lookups; want 2", n)
	}
	if n := rebound.Load(); n != 0 {
		t.Errorf("the rebound address accepted %d connections; want none", n)
	}
	if d := dials(); len(d) != 1 {
		t.Errorf("connections made: %v; want only the first", d)
	}
}
