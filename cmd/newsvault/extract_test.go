package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// extractTestPage is an article page for the extract verb's tests.
func extractTestPage(i int) string {
	return fmt.Sprintf(`<html lang="zh-CN"><head><title>第%d号新闻：社区菜园开放 - 示例网</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/city/">城市</a></div>
<article><h1>第%d号新闻：社区菜园开放</h1><p class="meta">2023年3月1日 08:30　作者：张三</p>
<p>%s</p><p>%s</p></article></body></html>`, i, i,
		strings.Repeat("社区菜园今天正式向居民开放，二十多户人家认领了菜地。", 4),
		strings.Repeat("居民们说，种菜让邻居之间的来往多了起来。", 4))
}

func TestExtractJSONStreamsOneLinePerFileInOrder(t *testing.T) {
	dir := t.TempDir()
	var args []string
	const n = 300
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("p%03d.html", i))
		if err := os.WriteFile(p, []byte(extractTestPage(i)), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	// A gzipped page and a page that is not an article.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(extractTestPage(n)))
	zw.Close()
	gzPath := filepath.Join(dir, "page.html.gz")
	os.WriteFile(gzPath, gz.Bytes(), 0o644)
	notFound := filepath.Join(dir, "404.html")
	os.WriteFile(notFound, []byte(`<html><head><title>页面不存在</title></head><body><p>抱歉，您访问的页面不存在</p></body></html>`), 0o644)
	args = append(args, gzPath, notFound)

	out, err := run(t, context.Background(), t.TempDir(), append([]string{"extract", "--json", "--url", "https://news.example.cn/a.html"}, args...)...)
	if err != nil {
		t.Fatalf("extract: %v\n%.500s", err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	var recs []extractRecord
	for sc.Scan() {
		var rec extractRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d is not JSON: %v", len(recs)+1, err)
		}
		recs = append(recs, rec)
	}
	if len(recs) != len(args) {
		t.Fatalf("%d lines for %d files", len(recs), len(args))
	}
	for i, rec := range recs[:n] {
		if rec.File != args[i] || rec.Kind != "article" || rec.Title != fmt.Sprintf("第%d号新闻：社区菜园开放", i) {
			t.Fatalf("line %d: file %q kind %q title %q", i+1, rec.File, rec.Kind, rec.Title)
		}
	}
	first := recs[0]
	if first.URL != "https://news.example.cn/a.html" || first.Author != "张三" || first.Published != "2023-03-01T08:30:00+08:00" ||
		first.Language != "zh-CN" || !strings.Contains(first.Text, "社区菜园今天正式") || !strings.Contains(first.HTML, "<p>") {
		t.Errorf("first record: %+v", first)
	}
	if gzRec := recs[n]; gzRec.Kind != "article" {
		t.Errorf("gzipped page: %+v", gzRec)
	}
	if nf := recs[n+1]; nf.Kind != "error" || !strings.Contains(nf.Error, "页面不存在") || nf.Text != "" {
		t.Errorf("not-found page: %+v", nf)
	}
}

func TestExtractReadsStdinAndSummarises(t *testing.T) {
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetIn(strings.NewReader(extractTestPage(7)))
	cmd.SetArgs([]string{"extract", "-"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("extract -: %v\n%s", err, out.String())
	}
	for _, want := range []string{"== -", "kind:       article", "title:      第7号新闻：社区菜园开放", "author:     张三", "characters in 2 paragraphs"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

func TestExtractFailsOnUnreadableFilesAfterTheOthers(t *testing.T) {
	good := filepath.Join(t.TempDir(), "good.html")
	os.WriteFile(good, []byte(extractTestPage(1)), 0o644)
	out, err := run(t, context.Background(), t.TempDir(), "extract", "--json", filepath.Join(t.TempDir(), "missing.html"), good)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 files") {
		t.Errorf("extract with a missing file: err %v", err)
	}
	if !strings.Contains(out, `"kind":"article"`) || !strings.Contains(out, "no such file") {
		t.Errorf("output:\n%s", out)
	}
	if _, err := run(t, context.Background(), t.TempDir(), "extract", "--url", "not-a-url", good); err == nil {
		t.Error("a relative --url was accepted")
	}
}
