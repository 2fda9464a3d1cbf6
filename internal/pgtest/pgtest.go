// Package pgtest starts a throwaway PostgreSQL cluster for a test: initdb
// into a temporary directory, pg_ctl start on a loopback port, stopped and
// removed when the test ends. Tests and benchmarks only. Without
// PostgreSQL's binaries the test is skipped with a message saying what to
// install; as root (CI) the cluster runs as the postgres user, since
// initdb refuses root.
package pgtest

//newsvault:direct-client runs PostgreSQL's initdb and pg_ctl for tests on loopback; it fetches nothing.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// Install is what to run on Debian to get the binaries.
const Install = "apt-get install -y postgresql"

// BinDir finds PostgreSQL's server binaries: $PG_BINDIR, the newest
// /usr/lib/postgresql/*/bin, or the directory of initdb on $PATH.
func BinDir() (string, error) {
	if d := os.Getenv("PG_BINDIR"); d != "" {
		return d, nil
	}
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
	return "", fmt.Errorf("no PostgreSQL server binaries (initdb); install them with: %s", Install)
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start starts a cluster for t and returns its URL
// (postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable).
func Start(t testing.TB) string {
	t.Helper()
	url, stop, err := StartCluster()
	if err != nil {
		if _, binErr := BinDir(); binErr != nil {
			t.Skipf("PostgreSQL tests skipped: %v", binErr)
		}
		t.Fatalf("start PostgreSQL: %v", err)
	}
	t.Cleanup(stop)
	return url
}

// StartCluster starts a cluster and returns its URL and the func that
// stops and removes it.
func StartCluster() (url string, stop func(), err error) {
	bin, err := BinDir()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "newsvault-pg-")
	if err != nil {
		return "", nil, err
	}
	runAs := func(name string, args ...string) *exec.Cmd {
		return exec.Command(filepath.Join(bin, name), args...)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return "", nil, fmt.Errorf("running as root, initdb needs the postgres user (%s creates it): %w", Install, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return "", nil, err
		}
		runAs = func(name string, args ...string) *exec.Cmd {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(bin, name)}, args...)...)
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := runAs("initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, dir)
	if out, err := runAs("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("pg_ctl start: %w: %s %s", err, out, log)
	}
	stop = func() {
		_ = runAs("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop").Run()
		os.RemoveAll(dir)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), stop, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
