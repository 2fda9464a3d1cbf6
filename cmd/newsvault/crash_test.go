package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/newsvault/newsvault/internal/store/pgtest"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	_ "modernc.org/sqlite" // the "sqlite" driver, for looking at the store from outside

	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/newssite"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/store/sqlite"
)

// TestKilledProcessesLoseNothing builds the newsvault binary, kills an
// import of part of the shared news-md corpus (skipped without it) and a
// poll of a local news site with SIGKILL at random moments, restarting each
// time, then lets them finish:
// the store ends up exactly as an uninterrupted run leaves it, with every
// blob it refers to present and intact, SQLite and the search index
// consistent, and search index merging back on. The seed is logged; set
// NEWSVAULT_CRASH_SEED to repeat a run.
func TestKilledProcessesLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds newsvault and kills it repeatedly; skipped with -short")
	}
	bin := buildNewsvault(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("NEWSVAULT_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("NEWSVAULT_CRASH_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (NEWSVAULT_CRASH_SEED=%d repeats these kill times)", seed, seed)
	t.Run("import", func(t *testing.T) { testKilledImport(t, bin, rand.New(rand.NewPCG(seed, 1))) })
	t.Run("poll", func(t *testing.T) { testKilledPoll(t, bin, rand.New(rand.NewPCG(seed, 2))) })
}

// testKilledImport imports the news-md corpus uninterrupted into one
// store (the reference, which also times the import), then into another
// with five kills: early, twice in the middle, during the search index
// optimisation that ends a bulk import, and during a resumed run that finds
// everything done; then once more to the end.
func testKilledImport(t *testing.T, bin string, rng *rand.Rand) {
	// The whole 4,470-file news-md corpus: about 16 s for the seven runs
	// on an idle 2-CPU machine.
	corpus := []string{shareddata.Dir(t, "news-md")}
	ref, data := t.TempDir(), t.TempDir()
	start := time.Now()
	out := runNewsvault(t, bin, append([]string{"--data", ref, "import"}, corpus...)...)
	full := time.Since(start)
	m := regexp.MustCompile(`imported (\d+) files .*: (\d+) new articles, (\d+) new versions, \d+ unchanged, 0 failed`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("uninterrupted import:\n%s", out)
	}
	start = time.Now()
	runNewsvault(t, bin, append([]string{"--data", ref, "import"}, corpus...)...)
	again := time.Since(start)
	t.Logf("uninterrupted import: %s files, %s articles, %s versions in %s; again, with nothing to do: %s",
		m[1], m[2], m[3], full.Round(time.Millisecond), again.Round(time.Millisecond))

	total, _ := strconv.Atoi(m[2])
	uniform := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(rng.Float64()*float64(hi-lo)) }
	// Kills in the middle come when a random number of further articles
	// has been committed, plus a random moment into the next batch, so
	// that they land in the same places however fast the machine is.
	afterArticles := func(p *crashProc) <-chan struct{} {
		stored, _ := peekStore(t, data)
		target := stored + 1 + int((.1+.2*rng.Float64())*float64(total))
		return p.when(func() bool { n, _ := countArticles(data); return n >= target }, uniform(0, 150*time.Millisecond))
	}
	rounds := []struct {
		what string
		arm  func(p *crashProc) <-chan struct{}
	}{
		{"early", func(p *crashProc) <-chan struct{} {
			return p.when(nil, uniform(30*time.Millisecond, 250*time.Millisecond))
		}},
		{"mid-import", afterArticles},
		{"mid-import", afterArticles},
		// The last progress line comes after the last batch commits, just
		// before the index is optimised (about half a second here).
		{"final index optimize", func(p *crashProc) <-chan struct{} {
			return p.when(func() bool { return chanClosed(p.allDone) }, uniform(0, 250*time.Millisecond))
		}},
		{"resumed run with nothing left", func(p *crashProc) <-chan struct{} { return p.when(nil, uniform(again/10, again/2)) }},
	}
	kills := 0
	for i, r := range rounds {
		p := startNewsvault(t, bin, append([]string{"--data", data, "import"}, corpus...)...)
		killed, at := p.killOn(r.arm(p))
		articles, merge := peekStore(t, data)
		what := "finished before the kill"
		if killed {
			kills++
			what = "killed"
		}
		t.Logf("round %d (%s): %s after %s; %d articles stored, automerge %d", i+1, r.what, what, at.Round(time.Millisecond), articles, merge)
		if !killed && p.err != nil {
			t.Fatalf("round %d: import failed: %v\n%s", i+1, p.err, p.output())
		}
	}
	out = runNewsvault(t, bin, append([]string{"--data", data, "import"}, corpus...)...)
	if !strings.Contains(out, "imported "+m[1]+" files") || !strings.Contains(out, " 0 failed") {
		t.Fatalf("final import:\n%s", out)
	}
	t.Logf("survived %d kill-restart rounds; final run: %s", kills, lastOutputLine(out))

	want, got := readFacts(t, ref), readFacts(t, data)
	compareFacts(t, want, got)
	if n, _ := strconv.Atoi(m[2]); len(got.articles) != n {
		t.Errorf("%d articles, the uninterrupted import stored %d", len(got.articles), n)
	}
	checkStoreFiles(t, data)
	checkSearch(t, ref, data, got, rng)
}

