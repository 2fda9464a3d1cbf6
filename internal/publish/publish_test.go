package publish

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// pngBytes is a small valid PNG, one colour per n.
func pngBytes(n byte) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{n * 20, 90, 160, 255}}, image.Point{}, draw.Src)
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func smallArchive(t *testing.T) (*testArchive, []int64) {
	ta := newArchive(t)
	voa, bbc := ta.source("美国之音"), ta.source("BBC中文")
	var ids []int64
	for i := range 30 {
		src := voa
		if i%3 == 0 {
			src = bbc
		}
		ids = append(ids, ta.save(src, fmt.Sprintf("https://news.example.com/%d.html", i), fmt.Sprintf("第%d篇：卢卡申科访华", i), zhParagraphs(i), false))
	}
	return ta, ids
}

func TestSiteAndMirrorPublishOnlyWhatChanged(t *testing.T) {
	ta, ids := smallArchive(t)
	p := ta.publisher()
	site := Target{Name: "site", Kind: KindSite, Dir: filepath.Join(t.TempDir(), "site"), BaseURL: "https://mirror.example.org/news/"}
	md := Target{Name: "md", Kind: KindMarkdown, Dir: filepath.Join(t.TempDir(), "md")}
	for _, tg := range []Target{site, md} {
		rep, err := p.Run(t.Context(), tg)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rendered != 30 || rep.Written == 0 {
			t.Fatalf("first run of %s: %+v", tg.Name, rep)
		}
		// A second run with nothing new writes nothing.
		rep, err = p.Run(t.Context(), tg)
		if err != nil || rep.Rendered != 0 || rep.Written != 0 {
			t.Fatalf("idle run of %s: %+v %v", tg.Name, rep, err)
		}
	}
	beforeSite, beforeMD := snapshotDir(t, site.Dir), snapshotDir(t, md.Dir)
	readme, err := os.ReadFile(filepath.Join(md.Dir, "README.md"))
	if err != nil || !strings.Contains(string(readme), "## [美国之音](lists/") || !strings.Contains(string(readme), "第29篇") {
		t.Fatalf("README.md: %v\n%s", err, readme)
	}

	// 10 new articles in one source and 3 edits.
	var fresh []int64
	for i := 30; i < 40; i++ {
		fresh = append(fresh, ta.save(ta.sourceOf(ids[1]), fmt.Sprintf("https://news.example.com/%d.html", i), fmt.Sprintf("第%d篇：新文章", i), zhParagraphs(i), false))
	}
	edited := []int{4, 5, 7}
	for _, i := range edited {
		ta.save(ta.sourceOf(ids[i]), fmt.Sprintf("https://news.example.com/%d.html", i), fmt.Sprintf("第%d篇：卢卡申科访华（更新）", i), zhParagraphs(i)+"<p>编者注：本文已更新。</p>", false)
	}
	rep, err := p.Run(t.Context(), site)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rendered != 13 {
		t.Errorf("second site run rendered %d articles, want 13", rep.Rendered)
	}
	changed := diffDirs(beforeSite, snapshotDir(t, site.Dir))
	if len(changed) != rep.Written {
		t.Errorf("report says %d files written, %d differ", rep.Written, len(changed))
	}
	pages := 0
	for _, f := range changed {
		if strings.HasPrefix(f, "a/") {
			pages++
			var id int64
			fmt.Sscanf(f, "a/%d.html", &id)
			if !slices.Contains(fresh, id) && !slices.Contains([]int64{ids[4], ids[5], ids[7]}, id) {
				t.Errorf("article page %s rewritten although the article did not change", f)
			}
		}
	}
	if pages != 13 {
		t.Errorf("%d article pages rewritten, want 13: %v", pages, changed)
	}
	for _, want := range []string{"index.html", "edited.html", "feeds/all.atom", "search/meta.js"} {
		if !slices.Contains(changed, want) {
			t.Errorf("%s not rewritten: %v", want, changed)
		}
	}
	if slices.Contains(changed, "removed.html") || slices.Contains(changed, "style.css") {
		t.Errorf("untouched pages rewritten: %v", changed)
	}
	t.Logf("incremental site run: %d files written (%d article pages): %v", rep.Written, pages, changed)
	page, _ := os.ReadFile(filepath.Join(site.Dir, "a", fmt.Sprint(ids[4])+".html"))
	if !strings.Contains(string(page), "第 1 版") || !strings.Contains(string(page), "编者注") {
		t.Errorf("the edited article's page lacks its versions:\n%s", page)
	}

	rep, err = p.Run(t.Context(), md)
	if err != nil {
		t.Fatal(err)
	}
	mdChanged := diffDirs(beforeMD, snapshotDir(t, md.Dir))
	articles := 0
	for _, f := range mdChanged {
		if strings.HasPrefix(f, "articles/") && !strings.HasPrefix(f, "-") {
			articles++
		}
	}
	// A changed title renames the file: the old one goes.
	if articles != 13 || rep.Removed != 3 {
		t.Errorf("markdown run: %d article files written, %d removed, want 13 and 3: %v", articles, rep.Removed, mdChanged)
	}
}

