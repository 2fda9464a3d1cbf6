// Package sqlite is newsvault's embedded store: one SQLite file (through the
// pure-Go modernc.org/sqlite driver) in WAL mode, with schema migrations run
// at open. Every article write is one transaction. Blobs are not kept here;
// rows refer to them by hash.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// Store is a SQLite-backed archive store. It is safe for concurrent use.
type Store struct {
	db *sql.DB
}

// Open opens (creating if needed) the database file at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
	for _, p := range []string{
		"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)",
		"foreign_keys(ON)", "cache_size(-32000)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// Keep every connection: opening one re-reads the schema, and a pool
	// that closes idle connections reopens them under load.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := s.restoreIndexMerging(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var have int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("migrate: database schema version %d is newer than this program (%d)", have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate to %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)`, v, time.Now().UnixMilli()); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to %d: %w", v, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate to %d: %w", v, err)
		}
	}
	return nil
}

// ---- time encoding: Unix milliseconds, plus the zone offset in seconds for
// article dates so the original zone can be shown.

func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func off(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	_, o := t.Zone()
	return o
}

func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

func fromMSOff(v, o sql.NullInt64) time.Time {
	t := fromMS(v)
	if t.IsZero() || !o.Valid {
		return t
	}
	if o.Int64 == 0 {
		return t
	}
	return t.In(time.FixedZone(offsetName(int(o.Int64)), int(o.Int64)))
}

func offsetName(sec int) string {
	sign := '+'
	if sec < 0 {
		sign = '-'
		sec = -sec
	}
	return fmt.Sprintf("%c%02d:%02d", sign, sec/3600, sec%3600/60)
}

// ---- sources

const sourceCols = `id, kind, feed_url, title, site_url, mode, time_zone, etag, last_modified,
	interval_s, last_polled_at, last_status, last_error, error_count, next_poll_at, created_at`

func scanSource(sc interface{ Scan(...any) error }, extra ...any) (archive.Source, error) {
	var s archive.Source
	var kind, mode string
	var interval int64
	var polled, next, created sql.NullInt64
	dest := []any{&s.ID, &kind, &s.FeedURL, &s.Title, &s.SiteURL, &mode, &s.TimeZone, &s.ETag, &s.LastModified,
		&interval, &polled, &s.LastStatus, &s.LastError, &s.ErrorCount, &next, &created}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return s, err
	}
	s.Kind = archive.SourceKind(kind)
	s.Mode = archive.ContentMode(mode)
	s.Interval = time.Duration(interval) * time.Second
	s.LastPolledAt, s.NextPollAt, s.CreatedAt = fromMS(polled), fromMS(next), fromMS(created)
	return s, nil
}