// testKilledPoll polls a local news site of 30 items (each a page with its
// own image and a logo shared by all, served with a little delay) into a
// reference store, then into another with up to five kills at random
// moments in what is left to do, then once more to the end.
func testKilledPoll(t *testing.T, bin string, rng *rand.Rand) {
	const items = 30
	site := newssite.New(1, items, 25*time.Millisecond)
	t.Cleanup(site.Close)
	ref, data := t.TempDir(), t.TempDir()
	flags := func(dir string, args ...string) []string {
		return append([]string{"--data", dir, "--allow-private", "--host-rate", "1000", "--log-level", "warn"}, args...)
	}
	for _, dir := range []string{ref, data} {
		runNewsvault(t, bin, flags(dir, "feeds", "add", site.FeedURL(0), "--mode", "page", "--time-zone", "Asia/Shanghai")...)
	}
	start := time.Now()
	out := runNewsvault(t, bin, flags(ref, "poll", "--once")...)
	full := time.Since(start)
	if !strings.Contains(out, fmt.Sprintf("polled 1 feeds: %d new articles, 0 feeds failed", items)) {
		t.Fatalf("uninterrupted poll:\n%s", out)
	}
	start = time.Now()
	runNewsvault(t, bin, flags(ref, "poll", "--once")...)
	idle := time.Since(start) // a run with nothing due: start-up and shut-down
	t.Logf("uninterrupted poll of %d items: %s (a run with nothing to do: %s)", items, full.Round(time.Millisecond), idle.Round(time.Millisecond))

	// Each kill comes when a random number of the requests still to make
	// (a page and its image per item left; up to half of them, so that
	// the kills spread over the run) has reached the site, plus a random
	// moment: while the page or image is on its way, extracted or written.
	kills := 0
	for round := 1; round <= 5; round++ {
		stored, _ := peekStore(t, data)
		if stored == items {
			t.Logf("round %d: nothing left to poll", round)
			break
		}
		target := site.Served() + 1 + rng.Int64N(int64(max(1, items-stored)))
		extra := time.Duration(rng.Int64N(int64(40 * time.Millisecond)))
		p := startNewsvault(t, bin, flags(data, "poll", "--once")...)
		killed, at := p.killOn(p.when(func() bool { return site.Served() >= target }, extra))
		now, _ := peekStore(t, data)
		what := "finished before the kill"
		if killed {
			kills++
			what = "killed"
		} else if p.err != nil {
			t.Fatalf("round %d: poll failed: %v\n%s", round, p.err, p.output())
		}
		t.Logf("round %d: %s after %s; %d of %d items stored", round, what, at.Round(time.Millisecond), now, items)
	}
	out = runNewsvault(t, bin, flags(data, "poll", "--once")...)
	if !regexp.MustCompile(`polled [01] feeds: \d+ new articles, 0 feeds failed`).MatchString(out) {
		t.Fatalf("final poll:\n%s", out)
	}
	t.Logf("survived %d kill-restart rounds; final run: %s", kills, lastOutputLine(out))

	want, got := readFacts(t, ref), readFacts(t, data)
	compareFacts(t, want, got)
	if len(got.articles) != items {
		t.Errorf("%d articles, want %d", len(got.articles), items)
	}
	for u, a := range got.articles {
		if a.versions != 1 || a.assets != 2 {
			t.Errorf("%s: %d versions and %d images, want 1 and 2", u, a.versions, a.assets)
		}
		if got.pageCaptures[u] != 1 {
			t.Errorf("%s: %d captures of its page, want 1", u, got.pageCaptures[u])
		}
	}
	// Every stored image is the very bytes the site served under its URL.
	db := openStoreDB(t, data)
	rows, err := db.Query(`SELECT hash, url FROM assets`)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.Open(filepath.Join(data, "blobs"), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var hash, u string
		if err := rows.Scan(&hash, &u); err != nil {
			t.Fatal(err)
		}
		n++
		served, _ := site.Image(strings.TrimPrefix(u, site.URL()))
		b, err := blobs.Get(t.Context(), hash)
		if err != nil || served == nil || !bytes.Equal(b, served) {
			t.Errorf("image %s (%s): stored bytes differ from the served ones (%v)", u, hash, err)
		}
	}
	rows.Close()
	if n != items+1 {
		t.Errorf("%d images stored, want %d (one per item and the logo)", n, items+1)
	}
	var status string
	db.QueryRow(`SELECT last_status FROM sources WHERE kind = 'feed'`).Scan(&status)
	if status != "ok" {
		t.Errorf("the feed's last poll: %q", status)
	}
	checkStoreFiles(t, data)
	checkSearch(t, ref, data, got, rng)
}

