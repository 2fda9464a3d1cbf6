package fetch

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// compress encodes data with one content coding ("deflate" is zlib,
// "rawdeflate" is what many servers send as deflate).
func compress(t testing.TB, coding string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	case "br":
		w = brotli.NewWriterLevel(&buf, 1)
	case "zstd":
		zw, err := zstd.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	case "deflate":
		w, _ = zlib.NewWriterLevel(&buf, zlib.BestSpeed)
	case "rawdeflate":
		w, _ = flate.NewWriter(&buf, flate.BestSpeed)
	default:
		t.Fatalf("no encoder for %q", coding)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encodedServer serves, at /<name>, a body with the Content-Encoding the
// bodies map gives it.
type encodedBody struct {
	contentEncoding string
	body            []byte
}

func newEncodedServer(t *testing.T, bodies map[string]encodedBody) *recorder {
	return newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		b, ok := bodies[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if b.contentEncoding != "" {
			w.Header().Set("Content-Encoding", b.contentEncoding)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b.body)
	})
}

// TestAnEndlessBodyIsCutOffAtTheLimit: the body is counted as it streams,
// so a body that never ends fails once the limit is passed instead of
// being read whole first.
func TestAnEndlessBodyIsCutOffAtTheLimit(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	cfg := testConfig()
	cfg.MaxBodySize = 256 << 10
	cfg.Retries = -1
	resp, err := New(cfg).Get(context.Background(), Request{URL: srv.URL})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "262144") {
		t.Fatalf("Get = %v, %v; want ErrTooLarge naming the limit", resp, err)
	}
}

func TestGetAsksForAndDecodesEachEncoding(t *testing.T) {
	page := []byte(strings.Repeat("<p>新闻正文 news body</p>\n", 200))
	both := compress(t, "br", compress(t, "gzip", page))
	srv := newEncodedServer(t, map[string]encodedBody{
		"identity":    {"", page},
		"gzip":        {"gzip", compress(t, "gzip", page)},
		"x-gzip":      {"x-gzip", compress(t, "gzip", page)},
		"br":          {"br", compress(t, "br", page)},
		"zstd":        {"zstd", compress(t, "zstd", page)},
		"deflate":     {"deflate", compress(t, "deflate", page)},
		"raw-deflate": {"deflate", compress(t, "rawdeflate", page)},
		"stacked":     {"gzip, br", both},
		"upper-case":  {"GZIP", compress(t, "gzip", page)},
		"empty-br":    {"br", nil},
		"empty-zstd":  {"zstd", nil},
		"empty-gzip":  {"gzip", nil},
	})
	c := New(testConfig())
	tests := []struct {
		name string
		path string
		want []byte
	}{
		{"a plain body is read as is", "identity", page},
		{"a gzip body is decoded", "gzip", page},
		{"an x-gzip body is decoded", "x-gzip", page},
		{"a brotli body is decoded", "br", page},
		{"a zstd body is decoded", "zstd", page},
		{"a zlib deflate body is decoded though not asked for", "deflate", page},
		{"a raw deflate body is decoded though not asked for", "raw-deflate", page},
		{"stacked encodings are undone last first", "stacked", page},
		{"coding names are compared without case", "upper-case", page},
		{"an empty brotli body is empty", "empty-br", nil},
		{"an empty zstd body is empty", "empty-zstd", nil},
		{"an empty gzip body is empty", "empty-gzip", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.Get(context.Background(), Request{URL: srv.URL + "/" + tt.path})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(resp.Body, tt.want) {
				t.Errorf("Body = %d bytes %.40q…; want %d bytes", len(resp.Body), resp.Body, len(tt.want))
			}
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("Content-Encoding %q kept on a decoded body", ce)
			}
			if got := srv.lastHeader().Get("Accept-Encoding"); got != "gzip, br, zstd" {
				t.Errorf("Accept-Encoding sent %q; want %q", got, "gzip, br, zstd")
			}
		})
	}
}

