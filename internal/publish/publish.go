// Package publish writes the archive back out for readers, to targets that
// need no server of ours: the markdown mirror (one file per article grouped
// by source, list pages, a README index, images as local files) and a
// static HTML site (article pages with their versions and removal notices,
// lists by source and day, Removed and Edited, feeds, and a Chinese search
// that runs in the reader's browser from our own bigram index). A run is
// incremental and atomic per target (see tree.go); publish.toml in the data
// directory names the targets. It reads the store and the blob store and
// never changes either.
package publish

import (
	"context"
	"io"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// Store is what publishing reads.
type Store interface {
	Sources(ctx context.Context) ([]archive.Source, error)
	Article(ctx context.Context, id int64) (archive.Article, error)
	Articles(ctx context.Context, f store.ArticleFilter) ([]archive.Article, error)
	CountArticles(ctx context.Context, f store.ArticleFilter) (int, error)
	Versions(ctx context.Context, articleID int64) ([]archive.Version, error)
	VersionAssets(ctx context.Context, versionID int64) ([]store.AssetRef, error)
	Capture(ctx context.Context, id int64) (archive.Capture, error)
}

// Blobs opens stored bytes.
type Blobs interface {
	Open(ctx context.Context, hash string) (io.ReadCloser, error)
}

// ArticleStatus is what watching knows of an article: its status
// ("removed", "replaced", …; empty for alive or unknown) and since when.
type ArticleStatus struct {
	Status string
	Since  time.Time
}

// Removed reports whether the article is gone from its URL.
func (s ArticleStatus) Removed() bool { return s.Status == "removed" || s.Status == "replaced" }

// StatusReader is implemented by a store that records watch statuses.
// Publishing uses it when the store has it; without it no article is shown
// as removed.
type StatusReader interface {
	ArticleStatuses(ctx context.Context) (map[int64]ArticleStatus, error)
}
