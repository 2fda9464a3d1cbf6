package gitmirror

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// change is one file added, modified (hash set) or deleted.
type change struct {
	hash    plumbing.Hash
	deleted bool
}

// scanner finds what differs between srcDir and the last commit, storing
// the blobs of new and changed files as it goes.
type scanner struct {
	ctx     context.Context
	src     string
	maxSize int64
	nowNS   int64
	old     map[string]indexEntry
	cur     map[string]indexEntry // the new commit's files
	changes map[string]change
	tooBig  []string
	st      *packStager
	oldDirs map[string]bool // directories of the last commit, made on demand
}

func newScanner(ctx context.Context, src string, maxSize, nowNS int64, old map[string]indexEntry, st *packStager) *scanner {
	return &scanner{ctx: ctx, src: src, maxSize: maxSize, nowNS: nowNS, old: old, changes: map[string]change{}, st: st}
}

// full reads the whole directory; only files whose size or time differ
// from the index are read.
func (s *scanner) full() error {
	s.cur = make(map[string]indexEntry, len(s.old))
	if err := s.walk(""); err != nil {
		return err
	}
	for p := range s.old {
		if _, ok := s.cur[p]; !ok {
			s.changes[p] = change{deleted: true}
		}
	}
	return nil
}

// paths re-examines only the named paths (files or directories, slash
// separated, relative to the source); everything else is the last commit's.
func (s *scanner) paths(changed []string) error {
	s.cur = make(map[string]indexEntry, len(s.old)+len(changed))
	for p, e := range s.old {
		s.cur[p] = e
	}
	for _, p := range changed {
		rel := path.Clean(strings.TrimPrefix(filepath.ToSlash(p), "./"))
		if rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
			return fmt.Errorf("changed path %q is not inside the directory", p)
		}
		info, err := os.Lstat(filepath.Join(s.src, filepath.FromSlash(rel)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			s.drop(rel)
		case err != nil:
			return err
		case info.IsDir():
			s.drop(rel)
			if err := s.walk(rel); err != nil {
				return err
			}
		default:
			s.drop(rel)
			if err := s.file(rel, info); err != nil {
				return err
			}
		}
	}
	return nil
}

// drop removes rel and everything under it from the new commit; walk or
// file put back what still exists.
func (s *scanner) drop(rel string) {
	del := func(p string) {
		if _, ok := s.cur[p]; ok {
			delete(s.cur, p)
			if _, was := s.old[p]; was {
				s.changes[p] = change{deleted: true}
			} else {
				delete(s.changes, p)
			}
		}
	}
	del(rel)
	if s.oldDirs == nil {
		s.oldDirs = map[string]bool{}
		for p := range s.old {
			for i := strings.LastIndexByte(p, '/'); i > 0; i = strings.LastIndexByte(p[:i], '/') {
				if s.oldDirs[p[:i]] {
					break
				}
				s.oldDirs[p[:i]] = true
			}
		}
	}
	if !s.oldDirs[rel] {
		return // nothing of the last commit lies under rel
	}
	prefix := rel + "/"
	for p := range s.cur {
		if strings.HasPrefix(p, prefix) {
			del(p)
		}
	}
}

func (s *scanner) walk(rel string) error {
	root := filepath.Join(s.src, filepath.FromSlash(rel))
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := s.ctx.Err(); err != nil {
			return err
		}
		r, _ := filepath.Rel(s.src, p)
		r = filepath.ToSlash(r)
		if d.IsDir() {
			if r == ".git" || r == ".newsvault" { // a publish target's bookkeeping is not published
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return s.file(r, info)
	})
}

