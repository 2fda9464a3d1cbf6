package publish

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/store"
)

// importCorpus imports outlets of the news-md corpus (all when none are
// named) into ta.
func importCorpus(t *testing.T, ta *testArchive, outlets ...string) int {
	t.Helper()
	var paths []string
	if len(outlets) == 0 {
		paths = []string{shareddata.Dir(t, "news-md")}
	}
	for _, o := range outlets {
		paths = append(paths, shareddata.Dir(t, "news-md", o))
	}
	client := fetch.New(fetch.Config{HostRate: -1, Retries: -1, Timeout: time.Second})
	pipe := pipeline.New(ta.st, ta.blobs, client, extract.New(extract.Options{}), nil, pipeline.Options{Indexer: ta.an})
	rep, err := pipe.Import(t.Context(), paths, pipeline.ImportOptions{})
	if err != nil || rep.NewArticles == 0 {
		t.Fatalf("import %v: %+v %v", paths, rep, err)
	}
	return rep.NewArticles
}

func chromium(t *testing.T) string {
	t.Helper()
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		t.Skip("install chromium (apt-get install -y chromium) to run browser tests")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	return p
}

func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NEWSVAULT_ARTIFACTS")
	if dir == "" {
		dir, _ = filepath.Abs(filepath.Join("..", "..", "artifacts", "screenshots"))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// cspProbe records Content-Security-Policy violations in the page.
const cspProbe = `window.__csp = []; addEventListener('securitypolicyviolation', function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });`

func TestStaticSiteFromFileURLInABrowser(t *testing.T) {
	exec := chromium(t)
	ta := newArchive(t)
	n := importCorpus(t, ta, "纽约时报")
	// One traditional and one simplified article that only folding joins.
	src := ta.source("繁简测试")
	tradID := ta.save(src, "https://trad.example/1", "盧卡申科抵達華盛頓會晤", "<p>白俄羅斯總統盧卡申科抵達華盛頓，與美國官員會晤。</p>", false)
	simpID := ta.save(src, "https://simp.example/1", "台湾关系法生效四十五周年", "<p>美国国会通过的台湾关系法今天生效四十五周年。</p>", false)
	img := ta.image(pngBytes(9))
	imgID := ta.save(src, "https://img.example/1", "有图片的文章", `<p>图片如下</p><img src="/assets/`+img.Asset.Hash+`" data-original-src="`+img.URL+`" alt="图"><img src="https://remote.example/x.jpg">`, true, img)

	// The site lives under a sub-path, opened from disk.
	dir := filepath.Join(t.TempDir(), "pages", "project", "newsvault")
	if _, err := ta.publisher().Run(t.Context(), Target{Name: "site", Kind: KindSite, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	base := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir) + "/"}).String()

	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(exec), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(bctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable network events: %v", err)
	}
	if _, err := chromedp.Call(bctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbe}); err != nil {
		t.Fatal(err)
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(what, js string) []string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	shots := artifacts(t)
	shoot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		os.WriteFile(filepath.Join(shots, "static-"+name+".png"), png, 0o644)
	}
	search := func(q string) []string {
		t.Helper()
		do("search "+q, chromedp.Navigate(base+"search.html?q="+url.QueryEscape(q)),
			chromedp.WaitVisible(chromedp.CSS("#status")))
		// The status line changes when the search has finished.
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			st := eval("status", `[document.getElementById('status').textContent]`)
			if strings.HasPrefix(st[0], "找到") || strings.HasPrefix(st[0], "没有") || strings.HasPrefix(st[0], "搜索出错") || strings.HasPrefix(st[0], "请输入") {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		return eval("results", `Array.from(document.querySelectorAll('#results li a')).map(a => a.getAttribute('href'))`)
	}
	has := func(hrefs []string, id int64) bool {
		for _, h := range hrefs {
			if h == pagePath(id) {
				return true
			}
		}
		return false
	}

	for _, vp := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(2)}
		if vp.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
		}
		do("viewport", chromedp.EmulateViewport(vp.width, vp.height, opts...))
		do("open the index", chromedp.Navigate(base+"index.html"), chromedp.WaitVisible(chromedp.CSS("ul.list")))
		if got := eval("index items", `Array.from(document.querySelectorAll('ul.list li a[href^="a/"]')).map(a => a.href)`); len(got) != indexNewest {
			t.Errorf("%s: %d articles on the index, want %d", vp.name, len(got), indexNewest)
		}
		shoot("index-" + vp.name)
		do("open a source list", chromedp.Navigate(base+"sources.html"), chromedp.WaitVisible(chromedp.CSS("ul.list")))
		do("follow it", chromedp.Click(chromedp.CSS(`ul.list a`)), chromedp.WaitVisible(chromedp.CSS("ul.list li")))
		shoot("list-" + vp.name)
		do("open an article", chromedp.Click(chromedp.CSS(`ul.list li a[href^="../a/"]`)), chromedp.WaitVisible(chromedp.CSS("article h1")))
		shoot("article-" + vp.name)
		wide := eval("width", `[String(document.documentElement.scrollWidth > window.innerWidth)]`)
		if wide[0] == "true" {
			t.Errorf("%s: the article page is wider than the screen", vp.name)
		}

		// Simplified finds traditional, and the reverse.
		if got := search("卢卡申科抵达华盛顿"); !has(got, tradID) {
			t.Errorf("%s: simplified query did not find the traditional article: %v", vp.name, got)
		}
		shoot("search-" + vp.name)
		if got := search("臺灣關係法"); !has(got, simpID) || has(got, tradID) {
			t.Errorf("%s: traditional query: %v", vp.name, got)
		}
	}

	// Every two-to-six-character query the server finds, the site finds:
	// compare with the store's own search on the corpus outlet.
	for _, q := range []string{"特朗普", "香港", "新冠病毒", "国家安全", "國家安全", "世界卫生组织"} {
		got := search(q)
		hits, total, err := ta.st.Search(t.Context(), store.SearchQuery{Match: ta.an.Parse(q, time.UTC).Match, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if total > indexNewest {
			if len(got) != indexNewest {
				t.Errorf("%q: server finds %d, site shows %d (want a full page)", q, total, len(got))
			}
			continue
		}
		for _, h := range hits {
			if !has(got, h.Article.ID) {
				t.Errorf("%q: the server finds article %d (%s), the site does not", q, h.Article.ID, h.Article.Title)
			}
		}
		if len(got) != total {
			t.Errorf("%q: server %d hits, site %d", q, total, len(got))
		}
	}

	do("image article", chromedp.Navigate(base+pagePath(imgID)), chromedp.WaitVisible(chromedp.CSS("article img")))
	if v := eval("image", `Array.from(document.querySelectorAll('article img')).map(i => i.naturalWidth > 0 ? i.getAttribute('src') : 'broken:' + i.getAttribute('src'))`); len(v) != 1 || !strings.HasPrefix(v[0], "../assets/") {
		t.Errorf("the article's images: %v, want only its local copy", v)
	}
	if v := eval("csp", `window.__csp`); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
	mu.Lock()
	defer mu.Unlock()
	sawShard := false
	for _, u := range requests {
		if !strings.HasPrefix(u, "file://") {
			t.Errorf("a request left the site: %s", u)
		}
		sawShard = sawShard || strings.Contains(u, "/search/m/")
	}
	if !sawShard {
		t.Errorf("the request log never showed an index shard load (%d requests logged)", len(requests))
	}
	t.Logf("%d corpus articles; %d requests, all file://", n, len(requests))
}
