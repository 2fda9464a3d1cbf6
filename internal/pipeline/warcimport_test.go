package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/store"
)

// warcRecord frames one uncompressed WARC/1.0 record, as wget writes them.
func warcRecord(typ, uri, contentType, block string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "WARC/1.0\r\nWARC-Type: %s\r\nWARC-Record-ID: <urn:uuid:%08d-0000-4000-8000-000000000000>\r\nWARC-Date: 2024-03-01T08:00:00Z\r\n", typ, len(uri)*7+len(block))
	if uri != "" {
		fmt.Fprintf(&b, "WARC-Target-URI: %s\r\n", uri)
	}
	fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n", contentType, len(block), block)
	return b.String()
}

func httpResponse(status, contentType, body string) string {
	return fmt.Sprintf("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s", status, contentType, len(body), body)
}

// TestImportWARCFromOtherCrawlers reads a WARC/1.0 file in wget's style
// (uncompressed, warcinfo, request/response pairs) with a resource record
// as Browsertrix and ArchiveBox write them: the HTML response and the HTML
// resource become articles; the 404, the image and the request do not; a
// second import takes nothing in twice.
func TestImportWARCFromOtherCrawlers(t *testing.T) {
	e := newEnv(t, Options{SkipImages: true})
	page := func(title, para string) string {
		return `<html lang="zh-CN"><head><meta charset="utf-8"><title>` + title + `</title></head><body><article><h1>` + title +
			`</h1><p>` + strings.Repeat(para, 15) + `</p></article></body></html>`
	}
	warc := warcRecord("warcinfo", "", "application/warc-fields", "software: Wget/1.21.4\r\nformat: WARC File Format 1.0\r\n") +
		warcRecord("request", "https://news.example.com/a.html", "application/http;msgtype=request", "GET /a.html HTTP/1.1\r\nHost: news.example.com\r\n\r\n") +
		warcRecord("response", "https://news.example.com/a.html", "application/http;msgtype=response",
			httpResponse("200 OK", "text/html; charset=utf-8", page("国会山的一天", "这是从别人的网页存档里读回来的文章正文。"))) +
		warcRecord("response", "https://news.example.com/gone.html", "application/http;msgtype=response",
			httpResponse("404 Not Found", "text/html", "<html><body>not here</body></html>")) +
		warcRecord("response", "https://news.example.com/logo.png", "application/http;msgtype=response",
			httpResponse("200 OK", "image/png", "\x89PNG\r\n\x1a\nnot really")) +
		warcRecord("resource", "https://news.example.com/b.html", "text/html; charset=utf-8", page("单文件保存的网页", "资源记录里的网页也应当成为一篇文章。"))
	path := filepath.Join(t.TempDir(), "crawl.warc")
	if err := os.WriteFile(path, []byte(warc), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := e.pipe.ImportWARC(t.Context(), path, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 6 || rep.Pages != 2 || rep.NewArticles != 2 || len(rep.Failed) != 0 {
		t.Fatalf("import: %+v", rep)
	}
	as, err := e.store.Articles(t.Context(), store.ArticleFilter{Limit: 10, NoContent: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range as {
		got = append(got, a.URL+" "+a.Title)
	}
	slices.Sort(got)
	want := []string{"https://news.example.com/a.html 国会山的一天", "https://news.example.com/b.html 单文件保存的网页"}
	if !slices.Equal(got, want) {
		t.Errorf("articles %v, want %v", got, want)
	}
	rep, err = e.pipe.ImportWARC(t.Context(), path, ImportOptions{})
	if err != nil || rep.NewArticles != 0 || rep.NewVersions != 0 || rep.Unchanged != 2 {
		t.Fatalf("re-import: %+v %v", rep, err)
	}
}