func (ta *testArchive) sourceOf(id int64) int64 {
	a, err := ta.st.Article(ta.t.(*testing.T).Context(), id)
	if err != nil {
		ta.t.Fatal(err)
	}
	return a.SourceID
}

func TestKilledRunLeavesTargetAsBeforeOrCompletesNextTime(t *testing.T) {
	ta, _ := smallArchive(t)
	p := ta.publisher()
	site := Target{Name: "site", Kind: KindSite, Dir: filepath.Join(t.TempDir(), "site")}
	if _, err := p.Run(t.Context(), site); err != nil {
		t.Fatal(err)
	}
	before := snapshotDir(t, site.Dir)
	src := ta.source("新来源")
	for i := range 10 {
		ta.save(src, fmt.Sprintf("https://new.example.com/%d", i), fmt.Sprintf("新文章%d", i), zhParagraphs(100+i), false)
	}

	// Killed while staging: the context ends before the commit.
	_, err := p.Run(cancelWhenStaging(t, p), site)
	p.onStage = nil
	if err == nil {
		t.Fatal("a cancelled run succeeded")
	}
	if d := diffDirs(before, snapshotDir(t, site.Dir)); len(d) > 0 {
		t.Fatalf("a run killed before its commit changed the target: %v", d)
	}

	// Killed in the middle of the commit: some files moved, not all.
	p.failAfter = 3
	if _, err := p.Run(t.Context(), site); !errors.Is(err, errKilled) {
		t.Fatalf("want the injected kill, got %v", err)
	}
	half := snapshotDir(t, site.Dir)
	if d := diffDirs(before, half); len(d) != 3 {
		t.Fatalf("the injected kill should leave 3 files moved, got %v", d)
	}
	// The next run completes the journal first, then finds nothing to do.
	p.failAfter = 0
	rep, err := p.Run(t.Context(), site)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rendered != 0 {
		t.Errorf("after completing the journal the run still rendered %d articles", rep.Rendered)
	}
	// The result is what one clean run writes.
	clean := Target{Name: "site", Kind: KindSite, Dir: filepath.Join(t.TempDir(), "clean")}
	if _, err := p.Run(t.Context(), clean); err != nil {
		t.Fatal(err)
	}
	// (The search index differs in layout: the clean run has one segment,
	// the incremental one a delta.)
	for _, f := range diffDirs(snapshotDir(t, clean.Dir), snapshotDir(t, site.Dir)) {
		if !strings.HasPrefix(strings.TrimPrefix(f, "-"), "search/") {
			t.Errorf("completed target differs from a clean publish in %s", f)
		}
	}
}

