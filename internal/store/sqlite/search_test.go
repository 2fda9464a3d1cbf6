package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
)

// indexed is a write whose index entry is given as tokens, the way package
// search produces them (these tests do not depend on it).
func indexed(url, title, text, titleToks, bodyToks string, pub time.Time) *store.ArticleWrite {
	w := write(url, title, "<p>"+text+"</p>", pub)
	w.Version.Text = text
	w.Version.Hash = archive.ContentHash(&w.Version)
	w.Index = &store.IndexDoc{Title: titleToks, Body: bodyToks}
	return w
}

// phrase is the search tree of one phrase of whole tokens.
func phrase(toks ...string) search.Phrase {
	p := make(search.Phrase, len(toks))
	for i, t := range toks {
		p[i] = search.Token{Text: t}
	}
	return p
}

func searchURLs(t *testing.T, s *Store, q store.SearchQuery) ([]string, int) {
	t.Helper()
	hits, total, err := s.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	var out []string
	for _, h := range hits {
		out = append(out, h.Article.URL)
	}
	return out, total
}

func TestANewVersionReplacesTheIndexEntryAndAnUnchangedOneKeepsIt(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	pub := time.Date(2023, 2, 28, 0, 0, 0, 0, time.UTC)
	if _, err := s.SaveArticle(ctx, indexed("https://e.com/1", "卢卡申科访华", "白俄罗斯总统", "卢卡 卡申 申科 科访 访华 华", "白俄 俄罗 罗斯 斯总 总统 统", pub)); err != nil {
		t.Fatal(err)
	}
	if got, n := searchURLs(t, s, store.SearchQuery{Match: phrase("卢卡", "卡申")}); n != 1 || len(got) != 1 {
		t.Fatalf("first version not found: %v %d", got, n)
	}
	// The same content again, with a different (wrong) index entry: no new
	// version, so the entry stays.
	same := indexed("https://e.com/1", "卢卡申科访华", "白俄罗斯总统", "错误", "错误", pub)
	if r, err := s.SaveArticle(ctx, same); err != nil || r.NewVersion {
		t.Fatalf("unchanged save: %+v %v", r, err)
	}
	if _, n := searchURLs(t, s, store.SearchQuery{Match: phrase("错误")}); n != 0 {
		t.Error("an unchanged write replaced the index entry")
	}
	// A new version replaces it.
	if _, err := s.SaveArticle(ctx, indexed("https://e.com/1", "普京访华", "俄罗斯总统", "普京 京访 访华 华", "俄罗 罗斯 斯总 总统 统", pub)); err != nil {
		t.Fatal(err)
	}
	if _, n := searchURLs(t, s, store.SearchQuery{Match: phrase("卢卡")}); n != 0 {
		t.Error("the old version is still indexed")
	}
	got, n := searchURLs(t, s, store.SearchQuery{Match: phrase("普京")})
	if n != 1 || len(got) != 1 {
		t.Fatalf("new version not found: %v %d", got, n)
	}
	// A new version written without an index entry leaves the entry alone.
	if _, err := s.SaveArticle(ctx, write("https://e.com/1", "第三版", "<p>第三版</p>", pub)); err != nil {
		t.Fatal(err)
	}
	if _, n := searchURLs(t, s, store.SearchQuery{Match: phrase("普京")}); n != 1 {
		t.Error("a write without an index entry dropped the entry")
	}
	st, err := s.IndexStats(ctx)
	if err != nil || st.Entries != 1 || st.IndexBytes == 0 || st.TextBytes == 0 {
		t.Errorf("index stats: %+v %v", st, err)
	}
}

func TestARolledBackWriteLeavesNoIndexEntry(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	w := indexed("https://e.com/broken", "t", "x", "孤儿", "孤儿", time.Time{})
	w.CaptureID = 999999 // a foreign key violation at the version insert
	if _, err := s.SaveArticle(ctx, w); err == nil {
		t.Fatal("write with a dangling capture succeeded")
	}
	if _, n := searchURLs(t, s, store.SearchQuery{Match: phrase("孤儿")}); n != 0 {
		t.Error("a failed write left an index entry")
	}
}

