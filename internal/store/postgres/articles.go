package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// SaveArticle writes one archiving step in a single transaction, as the
// embedded store does: the capture, the article (created on first sight),
// a new version when the content hash differs from the latest one, its
// assets and, for a new version with w.Index set, the search entry.
func (s *Store) SaveArticle(ctx context.Context, w *store.ArticleWrite) (store.SaveResult, error) {
	res, err := s.SaveArticles(ctx, []*store.ArticleWrite{w})
	if err != nil {
		return store.SaveResult{}, err
	}
	return res[0], nil
}

// SaveArticles writes several archiving steps in order in one transaction:
// all land or none does. Writers of the same article take turns on its
// row; a transaction PostgreSQL cancels for a deadlock is run again.
func (s *Store) SaveArticles(ctx context.Context, ws []*store.ArticleWrite) ([]store.SaveResult, error) {
	var out []store.SaveResult
	err := s.inTx(ctx, "save articles", func(tx pgx.Tx) error {
		out = make([]store.SaveResult, 0, len(ws))
		for _, w := range ws {
			res, err := saveArticle(ctx, tx, w)
			if err != nil {
				return err
			}
			out = append(out, res)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// articleHead is what a write reads of an existing article, locking it.
type articleHead struct {
	id, count  int64
	latestID   sql.NullInt64
	latestHash sql.NullString
	owner      sql.NullInt64
}

func lookupArticle(ctx context.Context, tx querier, u string) (articleHead, error) {
	var h articleHead
	err := tx.QueryRow(ctx, `SELECT a.id, a.version_count, v.id, v.hash, a.source_id FROM articles a
		LEFT JOIN versions v ON v.id = a.version_id WHERE a.url = $1 FOR UPDATE OF a`, u).Scan(&h.id, &h.count, &h.latestID, &h.latestHash, &h.owner)
	return h, err
}

func saveArticle(ctx context.Context, tx querier, w *store.ArticleWrite) (res store.SaveResult, err error) {
	a := w.Article
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
	h, err := lookupArticle(ctx, tx, a.URL)
	if err == nil && h.owner.Valid && h.owner.Int64 != a.SourceID && !w.FromOwnURL {
		// Another source's article: this content becomes an article of
		// its own source.
		if w.CopyURL == "" {
			return res, store.ErrNotOwner
		}
		a.URL, res.Copy = w.CopyURL, true
		h, err = lookupArticle(ctx, tx, a.URL)
	}
	res.URL = a.URL
	if errors.Is(err, pgx.ErrNoRows) {
		h, res.NewArticle, err = createArticle(ctx, tx, &a, w, seen)
	}
	if err != nil {
		return res, err
	}
	res.ArticleID = h.id
	if h.latestHash.Valid && h.latestHash.String == w.Version.Hash {
		res.VersionID = h.latestID.Int64
		if _, err = tx.Exec(ctx, `UPDATE versions SET last_seen_at = $1 WHERE id = $2`, seen.UnixMilli(), res.VersionID); err != nil {
			return res, err
		}
		_, err = tx.Exec(ctx, `UPDATE articles SET last_seen_at = $1 WHERE id = $2`, seen.UnixMilli(), res.ArticleID)
		return res, err
	}
	v := &w.Version
	var capID any
	if res.CaptureID != 0 {
		capID = res.CaptureID
	}
	err = tx.QueryRow(ctx, `INSERT INTO versions (article_id, seq, hash, title, author, published_at, published_off, updated_at, updated_off,
		site_name, language, image, html, text, sanitizer, capture_id, created_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) RETURNING id`,
		res.ArticleID, h.count+1, v.Hash, v.Title, v.Author, store.UnixMS(v.Published), store.ZoneOffset(v.Published), store.UnixMS(v.Updated), store.ZoneOffset(v.Updated),
		v.SiteName, v.Language, v.Image, v.HTML, v.Text, v.Sanitizer, capID, seen.UnixMilli()).Scan(&res.VersionID)
	if err != nil {
		return res, err
	}
	res.NewVersion = true
	if err = linkAssets(ctx, tx, res.VersionID, w.Assets); err != nil {
		return res, err
	}
	// A version without a date keeps the article's place in listings.
	if _, err = tx.Exec(ctx, `UPDATE articles SET version_id = $1, version_count = version_count + 1, title = $2,
		published_at = $3, sort_at = COALESCE($3, sort_at), last_seen_at = $4, language = $5 WHERE id = $6`,
		res.VersionID, v.Title, store.UnixMS(v.Published), seen.UnixMilli(), v.Language, res.ArticleID); err != nil {
		return res, err
	}
	if w.Index != nil {
		if err = putIndex(ctx, tx, res.ArticleID, w.Index); err != nil {
			return res, err
		}
	}
	return res, nil
}

// createArticle inserts the article a write names, or, when another
// writer created it meanwhile, reads (and locks) that one.
func createArticle(ctx context.Context, tx querier, a *archive.Article, w *store.ArticleWrite, seen time.Time) (articleHead, bool, error) {
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
	var h articleHead
	err := tx.QueryRow(ctx, `INSERT INTO articles (url, original_url, source_id, title, published_at, sort_at, first_seen_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (url) DO NOTHING RETURNING id`,
		a.URL, orig, srcID, w.Version.Title, store.UnixMS(w.Version.Published), sortAt.UnixMilli(), seen.UnixMilli()).Scan(&h.id)
	if errors.Is(err, pgx.ErrNoRows) {
		h, err = lookupArticle(ctx, tx, a.URL)
		return h, false, err
	}
	if err != nil {
		return h, false, err
	}
	if w.Watch != nil {
		if err := startWatch(ctx, tx, h.id, seen, w.Watch); err != nil {
			return h, false, err
		}
	}
	return h, true, nil
}

const articleCols = `a.id, a.url, a.original_url, COALESCE(a.source_id, 0), a.version_count, a.first_seen_at, a.last_seen_at,
	v.id, v.title, v.author, v.published_at, v.published_off, v.updated_at, v.updated_off, v.site_name, v.language, v.image, v.html, v.text, v.sanitizer,
	COALESCE(v.capture_id, 0)`

// listCols are articleCols without the body; searchCols without the HTML.
var (
	listCols   = strings.Replace(articleCols, "v.html, v.text", "'', ''", 1)
	searchCols = strings.Replace(articleCols, "v.html", "''", 1)
)

const articleFrom = ` FROM articles a JOIN versions v ON v.id = a.version_id `

func scanArticle(sc pgx.Row, extra ...any) (archive.Article, error) {
	var a archive.Article
	var first, last int64
	var pub, puboff, upd, updoff sql.NullInt64
	err := sc.Scan(append([]any{&a.ID, &a.URL, &a.OriginalURL, &a.SourceID, &a.VersionCount, &first, &last,
		&a.VersionID, &a.Title, &a.Author, &pub, &puboff, &upd, &updoff, &a.SiteName, &a.Language, &a.Image, &a.HTML, &a.Text, &a.Sanitizer,
		&a.CaptureID}, extra...)...)
	if err != nil {
		return a, err
	}
	a.FirstSeenAt, a.LastSeenAt = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	a.Published, a.Updated = store.FromUnixMSOffset(pub, puboff), store.FromUnixMSOffset(upd, updoff)
	return a, nil
}

// Article returns the article with the given ID, with its latest content.
func (s *Store) Article(ctx context.Context, id int64) (archive.Article, error) {
	a, err := scanArticle(s.pool.QueryRow(ctx, `SELECT `+articleCols+articleFrom+`WHERE a.id = $1`, id))
	if err != nil {
		return a, notFound(err, fmt.Sprintf("article %d", id))
	}
	return a, nil
}

// ArticleByURL returns the article whose canonical URL is u.
func (s *Store) ArticleByURL(ctx context.Context, u string) (archive.Article, error) {
	a, err := scanArticle(s.pool.QueryRow(ctx, `SELECT `+articleCols+articleFrom+`WHERE a.url = $1`, u))
	if err != nil {
		return a, notFound(err, "article "+u)
	}
	return a, nil
}

// Articles lists articles newest first (by published time, or first-seen
// time when the article has no date), ties by ID, newest first.
func (s *Store) Articles(ctx context.Context, f store.ArticleFilter) ([]archive.Article, error) {
	var args args
	where := filterWhere(f, &args)
	cols := articleCols
	if f.NoContent {
		cols = listCols
	}
	q := `SELECT ` + cols + articleFrom + where + ` ORDER BY a.sort_at DESC, a.id DESC LIMIT ` + args.add(store.LimitOr(f.Limit, 50)) + ` OFFSET ` + args.add(max(f.Offset, 0))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (archive.Article, error) { return scanArticle(r) })
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	return out, nil
}

// CountArticles counts the articles a filter selects (ignoring Limit and
// Offset).
func (s *Store) CountArticles(ctx context.Context, f store.ArticleFilter) (int, error) {
	f.AfterID = 0 // a count is of the whole listing, whichever page is shown
	var args args
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM articles a `+filterWhere(f, &args), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	return n, nil
}

// args collects the parameters of a query as it is written.
type args []any

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// filterWhere turns a filter into a WHERE clause over articles a.
func filterWhere(f store.ArticleFilter, a *args) string {
	q := `WHERE true`
	if f.SourceID != 0 {
		q += ` AND a.source_id = ` + a.add(f.SourceID)
	}
	if !f.Since.IsZero() {
		q += ` AND a.sort_at >= ` + a.add(f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		q += ` AND a.sort_at < ` + a.add(f.Until.UnixMilli())
	}
	if f.AfterID != 0 {
		id := a.add(f.AfterID)
		q += ` AND (a.sort_at, a.id) < ((SELECT sort_at FROM articles WHERE id = ` + id + `), ` + id + `)`
	}
	if f.MinVersions > 1 {
		q += ` AND a.version_count >= ` + a.add(f.MinVersions)
	}
	return q + statusWhere(f.Status, a)
}

// Versions returns every version of an article, oldest first.
func (s *Store) Versions(ctx context.Context, articleID int64) ([]archive.Version, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, article_id, seq, hash, title, author, published_at, published_off, updated_at, updated_off,
		site_name, language, image, html, text, sanitizer, COALESCE(capture_id, 0), created_at, last_seen_at
		FROM versions WHERE article_id = $1 ORDER BY seq`, articleID)
	if err != nil {
		return nil, fmt.Errorf("versions of %d: %w", articleID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (archive.Version, error) {
		var v archive.Version
		var pub, puboff, upd, updoff sql.NullInt64
		var created, last int64
		err := r.Scan(&v.ID, &v.ArticleID, &v.Seq, &v.Hash, &v.Title, &v.Author, &pub, &puboff, &upd, &updoff,
			&v.SiteName, &v.Language, &v.Image, &v.HTML, &v.Text, &v.Sanitizer, &v.CaptureID, &created, &last)
		v.Published, v.Updated = store.FromUnixMSOffset(pub, puboff), store.FromUnixMSOffset(upd, updoff)
		v.CreatedAt, v.LastSeenAt = time.UnixMilli(created).UTC(), time.UnixMilli(last).UTC()
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("versions of %d: %w", articleID, err)
	}
	return out, nil
}

// LatestHash returns the content hash of the latest version of the article
// whose canonical URL is u.
func (s *Store) LatestHash(ctx context.Context, u string) (string, error) {
	var h string
	err := s.pool.QueryRow(ctx, `SELECT v.hash FROM articles a JOIN versions v ON v.id = a.version_id WHERE a.url = $1`, u).Scan(&h)
	if err != nil {
		return "", notFound(err, "article "+u)
	}
	return h, nil
}
