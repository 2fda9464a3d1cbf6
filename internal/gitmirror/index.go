package gitmirror

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// indexFile, kept inside the bare repository, remembers for every file of
// the last commit its size, modification time and blob hash, so that a run
// re-reads only files whose size or time changed. It is a cache: when it is
// missing, unreadable or made for another tree, the tree itself is read and
// every file hashed once more.
const indexFile = "newsvault-index"

const indexVersion = 1

// racyWindow: a file modified this close to the moment it was hashed may
// change again within the same timestamp tick, so its time is not trusted.
const racyWindow = 2e9 // ns

type indexEntry struct {
	Size  int64
	MTime int64 // ns; 0 = unknown, always re-read
	Hash  plumbing.Hash
}

type fileIndex struct {
	Version int
	Tree    plumbing.Hash // the tree these entries describe
	Entries map[string]indexEntry
}

func readIndex(repoDir string) (*fileIndex, error) {
	f, err := os.Open(filepath.Join(repoDir, indexFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ix fileIndex
	if err := gob.NewDecoder(bufio.NewReader(f)).Decode(&ix); err != nil {
		return nil, fmt.Errorf("read %s: %w", indexFile, err)
	}
	if ix.Version != indexVersion || ix.Entries == nil {
		return nil, errors.New("index of another version")
	}
	return &ix, nil
}

// writeIndex replaces the index atomically.
func writeIndex(repoDir string, ix *fileIndex) error {
	ix.Version = indexVersion
	tmp, err := os.CreateTemp(repoDir, indexFile+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := gob.NewEncoder(bw).Encode(ix); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(repoDir, indexFile))
}

// loadOld returns the path → entry map of the tree: the index when it
// describes that tree, else the tree's files with unknown times.
func loadOld(repo *git.Repository, repoDir string, tree plumbing.Hash) (map[string]indexEntry, error) {
	if tree.IsZero() {
		return map[string]indexEntry{}, nil
	}
	if ix, err := readIndex(repoDir); err == nil && ix.Tree == tree {
		return ix.Entries, nil
	}
	old := map[string]indexEntry{}
	var walk func(prefix string, h plumbing.Hash) error
	walk = func(prefix string, h plumbing.Hash) error {
		t, err := object.GetTree(repo.Storer, h)
		if err != nil {
			return fmt.Errorf("tree %s%s: %w", prefix, h, err)
		}
		for _, e := range t.Entries {
			if e.Mode == filemode.Dir {
				if err := walk(prefix+e.Name+"/", e.Hash); err != nil {
					return err
				}
				continue
			}
			old[prefix+e.Name] = indexEntry{Hash: e.Hash}
		}
		return nil
	}
	return old, walk("", tree)
}

// statEntry is the index entry of a file just hashed; a time too close to
// now is left unknown so the file is read again next run.
func statEntry(info fs.FileInfo, h plumbing.Hash, nowNS int64) indexEntry {
	mt := info.ModTime().UnixNano()
	if nowNS-mt < racyWindow {
		mt = 0
	}
	return indexEntry{Size: info.Size(), MTime: mt, Hash: h}
}
