package pipeline

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/store/sqlite"
)

// testResolver sends every *.test name to loopback and fails every other
// name at once, so tests never reach beyond this machine.
type testResolver struct{}

func (testResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	if strings.HasSuffix(host, ".test") || host == "localhost" {
		return []net.IPAddr{{IP: net.IPv4(127, 0, 0, 1)}}, nil
	}
	return nil, &net.DNSError{Err: "no such host (tests stay on loopback)", Name: host, IsNotFound: true}
}

type env struct {
	store *sqlite.Store
	blobs *blob.Store
	pipe  *Pipeline
	dir   string
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	return newEnvIn(t, t.TempDir(), opts)
}

// newEnvAt opens (or reopens) the store in dir, keeping it after the test.
func newEnvAt(t testing.TB, dir string) *env {
	return newEnvIn(t, dir, Options{SkipImages: true})
}

func newEnvIn(t testing.TB, dir string, opts Options) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "newsvault.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := blob.Open(filepath.Join(dir, "blobs"), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client := fetch.New(fetch.Config{AllowPrivate: true, HostRate: -1, Retries: -1, Timeout: 10 * time.Second, Resolver: testResolver{}})
	x := extract.New(extract.Options{})
	return &env{store: st, blobs: blobs, dir: dir, pipe: New(st, blobs, client, x, nil, opts)}
}

// newGuardedEnv is an env whose client refuses private addresses, as a
// production client does.
func newGuardedEnv(t testing.TB) *env {
	e := newEnv(t, Options{})
	client := fetch.New(fetch.Config{Retries: -1, HostRate: -1, Timeout: 5 * time.Second, Resolver: testResolver{}})
	e.pipe = New(e.store, e.blobs, client, extract.New(extract.Options{}), nil, Options{})
	return e
}

// pngBytes makes a small distinct PNG image.
func pngBytes(t testing.TB, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := 0; x < 8; x++ {
		for y := 0; y < 8; y++ {
			img.Set(x, y, color.RGBA{shade, uint8(x * 30), uint8(y * 30), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
