package blob

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// Codec turns bytes into the form every backend stores them in — gzip,
// without compression for formats that are already compressed — so that a
// blob copied from one backend to another is byte for byte the same object
// under the same name. It is safe for concurrent use.
type Codec struct {
	// Compressors are costly to set up (about 1 MB each), so they are
	// reused, one pool per compression level.
	fast, stored sync.Pool
	// bufs holds the buffers blobs are compressed into before writing.
	bufs sync.Pool
}

// maxPooledBuf is the largest compression buffer kept for reuse; the rare
// large image should not pin its buffer for the life of the process.
const maxPooledBuf = 1 << 20

// Encode compresses data and calls fn with its hash and its stored form.
// The stored bytes are valid only during fn.
func (c *Codec) Encode(data []byte, fn func(hash string, stored []byte) error) error {
	hash := Hash(data)
	pool, level := &c.fast, gzip.BestSpeed
	if incompressible(data) {
		pool, level = &c.stored, gzip.NoCompression
	}
	buf, _ := c.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuf {
			c.bufs.Put(buf)
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
		return fmt.Errorf("compress blob %s: %w", hash, err)
	}
	return fn(hash, buf.Bytes())
}

// Decode returns a reader of the original bytes of a stored blob read from
// r. Closing it does not close r.
func Decode(r io.Reader) (io.ReadCloser, error) {
	return gzip.NewReader(r)
}

// Hash returns the hex SHA-256 of data: the name Put gives it.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ValidHash reports whether h is a blob name: 64 lower-case hex digits.
func ValidHash(h string) bool {
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

// Key is where a blob lives below a backend's root, with "/" separators:
// a fan-out directory of the hash's first two digits, then the hash and
// ".gz". Every backend uses it, so a directory and a bucket holding the
// same blobs hold the same tree.
func Key(hash string) string {
	return hash[:2] + "/" + hash + ".gz"
}

// incompressible reports whether data starts like a format that is already
// compressed (JPEG, PNG, GIF, WebP, gzip, zip, zstd), where gzip would only
// cost time.
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
