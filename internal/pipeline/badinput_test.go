package pipeline

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
)

// TestBadPagesGetAClearErrorAndLoseNothing archives one good page, then
// throws bad pages at the pipeline: each fails with an error naming the URL
// and the reason, the attempt is recorded, and the good article is intact.
func TestBadPagesGetAClearErrorAndLoseNothing(t *testing.T) {
	ctx := context.Background()
	site := newSite(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/image.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(pngBytes(t, 1))
	})
	mux.HandleFunc("/huge.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body><p>"))
		w.Write(bytes.Repeat([]byte("很长的页面。"), 200_000)) // 3.6 MB
	})
	mux.HandleFunc("/shell.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><script src="/app.js"></script></head><body><div id="root"></div></body></html>`))
	})
	bad := httptest.NewServer(mux)
	defer bad.Close()

	e := newEnv(t, Options{})
	client := fetch.New(fetch.Config{AllowPrivate: true, HostRate: -1, Retries: -1, Timeout: 5 * time.Second, MaxBodySize: 1 << 20, Resolver: testResolver{}})
	e.pipe = New(e.store, e.blobs, client, extract.New(extract.Options{}), nil, Options{})

	good, err := e.pipe.ArchiveURL(ctx, site.base+"/news/library.html", nil)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := e.store.Stats(ctx)

	for _, tc := range []struct{ url, reason string }{
		{bad.URL + "/image.png", "not html"},
		{bad.URL + "/huge.html", "too large"},
		{bad.URL + "/shell.html", "no article content"},
		{bad.URL + "/missing", "404"},
		{"http://unreachable.invalid/x", "no such host"},
		{"ftp://example.com/file", "not an absolute http"},
	} {
		_, err := e.pipe.ArchiveURL(ctx, tc.url, nil)
		if err == nil {
			t.Errorf("%s was archived", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.url) || !strings.Contains(strings.ToLower(err.Error()), tc.reason) {
			t.Errorf("error for %s does not name it and say %q: %v", tc.url, tc.reason, err)
		}
	}
	after, _ := e.store.Stats(ctx)
	if after.Articles != before.Articles || after.Versions != before.Versions {
		t.Errorf("bad pages changed the archive: %+v -> %+v", before, after)
	}
	if after.Captures < before.Captures+4 {
		t.Errorf("failed attempts not recorded: %d captures before, %d after", before.Captures, after.Captures)
	}
	a, err := e.store.Article(ctx, good.ArticleID)
	if err != nil || !strings.Contains(a.Text, "晚上十点") {
		t.Errorf("the good article is damaged: %v", err)
	}
	caps, _ := e.store.Captures(ctx, bad.URL+"/image.png", 5)
	if len(caps) != 1 || caps[0].BodyHash == "" || !strings.Contains(caps[0].Error, "not html") {
		t.Errorf("the non-HTML response is not kept as evidence: %+v", caps)
	}
}
