package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	_ "modernc.org/sqlite" // the embedded queue's database
)

// The queues jobs go to. An operator picks which a process works with
// newsvault worker --queues.
const (
	// QueueArchive holds archive requests from people (the web form, the
	// API): a pool of its own, so nothing background delays them.
	QueueArchive = "archive"
	// QueueFeeds holds feed polls (priority 2) and re-checks (priority 3)
	// in one pool: polls go first.
	QueueFeeds = "feeds"
	// QueuePublish holds publishing runs and the scheduler that turns due
	// feeds and re-checks into jobs.
	QueuePublish = "publish"
)

// Priorities within a queue: River runs 1 before 2 before 3.
const (
	priorityUser    = 1
	priorityPoll    = 2
	priorityRecheck = 3
	priorityPublish = 2
)

// QueueOptions tune a Queue. Zero values pick the defaults.
type QueueOptions struct {
	// Lease is how long a job may run before the queue takes it back from
	// a worker presumed dead and runs it again; default 15 minutes.
	// Every job's own time limit is below it.
	Lease time.Duration
	// Tick is how often due feeds and re-checks become jobs; default 30s.
	Tick time.Duration
	// PublishEvery is how often publishing runs (when Work.Publish is
	// set); default 10 minutes.
	PublishEvery time.Duration
	// Poll is how often an idle worker looks for new jobs; default 200ms.
	// PostgreSQL also wakes workers at once through LISTEN/NOTIFY.
	Poll time.Duration
	// MaxRetryDelay caps the back-off between attempts; default 10 minutes.
	MaxRetryDelay time.Duration
	Logger        *slog.Logger
}

// Queue is the persistent job queue: River on PostgreSQL (a postgres://
// URL) or on an SQLite file (the embedded default). Jobs live in the
// database, so they survive restarts and killed workers; any number of
// processes may share it.
type Queue struct {
	client    riverClient // inserts and reads; works nothing
	worker    riverClient // works jobs between Start and Stop; nil before
	newClient func(cfg *river.Config) (riverClient, error)
	opts      QueueOptions
	db        *sql.DB       // the queue's database, for the host gate
	pool      *pgxpool.Pool // nil on SQLite
	gate      *HostGate
	log       *slog.Logger
	kind      string // "postgres" or "sqlite"
}

// riverClient is what Queue uses of a River client, whatever its
// database driver.
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
}

// QueueURL returns the queue's database for a data directory when no URL
// is given: the SQLite file jobs.db in it.
func QueueURL(dataDir, url string) string {
	if url != "" {
		return url
	}
	return "sqlite://" + filepath.Join(dataDir, "jobs.db")
}

// OpenQueue opens (creating and migrating as needed) the queue at url:
// postgres://… or postgresql://… for PostgreSQL, sqlite://PATH for an
// SQLite file. Start it to work jobs; Close it when done.
func OpenQueue(ctx context.Context, url string, opts QueueOptions) (*Queue, error) {
	opts = opts.withDefaults()
	q := &Queue{log: opts.Logger, opts: opts}
	var err error
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		err = q.openPostgres(ctx, url, opts)
	case strings.HasPrefix(url, "sqlite://"):
		err = q.openSQLite(ctx, strings.TrimPrefix(url, "sqlite://"), opts)
	default:
		return nil, fmt.Errorf("job queue %q: want postgres://… or sqlite://PATH", redactURL(url))
	}
	if err != nil {
		q.Close()
		return nil, fmt.Errorf("job queue %s: %w", redactURL(url), err)
	}
	return q, nil
}

