package blob

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPutStoresBytesOnceUnderTheirHash(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	data := []byte(strings.Repeat("卢卡申科抵达北京。", 200))
	h1, err := s.Put(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := s.Put(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	if h1 != h2 || h1 != Hash(data) {
		t.Fatalf("hashes differ: %s %s", h1, h2)
	}
	got, err := s.Get(t.Context(), h1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("read back different bytes")
	}
	st, err := os.Stat(s.path(h1))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() >= int64(len(data)) {
		t.Errorf("blob not compressed: %d bytes on disk for %d", st.Size(), len(data))
	}
}

func TestGetDetectsCorruptedBlob(t *testing.T) {
	s, _ := Open(t.TempDir(), Options{})
	h, _ := s.Put(t.Context(), []byte("original"))
	other, _ := s.Put(t.Context(), []byte("tampered"))
	// Put the other blob's file under h's name.
	b, _ := os.ReadFile(s.path(other))
	if err := os.WriteFile(s.path(h), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(t.Context(), h); err == nil {
		t.Fatal("corrupted blob read without error")
	}
}

func TestConcurrentPutsOfTheSameBytesAgree(t *testing.T) {
	s, _ := Open(t.TempDir(), Options{})
	data := []byte("shared image bytes")
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Put(t.Context(), data); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got, err := s.Get(t.Context(), Hash(data)); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Get after concurrent puts: %v", err)
	}
	left, _ := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if len(left) != 0 {
		t.Errorf("%d temporary files left behind", len(left))
	}
}

func TestDeferredPutsAreVisibleAtOnceAndDurableAfterSync(t *testing.T) {
	s, _ := Open(t.TempDir(), Options{})
	var last uint64
	for i := 0; i < 10; i++ {
		data := []byte(strings.Repeat("新闻", i+1))
		h, seq, err := s.PutDeferred(t.Context(), data)
		if err != nil {
			t.Fatal(err)
		}
		if seq <= last {
			t.Fatalf("sequence numbers do not grow: %d after %d", seq, last)
		}
		last = seq
		if got, err := s.Get(t.Context(), h); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("deferred blob not readable at once: %v", err)
		}
	}
	if err := s.SyncTo(last); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	synced, pending := s.synced, len(s.pending)
	s.mu.Unlock()
	if synced != last || pending != 0 {
		t.Errorf("after SyncTo(%d): synced %d, %d pending", last, synced, pending)
	}
	// A blob that already exists reports a sequence already covered.
	_, seq, _ := s.PutDeferred(t.Context(), []byte("新闻"))
	if seq > last {
		t.Errorf("re-put of a synced blob needs a new sync (seq %d > %d)", seq, last)
	}
}

func TestCleanTempRemovesOnlyOldLeftovers(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := s.Put(t.Context(), []byte("kept"))
	if err != nil {
		t.Fatal(err)
	}
	fan := filepath.Join(dir, hash[:2])
	old := filepath.Join(fan, ".tmp-"+hash[:8]+"-123")   // a writer killed an hour ago
	fresh := filepath.Join(fan, ".tmp-"+hash[:8]+"-456") // a writer at work now
	other := filepath.Join(fan, ".notes")                // not ours to remove
	for _, p := range []string{old, fresh, other} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hourAgo := time.Now().Add(-time.Hour)
	if err := os.Chtimes(old, hourAgo, hourAgo); err != nil {
		t.Fatal(err)
	}
	n, err := s.CleanTemp(10 * time.Minute)
	if err != nil || n != 1 {
		t.Fatalf("CleanTemp = %d, %v; want 1 removed", n, err)
	}
	for p, want := range map[string]bool{old: false, fresh: true, other: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s exists = %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
	if got, err := s.Get(t.Context(), hash); err != nil || string(got) != "kept" {
		t.Errorf("the blob itself: %q, %v", got, err)
	}
}
