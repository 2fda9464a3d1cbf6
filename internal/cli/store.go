package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/publish"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/store/postgres"
	"github.com/newsvault/newsvault/internal/store/sqlite"
	"github.com/newsvault/newsvault/internal/stories"
	"github.com/newsvault/newsvault/internal/watcher"
	"github.com/newsvault/newsvault/internal/web"
	"github.com/newsvault/newsvault/internal/web/auth"
)

// Store is everything the wired program asks of its store: the interfaces
// its packages declare, and what the verbs use besides (tokens, passwords,
// reindexing). Both the embedded SQLite store and the PostgreSQL store
// satisfy it; nothing past OpenStore knows which one it has.
type Store interface {
	pipeline.Store
	watcher.Store
	stories.Store
	web.Store
	publish.Store
	publish.CaptureWalker
	auth.Credentials
	Versions(ctx context.Context, articleID int64) ([]archive.Version, error)
	SourceByKey(ctx context.Context, key string) (archive.Source, error)
	SetPassword(ctx context.Context, user, hash string) error
	SetPasswordIfNone(ctx context.Context, user, hash string) (bool, error)
	CreateAPIToken(ctx context.Context, tok *store.APIToken) error
	APITokens(ctx context.Context) ([]store.APIToken, error)
	RevokeAPIToken(ctx context.Context, id int64, at time.Time) error
	Reindex(ctx context.Context, index func(title, text string) store.IndexDoc, progress func(done, total int)) error
	Close() error
}

var (
	_ Store = (*sqlite.Store)(nil)
	_ Store = (*postgres.Store)(nil)
)

// StoreSQLite is the name of the embedded store in --store.
const StoreSQLite = "sqlite"

// checkStore says what is wrong with a --store value, if anything.
func checkStore(v string) error {
	if v == "" || v == StoreSQLite || postgres.IsDSN(v) {
		return nil
	}
	return fmt.Errorf("must be %s (the default: a file in the data directory) or a postgres:// URL", StoreSQLite)
}

// OpenStore opens the store c names: the embedded SQLite file in the data
// directory (created with it when needed) unless --store is a postgres://
// URL. Close it when done.
func OpenStore(ctx context.Context, c *Config) (Store, error) {
	if postgres.IsDSN(c.Store) {
		return postgres.Open(ctx, c.Store)
	}
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory %s: %w", c.DataDir, err)
	}
	return sqlite.Open(ctx, filepath.Join(c.DataDir, "newsvault.db"))
}