// buildNewsvault builds the command with the go command that runs the
// tests, once for all the tests of the package (TestMain removes it).
func buildNewsvault(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		goCmd, err := exec.LookPath("go")
		if err != nil {
			root := os.Getenv("GOROOT")
			if root == "" {
				built.skip = "no go command to build newsvault with"
				return
			}
			goCmd = filepath.Join(root, "bin", "go")
		}
		if built.dir, err = os.MkdirTemp("", "newsvault-test-bin-"); err != nil {
			built.err = err.Error()
			return
		}
		bin := filepath.Join(built.dir, "newsvault")
		start := time.Now()
		if out, err := exec.Command(goCmd, "build", "-o", bin, ".").CombinedOutput(); err != nil {
			built.err = fmt.Sprintf("go build: %v\n%s", err, out)
			return
		}
		built.bin = bin
		t.Logf("built newsvault in %s", time.Since(start).Round(time.Millisecond))
	})
	switch {
	case built.skip != "":
		t.Skip(built.skip)
	case built.err != "":
		t.Fatal(built.err)
	}
	return built.bin
}

// built is the binary buildNewsvault made.
var built struct {
	once      sync.Once
	dir, bin  string
	skip, err string
}

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// childEnv is the environment without the NEWSVAULT_ settings of whoever
// runs the tests.
func childEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "NEWSVAULT_") })
}

// runNewsvault runs the binary to the end and fails t unless it succeeds.
func runNewsvault(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = childEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("newsvault %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func lastOutputLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// crashProc is a running newsvault whose output is collected.
type crashProc struct {
	cmd     *exec.Cmd
	started time.Time
	done    chan struct{} // closed when it has exited
	err     error         // its exit status, once done
	allDone chan struct{} // closed at an import's progress line saying every file is done
	once    sync.Once
	mu      sync.Mutex
	out     bytes.Buffer
}

var importProgress = regexp.MustCompile(`msg=importing done=(\d+) total=(\d+)`)

func startNewsvault(t *testing.T, bin string, args ...string) *crashProc {
	t.Helper()
	p := &crashProc{cmd: exec.Command(bin, args...), done: make(chan struct{}), allDone: make(chan struct{})}
	p.cmd.Env = childEnv()
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.started = time.Now()
	var wg sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(r)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				p.line(sc.Text())
			}
			io.Copy(io.Discard, r)
		}()
	}
	go func() {
		wg.Wait()
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p
}

