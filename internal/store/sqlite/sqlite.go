// Package sqlite is newsvault's embedded store: one SQLite file (through the
// pure-Go modernc.org/sqlite driver) in WAL mode, with schema migrations run
// at open. Every article write is one transaction. Blobs are not kept here;
// rows refer to them by hash.
//
// The files follow the entities: sqlite.go opens, migrates and holds the
// transaction helpers; schema.go lists the migrations (append only);
// sources.go, articles.go (articles and their versions), captures.go,
// assets.go, search.go (the full-text index; fts5.go renders query trees)
// and auth.go (password, sessions, API tokens) hold one entity each.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
)

// Store is a SQLite-backed archive store. It is safe for concurrent use.
type Store struct {
	db *sql.DB
	// checkMu makes the watcher's check writes take turns in the process
	// instead of in SQLite's busy handler, which sleeps for milliseconds
	// between tries and made concurrent checks wait on each other.
	checkMu sync.Mutex
	// frequentHits is the estimated number of hits above which a search
	// is not ranked (see searchFrequent); tests lower it.
	frequentHits int
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
	s := &Store{db: db, frequentHits: frequentHits}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := s.restoreIndexMerging(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := s.reindexIfFlagged(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// reindexIfFlagged rebuilds the search index when a migration emptied it
// (the 'reindex' flag), then clears the flag.
func (s *Store) reindexIfFlagged(ctx context.Context) error {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM store_flags WHERE k = 'reindex'`).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read store flags: %w", err)
	}
	an, err := search.NewAnalyzer()
	if err != nil {
		return err
	}
	if err := s.Reindex(ctx, an.Index, nil); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM store_flags WHERE k = 'reindex'`); err != nil {
		return fmt.Errorf("clear the reindex flag: %w", err)
	}
	return nil
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
		// Another process opening the store at the same moment may have
		// applied it since: the transaction holds the write lock, so look
		// again.
		var done int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, v).Scan(&done); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to %d: %w", v, err)
		}
		if done > 0 {
			tx.Rollback()
			continue
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

// execer is what the write helpers need: the database, a transaction or a
// stmtCache.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stmtCache prepares statements on a transaction on first use and reuses
// them. It satisfies execer.
type stmtCache struct {
	tx *sql.Tx
	m  map[string]*sql.Stmt
}

func (c *stmtCache) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := c.m[q]; ok {
		return st, nil
	}
	st, err := c.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.m[q] = st
	return st, nil
}

func (c *stmtCache) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := c.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// QueryRowContext falls back to an unprepared query when preparing fails,
// so that the error surfaces from Scan as database/sql callers expect.
func (c *stmtCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := c.stmt(ctx, q)
	if err != nil {
		return c.tx.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (c *stmtCache) close() {
	for _, st := range c.m {
		st.Close()
	}
}

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
