package extract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newsvault/newsvault/internal/shareddata"
	"golang.org/x/net/html"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// readSeed returns a seed file from the shared seeds folder (a sibling of
// the shared data folder), skipping the test when it is absent.
func readSeed(t *testing.T, name string) []byte {
	t.Helper()
	d := shareddata.Find()
	if d == "" {
		t.Skip("shared data not found; set " + shareddata.EnvVar)
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(d), "seeds", name))
	if err != nil {
		t.Skipf("seed %s not available: %v", name, err)
	}
	return b
}

// newsFixture returns testdata/news_page.html with its <meta charset>
// label replaced by label.
func newsFixture(t *testing.T, label string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "news_page.html"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Replace(string(b), `<meta charset="gbk">`, `<meta charset="`+label+`">`, 1)
}

func TestExtractSeedTextPage(t *testing.T) {
	body := readSeed(t, "004_4a6c13e275e20ab3.txt")
	r, err := New(Options{}).Extract(context.Background(), Page{
		URL: "http://bbs.aelogo.cn/shenghuo/2025/0604.html", ContentType: "text/plain; charset=utf-8", Body: body,
	})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if want := "白俄罗斯总统卢卡申科访华意欲何为"; r.Title != want {
		t.Errorf("Title = %q, want %q", r.Title, want)
	}
	if want := "小编"; r.Author != want {
		t.Errorf("Author = %q, want %q", r.Author, want)
	}
	if got := r.Published.Format(time.RFC3339); got != "2025-06-04T00:00:00+08:00" {
		t.Errorf("Published = %s, want 2025-06-04 in Asia/Shanghai", got)
	}
	if !strings.HasPrefix(r.Text, "白俄罗斯总统亚历山大·卢卡申科自年初以来") {
		t.Errorf("Text starts %.60q", r.Text)
	}
	if !strings.Contains(r.Text, "中白工业园就是一个例子") {
		t.Errorf("Text lacks the last paragraph")
	}
	for _, junk := range []string{"登录 注册 退出", "EnglishEnglish", "turnstile", "Hang Tag", "创新通翼闸", "image.png", "当前位置"} {
		if strings.Contains(r.Text, junk) || strings.Contains(r.HTML, junk) {
			t.Errorf("result contains %q", junk)
		}
	}
	// The two photo captions inside the article are part of it.
	for _, caption := range []string{"(卢卡申科抵达北京)\n\n首先", "(白俄罗斯出口大量钾肥。)\n\n"} {
		if !strings.Contains(r.Text, caption) {
			t.Errorf("Text lacks the caption %q", caption)
		}
	}
	if !strings.HasPrefix(r.HTML, "<p>白俄罗斯总统亚历山大") || strings.Count(r.HTML, "<p>") < 12 {
		t.Errorf("HTML is not one <p> per paragraph: %.100q", r.HTML)
	}
	if r.Language != "zh" {
		t.Errorf("Language = %q, want zh", r.Language)
	}
}

func TestExtractSeedMirrorItemAsHTML(t *testing.T) {
	raw := string(readSeed(t, "000_005cd0b14544140b.txt"))
	_, article, ok := strings.Cut(raw, "\n------\n")
	if !ok {
		t.Fatal("seed has no ------ line")
	}
	page := "<html><head><title>普京密友白俄总统卢卡申科抵达北京，中俄白小圈子加紧活动 - 美国之音</title>" +
		`<meta property="og:site_name" content="美国之音"></head><body>` + article + "</body></html>"
	r, err := New(Options{}).Extract(context.Background(), Page{
		URL: "https://www.voachinese.com/a/6982259.html", ContentType: "text/html; charset=utf-8", Body: []byte(page),
	})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if want := "普京密友白俄总统卢卡申科抵达北京，中俄白小圈子加紧活动"; r.Title != want {
		t.Errorf("Title = %q, want %q (site suffix stripped)", r.Title, want)
	}
	// The page shows "Tue, 28 Feb 2023 14:12:24 GMT": the GMT must survive.
	if want := time.Date(2023, 2, 28, 14, 12, 24, 0, time.UTC); !r.Published.Equal(want) {
		t.Errorf("Published = %v, want %v", r.Published, want)
	}
	if !strings.Contains(r.Text, "根据新华社的报道") || strings.Count(r.Text, "\n\n") < 10 {
		t.Errorf("Text lost the body or its <br><br> paragraphs: %d breaks", strings.Count(r.Text, "\n\n"))
	}
}

