// Package publish writes the archive back out for readers: for now the
// markdown mirror format (one file per article grouped by source, one list
// page per source, images as local files). It reads from the store and the
// blob store and never changes either.
package publish

import (
	"context"
	"io"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// Store is what publishing reads.
type Store interface {
	Sources(ctx context.Context) ([]archive.Source, error)
	Articles(ctx context.Context, f store.ArticleFilter) ([]archive.Article, error)
	CountArticles(ctx context.Context, f store.ArticleFilter) (int, error)
	VersionAssets(ctx context.Context, versionID int64) ([]store.AssetRef, error)
	Capture(ctx context.Context, id int64) (archive.Capture, error)
	Versions(ctx context.Context, articleID int64) ([]archive.Version, error)
}

// Blobs opens stored bytes.
type Blobs interface {
	Open(hash string) (io.ReadCloser, error)
}
