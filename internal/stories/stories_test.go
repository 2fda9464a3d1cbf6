package stories_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/store/sqlite"
	"github.com/newsvault/newsvault/internal/stories"
	"github.com/newsvault/newsvault/internal/zh"
)

type env struct {
	dir  string
	st   *sqlite.Store
	svc  *stories.Service
	pipe *pipeline.Pipeline
	fold func(string) string
}

var (
	foldOnce sync.Once
	folder   *zh.Folder
)

func fold(t testing.TB) func(string) string {
	foldOnce.Do(func() {
		var err error
		if folder, err = zh.NewFolder(); err != nil {
			t.Fatal(err)
		}
	})
	return folder.String
}

// open wires a real store, the service and a pipeline over dir.
func open(t testing.TB, dir string) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "newsvault.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := blob.Open(filepath.Join(dir, "blobs"), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := stories.Open(ctx, st, fold(t), stories.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client := fetch.New(fetch.Config{AllowPrivate: true, HostRate: -1, Retries: -1, Timeout: 10 * time.Second})
	p := pipeline.New(st, blobs, client, extract.New(extract.Options{}), nil, pipeline.Options{Related: svc, SkipImages: true})
	return &env{dir: dir, st: st, svc: svc, pipe: p, fold: fold(t)}
}

// importMirror imports the hand-written mirror files: one article in three
// copies (RFA, a China Digital Times repost with a header, a
// traditional-script Hong Kong copy), an unrelated article and two photo
// captions.
func importMirror(t *testing.T, e *env) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	rep, err := e.pipe.Import(ctx, []string{"testdata/mirror"}, pipeline.ImportOptions{})
	if err != nil || len(rep.Failed) > 0 {
		t.Fatalf("import: %v %v", err, rep.Failed)
	}
	ids := map[string]int64{}
	for name, u := range map[string]string{
		"rfa": "https://www.rfa.test/news/2024/07/flood.html", "cdt": "https://chinadigitaltimes.test/2024/07/flood-rfa/",
		"hk": "https://news.hk.test/article/20240724/flood", "voa": "https://www.voa.test/a/budget-debate/123.html",
		"pic": "https://photo.test/p/1", "pic2": "https://photo.test/p/2",
	} {
		a, err := e.st.ArticleByURL(ctx, u)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ids[name] = a.ID
	}
	return ids
}

func TestImportFindsCopiesAndStories(t *testing.T) {
	ctx := context.Background()
	e := open(t, t.TempDir())
	ids := importMirror(t, e)

	g, err := e.svc.Copies(ctx, ids["rfa"])
	if err != nil {
		t.Fatal(err)
	}
	var members []int64
	for _, m := range g.Members {
		members = append(members, m.Article.ID)
	}
	slices.Sort(members)
	want := []int64{ids["rfa"], ids["cdt"], ids["hk"]}
	slices.Sort(want)
	if !slices.Equal(members, want) || g.Original != ids["rfa"] {
		t.Fatalf("copy group %v original %d; want %v original rfa %d", members, g.Original, want, ids["rfa"])
	}
	for _, m := range g.Members {
		switch m.Article.ID {
		case ids["cdt"]:
			if m.Link == nil || m.Link.Kind != store.CopyNear || !slices.Contains(m.Link.Differs, "header") || !slices.Contains(m.Link.Differs, "title") {
				t.Errorf("repost link %+v: want a near copy with a header and another title", m.Link)
			}
		case ids["hk"]:
			if m.Link == nil || !slices.Contains(m.Link.Differs, "script") || m.Link.Jaccard < 0.9 {
				t.Errorf("traditional copy link %+v: want the script named and a high similarity once folded", m.Link)
			}
		}
	}
	// Nothing is merged away: every copy keeps its own article and version.
	for _, n := range []string{"rfa", "cdt", "hk"} {
		if vs, err := e.st.Versions(ctx, ids[n]); err != nil || len(vs) != 1 {
			t.Errorf("%s versions %d, %v", n, len(vs), err)
		}
	}
	for _, n := range []string{"voa", "pic", "pic2"} {
		if _, err := e.svc.Copies(ctx, ids[n]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s has copies (%v); want none (unrelated, or too short to compare)", n, err)
		}
	}

	st, ms, err := e.svc.StoryOf(ctx, ids["rfa"])
	if err != nil {
		t.Fatal(err)
	}
	inStory := map[int64]bool{}
	for _, m := range ms {
		inStory[m.Article.ID] = true
	}
	if !inStory[ids["cdt"]] || !inStory[ids["hk"]] || inStory[ids["voa"]] || inStory[ids["pic"]] {
		t.Fatalf("story %+v members %v: want the three copies without the unrelated article or the photo", st, inStory)
	}
	if ms[0].Article.ID != ids["rfa"] || st.Sources != 3 {
		t.Errorf("story timeline starts with %d (want rfa %d), %d outlets (want 3)", ms[0].Article.ID, ids["rfa"], st.Sources)
	}
	p1, _, _ := e.svc.StoryOf(ctx, ids["pic"])
	p2, _, _ := e.svc.StoryOf(ctx, ids["pic2"])
	if p1.ID == p2.ID || p1.Size != 1 {
		t.Errorf("photo captions share story %d (size %d); near-empty articles must join nothing", p1.ID, p1.Size)
	}
}

func TestManualSplitSurvivesRestoryAndReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := open(t, dir)
	ids := importMirror(t, e)
	st, _, err := e.svc.StoryOf(ctx, ids["rfa"])
	if err != nil {
		t.Fatal(err)
	}
	newID, err := e.svc.Split(ctx, st.ID, []int64{ids["hk"]})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Split(ctx, st.ID, []int64{ids["voa"]}); err == nil || !errors.Is(err, stories.ErrBadDecision) {
		t.Errorf("split with a non-member: %v, want ErrBadDecision", err)
	}
	if s, _, _ := e.svc.StoryOf(ctx, ids["hk"]); s.ID != newID {
		t.Fatalf("hk in story %d after split, want %d", s.ID, newID)
	}
	done := 0
	if err := e.svc.Restory(ctx, func(n int) { done = n }); err != nil {
		t.Fatal(err)
	}
	if done != 6 {
		t.Errorf("restory progress ended at %d, want 6", done)
	}
	check := func(when string, svc *stories.Service) {
		a, _, _ := svc.StoryOf(ctx, ids["rfa"])
		b, _, _ := svc.StoryOf(ctx, ids["hk"])
		c, _, _ := svc.StoryOf(ctx, ids["cdt"])
		if a.ID == b.ID || a.ID != c.ID {
			t.Errorf("%s: rfa %d hk %d cdt %d; want hk apart (manual split) and cdt with rfa", when, a.ID, b.ID, c.ID)
		}
	}
	check("after restory", e.svc)
	if err := e.svc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	e.st.Close()
	e2 := open(t, dir)
	check("after reopening", e2.svc)
	// Detach and merge also hold.
	if _, err := e2.svc.Detach(ctx, ids["cdt"]); err != nil {
		t.Fatal(err)
	}
	a, _, _ := e2.svc.StoryOf(ctx, ids["rfa"])
	v, _, _ := e2.svc.StoryOf(ctx, ids["voa"])
	if err := e2.svc.Merge(ctx, a.ID, v.ID); err != nil {
		t.Fatal(err)
	}
	if err := e2.svc.Restory(ctx, nil); err != nil {
		t.Fatal(err)
	}
	a, _, _ = e2.svc.StoryOf(ctx, ids["rfa"])
	v, _, _ = e2.svc.StoryOf(ctx, ids["voa"])
	c, _, _ := e2.svc.StoryOf(ctx, ids["cdt"])
	if a.ID != v.ID || c.ID == a.ID || c.Size != 1 {
		t.Errorf("after restory: rfa %d voa %d cdt %d (size %d); want rfa+voa merged, cdt alone", a.ID, v.ID, c.ID, c.Size)
	}
}

func TestReopenRebuildsIndexFromSignatures(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := open(t, dir)
	ids := importMirror(t, e)
	e.st.Close()
	e2 := open(t, dir)
	// A fourth copy arriving after a restart is found through the index
	// rebuilt from stored signatures.
	in := t.TempDir()
	b, err := os.ReadFile("testdata/mirror/rfa/flood.md")
	if err != nil {
		t.Fatal(err)
	}
	copy4 := strings.Replace(string(b), "https://www.rfa.test/news/2024/07/flood.html", "https://boxun.test/news/flood.shtml", 1)
	os.MkdirAll(filepath.Join(in, "boxun"), 0o755)
	os.WriteFile(filepath.Join(in, "boxun", "flood.md"), []byte(copy4), 0o644)
	if rep, err := e2.pipe.Import(ctx, []string{in}, pipeline.ImportOptions{}); err != nil || rep.NewArticles != 1 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	a, _ := e2.st.ArticleByURL(ctx, "https://boxun.test/news/flood.shtml")
	g, err := e2.svc.Copies(ctx, a.ID)
	if err != nil || len(g.Members) != 4 || g.Original != ids["rfa"] {
		t.Fatalf("copies of the copy after reopening: %+v %v; want 4 members, original rfa", g, err)
	}
	for _, m := range g.Members {
		if m.Article.ID == a.ID && (m.Link == nil || m.Link.Kind != store.CopyExact) {
			t.Errorf("identical copy link %+v, want exact", m.Link)
		}
	}
}