func TestExtractChineseNewsPage(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(newsFixture(t, "gbk"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		contentType string
		body        []byte
	}{
		{"GBK bytes declared by meta charset", "text/html", []byte(gbk)},
		{"GBK bytes declared by the HTTP header", "text/html; charset=GBK", []byte(gbk)},
		{"GBK bytes with no content type at all", "", []byte(gbk)},
		{"UTF-8 bytes whose meta still says gb2312", "text/html", []byte(newsFixture(t, "gb2312"))},
	}
	e := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := e.Extract(context.Background(), Page{URL: "https://news.example.cn/2023/0228/library.html?from=rss", ContentType: tt.contentType, Body: tt.body})
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if want := "滨江新区图书馆正式开馆 周末客流超过两万人次"; r.Title != want {
				t.Errorf("Title = %q, want %q", r.Title, want)
			}
			if got := r.Published.Format(time.RFC3339); got != "2023-02-28T14:12:00+08:00" {
				t.Errorf("Published = %s, want 2023-02-28T14:12:00+08:00", got)
			}
			if r.Author != "李明远" {
				t.Errorf("Author = %q, want 李明远", r.Author)
			}
			if r.SiteName != "示例新闻网" || r.Language != "zh-CN" {
				t.Errorf("SiteName, Language = %q, %q", r.SiteName, r.Language)
			}
			if want := "https://news.example.cn/2023/0228/library.html"; r.Canonical != want {
				t.Errorf("Canonical = %q, want %q", r.Canonical, want)
			}
			if want := "https://news.example.cn/images/2023/library-lead.jpg"; r.Image != want {
				t.Errorf("Image = %q, want %q", r.Image, want)
			}
			for _, want := range []string{"经过三年建设", "二十四小时自助借还区", "没有出现长时间拥堵"} {
				if !strings.Contains(r.Text, want) {
					t.Errorf("Text lacks %q:\n%s", want, r.Text)
				}
			}
			for _, junk := range []string{"首页", "登录", "相关阅读", "老城区图书馆启动改造工程", "热门排行", "Copyright", "版权所有", "_hmt"} {
				if strings.Contains(r.Text, junk) {
					t.Errorf("Text contains %q:\n%s", junk, r.Text)
				}
			}
			if strings.Contains(r.Text, "\ufffd") {
				t.Errorf("Text has replacement characters: the charset was misread")
			}
			if strings.Contains(r.HTML, `src="/images`) {
				t.Errorf("HTML keeps a relative URL: %s", r.HTML)
			}
		})
	}
}

func TestExtractCanonicalFallsBackToOGURL(t *testing.T) {
	page := strings.Replace(newsFixture(t, "utf-8"), `<link rel="canonical" href="https://news.example.cn/2023/0228/library.html">`, "", 1)
	page = strings.Replace(page, `content="https://news.example.cn/2023/0228/library.html"`, `content="/2023/0228/library-og.html"`, 1)
	r, err := New(Options{}).Extract(context.Background(), Page{URL: "https://news.example.cn/m/1", ContentType: "text/html", Body: []byte(page)})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if want := "https://news.example.cn/2023/0228/library-og.html"; r.Canonical != want {
		t.Errorf("Canonical = %q, want og:url made absolute %q", r.Canonical, want)
	}
}

