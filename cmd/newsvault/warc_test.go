package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/warc/warciotest"
)

// articlesOf lists "url title" of every article in the data dir.
func articlesOf(t *testing.T, data string) []string {
	t.Helper()
	out, err := run(t, t.Context(), data, "list", "--json")
	if err != nil {
		t.Fatalf("list: %v\n%s", err, out)
	}
	var got []string
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a struct{ URL, Title string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("list --json line %q: %v", sc.Text(), err)
		}
		got = append(got, a.URL+" "+a.Title)
	}
	slices.Sort(got)
	return got
}

// TestWARCExportImportRoundTrip archives pages from a local site, exports
// the captures as WARC, checks them with warcio, and imports them into an
// empty data directory: the same articles come back, by URL and title.
func TestWARCExportImportRoundTrip(t *testing.T) {
	titles := []string{"白俄罗斯总统抵达北京", "香港立法会通过新法例", "台湾地震后的重建"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		if _, err := fmt.Sscanf(r.URL.Path, "/news/%d.html", &n); err != nil || n < 0 || n >= len(titles) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html lang="zh-CN"><head><meta charset="utf-8"><title>%[1]s</title></head><body><article><h1>%[1]s</h1><p>%[2]s</p></article></body></html>`,
			titles[n], strings.Repeat(fmt.Sprintf("第%d篇文章的正文，用来检验网页存档文件的导出与导入。", n), 15))
	}))
	defer srv.Close()
	src := t.TempDir()
	for i := range titles {
		if out, err := run(t, t.Context(), src, "archive", fmt.Sprintf("%s/news/%d.html", srv.URL, i)); err != nil {
			t.Fatalf("archive: %v\n%s", err, out)
		}
	}
	// Fetching a page again stores no second capture of the same bytes, so
	// the export below holds one response per page.
	if out, err := run(t, t.Context(), src, "archive", srv.URL+"/news/0.html"); err != nil {
		t.Fatalf("archive again: %v\n%s", err, out)
	}
	want := articlesOf(t, src)
	if len(want) != 3 {
		t.Fatalf("archived %d articles: %v", len(want), want)
	}
	out := filepath.Join(t.TempDir(), "warc")
	res, err := run(t, t.Context(), src, "export", "--format", "warc", out)
	if err != nil || !strings.Contains(res, "3 linked to their article") {
		t.Fatalf("export: %v\n%s", err, res)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.warc.gz"))
	if len(files) != 1 {
		t.Fatalf("WARC files: %v", files)
	}
	dst := t.TempDir()
	res, err = run(t, t.Context(), dst, "import", files[0])
	if err != nil || !strings.Contains(res, "3 new articles") {
		t.Fatalf("import: %v\n%s", err, res)
	}
	if got := articlesOf(t, dst); !slices.Equal(got, want) {
		t.Errorf("after the round trip:\n got %v\nwant %v", got, want)
	}
	// A second import takes nothing in twice.
	res, err = run(t, t.Context(), dst, "import", files[0])
	if err != nil || !strings.Contains(res, "0 new articles, 0 new versions") {
		t.Fatalf("re-import: %v\n%s", err, res)
	}

	bin := warciotest.Bin(t)
	idx, err := exec.Command(bin, "index", files[0], "--fields", "warc-type,warc-target-uri").Output()
	if err != nil {
		t.Fatalf("warcio index: %v", err)
	}
	types := map[string]int{}
	uris := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(idx)), "\n") {
		var j map[string]string
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("warcio line %q: %v", l, err)
		}
		types[j["warc-type"]]++
		uris[j["warc-target-uri"]] = true
	}
	if types["response"] != 3 || types["request"] < 3 || types["metadata"] < 3 || types["warcinfo"] != 1 {
		t.Errorf("warcio reads record types %v", types)
	}
	for i := range titles {
		if u := fmt.Sprintf("%s/news/%d.html", srv.URL, i); !uris[u] {
			t.Errorf("warcio finds no record of %s", u)
		}
	}
}
