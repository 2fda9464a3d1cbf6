package blob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/blob/blobtest"
)

func TestLocalStoreBehaviour(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blobtest.Backend {
		s, err := blob.Open(t.TempDir(), blob.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, nil)
}

func TestHashesListsEveryBlob(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := blob.Open(dir, blob.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 20 {
		h, err := s.Put(ctx, fmt.Appendf(nil, "blob %d", i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, h)
	}
	// Neither a leftover temporary file nor a stray file is a blob.
	if err := os.WriteFile(filepath.Join(dir, want[0][:2], ".tmp-"+want[0][:8]+"-1"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := s.Hashes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Hashes listed %d blobs, want %d", len(got), len(want))
	}
}

// TestCopyIsResumableAndVerified copies between two local directories: the
// same function migrate uses towards S3 (s3blob tests run it there too).
func TestCopyIsResumableAndVerified(t *testing.T) {
	ctx := t.Context()
	srcDir := t.TempDir()
	src, _ := blob.Open(srcDir, blob.Options{NoSync: true})
	dst, _ := blob.Open(t.TempDir(), blob.Options{NoSync: true})
	var hashes []string
	for i := range 30 {
		h, err := src.Put(ctx, bytes.Repeat(fmt.Appendf(nil, "页面 %d ", i), 50))
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
	}

	// A first run stopped after ten blobs.
	stopAt := 10
	ctx1, cancel := context.WithCancel(ctx)
	rep, err := blob.Copy(ctx1, dst, src, hashes, blob.CopyOptions{Workers: 1, Progress: func(p blob.CopyProgress) {
		if p.Done == stopAt {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted copy: %v, want context.Canceled", err)
	}
	if rep.Copied < stopAt || rep.Copied >= len(hashes) {
		t.Fatalf("interrupted copy copied %d", rep.Copied)
	}
	first := rep.Copied

	// The second run skips what the first copied and finishes.
	var calls int
	rep, err = blob.Copy(ctx, dst, src, hashes, blob.CopyOptions{Workers: 3, Progress: func(p blob.CopyProgress) {
		calls++
		if p.Total != len(hashes) {
			t.Errorf("progress Total = %d", p.Total)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped != first || rep.Copied != len(hashes)-first || rep.Done != len(hashes) || calls != len(hashes) {
		t.Fatalf("resumed copy: %+v after %d copied, %d progress calls", rep, first, calls)
	}
	for _, h := range hashes {
		if _, err := dst.Get(ctx, h); err != nil {
			t.Fatal(err)
		}
	}

	// A source blob whose bytes no longer match its name stops the copy
	// with its name and is not copied.
	bad, _ := src.Put(ctx, []byte("original"))
	other, _ := src.Put(ctx, []byte("tampered"))
	b, _ := os.ReadFile(filepath.Join(srcDir, filepath.FromSlash(blob.Key(other))))
	if err := os.WriteFile(filepath.Join(srcDir, filepath.FromSlash(blob.Key(bad))), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := blob.Copy(ctx, dst, src, []string{bad}, blob.CopyOptions{}); err == nil || !bytes.Contains([]byte(err.Error()), []byte(bad)) {
		t.Fatalf("copy of a corrupted blob: %v, want an error naming it", err)
	}
	if has, _ := dst.Has(ctx, bad); has {
		t.Fatal("corrupted blob was copied")
	}
}
