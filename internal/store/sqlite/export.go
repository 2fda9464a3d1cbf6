package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/newsvault/newsvault/internal/store"
)

// Row-level reading for newsvault migrate, which copies an archive to
// another store table by table with its IDs (see package storecopy).

// Columns returns the column names of a table, in order; none when there is
// no such table.
func (s *Store) Columns(ctx context.Context, table string) ([]string, error) {
	if err := store.CheckNames(table); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("columns of %s: %w", table, err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// ReadRows returns up to limit rows of table with a rowid above after, in
// rowid order, as the driver gives the values of cols (int64, float64,
// string, []byte or nil), and the last rowid read.
func (s *Store) ReadRows(ctx context.Context, table string, cols []string, after int64, limit int) ([][]any, int64, error) {
	if err := store.CheckNames(append([]string{table}, cols...)...); err != nil {
		return nil, after, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT rowid, `+strings.Join(cols, ", ")+` FROM `+table+` WHERE rowid > ? ORDER BY rowid LIMIT ?`, after, limit)
	if err != nil {
		return nil, after, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	var out [][]any
	last := after
	for rows.Next() {
		vals := make([]any, len(cols)+1)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, after, fmt.Errorf("read %s: %w", table, err)
		}
		last = vals[0].(int64)
		out = append(out, vals[1:])
	}
	if err := rows.Err(); err != nil {
		return nil, after, fmt.Errorf("read %s: %w", table, err)
	}
	return out, last, nil
}

// EachRow calls fn with every row of table (the values of cols), in no
// particular order, for verifying a copy.
func (s *Store) EachRow(ctx context.Context, table string, cols []string, fn func([]any) error) error {
	var after int64
	for {
		rows, last, err := s.ReadRows(ctx, table, cols, after, 2000)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < 2000 {
			return nil
		}
		after = last
	}
}
