package fetch

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// mapResolver answers from a fixed table and falls back to the system
// resolver for names it does not know (only "localhost" in these tests).
type mapResolver map[string][]string

func (m mapResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	ips, ok := m[host]
	if !ok {
		return net.DefaultResolver.LookupIPAddr(ctx, host)
	}
	out := make([]net.IPAddr, 0, len(ips))
	for _, s := range ips {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	return out, nil
}

// recorder is an httptest server that counts and timestamps requests
// before handing them to a handler.
type recorder struct {
	*httptest.Server
	hits atomic.Int64

	mu      sync.Mutex
	arrived []time.Time
	headers []http.Header
}

func newRecorder(t *testing.T, h http.HandlerFunc) *recorder {
	t.Helper()
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		r.mu.Lock()
		r.arrived = append(r.arrived, time.Now())
		r.headers = append(r.headers, req.Header.Clone())
		r.mu.Unlock()
		h(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) addrPort() netip.AddrPort {
	return netip.MustParseAddrPort(r.Listener.Addr().String())
}

func (r *recorder) port() string {
	return r.URL[len("http://127.0.0.1:"):]
}

func (r *recorder) times() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.arrived...)
}

func (r *recorder) lastHeader() http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.headers) == 0 {
		return nil
	}
	return r.headers[len(r.headers)-1]
}

// testConfig is a Config for loopback test servers: guard off, no rate
// limit, millisecond backoff.
func testConfig() Config {
	return Config{
		AllowPrivate: true,
		HostRate:     -1,
		RetryBase:    time.Millisecond,
		Timeout:      5 * time.Second,
	}
}

// sleepRecorder replaces Client.sleep and records the waits asked for.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) recorded() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}
