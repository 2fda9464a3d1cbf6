package publish

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver for the target's state

	"github.com/newsvault/newsvault/internal/store"
)

// A target directory holds, beside what readers see, a .newsvault
// directory of our own:
//
//	.newsvault/target       the marker: this directory is ours
//	.newsvault/state.db     what the complete runs wrote (SQLite): every
//	                        file's hash and size, every published article's
//	                        listing fields, change token and files, the
//	                        store's change mark, the search index layout,
//	                        and the paths the last run wrote or removed
//	.newsvault/staging/...  the files of the run in progress
//
// A run works inside one transaction of state.db: it stages each changed
// file and records it there as it goes, so the run's list pages are
// rendered from the state as it will be. Committing that transaction, with
// the run's paths in run_files and meta "run" one higher, is the commit
// point; then each staged file is renamed into place, what is gone is
// removed, and meta "applied" is set to the run. A run killed before the
// commit leaves the target and its state as they were (SQLite rolls the
// transaction back; the next run discards the staging directory); one
// killed after it is completed by the next run, which applies run_files
// first. So a run costs what it changed: nothing is read or written whole.
const (
	metaDir    = ".newsvault"
	markerFile = "target"
	stateDB    = "state.db"
	stagingDir = "staging"
	// legacyState is the JSON state of earlier versions: a target that has
	// it is published again in full once, then it is removed.
	legacyState = "state.json"
)

// ErrNotOurs is returned for a target directory that has files but no
// marker: publishing would overwrite something we did not write.
var ErrNotOurs = errors.New("directory is not a newsvault publish target (no .newsvault/target marker); refusing to write into it")

