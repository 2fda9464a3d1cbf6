// Package blob keeps raw captures and images as content-addressed files on
// local disk. A blob's name is the SHA-256 of its bytes; the file holds those
// bytes gzip-compressed. Writes are atomic (temporary file, fsync, rename), so
// a crash leaves either the whole blob or nothing, and writing the same bytes
// twice stores them once. The package knows nothing about what the bytes mean.
package blob

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
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
	// Compressors are costly to set up (about 1 MB each), so they are
	// reused, one pool per compression level.
	fast, stored sync.Pool
	// bufs holds the buffers blobs are compressed into before writing.
	bufs sync.Pool
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
	s := &Store{dir: dir, nosync: opts.NoSync}
	s.bufs.New = func() any { return new(bytes.Buffer) }
	return s, nil
}

// Hash returns the hex SHA-256 of data: the name Put gives it.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *Store) path(hash string) string {
	return filepath.Join(s.dir, hash[:2], hash+".gz")
}

// Has reports whether the blob named hash is stored.
func (s *Store) Has(hash string) bool {
	if !validHash(hash) {
		return false
	}
	_, err := os.Stat(s.path(hash))
	return err == nil
}

// Put stores data and returns its hash. Storing bytes that are already
// present is cheap and leaves the existing blob alone.
func (s *Store) Put(data []byte) (string, error) {
	hash, _, err := s.put(data, true)
	return hash, err
}

// PutDeferred stores data like Put but does not wait for the disk: the blob
// is complete and visible at once, and durable after the next Sync (or
// SyncTo its sequence number). Bulk writers use it to make one flush cover
// many blobs instead of paying for one per blob.
func (s *Store) PutDeferred(data []byte) (hash string, seq uint64, err error) {
	return s.put(data, false)
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

func (s *Store) put(data []byte, durable bool) (string, uint64, error) {
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
	pool, level := &s.fast, gzip.BestSpeed
	if incompressible(data) {
		pool, level = &s.stored, gzip.NoCompression
	}
	buf := s.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuf {
			s.bufs.Put(buf)
		}
	}()
	zw, _ := pool.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(buf, level)
	} else {
		zw.Reset(buf)
	}
	_, err := zw.Write(data)
	if err == nil {
		err = zw.Close()
	}
	pool.Put(zw)
	if err != nil {
		return "", 0, fmt.Errorf("put blob %s: %w", hash, err)
	}
	if err := s.writeFile(dst, buf.Bytes(), durable && !s.nosync); err != nil {
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

// maxPooledBuf is the largest compression buffer kept for reuse; the rare
// large image should not pin its buffer for the life of the process.
const maxPooledBuf = 1 << 20

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

// incompressible reports whether data starts like a format that is already
// compressed (JPEG, PNG, GIF, WebP, gzip, zip), where gzip would only cost
// time.
func incompressible(data []byte) bool {
	for _, magic := range [][]byte{
		{0xff, 0xd8, 0xff}, []byte("\x89PNG"), []byte("GIF8"), []byte("RIFF"),
		{0x1f, 0x8b}, []byte("PK\x03\x04"), {0x28, 0xb5, 0x2f, 0xfd},
	} {
		if bytes.HasPrefix(data, magic) {
			return true
		}
	}
	return false
}

// Get returns the bytes of the blob named hash, checking that they still
// hash to that name.
func (s *Store) Get(hash string) ([]byte, error) {
	rc, err := s.Open(hash)
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
func (s *Store) Open(hash string) (io.ReadCloser, error) {
	if !validHash(hash) {
		return nil, fmt.Errorf("open blob %q: %w", hash, ErrBadHash)
	}
	f, err := os.Open(s.path(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open blob %s: %w", hash, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", hash, err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %s: %w", hash, err)
	}
	return &reader{Reader: zr, f: f}, nil
}

type reader struct {
	*gzip.Reader
	f *os.File
}

func (r *reader) Close() error {
	r.Reader.Close()
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