func (o QueueOptions) withDefaults() QueueOptions {
	if o.Lease <= 0 {
		o.Lease = 15 * time.Minute
	}
	if o.Tick <= 0 {
		o.Tick = 30 * time.Second
	}
	if o.PublishEvery <= 0 {
		o.PublishEvery = 10 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 200 * time.Millisecond
	}
	if o.MaxRetryDelay <= 0 {
		o.MaxRetryDelay = 10 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func (q *Queue) openPostgres(ctx context.Context, url string, opts QueueOptions) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	q.pool, q.kind = pool, "postgres"
	q.db = stdlib.OpenDBFromPool(pool)
	drv := riverpgxv5.New(pool)
	if err := migrate(ctx, drv); err != nil {
		return err
	}
	if err := createGateTables(ctx, q.db, dialectPostgres); err != nil {
		return err
	}
	q.newClient = func(cfg *river.Config) (riverClient, error) { return river.NewClient[pgx.Tx](drv, cfg) }
	q.gate = newHostGate(q.db, dialectPostgres)
	q.client, err = q.newClient(q.riverConfig())
	return err
}

// openSQLite opens River on an SQLite file shared by every process on the
// machine (WAL). SQLite takes one writer at a time: each process keeps one
// connection and waits for the file's lock rather than failing.
func (q *Queue) openSQLite(ctx context.Context, path string, opts QueueOptions) error {
	if path == "" {
		return errors.New("sqlite:// needs a file path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	q.db, q.kind = db, "sqlite"
	drv := riversqlite.New(db)
	if err := migrate(ctx, drv); err != nil {
		return err
	}
	if err := createGateTables(ctx, db, dialectSQLite); err != nil {
		return err
	}
	q.newClient = func(cfg *river.Config) (riverClient, error) { return river.NewClient[*sql.Tx](drv, cfg) }
	q.gate = newHostGate(db, dialectSQLite)
	q.client, err = q.newClient(q.riverConfig())
	return err
}

// migrate brings River's own tables up to date. Several processes may
// start at once: River's migrator takes a lock on PostgreSQL, and on
// SQLite the file's write lock serialises them.
func migrate[TTx any](ctx context.Context, drv riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(drv, nil)
	if err != nil {
		return err
	}
	var lastErr error
	for attempt := range 5 {
		if _, lastErr = m.Migrate(ctx, rivermigrate.DirectionUp, nil); lastErr == nil {
			return nil
		}
		// Two processes migrating an empty database at once: the loser
		// finds the tables half made; the next try sees them done.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
		}
	}
	return fmt.Errorf("migrate River's tables: %w", lastErr)
}

func (q *Queue) riverConfig() *river.Config {
	opts := q.opts
	cfg := &river.Config{
		Logger:               opts.Logger.With("component", "river"),
		RescueStuckJobsAfter: opts.Lease,
		JobTimeout:           opts.Lease * 4 / 5,
		FetchPollInterval:    opts.Poll,
		FetchCooldown:        min(opts.Poll, 10*time.Millisecond),
		MaxAttempts:          8,
		RetryPolicy:          backoff{max: opts.MaxRetryDelay},
		// Completed jobs are kept a day to answer "what happened to my
		// request"; River's cleaner removes them after that.
		CompletedJobRetentionPeriod: 24 * time.Hour,
	}
	return cfg
}

// Start works jobs in this process until Stop: workers says how many jobs
// of each named queue run at once (a queue not named is left to other
// processes), work what they do. The process also takes its turn as the
// leader that turns due feeds and re-checks into jobs and runs River's
// upkeep (taking back jobs whose lease ran out).
func (q *Queue) Start(ctx context.Context, work *Work, workers map[string]int) error {
	if q.worker != nil {
		return errors.New("job queue already started")
	}
	if len(workers) == 0 {
		return errors.New("job queue: no queue to work")
	}
	cfg := q.riverConfig()
	cfg.Queues = make(map[string]river.QueueConfig, len(workers))
	for name, n := range workers {
		cfg.Queues[name] = river.QueueConfig{MaxWorkers: n}
	}
	cfg.Workers = work.workers(q, q.opts)
	cfg.PeriodicJobs = work.periodic(q.opts)
	c, err := q.newClient(cfg)
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	// Jobs run on until Stop, not until ctx ends: a signal asks for a
	// soft stop first.
	if err := c.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	q.worker = c
	return nil
}

// Stop stops fetching jobs and waits for the running ones until ctx ends,
// then cancels them; a job cut short is taken back when its lease runs
// out and runs again. It returns ctx's error when jobs had to be cut.
func (q *Queue) Stop(ctx context.Context) error {
	if q.worker == nil {
		return nil
	}
	w := q.worker
	q.worker = nil
	err := w.Stop(ctx)
	if err == nil {
		return nil
	}
	hard, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(err, w.StopAndCancel(hard))
}

// Backend names the database the queue is on: "postgres" or "sqlite".
func (q *Queue) Backend() string { return q.kind }

// Close closes the queue's database connections. Stop it first.
func (q *Queue) Close() error {
	var err error
	if q.db != nil {
		err = q.db.Close()
	}
	if q.pool != nil {
		q.pool.Close()
	}
	return err
}

// backoff retries after 2^attempt seconds with up to a quarter of jitter,
// capped at max.
type backoff struct{ max time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := time.Duration(math.Min(math.Pow(2, float64(job.Attempt)), b.max.Seconds()) * float64(time.Second))
	if d > b.max {
		d = b.max
	}
	// Jitter from the job's ID: deterministic, yet spreads a burst.
	d += time.Duration(job.ID%251) * d / 1000
	return time.Now().Add(d)
}

// redactURL hides a password in a database URL.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	cred := u[scheme+3 : at]
	if i := strings.Index(cred, ":"); i >= 0 {
		return u[:scheme+3] + cred[:i] + ":xxxxx" + u[at:]
	}
	return u
}

// Counts returns how many jobs of kind ("" for all) are in each River
// state (available, running, retryable, completed, discarded…).
func (q *Queue) Counts(ctx context.Context, kind string) (map[string]int, error) {
	rows, err := q.db.QueryContext(ctx, dialectOf(q.kind).sql(`SELECT state, count(*) FROM river_job WHERE $1 = '' OR kind = $1 GROUP BY state`), kind)
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		out[state] = n
	}
	return out, rows.Err()
}

func dialectOf(kind string) dialect {
	if kind == "postgres" {
		return dialectPostgres
	}
	return dialectSQLite
}

// Retried counts the jobs of kind ("" for all) that were attempted more
// than once: retried after a failure or taken back from a lost worker.
func (q *Queue) Retried(ctx context.Context, kind string) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, dialectOf(q.kind).sql(`SELECT count(*) FROM river_job WHERE attempt > 1 AND ($1 = '' OR kind = $1)`), kind).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count retried jobs: %w", err)
	}
	return n, nil
}

// Purge deletes every job not running: for measurements that start from
// an empty queue.
func (q *Queue) Purge(ctx context.Context) error {
	if _, err := q.db.ExecContext(ctx, `DELETE FROM river_job WHERE state <> 'running'`); err != nil {
		return fmt.Errorf("empty the job queue: %w", err)
	}
	return nil
}
