package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestRequestsToOneHostAreSpacedByTheRate(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {})
	cfg := testConfig()
	cfg.HostRate = 20 // one every 50ms
	cfg.HostBurst = 1
	c := New(cfg)

	tests := []struct {
		name       string
		concurrent bool
	}{
		{"sequential requests are spaced", false},
		{"concurrent requests share the host's budget", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := len(srv.times())
			var wg sync.WaitGroup
			for range 5 {
				get := func() {
					if _, err := c.Get(context.Background(), Request{URL: srv.URL}); err != nil {
						t.Error(err)
					}
				}
				if tt.concurrent {
					wg.Go(get)
				} else {
					get()
				}
			}
			wg.Wait()
			times := srv.times()[first:]
			if len(times) != 5 {
				t.Fatalf("server received %d requests; want 5", len(times))
			}
			// Four gaps of 50ms; allow generous slack below, none above.
			if span := times[4].Sub(times[0]); span < 150*time.Millisecond {
				t.Errorf("5 requests arrived within %s; want them spread over about 200ms", span)
			}
		})
	}
}

func TestEachHostNameHasItsOwnBudget(t *testing.T) {
	a := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {})
	b := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {})
	cfg := testConfig()
	cfg.HostRate = 0.01 // one request per 100s: a second one cannot happen in this test
	cfg.Resolver = mapResolver{
		"a.example.com": {"127.0.0.1"},
		"b.example.com": {"127.0.0.1"},
	}
	c := New(cfg)

	get := func(host string, srv *recorder) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := c.Get(ctx, Request{URL: fmt.Sprintf("http://%s:%s/", host, srv.port())})
		return err
	}
	tests := []struct {
		name      string
		host      string
		srv       *recorder
		throttled bool
	}{
		{"the first request to a host goes through", "a.example.com", a, false},
		{"another host name is not held back by the first", "b.example.com", a, false},
		{"a second request to the first host waits", "a.example.com", a, true},
		{"the same host on another port shares its budget", "a.example.com", b, true},
		{"host names are compared without case", "A.EXAMPLE.COM", b, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := get(tt.host, tt.srv)
			if tt.throttled {
				// The wait would outlast ctx, so Get gives up at once.
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("Get = %v; want a rate-limit DeadlineExceeded", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Get = %v; want success", err)
			}
		})
	}
}

func TestRedirectHopsWaitForTheirHost(t *testing.T) {
	var srv *recorder
	srv = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/from" {
			http.Redirect(w, r, srv.URL+"/to", http.StatusFound)
		}
	})
	cfg := testConfig()
	cfg.HostRate = 10 // one every 100ms
	if _, err := New(cfg).Get(context.Background(), Request{URL: srv.URL + "/from"}); err != nil {
		t.Fatal(err)
	}
	times := srv.times()
	if len(times) != 2 {
		t.Fatalf("server received %d requests; want 2", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < 75*time.Millisecond {
		t.Errorf("redirect hop arrived %s after the first request; want about 100ms", gap)
	}
}

func TestIdleLimitersAreDropped(t *testing.T) {
	h := newHostLimiters(1000, 1)
	for i := range minSweep {
		h.reserve(fmt.Sprintf("host%d.example.com", i))
	}
	time.Sleep(10 * time.Millisecond) // every bucket refills
	h.reserve("trigger.example.com")
	h.mu.Lock()
	n := len(h.m)
	h.mu.Unlock()
	if n >= minSweep {
		t.Errorf("%d limiters kept; want the idle ones dropped", n)
	}
}
