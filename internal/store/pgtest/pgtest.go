// Package pgtest gives tests a PostgreSQL database: the server named by
// NEWSVAULT_TEST_POSTGRES when set, else a throwaway cluster it makes with
// Debian's PostgreSQL binaries (initdb in a temporary directory, listening
// only on a Unix socket there), stopped and removed when the tests end.
// Every DSN call creates a fresh, empty database. Without either, tests
// skip with a message naming the package to install. Test helper only.
package pgtest

//newsvault:direct-client runs initdb and pg_ctl for a test cluster on a Unix socket; it fetches nothing.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names a PostgreSQL server (a postgres:// URL whose user may
// create databases) that tests use instead of starting their own.
const EnvVar = "NEWSVAULT_TEST_POSTGRES"

// SkipMessage is why tests skip when no PostgreSQL is at hand.
const SkipMessage = "install postgresql (apt-get install -y postgresql) or set " + EnvVar

var (
	mu      sync.Mutex
	cluster *server
	failed  error
	counter atomic.Int64
)

// server is a running cluster: its admin DSN and, when this package
// started it, how to stop it.
type server struct {
	admin string // URL of the maintenance database
	stop  func() error
}

// Main runs the tests of a package and then stops the cluster, if one was
// started. Call it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if cluster != nil && cluster.stop == nil && tmpl != "" {
		drop(cluster.admin, tmpl) // the operator's server keeps nothing
	}
	if cluster != nil && cluster.stop != nil {
		if err := cluster.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: stop cluster:", err)
		}
		cluster = nil
	}
	return code
}

// DSN returns the URL of a new empty database, or skips the test when no
// PostgreSQL is available. A cluster that fails to start fails the test.
func DSN(tb testing.TB) string {
	tb.Helper()
	return create(tb, "template0", false)
}

// Prepared returns the URL of a new database made as setup left the first
// one: setup (a store's migrations, say) runs once per test binary, and
// every later database is a copy, which is much faster than migrating
// each.
func Prepared(tb testing.TB, setup func(dsn string) error) string {
	tb.Helper()
	tmplMu.Lock()
	defer tmplMu.Unlock()
	if tmpl == "" {
		dsn := create(tb, "template0", true)
		if err := setup(dsn); err != nil {
			tb.Fatalf("prepare test database: %v", err)
		}
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatal(err)
		}
		tmpl = strings.TrimPrefix(u.Path, "/")
	}
	return create(tb, tmpl, false)
}

var (
	tmplMu sync.Mutex
	tmpl   string // the database Prepared copies
)

// create makes a database as a copy of template; unless keep, a server of
// the operator's (NEWSVAULT_TEST_POSTGRES) drops it after the test. A
// throwaway cluster goes as a whole.
func create(tb testing.TB, template string, keep bool) string {
	tb.Helper()
	srv, err := get()
	if errors.Is(err, errNoBinaries) {
		tb.Skip(SkipMessage)
	}
	if err != nil {
		tb.Fatalf("postgresql for tests: %v", err)
	}
	name := fmt.Sprintf("nvtest_%d_%d", os.Getpid(), counter.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, srv.admin)
	if err != nil {
		tb.Fatalf("connect to test postgresql: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name+` TEMPLATE `+template+` ENCODING 'UTF8'`); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	if srv.stop == nil && !keep {
		tb.Cleanup(func() { drop(srv.admin, name) })
	}
	u, err := url.Parse(srv.admin)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// drop removes a test's database once its connections are gone.
func drop(admin, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	conn.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
}

var errNoBinaries = errors.New("no PostgreSQL binaries")

func get() (*server, error) {
	mu.Lock()
	defer mu.Unlock()
	if cluster != nil || failed != nil {
		return cluster, failed
	}
	if dsn := os.Getenv(EnvVar); dsn != "" {
		cluster = &server{admin: dsn}
		return cluster, nil
	}
	cluster, failed = start()
	return cluster, failed
}

// binDir finds the newest Debian PostgreSQL binary directory, or one on
// PATH.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errNoBinaries
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// start makes and starts a cluster in a temporary directory. initdb
// refuses to run as root, so as root the cluster belongs to the postgres
// user (Debian's package creates it) and its commands run as that user.
func start() (*server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "nv-pgtest-")
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root needs the postgres user to own the test cluster: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	run := func(name string, args ...string) error {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %w\n%s", name, err, out)
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Only a Unix socket in the directory; durability is not wanted for
	// a database that lives as long as the test binary.
	opts := strings.Join([]string{"-c listen_addresses=''", "-k " + dir, "-c fsync=off", "-c synchronous_commit=off",
		"-c full_page_writes=off", "-c max_connections=100"}, " ")
	if err := run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	stop := func() error {
		err := run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
		return errors.Join(err, os.RemoveAll(dir))
	}
	admin := (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres",
		RawQuery: url.Values{"host": {dir}, "sslmode": {"disable"}}.Encode()}).String()
	return &server{admin: admin, stop: stop}, nil
}