func TestExtractDefaultLocation(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	r, err := New(Options{DefaultLocation: tokyo}).Extract(context.Background(), Page{
		URL: "https://news.example.cn/a", ContentType: "text/html", Body: []byte(newsFixture(t, "utf-8")),
	})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if got := r.Published.Format(time.RFC3339); got != "2023-02-28T14:12:00+09:00" {
		t.Errorf("Published = %s, want the zone-less byline read in DefaultLocation", got)
	}
}

func TestPageLocationOverridesDefaultLocation(t *testing.T) {
	x := New(Options{DefaultLocation: time.FixedZone("JST", 9*3600)})
	page := Page{URL: "https://news.example.cn/a", ContentType: "text/html", Body: []byte(newsFixture(t, "utf-8")),
		Location: time.FixedZone("NPT", 5*3600+45*60)}
	r, err := x.Extract(context.Background(), page)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if got := r.Published.Format(time.RFC3339); got != "2023-02-28T14:12:00+05:45" {
		t.Errorf("Published = %s, want the zone-less byline read in the page's Location", got)
	}
	page.Location = nil
	if r, err = x.Extract(context.Background(), page); err != nil || r.Published.Format(time.RFC3339) != "2023-02-28T14:12:00+09:00" {
		t.Errorf("without a page Location: Published = %v, %v; want DefaultLocation again", r.Published, err)
	}
}

func TestExtractRejectsNonArticles(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	shell := `<!DOCTYPE html><html><head><title>App</title><script src="/static/app.js"></script></head>` +
		`<body><div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript></body></html>`
	tests := []struct {
		name        string
		contentType string
		body        []byte
		reason      string
	}{
		{"a PNG body served as an image", "image/png", png, "not html: image/png"},
		{"a PNG body mislabelled as HTML", "text/html", png, "not html: image/png"},
		{"a PNG body without a content type", "", png, "not html: image/png"},
		{"a PDF", "application/pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "not html: application/pdf"},
		{"a binary download", "application/octet-stream", []byte{0, 1, 2, 3, 0xff}, "not html: application/octet-stream"},
		{"a JSON API response", "application/json", []byte(`{"a":1}`), "not html: application/json"},
		{"an empty JavaScript shell page", "text/html; charset=utf-8", []byte(shell), "no article content"},
		{"a page with one short line saying 404", "text/html", []byte("<html><body><p>404 页面不存在</p></body></html>"), "页面不存在"},
		{"an empty body", "text/html", nil, "empty body"},
		{"a short plain-text page", "text/plain", []byte("你好\n世界\n"), "no article content"},
	}
	e := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := e.Extract(context.Background(), Page{URL: "https://x.example/f", ContentType: tt.contentType, Body: tt.body})
			if !errors.Is(err, ErrNotArticle) {
				t.Fatalf("Extract = %+v, %v; want ErrNotArticle", r, err)
			}
			if !strings.Contains(err.Error(), tt.reason) || !strings.Contains(err.Error(), "https://x.example/f") {
				t.Errorf("error %q lacks the reason %q or the URL", err, tt.reason)
			}
		})
	}
}

func TestExtractStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(Options{}).Extract(ctx, Page{URL: "https://x.example/", ContentType: "text/html", Body: []byte(newsFixture(t, "utf-8"))})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Extract with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestExtractTextPageWithoutByline(t *testing.T) {
	body := strings.Join([]string{
		"首页 新闻 视频 登录",
		"城市公园完成改造",
		"经过半年的施工，城南公园的改造工程近日完工，园内新增了环湖步道、儿童游乐区和三处休息亭，周边居民纷纷前来散步。",
		"据园林部门介绍，此次改造保留了公园原有的大部分树木，并补种了两千多株本地植物，让公园四季都有花可赏。",
		"附近居民张先生说，以前公园里路面坑洼，晚上也没有照明，现在环境好了，他每天晚饭后都会带家人来走一走。",
		"热门,推荐,排行,视频,图片,专题,论坛,博客",
	}, "\n")
	r, err := New(Options{}).Extract(context.Background(), Page{URL: "https://x.example/p", ContentType: "text/plain", Body: []byte(body)})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if r.Title != "城市公园完成改造" {
		t.Errorf("Title = %q", r.Title)
	}
	if !r.Published.IsZero() {
		t.Errorf("Published = %v, want zero", r.Published)
	}
	if !strings.HasPrefix(r.Text, "经过半年的施工") || strings.Contains(r.Text, "热门") || strings.Count(r.Text, "\n\n") != 2 {
		t.Errorf("Text = %q", r.Text)
	}
}