// TestGetCutsOffCompressionBombs serves small bodies that expand to 64 MiB
// in every coding the client undoes, asked for or not, and checks each is
// cut off at the 1 MiB limit with memory bounded by the limit, not by the
// expansion.
func TestGetCutsOffCompressionBombs(t *testing.T) {
	const (
		limit    = 1 << 20
		expanded = 64 << 20
	)
	zeros := make([]byte, expanded)
	gz := compress(t, "gzip", zeros)
	bodies := map[string]encodedBody{
		"gzip":        {"gzip", gz},
		"br":          {"br", compress(t, "br", zeros)},
		"zstd":        {"zstd", compress(t, "zstd", zeros)},
		"deflate":     {"deflate", compress(t, "deflate", zeros)},
		"raw-deflate": {"deflate", compress(t, "rawdeflate", zeros)},
		// A bomb in a bomb: 80 KiB of gzip, itself gzipped.
		"gzip-in-gzip": {"gzip, gzip", compress(t, "gzip", gz)},
		// Mislabelled: zstd bytes sent as "zstd, identity".
		"zstd-identity": {"zstd, identity", compress(t, "zstd", zeros)},
	}
	zeros = nil
	srv := newEncodedServer(t, bodies)
	cfg := testConfig()
	cfg.MaxBodySize = limit
	c := New(cfg)

	for _, name := range []string{"gzip", "br", "zstd", "deflate", "raw-deflate", "gzip-in-gzip", "zstd-identity"} {
		t.Run(fmt.Sprintf("a %d-byte %s body expanding to 64 MiB is cut off", len(bodies[name].body), name), func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			resp, err := c.Get(context.Background(), Request{URL: srv.URL + "/" + name})
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Get = %v, %v; want ErrTooLarge", resp, err)
			}
			if !strings.Contains(err.Error(), "after decoding") {
				t.Errorf("error %q does not say the limit was hit after decoding", err)
			}
			// Everything the process allocated meanwhile, server included.
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s: %d compressed bytes, cut off at %d decoded bytes, %.1f MiB allocated", name, len(bodies[name].body), limit, float64(alloc)/(1<<20))
			if alloc > 24<<20 {
				t.Errorf("allocated %d MiB; want memory bounded by the 1 MiB limit, not the 64 MiB expansion", alloc>>20)
			}
		})
	}
}

func TestAZstdFrameAskingForAHugeWindowIsRefused(t *testing.T) {
	frame := []byte{
		0x28, 0xb5, 0x2f, 0xfd, // magic
		0x00,             // no content size, not single-segment, no checksum
		16 << 3,          // window descriptor: 2^(10+16) = 64 MiB
		0x29, 0x00, 0x00, // last block, raw, 5 bytes
		'h', 'e', 'l', 'l', 'o',
	}
	srv := newEncodedServer(t, map[string]encodedBody{"big-window": {"zstd", frame}})
	_, err := New(testConfig()).Get(context.Background(), Request{URL: srv.URL + "/big-window"})
	if !errors.Is(err, zstd.ErrWindowSizeExceeded) || !strings.Contains(err.Error(), "decode zstd body") {
		t.Fatalf("Get = %v; want zstd.ErrWindowSizeExceeded: decoder memory is capped at an 8 MiB window", err)
	}
}

// TestGetLimitsCompressedBytesToo: a compressed stream can also expand to
// nothing, forever (empty gzip members, zstd skippable frames). The bytes on
// the wire are counted as well, so such a stream ends at about the limit.
func TestGetLimitsCompressedBytesToo(t *testing.T) {
	emptyMember := compress(t, "gzip", nil)
	skippable := []byte{0x50, 0x2a, 0x4d, 0x18, 0x10, 0, 0, 0} // zstd skippable frame, 16 bytes of payload
	skippable = append(skippable, make([]byte, 16)...)
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		unit := emptyMember
		w.Header().Set("Content-Encoding", "gzip")
		if r.URL.Path == "/zstd" {
			unit = skippable
			w.Header().Set("Content-Encoding", "zstd")
		}
		chunk := bytes.Repeat(unit, 1000)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	cfg := testConfig()
	cfg.MaxBodySize = 64 << 10
	c := New(cfg)
	for _, path := range []string{"/gzip", "/zstd"} {
		t.Run("an endless stream of empty "+path[1:]+" frames is cut off", func(t *testing.T) {
			resp, err := c.Get(context.Background(), Request{URL: srv.URL + path})
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "compressed bytes") {
				t.Fatalf("Get = %v, %v; want ErrTooLarge for the compressed bytes", resp, err)
			}
		})
	}
}

func TestAnEncodingWeCannotDecodeIsStillCappedRaw(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "compress") // LZW: never asked for, not decoded
		w.(http.Flusher).Flush()
		w.Write(bytes.Repeat([]byte{0x1f, 0x9d}, 1<<20))
	})
	cfg := testConfig()
	cfg.MaxBodySize = 64 << 10
	resp, err := New(cfg).Get(context.Background(), Request{URL: srv.URL})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Get = %v, %v; want ErrTooLarge", resp, err)
	}
}

