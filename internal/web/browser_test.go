package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/shareddata"
)

// seedTitle is the title of the first seed article, a VOA report on
// Lukashenko's visit to Beijing in simplified Chinese.
const seedTitle = "普京密友白俄总统卢卡申科抵达北京，中俄白小圈子加紧活动"

// chromiumPath returns the browser to drive, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		t.Skip("install chromium (apt-get install -y chromium) to run browser tests")
	}
	return p
}

// artifactDir is where screenshots go: $NEWSVAULT_ARTIFACTS, else
// artifacts/screenshots at the top of the repository (git-ignored).
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NEWSVAULT_ARTIFACTS")
	if dir == "" {
		abs, err := filepath.Abs(filepath.Join("..", "..", "artifacts", "screenshots"))
		if err != nil {
			t.Fatal(err)
		}
		dir = abs
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browserArchive fills an env the way an operator would: the two seeds,
// one outlet of the news-md mirror, and one article whose image is
// downloaded from a local image server.
func browserArchive(t *testing.T) (e *env, imageArticle int64) {
	t.Helper()
	data := shareddata.Find()
	if data == "" {
		t.Skipf("shared test data not found: put it at ../shared/data beside the checkout or set %s", shareddata.EnvVar)
	}
	seeds := filepath.Join(filepath.Dir(data), "seeds")
	seedFiles, _ := filepath.Glob(filepath.Join(seeds, "*.txt"))
	if len(seedFiles) < 2 {
		t.Skipf("the seeds are not in %s", seeds)
	}
	outlet := shareddata.Dir(t, "news-md", "纽约时报")

	e = newEnv(t, envOptions{})
	ctx := t.Context()
	rep, err := e.pipe.Import(ctx, seedFiles, pipeline.ImportOptions{})
	if err != nil || rep.NewArticles != len(seedFiles) {
		t.Fatalf("import seeds: %+v %v", rep, err)
	}
	if rep, err = e.pipe.Import(ctx, []string{outlet}, pipeline.ImportOptions{}); err != nil || rep.NewArticles < 100 {
		t.Fatalf("import %s: %+v %v", outlet, rep, err)
	}

	png := pngBytes(t, 90)
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
	}))
	t.Cleanup(images.Close)
	md := filepath.Join(t.TempDir(), "图片测试", "1.md")
	os.MkdirAll(filepath.Dir(md), 0o755)
	body := fmt.Sprintf("<!--1677595144000-->\n[有图片的测试文章：白俄罗斯总统抵达北京](https://news.example.com/photo/1.html)\n------\n\n"+
		`<div><i>Tue, 28 Feb 2023 14:12:24 GMT</i></div><img src="%s/photo.png" alt="资料照"><p>%s</p>`,
		images.URL, strings.Repeat("白俄罗斯总统卢卡申科星期二抵达北京，对中国进行为期三天的国事访问。", 6))
	if err := os.WriteFile(md, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if rep, err = e.pipe.Import(ctx, []string{md}, pipeline.ImportOptions{Images: true}); err != nil || rep.NewArticles != 1 {
		t.Fatalf("import the image article: %+v %v", rep, err)
	}
	a, err := e.store.ArticleByURL(ctx, "https://news.example.com/photo/1.html")
	if err != nil || !strings.Contains(a.HTML, "/assets/") {
		t.Fatalf("the image article was not stored with a local image: %v %.300s", err, a.HTML)
	}
	return e, a.ID
}

