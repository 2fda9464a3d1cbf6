package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

func testArticles(t *testing.T, s Store) {
	ctx := context.Background()
	cst := time.FixedZone("+08:00", 8*3600)
	pub := time.Date(2024, 2, 29, 21, 30, 0, 0, cst)
	w := write(url(1), "北京的春天", "今天北京下雪了。", pub)
	w.Article.OriginalURL = url(1) + "?utm_source=x"
	w.Capture = &archive.Capture{URL: url(1), Status: 200, Header: map[string][]string{"Content-Type": {"text/html"}},
		ContentType: "text/html", FetchedAt: t0, BodyHash: "aa01", Size: 10}
	r1 := save(t, s, w)
	if !r1.NewArticle || !r1.NewVersion || r1.ArticleID == 0 || r1.VersionID == 0 || r1.CaptureID == 0 || r1.URL != url(1) {
		t.Fatalf("first write: %+v", r1)
	}
	// The same content again moves only "last seen".
	again := write(url(1), "北京的春天", "今天北京下雪了。", pub)
	again.SeenAt = t0.Add(time.Hour)
	r2 := save(t, s, again)
	if r2.NewArticle || r2.NewVersion || r2.VersionID != r1.VersionID {
		t.Fatalf("same content: %+v", r2)
	}
	// New content is version 2; an undated version keeps the article's date.
	edit := write(url(1), "北京的春天（更新）", "今天北京下雪了，交通受阻。", time.Time{})
	edit.SeenAt = t0.Add(2 * time.Hour)
	r3 := save(t, s, edit)
	if !r3.NewVersion || r3.VersionID == r1.VersionID {
		t.Fatalf("edit: %+v", r3)
	}
	a := must(s.Article(ctx, r1.ArticleID))(t)
	if a.Title != "北京的春天（更新）" || a.VersionCount != 2 || a.VersionID != r3.VersionID || a.OriginalURL != w.Article.OriginalURL {
		t.Errorf("article after edit: %+v", a)
	}
	if !a.FirstSeenAt.Equal(t0) || !a.LastSeenAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("seen %v – %v", a.FirstSeenAt, a.LastSeenAt)
	}
	vs := must(s.Versions(ctx, r1.ArticleID))(t)
	if len(vs) != 2 || vs[0].Seq != 1 || vs[1].Seq != 2 || vs[0].Hash != w.Version.Hash || vs[0].CaptureID != r1.CaptureID {
		t.Fatalf("versions: %+v", vs)
	}
	// The published time comes back as the same instant in its own zone.
	if !vs[0].Published.Equal(pub) || vs[0].Published.Format("-07:00") != "+08:00" {
		t.Errorf("published %v, want %v", vs[0].Published, pub)
	}
	if !vs[0].LastSeenAt.Equal(t0.Add(time.Hour)) || !vs[1].CreatedAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("version times: %v %v", vs[0].LastSeenAt, vs[1].CreatedAt)
	}
	if h := must(s.LatestHash(ctx, url(1)))(t); h != edit.Version.Hash {
		t.Errorf("latest hash %s", h)
	}
	byURL := must(s.ArticleByURL(ctx, url(1)))(t)
	if byURL.ID != a.ID || byURL.Text != "今天北京下雪了，交通受阻。" {
		t.Errorf("by URL: %+v", byURL)
	}
	for _, err := range []error{
		second(s.Article(ctx, 999999)), second(s.ArticleByURL(ctx, url(999))), second(s.LatestHash(ctx, url(999))),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing article: %v, want ErrNotFound", err)
		}
	}
	st := must(s.Stats(ctx))(t)
	if st.Articles != 1 || st.Versions != 2 || st.Captures != 1 {
		t.Errorf("stats %+v", st)
	}
	if err := s.Ping(ctx); err != nil {
		t.Error(err)
	}
	if _, err := s.SaveArticle(ctx, &store.ArticleWrite{Article: archive.Article{URL: url(2)}}); err == nil {
		t.Error("a write without a content hash was accepted")
	}
}

func second[T any](_ T, err error) error { return err }