func TestExtractHTMLServedWithoutMarkupUsesTextPath(t *testing.T) {
	body := readSeed(t, "004_4a6c13e275e20ab3.txt")
	r, err := New(Options{}).Extract(context.Background(), Page{URL: "http://bbs.aelogo.cn/x", ContentType: "text/html", Body: body})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if r.Title != "白俄罗斯总统卢卡申科访华意欲何为" {
		t.Errorf("Title = %q", r.Title)
	}
}

// FuzzExtract checks that Extract never panics, finishes each input in
// bounded time, returns only *NotArticleError for pages that are not
// articles, and returns valid UTF-8 in every field of an article.
func FuzzExtract(f *testing.F) {
	f.Add("text/html", []byte("<html><head><title>t</title></head><body><p>"+strings.Repeat("中文内容，", 30)+"</p></body></html>"))
	f.Add("text/plain", []byte("标题\n时间:2025-06-04 作者: 小编\n"+strings.Repeat("这是正文的一句话，", 10)+"。\n"))
	f.Add("", []byte("<meta charset=gbk><p>\xc4\xe3\xba\xc3</p>"))
	f.Add("image/png", []byte("\x89PNG\r\n\x1a\n"))
	f.Add("text/html", []byte("<table><tr><td><br><br>x<p><br><br>y</table>"))
	f.Add("text/html", []byte(`<meta charset="gb2312"><p>Â±Â±Å¸Â©ÃÃ·ÃÂ±ÃÃ Å¾ÅÅÃ¼Â¹ÂºÃÃ¯ÃÃÃÃÂ·Â¢ÃÃºÂ»Ã°ÃÃ</p>`))
	f.Add("text/html", []byte(`<div id="js_content" style="visibility: hidden"><p>`+strings.Repeat("菜园，", 60)+`</p></div><script>var ct = "1677595144";</script>`))
	for _, name := range []string{"wechat_page.html", "boilerplate_page.html", "rules_page.html", "kinds/listing.html", "kinds/paywall.html", "kinds/challenge_zh.html"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add("text/html", b)
		}
	}
	e := New(Options{})
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		if len(body) > maxFuzzBody {
			return
		}
		start := time.Now()
		r, err := e.Extract(context.Background(), Page{URL: "https://mp.weixin.qq.com/s/fuzz", ContentType: contentType, Body: body})
		if el := time.Since(start); el > maxFuzzTime {
			t.Errorf("Extract took %v on %d bytes", el, len(body))
		}
		if err != nil {
			var na *NotArticleError
			if errors.Is(err, ErrNotArticle) && (!errors.As(err, &na) || na.Kind == "" || na.Kind == KindArticle) {
				t.Errorf("not-article error without a kind: %v", err)
			}
			return
		}
		if r.Kind != KindArticle || r.Text == "" || tooShort(r.Text) {
			t.Errorf("Extract returned kind %q and too little text without an error: %q", r.Kind, r.Text)
		}
		for name, v := range map[string]string{"Title": r.Title, "Author": r.Author, "SiteName": r.SiteName, "Language": r.Language,
			"Image": r.Image, "Canonical": r.Canonical, "HTML": r.HTML, "Text": r.Text} {
			if !utf8.ValidString(v) {
				t.Errorf("%s is not valid UTF-8: %q", name, v)
			}
		}
	})
}

