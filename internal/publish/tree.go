package publish

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// A target directory holds, beside what readers see, a .newsvault
// directory of our own:
//
//	.newsvault/target         the marker: this directory is ours
//	.newsvault/state.json     what the last complete run wrote (file hashes,
//	                          per-article change tokens, index layout)
//	.newsvault/staging/...    the files of the run in progress
//	.newsvault/journal.json   present only between a run's commit and its
//	                          end: the moves and removals still to apply
//
// A run stages every changed file, then writes the journal (the commit
// point), then renames each staged file into place, removes what is gone,
// saves the state and deletes the journal. A run killed before the commit
// leaves the target as it was (the next run discards the staging
// directory); one killed after it is completed by the next run, which
// applies the journal first.
const (
	metaDir     = ".newsvault"
	markerFile  = "target"
	stateFile   = "state.json"
	journalFile = "journal.json"
	stagingDir  = "staging"
)

// ErrNotOurs is returned for a target directory that has files but no
// marker: publishing would overwrite something we did not write.
var ErrNotOurs = errors.New("directory is not a newsvault publish target (no .newsvault/target marker); refusing to write into it")

// treeState is what a target remembers between runs.
type treeState struct {
	Kind string `json:"kind"`
	// Files maps each path we wrote to the SHA-256 of its bytes.
	Files map[string]string `json:"files"`
	// Articles maps an article ID to the token of what was published for
	// it (version and status) and the files it owns.
	Articles map[int64]articleState `json:"articles"`
	// Index is the static site's search index layout.
	Index *indexState `json:"index,omitempty"`
	// Run counts the target's complete runs; Changed lists the paths the
	// last one wrote or removed, so a git target that committed run Run-1
	// examines only those.
	Run     int64    `json:"run"`
	Changed []string `json:"changed,omitempty"`
}

type articleState struct {
	Token string   `json:"token"`
	Files []string `json:"files,omitempty"`
}

type journal struct {
	Moves   []string   `json:"moves"`
	Removes []string   `json:"removes"`
	State   *treeState `json:"state"`
}

// tree is one run over a target directory.
type tree struct {
	dir     string
	prev    *treeState // as the last run left it
	next    *treeState // what this run leaves
	staged  []string
	isStage map[string]bool
	removed map[string]bool
	// failAfter, when positive, makes the run fail after that many renames
	// of the apply phase, as a kill would (tests).
	failAfter int
	// onStage, when set, runs as each file is staged (tests).
	onStage func()
}

