package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestCheckDiffAndEvidence(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	casualties, status := "三人", 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><head><title>道路改造工程启动</title></head><body><article><h1>道路改造工程启动</h1><p>%s</p><p>警方表示，事故共造成%s受伤，目前均已送医。</p></article></body></html>",
			strings.Repeat("记者了解到，当地居民对这次改造的意见不一，有人认为出行更加方便。", 12), casualties)
	}))
	defer srv.Close()
	data := t.TempDir()
	if out, err := run(t, ctx, data, "archive", srv.URL+"/a.html"); err != nil {
		t.Fatalf("archive: %v\n%s", err, out)
	}
	if out, err := run(t, ctx, data, "watch", "--once"); err != nil || !strings.Contains(out, "0 checked, 0 failed") {
		t.Fatalf("watch --once with nothing due: %v\n%s", err, out)
	}

	mu.Lock()
	casualties = "五人"
	mu.Unlock()
	out, err := run(t, ctx, data, "check", "1")
	if err != nil || !strings.Contains(out, "edited") {
		t.Fatalf("check: %v\n%s", err, out)
	}
	out, err = run(t, ctx, data, "diff", "1", "--color", "never")
	if err != nil || !strings.Contains(out, "[-三-]{+五+}") {
		t.Fatalf("diff: %v\n%s", err, out)
	}
	if _, err := run(t, ctx, data, "diff", "1", "1"); err == nil {
		t.Error("diff with FROM but no TO succeeded")
	}

	mu.Lock()
	status = 404
	mu.Unlock()
	if out, err = run(t, ctx, data, "check", srv.URL+"/a.html"); err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("check by URL: %v\n%s", err, out)
	}
	out, err = run(t, ctx, data, "evidence", "1")
	if err != nil || !strings.Contains(out, "last alive: capture") || !strings.Contains(out, "first removed (unconfirmed)") ||
		!strings.Contains(out, "HTTP 404 from 127.0.0.1:") || strings.Count(out, " verified") != 2 {
		t.Fatalf("evidence: %v\n%s", err, out)
	}

	// A body changed behind the store's back does not verify.
	var blobs []string
	root := filepath.Join(data, "blobs")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if rel, _ := filepath.Rel(root, p); err == nil && !d.IsDir() && !strings.HasPrefix(rel, "tmp") {
			blobs = append(blobs, p)
		}
		return nil
	})
	if len(blobs) == 0 {
		t.Fatal("no blobs found to tamper with")
	}
	for _, p := range blobs {
		if err := os.WriteFile(p, []byte("tampered"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err = run(t, ctx, data, "evidence", "1")
	if err == nil || !strings.Contains(out, "NOT VERIFIED") {
		t.Errorf("evidence over tampered blobs: %v\n%s", err, out)
	}
}
