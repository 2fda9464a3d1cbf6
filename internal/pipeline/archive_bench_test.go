package pipeline

import (
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/shareddata"
)

// benchPagesMax bounds how many zh-pages one iteration archives.
const benchPagesMax = 200

// BenchmarkArchivePages archives up to benchPagesMax real Chinese news pages
// (the shared zh-pages set) from a loopback site into a fresh store per
// iteration: fetch, extract, sanitise, image download and re-pointing (the
// site answers every other path with a small PNG), plain text, store.
func BenchmarkArchivePages(b *testing.B) {
	dir := shareddata.Dir(b, "zh-pages")
	pages := make(map[string][]byte)
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = "/" + filepath.ToSlash(rel)
		pages[rel] = body
		paths = append(paths, rel)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	sort.Strings(paths)
	if len(paths) > benchPagesMax {
		paths = paths[:benchPagesMax]
	}
	png := pngBytes(b, 90)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if body, ok := pages[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "text/html")
			w.Write(body)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
	}))
	defer srv.Close()
	ctx := context.Background()
	archived := 0
	for b.Loop() {
		e := newEnv(b, Options{})
		for _, p := range paths {
			if _, err := e.pipe.ArchiveURL(ctx, srv.URL+p, nil); err == nil {
				archived++
			}
		}
	}
	b.ReportMetric(float64(archived)/b.Elapsed().Seconds(), "pages/s")
}
