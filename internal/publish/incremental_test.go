package publish

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/manifest"
	"github.com/newsvault/newsvault/internal/mirror"
	"github.com/newsvault/newsvault/internal/store"
)

// written is the set of files that differ between two snapshots (removed
// ones with a leading "-"), sorted.
func written(before, after map[string]string) []string {
	d := diffDirs(before, after)
	slices.Sort(d)
	return d
}

func TestSecondPublishWritesOnlyTheChangedArticlesAndTheirLists(t *testing.T) {
	ta, ids := smallArchive(t)
	key, err := manifest.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := ta.publisher()
	p.Key = key
	site := Target{Name: "site", Kind: KindSite, Dir: filepath.Join(t.TempDir(), "site"), BaseURL: "https://mirror.example.org/news/"}
	md := Target{Name: "md", Kind: KindMarkdown, Dir: filepath.Join(t.TempDir(), "md")}
	for _, tg := range []Target{site, md} {
		if _, err := p.Run(t.Context(), tg); err != nil {
			t.Fatal(err)
		}
	}
	beforeSite, beforeMD := snapshotDir(t, site.Dir), snapshotDir(t, md.Dir)
	voa, bbc := ta.sourceOf(ids[1]), ta.sourceOf(ids[0])

	// 10 new articles in one source (VOA) and 3 edits of its articles,
	// one of which keeps its title.
	var fresh []int64
	for i := 30; i < 40; i++ {
		fresh = append(fresh, ta.save(voa, fmt.Sprintf("https://news.example.com/%d.html", i), fmt.Sprintf("第%d篇：新文章", i), zhParagraphs(i), false))
	}
	edited := []int64{ids[4], ids[5], ids[7]}
	for n, i := range []int{4, 5, 7} {
		title := fmt.Sprintf("第%d篇：卢卡申科访华（更新）", i)
		if n == 2 {
			title = fmt.Sprintf("第%d篇：卢卡申科访华", i)
		}
		ta.save(voa, fmt.Sprintf("https://news.example.com/%d.html", i), title, zhParagraphs(i)+"<p>编者注：本文已更新。</p>", false)
	}
	changed := append(slices.Clone(fresh), edited...)

	rep, err := p.Run(t.Context(), site)
	if err != nil {
		t.Fatal(err)
	}
	// Every new and edited article's page and text, the delta index
	// (all its shards: the first delta) and its meta, VOA's list and
	// feeds, the day's list, the counts on index, sources and days, the
	// Edited page and feed, the feed of all articles, the manifest.
	var want []string
	for _, id := range changed {
		want = append(want, "a/"+strconv.FormatInt(id, 10)+".html", "search/t/"+strconv.FormatInt(id, 10)+".js")
	}
	for i := range deltaShards {
		want = append(want, "search/d/"+strconv.Itoa(i)+".js")
	}
	v := strconv.FormatInt(voa, 10)
	day := ta.clock.Add(-time.Hour).Format("2006-01-02")
	want = append(want, "search/meta.js", "index.html", "sources.html", "days.html", "d/"+day+".html", "s/"+v+".html",
		"edited.html", "feeds/edited.atom", "feeds/edited.json", "feeds/all.atom", "feeds/all.json",
		"feeds/source-"+v+".atom", "feeds/source-"+v+".json", manifest.ManifestName, manifest.SignatureName)
	slices.Sort(want)
	got := written(beforeSite, snapshotDir(t, site.Dir))
	if !slices.Equal(got, want) {
		t.Errorf("site files written:\n got %v\nwant %v", got, want)
	}
	if rep.Rendered != 13 || rep.Written != len(want) || rep.Removed != 0 {
		t.Errorf("site report: %d rendered, %d written, %d removed; want 13, %d, 0", rep.Rendered, rep.Written, rep.Removed, len(want))
	}
	gotReport := slices.Sorted(slices.Values(rep.WrittenFiles))
	if !slices.Equal(gotReport, want) {
		t.Errorf("the report names other files than were written: %v", gotReport)
	}
	for _, untouched := range []string{"s/" + strconv.FormatInt(bbc, 10) + ".html", "removed.html", "search/m/0.js", "style.css"} {
		if slices.Contains(got, untouched) {
			t.Errorf("%s rewritten", untouched)
		}
	}

	rep, err = p.Run(t.Context(), md)
	if err != nil {
		t.Fatal(err)
	}
	var wantMD []string
	for _, id := range changed {
		a, err := ta.st.Article(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		wantMD = append(wantMD, "articles/美国之音/"+mirror.FileName(a.ID, a.Title))
	}
	// Two edits changed the title, which renames the file.
	for _, i := range []int{4, 5} {
		wantMD = append(wantMD, "-articles/美国之音/"+mirror.FileName(ids[i], fmt.Sprintf("第%d篇：卢卡申科访华", i)))
	}
	wantMD = append(wantMD, "lists/美国之音.md", "README.md", manifest.ManifestName, manifest.SignatureName)
	slices.Sort(wantMD)
	if got := written(beforeMD, snapshotDir(t, md.Dir)); !slices.Equal(got, wantMD) {
		t.Errorf("markdown files written:\n got %v\nwant %v", got, wantMD)
	}
	if rep.Rendered != 13 || rep.Removed != 2 {
		t.Errorf("markdown report: %d rendered, %d removed; want 13 and 2", rep.Rendered, rep.Removed)
	}
	for _, tg := range []Target{site, md} {
		if vr, err := manifest.Verify(tg.Dir, key.Public()); err != nil || !vr.OK() {
			t.Errorf("%s after the increment: %v %v", tg.Name, vr, err)
		}
	}
}

// TestRemovalIsPublishedFromTheWatchStatus: a re-check that finds an
// article removed reaches the site (notice on its page, the Removed list
// and feed) and touches nothing else.
func TestRemovalIsPublishedFromTheWatchStatus(t *testing.T) {
	ta := newArchive(t)
	src := ta.source("法广")
	var ids []int64
	for i := range 5 {
		ta.clock = ta.clock.Add(time.Minute)
		html := ta.san.Sanitize(zhParagraphs(i), "")
		v := archive.Version{Title: fmt.Sprintf("报道%d", i), HTML: html, Text: content.Text(html), Sanitizer: content.SanitizerVersion, Published: ta.clock}
		v.Hash = archive.ContentHash(&v)
		res, err := ta.st.SaveArticle(t.Context(), &store.ArticleWrite{Article: archive.Article{URL: fmt.Sprintf("https://rfi.example/%d", i), SourceID: src},
			Version: v, SeenAt: ta.clock, Watch: &store.WatchStart{Next: ta.clock.Add(time.Hour)}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.ArticleID)
	}
	p := ta.publisher()
	site := Target{Name: "site", Kind: KindSite, Dir: filepath.Join(t.TempDir(), "site")}
	if _, err := p.Run(t.Context(), site); err != nil {
		t.Fatal(err)
	}
	before := snapshotDir(t, site.Dir)

	// Two checks: one finds article 1 alive (nothing to publish), one
	// finds article 2 removed.
	removedAt := ta.clock.Add(2 * time.Hour)
	for _, c := range []struct {
		id     int64
		status string
	}{{ids[1], "alive"}, {ids[2], "removed"}} {
		w, err := ta.st.WatchOf(t.Context(), c.id)
		if err != nil {
			t.Fatal(err)
		}
		if c.status != w.Status {
			w.Status, w.Since = c.status, removedAt
		}
		if _, err := ta.st.RecordCheck(t.Context(), &store.CheckWrite{ArticleID: c.id, PrevChecks: w.Checks, Watch: w,
			Check: store.Check{At: removedAt, Outcome: c.status}}); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := p.Run(t.Context(), site)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rendered != 1 {
		t.Errorf("%d articles rendered, want the removed one", rep.Rendered)
	}
	id := strconv.FormatInt(ids[2], 10)
	got := written(before, snapshotDir(t, site.Dir))
	want := []string{"a/" + id + ".html", "d/" + ta.clock.Format("2006-01-02") + ".html", "feeds/removed.atom", "feeds/removed.json",
		"index.html", "removed.html", "s/" + strconv.FormatInt(src, 10) + ".html"}
	if !slices.Equal(got, want) {
		t.Errorf("files written:\n got %v\nwant %v", got, want)
	}
	page, _ := os.ReadFile(filepath.Join(site.Dir, "a", id+".html"))
	list, _ := os.ReadFile(filepath.Join(site.Dir, "removed.html"))
	if !strings.Contains(string(page), removedAt.UTC().Format("2006-01-02")) || !strings.Contains(string(list), "报道2") {
		t.Errorf("the removal is not shown:\n%s\n%s", page, list)
	}
}

// TestMarkdownImagesAreInTheManifest: images the markdown mirror copies
// are listed in its signed manifest, so that verify accepts the copy.
func TestMarkdownImagesAreInTheManifest(t *testing.T) {
	ta := newArchive(t)
	src := ta.source("BBC中文")
	img := ta.image(pngBytes(3))
	ta.save(src, "https://bbc.example/1", "有图的报道", `<p>正文</p><img src="/assets/`+img.Asset.Hash+`">`, true, img)
	key, err := manifest.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := ta.publisher()
	p.Key = key
	md := Target{Name: "md", Kind: KindMarkdown, Dir: filepath.Join(t.TempDir(), "md")}
	rep, err := p.Run(t.Context(), md)
	if err != nil {
		t.Fatal(err)
	}
	name := "assets/" + img.Asset.Hash + ".png"
	if !slices.Contains(rep.WrittenFiles, name) {
		t.Errorf("the image is not among the files written: %v", rep.WrittenFiles)
	}
	vr, err := manifest.Verify(md.Dir, key.Public())
	if err != nil || !vr.OK() {
		t.Fatalf("verify: %v %v", vr, err)
	}
}

func TestASecondRunOfTheSameTargetWaitsItsTurn(t *testing.T) {
	ta, _ := smallArchive(t)
	site := Target{Name: "site", Kind: KindSite, Dir: filepath.Join(t.TempDir(), "site")}
	p := ta.publisher()
	// A run in progress: it has staged a file and holds the target.
	first, err := openTree(site.Dir, string(KindSite))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.put("index.html", []byte("half a run")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(t.Context(), site); !errors.Is(err, ErrBusy) {
		t.Fatalf("a second run while the first holds the target: %v, want ErrBusy", err)
	}
	if _, err := os.Stat(filepath.Join(site.Dir, metaDir, stagingDir, "index.html")); err != nil {
		t.Errorf("the second run touched the first one's staging: %v", err)
	}
	first.discard()
	if rep, err := p.Run(t.Context(), site); err != nil || rep.Rendered != 30 {
		t.Fatalf("after the first run ended: %+v %v", rep, err)
	}
}