// headerServer is a raw TCP server on loopback that answers every request
// with the status line, header lines and body its path asks for. It counts
// connections.
type headerServer struct {
	addr  string
	conns atomic.Int64
}

func newHeaderServer(t *testing.T, responses map[string]func(w *bufio.Writer)) *headerServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &headerServer{addr: l.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			wg.Go(func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				for {
					l, err := br.ReadString('\n')
					if err != nil || l == "\r\n" {
						break
					}
				}
				path := strings.Fields(line)[1]
				bw := bufio.NewWriter(conn)
				responses[path](bw)
				bw.Flush()
			})
		}
	})
	return s
}

func TestGetLimitsTheHeaderSize(t *testing.T) {
	header := func(lines ...string) func(w *bufio.Writer) {
		return func(w *bufio.Writer) {
			w.WriteString("HTTP/1.1 200 OK\r\n")
			for _, l := range lines {
				w.WriteString(l + "\r\n")
			}
			w.WriteString("Content-Length: 2\r\nConnection: close\r\n\r\nok")
		}
	}
	many := make([]string, 2000)
	for i := range many {
		many[i] = fmt.Sprintf("X-Header-%d: %s", i, strings.Repeat("v", 90))
	}
	srv := newHeaderServer(t, map[string]func(*bufio.Writer){
		"/one-huge":  header("X-Huge: " + strings.Repeat("a", 1<<20)),
		"/many":      header(many...),
		"/fits":      header("X-Fits: " + strings.Repeat("a", 8<<10)),
		"/over-64k":  header("X-Big: " + strings.Repeat("a", 70<<10)),
		"/under-64k": header("X-Big: " + strings.Repeat("a", 56<<10)),
	})
	small := testConfig()
	small.MaxHeaderBytes = 16 << 10
	small.Retries = 2
	def := testConfig()
	def.Retries = 2

	tests := []struct {
		name    string
		cfg     Config
		path    string
		wantErr error
	}{
		{"a 1 MiB header line is refused", small, "/one-huge", ErrHeaderTooLarge},
		{"2000 headers of 100 bytes are refused", small, "/many", ErrHeaderTooLarge},
		{"an 8 KiB header within a 16 KiB limit is read", small, "/fits", nil},
		{"the default limit refuses 70 KiB of headers", def, "/over-64k", ErrHeaderTooLarge},
		{"the default limit accepts 56 KiB of headers", def, "/under-64k", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.conns.Load()
			resp, err := New(tt.cfg).Get(context.Background(), Request{URL: "http://" + srv.addr + tt.path})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Get = %v, %v; want %v", resp, err, tt.wantErr)
			}
			if err == nil {
				if string(resp.Body) != "ok" {
					t.Errorf("Body = %q; want ok", resp.Body)
				}
				return
			}
			if !strings.Contains(err.Error(), "http://"+srv.addr+tt.path) {
				t.Errorf("error %q does not name the URL", err)
			}
			if n := srv.conns.Load() - before; n != 1 {
				t.Errorf("%d connections; want 1 (oversized headers are not retried)", n)
			}
		})
	}
}

// trickler serves bodies at a chosen pace: /stall-headers never answers,
// /stall-body sends a few bytes and stops, /trickle?gap=…&n=… sends n bytes
// (forever if n is 0) one at a time, gap apart. Every handler ends when the
// client hangs up.
func newTrickler(t *testing.T) *recorder {
	return newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		f := w.(http.Flusher)
		switch r.URL.Path {
		case "/stall-body":
			w.Write([]byte("partial"))
			f.Flush()
		case "/trickle":
			gap, _ := time.ParseDuration(r.URL.Query().Get("gap"))
			n, _ := strconv.Atoi(r.URL.Query().Get("n"))
			for i := 0; i < n || n == 0; i++ {
				if _, err := w.Write([]byte("x")); err != nil {
					return
				}
				f.Flush()
				select {
				case <-time.After(gap):
				case <-r.Context().Done():
					return
				}
			}
			return
		}
		<-r.Context().Done()
	})
}