func (p *crashProc) line(s string) {
	p.mu.Lock()
	p.out.WriteString(s + "\n")
	p.mu.Unlock()
	if m := importProgress.FindStringSubmatch(s); m != nil && m[1] == m[2] {
		p.once.Do(func() { close(p.allDone) })
	}
}

func (p *crashProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// when returns a channel closed extra after cond (nil: at once) holds,
// which is checked every few milliseconds until the process ends.
func (p *crashProc) when(cond func() bool, extra time.Duration) <-chan struct{} {
	fire := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for cond != nil && !cond() {
			select {
			case <-p.done:
				return
			case <-tick.C:
			}
		}
		select {
		case <-p.done:
		case <-time.After(extra):
			close(fire)
		}
	}()
	return fire
}

func chanClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// killOn sends SIGKILL when fire is closed, unless the process ends first.
// It reports whether the kill ended it, and when.
func (p *crashProc) killOn(fire <-chan struct{}) (killed bool, at time.Duration) {
	select {
	case <-p.done:
		return false, time.Since(p.started)
	case <-fire:
	}
	err := p.cmd.Process.Kill()
	at = time.Since(p.started)
	<-p.done
	return !errors.Is(err, os.ErrProcessDone) && p.err != nil, at
}

// openRaw opens a store's database directly, for what the store's own API
// does not show.
func openStoreDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "newsvault.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// countArticles counts the articles a store holds while newsvault may be
// writing it.
func countArticles(dir string) (int, error) {
	path := filepath.Join(dir, "newsvault.db")
	if _, err := os.Stat(path); err != nil {
		return 0, err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRow(`SELECT count(*) FROM articles`).Scan(&n)
	return n, err
}

// peekStore returns how many articles a store holds and its search index's
// automerge setting (FTS5's default 4 when it was never set), without
// opening it as newsvault does (which would restore the setting).
func peekStore(t *testing.T, dir string) (articles, automerge int) {
	t.Helper()
	path := filepath.Join(dir, "newsvault.db")
	if _, err := os.Stat(path); err != nil {
		return 0, 4 // killed before the database was made
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT count(*) FROM articles`).Scan(&articles); err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return 0, 4 // killed before the schema was made
		}
		t.Fatalf("after a kill: %v", err)
	}
	if err := db.QueryRow(`SELECT v FROM articles_fts_config WHERE k = 'automerge'`).Scan(&automerge); errors.Is(err, sql.ErrNoRows) {
		automerge = 4
	} else if err != nil {
		t.Fatalf("after a kill: %v", err)
	}
	return articles, automerge
}

// storeFacts is what must be the same after an interrupted and an
// uninterrupted run.
type storeFacts struct {
	articles     map[string]articleFacts // by URL
	captures     map[string]int          // "URL body-hash" -> rows
	pageCaptures map[string]int          // article URL -> captures of it
}

type articleFacts struct {
	source   string
	title    string
	versions int    // rows in versions
	hashes   string // the versions' content hashes, oldest first
	assets   int    // images the versions use
}

func readFacts(t *testing.T, dir string) storeFacts {
	t.Helper()
	db := openStoreDB(t, dir)
	f := storeFacts{articles: map[string]articleFacts{}, captures: map[string]int{}, pageCaptures: map[string]int{}}
	rows, err := db.Query(`SELECT a.url, COALESCE(s.title, ''), a.title, a.version_count,
			(SELECT count(*) FROM versions v WHERE v.article_id = a.id),
			(SELECT group_concat(v.hash, ',' ORDER BY v.seq) FROM versions v WHERE v.article_id = a.id),
			(SELECT count(*) FROM version_assets va JOIN versions v ON v.id = va.version_id WHERE v.article_id = a.id)
		FROM articles a LEFT JOIN sources s ON s.id = a.source_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var u string
		var a articleFacts
		var count int
		if err := rows.Scan(&u, &a.source, &a.title, &count, &a.versions, &a.hashes, &a.assets); err != nil {
			t.Fatal(err)
		}
		if count != a.versions {
			t.Errorf("%s: version_count %d, but %d versions", u, count, a.versions)
		}
		if _, dup := f.articles[u]; dup {
			t.Errorf("%s stored twice", u)
		}
		f.articles[u] = a
	}
	rows.Close()
	rows, err = db.Query(`SELECT url, body_hash, count(*) FROM captures GROUP BY url, body_hash`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var u, h string
		var n int
		if err := rows.Scan(&u, &h, &n); err != nil {
			t.Fatal(err)
		}
		f.captures[u+" "+h] = n
		if _, ok := f.articles[u]; ok {
			f.pageCaptures[u] += n
		}
	}
	rows.Close()
	return f
}

// compareFacts checks got against the uninterrupted run's facts: the same
// articles, each under the same source with the same versions and images,
// and the same captures of each article's own URL (feed responses are
// captured once per run, so their number differs).
func compareFacts(t *testing.T, want, got storeFacts) {
	t.Helper()
	perSource := func(f storeFacts) map[string]int {
		m := map[string]int{}
		for _, a := range f.articles {
			m[a.source]++
		}
		return m
	}
	ws, gs := perSource(want), perSource(got)
	for s, n := range ws {
		if gs[s] != n {
			t.Errorf("source %s: %d articles, the uninterrupted run stored %d", s, gs[s], n)
		}
	}
	bad := 0
	for u, w := range want.articles {
		g, ok := got.articles[u]
		switch {
		case !ok:
			t.Errorf("%s lost", u)
		case g != w:
			t.Errorf("%s: %+v, the uninterrupted run stored %+v", u, g, w)
		default:
			continue
		}
		if bad++; bad == 10 {
			t.Fatal("giving up after 10 differences")
		}
	}
	for u := range got.articles {
		if _, ok := want.articles[u]; !ok {
			t.Errorf("%s stored, but not by the uninterrupted run", u)
		}
	}
	for k, n := range got.captures {
		u, _, _ := strings.Cut(k, " ")
		if _, isArticle := got.articles[u]; isArticle && want.captures[k] != n {
			t.Errorf("capture %s stored %d times, by the uninterrupted run %d", k, n, want.captures[k])
		}
	}
	t.Logf("%d articles in %d sources, as the uninterrupted run stored them", len(got.articles), len(gs))
}

// checkStoreFiles checks a store that newsvault has closed: SQLite's and
// the search index's own consistency checks, merging back at FTS5's
// default, one index entry per article, no version stored twice in a row,
// and every blob the database refers to present and hashing to its name.
// Temporary blob files left by killed writers are counted and logged.
func checkStoreFiles(t *testing.T, dir string) {
	t.Helper()
	db := openStoreDB(t, dir)
	var merge int
	if err := db.QueryRow(`SELECT v FROM articles_fts_config WHERE k = 'automerge'`).Scan(&merge); err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	} else if err == nil && merge != 4 {
		t.Errorf("search index automerge is %d after the last run, want FTS5's default 4", merge)
	}
	var problems []string
	rows, err := db.Query(`PRAGMA integrity_check`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		problems = append(problems, s)
	}
	rows.Close()
	if !slices.Equal(problems, []string{"ok"}) {
		t.Errorf("integrity_check: %v", problems)
	}
	rows, err = db.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("foreign_key_check found rows pointing nowhere")
	}
	rows.Close()
	if _, err := db.Exec(`INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')`); err != nil {
		t.Errorf("search index integrity-check: %v", err)
	}
	for what, q := range map[string]string{
		"articles without a search index entry": `SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM articles_fts_docsize d WHERE d.id = a.id)`,
		"search index entries without article":  `SELECT count(*) FROM articles_fts_docsize d WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = d.id)`,
		"versions repeating the one before":     `SELECT count(*) FROM versions v JOIN versions w ON w.article_id = v.article_id AND w.seq = v.seq + 1 AND w.hash = v.hash`,
		"articles stored under one URL twice":   `SELECT count(*) FROM (SELECT url FROM articles GROUP BY url HAVING count(*) > 1)`,
	} {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d %s", n, what)
		}
	}

	blobs, err := blob.Open(filepath.Join(dir, "blobs"), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var hashes []string
	rows, err = db.Query(`SELECT body_hash FROM captures WHERE body_hash != '' UNION SELECT hash FROM assets`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var h string
		rows.Scan(&h)
		hashes = append(hashes, h)
	}
	rows.Close()
	// Images the stored HTML points at must be stored assets.
	rows, err = db.Query(`SELECT html FROM versions WHERE html LIKE '%/assets/%'`)
	if err != nil {
		t.Fatal(err)
	}
	assetRef := regexp.MustCompile(`/assets/([0-9a-f]{64})`)
	for rows.Next() {
		var html string
		rows.Scan(&html)
		for _, m := range assetRef.FindAllStringSubmatch(html, -1) {
			var n int
			db.QueryRow(`SELECT count(*) FROM assets WHERE hash = ?`, m[1]).Scan(&n)
			if n != 1 {
				t.Errorf("stored HTML points at /assets/%s, which is not a stored asset", m[1])
			}
		}
	}
	rows.Close()
	for _, h := range hashes {
		if _, err := blobs.Get(t.Context(), h); err != nil {
			t.Errorf("blob: %v", err)
		}
	}
	// Killed writers may leave temporary files and blobs whose article
	// never committed: harmless, but counted.
	var temps, files int
	filepath.WalkDir(filepath.Join(dir, "blobs"), func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil || d.IsDir():
		case strings.HasPrefix(d.Name(), ".tmp-") || filepath.Base(filepath.Dir(path)) == "tmp":
			temps++
		case strings.HasSuffix(d.Name(), ".gz"):
			files++
		}
		return nil
	})
	t.Logf("%d blobs referred to, all present and intact; %d blobs referred to by nothing, %d temporary blob files left by killed writers",
		len(hashes), files-len(hashes), temps)
}

