package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// run executes one newsvault command line against dataDir and returns its
// output and error.
func run(t *testing.T, ctx context.Context, dataDir string, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(append([]string{"--data", dataDir, "--allow-private", "--host-rate", "0", "--log-level", "error"}, args...))
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

const testFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>命令行测试</title><link>%[1]s/</link><language>zh-cn</language>
<item><title>全文条目</title><link>%[1]s/full</link><pubDate>Tue, 28 Feb 2023 14:12:24 +0800</pubDate>
<description><![CDATA[<p>%[2]s</p>]]></description></item>
</channel></rss>`

func TestTheCommandLineTour(t *testing.T) {
	ctx := context.Background()
	body := strings.Repeat("这是一段完整的新闻正文，订阅源里已经包含了全部内容。", 30)
	page := "<html><head><title>单独提交的网页</title></head><body><article><h1>单独提交的网页</h1><p>" +
		strings.Repeat("网页正文的一句话，用来测试提交网址的归档。", 20) + "</p></article></body></html>"
	mux := http.NewServeMux()
	var base string
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, testFeed, base, body)
	})
	mux.HandleFunc("/page.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	mux.HandleFunc("/home", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>home</body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base = srv.URL
	data := t.TempDir()

	// A web page that announces its feed: the feed is followed.
	out, err := run(t, ctx, data, "feeds", "add", srv.URL+"/home", "--mode", "feed")
	if err != nil || !strings.Contains(out, srv.URL+"/feed.xml") {
		t.Fatalf("feeds add: %v\n%s", err, out)
	}
	if _, err := run(t, ctx, data, "feeds", "add", srv.URL+"/feed.xml"); err == nil {
		t.Error("adding the same feed twice succeeded")
	}
	if _, err := run(t, ctx, data, "feeds", "add", srv.URL+"/feed.xml", "--mode", "sometimes"); err == nil {
		t.Error("a bad --mode was accepted")
	}
	out, err = run(t, ctx, data, "poll", "--once")
	if err != nil || !strings.Contains(out, "1 new articles") {
		t.Fatalf("poll: %v\n%s", err, out)
	}
	out, _ = run(t, ctx, data, "feeds", "list")
	if !strings.Contains(out, "命令行测试") || !strings.Contains(out, "ok") {
		t.Errorf("feeds list:\n%s", out)
	}
	out, err = run(t, ctx, data, "archive", srv.URL+"/page.html")
	if err != nil || !strings.Contains(out, "new") {
		t.Fatalf("archive: %v\n%s", err, out)
	}
	if out, err := run(t, ctx, data, "archive", srv.URL+"/missing"); err == nil || !strings.Contains(out, "404") {
		t.Errorf("archiving a missing page: %v\n%s", err, out)
	}
	out, _ = run(t, ctx, data, "list")
	if !strings.Contains(out, "全文条目") || !strings.Contains(out, "单独提交的网页") {
		t.Errorf("list:\n%s", out)
	}
	out, err = run(t, ctx, data, "show", srv.URL+"/full")
	if err != nil || !strings.Contains(out, "2023-02-28 14:12:24 +08:00") || !strings.Contains(out, "订阅源里已经包含了全部内容") {
		t.Errorf("show: %v\n%s", err, out)
	}

	// Import a mirror file, export everything, and read the export back.
	in := filepath.Join(t.TempDir(), "法广")
	os.MkdirAll(in, 0o755)
	os.WriteFile(filepath.Join(in, "1.md"), []byte("<!--1595279958000-->\n[导入的文章](https://example.com/imported)\n------\n\n<p>导入的正文。</p>\n"), 0o644)
	out, err = run(t, ctx, data, "import", in)
	if err != nil || !strings.Contains(out, "1 new articles") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, _ = run(t, ctx, data, "import", in)
	if !strings.Contains(out, "0 new articles") {
		t.Errorf("second import:\n%s", out)
	}
	mirrorDir := t.TempDir()
	out, err = run(t, ctx, data, "export", "--format", "md", mirrorDir)
	if err != nil || !strings.Contains(out, "exported 3 articles") {
		t.Fatalf("export: %v\n%s", err, out)
	}
	lists, _ := filepath.Glob(filepath.Join(mirrorDir, "lists", "*.md"))
	if len(lists) != 3 {
		t.Errorf("list pages: %v", lists)
	}

	// Rebuilding the search index keeps every article findable.
	out, err = run(t, ctx, data, "reindex")
	if err != nil || !strings.Contains(out, "indexed 3 articles") {
		t.Errorf("reindex: %v\n%s", err, out)
	}

	// OPML out and into a fresh archive.
	opml := filepath.Join(t.TempDir(), "feeds.opml")
	if _, err := run(t, ctx, data, "feeds", "export-opml", opml); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, ctx, t.TempDir(), "feeds", "import-opml", opml)
	if err != nil || !strings.Contains(out, "added 1 feeds") {
		t.Errorf("import-opml: %v\n%s", err, out)
	}
}

func TestEveryVerbExplainsItself(t *testing.T) {
	for _, args := range [][]string{
		{"serve"}, {"feeds"}, {"feeds", "add"}, {"feeds", "list"}, {"feeds", "remove"}, {"feeds", "import-opml"},
		{"feeds", "export-opml"}, {"poll"}, {"archive"}, {"import"}, {"export"}, {"show"}, {"list"}, {"extract"}, {"reindex"},
	} {
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetArgs(append(args, "--help"))
		if err := cmd.Execute(); err != nil {
			t.Errorf("%v --help: %v", args, err)
		}
		if !strings.Contains(out.String(), "Usage:") || !strings.Contains(out.String(), "--data") {
			t.Errorf("%v --help does not explain the flags:\n%s", args, out.String())
		}
	}
}

func TestServeAnswersUntilStopped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	data := t.TempDir()
	go func() {
		_, err := run(t, ctx, data, "serve", "--listen", addr, "--no-poll")
		done <- err
	}()
	var resp *http.Response
	for i := 0; i < 100; i++ {
		resp, err = http.Get("http://" + addr + "/healthz")
		if err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}
