package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// AssetByURL returns the asset downloaded from u, if any.
func (s *Store) AssetByURL(ctx context.Context, u string) (archive.Asset, error) {
	return s.asset(ctx, `SELECT a.hash, a.url, a.content_type, a.size, a.fetched_at FROM asset_urls u JOIN assets a ON a.hash = u.hash WHERE u.url = ?`, u)
}

// Asset returns the asset with the given hash.
func (s *Store) Asset(ctx context.Context, hash string) (archive.Asset, error) {
	return s.asset(ctx, `SELECT hash, url, content_type, size, fetched_at FROM assets WHERE hash = ?`, hash)
}

func (s *Store) asset(ctx context.Context, q, arg string) (archive.Asset, error) {
	var a archive.Asset
	var fetched int64
	err := s.db.QueryRowContext(ctx, q, arg).Scan(&a.Hash, &a.URL, &a.ContentType, &a.Size, &fetched)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("asset %s: %w", arg, store.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("asset %s: %w", arg, err)
	}
	a.FetchedAt = time.UnixMilli(fetched).UTC()
	return a, nil
}

// VersionAssets returns the assets a version uses.
func (s *Store) VersionAssets(ctx context.Context, versionID int64) ([]store.AssetRef, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.hash, a.url, a.content_type, a.size, a.fetched_at, va.url
		FROM version_assets va JOIN assets a ON a.hash = va.hash WHERE va.version_id = ? ORDER BY va.rowid`, versionID)
	if err != nil {
		return nil, fmt.Errorf("version %d assets: %w", versionID, err)
	}
	defer rows.Close()
	var out []store.AssetRef
	for rows.Next() {
		var r store.AssetRef
		var fetched int64
		if err := rows.Scan(&r.Asset.Hash, &r.Asset.URL, &r.Asset.ContentType, &r.Asset.Size, &fetched, &r.URL); err != nil {
			return nil, fmt.Errorf("version %d assets: %w", versionID, err)
		}
		r.Asset.FetchedAt = time.UnixMilli(fetched).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// linkAssets records the assets a new version uses: each asset once by
// hash, the URL it was downloaded from, and the version's reference to it
// under the URL the article used.
func linkAssets(ctx context.Context, ex execer, versionID int64, refs []store.AssetRef) error {
	for _, ref := range refs {
		as := ref.Asset
		if _, err := ex.ExecContext(ctx, `INSERT INTO assets (hash, url, content_type, size, fetched_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT(hash) DO NOTHING`, as.Hash, as.URL, as.ContentType, as.Size, as.FetchedAt.UnixMilli()); err != nil {
			return err
		}
		if _, err := ex.ExecContext(ctx, `INSERT INTO asset_urls (url, hash) VALUES (?, ?) ON CONFLICT(url) DO NOTHING`, as.URL, as.Hash); err != nil {
			return err
		}
		if _, err := ex.ExecContext(ctx, `INSERT INTO version_assets (version_id, hash, url) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			versionID, as.Hash, ref.URL); err != nil {
			return err
		}
	}
	return nil
}