// checkSearch checks that search finds sampled articles by a phrase of
// their title, and that the queries of bench search match as many articles
// as in the uninterrupted run's store.
func checkSearch(t *testing.T, refDir, dir string, facts storeFacts, rng *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	an, err := search.NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	open := func(dir string) *sqlite.Store {
		st, err := sqlite.Open(ctx, filepath.Join(dir, "newsvault.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	ref, st := open(refDir), open(dir)
	count := func(st *sqlite.Store, raw string, limit int) ([]store.SearchHit, int) {
		q := an.Parse(raw, nil)
		hits, total, err := st.Search(ctx, store.SearchQuery{Match: q.Match, Limit: limit})
		if err != nil {
			t.Fatalf("search %q: %v", raw, err)
		}
		return hits, total
	}
	urls := make([]string, 0, len(facts.articles))
	for u := range facts.articles {
		urls = append(urls, u)
	}
	slices.Sort(urls)
	found := 0
	for _, i := range rng.Perm(len(urls))[:min(len(urls), 40)] {
		var run []rune
		for _, r := range facts.articles[urls[i]].title + " " {
			if unicode.Is(unicode.Han, r) {
				run = append(run, r)
				continue
			}
			if len(run) >= 4 {
				break
			}
			run = nil
		}
		if len(run) < 4 {
			continue
		}
		phrase := `"` + string(run[:min(len(run), 8)]) + `"`
		hits, total := count(st, phrase, 500)
		if total > len(hits) {
			continue // too common to look for in one page
		}
		if !slices.ContainsFunc(hits, func(h store.SearchHit) bool { return h.Article.URL == urls[i] }) {
			t.Errorf("searching %s does not find %s", phrase, urls[i])
		}
		found++
	}
	differ := 0
	for _, q := range shareddata.SearchQueries {
		_, want := count(ref, q, 1)
		_, got := count(st, q, 1)
		if got != want {
			differ++
			t.Errorf("search %q: %d articles, %d in the uninterrupted run's store", q, got, want)
		}
	}
	t.Logf("search found %d sampled articles by a phrase of their title; %d queries matched as many articles as after the uninterrupted run", found, len(shareddata.SearchQueries)-differ)
}
