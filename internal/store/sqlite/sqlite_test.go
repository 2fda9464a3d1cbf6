package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "newsvault.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func write(url, title, html string, pub time.Time) *store.ArticleWrite {
	w := &store.ArticleWrite{
		Article: archive.Article{URL: url},
		Version: archive.Version{Title: title, HTML: html, Text: html, Published: pub},
	}
	w.Version.Hash = archive.ContentHash(&w.Version)
	return w
}

func TestChangedContentAddsAVersionAndKeepsTheOld(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	cst := time.FixedZone("CST", 8*3600)
	pub := time.Date(2023, 2, 28, 22, 12, 24, 0, cst)

	r1, err := s.SaveArticle(ctx, write("https://example.com/a", "标题", "<p>第一版</p>", pub))
	if err != nil {
		t.Fatal(err)
	}
	if !r1.NewArticle || !r1.NewVersion {
		t.Fatalf("first save: %+v", r1)
	}
	r2, err := s.SaveArticle(ctx, write("https://example.com/a", "标题", "<p>第一版</p>", pub))
	if err != nil {
		t.Fatal(err)
	}
	if r2.NewArticle || r2.NewVersion || r2.VersionID != r1.VersionID {
		t.Fatalf("unchanged save created something: %+v", r2)
	}
	r3, err := s.SaveArticle(ctx, write("https://example.com/a", "标题（更新）", "<p>第二版</p>", pub))
	if err != nil {
		t.Fatal(err)
	}
	if !r3.NewVersion || r3.ArticleID != r1.ArticleID {
		t.Fatalf("changed save: %+v", r3)
	}
	vs, err := s.Versions(ctx, r1.ArticleID)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].HTML != "<p>第一版</p>" || vs[1].HTML != "<p>第二版</p>" || vs[1].Seq != 2 {
		t.Fatalf("versions: %+v", vs)
	}
	a, err := s.Article(ctx, r1.ArticleID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "标题（更新）" || a.VersionCount != 2 {
		t.Errorf("article shows %q with %d versions", a.Title, a.VersionCount)
	}
	if !a.Published.Equal(pub) {
		t.Errorf("published %v, want %v", a.Published, pub)
	}
	if _, o := a.Published.Zone(); o != 8*3600 {
		t.Errorf("published lost its zone: offset %d", o)
	}
}

func TestAFailedWriteLeavesNothingBehind(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	w := write("https://example.com/broken", "t", "<p>x</p>", time.Time{})
	w.Capture = &archive.Capture{URL: "https://example.com/broken", Status: 200, FetchedAt: time.Now(), BodyHash: "ab"}
	w.Assets = []store.AssetRef{{Asset: archive.Asset{Hash: "h1", URL: "https://img/1"}, URL: "https://img/1"}}
	// A version row pointing at a capture that does not exist violates the
	// foreign key half-way through the transaction.
	w.Capture = nil
	w.CaptureID = 999999
	if _, err := s.SaveArticle(ctx, w); err == nil {
		t.Fatal("write with a dangling capture succeeded")
	}
	if _, err := s.ArticleByURL(ctx, "https://example.com/broken"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("half-written article is visible: %v", err)
	}
	st, _ := s.Stats(ctx)
	if st.Articles != 0 || st.Versions != 0 || st.Assets != 0 {
		t.Errorf("rows left after rollback: %+v", st)
	}
}

