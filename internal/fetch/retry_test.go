package fetch

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// scripted answers the n-th request with the n-th status (the last one
// repeats), adding the Retry-After if given.
func scripted(retryAfter string, statuses ...int) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		status := statuses[min(int(n.Add(1))-1, len(statuses)-1)]
		if retryAfter != "" && status != http.StatusOK {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(status)
		w.Write([]byte(strconv.Itoa(status)))
	}
}

func TestGetRetriesTransientFailures(t *testing.T) {
	tests := []struct {
		name           string
		handler        http.HandlerFunc
		retries        int
		wantStatus     int
		wantRequests   int64
		wantWaits      []time.Duration
		wantRetryAfter time.Duration
	}{
		{
			name:         "two 503s then a 200 succeed on the third request",
			handler:      scripted("", 503, 503, 200),
			wantStatus:   200,
			wantRequests: 3,
			wantWaits:    []time.Duration{10 * time.Millisecond, 20 * time.Millisecond},
		},
		{
			name:         "502 and 504 are retried",
			handler:      scripted("", 502, 504, 200),
			wantStatus:   200,
			wantRequests: 3,
			wantWaits:    []time.Duration{10 * time.Millisecond, 20 * time.Millisecond},
		},
		{
			name:         "a persistent 503 is returned once the retries are spent",
			handler:      scripted("", 503),
			wantStatus:   503,
			wantRequests: 3,
			wantWaits:    []time.Duration{10 * time.Millisecond, 20 * time.Millisecond},
		},
		{
			name:         "the backoff doubles for every retry",
			handler:      scripted("", 503),
			retries:      4,
			wantStatus:   503,
			wantRequests: 5,
			wantWaits:    []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond},
		},
		{
			name:         "a 404 is returned without retrying",
			handler:      scripted("", 404),
			wantStatus:   404,
			wantRequests: 1,
		},
		{
			name:         "a 500 is returned without retrying",
			handler:      scripted("", 500),
			wantStatus:   500,
			wantRequests: 1,
		},
		{
			name:           "a 429 waits the Retry-After it asks for",
			handler:        scripted("1", 429, 200),
			wantStatus:     200,
			wantRequests:   2,
			wantWaits:      []time.Duration{time.Second},
			wantRetryAfter: 0,
		},
		{
			name:           "a 429 with Retry-After beyond the cap is returned at once",
			handler:        scripted("3600", 429, 200),
			wantStatus:     429,
			wantRequests:   1,
			wantRetryAfter: time.Hour,
		},
		{
			name:           "a 503 with an HTTP-date Retry-After beyond the cap is returned at once",
			handler:        scripted(time.Now().Add(24*time.Hour).UTC().Format(http.TimeFormat), 503, 200),
			wantStatus:     503,
			wantRequests:   1,
			wantRetryAfter: 23 * time.Hour, // at least
		},
		{
			name:         "a negative retry count means a single attempt",
			handler:      scripted("", 503, 200),
			retries:      -1,
			wantStatus:   503,
			wantRequests: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, tt.handler)
			cfg := testConfig()
			cfg.RetryBase = 10 * time.Millisecond
			cfg.Retries = tt.retries
			c := New(cfg)
			var sr sleepRecorder
			c.sleep = sr.sleep

			resp, err := c.Get(context.Background(), Request{URL: srv.URL})
			if err != nil {
				t.Fatalf("Get = %v; want a response", err)
			}
			if resp.Status != tt.wantStatus || string(resp.Body) != strconv.Itoa(tt.wantStatus) {
				t.Errorf("Status, Body = %d, %q; want %d", resp.Status, resp.Body, tt.wantStatus)
			}
			if n := srv.hits.Load(); n != tt.wantRequests {
				t.Errorf("server received %d requests; want %d", n, tt.wantRequests)
			}
			if got := sr.recorded(); !slices.Equal(got, tt.wantWaits) {
				t.Errorf("waits = %v; want %v", got, tt.wantWaits)
			}
			if resp.RetryAfter < tt.wantRetryAfter || tt.wantRetryAfter == 0 && resp.RetryAfter != 0 {
				t.Errorf("RetryAfter = %s; want %s", resp.RetryAfter, tt.wantRetryAfter)
			}
		})
	}
}

func TestGetRetriesADroppedConnection(t *testing.T) {
	var n atomic.Int64
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Write([]byte("second time lucky"))
	})
	resp, err := New(testConfig()).Get(context.Background(), Request{URL: srv.URL})
	if err != nil || string(resp.Body) != "second time lucky" {
		t.Fatalf("Get = %+v, %v; want the second answer", resp, err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("server received %d requests; want 2", got)
	}
}

func TestCancellingTheContextStopsTheBackoff(t *testing.T) {
	srv := newRecorder(t, scripted("", 503))
	cfg := testConfig()
	cfg.RetryBase = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := New(cfg).Get(ctx, Request{URL: srv.URL})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Get = %v; want context.Canceled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Get returned after %s; want promptly after cancel", d)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		name    string
		base    time.Duration
		attempt int
		want    time.Duration
	}{
		{"the first wait is the base", time.Second, 1, time.Second},
		{"the third wait is four times the base", time.Second, 3, 4 * time.Second},
		{"a long wait is capped at a minute", time.Second, 10, time.Minute},
		{"a huge attempt number does not overflow", time.Second, 1000, time.Minute},
		{"a base over the cap is capped", 2 * time.Minute, 1, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := backoff(tt.base, tt.attempt); got != tt.want {
				t.Errorf("backoff(%s, %d) = %s; want %s", tt.base, tt.attempt, got, tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		value string
		want  time.Duration
	}{
		{"an empty value is no delay", "", 0},
		{"seconds are parsed", "120", 2 * time.Minute},
		{"surrounding space is ignored", " 5 ", 5 * time.Second},
		{"zero seconds is no delay", "0", 0},
		{"negative seconds are ignored", "-5", 0},
		{"fractional seconds are ignored", "1.5", 0},
		{"trailing junk is ignored", "10s", 0},
		{"an overflowing number is clamped, not negative", "99999999999999999999999", time.Duration(maxRetryAfterSeconds) * time.Second},
		{"an IMF-fixdate in the future is parsed", "Sat, 01 Mar 2025 12:01:30 GMT", 90 * time.Second},
		{"an RFC 850 date is parsed", "Saturday, 01-Mar-25 12:00:10 GMT", 10 * time.Second},
		{"an asctime date is parsed", "Sat Mar  1 13:00:00 2025", time.Hour},
		{"a date in the past is no delay", "Fri, 28 Feb 2025 12:00:00 GMT", 0},
		{"garbage is ignored", "soon", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(tt.value, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %s; want %s", tt.value, got, tt.want)
			}
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{
		"", "0", "120", "-1", "1.5", "99999999999999999999",
		"Wed, 21 Oct 2015 07:28:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994", "\t7\n", "١٢",
	} {
		f.Add(s)
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		got := parseRetryAfter(v, now)
		if got < 0 {
			t.Fatalf("parseRetryAfter(%q) = %s; want never negative", v, got)
		}
		if again := parseRetryAfter(v, now); again != got {
			t.Fatalf("parseRetryAfter(%q) = %s then %s; want deterministic", v, got, again)
		}
		trimmed := strings.TrimSpace(v)
		if n, err := strconv.ParseInt(trimmed, 10, 32); err == nil && trimmed != "" && trimmed[0] != '-' && trimmed[0] != '+' {
			if want := time.Duration(n) * time.Second; got != want {
				t.Fatalf("parseRetryAfter(%q) = %s; want %s", v, got, want)
			}
		}
	})
}
