package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// saveCapture stores c on ex (the database or a transaction) and sets its
// ID, reusing the row of an equal successful capture.
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
	return insertCapture(ctx, ex, c)
}

// insertCapture stores c as a new row, even when an equal one exists: a
// check's capture is evidence of what the server said at that moment.
func insertCapture(ctx context.Context, ex execer, c *archive.Capture) (int64, error) {
	hdr, err := json.Marshal(c.Header)
	if err != nil {
		return 0, err
	}
	if c.Header == nil {
		hdr = []byte("{}")
	}
	var redirects []byte
	if len(c.Redirects) > 0 {
		if redirects, err = json.Marshal(c.Redirects); err != nil {
			return 0, err
		}
	}
	res, err := ex.ExecContext(ctx, `INSERT INTO captures (url, final_url, status, header, content_type, fetched_at, body_hash, size, error, redirects, remote_addr)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.URL, c.FinalURL, c.Status, string(hdr), c.ContentType, c.FetchedAt.UnixMilli(), c.BodyHash, c.Size, c.Error, string(redirects), c.RemoteAddr)
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

// importedFileQuery repeats the partial index's condition so the planner
// can use it.
const importedFileQuery = `SELECT 1 FROM captures WHERE body_hash = ? AND final_url LIKE 'file://%' AND error = '' LIMIT 1`

// HasImportedFile reports whether a file with the given body hash was
// imported already: a successful capture whose final URL is a file:// one.
// The partial index captures_file_hash (migration 11) answers it.
func (s *Store) HasImportedFile(ctx context.Context, bodyHash string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, importedFileQuery, bodyHash).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("has imported file %s: %w", bodyHash, err)
	}
	return true, nil
}

// Capture returns the capture with the given ID.
func (s *Store) Capture(ctx context.Context, id int64) (archive.Capture, error) {
	var c archive.Capture
	var hdr, redirects string
	var fetched int64
	err := s.db.QueryRowContext(ctx, `SELECT id, url, final_url, status, header, content_type, fetched_at, body_hash, size, error, redirects, remote_addr
		FROM captures WHERE id = ?`, id).Scan(&c.ID, &c.URL, &c.FinalURL, &c.Status, &hdr, &c.ContentType, &fetched, &c.BodyHash, &c.Size, &c.Error,
		&redirects, &c.RemoteAddr)
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
	if redirects != "" {
		if err := json.Unmarshal([]byte(redirects), &c.Redirects); err != nil {
			return c, fmt.Errorf("capture %d redirects: %w", id, err)
		}
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

// capturePage is how many captures EachCapture reads per query.
const capturePage = 512

// EachCapture calls fn for every capture in the order they were stored,
// with the article version extracted from it (the latest when several
// were; nil when none was). It reads a page of captures at a time and holds
// no query open while fn runs, so fn may use the store and the archive need
// not fit in memory. An error from fn stops the walk and is returned.
func (s *Store) EachCapture(ctx context.Context, fn func(c archive.Capture, link *store.CaptureLink) error) error {
	var after int64
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT id, url, final_url, status, header, content_type, fetched_at, body_hash, size, error
			FROM captures WHERE id > ? ORDER BY id LIMIT ?`, after, capturePage)
		if err != nil {
			return fmt.Errorf("each capture: %w", err)
		}
		var page []archive.Capture
		for rows.Next() {
			var c archive.Capture
			var hdr string
			var fetched int64
			if err := rows.Scan(&c.ID, &c.URL, &c.FinalURL, &c.Status, &hdr, &c.ContentType, &fetched, &c.BodyHash, &c.Size, &c.Error); err != nil {
				rows.Close()
				return fmt.Errorf("each capture: %w", err)
			}
			c.FetchedAt = time.UnixMilli(fetched).UTC()
			if err := json.Unmarshal([]byte(hdr), &c.Header); err != nil {
				rows.Close()
				return fmt.Errorf("capture %d header: %w", c.ID, err)
			}
			page = append(page, c)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("each capture: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		links, err := s.captureLinks(ctx, page[0].ID, page[len(page)-1].ID)
		if err != nil {
			return err
		}
		for _, c := range page {
			if err := fn(c, links[c.ID]); err != nil {
				return err
			}
		}
		if len(page) < capturePage {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// captureLinks returns the latest version extracted from each capture with
// an ID from first to last.
func (s *Store) captureLinks(ctx context.Context, first, last int64) (map[int64]*store.CaptureLink, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT v.capture_id, v.id, v.seq, v.hash, v.title, a.id, a.url
		FROM versions v JOIN articles a ON a.id = v.article_id
		WHERE v.capture_id BETWEEN ? AND ? ORDER BY v.id`, first, last)
	if err != nil {
		return nil, fmt.Errorf("capture links: %w", err)
	}
	defer rows.Close()
	out := map[int64]*store.CaptureLink{}
	for rows.Next() {
		var cid int64
		l := &store.CaptureLink{}
		if err := rows.Scan(&cid, &l.VersionID, &l.VersionSeq, &l.VersionHash, &l.ArticleTitle, &l.ArticleID, &l.ArticleURL); err != nil {
			return nil, fmt.Errorf("capture links: %w", err)
		}
		out[cid] = l // ordered by version: the latest wins
	}
	return out, rows.Err()
}
