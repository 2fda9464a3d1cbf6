// Package blob owns how raw captures and images are kept: content-addressed
// blobs whose name is the SHA-256 of their bytes and whose stored form is
// those bytes gzip-compressed (Codec, Key), the local-directory backend
// (Store), and Copy, which moves blobs between backends verifying each one.
// The S3 backend lives in blob/s3blob and stores the same bytes under the
// same keys. The package knows nothing about what the bytes mean.
//
// The local Store writes atomically (temporary file, fsync, rename), so a
// crash leaves either the whole blob or nothing, and writing the same bytes
// twice stores them once. Several processes, on one machine or several
// sharing the directory over a network file system, may use it at once.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ErrNotFound is returned when no blob has the requested hash.
var ErrNotFound = errors.New("blob not found")

// ErrBadHash is returned for a hash that is not 64 lower-case hex digits.
var ErrBadHash = errors.New("malformed blob hash")

// Store is a directory of content-addressed blobs. It is safe for concurrent
// use by several goroutines and several processes sharing the directory.
type Store struct {
	dir    string
	nosync bool
	codec  Codec
	// made remembers the fan-out directories known to exist, sparing a
	// mkdir system call per blob.
	made sync.Map

	// Deferred writes (PutDeferred) and the Sync that makes them durable.
	mu       sync.Mutex
	written  uint64   // sequence number of the last deferred write
	synced   uint64   // every deferred write up to this one is durable
	pending  []string // paths not yet durable (for the portable fallback)
	syncLock sync.Mutex
}

// Options tune a Store.
type Options struct {
	// NoSync skips fsync of each blob before it is renamed into place. Only
	// for throw-away stores (benchmarks, tests); a crash may then leave a
	// truncated blob.
	NoSync bool
}

// Open returns the store rooted at dir, creating it if needed.
func Open(dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", dir, err)
	}
	return &Store{dir: dir, nosync: opts.NoSync}, nil
}

// String names the store for logs and errors.
func (s *Store) String() string { return s.dir }

func (s *Store) path(hash string) string {
	return filepath.Join(s.dir, filepath.FromSlash(Key(hash)))
}

