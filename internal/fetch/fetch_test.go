package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestGetSendsIdentifyingHeaders(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {})
	tests := []struct {
		name      string
		cfg       Config
		req       Request
		wantUA    string
		wantAccpt string
	}{
		{"the default User-Agent is sent", testConfig(), Request{}, DefaultUserAgent, ""},
		{"a configured User-Agent and Accept are sent", func() Config {
			c := testConfig()
			c.UserAgent = "test-agent/1"
			return c
		}(), Request{Accept: "application/rss+xml"}, "test-agent/1", "application/rss+xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.URL = srv.URL
			if _, err := New(tt.cfg).Get(context.Background(), tt.req); err != nil {
				t.Fatal(err)
			}
			h := srv.lastHeader()
			if got := h.Get("User-Agent"); got != tt.wantUA {
				t.Errorf("User-Agent = %q; want %q", got, tt.wantUA)
			}
			if got := h.Get("Accept-Language"); got != AcceptLanguage {
				t.Errorf("Accept-Language = %q; want %q", got, AcceptLanguage)
			}
			if got := h.Get("Accept"); got != tt.wantAccpt {
				t.Errorf("Accept = %q; want %q", got, tt.wantAccpt)
			}
		})
	}
}

func TestGetFillsTheResponse(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=gb18030")
		w.Header().Set("Retry-After", "120")
		w.Write([]byte("<p>新闻</p>"))
	})
	before := time.Now()
	resp, err := New(testConfig()).Get(context.Background(), Request{URL: srv.URL + "/a"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.URL != srv.URL+"/a" || resp.FinalURL != srv.URL+"/a" {
		t.Errorf("URL, FinalURL = %s, %s; want both %s/a", resp.URL, resp.FinalURL, srv.URL)
	}
	if !resp.OK() || resp.NotModified() || resp.Status != 200 {
		t.Errorf("Status = %d, OK = %v, NotModified = %v", resp.Status, resp.OK(), resp.NotModified())
	}
	if resp.ContentType != "text/html; charset=gb18030" || string(resp.Body) != "<p>新闻</p>" {
		t.Errorf("ContentType, Body = %q, %q", resp.ContentType, resp.Body)
	}
	if resp.RetryAfter != 2*time.Minute {
		t.Errorf("RetryAfter = %s; want 2m", resp.RetryAfter)
	}
	if resp.FetchedAt.Before(before) || resp.Header.Get("Content-Type") == "" {
		t.Errorf("FetchedAt = %s (before %s), Header = %v", resp.FetchedAt, before, resp.Header)
	}
}

func TestGetRefusesBadURLs(t *testing.T) {
	c := New(testConfig())
	tests := []struct {
		name string
		url  string
		want error
	}{
		{"an ftp URL is refused", "ftp://example.com/feed.xml", ErrBadScheme},
		{"a file URL is refused", "file:///etc/passwd", ErrBadScheme},
		{"a javascript URL is refused", "javascript:alert(1)", ErrBadScheme},
		{"a URL without host is refused", "http:///feed", ErrBadURL},
		{"an unparsable URL is refused", "http://[::1", ErrBadURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Get(context.Background(), Request{URL: tt.url}); !errors.Is(err, tt.want) {
				t.Errorf("Get(%s) = %v; want %v", tt.url, err, tt.want)
			}
		})
	}
}

func TestGetLimitsTheBodySize(t *testing.T) {
	const limit = 1 << 20
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		body := bytes.Repeat([]byte("x"), n)
		if r.URL.Query().Has("chunked") {
			// Flushing first keeps net/http from adding Content-Length.
			w.(http.Flusher).Flush()
		} else {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		w.Write(body)
	})
	cfg := testConfig()
	cfg.MaxBodySize = limit
	c := New(cfg)

	tests := []struct {
		name    string
		query   string
		wantErr error
	}{
		{"a 2 MB body with Content-Length is refused", "n=2000000", ErrTooLarge},
		{"a 2 MB body without Content-Length is refused", "n=2000000&chunked=1", ErrTooLarge},
		{"a body one byte over the limit is refused", fmt.Sprintf("n=%d&chunked=1", limit+1), ErrTooLarge},
		{"a body exactly at the limit is read", fmt.Sprintf("n=%d&chunked=1", limit), nil},
		{"a body exactly at the limit with Content-Length is read", fmt.Sprintf("n=%d", limit), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.hits.Load()
			resp, err := c.Get(context.Background(), Request{URL: srv.URL + "/?" + tt.query})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Get = %v; want %v", err, tt.wantErr)
			}
			if err == nil && len(resp.Body) != limit {
				t.Errorf("len(Body) = %d; want %d", len(resp.Body), limit)
			}
			if n := srv.hits.Load() - before; n != 1 {
				t.Errorf("server received %d requests; want 1 (no retries)", n)
			}
		})
	}
}

func TestGetStopsAGzipBomb(t *testing.T) {
	const decompressed = 1 << 30 // 1 GiB of zeros, about 1 MiB compressed
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			http.Error(w, "client does not accept gzip", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		gz, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
		zeros := make([]byte, 64<<10)
		for written := 0; written < decompressed; written += len(zeros) {
			if r.Context().Err() != nil {
				return // the client hung up
			}
			if _, err := gz.Write(zeros); err != nil {
				return
			}
		}
		gz.Close()
	})
	cfg := testConfig()
	// Well above the compressed size, so only the decompressed bytes can
	// exceed it.
	cfg.MaxBodySize = 4 << 20

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	resp, err := New(cfg).Get(context.Background(), Request{URL: srv.URL})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)

	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Get = %+v, %v; want ErrTooLarge", resp, err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("Get took %s; want the bomb cut off quickly", elapsed)
	}
	// Everything the test process allocated meanwhile, server included.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("allocated %d MiB; want memory bounded by MaxBodySize", alloc>>20)
	}
}

