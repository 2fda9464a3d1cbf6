package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/store"
)

const sourceCols = `id, kind, feed_url, title, site_url, mode, time_zone, etag, last_modified,
	interval_s, last_polled_at, last_status, last_error, error_count, next_poll_at, created_at,
	max_items, last_items_failed, last_item_errors, last_items_skipped, allow_private, allow_nets, watch, render`

// scanSource reads a row of sourceCols, then extra columns into extra.
func scanSource(sc pgx.Row, extra ...any) (s archive.Source, err error) {
	var kind, mode, render, itemErrors, nets string
	var interval int64
	var polled, next, created sql.NullInt64
	dest := []any{&s.ID, &kind, &s.FeedURL, &s.Title, &s.SiteURL, &mode, &s.TimeZone, &s.ETag, &s.LastModified,
		&interval, &polled, &s.LastStatus, &s.LastError, &s.ErrorCount, &next, &created,
		&s.MaxItems, &s.LastItemsFailed, &itemErrors, &s.LastItemsSkipped, &s.AllowPrivate, &nets, &s.Watch, &render}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return s, err
	}
	if itemErrors != "" {
		s.LastItemErrors = strings.Split(itemErrors, "\n")
	}
	if s.AllowNets, err = fetch.ParseNets(nets); err != nil {
		return s, fmt.Errorf("source %d allow_nets: %w", s.ID, err)
	}
	s.Kind, s.Mode, s.Render = archive.SourceKind(kind), archive.ContentMode(mode), archive.RenderMode(render)
	s.Interval = time.Duration(interval) * time.Second
	s.LastPolledAt, s.NextPollAt, s.CreatedAt = store.FromUnixMS(polled), store.FromUnixMS(next), store.FromUnixMS(created)
	return s, nil
}

// CreateSource stores a new source and sets its ID. Adding a feed URL that
// is already followed fails with store.ErrConflict; one that was removed
// earlier is followed again, keeping its history.
func (s *Store) CreateSource(ctx context.Context, src *archive.Source) error {
	if src.Mode == "" {
		src.Mode = archive.ModeAuto
	}
	if src.Render == "" {
		src.Render = archive.RenderAuto
	}
	if src.CreatedAt.IsZero() {
		src.CreatedAt = time.Now().UTC()
	}
	// A removed source of the same key is followed again.
	err := s.pool.QueryRow(ctx, `UPDATE sources SET removed_at = NULL, kind = $1, title = $2, site_url = $3, mode = $4, time_zone = $5,
		interval_s = $6, next_poll_at = $7, error_count = 0, max_items = $8, allow_private = $9, allow_nets = $10, watch = $11, render = $12
		WHERE feed_url = $13 AND removed_at IS NOT NULL RETURNING id`,
		string(src.Kind), src.Title, src.SiteURL, string(src.Mode), src.TimeZone, int64(src.Interval/time.Second), store.UnixMS(src.NextPollAt),
		src.MaxItems, src.AllowPrivate, fetch.FormatNets(src.AllowNets), src.Watch, string(src.Render), src.FeedURL).Scan(&src.ID)
	if err == nil {
		return nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("create source %s: %w", src.FeedURL, err)
	}
	err = s.pool.QueryRow(ctx, `INSERT INTO sources (kind, feed_url, title, site_url, mode, time_zone, interval_s, next_poll_at, created_at,
		max_items, allow_private, allow_nets, watch, render)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (feed_url) DO NOTHING RETURNING id`,
		string(src.Kind), src.FeedURL, src.Title, src.SiteURL, string(src.Mode), src.TimeZone,
		int64(src.Interval/time.Second), store.UnixMS(src.NextPollAt), store.UnixMS(src.CreatedAt), src.MaxItems, src.AllowPrivate, fetch.FormatNets(src.AllowNets),
		src.Watch, string(src.Render)).Scan(&src.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("create source %s: %w", src.FeedURL, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create source %s: %w", src.FeedURL, err)
	}
	return nil
}

// EnsureSource returns the source with src.FeedURL as its key, creating it
// from src when there is none.
func (s *Store) EnsureSource(ctx context.Context, src *archive.Source) (archive.Source, error) {
	got, err := s.SourceByKey(ctx, src.FeedURL)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return got, err
	}
	if err := s.CreateSource(ctx, src); err != nil && !errors.Is(err, store.ErrConflict) {
		return archive.Source{}, err
	}
	return s.SourceByKey(ctx, src.FeedURL)
}

