package storecopy_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/store/pgtest"
	"github.com/newsvault/newsvault/internal/store/postgres"
	"github.com/newsvault/newsvault/internal/store/sqlite"
	"github.com/newsvault/newsvault/internal/storecopy"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var t0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// archiveFixture fills an embedded store and its blobs with a bit of
// everything: sources, articles with versions, captures and images, a
// check with its event, copies, a story, the password, a session and
// tokens.
func archiveFixture(t *testing.T, an *search.Analyzer) (*sqlite.Store, *blob.Store) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "newsvault.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	blobs, err := blob.Open(filepath.Join(dir, "blobs"), blob.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	src := archive.Source{Kind: archive.KindFeed, FeedURL: "https://news.example.cn/feed", Title: "新闻网", AllowPrivate: true, CreatedAt: t0}
	if err := s.CreateSource(ctx, &src); err != nil {
		t.Fatal(err)
	}
	topics := []string{"北京", "香港", "台湾", "上海", "新疆", "西藏"}
	var ids []int64
	for i := range 60 {
		body := []byte(fmt.Sprintf("<html>第%d篇</html>", i))
		bh, err := blobs.Put(t.Context(), body)
		if err != nil {
			t.Fatal(err)
		}
		img := []byte(fmt.Sprintf("PNG%d", i%7))
		ih, err := blobs.Put(t.Context(), img)
		if err != nil {
			t.Fatal(err)
		}
		u := fmt.Sprintf("https://news.example.cn/%d.html", i)
		v := archive.Version{Title: fmt.Sprintf("%s新闻第%d篇", topics[i%6], i), Text: fmt.Sprintf("%s今天发生了第%d件事。%s", topics[i%6], i, topics[(i+1)%6]),
			Published: t0.Add(time.Duration(i) * time.Hour).In(time.FixedZone("CST", 8*3600)), Language: "zh-CN"}
		v.Hash = archive.ContentHash(&v)
		doc := an.Index(v.Title, v.Text)
		w := &store.ArticleWrite{Article: archive.Article{URL: u, SourceID: src.ID}, Version: v, SeenAt: t0, Index: &doc,
			Capture: &archive.Capture{URL: u, Status: 200, Header: map[string][]string{"X": {"1"}}, FetchedAt: t0, BodyHash: bh, Size: int64(len(body))},
			Assets:  []store.AssetRef{{Asset: archive.Asset{Hash: ih, URL: fmt.Sprintf("https://img.example.cn/%d.png", i%7), Size: 4, FetchedAt: t0}, URL: "img.png"}},
			Watch:   &store.WatchStart{Next: t0.Add(time.Hour)}}
		r, err := s.SaveArticle(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ArticleID)
	}
	res, err := s.RecordCheck(ctx, &store.CheckWrite{ArticleID: ids[0], Capture: &archive.Capture{URL: "https://news.example.cn/0.html", Status: 404, FetchedAt: t0},
		Check: store.Check{At: t0, Outcome: "gone"}, Watch: store.Watch{Status: "removed", Since: t0, Removal: &store.Mark{At: t0, CaptureID: store.ThisCapture}},
		Events: []store.WatchEvent{{Kind: "removed", At: t0, Evidence: store.Mark{At: t0, CaptureID: store.ThisCapture}}}})
	if err != nil || res.CheckID == 0 {
		t.Fatal(err)
	}
	if err := s.SaveCopies(ctx, []store.CopiesWrite{{Fingerprint: store.Fingerprint{ArticleID: ids[1], VersionID: 2, Runes: 9, Sig: []uint32{7, 8}},
		Links: []store.CopyLink{{Article: ids[1], Of: ids[2], Kind: store.CopyNear, Jaccard: 0.75}}, Members: []int64{ids[1], ids[2]}, Original: ids[2],
		Aliases: []store.URLAlias{{Key: "k", ArticleID: ids[1], Certain: true}}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveStories(ctx, []store.Story{{ID: 5, Title: "故事", First: t0, Last: t0, Sources: 1, Members: ids[:3]}}, nil, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddStoryDecision(ctx, store.StoryDecision{Kind: "merge", A: []string{"a"}, At: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveStoryState(ctx, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(ctx, "admin", "argon-hash"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, store.Session{IDHash: "sess", User: "admin", CSRFToken: "c", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"ci", "bot"} {
		if err := s.CreateAPIToken(ctx, &store.APIToken{Name: n, Hash: "h-" + n, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	return s, blobs
}

// TestCopyResumesAndVerifies stops a copy half-way (the context is
// cancelled after a batch of versions), runs it again, and checks that
// the copy equals the source: every table's rows, the blobs, what search
// finds, and that new rows get new IDs.
func TestCopyResumesAndVerifies(t *testing.T) {
	ctx := context.Background()
	an, err := search.NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	src, srcBlobs := archiveFixture(t, an)
	dsn := pgtest.DSN(t)
	dst, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	dstBlobs, err := blob.Open(t.TempDir(), blob.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	opts := storecopy.Options{Batch: 7, Index: an.Index, BlobsFrom: srcBlobs, BlobsTo: dstBlobs}

	cut, cancel := context.WithCancel(ctx)
	half := opts
	half.AfterBatch = func(table string, rows int) {
		if table == "versions" {
			cancel()
		}
	}
	if _, err := storecopy.Copy(cut, src, dst, half); !errors.Is(err, context.Canceled) {
		t.Fatalf("cut copy: %v", err)
	}
	st, err := dst.Stats(ctx)
	if err != nil || st.Versions != 7 {
		t.Fatalf("after the cut: %+v, %v (want one batch of 7 versions)", st, err)
	}

	rep, err := storecopy.Copy(ctx, src, dst, opts)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if !rep.Equal() || len(rep.Tables) != len(storecopy.Tables) {
		t.Fatalf("report %+v", rep)
	}
	for _, tr := range rep.Tables {
		if tr.Table == "versions" && tr.Dest != 60 {
			t.Errorf("versions copied: %d", tr.Dest)
		}
	}
	if rep.Blobs.Copied+rep.Blobs.Present == 0 || rep.Blobs.MissingInSource != 0 {
		t.Errorf("blobs %+v", rep.Blobs)
	}
	// A third run copies nothing and verifies.
	again, err := storecopy.Copy(ctx, src, dst, opts)
	if err != nil || again.Copied != 0 || again.Blobs.Copied != 0 {
		t.Fatalf("third run: copied %d rows, %d blobs, %v", again.Copied, again.Blobs.Copied, err)
	}
	// Every blob the copy's rows name is in the destination.
	for i := range 60 {
		a, err := dst.ArticleByURL(ctx, fmt.Sprintf("https://news.example.cn/%d.html", i))
		if err != nil {
			t.Fatal(err)
		}
		c, err := dst.Capture(ctx, a.CaptureID)
		if err != nil {
			t.Fatal(err)
		}
		if has, err := dstBlobs.Has(ctx, c.BodyHash); !has || err != nil {
			t.Fatalf("capture %d blob %s not copied: %v", a.CaptureID, c.BodyHash, err)
		}
		want, _ := src.Article(ctx, a.ID)
		if want.Published.String() != a.Published.String() || want.Text != a.Text || want.VersionID != a.VersionID {
			t.Errorf("article %d differs:\n%+v\n%+v", a.ID, want, a)
		}
	}
	// Search finds the same articles on both sides.
	for _, q := range []string{"北京", "香港 -台湾", "第3", "今天发生", "新闻第1", "上海 新疆", "nothing"} {
		m := an.Parse(q, nil).Match
		sq := store.SearchQuery{Match: m, SortByDate: true, Limit: 100}
		a, na, err1 := src.Search(ctx, sq)
		b, nb, err2 := dst.Search(ctx, sq)
		if err1 != nil || err2 != nil || na != nb || !slices.Equal(hitIDs(a), hitIDs(b)) {
			t.Errorf("%q: source %v (%d), copy %v (%d), %v %v", q, hitIDs(a), na, hitIDs(b), nb, err1, err2)
		}
	}
	// The copy is a working store: sign-in data and new rows.
	if h, err := dst.PasswordHash(ctx, "admin"); err != nil || h != "argon-hash" {
		t.Errorf("password %q, %v", h, err)
	}
	if tok, err := dst.APITokenByHash(ctx, "h-bot"); err != nil || tok.Name != "bot" {
		t.Errorf("token %+v, %v", tok, err)
	}
	v := archive.Version{Title: "新的", Text: "新的文章"}
	v.Hash = archive.ContentHash(&v)
	r, err := dst.SaveArticle(ctx, &store.ArticleWrite{Article: archive.Article{URL: "https://news.example.cn/new"}, Version: v})
	if err != nil || r.ArticleID != 61 {
		t.Errorf("new article after the copy: %+v, %v", r, err)
	}
	if tok := (store.APIToken{Name: "new", Hash: "h-new"}); dst.CreateAPIToken(ctx, &tok) != nil || tok.ID != 3 {
		t.Errorf("new token after the copy: id %d", tok.ID)
	}
}

// TestCopyFindsDifferences changes a copied row behind the copy's back:
// the verification of the next run reports the table.
func TestCopyFindsDifferences(t *testing.T) {
	ctx := context.Background()
	an, err := search.NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	src, _ := archiveFixture(t, an)
	dst, err := postgres.Open(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := storecopy.Copy(ctx, src, dst, storecopy.Options{Index: an.Index}); err != nil {
		t.Fatal(err)
	}
	a, err := dst.Source(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	a.Title = "改过的"
	if err := dst.UpdateSource(ctx, &a); err != nil {
		t.Fatal(err)
	}
	rep, err := storecopy.Copy(ctx, src, dst, storecopy.Options{Index: an.Index})
	if !errors.Is(err, storecopy.ErrDiffers) {
		t.Fatalf("changed copy verified: %v", err)
	}
	for _, tr := range rep.Tables {
		if tr.Equal() == (tr.Table == "sources") {
			t.Errorf("%s: equal %v", tr.Table, tr.Equal())
		}
	}
}

func hitIDs(hits []store.SearchHit) []int64 {
	var out []int64
	for _, h := range hits {
		out = append(out, h.Article.ID)
	}
	return out
}
