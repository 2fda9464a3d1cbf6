package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/newsvault/newsvault/internal/store"
)

// ArticleChanges returns the articles (listing fields, no content) that got
// a version or a re-check after since, each with its watch status, and the
// mark that covers them; the zero mark returns every article. Both ID
// ranges are primary-key range scans, so the cost follows what changed,
// not the size of the archive. One read transaction keeps the mark and the
// rows consistent.
func (s *Store) ArticleChanges(ctx context.Context, since store.ChangeMark) (out []store.ArticleChange, mark store.ChangeMark, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, mark, fmt.Errorf("article changes: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM versions`).Scan(&mark.Version); err != nil {
		return nil, mark, fmt.Errorf("article changes: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM checks`).Scan(&mark.Check); err != nil {
		return nil, mark, fmt.Errorf("article changes: %w", err)
	}
	q := `SELECT ` + listCols + `, COALESCE(w.status, ''), w.status_since` + articleFrom + `LEFT JOIN article_watch w ON w.article_id = a.id `
	var args []any
	if since != (store.ChangeMark{}) {
		q += `WHERE a.id IN (SELECT article_id FROM versions WHERE id > ? AND id <= ?
			UNION SELECT article_id FROM checks WHERE id > ? AND id <= ?)`
		args = []any{since.Version, mark.Version, since.Check, mark.Check}
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, mark, fmt.Errorf("article changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c store.ArticleChange
		var statusSince sql.NullInt64
		if c.Article, err = scanArticle(withExtra{rows, []any{&c.Status, &statusSince}}); err != nil {
			return nil, mark, fmt.Errorf("article changes: %w", err)
		}
		c.StatusSince = store.FromUnixMS(statusSince)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, mark, fmt.Errorf("article changes: %w", err)
	}
	return out, mark, nil
}

// withExtra scans a row's leading columns as scanArticle does and the
// columns after them into extra.
type withExtra struct {
	rows  *sql.Rows
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.extra...)...) }