// Bounds of FuzzExtract: inputs up to maxFuzzBody bytes must be done in
// maxFuzzTime (generous: fuzzing runs several workers on a loaded machine).
const (
	maxFuzzBody = 64 << 10
	maxFuzzTime = 5 * time.Second
)

// parseTestDoc parses an HTML document for tests.
func parseTestDoc(t *testing.T, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestExtractIsSafeForConcurrentUse(t *testing.T) {
	e := New(Options{})
	page := Page{URL: "https://news.example.cn/a", ContentType: "text/html", Body: []byte(newsFixture(t, "utf-8"))}
	want, err := e.Extract(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			r, err := e.Extract(context.Background(), page)
			if err == nil && (r.Text != want.Text || !r.Published.Equal(want.Published)) {
				err = errors.New("concurrent Extract gave a different result")
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// longPages returns a plain-text page of n lines and an HTML page of n
// paragraphs (each with a link), both Chinese.
func longPages(n int) []Page {
	var text, page strings.Builder
	page.WriteString("<html><head><title>长页面</title></head><body><div>")
	for i := range n {
		fmt.Fprintf(&text, "第%d行，这是纯文本页面的一行字，用于测试。\n", i)
		fmt.Fprintf(&page, `<p>第%d段，这是一段新闻正文，用来测试很长的页面。<a href="/x%d">相关链接</a></p>`, i, i)
	}
	page.WriteString("</div></body></html>")
	return []Page{
		{URL: "https://x.example/t", ContentType: "text/plain", Body: []byte(text.String())},
		{URL: "https://x.example/h", ContentType: "text/html", Body: []byte(page.String())},
	}
}

// TestLongPagesTakeLinearWork checks, without a clock, that extraction
// work grows linearly with the page: a page four times as long may cost
// at most five times the allocations and allocated bytes. (Quadratic
// steps — text re-collected for every ancestor, blocks copied per block —
// show up in both.) BenchmarkExtractLongPage measures the time.
func TestLongPagesTakeLinearWork(t *testing.T) {
	if testing.Short() {
		t.Skip("builds large pages")
	}
	const n = 1500
	e := New(Options{})
	small, large := longPages(n), longPages(4*n)
	for i := range small {
		cs, ls := extractCost(t, e, small[i]), extractCost(t, e, large[i])
		t.Logf("%s: ×4 paragraphs: ×%.2f allocations, ×%.2f bytes", small[i].URL,
			float64(ls.allocs)/float64(cs.allocs), float64(ls.bytes)/float64(cs.bytes))
		if ls.allocs > 5*cs.allocs || ls.bytes > 5*cs.bytes {
			t.Errorf("%s: %d paragraphs cost %d allocations, %d bytes; %d cost %d, %d (more than 5 times)",
				small[i].URL, n, cs.allocs, cs.bytes, 4*n, ls.allocs, ls.bytes)
		}
	}
}

// cost is the allocations and allocated bytes of one call.
type cost struct{ allocs, bytes uint64 }

// extractCost returns what one extraction of p allocates.
func extractCost(t *testing.T, e *Extractor, p Page) cost {
	t.Helper()
	if _, err := e.Extract(context.Background(), p); err != nil { // warm caches
		t.Fatalf("%s: %v", p.URL, err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _ = e.Extract(context.Background(), p)
	runtime.ReadMemStats(&after)
	return cost{after.Mallocs - before.Mallocs, after.TotalAlloc - before.TotalAlloc}
}

// BenchmarkExtractLongPage measures extraction of a page of 20,000
// paragraphs.
func BenchmarkExtractLongPage(b *testing.B) {
	e := New(Options{})
	p := longPages(20000)[1]
	b.SetBytes(int64(len(p.Body)))
	for b.Loop() {
		if _, err := e.Extract(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
}
