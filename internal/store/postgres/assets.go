package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// AssetByURL returns the asset downloaded from u, if any.
func (s *Store) AssetByURL(ctx context.Context, u string) (archive.Asset, error) {
	return s.asset(ctx, `SELECT a.hash, a.url, a.content_type, a.size, a.fetched_at FROM asset_urls u JOIN assets a ON a.hash = u.hash WHERE u.url = $1`, u)
}

// Asset returns the asset with the given hash.
func (s *Store) Asset(ctx context.Context, hash string) (archive.Asset, error) {
	return s.asset(ctx, `SELECT hash, url, content_type, size, fetched_at FROM assets WHERE hash = $1`, hash)
}

func (s *Store) asset(ctx context.Context, q, arg string) (archive.Asset, error) {
	var a archive.Asset
	var fetched int64
	if err := s.pool.QueryRow(ctx, q, arg).Scan(&a.Hash, &a.URL, &a.ContentType, &a.Size, &fetched); err != nil {
		return a, notFound(err, "asset "+arg)
	}
	a.FetchedAt = time.UnixMilli(fetched).UTC()
	return a, nil
}

// VersionAssets returns the assets a version uses, in the order they were
// recorded.
func (s *Store) VersionAssets(ctx context.Context, versionID int64) ([]store.AssetRef, error) {
	rows, err := s.pool.Query(ctx, `SELECT a.hash, a.url, a.content_type, a.size, a.fetched_at, va.url
		FROM version_assets va JOIN assets a ON a.hash = va.hash WHERE va.version_id = $1 ORDER BY va.pos`, versionID)
	if err != nil {
		return nil, fmt.Errorf("version %d assets: %w", versionID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AssetRef, error) {
		var ref store.AssetRef
		var fetched int64
		err := r.Scan(&ref.Asset.Hash, &ref.Asset.URL, &ref.Asset.ContentType, &ref.Asset.Size, &fetched, &ref.URL)
		ref.Asset.FetchedAt = time.UnixMilli(fetched).UTC()
		return ref, err
	})
	if err != nil {
		return nil, fmt.Errorf("version %d assets: %w", versionID, err)
	}
	return out, nil
}

// linkAssets records the assets a new version uses: each asset once by
// hash, the URL it was downloaded from, and the version's reference to it.
func linkAssets(ctx context.Context, q querier, versionID int64, refs []store.AssetRef) error {
	for _, ref := range refs {
		as := ref.Asset
		if _, err := q.Exec(ctx, `INSERT INTO assets (hash, url, content_type, size, fetched_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (hash) DO NOTHING`, as.Hash, as.URL, as.ContentType, as.Size, as.FetchedAt.UnixMilli()); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `INSERT INTO asset_urls (url, hash) VALUES ($1, $2) ON CONFLICT (url) DO NOTHING`, as.URL, as.Hash); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `INSERT INTO version_assets (version_id, hash, url) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			versionID, as.Hash, ref.URL); err != nil {
			return err
		}
	}
	return nil
}
