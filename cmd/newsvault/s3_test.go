package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/blob/s3test"
)

// runEnv is run with the environment given as a map instead of the
// process's.
func runEnv(t *testing.T, ctx context.Context, env map[string]string, dataDir string, args ...string) (string, error) {
	t.Helper()
	cmd, _ := newRoot(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(append([]string{"--data", dataDir, "--allow-private", "--host-rate", "0", "--log-level", "error"}, args...))
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

func TestBlobsFlagIsChecked(t *testing.T) {
	ctx := t.Context()
	data := t.TempDir()
	if _, err := runEnv(t, ctx, nil, data, "--blobs", "ftp://host/x", "list"); err == nil || !strings.Contains(err.Error(), "--blobs") {
		t.Errorf("--blobs ftp://…: %v, want a usage error naming --blobs", err)
	}
	if _, err := runEnv(t, ctx, nil, data, "--blobs", "s3://key:secret@bucket/x", "list"); err == nil || strings.Contains(err.Error(), "secret@") {
		t.Errorf("credentials in --blobs: %v, want an error that does not repeat them", err)
	}
	// NEWSVAULT_BLOBS selects S3 too, and without credentials says which
	// variables to set.
	env := map[string]string{"NEWSVAULT_BLOBS": "s3://bucket/x?endpoint=http://127.0.0.1:1"}
	if _, err := runEnv(t, ctx, env, data, "list"); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("S3 without credentials: %v, want an error naming AWS_ACCESS_KEY_ID", err)
	}
}

// TestArchiveToS3AndServeFromIt archives a loopback page with an image
// into a real S3 server, then serves the image from there.
func TestArchiveToS3AndServeFromIt(t *testing.T) {
	s3 := s3test.Start(t)
	s3.Bucket(t, "archive")
	env := map[string]string{
		"NEWSVAULT_BLOBS":       s3.URL("archive", "nv/blobs"),
		"AWS_ACCESS_KEY_ID":     s3test.AccessKey,
		"AWS_SECRET_ACCESS_KEY": s3test.SecretKey,
	}
	ctx := t.Context()

	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, x%30, color.RGBA{200, 30, 30, 255})
	}
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		t.Fatal(err)
	}
	photo := pngBuf.Bytes()
	page := `<html><head><meta charset="utf-8"><title>云端存储的报道</title></head><body><article><h1>云端存储的报道</h1><p>` +
		strings.Repeat("这篇报道的图片和原始网页都保存在对象存储里。", 20) +
		`</p><figure><img src="/photo.png" alt="现场照片" width="40" height="30"></figure><p>` +
		strings.Repeat("第二段正文，说明图片之后还有文字。", 15) + `</p></article></body></html>`
	mux := http.NewServeMux()
	mux.HandleFunc("/story.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	})
	mux.HandleFunc("/photo.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(photo)
	})
	site := httptest.NewServer(mux)
	defer site.Close()

	data := t.TempDir()
	out, err := runEnv(t, ctx, env, data, "archive", site.URL+"/story.html")
	if err != nil || !strings.Contains(out, "new") {
		t.Fatalf("archive: %v\n%s", err, out)
	}

	// Both blobs — the page as captured and the image — are in the
	// bucket, under the same keys and with the same bytes a local
	// directory would hold, and none went to the data directory.
	pageHash, photoHash := blob.Hash([]byte(page)), blob.Hash(photo)
	keys := s3.Keys(t, "archive", "nv/blobs/")
	for _, h := range []string{pageHash, photoHash} {
		if !slices.Contains(keys, "nv/blobs/"+blob.Key(h)) {
			t.Fatalf("bucket keys %v lack blob %s", keys, h[:12])
		}
	}
	ref, _ := blob.Open(t.TempDir(), blob.Options{NoSync: true})
	if _, err := ref.Put(ctx, photo); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(filepath.Join(ref.String(), filepath.FromSlash(blob.Key(photoHash))))
	if got := s3.Object(t, "archive", "nv/blobs/"+blob.Key(photoHash)); !bytes.Equal(got, want) {
		t.Errorf("the image object (%d bytes) differs from the local directory's file (%d bytes)", len(got), len(want))
	}
	if entries, _ := os.ReadDir(filepath.Join(data, "blobs")); len(entries) != 0 {
		t.Errorf("the data directory holds blobs too: %d entries", len(entries))
	}

	// serve finds the image in the bucket.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := runEnv(t, sctx, env, data, "serve", "--listen", addr, "--no-poll")
		done <- err
	}()
	defer func() {
		stop()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	var resp *http.Response
	for range 200 {
		resp, err = http.Get("http://" + addr + "/assets/" + photoHash)
		if err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, photo) {
		t.Fatalf("GET /assets/%s: %d, %d bytes; want the %d-byte image", photoHash[:12], resp.StatusCode, len(got), len(photo))
	}
	sum := sha256.Sum256(got)
	if hex.EncodeToString(sum[:]) != photoHash {
		t.Fatal("served image does not match its hash")
	}
	// The article page points at the stored image, not the remote one.
	resp, err = http.Get("http://" + addr + "/")
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "云端存储的报道") {
			t.Errorf("home page does not list the article:\n%.500s", b)
		}
	}
}
