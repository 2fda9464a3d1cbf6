package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

type fixture struct {
	*env
	srv     *httptest.Server
	src     archive.Source
	article int64
	asset   string
}

// newFixture is an archive of one feed with three articles sharing an image.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := newEnv(t, envOptions{})
	f := &fixture{env: e, srv: e.http}
	f.src = e.source(archive.Source{Kind: archive.KindFeed, FeedURL: "https://example.com/feed.xml", Title: "例子新闻", Mode: archive.ModeAuto, TimeZone: "Asia/Shanghai"})
	png := []byte("\x89PNG\r\n\x1a\n fake image bytes")
	f.asset, _ = e.blobs.Put(t.Context(), png)
	cst := time.FixedZone("", 8*3600)
	for i, title := range []string{"第一篇", "第二篇", "第三篇"} {
		f.article = e.write(article{url: "https://example.com/" + title, source: f.src.ID, title: title,
			html: `<p>正文</p><img src="/assets/` + f.asset + `">`, text: "正文",
			published: time.Date(2023, 2, 26+i, 14, 12, 0, 0, cst),
			assets:    []store.AssetRef{{Asset: archive.Asset{Hash: f.asset, URL: "https://img.example.com/a.png", ContentType: "image/png", Size: int64(len(png)), FetchedAt: time.Now()}, URL: "https://img.example.com/a.png"}}})
	}
	return f
}

func get(t *testing.T, url string, into any) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, b)
		}
	}
	return resp
}

func TestArticlesAreListedNewestFirstAndPaginated(t *testing.T) {
	f := newFixture(t)
	var body struct {
		Articles   []articleJSON `json:"articles"`
		Total      int           `json:"total"`
		NextCursor string        `json:"next_cursor"`
	}
	resp := get(t, f.srv.URL+"/api/v1/articles?limit=2", &body)
	if resp.StatusCode != 200 || body.Total != 3 || len(body.Articles) != 2 || body.Articles[0].Title != "第三篇" {
		t.Fatalf("list: %d %+v", resp.StatusCode, body)
	}
	if body.Articles[0].HTML != "" {
		t.Error("listing carries full content")
	}
	if p := body.Articles[0].Published; p == nil || p.Format(time.RFC3339) != "2023-02-28T14:12:00+08:00" {
		t.Errorf("published %v, want the original +08:00 time", p)
	}
	cursor := body.NextCursor
	body.NextCursor = ""
	get(t, f.srv.URL+"/api/v1/articles?limit=2&offset=2", &body)
	if len(body.Articles) != 1 || body.Articles[0].Title != "第一篇" || body.NextCursor != "" {
		t.Errorf("second page: %+v", body)
	}
	// The cursor of the first page leads to the same second page.
	body.Articles = nil
	get(t, f.srv.URL+"/api/v1/articles?limit=2&cursor="+cursor, &body)
	if cursor == "" || len(body.Articles) != 1 || body.Articles[0].Title != "第一篇" {
		t.Errorf("second page by cursor %q: %+v", cursor, body.Articles)
	}
	if resp := get(t, f.srv.URL+"/api/v1/articles?cursor=abc", nil); resp.StatusCode != 400 {
		t.Errorf("a bad cursor: status %d, want 400", resp.StatusCode)
	}
	get(t, f.srv.URL+"/api/v1/articles?since=2023-02-27&source="+itoa(f.src.ID), &body)
	if body.Total != 2 {
		t.Errorf("since filter: total %d, want 2", body.Total)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestOneArticleComesWithContentAndVersions(t *testing.T) {
	f := newFixture(t)
	var a articleJSON
	resp := get(t, f.srv.URL+"/api/v1/articles/"+itoa(f.article), &a)
	if resp.StatusCode != 200 || a.Title != "第三篇" || !strings.Contains(a.HTML, "/assets/"+f.asset) || len(a.Versions) != 1 {
		t.Fatalf("article: %d %+v", resp.StatusCode, a)
	}
}

func TestErrorsAreJSONWithAStableCode(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/api/v1/articles/999999", 404, "not_found"},
		{"/api/v1/articles/abc", 400, "bad_parameter"},
		{"/api/v1/articles?limit=100000", 400, "bad_parameter"},
		{"/api/v1/articles?since=yesterday", 400, "bad_parameter"},
		{"/api/v1/nothing", 404, "not_found"},
		{"/assets/" + strings.Repeat("0", 64), 404, "not_found"},
	} {
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		resp := get(t, f.srv.URL+tc.path, &body)
		if resp.StatusCode != tc.code || body.Error.Code != tc.want || body.Error.Message == "" {
			t.Errorf("GET %s: %d %+v, want %d %s", tc.path, resp.StatusCode, body, tc.code, tc.want)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("GET %s: content type %q", tc.path, ct)
		}
	}
}

func TestSourcesShowTheirStatus(t *testing.T) {
	f := newFixture(t)
	var body struct {
		Sources []sourceJSON `json:"sources"`
	}
	get(t, f.srv.URL+"/api/v1/sources", &body)
	if len(body.Sources) != 1 || body.Sources[0].ArticleCount != 3 || body.Sources[0].FeedURL != f.src.FeedURL {
		t.Fatalf("sources: %+v", body.Sources)
	}
}

func TestAssetsAreServedAsInertImages(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Get(f.srv.URL + "/assets/" + f.asset)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), "\x89PNG") {
		t.Fatalf("asset: %d %q", resp.StatusCode, b)
	}
	if resp.Header.Get("Content-Type") != "image/png" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("asset headers: %v", resp.Header)
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/assets/"+f.asset, nil)
	req.Header.Set("If-None-Match", `"`+f.asset+`"`)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional asset request: %d", resp.StatusCode)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	f := newFixture(t)
	var h map[string]string
	if resp := get(t, f.srv.URL+"/healthz", &h); resp.StatusCode != 200 || h["status"] != "ok" {
		t.Fatalf("healthz: %d %v", resp.StatusCode, h)
	}
	get(t, f.srv.URL+"/api/v1/articles", nil)
	resp, _ := http.Get(f.srv.URL + "/metrics")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"newsvault_articles 3", "newsvault_sources 1", `newsvault_http_requests_total{code="200",route="GET /api/v1/articles"}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestAClientThatGoesAwayIsNotAServerError: a request whose context ends
// while the store works is counted as 499 and not logged as an error.
func TestAClientThatGoesAwayIsNotAServerError(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/api/v1/articles", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	s.internal(w, r, fmt.Errorf("list articles: %w", context.Canceled))
	if w.Code != statusClientClosed || logs.Len() != 0 {
		t.Errorf("gone client: status %d, logs %q; want 499 and nothing at info level", w.Code, logs.String())
	}
	// A real failure while the client waits is still a 500 and an error.
	r = httptest.NewRequest("GET", "/api/v1/articles", nil)
	w = httptest.NewRecorder()
	s.internal(w, r, errors.New("disk I/O error"))
	if w.Code != http.StatusInternalServerError || !strings.Contains(logs.String(), "disk I/O error") {
		t.Errorf("real failure: status %d, logs %q", w.Code, logs.String())
	}
}
