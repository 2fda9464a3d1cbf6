package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// SaveArticle writes one archiving step in a single transaction: the
// capture (if given), the article (created on first sight), a new version when
// the content hash differs from the latest one (otherwise only "last seen"
// times move), the assets the version uses, and, when w.Index is set and the
// version is new, the article's search index entry.
func (s *Store) SaveArticle(ctx context.Context, w *store.ArticleWrite) (store.SaveResult, error) {
	res, err := s.SaveArticles(ctx, []*store.ArticleWrite{w})
	if err != nil {
		return store.SaveResult{}, err
	}
	return res[0], nil
}

// SaveArticles writes several archiving steps, in order, in one
// transaction: each is applied as SaveArticle would, and either all of them
// land or none does. Bulk imports use it so that one commit (and one search
// index segment) serves many articles.
func (s *Store) SaveArticles(ctx context.Context, ws []*store.ArticleWrite) (out []store.SaveResult, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("save articles: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	out = make([]store.SaveResult, 0, len(ws))
	// The same dozen statements run for every article: prepare each once
	// per transaction rather than once per use.
	stmts := &stmtCache{tx: tx, m: map[string]*sql.Stmt{}}
	defer stmts.close()
	for _, w := range ws {
		res, err := saveArticle(ctx, stmts, w)
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("save articles: %w", err)
	}
	return out, nil
}

func saveArticle(ctx context.Context, tx execer, w *store.ArticleWrite) (res store.SaveResult, err error) {
	art := w.Article
	a := &art
	if a.URL == "" {
		return res, fmt.Errorf("save article: empty URL")
	}
	if w.Version.Hash == "" {
		return res, fmt.Errorf("save article %s: version has no content hash", a.URL)
	}
	seen := w.SeenAt
	if seen.IsZero() {
		seen = time.Now().UTC()
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("save article %s: %w", a.URL, err)
		}
	}()

	res.CaptureID = w.CaptureID
	if w.Capture != nil {
		if res.CaptureID, err = saveCapture(ctx, tx, w.Capture); err != nil {
			return res, err
		}
	}

	var latestHash sql.NullString
	var latestID, owner sql.NullInt64
	var count int
	lookup := func() error {
		return tx.QueryRowContext(ctx, `SELECT a.id, a.version_count, v.id, v.hash, a.source_id FROM articles a
		LEFT JOIN versions v ON v.id = a.version_id WHERE a.url = ?`, a.URL).Scan(&res.ArticleID, &count, &latestID, &latestHash, &owner)
	}
	err = lookup()
	if err == nil && owner.Valid && owner.Int64 != a.SourceID && !w.FromOwnURL {
		// Another source's article: this content becomes an article of
		// its own source.
		if w.CopyURL == "" {
			return res, store.ErrNotOwner
		}
		a.URL, res.Copy = w.CopyURL, true
		res.ArticleID, count, latestID, latestHash, owner = 0, 0, sql.NullInt64{}, sql.NullString{}, sql.NullInt64{}
		err = lookup()
	}
	res.URL = a.URL
	switch {
	case errors.Is(err, sql.ErrNoRows):
		sortAt := w.Version.Published
		if sortAt.IsZero() {
			sortAt = seen
		}
		var srcID any
		if a.SourceID != 0 {
			srcID = a.SourceID
		}
		orig := a.OriginalURL
		if orig == "" {
			orig = a.URL
		}
		r, err2 := tx.ExecContext(ctx, `INSERT INTO articles (url, original_url, source_id, title, published_at, sort_at, first_seen_at, last_seen_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.URL, orig, srcID, w.Version.Title, store.UnixMS(w.Version.Published), sortAt.UnixMilli(), seen.UnixMilli(), seen.UnixMilli())
		if err2 != nil {
			return res, err2
		}
		res.ArticleID, _ = r.LastInsertId()
		res.NewArticle = true
		if w.Watch != nil {
			if err = startWatch(ctx, tx, res.ArticleID, seen, w.Watch); err != nil {
				return res, err
			}
		}
	case err != nil:
		return res, err
	}

	if latestHash.Valid && latestHash.String == w.Version.Hash {
		res.VersionID = latestID.Int64
		if _, err = tx.ExecContext(ctx, `UPDATE versions SET last_seen_at = ? WHERE id = ?`, seen.UnixMilli(), res.VersionID); err != nil {
			return res, err
		}
		if _, err = tx.ExecContext(ctx, `UPDATE articles SET last_seen_at = ? WHERE id = ?`, seen.UnixMilli(), res.ArticleID); err != nil {
			return res, err
		}
		return res, nil
	}

	v := &w.Version
	var capID any
	if res.CaptureID != 0 {
		capID = res.CaptureID
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO versions (article_id, seq, hash, title, author, published_at, published_off, updated_at, updated_off,
		site_name, language, image, html, text, sanitizer, capture_id, created_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		res.ArticleID, count+1, v.Hash, v.Title, v.Author, store.UnixMS(v.Published), store.ZoneOffset(v.Published), store.UnixMS(v.Updated), store.ZoneOffset(v.Updated),
		v.SiteName, v.Language, v.Image, v.HTML, v.Text, v.Sanitizer, capID, seen.UnixMilli(), seen.UnixMilli())
	if err != nil {
		return res, err
	}
	res.VersionID, _ = r.LastInsertId()
	res.NewVersion = true
	if err = linkAssets(ctx, tx, res.VersionID, w.Assets); err != nil {
		return res, err
	}
	sortExpr := `sort_at`
	args := []any{res.VersionID, v.Title, store.UnixMS(v.Published), seen.UnixMilli()}
	if !v.Published.IsZero() {
		sortExpr = `?`
		args = []any{res.VersionID, v.Title, store.UnixMS(v.Published), v.Published.UnixMilli(), seen.UnixMilli()}
	}
	if _, err = tx.ExecContext(ctx, `UPDATE articles SET version_id = ?, version_count = version_count + 1, title = ?,
		published_at = ?, sort_at = `+sortExpr+`, last_seen_at = ?, language = ? WHERE id = ?`, append(args, v.Language, res.ArticleID)...); err != nil {
		return res, err
	}
	if w.Index != nil {
		if err = putIndex(ctx, tx, res.ArticleID, w.Index, !res.NewArticle); err != nil {
			return res, err
		}
	}
	return res, nil
}

const articleCols = `a.id, a.url, a.original_url, COALESCE(a.source_id, 0), a.version_count, a.first_seen_at, a.last_seen_at,
	v.id, v.title, v.author, v.published_at, v.published_off, v.updated_at, v.updated_off, v.site_name, v.language, v.image, v.html, v.text, v.sanitizer,
	COALESCE(v.capture_id, 0)`

// listCols are articleCols without the body: HTML and text read as ”.
var listCols = strings.Replace(articleCols, "v.html, v.text", "'', ''", 1)

const articleFrom = ` FROM articles a JOIN versions v ON v.id = a.version_id `

func scanArticle(sc interface{ Scan(...any) error }) (archive.Article, error) {
	var a archive.Article
	var first, last int64
	var pub, puboff, upd, updoff sql.NullInt64
	err := sc.Scan(&a.ID, &a.URL, &a.OriginalURL, &a.SourceID, &a.VersionCount, &first, &last,
		&a.VersionID, &a.Title, &a.Author, &pub, &puboff, &upd, &updoff, &a.SiteName, &a.Language, &a.Image, &a.HTML, &a.Text, &a.Sanitizer,
		&a.CaptureID)
	if err != nil {
		return a, err
	}
	a.FirstSeenAt, a.LastSeenAt = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	a.Published, a.Updated = store.FromUnixMSOffset(pub, puboff), store.FromUnixMSOffset(upd, updoff)
	return a, nil
}

// Article returns the article with the given ID, with its latest content.
func (s *Store) Article(ctx context.Context, id int64) (archive.Article, error) {
	a, err := scanArticle(s.db.QueryRowContext(ctx, `SELECT `+articleCols+articleFrom+`WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("article %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("article %d: %w", id, err)
	}
	return a, nil
}

// ArticleByURL returns the article whose canonical URL is u.
func (s *Store) ArticleByURL(ctx context.Context, u string) (archive.Article, error) {
	a, err := scanArticle(s.db.QueryRowContext(ctx, `SELECT `+articleCols+articleFrom+`WHERE a.url = ?`, u))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("article %s: %w", u, store.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("article %s: %w", u, err)
	}
	return a, nil
}

// Articles lists articles newest first (by published time, or first-seen
// time when the article has no date).
func (s *Store) Articles(ctx context.Context, f store.ArticleFilter) ([]archive.Article, error) {
	where, args := filterWhere(f)
	cols := articleCols
	if f.NoContent {
		cols = listCols
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	offset := f.Offset
	if offset > 0 && byDays(f) {
		// Deep pages start at the day holding the offset.
		top, skip, ok, err := s.dayAt(ctx, f.SourceID, offset)
		if err != nil {
			return nil, fmt.Errorf("list articles: %w", err)
		}
		if !ok {
			return nil, nil
		}
		where += ` AND a.sort_at <= ?`
		args = append(args, top)
		offset = skip
	}
	q := `SELECT ` + cols + articleFrom + where + ` ORDER BY a.sort_at DESC, a.id DESC LIMIT ? OFFSET ?`
	args = append(args, limit, offset)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	defer rows.Close()
	var out []archive.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("list articles: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CountArticles counts the articles a filter selects (ignoring Limit,
// Offset and AfterID).
func (s *Store) CountArticles(ctx context.Context, f store.ArticleFilter) (int, error) {
	f.AfterID = 0
	if byDays(f) {
		var n int
		err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0) FROM article_days WHERE source_id = ?`, daysKey(f.SourceID)).Scan(&n)
		if err != nil {
			return 0, fmt.Errorf("count articles: %w", err)
		}
		return n, nil
	}
	where, args := filterWhere(f)
	q := `SELECT COUNT(*) FROM articles a ` + where
	var n int
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	return n, nil
}

// dayMS is the length of an article_days bucket.
const dayMS = 86400000

// byDays reports whether the per-day counts answer f: all articles, or one
// source's, from the newest.
func byDays(f store.ArticleFilter) bool {
	return f.Since.IsZero() && f.Until.IsZero() && f.MinVersions <= 1 && f.Status == "" && f.AfterID == 0
}

// daysKey is the article_days source_id of a listing.
func daysKey(sourceID int64) int64 {
	if sourceID == 0 {
		return -1
	}
	return sourceID
}

// dayAt finds the day that holds the offset-th article (newest first) of
// a source (0: all): the greatest sort_at of that day's bucket and how many
// of its articles come before the offset. ok is false past the end.
func (s *Store) dayAt(ctx context.Context, sourceID int64, offset int) (top int64, skip int, ok bool, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT day, n FROM article_days WHERE source_id = ? AND n > 0 ORDER BY day DESC`, daysKey(sourceID))
	if err != nil {
		return 0, 0, false, err
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var day int64
		var n int
		if err := rows.Scan(&day, &n); err != nil {
			return 0, 0, false, err
		}
		if seen+n > offset {
			// SQLite's integer division truncates towards zero, so day 0
			// holds both sides of the epoch and a negative day D holds
			// ((D-1)*dayMS, D*dayMS].
			top = (day+1)*dayMS - 1
			if day < 0 {
				top = day * dayMS
			}
			return top, offset - seen, true, nil
		}
		seen += n
	}
	return 0, 0, false, rows.Err()
}

// filterWhere turns a filter into a WHERE clause over articles a.
func filterWhere(f store.ArticleFilter) (string, []any) {
	q := `WHERE 1=1`
	var args []any
	if f.SourceID != 0 {
		q += ` AND a.source_id = ?`
		args = append(args, f.SourceID)
	}
	if !f.Since.IsZero() {
		q += ` AND a.sort_at >= ?`
		args = append(args, f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		q += ` AND a.sort_at < ?`
		args = append(args, f.Until.UnixMilli())
	}
	if f.AfterID != 0 {
		q += ` AND (a.sort_at, a.id) < ((SELECT sort_at FROM articles WHERE id = ?), ?)`
		args = append(args, f.AfterID, f.AfterID)
	}
	if f.MinVersions > 1 {
		q += ` AND a.version_count >= ?`
		args = append(args, f.MinVersions)
	}
	sw, sargs := statusWhere(f.Status)
	return q + sw, append(args, sargs...)
}

// Versions returns every version of an article, oldest first.
func (s *Store) Versions(ctx context.Context, articleID int64) ([]archive.Version, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, article_id, seq, hash, title, author, published_at, published_off, updated_at, updated_off,
		site_name, language, image, html, text, sanitizer, COALESCE(capture_id, 0), created_at, last_seen_at
		FROM versions WHERE article_id = ? ORDER BY seq`, articleID)
	if err != nil {
		return nil, fmt.Errorf("versions of %d: %w", articleID, err)
	}
	defer rows.Close()
	var out []archive.Version
	for rows.Next() {
		var v archive.Version
		var pub, puboff, upd, updoff sql.NullInt64
		var created, last int64
		if err := rows.Scan(&v.ID, &v.ArticleID, &v.Seq, &v.Hash, &v.Title, &v.Author, &pub, &puboff, &upd, &updoff,
			&v.SiteName, &v.Language, &v.Image, &v.HTML, &v.Text, &v.Sanitizer, &v.CaptureID, &created, &last); err != nil {
			return nil, fmt.Errorf("versions of %d: %w", articleID, err)
		}
		v.Published, v.Updated = store.FromUnixMSOffset(pub, puboff), store.FromUnixMSOffset(upd, updoff)
		v.CreatedAt, v.LastSeenAt = time.UnixMilli(created).UTC(), time.UnixMilli(last).UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// LatestHash returns the content hash of the latest version of the article
// whose canonical URL is u.
func (s *Store) LatestHash(ctx context.Context, u string) (string, error) {
	var h string
	err := s.db.QueryRowContext(ctx, `SELECT v.hash FROM articles a JOIN versions v ON v.id = a.version_id WHERE a.url = ?`, u).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("article %s: %w", u, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("article %s: %w", u, err)
	}
	return h, nil
}
