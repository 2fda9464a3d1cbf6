// Package storetest is the conformance suite every newsvault store runs:
// the embedded SQLite store and the PostgreSQL store must behave the same
// for everything the product asks of a store — articles and versions,
// captures, assets, sources, sessions and tokens, the watch schedule and
// its checks, copies and stories, search (every CJK substring found in
// either script, the query language, filters, order and pages), listing
// order and pages, and writers working at once. A store's test calls Run
// with a function that opens a fresh, empty store. Test helper only.
package storetest

import (
	"context"
	"fmt"
	"github.com/newsvault/newsvault/internal/stories"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
)

// Store is what the suite exercises: the union of the store interfaces
// the product's packages declare (pipeline, watcher, stories, web, ui,
// api, auth, publish) and the verbs' needs (tokens, passwords, reindex).
type Store interface {
	// Articles and versions.
	SaveArticle(ctx context.Context, w *store.ArticleWrite) (store.SaveResult, error)
	SaveArticles(ctx context.Context, ws []*store.ArticleWrite) ([]store.SaveResult, error)
	Article(ctx context.Context, id int64) (archive.Article, error)
	ArticleByURL(ctx context.Context, url string) (archive.Article, error)
	Articles(ctx context.Context, f store.ArticleFilter) ([]archive.Article, error)
	CountArticles(ctx context.Context, f store.ArticleFilter) (int, error)
	Versions(ctx context.Context, articleID int64) ([]archive.Version, error)
	LatestHash(ctx context.Context, url string) (string, error)
	Stats(ctx context.Context) (store.Stats, error)
	Ping(ctx context.Context) error
	// Captures and assets.
	SaveCapture(ctx context.Context, c *archive.Capture) (int64, error)
	HasCapture(ctx context.Context, url, bodyHash string) (bool, error)
	HasImportedFile(ctx context.Context, bodyHash string) (bool, error)
	Capture(ctx context.Context, id int64) (archive.Capture, error)
	Captures(ctx context.Context, url string, limit int) ([]archive.Capture, error)
	EachCapture(ctx context.Context, fn func(c archive.Capture, link *store.CaptureLink) error) error
	Asset(ctx context.Context, hash string) (archive.Asset, error)
	AssetByURL(ctx context.Context, url string) (archive.Asset, error)
	VersionAssets(ctx context.Context, versionID int64) ([]store.AssetRef, error)
	// Sources.
	CreateSource(ctx context.Context, src *archive.Source) error
	EnsureSource(ctx context.Context, src *archive.Source) (archive.Source, error)
	Source(ctx context.Context, id int64) (archive.Source, error)
	SourceByKey(ctx context.Context, key string) (archive.Source, error)
	Sources(ctx context.Context) ([]archive.Source, error)
	DueSources(ctx context.Context, now time.Time) ([]archive.Source, error)
	UpdateSource(ctx context.Context, src *archive.Source) error
	RemoveSource(ctx context.Context, id int64) error
	// Passwords, sessions and API tokens.
	PasswordHash(ctx context.Context, user string) (string, error)
	SetPassword(ctx context.Context, user, hash string) error
	SetPasswordIfNone(ctx context.Context, user, hash string) (bool, error)
	CreateSession(ctx context.Context, sess store.Session) error
	Session(ctx context.Context, idHash string, now time.Time) (store.Session, error)
	TouchSession(ctx context.Context, idHash string, seen, expires time.Time) error
	DeleteSession(ctx context.Context, idHash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
	CreateAPIToken(ctx context.Context, tok *store.APIToken) error
	APITokens(ctx context.Context) ([]store.APIToken, error)
	APITokenByHash(ctx context.Context, hash string) (store.APIToken, error)
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error
	RevokeAPIToken(ctx context.Context, id int64, at time.Time) error
	// Watching.
	WatchOf(ctx context.Context, articleID int64) (store.Watch, error)
	DueChecks(ctx context.Context, now time.Time, limit int) ([]store.Watch, error)
	ScheduleCheck(ctx context.Context, articleID int64, at time.Time) error
	RecordCheck(ctx context.Context, w *store.CheckWrite) (store.CheckResult, error)
	Checks(ctx context.Context, articleID int64) ([]store.Check, error)
	WatchEvents(ctx context.Context, q store.EventQuery) ([]store.WatchEvent, error)
	ArticleEvents(ctx context.Context, articleID int64) ([]store.WatchEvent, error)
	ArticleStatus(ctx context.Context, articleID int64) (string, error)
	ArticlesByStatus(ctx context.Context, status string, sourceID int64, limit, offset int) ([]store.Watch, error)
	FeedListing(ctx context.Context, sourceID int64, urls []string, now time.Time) ([]int64, error)
	WatchStats(ctx context.Context, now time.Time, grace time.Duration) (store.WatchStats, error)
	// Copies and stories: what the stories service keeps and reads.
	stories.Store
	// Search.
	Search(ctx context.Context, q store.SearchQuery) ([]store.SearchHit, int, error)
	Reindex(ctx context.Context, index func(title, text string) store.IndexDoc, progress func(done, total int)) error
	OptimizeIndex(ctx context.Context) error
	SetIndexMerging(ctx context.Context, on bool) error
	Close() error
}

// Opener opens a fresh, empty store for one test; the suite closes it.
type Opener func(t *testing.T) Store

// Run runs the whole suite against the stores open makes, the tests in
// parallel, each on a store of its own.
func Run(t *testing.T, open Opener) {
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"Articles", testArticles},
		{"Owners", testOwners},
		{"AtomicBatch", testAtomicBatch},
		{"Captures", testCaptures},
		{"Assets", testAssets},
		{"Sources", testSources},
		{"Auth", testAuth},
		{"Listing", testListing},
		{"Watch", testWatch},
		{"FeedListing", testFeedListing},
		{"Copies", testCopies},
		{"Stories", testStories},
		{"Search", testSearch},
		{"SearchFilters", testSearchFilters},
		{"SearchLongArticle", testSearchLongArticle},
		{"Reindex", testReindex},
		{"ConcurrentWriters", testConcurrentWriters},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // each on its own store
			s := open(t)
			t.Cleanup(func() { s.Close() })
			c.fn(t, s)
		})
	}
}