const stateSchema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS articles (
	id            INTEGER PRIMARY KEY,
	token         TEXT NOT NULL,
	files         TEXT NOT NULL DEFAULT '',
	source_id     INTEGER NOT NULL,
	version_id    INTEGER NOT NULL,
	versions      INTEGER NOT NULL,
	title         TEXT NOT NULL,
	day           TEXT NOT NULL,
	sort_at       INTEGER NOT NULL,
	published     INTEGER,
	published_off INTEGER,
	updated       INTEGER,
	first_seen    INTEGER NOT NULL,
	status        TEXT NOT NULL,
	status_since  INTEGER
);
CREATE INDEX IF NOT EXISTS articles_sort ON articles(sort_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source_id, sort_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS articles_day ON articles(day, sort_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS articles_removed ON articles(sort_at DESC, id DESC) WHERE status IN ('removed', 'replaced');
CREATE INDEX IF NOT EXISTS articles_edited ON articles(sort_at DESC, id DESC) WHERE versions > 1;
CREATE TABLE IF NOT EXISTS sources (id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS run_files (path TEXT PRIMARY KEY, removed INTEGER NOT NULL) WITHOUT ROWID;
`

// tree is one run over a target directory.
type tree struct {
	dir  string
	kind string
	db   *sql.DB
	// lock is held from open to close: one run at a time per target.
	lock   *sql.DB
	lockTx *sql.Tx
	tx     *sql.Tx // the run's transaction; committed by commit
	// fresh is true when the state holds no file: nothing to look up.
	fresh   bool
	run     int64            // the last committed run
	mark    store.ChangeMark // the store's changes this target has seen
	index   *indexState      // the search index as the last run left it
	layout  string           // what the last run's pages were rendered for
	staged  []string
	isStage map[string]bool
	removed map[string]bool

	getFile, putFile, delFile *sql.Stmt

	// failAfter, when positive, makes the run fail after that many renames
	// of the apply phase, as a kill would (tests).
	failAfter int
	// onStage, when set, runs as each file is staged (tests).
	onStage func()
}

// openState opens a target's state database, creating its tables.
func openState(dir string) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, metaDir, stateDB)+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(stateSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("state: %w", err)
	}
	return db, nil
}

// ErrBusy is returned when another run is publishing the same target.
var ErrBusy = errors.New("another publish run is writing this target")

// lockTarget takes the target's run lock: an exclusive transaction on
// .newsvault/lock.db, held until the run ends (and released by SQLite if
// the process dies). A second run waits a moment, then gets ErrBusy rather
// than staging over the first one's files.
func lockTarget(dir string) (*sql.DB, *sql.Tx, error) {
	q := url.Values{}
	q.Add("_txlock", "exclusive")
	q.Add("_pragma", "busy_timeout(2000)")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, metaDir, "lock.db")+"?"+q.Encode())
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(1)
	tx, err := db.Begin()
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("%w: %v", ErrBusy, err)
	}
	return db, tx, nil
}

func metaGet(q interface {
	QueryRow(string, ...any) *sql.Row
}, key string) (string, error) {
	var v string
	err := q.QueryRow(`SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func metaSet(tx *sql.Tx, key, value string) error {
	_, err := tx.Exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// openTree opens (or creates) the target directory dir of kind, refusing
// a directory that has files but no marker, completes or discards what a
// killed run left, and begins the run's transaction.
func openTree(dir, kind string) (_ *tree, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("target %s: %w", dir, err)
	}
	marker := filepath.Join(dir, metaDir, markerFile)
	if _, err := os.Stat(marker); errors.Is(err, fs.ErrNotExist) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", dir, err)
		}
		if len(ents) > 0 {
			return nil, fmt.Errorf("target %s: %w", dir, ErrNotOurs)
		}
		if err := writeAtomic(marker, func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "newsvault publish target\nkind: %s\n", kind)
			return err
		}); err != nil {
			return nil, fmt.Errorf("target %s: %w", dir, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("target %s: %w", dir, err)
	}
	lock, lockTx, err := lockTarget(dir)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", dir, err)
	}
	t := &tree{dir: dir, kind: kind, lock: lock, lockTx: lockTx, removed: map[string]bool{}, isStage: map[string]bool{}}
	defer func() {
		if err != nil {
			t.discard()
			err = fmt.Errorf("target %s: %w", dir, err)
		}
	}()
	db, err := openState(dir)
	if err != nil {
		return nil, err
	}
	t.db = db
	if k, err := metaGet(db, "kind"); err != nil {
		return nil, err
	} else if k != "" && k != kind {
		return nil, fmt.Errorf("it holds a %s target, not %s", k, kind)
	}
	if err := t.recover(); err != nil {
		return nil, fmt.Errorf("complete the interrupted run: %w", err)
	}
	if t.tx, err = db.Begin(); err != nil {
		return nil, err
	}
	if err := t.load(); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		st  **sql.Stmt
		sql string
	}{
		{&t.getFile, `SELECT sha256 FROM files WHERE path = ?`},
		{&t.putFile, `INSERT INTO files (path, sha256, size) VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size`},
		{&t.delFile, `DELETE FROM files WHERE path = ?`},
	} {
		if *s.st, err = t.tx.Prepare(s.sql); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// load reads the last run's meta: run, change mark, index layout, layout.
func (t *tree) load() error {
	run, err := metaGet(t.tx, "run")
	if err != nil {
		return err
	}
	if run != "" {
		if t.run, err = strconv.ParseInt(run, 10, 64); err != nil {
			return fmt.Errorf("state: run %q", run)
		}
	}
	for key, dst := range map[string]any{"mark": &t.mark, "index": &t.index} {
		v, err := metaGet(t.tx, key)
		if err != nil {
			return err
		}
		if v != "" {
			if err := json.Unmarshal([]byte(v), dst); err != nil {
				return fmt.Errorf("state: %s: %w", key, err)
			}
		}
	}
	if t.layout, err = metaGet(t.tx, "layout"); err != nil {
		return err
	}
	var one int
	err = t.tx.QueryRow(`SELECT 1 FROM files LIMIT 1`).Scan(&one)
	t.fresh = errors.Is(err, sql.ErrNoRows)
	if err != nil && !t.fresh {
		return err
	}
	return nil
}

// recover applies a committed run that was not completely applied, and
// discards an uncommitted run's staging directory.
func (t *tree) recover() error {
	run, err := metaGet(t.db, "run")
	if err != nil {
		return err
	}
	applied, err := metaGet(t.db, "applied")
	if err != nil {
		return err
	}
	if run != applied {
		if err := t.apply(run); err != nil {
			return err
		}
	}
	return os.RemoveAll(filepath.Join(t.dir, metaDir, stagingDir))
}

// safePath reports whether rel is a clean relative slash path inside the
// target and outside our own directory.
func safePath(rel string) bool {
	return rel != "" && path.Clean(rel) == rel && !path.IsAbs(rel) && !strings.HasPrefix(rel, "../") && rel != ".." &&
		rel != metaDir && !strings.HasPrefix(rel, metaDir+"/") && !strings.Contains(rel, "\\")
}

// fileHash is the SHA-256 the target holds (or will hold after this run)
// at rel, "" for none.
func (t *tree) fileHash(rel string) (string, error) {
	if t.fresh && !t.isStage[rel] {
		return "", nil
	}
	var h string
	err := t.getFile.QueryRow(rel).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return h, err
}

// put stages data at rel unless the target already has exactly these
// bytes there. It reports whether the file will be written.
func (t *tree) put(rel string, data []byte) (bool, error) {
	sum := sha256.Sum256(data)
	return t.putHashed(rel, hex.EncodeToString(sum[:]), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// putHashed stages the file rel whose content has SHA-256 hash, written by
// fill, unless the target already has it.
func (t *tree) putHashed(rel, hash string, fill func(io.Writer) error) (bool, error) {
	if !safePath(rel) {
		return false, fmt.Errorf("publish: unsafe path %q", rel)
	}
	delete(t.removed, rel)
	if !t.isStage[rel] {
		old, err := t.fileHash(rel)
		if err != nil {
			return false, fmt.Errorf("state: %w", err)
		}
		if old == hash {
			if _, err := os.Lstat(filepath.Join(t.dir, filepath.FromSlash(rel))); err == nil {
				return false, nil
			}
		}
	}
	var size int64
	if err := writeAtomic(filepath.Join(t.dir, metaDir, stagingDir, filepath.FromSlash(rel)), func(w io.Writer) error {
		cw := &countWriter{w: w}
		err := fill(cw)
		size = cw.n
		return err
	}); err != nil {
		return false, err
	}
	if t.onStage != nil {
		t.onStage()
	}
	if !t.isStage[rel] {
		t.isStage[rel] = true
		t.staged = append(t.staged, rel)
	}
	if _, err := t.putFile.Exec(rel, hash, size); err != nil {
		return false, fmt.Errorf("state: %w", err)
	}
	return true, nil
}

// adopt records rel, a content-named file already written into the target
// (an image the markdown export copies in place), as written by this run.
func (t *tree) adopt(rel, hash string) error {
	if !safePath(rel) {
		return fmt.Errorf("publish: unsafe path %q", rel)
	}
	if h, err := t.fileHash(rel); err != nil || h == hash {
		return err
	}
	fi, err := os.Stat(filepath.Join(t.dir, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	delete(t.removed, rel)
	if !t.isStage[rel] {
		t.isStage[rel] = true
		t.staged = append(t.staged, rel)
	}
	if _, err := t.putFile.Exec(rel, hash, fi.Size()); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

// has reports whether the target holds rel with this hash.
func (t *tree) has(rel, hash string) bool {
	h, err := t.fileHash(rel)
	return err == nil && h == hash
}

// remove marks rel, a file an earlier run (or this one) wrote, to be
// deleted.
func (t *tree) remove(rel string) error {
	h, err := t.fileHash(rel)
	if err != nil || h == "" {
		return err
	}
	if t.isStage[rel] {
		// Staged by this run, then dropped: it never reaches the target
		// unless an earlier run put it there, and then it goes.
		delete(t.isStage, rel)
		t.staged = deleteString(t.staged, rel)
		_ = os.Remove(filepath.Join(t.dir, metaDir, stagingDir, filepath.FromSlash(rel)))
	}
	t.removed[rel] = true
	if _, err := t.delFile.Exec(rel); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

func deleteString(s []string, x string) []string {
	for i, v := range s {
		if v == x {
			return append(s[:i], s[i+1:]...)
		}
	}
	return s
}

// commit makes the run visible: the state's transaction with the run's
// paths (the commit point), then the renames and removals. It returns the
// number of files written and removed.
func (t *tree) commit() (written, removed int, err error) {
	tx := t.tx
	if _, err := tx.Exec(`DELETE FROM run_files`); err != nil {
		return 0, 0, fmt.Errorf("commit: %w", err)
	}
	ins, err := tx.Prepare(`INSERT INTO run_files (path, removed) VALUES (?, ?)`)
	if err != nil {
		return 0, 0, fmt.Errorf("commit: %w", err)
	}
	for _, rel := range t.staged {
		if _, err := ins.Exec(rel, 0); err != nil {
			return 0, 0, fmt.Errorf("commit: %w", err)
		}
	}
	for rel := range t.removed {
		if _, err := ins.Exec(rel, 1); err != nil {
			return 0, 0, fmt.Errorf("commit: %w", err)
		}
	}
	ins.Close()
	mark, _ := json.Marshal(t.mark)
	index := "null"
	if t.index != nil {
		b, _ := json.Marshal(t.index)
		index = string(b)
	}
	run := strconv.FormatInt(t.run+1, 10)
	for k, v := range map[string]string{"kind": t.kind, "run": run, "mark": string(mark), "index": index, "layout": t.layout} {
		if err := metaSet(tx, k, v); err != nil {
			return 0, 0, fmt.Errorf("commit: %w", err)
		}
	}
	t.tx = nil
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("commit: %w", err)
	}
	if err := t.apply(run); err != nil {
		return 0, 0, fmt.Errorf("commit: %w", err)
	}
	_ = os.Remove(filepath.Join(t.dir, metaDir, legacyState))
	return len(t.staged), len(t.removed), nil
}

// errKilled is the failure tests inject into the apply phase.
var errKilled = errors.New("publish: run stopped mid-commit (test)")

// apply moves the committed run's staged files into place, removes its
// deleted ones and records the run as applied. It can be repeated after a
// kill.
//
// The signed manifest and its signature move last, after the removals, so
// a reader who sees a new manifest sees the tree it lists.
func (t *tree) apply(run string) error {
	rows, err := t.db.Query(`SELECT path, removed FROM run_files ORDER BY path`)
	if err != nil {
		return err
	}
	var moves, removes, last []string
	for rows.Next() {
		var rel string
		var rm bool
		if err := rows.Scan(&rel, &rm); err != nil {
			rows.Close()
			return err
		}
		if !safePath(rel) {
			rows.Close()
			return fmt.Errorf("run_files names unsafe path %q", rel)
		}
		switch {
		case rm:
			removes = append(removes, rel)
		case isManifest(rel):
			last = append(last, rel)
		default:
			moves = append(moves, rel)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	n := 0
	move := func(rel string) error {
		if t.failAfter > 0 && n == t.failAfter {
			return errKilled
		}
		n++
		from := filepath.Join(t.dir, metaDir, stagingDir, filepath.FromSlash(rel))
		to := filepath.Join(t.dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		if err := os.Rename(from, to); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	for _, rel := range moves {
		if err := move(rel); err != nil {
			return err
		}
	}
	for _, rel := range removes {
		if err := os.Remove(filepath.Join(t.dir, filepath.FromSlash(rel))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	for _, rel := range last {
		if err := move(rel); err != nil {
			return err
		}
	}
	if _, err := t.db.Exec(`INSERT INTO meta (key, value) VALUES ('applied', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, run); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(t.dir, metaDir, stagingDir))
}

// discard abandons an uncommitted run and closes the state.
func (t *tree) discard() {
	if t.tx != nil {
		_ = t.tx.Rollback()
		t.tx = nil
	}
	_ = os.RemoveAll(filepath.Join(t.dir, metaDir, stagingDir))
	t.close()
}

func (t *tree) close() {
	if t.db != nil {
		t.db.Close()
		t.db = nil
	}
	if t.lock != nil {
		_ = t.lockTx.Rollback()
		t.lock.Close()
		t.lock = nil
	}
}

// sourceRun is what a git target needs of its source target: the number of
// its last complete run and the paths that run wrote or removed.
func sourceRun(dir string) (run int64, changed []string, err error) {
	if _, err := os.Stat(filepath.Join(dir, metaDir, stateDB)); err != nil {
		return 0, nil, err
	}
	db, err := openState(dir)
	if err != nil {
		return 0, nil, err
	}
	defer db.Close()
	r, err := metaGet(db, "run")
	if err != nil {
		return 0, nil, err
	}
	applied, err := metaGet(db, "applied")
	if err != nil {
		return 0, nil, err
	}
	if r == "" {
		return 0, nil, errors.New("no complete run yet")
	}
	if r != applied {
		return 0, nil, fmt.Errorf("run %s was interrupted; publish that target again to complete it", r)
	}
	run, _ = strconv.ParseInt(r, 10, 64)
	rows, err := db.Query(`SELECT path FROM run_files ORDER BY path`)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	changed = []string{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return 0, nil, err
		}
		changed = append(changed, p)
	}
	return run, changed, rows.Err()
}
