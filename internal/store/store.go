// Package store defines what every newsvault store implementation accepts and
// returns: the write of one article (with its version, capture and assets) as
// a unit, listing filters, and the errors callers branch on. The
// implementations live in sub-packages (sqlite now, postgres later); the
// interfaces that use them are declared by their consumers.
package store

import (
	"errors"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/search"
)

// ErrNotFound is returned when the requested row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write would break a uniqueness rule (a feed
// URL added twice).
var ErrConflict = errors.New("already exists")

// AssetRef links a version to an asset it uses, under the URL the article
// used for it.
type AssetRef struct {
	Asset archive.Asset
	URL   string // the image URL as the article referenced it
}

// ArticleWrite is everything one archiving step produced for one article. A
// store writes it in a single transaction: either all of it lands or none.
type ArticleWrite struct {
	// Article carries the identity: URL (canonical), OriginalURL, SourceID.
	Article archive.Article
	// Version is the extracted content; Version.Hash decides whether it is
	// new. Seq, IDs and times are set by the store.
	Version archive.Version
	// Capture is the raw response this version came from, stored with the
	// article when not nil. A capture with the same URL and body hash as one
	// already stored is not stored again.
	Capture *archive.Capture
	// CaptureID refers to an already stored capture (a feed response shared
	// by its items); used when Capture is nil.
	CaptureID int64
	Assets    []AssetRef
	SeenAt    time.Time
	// Index, when set, replaces the article's search index entry if (and
	// only if) this write adds a new version.
	Index *IndexDoc
	// FromOwnURL says Version was fetched from the article's own URL (its
	// page): any source may record that. Other content (a feed's text, an
	// imported file) may add a version only to an article of the same
	// source (Article.SourceID), or to one with no source; from any other
	// source it goes to CopyURL, a separate article of the writing source,
	// so that no source's words are ever shown under another's name.
	// A write that needs CopyURL and has none fails with ErrNotOwner.
	FromOwnURL bool
	CopyURL    string
	// Watch, when set, schedules re-checks if this write creates the
	// article.
	Watch *WatchStart
}

// ErrNotOwner is returned for a write of one source's content to another
// source's article without a CopyURL to write to instead.
var ErrNotOwner = errors.New("article belongs to another source")

// SaveResult says what a write changed.
type SaveResult struct {
	ArticleID  int64
	VersionID  int64
	CaptureID  int64
	NewArticle bool // the URL was not archived before
	NewVersion bool // the content differs from the latest version
	// URL is the article written: Article.URL, or CopyURL when the article
	// at Article.URL belongs to another source.
	URL  string
	Copy bool // written to CopyURL
}

// CaptureLink names the article version extracted from a capture (the
// latest one when several were), for exports that tie the two together.
type CaptureLink struct {
	ArticleID    int64
	ArticleURL   string
	ArticleTitle string
	VersionID    int64
	VersionSeq   int
	VersionHash  string
}

// ChangeMark is a position in a store's history of changes, for a reader
// that wants only what changed since it last looked (publish): the highest
// version and check IDs it has seen. A store hands out both IDs in commit
// order, so everything committed later has a higher one. The zero mark is
// the beginning.
type ChangeMark struct {
	Version int64 `json:"version"`
	Check   int64 `json:"check"`
}

// ArticleChange is an article (listing fields only, no content) that got a
// version or a re-check after a ChangeMark, with its current watch status
// ("" when it is not watched).
type ArticleChange struct {
	archive.Article
	Status      string
	StatusSince time.Time
}

// ArticleFilter selects articles for listings. Zero fields do not filter.
type ArticleFilter struct {
	SourceID int64
	Since    time.Time // published (or first seen) at or after
	Until    time.Time // published (or first seen) before
	Limit    int       // default 50
	Offset   int
	// AfterID is a keyset cursor: list only the articles after this one in
	// the newest-first order (sort time, then ID). 0: from the newest.
	// Offset, if also set, counts from the cursor.
	AfterID int64
	// MinVersions, when above 1, keeps only articles with at least that
	// many versions: 2 lists the edited ones.
	MinVersions int
	// NoContent leaves HTML and Text empty, for listings that show only
	// titles and dates: the store then reads no article bodies.
	NoContent bool
	// Status keeps articles whose watch status is this (removed,
	// replaced, unavailable, unreachable, alive) or, for "edited", that
	// were edited at least once.
	Status string
}

// Stats summarises a store's contents.
type Stats struct {
	Sources, Articles, Versions, Captures, Assets int64
}

// IndexDoc is the search index entry of an article: its title and body as
// the space-separated tokens package search makes.
type IndexDoc = search.IndexDoc

// SearchQuery asks a store's full-text index for articles.
type SearchQuery struct {
	// Match is the text condition, a tree of index tokens from package
	// search that each store renders in its own full-text syntax. Nil
	// means no text condition: only the filters apply.
	Match     search.Expr
	SourceIDs []int64 // any of these sources; empty: all
	// Site is a site: filter: articles of one of its sources or whose URL
	// is on one of its hosts. Nil: no site filter.
	Site       *SiteFilter
	Language   string // language prefix ("zh" matches zh-CN); empty: all
	After      time.Time
	Before     time.Time
	SortByDate bool   // newest first instead of by relevance
	Status     string // as ArticleFilter.Status; empty: all
	Limit      int    // default 20
	Offset     int
}

// SiteFilter selects the articles of a site: of one of SourceIDs, or whose
// URL's host is one of Hosts or a subdomain of one (bbc.com matches
// www.bbc.com, not notbbc.com). An empty filter selects nothing.
type SiteFilter struct {
	SourceIDs []int64
	Hosts     []string // lower-case host names
}

// SearchHit is one search result.
type SearchHit struct {
	Article archive.Article // with Text; HTML may be empty
	Score   float64         // higher is better; 0 when sorted by date
}