// openTree opens (or creates) the target directory dir of kind, refusing
// a directory that has files but no marker, and completes or discards what
// a killed run left.
func openTree(dir, kind string) (*tree, error) {
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
	t := &tree{dir: dir, removed: map[string]bool{}, isStage: map[string]bool{}}
	if err := t.recover(); err != nil {
		return nil, fmt.Errorf("target %s: complete the interrupted run: %w", dir, err)
	}
	st := &treeState{Kind: kind, Files: map[string]string{}, Articles: map[int64]articleState{}}
	data, err := os.ReadFile(filepath.Join(dir, metaDir, stateFile))
	switch {
	case err == nil:
		if err := json.Unmarshal(data, st); err != nil {
			return nil, fmt.Errorf("target %s: state: %w", dir, err)
		}
		if st.Files == nil {
			st.Files = map[string]string{}
		}
		if st.Articles == nil {
			st.Articles = map[int64]articleState{}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("target %s: %w", dir, err)
	}
	if st.Kind != kind {
		return nil, fmt.Errorf("target %s holds a %s target, not %s", dir, st.Kind, kind)
	}
	t.prev = st
	t.next = &treeState{Kind: kind, Files: make(map[string]string, len(st.Files)), Articles: make(map[int64]articleState, len(st.Articles)), Index: st.Index}
	for k, v := range st.Files {
		t.next.Files[k] = v
	}
	for k, v := range st.Articles {
		t.next.Articles[k] = v
	}
	return t, nil
}

// recover applies a committed run's journal, or discards an uncommitted
// run's staging directory.
func (t *tree) recover() error {
	jp := filepath.Join(t.dir, metaDir, journalFile)
	data, err := os.ReadFile(jp)
	if errors.Is(err, fs.ErrNotExist) {
		return os.RemoveAll(filepath.Join(t.dir, metaDir, stagingDir))
	}
	if err != nil {
		return err
	}
	var j journal
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return t.apply(&j)
}

// safePath reports whether rel is a clean relative slash path inside the
// target and outside our own directory.
func safePath(rel string) bool {
	return rel != "" && path.Clean(rel) == rel && !path.IsAbs(rel) && !strings.HasPrefix(rel, "../") && rel != ".." &&
		rel != metaDir && !strings.HasPrefix(rel, metaDir+"/") && !strings.Contains(rel, "\\")
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

// putHashed stages the file rel whose content has SHA-256 hash, written by
// fill, unless the target already has it.
func (t *tree) putHashed(rel, hash string, fill func(io.Writer) error) (bool, error) {
	if !safePath(rel) {
		return false, fmt.Errorf("publish: unsafe path %q", rel)
	}
	delete(t.removed, rel)
	if t.next.Files[rel] == hash && !t.isStage[rel] {
		if _, err := os.Lstat(filepath.Join(t.dir, filepath.FromSlash(rel))); err == nil {
			return false, nil
		}
	}
	if err := writeAtomic(filepath.Join(t.dir, metaDir, stagingDir, filepath.FromSlash(rel)), fill); err != nil {
		return false, err
	}
	if t.onStage != nil {
		t.onStage()
	}
	if !t.isStage[rel] {
		t.isStage[rel] = true
		t.staged = append(t.staged, rel)
	}
	t.next.Files[rel] = hash
	return true, nil
}

// has reports whether the target holds rel with this hash.
func (t *tree) has(rel, hash string) bool { return t.next.Files[rel] == hash }

// remove marks rel, a file an earlier run wrote, to be deleted.
func (t *tree) remove(rel string) {
	if _, ok := t.next.Files[rel]; ok {
		t.removed[rel] = true
		delete(t.next.Files, rel)
	}
}

// commit makes the run visible: journal, renames, state. It returns the
// number of files written and removed.
func (t *tree) commit() (written, removed int, err error) {
	j := &journal{Moves: t.staged, State: t.next}
	for rel := range t.removed {
		j.Removes = append(j.Removes, rel)
	}
	sort.Strings(j.Removes)
	t.next.Run = t.prev.Run + 1
	t.next.Changed = append(append(make([]string, 0, len(j.Moves)+len(j.Removes)), j.Moves...), j.Removes...)
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(j); err != nil {
		return 0, 0, err
	}
	if err := writeAtomic(filepath.Join(t.dir, metaDir, journalFile), func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	}); err != nil {
		return 0, 0, fmt.Errorf("commit: %w", err)
	}
	if err := t.apply(j); err != nil {
		return 0, 0, fmt.Errorf("commit: %w", err)
	}
	return len(j.Moves), len(j.Removes), nil
}

// errKilled is the failure tests inject into the apply phase.
var errKilled = errors.New("publish: run stopped mid-commit (test)")

// apply moves staged files into place, removes deleted ones, saves the
// state and removes the journal. It can be repeated after a kill.
//
// The signed manifest and its signature move last, after the removals, so
// a reader who sees a new manifest sees the tree it lists.
func (t *tree) apply(j *journal) error {
	n := 0
	move := func(rel string) error {
		if !safePath(rel) {
			return fmt.Errorf("journal names unsafe path %q", rel)
		}
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
	var last []string
	for _, rel := range j.Moves {
		if isManifest(rel) {
			last = append(last, rel)
			continue
		}
		if err := move(rel); err != nil {
			return err
		}
	}
	for _, rel := range j.Removes {
		if !safePath(rel) {
			return fmt.Errorf("journal names unsafe path %q", rel)
		}
		if err := os.Remove(filepath.Join(t.dir, filepath.FromSlash(rel))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	for _, rel := range last {
		if err := move(rel); err != nil {
			return err
		}
	}
	data, err := json.Marshal(j.State)
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(t.dir, metaDir, stateFile), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(t.dir, metaDir, journalFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.RemoveAll(filepath.Join(t.dir, metaDir, stagingDir))
}

// discard abandons an uncommitted run.
func (t *tree) discard() {
	_ = os.RemoveAll(filepath.Join(t.dir, metaDir, stagingDir))
}
