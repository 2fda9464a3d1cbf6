package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/store"
)

// feedServer serves RSS feeds set by the test at /<name>.xml.
type feedServer struct {
	base  string
	mu    sync.Mutex
	feeds map[string]string
}

func newFeedServer(t *testing.T) *feedServer {
	fs := &feedServer{feeds: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		body, ok := fs.feeds[r.URL.Path]
		fs.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	fs.base = "http://feeds.test:" + strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
	return fs
}

func (fs *feedServer) set(path, body string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.feeds[path] = body
}

// rss is a feed of items given as title, link and content.
func rss(items ...[3]string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>`)
	for _, it := range items {
		b.WriteString("<item><title>" + it[0] + "</title>")
		if it[1] != "" {
			b.WriteString("<link>" + it[1] + "</link>")
		}
		b.WriteString("<content:encoded><![CDATA[<p>" + it[2] + "</p>]]></content:encoded></item>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// TestAnotherFeedCannotRewriteAnArticle: a feed listing another source's
// article URL with its own words files them as its own article, never as
// a version of the other source's; and listing one link 5,000 times makes
// at most one version in a poll.
func TestAnotherFeedCannotRewriteAnArticle(t *testing.T) {
	ctx := context.Background()
	fs := newFeedServer(t)
	e := newEnv(t, Options{SkipImages: true})
	link := "https://origin.example/news/1.html"
	fs.set("/a.xml", rss([3]string{"原报道", link, "原来源的文字：市政府宣布新的交通计划。"}))
	var items [][3]string
	for i := range 5000 {
		items = append(items, [3]string{"伪造", link, fmt.Sprintf("另一来源塞进去的文字，第 %d 版。", i)})
	}
	fs.set("/b.xml", rss(items...))
	a := addFeed(t, e, fs.base+"/a.xml", archive.ModeFeed)
	b := addFeed(t, e, fs.base+"/b.xml", archive.ModeFeed)
	b.MaxItems = 10_000
	if err := e.store.UpdateSource(ctx, &b); err != nil {
		t.Fatal(err)
	}

	if r := e.pipe.Poll(ctx, a); r.Err != nil || r.NewArticles != 1 {
		t.Fatalf("poll a: %+v", r)
	}
	r := e.pipe.Poll(ctx, b)
	if r.Err != nil || r.ItemErrors != 0 {
		t.Fatalf("poll b: %+v", r)
	}
	if r.Repeats != 4999 || r.NewVersions != 1 {
		t.Errorf("poll b: %d repeats, %d new versions; want 4999 and 1", r.Repeats, r.NewVersions)
	}

	orig, err := e.store.ArticleByURL(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if orig.SourceID != a.ID || orig.VersionCount != 1 || !strings.Contains(orig.Text, "原来源的文字") || strings.Contains(orig.Text, "另一来源") {
		t.Errorf("the original article was changed: source %d (want %d), %d versions, text %q", orig.SourceID, a.ID, orig.VersionCount, orig.Text)
	}
	list, err := e.store.Articles(ctx, store.ArticleFilter{SourceID: b.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].VersionCount != 1 || !strings.Contains(list[0].Text, "另一来源") || list[0].OriginalURL != link {
		t.Fatalf("b's content is not one article of its own: %+v", list)
	}

	// Another poll of the same feed goes to b's own article again; and
	// the article's own page, whoever fetches it, still adds to a's.
	if r := e.pipe.Poll(ctx, b); r.NewArticles != 0 || r.Err != nil {
		t.Errorf("second poll of b: %+v", r)
	}
	if n, _ := e.store.CountArticles(ctx, store.ArticleFilter{}); n != 2 {
		t.Errorf("%d articles, want 2", n)
	}
}

// TestAPollArchivesAtMostMaxItems: a feed with more items than the cap
// archives the first ones and records the rest as skipped, on the result
// and on the source.
func TestAPollArchivesAtMostMaxItems(t *testing.T) {
	ctx := context.Background()
	fs := newFeedServer(t)
	e := newEnv(t, Options{SkipImages: true, MaxItems: 30})
	var items [][3]string
	for i := range 100 {
		items = append(items, [3]string{fmt.Sprintf("第%d条", i), fmt.Sprintf("https://many.example/%d", i), fmt.Sprintf("第 %d 条新闻的正文。", i)})
	}
	fs.set("/many.xml", rss(items...))
	src := addFeed(t, e, fs.base+"/many.xml", archive.ModeFeed)
	r := e.pipe.Poll(ctx, src)
	if r.Err != nil || r.Items != 30 || r.NewArticles != 30 || r.Skipped != 70 {
		t.Fatalf("poll: %+v", r)
	}
	if _, err := e.store.ArticleByURL(ctx, "https://many.example/29"); err != nil {
		t.Errorf("the 30th item was not archived: %v", err)
	}
	if _, err := e.store.ArticleByURL(ctx, "https://many.example/30"); err == nil {
		t.Error("the 31st item was archived")
	}
	got, _ := e.store.Source(ctx, src.ID)
	if got.LastItemsSkipped != 70 {
		t.Errorf("source records %d skipped, want 70", got.LastItemsSkipped)
	}
	// The source's own cap wins over the default.
	got.MaxItems = 100
	if err := e.store.UpdateSource(ctx, &got); err != nil {
		t.Fatal(err)
	}
	fs.set("/many.xml", rss(items...)+" ") // a new body, not a 304
	if r := e.pipe.Poll(ctx, got); r.Items != 100 || r.NewArticles != 70 || r.Skipped != 0 {
		t.Errorf("poll with the source's cap: %+v", r)
	}
}

// TestItemsWithoutLinksAreArchivedOnce: podcast-style items with no link
// and no usable GUID are archived from the feed's content under a stable
// identity; failed items are counted and their reasons recorded.
func TestItemsWithoutLinksAreArchivedOnce(t *testing.T) {
	ctx := context.Background()
	fs := newFeedServer(t)
	e := newEnv(t, Options{SkipImages: true})
	fs.set("/pod.xml", rss(
		[3]string{"第一集", "", "第一集的文字稿。"},
		[3]string{"第二集", "", "第二集的文字稿。"},
		[3]string{"坏的", "http://[::1", "链接坏了。"},
	))
	src := addFeed(t, e, fs.base+"/pod.xml", archive.ModeAuto)
	r := e.pipe.Poll(ctx, src)
	if r.Err != nil || r.NewArticles != 2 || r.ItemErrors != 1 || len(r.ItemFailures) != 1 || !r.Failed() {
		t.Fatalf("poll: %+v", r)
	}
	got, _ := e.store.Source(ctx, src.ID)
	if got.LastItemsFailed != 1 || len(got.LastItemErrors) != 1 || !strings.Contains(got.LastItemErrors[0], "坏的") {
		t.Errorf("source records failures %d %q", got.LastItemsFailed, got.LastItemErrors)
	}
	fs.set("/pod.xml", rss([3]string{"第一集", "", "第一集的文字稿。"}, [3]string{"第二集", "", "第二集的文字稿（更正）。"}))
	r = e.pipe.Poll(ctx, got)
	if r.NewArticles != 0 || r.NewVersions != 1 || r.Failed() {
		t.Errorf("re-poll: %+v", r)
	}
	list, _ := e.store.Articles(ctx, store.ArticleFilter{SourceID: src.ID})
	if len(list) != 2 {
		t.Fatalf("%d articles, want 2", len(list))
	}
	for _, a := range list {
		if !strings.HasPrefix(a.URL, "urn:newsvault:feed:") || !strings.Contains(a.Text, "文字稿") {
			t.Errorf("article %q: %q", a.URL, a.Text)
		}
	}
	got, _ = e.store.Source(ctx, src.ID)
	if got.LastItemsFailed != 0 || got.LastItemErrors != nil {
		t.Errorf("a clean poll left failures recorded: %d %q", got.LastItemsFailed, got.LastItemErrors)
	}
}

// TestTheRealPodcastFeedIsArchived: every item of the shared corpus's feed
// with no links is archived, once.
func TestTheRealPodcastFeedIsArchived(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(shareddata.Dir(t, "feeds"), "C4droid_rss__voa.xml"))
	if err != nil {
		t.Skipf("shared feed: %v", err)
	}
	ctx := context.Background()
	fs := newFeedServer(t)
	fs.set("/voa.xml", string(data))
	e := newEnv(t, Options{SkipImages: true})
	src := addFeed(t, e, fs.base+"/voa.xml", archive.ModeAuto)
	r := e.pipe.Poll(ctx, src)
	if r.Err != nil || r.Items != 48 || r.NewArticles != 48 || r.ItemErrors != 0 {
		t.Fatalf("poll: %+v", r)
	}
	fs.set("/voa.xml", string(data)+"\n")
	if r := e.pipe.Poll(ctx, src); r.NewArticles != 0 || r.NewVersions != 0 || r.ItemErrors != 0 {
		t.Errorf("re-poll: %+v", r)
	}
}