func TestSearchFiltersSortsAndPages(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	bbc := archive.Source{Kind: archive.KindImport, FeedURL: "import:BBC", Title: "BBC"}
	voa := archive.Source{Kind: archive.KindImport, FeedURL: "import:VOA", Title: "VOA"}
	for _, src := range []*archive.Source{&bbc, &voa} {
		if err := s.CreateSource(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	day := func(d int) time.Time { return time.Date(2023, 1, d, 12, 0, 0, 0, time.UTC) }
	docs := []struct {
		url       string
		src       int64
		lang      string
		pub       time.Time
		title     string
		body      string
		titleToks string
		bodyToks  string
	}{
		{"http://bbc.com:8080/a", bbc.ID, "zh-CN", day(1), "北京新闻", "今天北京下雪", "北京 京新 新闻 闻", "今天 天北 北京 京下 下雪 雪"},
		{"https://www.bbc.com/b", bbc.ID, "zh_TW", day(2), "天气", "北京北京北京", "天气 气", "北京 京北 北京 京北 北京 京"},
		{"https://e.com/c", voa.ID, "zh", day(3), "上海", "北京和上海", "上海 海", "北京 京和 和上 上海 海"},
		{"https://e.com/d", voa.ID, "zha", day(4), "北京", "壮语", "北京 京", "壮语 语"},
		{"https://e.com/e", voa.ID, "en", day(5), "Beijing", "Snow in Beijing", "beijing", "snow in beijing"},
		{"https://notbbc.com/f", voa.ID, "en", day(0), "Other", "Other", "other", "other"},
	}
	for _, d := range docs {
		w := indexed(d.url, d.title, d.body, d.titleToks, d.bodyToks, d.pub)
		w.Article.SourceID = d.src
		w.Version.Language = d.lang
		w.Version.Hash = archive.ContentHash(&w.Version)
		if _, err := s.SaveArticle(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		q     store.SearchQuery
		want  []string
		total int
	}{
		{"a title match ranks above body matches", store.SearchQuery{Match: phrase("北京")}, []string{"https://e.com/d", "http://bbc.com:8080/a", "https://www.bbc.com/b", "https://e.com/c"}, 4},
		{"sorting by date puts the newest first", store.SearchQuery{Match: phrase("北京"), SortByDate: true}, []string{"https://e.com/d", "https://e.com/c", "https://www.bbc.com/b", "http://bbc.com:8080/a"}, 4},
		{"a source filter keeps that source's articles", store.SearchQuery{Match: phrase("北京"), SourceIDs: []int64{bbc.ID}, SortByDate: true}, []string{"https://www.bbc.com/b", "http://bbc.com:8080/a"}, 2},
		{"several sources are any of them", store.SearchQuery{Match: phrase("北京"), SourceIDs: []int64{bbc.ID, voa.ID}, SortByDate: true}, []string{"https://e.com/d", "https://e.com/c", "https://www.bbc.com/b", "http://bbc.com:8080/a"}, 4},
		{"a language is a prefix of the tag, not of the code", store.SearchQuery{Match: phrase("北京"), Language: "zh", SortByDate: true}, []string{"https://e.com/c", "https://www.bbc.com/b", "http://bbc.com:8080/a"}, 3},
		{"a language filter ignores case", store.SearchQuery{Match: phrase("北京"), Language: "ZH-cn"}, []string{"http://bbc.com:8080/a"}, 1},
		{"after is inclusive and before exclusive", store.SearchQuery{Match: phrase("北京"), After: day(2), Before: day(4), SortByDate: true}, []string{"https://e.com/c", "https://www.bbc.com/b"}, 2},
		{"a limit pages and the total counts them all", store.SearchQuery{Match: phrase("北京"), SortByDate: true, Limit: 2, Offset: 1}, []string{"https://e.com/c", "https://www.bbc.com/b"}, 4},
		{"a page past the end is empty but still counted", store.SearchQuery{Match: phrase("北京"), Offset: 10}, nil, 4},
		{"no match expression lists by filters, newest first", store.SearchQuery{Language: "zh"}, []string{"https://e.com/c", "https://www.bbc.com/b", "http://bbc.com:8080/a"}, 3},
		{"no match expression and no filters lists everything", store.SearchQuery{Limit: 1}, []string{"https://e.com/e"}, 6},
		{"NOT excludes", store.SearchQuery{Match: search.And{phrase("北京"), search.Not{X: phrase("上海")}}, SortByDate: true}, []string{"https://e.com/d", "https://www.bbc.com/b", "http://bbc.com:8080/a"}, 3},
		{"words match in English", store.SearchQuery{Match: phrase("beijing")}, []string{"https://e.com/e"}, 1},
		{"a site is its sources or its host and subdomains", store.SearchQuery{Match: phrase("北京"), Site: &store.SiteFilter{SourceIDs: []int64{voa.ID}, Hosts: []string{"bbc.com"}}, SortByDate: true},
			[]string{"https://e.com/d", "https://e.com/c", "https://www.bbc.com/b", "http://bbc.com:8080/a"}, 4},
		{"a host matches subdomains but not other names ending like it", store.SearchQuery{Site: &store.SiteFilter{Hosts: []string{"bbc.com"}}},
			[]string{"https://www.bbc.com/b", "http://bbc.com:8080/a"}, 2},
		{"a host filter is not a pattern", store.SearchQuery{Site: &store.SiteFilter{Hosts: []string{"%.com", "_bc.com"}}}, nil, 0},
		{"an empty site filter selects nothing", store.SearchQuery{Site: &store.SiteFilter{}}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, total := searchURLs(t, s, tc.q)
			if !reflect.DeepEqual(got, tc.want) || total != tc.total {
				t.Errorf("got %v (total %d), want %v (total %d)", got, total, tc.want, tc.total)
			}
		})
	}

	hits, _, err := s.Search(ctx, store.SearchQuery{Match: phrase("北京"), Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	a := hits[0].Article
	if a.Title != "北京" || a.Text != "壮语" || a.SourceID != voa.ID || a.Language != "zha" || !a.Published.Equal(day(4)) || a.HTML != "" || hits[0].Score <= 0 {
		t.Errorf("hit: %+v score %v", a, hits[0].Score)
	}
	if _, _, err := s.Search(ctx, store.SearchQuery{Match: search.And{search.Not{X: phrase("北京")}}}); err == nil {
		t.Error("a tree FTS5 cannot express did not fail")
	}
	big, _, err := s.Search(ctx, store.SearchQuery{Limit: 1000})
	if err != nil || len(big) != 6 {
		t.Errorf("large limit: %d %v", len(big), err)
	}
}

func TestSearchLimitIsCappedAtOneHundred(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	for i := 0; i < 130; i++ {
		if _, err := s.SaveArticle(ctx, indexed(fmt.Sprintf("https://e.com/%d", i), "t", fmt.Sprint(i), "同一", "同一", time.Time{})); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []store.SearchQuery{{Match: phrase("同一"), Limit: 500}, {Limit: 500}} {
		hits, total, err := s.Search(ctx, q)
		if err != nil || len(hits) != 100 || total != 130 {
			t.Errorf("%+v: %d hits of %d, %v", q, len(hits), total, err)
		}
	}
	hits, _, _ := s.Search(ctx, store.SearchQuery{Match: phrase("同一")})
	if len(hits) != 20 {
		t.Errorf("default limit gave %d hits", len(hits))
	}
}

func TestReindexRebuildsTheIndexFromLatestVersionsAndIsRepeatable(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	// Articles written without index entries, as before search existed,
	// plus more than one batch of them.
	n := reindexBatch + 17
	for i := 0; i < n; i++ {
		text := fmt.Sprintf("词%d 共同", i)
		w := write(fmt.Sprintf("https://e.com/%d", i), fmt.Sprintf("标题%d", i), text, time.Time{})
		w.Version.Text = text
		w.Version.Hash = archive.ContentHash(&w.Version)
		if _, err := s.SaveArticle(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	// One stale entry for an article that does not exist.
	if _, err := s.db.ExecContext(ctx, `INSERT INTO articles_fts (rowid, title, body) VALUES (999999, 'x', '共同')`); err != nil {
		t.Fatal(err)
	}
	index := func(title, text string) store.IndexDoc {
		return store.IndexDoc{Title: strings.ToLower(title), Body: strings.ToLower(text)}
	}
	for run := 1; run <= 2; run++ {
		var calls, lastDone, lastTotal int
		err := s.Reindex(ctx, index, func(done, total int) { calls++; lastDone, lastTotal = done, total })
		if err != nil {
			t.Fatal(err)
		}
		if calls < 2 || lastDone != n || lastTotal != n {
			t.Errorf("run %d: progress called %d times, last %d/%d", run, calls, lastDone, lastTotal)
		}
		if _, total := searchURLs(t, s, store.SearchQuery{Match: phrase("共同")}); total != n {
			t.Errorf("run %d: %d articles indexed, want %d", run, total, n)
		}
		got, _ := searchURLs(t, s, store.SearchQuery{Match: phrase("词7")})
		if len(got) != 1 || got[0] != "https://e.com/7" {
			t.Errorf("run %d: 词7 finds %v", run, got)
		}
		st, _ := s.IndexStats(ctx)
		if st.Entries != int64(n) {
			t.Errorf("run %d: %d entries, want %d", run, st.Entries, n)
		}
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Reindex(ctx2, index, nil); err == nil {
		t.Error("a cancelled reindex did not fail")
	}
}

func TestMigratingAnOldDatabaseKeepsItsArticlesAndTheirLanguage(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		migrations[0],
		`INSERT INTO schema_migrations VALUES (1, 0)`,
		`INSERT INTO articles (id, url, version_id, version_count, title, sort_at, first_seen_at, last_seen_at) VALUES (1, 'https://e.com/old', 1, 1, '旧', 0, 0, 0)`,
		`INSERT INTO versions (id, article_id, seq, hash, title, language, text, created_at, last_seen_at) VALUES (1, 1, 1, 'h', '旧', 'zh-Hant', '旧文', 0, 0)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, total := searchURLs(t, s, store.SearchQuery{Language: "zh"})
	if total != 1 || len(got) != 1 || got[0] != "https://e.com/old" {
		t.Fatalf("old article by language: %v %d", got, total)
	}
	// The migration that rebuilt the index with its prefix index had Open
	// index the old article again, once.
	if _, total := searchURLs(t, s, store.SearchQuery{Match: phrase("旧文")}); total != 1 {
		t.Error("an old article is not indexed after Open")
	}
	var flags int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM store_flags`).Scan(&flags); err != nil || flags != 0 {
		t.Errorf("store flags left after Open: %d (%v)", flags, err)
	}
	if err := s.Reindex(ctx, func(title, text string) store.IndexDoc { return store.IndexDoc{Title: title, Body: text} }, nil); err != nil {
		t.Fatal(err)
	}
	if _, total := searchURLs(t, s, store.SearchQuery{Match: phrase("旧文")}); total != 1 {
		t.Error("reindex did not index the old article")
	}
}

func TestIndexMergingLeftOffIsTurnedBackOnByOpen(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	automerge := func(s *Store) int {
		t.Helper()
		var v int
		if err := s.db.QueryRowContext(ctx, `SELECT v FROM articles_fts_config WHERE k = 'automerge'`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := s.SetIndexMerging(ctx, false); err != nil {
		t.Fatal(err)
	}
	if got := automerge(s); got != 0 {
		t.Fatalf("automerge after turning merging off = %d, want 0", got)
	}
	// Writes still land in the index while merging is off.
	pub := time.Date(2023, 2, 28, 0, 0, 0, 0, time.UTC)
	if _, err := s.SaveArticle(ctx, indexed("https://e.com/1", "访华", "总统", "访华 华", "总统 统", pub)); err != nil {
		t.Fatal(err)
	}
	s.Close() // as an import killed half-way would leave it
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := automerge(s2); got != defaultAutomerge {
		t.Fatalf("automerge after reopening = %d, want %d", got, defaultAutomerge)
	}
	if got, _ := searchURLs(t, s2, store.SearchQuery{Match: phrase("访华")}); len(got) != 1 {
		t.Fatalf("article written with merging off not found: %v", got)
	}
}

// TestAFrequentTermIsListedMostRecentlyArchivedFirstWithAnEstimate: with
// the threshold lowered, a term in most articles is answered without
// ranking (most recently archived first, the filters kept, an estimated
// total), while a rare term is still ranked and counted exactly.
func TestAFrequentTermIsListedMostRecentlyArchivedFirstWithAnEstimate(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	s.frequentHits = 50
	pub := time.Date(2023, 2, 28, 0, 0, 0, 0, time.UTC)
	src, err := s.EnsureSource(ctx, &archive.Source{Kind: archive.KindImport, FeedURL: "import:x", Title: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var ws []*store.ArticleWrite
	for i := range 200 {
		body := "中国 国的 的新"
		if i%10 == 0 {
			body = "罕见 见词"
		}
		w := indexed(fmt.Sprintf("https://e.com/%d", i), "t", "x", "t", body, pub.Add(time.Duration(-i)*time.Hour))
		if i%2 == 0 {
			w.Article.SourceID = src.ID
		}
		ws = append(ws, w)
	}
	if _, err := s.SaveArticles(ctx, ws); err != nil {
		t.Fatal(err)
	}
	got, total := searchURLs(t, s, store.SearchQuery{Match: phrase("中国"), Limit: 3})
	if want := []string{"https://e.com/199", "https://e.com/198", "https://e.com/197"}; !reflect.DeepEqual(got, want) || total != 180 {
		t.Errorf("frequent term: %v, total %d; want %v, 180", got, total, want)
	}
	got, _ = searchURLs(t, s, store.SearchQuery{Match: phrase("中国"), Limit: 2, Offset: 1, SourceIDs: []int64{src.ID}})
	if want := []string{"https://e.com/196", "https://e.com/194"}; !reflect.DeepEqual(got, want) {
		t.Errorf("frequent term in one source, second page: %v, want %v", got, want)
	}
	if got, total = searchURLs(t, s, store.SearchQuery{Match: phrase("罕见"), Limit: 50}); len(got) != 20 || total != 20 {
		t.Errorf("rare term: %d hits, total %d; want 20, 20", len(got), total)
	}
}

// TestMergeIndexKeepsEveryEntry: segments written with merging off are
// merged by a budget of pages, and every article is still found.
func TestMergeIndexKeepsEveryEntry(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	if err := s.SetIndexMerging(ctx, false); err != nil {
		t.Fatal(err)
	}
	pub := time.Date(2023, 2, 28, 0, 0, 0, 0, time.UTC)
	for i := range 40 { // one segment each
		if _, err := s.SaveArticle(ctx, indexed(fmt.Sprintf("https://e.com/%d", i), "t", "x", "t", "合并 并测 测试", pub)); err != nil {
			t.Fatal(err)
		}
	}
	segments := func() int {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(DISTINCT segid) FROM articles_fts_idx`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := segments()
	if err := s.MergeIndex(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if after := segments(); after >= before {
		t.Errorf("segments %d before merging, %d after", before, after)
	}
	if got, n := searchURLs(t, s, store.SearchQuery{Match: phrase("合并", "并测"), Limit: 100}); n != 40 || len(got) != 40 {
		t.Errorf("after merging: %d hits of 40", n)
	}
}