// CreateSource stores a new source and sets its ID. Adding a feed URL that
// is already followed fails with store.ErrConflict; one that was removed
// earlier is followed again, keeping its history.
func (s *Store) CreateSource(ctx context.Context, src *archive.Source) error {
	if src.Mode == "" {
		src.Mode = archive.ModeAuto
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
			interval_s = ?, next_poll_at = ?, error_count = 0 WHERE id = ?`,
			string(src.Kind), src.Title, src.SiteURL, string(src.Mode), src.TimeZone, int64(src.Interval/time.Second), ms(src.NextPollAt), id)
		if err != nil {
			return fmt.Errorf("create source %s: %w", src.FeedURL, err)
		}
		src.ID = id
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("create source %s: %w", src.FeedURL, err)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO sources (kind, feed_url, title, site_url, mode, time_zone, interval_s, next_poll_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(src.Kind), src.FeedURL, src.Title, src.SiteURL, string(src.Mode), src.TimeZone,
		int64(src.Interval/time.Second), ms(src.NextPollAt), ms(src.CreatedAt))
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
		interval_s = ?, last_polled_at = ?, last_status = ?, last_error = ?, error_count = ?, next_poll_at = ?
		WHERE id = ?`,
		src.Title, src.SiteURL, string(src.Mode), src.TimeZone, src.ETag, src.LastModified,
		int64(src.Interval/time.Second), ms(src.LastPolledAt), src.LastStatus, src.LastError, src.ErrorCount, ms(src.NextPollAt), src.ID)
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

// ---- captures

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func saveCapture(ctx context.Context, ex execer, c *archive.Capture) (int64, error) {
	if c.BodyHash != "" && c.Error == "" {
		var id int64
		err := ex.QueryRowContext(ctx, `SELECT id FROM captures WHERE url = ? AND body_hash = ? AND error = '' LIMIT 1`, c.URL, c.BodyHash).Scan(&id)
		if err == nil {
			c.ID = id
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	hdr, err := json.Marshal(c.Header)
	if err != nil {
		return 0, err
	}
	if c.Header == nil {
		hdr = []byte("{}")
	}
	res, err := ex.ExecContext(ctx, `INSERT INTO captures (url, final_url, status, header, content_type, fetched_at, body_hash, size, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.URL, c.FinalURL, c.Status, string(hdr), c.ContentType, c.FetchedAt.UnixMilli(), c.BodyHash, c.Size, c.Error)
	if err != nil {
		return 0, err
	}
	c.ID, _ = res.LastInsertId()
	return c.ID, nil
}

// SaveCapture stores a raw response (or a failed attempt, with Error set) and
// sets its ID. A successful capture whose URL and body equal a stored one is
// not stored twice; the existing ID is returned.
func (s *Store) SaveCapture(ctx context.Context, c *archive.Capture) (int64, error) {
	id, err := saveCapture(ctx, s.db, c)
	if err != nil {
		return 0, fmt.Errorf("save capture %s: %w", c.URL, err)
	}
	return id, nil
}

// HasCapture reports whether a successful capture of url with the given body
// hash is stored. Importers use it to skip files they already took in.
func (s *Store) HasCapture(ctx context.Context, url, bodyHash string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM captures WHERE url = ? AND body_hash = ? AND error = '' LIMIT 1`, url, bodyHash).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("has capture %s: %w", url, err)
	}
	return true, nil
}

// Capture returns the capture with the given ID.
func (s *Store) Capture(ctx context.Context, id int64) (archive.Capture, error) {
	var c archive.Capture
	var hdr string
	var fetched int64
	err := s.db.QueryRowContext(ctx, `SELECT id, url, final_url, status, header, content_type, fetched_at, body_hash, size, error
		FROM captures WHERE id = ?`, id).Scan(&c.ID, &c.URL, &c.FinalURL, &c.Status, &hdr, &c.ContentType, &fetched, &c.BodyHash, &c.Size, &c.Error)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("capture %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("capture %d: %w", id, err)
	}
	c.FetchedAt = time.UnixMilli(fetched).UTC()
	if err := json.Unmarshal([]byte(hdr), &c.Header); err != nil {
		return c, fmt.Errorf("capture %d header: %w", id, err)
	}
	return c, nil
}

// Captures returns the most recent captures of url (as asked for or as
// finally reached), newest first.
func (s *Store) Captures(ctx context.Context, u string, limit int) ([]archive.Capture, error) {
	if limit <= 0 {
		limit = 20
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM captures WHERE url = ? OR final_url = ? ORDER BY fetched_at DESC, id DESC LIMIT ?`, u, u, limit)
	if err != nil {
		return nil, fmt.Errorf("captures %s: %w", u, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]archive.Capture, 0, len(ids))
	for _, id := range ids {
		c, err := s.Capture(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// ---- assets

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

// ---- statistics

// Stats counts what the store holds.
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	var st store.Stats
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM sources WHERE removed_at IS NULL),
		(SELECT COUNT(*) FROM articles),
		(SELECT COUNT(*) FROM versions),
		(SELECT COUNT(*) FROM captures),
		(SELECT COUNT(*) FROM assets)`).Scan(&st.Sources, &st.Articles, &st.Versions, &st.Captures, &st.Assets)
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.PingContext(ctx)
}