// file records one file, reading it only when the index cannot vouch
// for it.
func (s *scanner) file(rel string, info fs.FileInfo) error {
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", rel)
	}
	if info.Size() > s.maxSize {
		s.tooBig = append(s.tooBig, fmt.Sprintf("%s (%d bytes)", rel, info.Size()))
		return nil
	}
	old, had := s.old[rel]
	if had && old.MTime != 0 && old.MTime == info.ModTime().UnixNano() && old.Size == info.Size() {
		s.cur[rel] = old
		return nil
	}
	data, err := os.ReadFile(filepath.Join(s.src, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	h, err := s.st.putBlob(data)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	s.cur[rel] = statEntry(info, h, s.nowNS)
	if !had || old.Hash != h {
		s.changes[rel] = change{hash: h}
	} else {
		delete(s.changes, rel)
	}
	return nil
}

// lists splits the changes into sorted added, modified and deleted paths.
func (s *scanner) lists() (added, modified, deleted []string) {
	for p, c := range s.changes {
		_, had := s.old[p]
		switch {
		case c.deleted:
			deleted = append(deleted, p)
		case had:
			modified = append(modified, p)
		default:
			added = append(added, p)
		}
	}
	sort.Strings(added)
	sort.Strings(modified)
	sort.Strings(deleted)
	return added, modified, deleted
}

// changeDir is the part of the change set under one directory.
type changeDir struct {
	files map[string]change
	dirs  map[string]*changeDir
}

func newChangeDir() *changeDir {
	return &changeDir{files: map[string]change{}, dirs: map[string]*changeDir{}}
}

// applyChanges writes the trees of the directories that hold a change,
// starting from the old root (zero for none), and returns the new root.
// Untouched directories keep their tree objects.
func applyChanges(st *packStager, oldRoot plumbing.Hash, changes map[string]change) (plumbing.Hash, error) {
	root := newChangeDir()
	for p, c := range changes {
		n := root
		parts := strings.Split(p, "/")
		for _, d := range parts[:len(parts)-1] {
			sub, ok := n.dirs[d]
			if !ok {
				sub = newChangeDir()
				n.dirs[d] = sub
			}
			n = sub
		}
		n.files[parts[len(parts)-1]] = c
	}
	h, _, err := applyDir(st, oldRoot, root, true)
	return h, err
}

// applyDir returns the new tree of one directory and whether it is empty
// (an empty directory is dropped from its parent; the root is kept).
func applyDir(st *packStager, old plumbing.Hash, n *changeDir, isRoot bool) (plumbing.Hash, bool, error) {
	entries := map[string]object.TreeEntry{}
	if !old.IsZero() {
		t, err := object.GetTree(st.repo.Storer, old)
		if err != nil {
			return plumbing.ZeroHash, false, fmt.Errorf("tree %s: %w", old, err)
		}
		for _, e := range t.Entries {
			entries[e.Name] = e
		}
	}
	for name, sub := range n.dirs {
		var oldSub plumbing.Hash
		if e, ok := entries[name]; ok && e.Mode == filemode.Dir {
			oldSub = e.Hash
		}
		h, empty, err := applyDir(st, oldSub, sub, false)
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		if !empty {
			entries[name] = object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h}
		} else if e, ok := entries[name]; ok && e.Mode == filemode.Dir {
			delete(entries, name)
		}
	}
	for name, c := range n.files {
		e, ok := entries[name]
		switch {
		case !c.deleted:
			entries[name] = object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: c.hash}
		case ok && e.Mode != filemode.Dir:
			delete(entries, name)
		}
	}
	if len(entries) == 0 && !isRoot {
		return plumbing.ZeroHash, true, nil
	}
	t := &object.Tree{Entries: make([]object.TreeEntry, 0, len(entries))}
	for _, e := range entries {
		t.Entries = append(t.Entries, e)
	}
	// git orders a directory as its name with a trailing slash
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(t.Entries, func(i, j int) bool { return key(t.Entries[i]) < key(t.Entries[j]) })
	h, err := st.putObject(t)
	return h, false, err
}

// cacheComplete reports whether every file's time is known, so an index
// written now would add nothing.
func (s *scanner) cacheComplete() bool {
	for _, e := range s.cur {
		if e.MTime == 0 {
			return false
		}
	}
	return true
}