const page = `<!doctype html><html><head><title>%s</title><link rel="canonical" href="%s"></head><body><article><h1>%s</h1>%s</article></body></html>`

func TestSameArticleArchivedTwiceAtOnceEndsInOneGroup(t *testing.T) {
	ctx := context.Background()
	e := open(t, t.TempDir())
	b, _ := os.ReadFile("testdata/mirror/rfa/flood.md")
	body := string(b)[strings.Index(string(b), "<p>"):]
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, p := range []string{"/feed1/a.html", "/feed2/a.html"} {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, page, "江城暴雨", srv.URL+r.URL.Path, "江城暴雨致地铁全线停运", body)
		})
	}
	var wg sync.WaitGroup
	outs := make([]pipeline.Outcome, 4)
	for i := range outs {
		wg.Go(func() {
			var err error
			if outs[i], err = e.pipe.ArchiveURL(ctx, srv.URL+[]string{"/feed1/a.html", "/feed2/a.html"}[i%2], nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	g, err := e.svc.Copies(ctx, outs[0].ArticleID)
	if err != nil || len(g.Members) != 2 {
		t.Fatalf("group %+v, %v; want one group of the two URLs", g, err)
	}
	s1, _, _ := e.svc.StoryOf(ctx, outs[0].ArticleID)
	s2, _, _ := e.svc.StoryOf(ctx, outs[1].ArticleID)
	if s1.ID != s2.ID {
		t.Errorf("copies in stories %d and %d", s1.ID, s2.ID)
	}
}

func TestMobileURLResolvesToTheArticle(t *testing.T) {
	ctx := context.Background()
	e := open(t, t.TempDir())
	b, _ := os.ReadFile("testdata/mirror/rfa/flood.md")
	body := string(b)[strings.Index(string(b), "<p>"):]
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	// localhost and 127.0.0.1 are one site to URLKey only through the
	// canonical: the "mobile" page declares the desktop URL as canonical.
	desktop := srv.URL + "/news/a.html"
	mux.HandleFunc("/news/a.html", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, page, "江城暴雨", desktop, "江城暴雨", body)
	})
	mux.HandleFunc("/amp/news/a.html", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, page, "江城暴雨", "", "江城暴雨", body+"<p>AMP 版</p>")
	})
	o1, err := e.pipe.ArchiveURL(ctx, desktop, nil)
	if err != nil {
		t.Fatal(err)
	}
	o2, err := e.pipe.ArchiveURL(ctx, srv.URL+"/amp/news/a.html", nil)
	if err != nil {
		t.Fatal(err)
	}
	if o1.ArticleID != o2.ArticleID {
		t.Errorf("AMP variant became article %d, want the desktop article %d", o2.ArticleID, o1.ArticleID)
	}
}

// TestOpenCatchesUpWithArticlesStoredWithoutIt: articles stored before the
// service existed (or while it was not told) get their copies and stories
// when it opens.
func TestOpenCatchesUpWithArticlesStoredWithoutIt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "newsvault.db"))
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.Open(filepath.Join(dir, "blobs"), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.New(st, blobs, nil, nil, nil, pipeline.Options{SkipImages: true}).Import(ctx, []string{"testdata/mirror"}, pipeline.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if ss, n, _ := st.Stories(ctx, 1, 10, 0); n != 0 {
		t.Fatalf("stories before the service opened: %v", ss)
	}
	st.Close()
	e := open(t, dir)
	rfa, _ := e.st.ArticleByURL(ctx, "https://www.rfa.test/news/2024/07/flood.html")
	if g, err := e.svc.Copies(ctx, rfa.ID); err != nil || len(g.Members) != 3 {
		t.Errorf("copies after catching up: %+v %v", g, err)
	}
	if s, _, err := e.svc.StoryOf(ctx, rfa.ID); err != nil || s.Size != 3 {
		t.Errorf("story after catching up: %+v %v", s, err)
	}
}