func TestAssetsAreSharedBetweenArticles(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	img := archive.Asset{Hash: "c0ffee", URL: "https://img.example.com/a.jpg", ContentType: "image/jpeg", Size: 10, FetchedAt: time.Now()}
	for _, u := range []string{"https://example.com/1", "https://example.com/2"} {
		w := write(u, u, "<img src=x>", time.Time{})
		w.Assets = []store.AssetRef{{Asset: img, URL: img.URL}}
		if _, err := s.SaveArticle(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := s.Stats(ctx)
	if st.Assets != 1 {
		t.Errorf("%d asset rows, want 1", st.Assets)
	}
	got, err := s.AssetByURL(ctx, img.URL)
	if err != nil || got.Hash != img.Hash {
		t.Fatalf("AssetByURL: %+v %v", got, err)
	}
}

func TestIdenticalCapturesAreStoredOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c := archive.Capture{URL: "https://example.com/feed", Status: 200, FetchedAt: time.Now(), BodyHash: "abc", Header: map[string][]string{"Etag": {`"1"`}}}
	id1, err := s.SaveCapture(ctx, &c)
	if err != nil {
		t.Fatal(err)
	}
	c2 := c
	id2, _ := s.SaveCapture(ctx, &c2)
	if id1 != id2 {
		t.Errorf("identical capture stored twice: %d, %d", id1, id2)
	}
	failed := archive.Capture{URL: c.URL, FetchedAt: time.Now(), Error: "connection refused"}
	id3, _ := s.SaveCapture(ctx, &failed)
	if id3 == id1 {
		t.Error("failed capture merged with a good one")
	}
	got, err := s.Capture(ctx, id1)
	if err != nil || got.Header["Etag"][0] != `"1"` {
		t.Fatalf("capture read back: %+v %v", got, err)
	}
	ok, _ := s.HasCapture(ctx, c.URL, "abc")
	if !ok {
		t.Error("HasCapture missed a stored capture")
	}
}

func TestSourcesCanBeAddedListedPolledAndRemoved(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	src := archive.Source{Kind: archive.KindFeed, FeedURL: "https://example.com/feed.xml", Title: "例子", Interval: time.Hour}
	if err := s.CreateSource(ctx, &src); err != nil {
		t.Fatal(err)
	}
	dup := src
	if err := s.CreateSource(ctx, &dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate feed: %v", err)
	}
	due, _ := s.DueSources(ctx, time.Now())
	if len(due) != 1 {
		t.Fatalf("a new feed should be due, got %d", len(due))
	}
	src.NextPollAt = time.Now().Add(time.Hour)
	src.LastStatus, src.LastError, src.ErrorCount = archive.PollError, "feed: not XML", 1
	if err := s.UpdateSource(ctx, &src); err != nil {
		t.Fatal(err)
	}
	due, _ = s.DueSources(ctx, time.Now())
	if len(due) != 0 {
		t.Errorf("feed polled in the future is due")
	}
	got, _ := s.Source(ctx, src.ID)
	if got.LastError != "feed: not XML" || got.ErrorCount != 1 || got.Interval != time.Hour {
		t.Errorf("source read back: %+v", got)
	}
	w := write("https://example.com/x", "x", "<p>x</p>", time.Time{})
	w.Article.SourceID = src.ID
	if _, err := s.SaveArticle(ctx, w); err != nil {
		t.Fatal(err)
	}
	list, _ := s.Sources(ctx)
	if len(list) != 1 || list[0].ArticleCount != 1 {
		t.Fatalf("sources: %+v", list)
	}
	if err := s.RemoveSource(ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	list, _ = s.Sources(ctx)
	if len(list) != 0 {
		t.Error("removed source still listed")
	}
	if _, err := s.ArticleByURL(ctx, "https://example.com/x"); err != nil {
		t.Errorf("removing a source lost its article: %v", err)
	}
	if err := s.CreateSource(ctx, &dup); err != nil || dup.ID != src.ID {
		t.Errorf("re-adding a removed feed: id %d, %v", dup.ID, err)
	}
}

func TestReopeningKeepsDataAndSchema(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	if _, err := s.SaveArticle(ctx, write("https://example.com/keep", "k", "<p>k</p>", time.Time{})); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.ArticleByURL(ctx, "https://example.com/keep"); err != nil {
		t.Fatal(err)
	}
}

func TestArticlesAreListedNewestFirstWithFilters(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	base := time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		if _, err := s.SaveArticle(ctx, write("https://example.com/"+string(rune('a'+i)), string(rune('a'+i)), "<p>x</p>", base.Add(time.Duration(i)*24*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	list, _ := s.Articles(ctx, store.ArticleFilter{Since: base.Add(48 * time.Hour), Limit: 2})
	if len(list) != 2 || list[0].Title != "e" || list[1].Title != "d" {
		t.Fatalf("list: %v", titles(list))
	}
	n, _ := s.CountArticles(ctx, store.ArticleFilter{Since: base.Add(48 * time.Hour)})
	if n != 3 {
		t.Errorf("count %d, want 3", n)
	}
	if list[0].HTML != "<p>x</p>" {
		t.Errorf("a full listing carries the content: %q", list[0].HTML)
	}
	bare, _ := s.Articles(ctx, store.ArticleFilter{Since: base.Add(48 * time.Hour), Limit: 2, NoContent: true})
	if len(bare) != 2 || bare[0].Title != "e" || bare[0].URL != list[0].URL || bare[0].HTML != "" || bare[0].Text != "" {
		t.Errorf("a listing without content: %+v", bare)
	}
}

func titles(as []archive.Article) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Title)
	}
	return out
}

// TestListingsNeedNoSortStep checks that the newest-first listings, all
// articles and one source's, walk an index in order: a sort step costs
// every page a scan of everything before its offset.
func TestListingsNeedNoSortStep(t *testing.T) {
	s, _ := openTest(t)
	for _, f := range []store.ArticleFilter{{}, {SourceID: 1}} {
		where, args := filterWhere(f)
		q := `EXPLAIN QUERY PLAN SELECT ` + articleCols + articleFrom + where + ` ORDER BY a.sort_at DESC, a.id DESC LIMIT 20 OFFSET 4000`
		rows, err := s.db.Query(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); strings.Contains(p, "TEMP B-TREE") || !strings.Contains(p, "articles_") {
			t.Errorf("filter %+v: plan %q sorts instead of walking an index", f, p)
		}
	}
}
