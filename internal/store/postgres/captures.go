package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// saveCapture stores c and sets its ID, reusing the row of an equal
// successful capture.
func saveCapture(ctx context.Context, q querier, c *archive.Capture) (int64, error) {
	if c.BodyHash != "" && c.Error == "" {
		var id int64
		err := q.QueryRow(ctx, `SELECT id FROM captures WHERE url = $1 AND body_hash = $2 AND error = '' LIMIT 1`, c.URL, c.BodyHash).Scan(&id)
		if err == nil {
			c.ID = id
			return id, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, err
		}
	}
	return insertCapture(ctx, q, c)
}

// insertCapture stores c as a new row, even when an equal one exists: a
// check's capture is evidence of what the server said at that moment.
func insertCapture(ctx context.Context, q querier, c *archive.Capture) (int64, error) {
	hdr := []byte("{}")
	if c.Header != nil {
		var err error
		if hdr, err = json.Marshal(c.Header); err != nil {
			return 0, err
		}
	}
	var redirects []byte
	if len(c.Redirects) > 0 {
		var err error
		if redirects, err = json.Marshal(c.Redirects); err != nil {
			return 0, err
		}
	}
	err := q.QueryRow(ctx, `INSERT INTO captures (url, final_url, status, header, content_type, fetched_at, body_hash, size, error, redirects, remote_addr)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		c.URL, c.FinalURL, c.Status, string(hdr), c.ContentType, c.FetchedAt.UnixMilli(), c.BodyHash, c.Size, c.Error, string(redirects), c.RemoteAddr).Scan(&c.ID)
	return c.ID, err
}

// SaveCapture stores a raw response (or a failed attempt, with Error set)
// and sets its ID. A successful capture whose URL and body equal a stored
// one is not stored twice; the existing ID is returned.
func (s *Store) SaveCapture(ctx context.Context, c *archive.Capture) (int64, error) {
	id, err := saveCapture(ctx, s.pool, c)
	if err != nil {
		return 0, fmt.Errorf("save capture %s: %w", c.URL, err)
	}
	return id, nil
}

// HasCapture reports whether a successful capture of url with the given
// body hash is stored.
func (s *Store) HasCapture(ctx context.Context, url, bodyHash string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM captures WHERE url = $1 AND body_hash = $2 AND error = '')`, url, bodyHash).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("has capture %s: %w", url, err)
	}
	return ok, nil
}

const captureCols = `id, url, final_url, status, header, content_type, fetched_at, body_hash, size, error, redirects, remote_addr`

func scanCapture(r pgx.Row) (archive.Capture, error) {
	var c archive.Capture
	var hdr, redirects string
	var fetched int64
	if err := r.Scan(&c.ID, &c.URL, &c.FinalURL, &c.Status, &hdr, &c.ContentType, &fetched, &c.BodyHash, &c.Size, &c.Error,
		&redirects, &c.RemoteAddr); err != nil {
		return c, err
	}
	c.FetchedAt = time.UnixMilli(fetched).UTC()
	if err := json.Unmarshal([]byte(hdr), &c.Header); err != nil {
		return c, fmt.Errorf("capture %d header: %w", c.ID, err)
	}
	if redirects != "" {
		if err := json.Unmarshal([]byte(redirects), &c.Redirects); err != nil {
			return c, fmt.Errorf("capture %d redirects: %w", c.ID, err)
		}
	}
	return c, nil
}

// Capture returns the capture with the given ID.
func (s *Store) Capture(ctx context.Context, id int64) (archive.Capture, error) {
	c, err := scanCapture(s.pool.QueryRow(ctx, `SELECT `+captureCols+` FROM captures WHERE id = $1`, id))
	if err != nil {
		return c, notFound(err, fmt.Sprintf("capture %d", id))
	}
	return c, nil
}

// Captures returns the most recent captures of url (as asked for or as
// finally reached), newest first.
func (s *Store) Captures(ctx context.Context, u string, limit int) ([]archive.Capture, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+captureCols+` FROM captures WHERE url = $1 OR final_url = $1
		ORDER BY fetched_at DESC, id DESC LIMIT $2`, u, store.LimitOr(limit, 20))
	if err != nil {
		return nil, fmt.Errorf("captures %s: %w", u, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (archive.Capture, error) { return scanCapture(r) })
	if err != nil {
		return nil, fmt.Errorf("captures %s: %w", u, err)
	}
	return out, nil
}

// capturePage is how many captures EachCapture reads per query.
const capturePage = 512

// EachCapture calls fn for every capture in the order they were stored,
// with the article version extracted from it (the latest when several
// were; nil when none was). It reads a page at a time and holds no query
// open while fn runs.
func (s *Store) EachCapture(ctx context.Context, fn func(c archive.Capture, link *store.CaptureLink) error) error {
	var after int64
	for {
		rows, err := s.pool.Query(ctx, `SELECT `+captureCols+` FROM captures WHERE id > $1 ORDER BY id LIMIT $2`, after, capturePage)
		if err != nil {
			return fmt.Errorf("each capture: %w", err)
		}
		page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (archive.Capture, error) { return scanCapture(r) })
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
			// The walk gives what exports need: no redirects or address.
			c.Redirects, c.RemoteAddr = nil, ""
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
	rows, err := s.pool.Query(ctx, `SELECT v.capture_id, v.id, v.seq, v.hash, v.title, a.id, a.url
		FROM versions v JOIN articles a ON a.id = v.article_id
		WHERE v.capture_id BETWEEN $1 AND $2 ORDER BY v.id`, first, last)
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

// HasImportedFile reports whether a file with the given body hash was
// imported already: a successful capture whose final URL is a file:// one.
// The partial index captures_file_hash answers it.
func (s *Store) HasImportedFile(ctx context.Context, bodyHash string) (bool, error) {
	var found bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM captures WHERE body_hash = $1 AND final_url LIKE 'file://%' AND error = '')`, bodyHash).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("has imported file %s: %w", bodyHash, err)
	}
	return found, nil
}