// Has reports whether the blob named hash is stored.
func (s *Store) Has(ctx context.Context, hash string) (bool, error) {
	if !ValidHash(hash) {
		return false, fmt.Errorf("blob %q: %w", hash, ErrBadHash)
	}
	_, err := os.Stat(s.path(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat blob %s: %w", hash, err)
	}
	return true, nil
}

// Put stores data and returns its hash; the blob is durable when it
// returns. Storing bytes that are already present is cheap and leaves the
// existing blob alone.
func (s *Store) Put(ctx context.Context, data []byte) (string, error) {
	hash, _, err := s.put(ctx, data, true)
	return hash, err
}

// PutDeferred stores data like Put but does not wait for the disk: the blob
// is complete and visible at once, and durable after the next Sync (or
// SyncTo its sequence number). Bulk writers use it to make one flush cover
// many blobs instead of paying for one per blob.
func (s *Store) PutDeferred(ctx context.Context, data []byte) (hash string, seq uint64, err error) {
	return s.put(ctx, data, false)
}

// SyncTo makes every blob written by PutDeferred up to sequence number seq
// durable, returning at once when it already is.
func (s *Store) SyncTo(seq uint64) error {
	s.mu.Lock()
	done := s.synced >= seq
	s.mu.Unlock()
	if done {
		return nil
	}
	return s.Sync()
}

// Sync makes every blob written by PutDeferred so far durable.
func (s *Store) Sync() error {
	s.syncLock.Lock()
	defer s.syncLock.Unlock()
	s.mu.Lock()
	upTo, paths := s.written, s.pending
	s.pending = nil
	s.mu.Unlock()
	if upTo == 0 || s.nosync {
		return nil
	}
	if err := syncPaths(s.dir, paths); err != nil {
		s.mu.Lock()
		s.pending = append(paths, s.pending...)
		s.mu.Unlock()
		return fmt.Errorf("sync blobs: %w", err)
	}
	s.mu.Lock()
	if upTo > s.synced {
		s.synced = upTo
	}
	s.mu.Unlock()
	return nil
}

func (s *Store) put(ctx context.Context, data []byte, durable bool) (string, uint64, error) {
	if err := ctx.Err(); err != nil {
		return "", 0, fmt.Errorf("put blob: %w", err)
	}
	hash := Hash(data)
	dst := s.path(hash)
	if _, err := os.Stat(dst); err == nil {
		// Already stored; it may still be waiting for a deferred Sync.
		s.mu.Lock()
		seq := s.written
		s.mu.Unlock()
		return hash, seq, nil
	}
	if _, ok := s.made.Load(hash[:2]); !ok {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", 0, fmt.Errorf("put blob %s: %w", hash, err)
		}
		s.made.Store(hash[:2], true)
	}
	// Compress in memory first, so that the file gets one write system
	// call instead of one per deflate block.
	err := s.codec.Encode(data, func(_ string, stored []byte) error {
		return s.writeFile(dst, stored, durable && !s.nosync)
	})
	if err != nil {
		return "", 0, fmt.Errorf("put blob %s: %w", hash, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written++
	if !durable {
		s.pending = append(s.pending, dst)
	}
	return hash, s.written, nil
}

// writeFile puts b at dst atomically: a temporary file in dst's directory,
// synced when durable, renamed over dst, and the directory synced too.
func (s *Store) writeFile(dst string, b []byte, durable bool) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".tmp-"+filepath.Base(dst)[:8]+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(b); err != nil {
		return err
	}
	if durable {
		if err = tmp.Sync(); err != nil {
			return err
		}
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	if durable {
		// The rename is durable only once its directory is.
		return syncDir(filepath.Dir(dst))
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Get returns the bytes of the blob named hash, checking that they still
// hash to that name.
func (s *Store) Get(ctx context.Context, hash string) ([]byte, error) {
	return ReadAll(ctx, s, hash)
}

// Opener is any backend's streaming read.
type Opener interface {
	Open(ctx context.Context, hash string) (io.ReadCloser, error)
}

// ReadAll returns the bytes of the blob named hash from any backend,
// checking that they still hash to that name.
func ReadAll(ctx context.Context, src Opener, hash string) ([]byte, error) {
	rc, err := src.Open(ctx, hash)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", hash, err)
	}
	if Hash(data) != hash {
		return nil, fmt.Errorf("read blob %s: content does not match its hash", hash)
	}
	return data, nil
}

// Open returns a reader of the blob's bytes. The caller closes it.
func (s *Store) Open(ctx context.Context, hash string) (io.ReadCloser, error) {
	if !ValidHash(hash) {
		return nil, fmt.Errorf("open blob %q: %w", hash, ErrBadHash)
	}
	f, err := os.Open(s.path(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open blob %s: %w", hash, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", hash, err)
	}
	zr, err := Decode(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %s: %w", hash, err)
	}
	return &reader{ReadCloser: zr, f: f}, nil
}

type reader struct {
	io.ReadCloser
	f io.Closer
}

func (r *reader) Close() error {
	r.ReadCloser.Close()
	return r.f.Close()
}

// CleanTemp removes the temporary files (".tmp-…" beside the blobs) that
// writers killed between creating and renaming them left behind, if they
// are older than olderThan, so that a writer in another process that is
// still working on its file is left alone. It returns how many it removed.
// It reads every fan-out directory, so serve runs it once in the
// background at start-up rather than every command.
func (s *Store) CleanTemp(olderThan time.Duration) (int, error) {
	dirs, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, fmt.Errorf("clean blob temp: %w", err)
	}
	cutoff := time.Now().Add(-olderThan)
	removed := 0
	for _, d := range dirs {
		if !d.IsDir() || (len(d.Name()) != 2 && d.Name() != "tmp") {
			continue
		}
		dir := filepath.Join(s.dir, d.Name())
		entries, err := os.ReadDir(dir)
		if err != nil {
			return removed, fmt.Errorf("clean blob temp: %w", err)
		}
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".tmp-") {
				continue
			}
			info, err := e.Info()
			if err != nil || info.ModTime().After(cutoff) {
				continue
			}
			if os.Remove(filepath.Join(dir, e.Name())) == nil {
				removed++
			}
		}
	}
	return removed, nil
}

// Hashes lists the names of every blob in the store, in no set order: what
// a copy to another backend starts from when no database lists them.
func (s *Store) Hashes(ctx context.Context) ([]string, error) {
	dirs, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list blobs in %s: %w", s.dir, err)
	}
	var hashes []string
	for _, d := range dirs {
		if !d.IsDir() || len(d.Name()) != 2 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("list blobs in %s: %w", s.dir, err)
		}
		entries, err := os.ReadDir(filepath.Join(s.dir, d.Name()))
		if err != nil {
			return nil, fmt.Errorf("list blobs in %s: %w", s.dir, err)
		}
		for _, e := range entries {
			h, ok := strings.CutSuffix(e.Name(), ".gz")
			if ok && ValidHash(h) && h[:2] == d.Name() {
				hashes = append(hashes, h)
			}
		}
	}
	return hashes, nil
}
