package gitmirror

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/memory"
)

// stageLimit bounds the bytes of new objects held in memory before they are
// written out as a pack.
const stageLimit = 32 << 20

// packStager collects the objects a run creates and writes them into the
// repository as packfiles (one per run, more only for runs larger than
// stageLimit) instead of one loose file per object. Nothing it stages is
// reachable from a ref until flush has returned.
type packStager struct {
	repo   *git.Repository
	mem    *memory.Storage
	hashes []plumbing.Hash
	bytes  int64
	added  []plumbing.Hash // every object written this run, for the push
}

func newPackStager(repo *git.Repository) *packStager {
	return &packStager{repo: repo, mem: memory.NewStorage()}
}

// has reports whether the object is in the repository or staged.
func (s *packStager) has(h plumbing.Hash) bool {
	if s.mem.HasEncodedObject(h) == nil {
		return true
	}
	return s.repo.Storer.HasEncodedObject(h) == nil
}

// put stages o unless the repository already has it.
func (s *packStager) put(o plumbing.EncodedObject) (plumbing.Hash, error) {
	h := o.Hash()
	if s.has(h) {
		return h, nil
	}
	if _, err := s.mem.SetEncodedObject(o); err != nil {
		return h, err
	}
	s.hashes = append(s.hashes, h)
	s.bytes += o.Size()
	if s.bytes >= stageLimit {
		return h, s.flush()
	}
	return h, nil
}

// putBlob stages data as a blob.
func (s *packStager) putBlob(data []byte) (plumbing.Hash, error) {
	o := &plumbing.MemoryObject{}
	o.SetType(plumbing.BlobObject)
	if _, err := o.Write(data); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.put(o)
}

// putObject encodes and stages a tree or commit.
func (s *packStager) putObject(e encodable) (plumbing.Hash, error) {
	o := &plumbing.MemoryObject{}
	if err := e.Encode(o); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.put(o)
}

type encodable interface {
	Encode(plumbing.EncodedObject) error
}

// flush writes the staged objects into the repository as one pack.
func (s *packStager) flush() (err error) {
	if len(s.hashes) == 0 {
		return nil
	}
	pw, ok := s.repo.Storer.(storer.PackfileWriter)
	if !ok {
		return fmt.Errorf("storage %T cannot write packs", s.repo.Storer)
	}
	w, err := pw.PackfileWriter()
	if err != nil {
		return err
	}
	if _, err := packfile.NewEncoder(w, s.mem, false).Encode(s.hashes, 0); err != nil {
		w.Close()
		return fmt.Errorf("write pack: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write pack: %w", err)
	}
	s.added = append(s.added, s.hashes...)
	s.mem = memory.NewStorage()
	s.hashes, s.bytes = nil, 0
	return nil
}

// objectCounts counts the packs and loose objects under a bare repository.
func objectCounts(repoDir string) (packs, loose int) {
	objects := filepath.Join(repoDir, "objects")
	if ents, err := os.ReadDir(filepath.Join(objects, "pack")); err == nil {
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".pack") {
				packs++
			}
		}
	}
	ents, err := os.ReadDir(objects)
	if err != nil {
		return packs, 0
	}
	for _, e := range ents {
		if len(e.Name()) == 2 && e.IsDir() {
			if sub, err := os.ReadDir(filepath.Join(objects, e.Name())); err == nil {
				loose += len(sub)
			}
		}
	}
	return packs, loose
}