func TestForeignDirectoryIsRefused(t *testing.T) {
	ta, _ := smallArchive(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("someone else's site"), 0o644)
	for _, k := range []Kind{KindSite, KindMarkdown} {
		_, err := ta.publisher().Run(t.Context(), Target{Name: "x", Kind: k, Dir: dir})
		if !errors.Is(err, ErrNotOurs) {
			t.Errorf("%s into a foreign directory: %v", k, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "index.html")); string(b) != "someone else's site" {
		t.Error("the foreign file was overwritten")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files were added to a foreign directory: %v", ents)
	}
	// A target of one kind is not reused as another.
	site := filepath.Join(t.TempDir(), "s")
	if _, err := ta.publisher().Run(t.Context(), Target{Name: "s", Kind: KindSite, Dir: site}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.publisher().Run(t.Context(), Target{Name: "s", Kind: KindMarkdown, Dir: site}); err == nil {
		t.Error("a site target was reused as a markdown target")
	}
}

func TestHostileContentIsSanitizedInTheSite(t *testing.T) {
	ta := newArchive(t)
	src := ta.source("恶意")
	hostile := `<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/">` +
		`<script>alert(1)</script><p onclick="alert(2)">正文<img src="x" onerror="alert(3)">` +
		`<a href="javascript:alert(4)">点我</a><a href="https://ok.example/">正常链接</a></p>` +
		`<iframe src="https://evil.example/"></iframe><svg onload="alert(5)"></svg><img src="https://tracker.example/p.gif">`
	// Stored without our sanitizer's mark, as a row from an old version
	// would be: the site must sanitize it as the server does.
	id := ta.save(src, "https://evil.example/a", "恶意文章<script>", hostile, true)
	dir := filepath.Join(t.TempDir(), "site")
	if _, err := ta.publisher().Run(t.Context(), Target{Name: "site", Kind: KindSite, Dir: dir, BaseURL: "https://m.example/"}); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "a", fmt.Sprint(id)+".html"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ToLower(string(page))
	for _, bad := range []string{"<script>alert", "onclick", "onerror", "onload", "javascript:", "<base", "http-equiv=\"refresh\"", "<iframe", "tracker.example", "<svg"} {
		if strings.Contains(s, bad) {
			t.Errorf("article page contains %q", bad)
		}
	}
	// The embed survives only as a link to what it embedded, never as a
	// frame (content.Sanitizer turns iframe/video/audio into links).
	if !strings.Contains(s, `<a href="https://evil.example/"`) || !strings.Contains(s, "embedded page") {
		t.Error("the iframe did not become a plain link to the page it embedded")
	}
	if !strings.Contains(s, "https://ok.example/") || !strings.Contains(s, "正文") {
		t.Error("sanitizing lost the article's text or its safe link")
	}
	if !strings.Contains(string(page), `http-equiv="Content-Security-Policy" content="`+strings.ReplaceAll(SiteCSP, "'", "&#39;")) {
		t.Errorf("no CSP meta tag:\n%.600s", page)
	}
	for _, f := range []string{"feeds/all.atom", "feeds/all.json"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if l := strings.ToLower(string(b)); strings.Contains(l, "onclick") || strings.Contains(l, "javascript:") || strings.Contains(l, "&lt;script&gt;alert") {
			t.Errorf("%s carries hostile content", f)
		}
	}
}

func TestFeedsReadBackWithGofeed(t *testing.T) {
	ta := newArchive(t)
	src := ta.source("美国之音")
	img := ta.image(pngBytes(7))
	id := ta.save(src, "https://voa.example/1", "卢卡申科抵达北京", `<p>正文</p><img src="/assets/`+img.Asset.Hash+`" data-original-src="`+img.URL+`">`, true, img)
	for i := range 3 {
		ta.save(src, fmt.Sprintf("https://voa.example/x%d", i), fmt.Sprintf("其他%d", i), "<p>别的</p>", false)
	}
	ta.save(src, "https://voa.example/x0", "其他0（改）", "<p>别的，改了</p>", false)
	dir := filepath.Join(t.TempDir(), "site")
	if _, err := ta.publisher().Run(t.Context(), Target{Name: "site", Kind: KindSite, Dir: dir, BaseURL: "https://mirror.example.org/news"}); err != nil {
		t.Fatal(err)
	}
	fp := gofeed.NewParser()
	for _, f := range []string{"all.atom", "all.json", fmt.Sprintf("source-%d.atom", src), fmt.Sprintf("source-%d.json", src), "edited.atom", "edited.json", "removed.atom", "removed.json"} {
		b, err := os.ReadFile(filepath.Join(dir, "feeds", f))
		if err != nil {
			t.Fatal(err)
		}
		feed, err := fp.ParseString(string(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		switch {
		case strings.HasPrefix(f, "edited"):
			if len(feed.Items) != 1 || feed.Items[0].Title != "其他0（改）" {
				t.Errorf("%s: %d items", f, len(feed.Items))
			}
		case strings.HasPrefix(f, "removed"):
			if len(feed.Items) != 0 {
				t.Errorf("%s: %d items without any watch status", f, len(feed.Items))
			}
		default:
			if len(feed.Items) != 4 {
				t.Fatalf("%s: %d items, want 4", f, len(feed.Items))
			}
			var it *gofeed.Item
			for _, x := range feed.Items {
				if x.Title == "卢卡申科抵达北京" {
					it = x
				}
			}
			if it == nil {
				t.Fatalf("%s: article missing", f)
			}
			want := "https://mirror.example.org/news/assets/" + img.Asset.Hash + ".png"
			if !strings.Contains(it.Content, want) {
				t.Errorf("%s: content lacks the absolute image link %s: %s", f, want, it.Content)
			}
			if it.Link != fmt.Sprintf("https://mirror.example.org/news/a/%d.html", id) {
				t.Errorf("%s: link %q", f, it.Link)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "assets", img.Asset.Hash+".png")); err != nil {
		t.Errorf("the image was not copied into the site: %v", err)
	}
}

func TestAutoPublishesAfterKicksAtMostOncePerInterval(t *testing.T) {
	ta, _ := smallArchive(t)
	tick := make(chan time.Time)
	rounds := make(chan []Report)
	a := NewAuto(ta.publisher(), []Target{{Name: "s", Kind: KindSite, Dir: filepath.Join(t.TempDir(), "s")}}, time.Hour)
	a.After = func(d time.Duration) <-chan time.Time {
		if d != time.Hour {
			t.Errorf("waited %v, want the interval", d)
		}
		return tick
	}
	a.Done = func(r []Report, err error) {
		if err != nil {
			t.Error(err)
		}
		rounds <- r
	}
	go a.Run(t.Context())
	a.Kick()
	if r := <-rounds; r[0].Rendered != 30 {
		t.Fatalf("first round: %+v", r)
	}
	// Kicks during the interval fold into one run, after it.
	for range 5 {
		a.Kick()
	}
	ta.save(ta.source("新"), "https://n.example/1", "新文章", "<p>新</p>", false)
	select {
	case r := <-rounds:
		t.Fatalf("ran before the interval passed: %+v", r)
	default:
	}
	tick <- time.Now()
	if r := <-rounds; r[0].Rendered != 1 {
		t.Fatalf("second round: %+v", r)
	}
	select {
	case r := <-rounds:
		t.Fatalf("a third round without a kick: %+v", r)
	default:
	}
}