// testOwners: a source's content goes to another source's article only
// from that article's own page; otherwise to the copy URL.
func testOwners(t *testing.T, s Store) {
	ctx := context.Background()
	a, b := newSource(t, s, "https://a.example/feed"), newSource(t, s, "https://b.example/feed")
	w := write(url(1), "甲", "甲的文字", t0)
	w.Article.SourceID = a.ID
	first := save(t, s, w)
	other := write(url(1), "乙", "乙的文字", t0)
	other.Article.SourceID = b.ID
	if _, err := s.SaveArticle(ctx, other); !errors.Is(err, store.ErrNotOwner) {
		t.Fatalf("another source's write without a copy URL: %v", err)
	}
	other.CopyURL = "urn:copy:b:1"
	r := save(t, s, other)
	if !r.Copy || r.URL != "urn:copy:b:1" || r.ArticleID == first.ArticleID {
		t.Errorf("copy write: %+v", r)
	}
	page := write(url(1), "甲（页面）", "页面的文字", t0)
	page.Article.SourceID = b.ID
	page.FromOwnURL = true
	if r := save(t, s, page); r.Copy || r.ArticleID != first.ArticleID || !r.NewVersion {
		t.Errorf("own-URL write: %+v", r)
	}
}

// testAtomicBatch: a batch with one bad write leaves nothing behind.
func testAtomicBatch(t *testing.T, s Store) {
	ctx := context.Background()
	good := write(url(1), "好", "好的", t0)
	bad := &store.ArticleWrite{Article: archive.Article{URL: url(2)}, Version: archive.Version{Title: "坏"}}
	if _, err := s.SaveArticles(ctx, []*store.ArticleWrite{good, bad}); err == nil {
		t.Fatal("a batch with a bad write succeeded")
	}
	if n := must(s.CountArticles(ctx, store.ArticleFilter{}))(t); n != 0 {
		t.Errorf("%d articles after a failed batch", n)
	}
	res := must(s.SaveArticles(ctx, []*store.ArticleWrite{write(url(1), "一", "一", t0), write(url(2), "二", "二", t0), write(url(1), "一改", "一改", t0)}))(t)
	if len(res) != 3 || !res[0].NewArticle || res[2].NewArticle || res[2].ArticleID != res[0].ArticleID || !res[2].NewVersion {
		t.Errorf("batch results %+v", res)
	}
}

