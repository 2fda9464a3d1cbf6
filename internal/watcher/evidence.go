package watcher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// EvidenceStore is what Evidence reads.
type EvidenceStore interface {
	WatchOf(ctx context.Context, articleID int64) (store.Watch, error)
	Capture(ctx context.Context, id int64) (archive.Capture, error)
}

// BlobReader opens stored bodies.
type BlobReader interface {
	Open(ctx context.Context, hash string) (io.ReadCloser, error)
}

// Exhibit is one capture of the evidence with the result of checking its
// body against its recorded SHA-256.
type Exhibit struct {
	Role    string // "last alive", "first removed", "first removed (unconfirmed)"
	Capture archive.Capture
	// Verified is true when the stored body hashes to Capture.BodyHash;
	// Problem says what is wrong otherwise.
	Verified bool
	Problem  string
}

// Chain is the evidence for an article's status.
type Chain struct {
	Watch    store.Watch
	Exhibits []Exhibit
}

// Verified reports whether every exhibit's body matched its hash.
func (c Chain) Verified() bool {
	for _, e := range c.Exhibits {
		if !e.Verified {
			return false
		}
	}
	return true
}

// Evidence gathers the captures that support an article's status (the
// last one that showed it alive and the first that showed it removed) and
// verifies each body against its SHA-256.
func Evidence(ctx context.Context, st EvidenceStore, blobs BlobReader, articleID int64) (Chain, error) {
	ws, err := st.WatchOf(ctx, articleID)
	if err != nil {
		return Chain{}, err
	}
	ch := Chain{Watch: ws}
	add := func(role string, m *store.Mark) error {
		if m == nil || m.CaptureID == 0 {
			return nil
		}
		c, err := st.Capture(ctx, m.CaptureID)
		if err != nil {
			return err
		}
		ex := Exhibit{Role: role, Capture: c}
		ex.Verified, ex.Problem = verify(ctx, blobs, c.BodyHash)
		ch.Exhibits = append(ch.Exhibits, ex)
		return nil
	}
	if err := add("last alive", &ws.LastAlive); err != nil {
		return ch, err
	}
	if err := add("first removed", ws.Removal); err != nil {
		return ch, err
	}
	if err := add("first removed (unconfirmed)", ws.Pending); err != nil {
		return ch, err
	}
	return ch, nil
}

// verify reads the blob named hash and checks that it hashes to its name.
func verify(ctx context.Context, blobs BlobReader, hash string) (bool, string) {
	if hash == "" {
		return false, "no body was stored"
	}
	rc, err := blobs.Open(ctx, hash)
	if err != nil {
		return false, err.Error()
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return false, fmt.Sprintf("read body: %v", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != hash {
		return false, "the stored body hashes to " + got
	}
	return true, ""
}

// ErrNotVerified is returned by callers when a chain fails verification.
var ErrNotVerified = errors.New("evidence does not verify")
