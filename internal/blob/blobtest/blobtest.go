// Package blobtest is the behaviour suite every blob backend runs (the
// local directory, S3): what a consumer of blobs may rely on whichever
// backend the operator chose. Test helper only.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/newsvault/newsvault/internal/blob"
)

// Backend is the blob store under test.
type Backend interface {
	blob.Opener
	Put(ctx context.Context, data []byte) (string, error)
	PutDeferred(ctx context.Context, data []byte) (hash string, seq uint64, err error)
	SyncTo(seq uint64) error
	Has(ctx context.Context, hash string) (bool, error)
}

// Run runs the suite. open returns an empty backend; Run calls it once per
// test. stored, if not nil, returns the bytes a backend keeps for a hash
// (the file or the object), so the suite can check every backend stores
// the same bytes for the same blob.
func Run(t *testing.T, open func(t *testing.T) Backend, stored func(t *testing.T, b Backend, hash string) []byte) {
	t.Run("PutGetHasOpen", func(t *testing.T) { putGetHasOpen(t, open(t)) })
	t.Run("StoredBytesAreTheCommonForm", func(t *testing.T) {
		if stored == nil {
			t.Skip("backend cannot show its stored bytes")
		}
		storedForm(t, open(t), stored)
	})
	t.Run("MissingAndMalformed", func(t *testing.T) { missing(t, open(t)) })
	t.Run("LargeBlobStreams", func(t *testing.T) { large(t, open(t)) })
	t.Run("ConcurrentPutsOfOneBlob", func(t *testing.T) { concurrent(t, open(t)) })
	t.Run("DeferredPutsVisibleAndSynced", func(t *testing.T) { deferred(t, open(t)) })
	t.Run("CanceledContext", func(t *testing.T) { canceled(t, open(t)) })
}

func putGetHasOpen(t *testing.T, b Backend) {
	ctx := context.Background()
	data := []byte(strings.Repeat("卢卡申科抵达北京。", 200))
	want := sha256.Sum256(data)
	if has, err := b.Has(ctx, blob.Hash(data)); err != nil || has {
		t.Fatalf("Has before Put = %v, %v; want false, nil", has, err)
	}
	h1, err := b.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	if h1 != hex.EncodeToString(want[:]) {
		t.Fatalf("Put named the blob %s, want its SHA-256 %x", h1, want)
	}
	h2, err := b.Put(ctx, data)
	if err != nil || h2 != h1 {
		t.Fatalf("second Put = %s, %v; want %s", h2, err, h1)
	}
	if has, err := b.Has(ctx, h1); err != nil || !has {
		t.Fatalf("Has after Put = %v, %v; want true, nil", has, err)
	}
	got, err := blob.ReadAll(ctx, b, h1)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, %v; want the %d put", len(got), err, len(data))
	}
	rc, err := b.Open(ctx, h1)
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 3)
	if _, err := io.ReadFull(rc, head); err != nil || string(head) != "卢" {
		t.Errorf("Open: first rune %q, %v", head, err)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("closing a half-read blob: %v", err)
	}
	// Already-compressed bytes round-trip too.
	jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte{7}, 4096)...)
	hj, err := b.Put(ctx, jpeg)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := blob.ReadAll(ctx, b, hj); err != nil || !bytes.Equal(got, jpeg) {
		t.Fatalf("JPEG round trip: %v", err)
	}
}

// storedForm checks the backend keeps exactly what a local directory keeps
// for the same bytes, so a blob copied as a file or an object keeps its
// name and content.
func storedForm(t *testing.T, b Backend, stored func(t *testing.T, b Backend, hash string) []byte) {
	ctx := context.Background()
	dir := t.TempDir()
	ref, err := blob.Open(dir, blob.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{
		[]byte(strings.Repeat("<p>新闻正文。</p>", 500)),
		append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1, 2, 3}, 1000)...),
	} {
		h, err := b.Put(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ref.Put(ctx, data); err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(blob.Key(h))))
		if err != nil {
			t.Fatal(err)
		}
		if got := stored(t, b, h); !bytes.Equal(got, want) {
			t.Errorf("blob %s: backend stores %d bytes that differ from the local directory's %d", h[:12], len(got), len(want))
		}
	}
}

func missing(t *testing.T, b Backend) {
	ctx := context.Background()
	absent := blob.Hash([]byte("never stored"))
	if _, err := b.Open(ctx, absent); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Open of a missing blob: %v, want ErrNotFound", err)
	} else if !strings.Contains(err.Error(), absent) {
		t.Errorf("error %q does not name the blob", err)
	}
	if _, err := blob.ReadAll(ctx, b, absent); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("ReadAll of a missing blob: %v, want ErrNotFound", err)
	}
	for _, h := range []string{"", "../../etc/passwd", strings.Repeat("G", 64), strings.ToUpper(absent)} {
		if _, err := b.Open(ctx, h); !errors.Is(err, blob.ErrBadHash) {
			t.Errorf("Open(%q) = %v, want ErrBadHash", h, err)
		}
		if _, err := b.Has(ctx, h); !errors.Is(err, blob.ErrBadHash) {
			t.Errorf("Has(%q) = %v, want ErrBadHash", h, err)
		}
	}
}

// large puts a 16 MiB blob and reads it back through Open in small reads,
// checking the reader streams: reading allocates far less than the blob.
func large(t *testing.T, b Backend) {
	ctx := context.Background()
	const size = 16 << 20
	const alphabet = "abcdefghijklmnopqrstuvwxyz 0123456789,.的是在了新闻"
	data := make([]byte, size)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		// Text-like bytes: compressible, but not trivially.
		data[i] = alphabet[r.IntN(len(alphabet))]
	}
	h, err := b.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rc, err := b.Open(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.New()
	n, err := io.CopyBuffer(sum, rc, make([]byte, 32<<10))
	rc.Close()
	runtime.ReadMemStats(&after)
	if err != nil || n != size {
		t.Fatalf("streamed %d bytes, %v; want %d", n, err, size)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != h {
		t.Fatalf("streamed bytes hash to %s, want %s", got, h)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/4 {
		t.Errorf("reading a %d MiB blob allocated %d MiB: Open does not stream", size>>20, alloc>>20)
	}
}

func concurrent(t *testing.T, b Backend) {
	ctx := context.Background()
	data := []byte(strings.Repeat("shared image bytes ", 1000))
	var wg sync.WaitGroup
	hashes := make([]string, 16)
	for i := range hashes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := b.Put(ctx, data)
			if err != nil {
				t.Error(err)
			}
			hashes[i] = h
		}()
	}
	wg.Wait()
	for _, h := range hashes {
		if h != blob.Hash(data) {
			t.Fatalf("a concurrent Put returned %q", h)
		}
	}
	if got, err := blob.ReadAll(ctx, b, blob.Hash(data)); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read after concurrent puts: %v", err)
	}
}

func deferred(t *testing.T, b Backend) {
	ctx := context.Background()
	var last uint64
	for i := range 5 {
		data := []byte(strings.Repeat("新闻", i+1))
		h, seq, err := b.PutDeferred(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		last = max(last, seq)
		if got, err := blob.ReadAll(ctx, b, h); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("deferred blob not readable at once: %v", err)
		}
	}
	if err := b.SyncTo(last); err != nil {
		t.Fatal(err)
	}
}

func canceled(t *testing.T, b Backend) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Put(ctx, []byte("too late")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a canceled context: %v, want context.Canceled", err)
	}
	if has, _ := b.Has(context.Background(), blob.Hash([]byte("too late"))); has {
		t.Error("a Put canceled before it started stored the blob")
	}
}