func testCaptures(t *testing.T, s Store) {
	ctx := context.Background()
	c := &archive.Capture{URL: url(1), FinalURL: url(1) + "?final", Status: 200, Header: map[string][]string{"Etag": {`"x"`}},
		ContentType: "text/html; charset=gbk", FetchedAt: t0, BodyHash: "b1", Size: 1234,
		Redirects: []archive.Redirect{{URL: url(1), Status: 301, Location: url(1) + "?final"}}, RemoteAddr: "127.0.0.1:80"}
	id := must(s.SaveCapture(ctx, c))(t)
	// An equal successful capture is stored once; a failed one always.
	dup := *c
	dup.FetchedAt = t0.Add(time.Minute)
	if id2 := must(s.SaveCapture(ctx, &dup))(t); id2 != id {
		t.Errorf("equal capture stored twice: %d, %d", id, id2)
	}
	failed := &archive.Capture{URL: url(1), FetchedAt: t0.Add(2 * time.Minute), Error: "timeout"}
	fid := must(s.SaveCapture(ctx, failed))(t)
	if fid == id {
		t.Error("failed capture reused a row")
	}
	if ok := must(s.HasCapture(ctx, url(1), "b1"))(t); !ok {
		t.Error("HasCapture: false for a stored capture")
	}
	if ok := must(s.HasCapture(ctx, url(1), "zz"))(t); ok {
		t.Error("HasCapture: true for another body")
	}
	got := must(s.Capture(ctx, id))(t)
	if got.FinalURL != c.FinalURL || got.Status != 200 || got.Header["Etag"][0] != `"x"` || !got.FetchedAt.Equal(t0) ||
		len(got.Redirects) != 1 || got.Redirects[0].Status != 301 || got.RemoteAddr != "127.0.0.1:80" || got.Size != 1234 {
		t.Errorf("capture round trip: %+v", got)
	}
	if _, err := s.Capture(ctx, 99999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing capture: %v", err)
	}
	list := must(s.Captures(ctx, url(1)+"?final", 10))(t)
	if len(list) != 1 || list[0].ID != id {
		t.Errorf("captures by final URL: %+v", list)
	}
	list = must(s.Captures(ctx, url(1), 10))(t)
	if len(list) != 2 || list[0].ID != fid || list[1].ID != id {
		t.Errorf("captures newest first: %v", list)
	}
	// EachCapture walks in stored order with the version made from each.
	w := write(url(2), "二", "二的文字", t0)
	w.Capture = &archive.Capture{URL: url(2), Status: 200, FetchedAt: t0, BodyHash: "b2"}
	r := save(t, s, w)
	var walked []int64
	var link *store.CaptureLink
	err := s.EachCapture(ctx, func(c archive.Capture, l *store.CaptureLink) error {
		walked = append(walked, c.ID)
		if c.ID == r.CaptureID {
			link = l
		} else if l != nil {
			t.Errorf("capture %d linked to %+v", c.ID, l)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(walked) || len(walked) != 3 {
		t.Errorf("walked %v", walked)
	}
	if link == nil || link.ArticleID != r.ArticleID || link.VersionID != r.VersionID || link.VersionSeq != 1 || link.ArticleURL != url(2) || link.ArticleTitle != "二" {
		t.Errorf("link %+v", link)
	}
	file := &archive.Capture{URL: "file:///import/a.md", FinalURL: "file:///import/a.md", Status: 200, FetchedAt: t0, BodyHash: "f1", Size: 9}
	must(s.SaveCapture(ctx, file))(t)
	if ok := must(s.HasImportedFile(ctx, "f1"))(t); !ok {
		t.Error("HasImportedFile: false for an imported file")
	}
	if ok := must(s.HasImportedFile(ctx, "b1"))(t); ok {
		t.Error("HasImportedFile: true for a web capture")
	}
}

func testAssets(t *testing.T, s Store) {
	ctx := context.Background()
	img := func(h, u string) store.AssetRef {
		return store.AssetRef{Asset: archive.Asset{Hash: h, URL: u, ContentType: "image/png", Size: 42, FetchedAt: t0}, URL: u + "#used"}
	}
	w := write(url(1), "图", "有图", t0)
	w.Assets = []store.AssetRef{img("c2", "https://img.example/2.png"), img("c1", "https://img.example/1.png")}
	r := save(t, s, w)
	refs := must(s.VersionAssets(ctx, r.VersionID))(t)
	if len(refs) != 2 || refs[0].Asset.Hash != "c2" || refs[1].Asset.Hash != "c1" || refs[0].URL != "https://img.example/2.png#used" {
		t.Errorf("version assets in written order: %+v", refs)
	}
	// The same image under a second URL is one asset, found by both.
	w2 := write(url(2), "图二", "同一张图", t0)
	w2.Assets = []store.AssetRef{img("c1", "https://cdn.example/1.png")}
	save(t, s, w2)
	if a := must(s.AssetByURL(ctx, "https://cdn.example/1.png"))(t); a.Hash != "c1" || a.URL != "https://img.example/1.png" {
		t.Errorf("asset by second URL: %+v", a)
	}
	if a := must(s.Asset(ctx, "c2"))(t); a.Size != 42 || a.ContentType != "image/png" || !a.FetchedAt.Equal(t0) {
		t.Errorf("asset: %+v", a)
	}
	if _, err := s.Asset(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing asset: %v", err)
	}
	if st := must(s.Stats(ctx))(t); st.Assets != 2 {
		t.Errorf("%d assets", st.Assets)
	}
}

func testSources(t *testing.T, s Store) {
	ctx := context.Background()
	feed := archive.Source{Kind: archive.KindFeed, FeedURL: "https://z.example/feed", Title: "Zeta", Interval: 15 * time.Minute,
		TimeZone: "Asia/Shanghai", AllowPrivate: true, Watch: "sensitive", MaxItems: 7, CreatedAt: t0}
	if err := s.CreateSource(ctx, &feed); err != nil {
		t.Fatal(err)
	}
	if feed.ID == 0 || feed.Mode != archive.ModeAuto || feed.Render != archive.RenderAuto {
		t.Errorf("created %+v", feed)
	}
	dup := archive.Source{Kind: archive.KindFeed, FeedURL: feed.FeedURL}
	if err := s.CreateSource(ctx, &dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("same feed twice: %v", err)
	}
	alpha := newSource(t, s, "https://a.example/feed")
	imp, err := s.EnsureSource(ctx, &archive.Source{Kind: archive.KindImport, FeedURL: "import:BBC", Title: "BBC"})
	if err != nil {
		t.Fatal(err)
	}
	if again := must(s.EnsureSource(ctx, &archive.Source{Kind: archive.KindImport, FeedURL: "import:BBC", Title: "other"}))(t); again.ID != imp.ID || again.Title != "BBC" {
		t.Errorf("EnsureSource made a second source: %+v", again)
	}
	w := write(url(1), "一", "一", t0)
	w.Article.SourceID = feed.ID
	save(t, s, w)
	list := must(s.Sources(ctx))(t)
	if len(list) != 3 || list[0].ID != feed.ID || list[1].ID != alpha.ID || list[2].ID != imp.ID || list[0].ArticleCount != 1 {
		t.Fatalf("sources (feeds first, by title in byte order): %+v", list)
	}
	got := must(s.Source(ctx, feed.ID))(t)
	if got.Interval != 15*time.Minute || got.TimeZone != "Asia/Shanghai" || !got.AllowPrivate || got.Watch != "sensitive" || got.MaxItems != 7 || !got.CreatedAt.Equal(t0) {
		t.Errorf("source round trip: %+v", got)
	}
	// Poll state.
	got.ETag, got.LastStatus, got.ErrorCount = `"e1"`, archive.PollError, 2
	got.LastItemErrors = []string{"item one\nfailed", "item two"}
	got.NextPollAt = t0.Add(time.Hour)
	if err := s.UpdateSource(ctx, &got); err != nil {
		t.Fatal(err)
	}
	back := must(s.SourceByKey(ctx, feed.FeedURL))(t)
	if back.ETag != `"e1"` || back.ErrorCount != 2 || !slices.Equal(back.LastItemErrors, []string{"item one failed", "item two"}) || !back.NextPollAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after update: %+v", back)
	}
	due := must(s.DueSources(ctx, t0))(t)
	if len(due) != 1 || due[0].ID != alpha.ID {
		t.Errorf("due at t0: %+v", due)
	}
	if due := must(s.DueSources(ctx, t0.Add(time.Hour)))(t); len(due) != 2 || due[0].ID != alpha.ID || due[1].ID != feed.ID {
		t.Errorf("due an hour later: %+v", due)
	}
	// Removing stops following; adding again keeps the ID and history.
	if err := s.RemoveSource(ctx, feed.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveSource(ctx, feed.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second removal: %v", err)
	}
	if _, err := s.SourceByKey(ctx, feed.FeedURL); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removed source by key: %v", err)
	}
	if len(must(s.Sources(ctx))(t)) != 2 {
		t.Error("removed source still listed")
	}
	re := archive.Source{Kind: archive.KindFeed, FeedURL: feed.FeedURL, Title: "Zeta again"}
	if err := s.CreateSource(ctx, &re); err != nil || re.ID != feed.ID {
		t.Errorf("re-added source: id %d (was %d), %v", re.ID, feed.ID, err)
	}
	missing := archive.Source{ID: 9999}
	if err := s.UpdateSource(ctx, &missing); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of a missing source: %v", err)
	}
}

func testAuth(t *testing.T, s Store) {
	ctx := context.Background()
	if _, err := s.PasswordHash(ctx, "admin"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no password yet: %v", err)
	}
	if set := must(s.SetPasswordIfNone(ctx, "admin", "h1"))(t); !set {
		t.Fatal("first password not set")
	}
	if set := must(s.SetPasswordIfNone(ctx, "admin", "h2"))(t); set {
		t.Fatal("second first password set")
	}
	sess := store.Session{IDHash: "s1", User: "admin", CSRFToken: "c1", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	got := must(s.Session(ctx, "s1", t0.Add(time.Minute)))(t)
	if got.User != "admin" || got.CSRFToken != "c1" || !got.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("session %+v", got)
	}
	if _, err := s.Session(ctx, "s1", t0.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired session: %v", err)
	}
	if err := s.TouchSession(ctx, "s1", t0.Add(50*time.Minute), t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "s1", t0.Add(2*time.Hour)); err != nil {
		t.Errorf("touched session: %v", err)
	}
	if n := must(s.DeleteExpiredSessions(ctx, t0.Add(3*time.Hour)))(t); n != 1 {
		t.Errorf("deleted %d expired sessions", n)
	}
	// A new password ends every session.
	s.CreateSession(ctx, store.Session{IDHash: "s2", User: "admin", CSRFToken: "c2", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)})
	if err := s.SetPassword(ctx, "admin", "h3"); err != nil {
		t.Fatal(err)
	}
	if h := must(s.PasswordHash(ctx, "admin"))(t); h != "h3" {
		t.Errorf("password hash %q", h)
	}
	if _, err := s.Session(ctx, "s2", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session after password change: %v", err)
	}
	if err := s.DeleteSession(ctx, "nope"); err != nil {
		t.Errorf("deleting a missing session: %v", err)
	}
	// Tokens: names are unique among live ones only.
	tok := store.APIToken{Name: "ci", Hash: "t1", CreatedAt: t0}
	if err := s.CreateAPIToken(ctx, &tok); err != nil || tok.ID == 0 {
		t.Fatalf("create token: %v", err)
	}
	if err := s.CreateAPIToken(ctx, &store.APIToken{Name: "ci", Hash: "t2"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second live token of a name: %v", err)
	}
	if got := must(s.APITokenByHash(ctx, "t1"))(t); got.ID != tok.ID || !got.LastUsedAt.IsZero() {
		t.Errorf("token by hash %+v", got)
	}
	if err := s.TouchAPIToken(ctx, tok.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAPIToken(ctx, tok.ID, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAPIToken(ctx, tok.ID, t0.Add(3*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second revoke: %v", err)
	}
	if _, err := s.APITokenByHash(ctx, "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked token by hash: %v", err)
	}
	again := store.APIToken{Name: "ci", Hash: "t3", CreatedAt: t0}
	if err := s.CreateAPIToken(ctx, &again); err != nil {
		t.Errorf("name of a revoked token: %v", err)
	}
	all := must(s.APITokens(ctx))(t)
	if len(all) != 2 || all[0].ID != tok.ID || !all[0].LastUsedAt.Equal(t0.Add(time.Minute)) || !all[0].RevokedAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("tokens %+v", all)
	}
}

// testListing: newest first, ties by ID (newest first), every page
// disjoint and together the whole; filters and counts agree.
func testListing(t *testing.T, s Store) {
	ctx := context.Background()
	src := newSource(t, s, "https://a.example/feed")
	var ws []*store.ArticleWrite
	for i := range 23 {
		pub := t0.Add(-time.Duration(i%7) * time.Hour) // ties on purpose
		if i%5 == 0 {
			pub = time.Time{}
		}
		w := write(url(i), "题"+string(rune('a'+i)), "文", pub)
		w.SeenAt = t0.Add(-time.Duration(i) * time.Minute)
		if i%2 == 0 {
			w.Article.SourceID = src.ID
		}
		ws = append(ws, w)
	}
	must(s.SaveArticles(ctx, ws))(t)
	all := must(s.Articles(ctx, store.ArticleFilter{Limit: 100}))(t)
	if len(all) != 23 {
		t.Fatalf("%d articles", len(all))
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		at, bt := sortTime(a), sortTime(b)
		if at.Before(bt) || at.Equal(bt) && a.ID < b.ID {
			t.Fatalf("order at %d: %d (%v) before %d (%v)", i, a.ID, at, b.ID, bt)
		}
	}
	var paged []int64
	for off := 0; ; off += 5 {
		page := must(s.Articles(ctx, store.ArticleFilter{Limit: 5, Offset: off, NoContent: true}))(t)
		for _, a := range page {
			if a.Text != "" || a.HTML != "" {
				t.Fatal("NoContent listing has content")
			}
		}
		paged = append(paged, ids(page)...)
		if len(page) < 5 {
			break
		}
	}
	if !slices.Equal(paged, ids(all)) {
		t.Errorf("pages %v\nwhole %v", paged, ids(all))
	}
	// The same pages by keyset cursor (AfterID: the last article shown);
	// a count ignores the cursor.
	var cursored []int64
	for after := int64(0); ; {
		f := store.ArticleFilter{Limit: 5, AfterID: after, NoContent: true}
		page := must(s.Articles(ctx, f))(t)
		if n := must(s.CountArticles(ctx, f))(t); n != len(all) {
			t.Fatalf("count with a cursor: %d, want %d", n, len(all))
		}
		cursored = append(cursored, ids(page)...)
		if len(page) < 5 {
			break
		}
		after = page[len(page)-1].ID
	}
	if !slices.Equal(cursored, ids(all)) {
		t.Errorf("cursor pages %v\nwhole %v", cursored, ids(all))
	}
	f := store.ArticleFilter{SourceID: src.ID, Since: t0.Add(-3 * time.Hour), Until: t0, Limit: 100}
	got := must(s.Articles(ctx, f))(t)
	n := must(s.CountArticles(ctx, f))(t)
	want := 0
	for _, a := range all {
		if at := sortTime(a); a.SourceID == src.ID && !at.Before(f.Since) && at.Before(f.Until) {
			want++
		}
	}
	if len(got) != want || n != want || want == 0 {
		t.Errorf("filtered: %d listed, %d counted, want %d", len(got), n, want)
	}
	edit := write(url(3), "改", "改过的", time.Time{})
	save(t, s, edit)
	if ed := must(s.Articles(ctx, store.ArticleFilter{MinVersions: 2}))(t); len(ed) != 1 || ed[0].URL != url(3) {
		t.Errorf("edited: %+v", ed)
	}
}

// sortTime is where an article stands in listings: its date, else when
// it was first seen.
func sortTime(a archive.Article) time.Time {
	if !a.Published.IsZero() {
		return a.Published
	}
	return a.FirstSeenAt
}