func TestGetDecompressesGzipTransparently(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		gz.Write([]byte("<rss>新闻</rss>"))
		gz.Close()
	})
	resp, err := New(testConfig()).Get(context.Background(), Request{URL: srv.URL})
	if err != nil || string(resp.Body) != "<rss>新闻</rss>" {
		t.Fatalf("Get = %+v, %v; want the decompressed body", resp, err)
	}
}

func TestGetFollowsRedirectsUpToTheLimit(t *testing.T) {
	var srv *recorder
	srv = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r/"))
		if err != nil || n == 0 {
			w.Write([]byte("landed"))
			return
		}
		http.Redirect(w, r, fmt.Sprintf("%s/r/%d", srv.URL, n-1), http.StatusFound)
	})
	cfg := testConfig()
	cfg.MaxRedirects = 3
	follow := New(cfg)
	cfg.MaxRedirects = -1
	noFollow := New(cfg)

	tests := []struct {
		name       string
		client     *Client
		path       string
		wantErr    error
		wantStatus int
		wantFinal  string
	}{
		{"a chain of exactly the limit ends at the last URL", follow, "/r/3", nil, 200, "/r/0"},
		{"a chain one over the limit fails", follow, "/r/4", ErrTooManyRedirects, 0, ""},
		{"a single redirect ends at its target", follow, "/r/1", nil, 200, "/r/0"},
		{"a negative limit returns the redirect itself", noFollow, "/r/2", nil, http.StatusFound, "/r/2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.client.Get(context.Background(), Request{URL: srv.URL + tt.path})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Get = %v; want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if resp.Status != tt.wantStatus || resp.FinalURL != srv.URL+tt.wantFinal || resp.URL != srv.URL+tt.path {
				t.Errorf("Status, URL, FinalURL = %d, %s, %s; want %d, %s, %s",
					resp.Status, resp.URL, resp.FinalURL, tt.wantStatus, srv.URL+tt.path, srv.URL+tt.wantFinal)
			}
		})
	}
}

func TestConditionalGet(t *testing.T) {
	const (
		etag    = `"v1"`
		lastMod = "Wed, 21 Oct 2015 07:28:00 GMT"
	)
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		if r.Header.Get("If-None-Match") == etag || r.Header.Get("If-Modified-Since") == lastMod {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write([]byte("<rss/>"))
	})
	c := New(testConfig())
	tests := []struct {
		name             string
		req              Request
		wantNotModified  bool
		wantIfNoneMatch  string
		wantIfModSinceIs string
	}{
		{"a matching ETag gets 304", Request{ETag: etag}, true, etag, ""},
		{"a matching Last-Modified gets 304", Request{LastModified: lastMod}, true, "", lastMod},
		{"a stale ETag gets the body", Request{ETag: `"v0"`}, false, `"v0"`, ""},
		{"no validators get the body", Request{}, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.URL = srv.URL
			resp, err := c.Get(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.NotModified() != tt.wantNotModified {
				t.Errorf("NotModified() = %v (status %d); want %v", resp.NotModified(), resp.Status, tt.wantNotModified)
			}
			if !tt.wantNotModified && (string(resp.Body) != "<rss/>" || !resp.OK()) {
				t.Errorf("Body = %q, OK = %v; want <rss/>", resp.Body, resp.OK())
			}
			h := srv.lastHeader()
			if h.Get("If-None-Match") != tt.wantIfNoneMatch || h.Get("If-Modified-Since") != tt.wantIfModSinceIs {
				t.Errorf("sent If-None-Match %q, If-Modified-Since %q", h.Get("If-None-Match"), h.Get("If-Modified-Since"))
			}
		})
	}
}

func TestCancellingTheContextStopsASlowResponse(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done()
	})
	cfg := testConfig()
	cfg.Retries = 3
	c := New(cfg)
	tests := []struct {
		name string
		path string
	}{
		{"a response slow to send headers is abandoned", "/slow-headers"},
		{"a response slow to send its body is abandoned", "/slow-body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.hits.Load()
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			start := time.Now()
			_, err := c.Get(ctx, Request{URL: srv.URL + tt.path})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Get = %v; want context.Canceled", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Get returned after %s; want promptly after cancel", d)
			}
			if n := srv.hits.Load() - before; n != 1 {
				t.Errorf("server received %d requests; want 1 (a cancelled Get is not retried)", n)
			}
		})
	}
}

func TestTheTimeoutBoundsEachAttempt(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	cfg := testConfig()
	cfg.Timeout = 100 * time.Millisecond
	cfg.Retries = 1
	_, err := New(cfg).Get(context.Background(), Request{URL: srv.URL})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get = %v; want a deadline error", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("Get = %v; want a net.Error with Timeout()", err)
	}
	if n := srv.hits.Load(); n != 2 {
		t.Errorf("server received %d requests; want 2 (a timeout is retried)", n)
	}
}