// The margins between gaps and timeouts are wide (20x and more) so that a
// loaded machine does not turn a steady trickle into an idle one.
func TestAStalledServerIsDroppedAfterTheIdleTimeout(t *testing.T) {
	srv := newTrickler(t)
	cfg := testConfig()
	cfg.IdleTimeout = 250 * time.Millisecond
	cfg.Timeout = 10 * time.Second
	cfg.Retries = -1
	c := New(cfg)
	tests := []struct {
		name    string
		path    string
		wantErr error
	}{
		{"a server that never sends headers is dropped", "/stall-headers", ErrIdleTimeout},
		{"a server that stops mid-body is dropped", "/stall-body", ErrIdleTimeout},
		{"a server trickling a byte per second is dropped", "/trickle?gap=1s", ErrIdleTimeout},
		{"a slow but steady body is read whole", "/trickle?gap=5ms&n=20", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			resp, err := c.Get(context.Background(), Request{URL: srv.URL + tt.path})
			elapsed := time.Since(start)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Get = %v, %v; want %v", resp, err, tt.wantErr)
			}
			if err == nil {
				if string(resp.Body) != strings.Repeat("x", 20) {
					t.Errorf("Body = %q; want 20 bytes", resp.Body)
				}
				return
			}
			if errors.Is(err, ErrTimeout) {
				t.Errorf("error %v also matches ErrTimeout", err)
			}
			if !strings.Contains(err.Error(), srv.URL+tt.path) || !strings.Contains(err.Error(), "250ms") {
				t.Errorf("error %q does not name the URL and the idle timeout", err)
			}
			if elapsed > 5*time.Second {
				t.Errorf("dropped after %s; want soon after the idle timeout", elapsed)
			}
		})
	}
}

func TestATricklingServerIsDroppedAtTheTotalTimeout(t *testing.T) {
	srv := newTrickler(t)
	cfg := testConfig()
	cfg.IdleTimeout = 250 * time.Millisecond
	cfg.Timeout = 600 * time.Millisecond
	cfg.Retries = -1
	start := time.Now()
	resp, err := New(cfg).Get(context.Background(), Request{URL: srv.URL + "/trickle?gap=5ms"})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get = %v, %v; want ErrTimeout (and context.DeadlineExceeded)", resp, err)
	}
	if errors.Is(err, ErrIdleTimeout) {
		t.Errorf("error %v also matches ErrIdleTimeout; the server never went idle", err)
	}
	if !strings.Contains(err.Error(), "600ms") {
		t.Errorf("error %q does not name the timeout", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("dropped after %s; want soon after the timeout", elapsed)
	}
}

func TestConcurrentRequestsPerHostAreCapped(t *testing.T) {
	var inFlight, peak atomic.Int64
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		// Hold the request long enough for the others to pile up.
		time.Sleep(30 * time.Millisecond)
		inFlight.Add(-1)
	})
	tests := []struct {
		name     string
		conns    int
		hosts    []string
		wantPeak int64
	}{
		{"one host gets at most the default of 2 at once", 0, []string{"a.example.com"}, 2},
		{"one host gets at most 1 when so configured", 1, []string{"a.example.com"}, 1},
		{"each host name has its own slots", 1, []string{"a.example.com", "b.example.com"}, 2},
		{"a negative cap leaves requests unlimited", -1, []string{"a.example.com"}, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.HostConns = tt.conns
			cfg.Resolver = mapResolver{"a.example.com": {"127.0.0.1"}, "b.example.com": {"127.0.0.1"}}
			c := New(cfg)
			peak.Store(0)
			var wg sync.WaitGroup
			for i := range 8 {
				host := tt.hosts[i%len(tt.hosts)]
				wg.Go(func() {
					if _, err := c.Get(context.Background(), Request{URL: "http://" + host + ":" + srv.port() + "/"}); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if p := peak.Load(); p != tt.wantPeak {
				t.Errorf("server saw %d requests at once; want %d", p, tt.wantPeak)
			}
			if c.slots != nil && len(c.slots.m) != 0 {
				t.Errorf("%d hosts still hold slots after every request ended", len(c.slots.m))
			}
		})
	}
}

func TestWaitingForAHostSlotEndsWithTheContext(t *testing.T) {
	release := make(chan struct{})
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	cfg := testConfig()
	cfg.HostConns = 1
	c := New(cfg)
	done := make(chan error, 1)
	go func() {
		_, err := c.Get(context.Background(), Request{URL: srv.URL})
		done <- err
	}()
	for srv.hits.Load() == 0 {
		runtime.Gosched()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Get(ctx, Request{URL: srv.URL})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "connections to 127.0.0.1") {
		t.Errorf("Get = %v; want a DeadlineExceeded while waiting for a slot", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("the first Get = %v", err)
	}
	if n := srv.hits.Load(); n != 1 {
		t.Errorf("server received %d requests; want 1", n)
	}
}
