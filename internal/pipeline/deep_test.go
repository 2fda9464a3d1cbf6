package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/archive"
)

// Paragraphs around the deep part of deepHTML, each an ordinary sentence.
var deepParas = []string{
	"深层嵌套的页面开头有一段普通的文字，记者在现场看到市民排队领取物资，秩序井然，工作人员逐一登记。",
	"中间部分之后还有第二段普通的文字，当地政府表示将继续增加供应点，并在下周公布新的安排和时间表。",
}

// deepHTML is an article whose middle nests depth <div>s deep, as some
// real pages (and hostile ones) do; x/net/html refuses past 512.
func deepHTML(depth int) string {
	var b strings.Builder
	b.WriteString("<p>" + deepParas[0] + "</p>")
	b.WriteString(strings.Repeat("<div>", depth))
	b.WriteString("最深处的一句话。")
	b.WriteString(strings.Repeat("</div>", depth))
	b.WriteString("<p>" + deepParas[1] + "</p>")
	return b.String()
}

func deepPageHTML(depth int) string {
	return "<!doctype html><html lang=zh-CN><head><title>深层嵌套的报道</title></head><body><article><h1>深层嵌套的报道</h1>" +
		deepHTML(depth) + "<p>" + strings.Repeat("第三段文字补足篇幅，让页面像一篇真正的报道。", 4) + "</p></article></body></html>"
}

func assertParagraphsStored(t *testing.T, e *env, url string) {
	t.Helper()
	a, err := e.store.ArticleByURL(context.Background(), url)
	if err != nil {
		t.Fatalf("article %s: %v", url, err)
	}
	for _, p := range deepParas {
		if !strings.Contains(a.Text, p) || !strings.Contains(a.HTML, p) {
			t.Errorf("%s: paragraph %.20q… missing; text %.120q, html %.120q", url, p, a.Text, a.HTML)
		}
	}
}

// TestDeeplyNestedContentKeepsItsParagraphs: content nested past the HTML
// parser's limit is flattened, not stored empty, on every way in.
func TestDeeplyNestedContentKeepsItsParagraphs(t *testing.T) {
	ctx := context.Background()
	for _, depth := range []int{600, 5000} {
		t.Run(fmt.Sprint(depth), func(t *testing.T) {
			mux := http.NewServeMux()
			srv := httptest.NewServer(mux)
			defer srv.Close()
			base := "http://deep.test:" + strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
			mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml")
				fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>深</title>
<item><title>深层嵌套</title><link>%s/a/1</link><content:encoded><![CDATA[%s]]></content:encoded></item></channel></rss>`, base, deepHTML(depth))
			})
			mux.HandleFunc("/page.html", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, deepPageHTML(depth))
			})
			e := newEnv(t, Options{SkipImages: true})

			// Feed content, via Poll.
			src := addFeed(t, e, base+"/feed.xml", archive.ModeFeed)
			res := e.pipe.Poll(ctx, src)
			if res.Err != nil || res.NewArticles != 1 || res.ItemErrors != 0 {
				t.Fatalf("poll: %+v", res)
			}
			assertParagraphsStored(t, e, base+"/a/1")

			// A page, via ArchiveURL.
			if _, err := e.pipe.ArchiveURL(ctx, base+"/page.html", nil); err != nil {
				t.Fatalf("archive: %v", err)
			}
			assertParagraphsStored(t, e, base+"/page.html")

			// A file, via Import.
			dir := t.TempDir()
			page := strings.Replace(deepPageHTML(depth), "<head>", `<head><link rel=canonical href="https://import.example/deep">`, 1)
			if err := os.WriteFile(filepath.Join(dir, "deep.html"), []byte(page), 0o644); err != nil {
				t.Fatal(err)
			}
			rep, err := e.pipe.Import(ctx, []string{filepath.Join(dir, "deep.html")}, ImportOptions{Source: "deep"})
			if err != nil || len(rep.Failed) != 0 || rep.NewArticles != 1 {
				t.Fatalf("import: %+v %v", rep, err)
			}
			assertParagraphsStored(t, e, "https://import.example/deep")
		})
	}
}
