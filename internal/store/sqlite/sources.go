package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/store"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

const sourceCols = `id, kind, feed_url, title, site_url, mode, time_zone, etag, last_modified,
	interval_s, last_polled_at, last_status, last_error, error_count, next_poll_at, created_at,
	max_items, last_items_failed, last_item_errors, last_items_skipped, allow_private, allow_nets, watch, render`

// scanSource reads a row of sourceCols, then extra columns into extra.
func scanSource(sc interface{ Scan(...any) error }, extra ...any) (s archive.Source, err error) {
	var kind, mode, render string
	var interval int64
	var polled, next, created sql.NullInt64
	var itemErrors, nets string
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
	s.Kind = archive.SourceKind(kind)
	s.Mode = archive.ContentMode(mode)
	s.Render = archive.RenderMode(render)
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
	var id int64
	var removed sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT id, removed_at FROM sources WHERE feed_url = ?`, src.FeedURL).Scan(&id, &removed)
	switch {
	case err == nil && !removed.Valid:
		return fmt.Errorf("create source %s: %w", src.FeedURL, store.ErrConflict)
	case err == nil:
		_, err = s.db.ExecContext(ctx, `UPDATE sources SET removed_at = NULL, kind = ?, title = ?, site_url = ?, mode = ?, time_zone = ?,
			interval_s = ?, next_poll_at = ?, error_count = 0, max_items = ?, allow_private = ?, allow_nets = ?, watch = ?, render = ? WHERE id = ?`,
			string(src.Kind), src.Title, src.SiteURL, string(src.Mode), src.TimeZone, int64(src.Interval/time.Second), store.UnixMS(src.NextPollAt),
			src.MaxItems, src.AllowPrivate, fetch.FormatNets(src.AllowNets), src.Watch, string(src.Render), id)
		if err != nil {
			return fmt.Errorf("create source %s: %w", src.FeedURL, err)
		}
		src.ID = id
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("create source %s: %w", src.FeedURL, err)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO sources (kind, feed_url, title, site_url, mode, time_zone, interval_s, next_poll_at, created_at,
		max_items, allow_private, allow_nets, watch, render)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(src.Kind), src.FeedURL, src.Title, src.SiteURL, string(src.Mode), src.TimeZone,
		int64(src.Interval/time.Second), store.UnixMS(src.NextPollAt), store.UnixMS(src.CreatedAt), src.MaxItems, src.AllowPrivate, fetch.FormatNets(src.AllowNets), src.Watch, string(src.Render))
	if isUniqueViolation(err) {
		// Another writer added the same key between the look-up and the
		// insert (two archives creating the manual source at once).
		return fmt.Errorf("create source %s: %w", src.FeedURL, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create source %s: %w", src.FeedURL, err)
	}
	src.ID, _ = res.LastInsertId()
	return nil
}

// EnsureSource returns the source with src.FeedURL as its key, creating it
// from src when there is none. It is how pseudo-sources come into being.
func (s *Store) EnsureSource(ctx context.Context, src *archive.Source) (archive.Source, error) {
	got, err := s.SourceByKey(ctx, src.FeedURL)
	if err == nil {
		return got, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return got, err
	}
	if err := s.CreateSource(ctx, src); err != nil && !errors.Is(err, store.ErrConflict) {
		return archive.Source{}, err
	}
	return s.SourceByKey(ctx, src.FeedURL)
}

// Source returns the source with the given ID, removed or not.
func (s *Store) Source(ctx context.Context, id int64) (archive.Source, error) {
	src, err := scanSource(s.db.QueryRowContext(ctx, `SELECT `+sourceCols+` FROM sources WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return src, fmt.Errorf("source %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return src, fmt.Errorf("source %d: %w", id, err)
	}
	return src, nil
}

// SourceByKey returns the followed (not removed) source whose feed URL or
// pseudo-source key is key.
func (s *Store) SourceByKey(ctx context.Context, key string) (archive.Source, error) {
	src, err := scanSource(s.db.QueryRowContext(ctx, `SELECT `+sourceCols+` FROM sources WHERE feed_url = ? AND removed_at IS NULL`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return src, fmt.Errorf("source %s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return src, fmt.Errorf("source %s: %w", key, err)
	}
	return src, nil
}

// Sources lists the sources that are followed, with their article counts,
// feeds first, then by title.
func (s *Store) Sources(ctx context.Context) ([]archive.Source, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sourceCols+`,
		(SELECT COUNT(*) FROM articles a WHERE a.source_id = sources.id)
		FROM sources WHERE removed_at IS NULL ORDER BY kind <> 'feed', title, id`)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	defer rows.Close()
	var out []archive.Source
	for rows.Next() {
		var n int
		src, err := scanSource(rows, &n)
		if err != nil {
			return nil, fmt.Errorf("list sources: %w", err)
		}
		src.ArticleCount = n
		out = append(out, src)
	}
	return out, rows.Err()
}

// DueSources returns the feeds whose next poll time is at or before now.
func (s *Store) DueSources(ctx context.Context, now time.Time) ([]archive.Source, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sourceCols+` FROM sources
		WHERE removed_at IS NULL AND kind = 'feed' AND (next_poll_at IS NULL OR next_poll_at <= ?)
		ORDER BY next_poll_at, id`, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("due sources: %w", err)
	}
	defer rows.Close()
	var out []archive.Source
	for rows.Next() {
		src, err := scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("due sources: %w", err)
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

// UpdateSource writes back a source's settings and poll state.
func (s *Store) UpdateSource(ctx context.Context, src *archive.Source) error {
	res, err := s.db.ExecContext(ctx, `UPDATE sources SET title = ?, site_url = ?, mode = ?, time_zone = ?, etag = ?, last_modified = ?,
		interval_s = ?, last_polled_at = ?, last_status = ?, last_error = ?, error_count = ?, next_poll_at = ?,
		max_items = ?, last_items_failed = ?, last_item_errors = ?, last_items_skipped = ?, allow_private = ?, allow_nets = ?, watch = ?, render = ?
		WHERE id = ?`,
		src.Title, src.SiteURL, string(src.Mode), src.TimeZone, src.ETag, src.LastModified,
		int64(src.Interval/time.Second), store.UnixMS(src.LastPolledAt), src.LastStatus, src.LastError, src.ErrorCount, store.UnixMS(src.NextPollAt),
		src.MaxItems, src.LastItemsFailed, store.JoinLines(src.LastItemErrors), src.LastItemsSkipped, src.AllowPrivate, fetch.FormatNets(src.AllowNets), src.Watch, string(src.Render), src.ID)
	if err != nil {
		return fmt.Errorf("update source %d: %w", src.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("update source %d: %w", src.ID, store.ErrNotFound)
	}
	return nil
}

// RemoveSource stops following a source. Its articles stay in the archive.
func (s *Store) RemoveSource(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE sources SET removed_at = ? WHERE id = ? AND removed_at IS NULL`, time.Now().UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("remove source %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("remove source %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// isUniqueViolation reports whether err is SQLite refusing a row that
// breaks a UNIQUE constraint.
func isUniqueViolation(err error) bool {
	var se *msqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}