func TestInABrowser(t *testing.T) {
	exec := chromiumPath(t)
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	e, imageArticle := browserArchive(t)
	pages := articlePages(t)
	shots := artifactDir(t)

	ctx, cancel := browserBudget(t)
	defer cancel()
	bctx, stopBrowser := startChromium(t, ctx, exec)
	defer stopBrowser()

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
	shoot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	titles := `Array.from(document.querySelectorAll('.results ol.articles a.title')).map(a => a.textContent)`
	// waitPath waits until the browser shows a page whose path starts with
	// prefix (a form post, a redirect, a job page reloading itself).
	waitPath := func(prefix string) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			loc, err := chromedp.Run(bctx, chromedp.Location())
			if err == nil {
				if u, perr := url.Parse(loc); perr == nil && strings.HasPrefix(u.Path, prefix) {
					return u.Path
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("the browser stays at %s, want %s…", loc, prefix)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	base := e.http.URL
	viewports := []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}}

	for _, vp := range viewports {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(2)}
		if vp.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
		}
		do("set the "+vp.name+" viewport", chromedp.EmulateViewport(vp.width, vp.height, opts...))

		// The front page lists the archive.
		do("open the front page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("ol.articles")))
		if n := eval("count articles", `Array.from(document.querySelectorAll('ol.articles li.item')).map(li => li.id)`); len(n) != 20 {
			t.Errorf("%s: %d articles on the front page, want a page of 20", vp.name, len(n))
		}
		noOverflow(t, bctx, vp.name+" front page")
		shoot("front-" + vp.name)

		// Simplified Chinese, typed into the search page.
		do("search in simplified Chinese",
			chromedp.Navigate(base+"/search"),
			chromedp.SendKeys(chromedp.ID("q"), "卢卡申科"),
			chromedp.Submit(chromedp.ID("q")),
		)
		waitPath("/search")
		do("wait for results", chromedp.WaitVisible(chromedp.CSS(".results ol.articles")))
		if got := eval("read results", titles); !contains(got, seedTitle) {
			t.Errorf("%s: simplified search results %q lack the seed article", vp.name, got)
		}
		if marks := eval("read marks", `Array.from(document.querySelectorAll('.results mark')).map(m => m.textContent)`); len(marks) == 0 {
			t.Errorf("%s: no highlighted matches", vp.name)
		}
		noOverflow(t, bctx, vp.name+" search")
		shoot("search-" + vp.name)

		// Traditional Chinese, typed into the header box of the front page.
		do("search in traditional Chinese",
			chromedp.Navigate(base+"/"),
			chromedp.SendKeys(chromedp.CSS("form.search-box input[name=q]"), "盧卡申科"),
			chromedp.Submit(chromedp.CSS("form.search-box input[name=q]")),
		)
		waitPath("/search")
		do("wait for results", chromedp.WaitVisible(chromedp.CSS(".results ol.articles")))
		if got := eval("read results", titles); !contains(got, seedTitle) {
			t.Errorf("%s: traditional search results %q lack the seed article", vp.name, got)
		}

		// The article with an image: every image is ours and loads.
		do("open the image article", chromedp.Navigate(base+"/articles/"+itoa(imageArticle)), chromedp.WaitVisible(chromedp.CSS("article h1")))
		// Images are lazy: ask for them now and wait until each has loaded
		// or failed (or 10 s have passed).
		srcs, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`Promise.race([
			Promise.all(Array.from(document.images).map(i => {
				i.loading = 'eager';
				return i.complete ? null : new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); });
			})),
			new Promise(r => setTimeout(r, 10000)),
		]).then(() => Array.from(document.images).map(i => i.getAttribute('src') + ' ' + (i.complete && i.naturalWidth > 0)))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("read image sources: %v", err)
		}
		if len(srcs) == 0 {
			t.Errorf("%s: the image article shows no image", vp.name)
		}
		for _, s := range srcs {
			if !strings.HasPrefix(s, "/assets/") || !strings.HasSuffix(s, " true") {
				t.Errorf("%s: image %q is not one of our loaded copies", vp.name, s)
			}
		}
		noOverflow(t, bctx, vp.name+" image article")

		// The seed article, opened from the results by a click.
		do("open the seed article from the results",
			chromedp.Navigate(base+"/search?q="+url.QueryEscape("卢卡申科 普京密友")),
			chromedp.Click(chromedp.CSS(".results ol.articles a.title")),
		)
		waitPath("/articles/")
		do("wait for the article", chromedp.WaitVisible(chromedp.CSS("article .content")))
		if h := eval("read heading", `[document.querySelector('article h1').textContent]`); h[0] != seedTitle {
			t.Errorf("%s: article heading %q", vp.name, h[0])
		}
		remote := eval("find remote images", `Array.from(document.images).map(i => i.src).filter(s => !s.startsWith(location.origin + '/assets/'))`)
		if len(remote) > 0 {
			t.Errorf("%s: remote images on the seed article: %q", vp.name, remote)
		}
		noOverflow(t, bctx, vp.name+" seed article")
		shoot("article-" + vp.name)
	}

	// Dark mode follows the system setting (still at phone width).
	if _, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		t.Fatalf("emulate dark mode: %v", err)
	}
	do("open the image article in dark mode", chromedp.Navigate(base+"/articles/"+itoa(imageArticle)), chromedp.WaitVisible(chromedp.CSS("article h1")))
	if bg := eval("read the background", `[getComputedStyle(document.body).backgroundColor]`); bg[0] != "rgb(21, 22, 26)" {
		t.Errorf("dark mode background %q", bg[0])
	}
	shoot("article-phone-dark")

	// The add page needs a login: the browser is sent to the login form,
	// and comes back to /add once it has logged in there.
	do("open the add page", chromedp.Navigate(base+"/add"))
	waitPath("/login")
	do("log in",
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")),
	)
	waitPath("/add")
	do("wait for the add page", chromedp.WaitVisible(chromedp.ID("urls")))
	if got := eval("read the logout button", `Array.from(document.querySelectorAll('form.logout button')).map(b => b.textContent)`); len(got) != 1 {
		t.Errorf("no logout button after logging in: %q", got)
	}

	// The add-URL form (carrying the session's CSRF token) archives a page
	// and lands on it.
	do("submit a URL",
		chromedp.SendKeys(chromedp.ID("urls"), pages.URL+"/news/1.html"),
		chromedp.Submit(chromedp.ID("urls")),
	)
	waitPath("/articles/")
	do("wait for the archived article", chromedp.WaitVisible(chromedp.CSS("article h1")))
	if h := eval("read heading", `[document.querySelector('article h1').textContent, document.querySelector('dd.source').textContent]`); h[0] != "白俄罗斯总统访华 1" || h[1] != "Submitted URLs" {
		t.Errorf("archived article shows %q", h)
	}
	t.Logf("screenshots in %s", shots)
}

// noOverflow checks that the page is no wider than the viewport: nothing
// makes a phone scroll sideways.
func noOverflow(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if w[0] > w[1] {
		t.Errorf("%s: the page is %dpx wide in a %dpx viewport", what, w[0], w[1])
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

// startChromium starts one headless Chromium for a test, with a throw-away
// profile and the background chatter (updates, sync) off; extra options are
// added to those. The returned context drives its first tab.
// browserBudget bounds a browser test by the test binary's own deadline
// (go test -timeout), less a margin to report what was checked, rather than
// by a fixed wall-clock budget: on a loaded machine page loads are slower,
// and a slow run must not read as a failure.
func browserBudget(t *testing.T) (context.Context, context.CancelFunc) {
	deadline, ok := t.Deadline()
	if !ok {
		return context.WithCancel(t.Context())
	}
	return context.WithDeadline(t.Context(), deadline.Add(-30*time.Second))
}

func startChromium(t *testing.T, ctx context.Context, exec string, extra ...chromedp.ExecAllocatorOption) (context.Context, func()) {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exec),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	return bctx, func() {
		cancelBrowser()
		cancelAlloc()
	}
}