// Source returns the source with the given ID, removed or not.
func (s *Store) Source(ctx context.Context, id int64) (archive.Source, error) {
	src, err := scanSource(s.pool.QueryRow(ctx, `SELECT `+sourceCols+` FROM sources WHERE id = $1`, id))
	if err != nil {
		return src, notFound(err, fmt.Sprintf("source %d", id))
	}
	return src, nil
}

// SourceByKey returns the followed (not removed) source whose feed URL or
// pseudo-source key is key.
func (s *Store) SourceByKey(ctx context.Context, key string) (archive.Source, error) {
	src, err := scanSource(s.pool.QueryRow(ctx, `SELECT `+sourceCols+` FROM sources WHERE feed_url = $1 AND removed_at IS NULL`, key))
	if err != nil {
		return src, notFound(err, "source "+key)
	}
	return src, nil
}

// Sources lists the followed sources with their article counts, feeds
// first, then by title (byte order, as the embedded store sorts).
func (s *Store) Sources(ctx context.Context) ([]archive.Source, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sourceCols+`,
		(SELECT COUNT(*) FROM articles a WHERE a.source_id = sources.id)
		FROM sources WHERE removed_at IS NULL ORDER BY kind <> 'feed', title COLLATE "C", id`)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (archive.Source, error) {
		var n int
		src, err := scanSource(r, &n)
		src.ArticleCount = n
		return src, err
	})
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	return out, nil
}

// DueSources returns the feeds whose next poll time is at or before now.
func (s *Store) DueSources(ctx context.Context, now time.Time) ([]archive.Source, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sourceCols+` FROM sources
		WHERE removed_at IS NULL AND kind = 'feed' AND (next_poll_at IS NULL OR next_poll_at <= $1)
		ORDER BY next_poll_at NULLS FIRST, id`, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("due sources: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (archive.Source, error) { return scanSource(r) })
	if err != nil {
		return nil, fmt.Errorf("due sources: %w", err)
	}
	return out, nil
}

// UpdateSource writes back a source's settings and poll state.
func (s *Store) UpdateSource(ctx context.Context, src *archive.Source) error {
	tag, err := s.pool.Exec(ctx, `UPDATE sources SET title = $1, site_url = $2, mode = $3, time_zone = $4, etag = $5, last_modified = $6,
		interval_s = $7, last_polled_at = $8, last_status = $9, last_error = $10, error_count = $11, next_poll_at = $12,
		max_items = $13, last_items_failed = $14, last_item_errors = $15, last_items_skipped = $16, allow_private = $17, allow_nets = $18,
		watch = $19, render = $20 WHERE id = $21`,
		src.Title, src.SiteURL, string(src.Mode), src.TimeZone, src.ETag, src.LastModified,
		int64(src.Interval/time.Second), store.UnixMS(src.LastPolledAt), src.LastStatus, src.LastError, src.ErrorCount, store.UnixMS(src.NextPollAt),
		src.MaxItems, src.LastItemsFailed, store.JoinLines(src.LastItemErrors), src.LastItemsSkipped, src.AllowPrivate, fetch.FormatNets(src.AllowNets),
		src.Watch, string(src.Render), src.ID)
	if err != nil {
		return fmt.Errorf("update source %d: %w", src.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("update source %d: %w", src.ID, store.ErrNotFound)
	}
	return nil
}

// RemoveSource stops following a source. Its articles stay in the archive.
func (s *Store) RemoveSource(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `UPDATE sources SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL`, time.Now().UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("remove source %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("remove source %d: %w", id, store.ErrNotFound)
	}
	return nil
}