// t0 is the suite's clock: every time it writes is fixed, so runs agree.
var t0 = time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)

// analyzer is the search package's tokenizer, made once.
var analyzer = func() *search.Analyzer {
	a, err := search.NewAnalyzer()
	if err != nil {
		panic(err)
	}
	return a
}()

// write makes an article write of url with the given title and text,
// published at pub (zero: undated), with its index entry.
func write(url, title, text string, pub time.Time) *store.ArticleWrite {
	w := &store.ArticleWrite{
		Article: archive.Article{URL: url},
		Version: archive.Version{Title: title, Text: text, HTML: "<p>" + text + "</p>", Published: pub, Language: "zh-CN"},
		SeenAt:  t0,
	}
	w.Version.Hash = archive.ContentHash(&w.Version)
	doc := analyzer.Index(title, text)
	w.Index = &doc
	return w
}

// must returns v, failing the test when err is set: must(s.Article(ctx, id))(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// ok fails the test when err is set.
func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func save(t *testing.T, s Store, w *store.ArticleWrite) store.SaveResult {
	t.Helper()
	return must(s.SaveArticle(context.Background(), w))(t)
}

func newSource(t *testing.T, s Store, key string) archive.Source {
	t.Helper()
	src := archive.Source{Kind: archive.KindFeed, FeedURL: key, Title: key, CreatedAt: t0}
	if err := s.CreateSource(context.Background(), &src); err != nil {
		t.Fatal(err)
	}
	return src
}

func ids(arts []archive.Article) []int64 {
	out := make([]int64, len(arts))
	for i, a := range arts {
		out[i] = a.ID
	}
	return out
}

func url(i int) string { return fmt.Sprintf("https://news.example.cn/a/%04d.html", i) }
