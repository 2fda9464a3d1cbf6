package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/newsvault/newsvault/internal/store"
)

// Row-level writing for newsvault migrate, which copies an embedded archive
// here table by table, with its IDs (see package storecopy).

// Columns returns the column names of a table, in order; none when there is
// no such table.
func (s *Store) Columns(ctx context.Context, table string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	return out, nil
}

// CopyProgress returns the last source rowid of table that WriteRows
// stored, 0 when none.
func (s *Store) CopyProgress(ctx context.Context, table string) (int64, error) {
	var last int64
	err := s.pool.QueryRow(ctx, `SELECT last_rowid FROM copy_progress WHERE tbl = $1`, table).Scan(&last)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("copy progress of %s: %w", table, err)
	}
	return last, nil
}

// WriteRows stores rows of table (values of cols as the embedded store's
// driver gives them) and records last as the table's copy progress, in one
// transaction. A row whose key is already stored is left alone.
func (s *Store) WriteRows(ctx context.Context, table string, cols []string, rows [][]any, last int64) error {
	if err := store.CheckNames(append([]string{table}, cols...)...); err != nil {
		return err
	}
	types, err := s.columnTypes(ctx, table)
	if err != nil {
		return err
	}
	ph := make([]string, len(cols))
	for i, c := range cols {
		if types[c] == "" {
			return fmt.Errorf("copy %s: the destination has no column %s", table, c)
		}
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	q := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) OVERRIDING SYSTEM VALUE VALUES (` + strings.Join(ph, ", ") + `) ON CONFLICT DO NOTHING`
	return s.inTx(ctx, "copy "+table, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, r := range rows {
			vals := make([]any, len(r))
			for i, v := range r {
				if vals[i], err = convert(v, types[cols[i]]); err != nil {
					return fmt.Errorf("column %s: %w", cols[i], err)
				}
			}
			b.Queue(q, vals...)
		}
		b.Queue(`INSERT INTO copy_progress (tbl, last_rowid) VALUES ($1, $2) ON CONFLICT (tbl) DO UPDATE SET last_rowid = excluded.last_rowid`, table, last)
		return tx.SendBatch(ctx, b).Close()
	})
}

// columnTypes maps a table's columns to their data types.
func (s *Store) columnTypes(ctx context.Context, table string) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	out := map[string]string{}
	var name, typ string
	_, err = pgx.ForEachRow(rows, []any{&name, &typ}, func() error {
		out[name] = typ
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	return out, nil
}

// convert turns a value of the embedded store into one for a column of
// type typ: SQLite keeps flags as integers and some text as blobs.
func convert(v any, typ string) (any, error) {
	switch typ {
	case "boolean":
		if n, ok := v.(int64); ok {
			return n != 0, nil
		}
	case "text":
		if b, ok := v.([]byte); ok {
			return string(b), nil
		}
	case "double precision":
		if n, ok := v.(int64); ok {
			return float64(n), nil
		}
	case "bytea":
		if s, ok := v.(string); ok {
			return []byte(s), nil
		}
	}
	return v, nil
}

// FinishCopy moves every ID sequence past the IDs copied in, so that new
// rows get new IDs.
func (s *Store) FinishCopy(ctx context.Context) error {
	rows, err := s.pool.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES'`)
	if err != nil {
		return fmt.Errorf("finish copy: %w", err)
	}
	var cols [][2]string
	var t, c string
	if _, err := pgx.ForEachRow(rows, []any{&t, &c}, func() error { cols = append(cols, [2]string{t, c}); return nil }); err != nil {
		return fmt.Errorf("finish copy: %w", err)
	}
	for _, tc := range cols {
		if err := store.CheckNames(tc[0], tc[1]); err != nil {
			return err
		}
		if _, err := s.pool.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT max(`+tc[1]+`) FROM `+tc[0]+`), 0) + 1, false)`,
			tc[0], tc[1]); err != nil {
			return fmt.Errorf("finish copy: sequence of %s.%s: %w", tc[0], tc[1], err)
		}
	}
	return nil
}

// EachRow calls fn with every row of table (the values of cols), in no
// particular order, for verifying a copy. Integers come as int64, flags as
// booleans.
func (s *Store) EachRow(ctx context.Context, table string, cols []string, fn func([]any) error) error {
	if err := store.CheckNames(append([]string{table}, cols...)...); err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table)
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}
