package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/blob/s3blob"
)

// Blobs is the blob backend every verb and the server use: the local
// directory (*blob.Store, the default, which a network file system may
// share between machines) or an S3-compatible bucket (*s3blob.Store).
type Blobs interface {
	Put(ctx context.Context, data []byte) (string, error)
	PutDeferred(ctx context.Context, data []byte) (hash string, seq uint64, err error)
	SyncTo(seq uint64) error
	Open(ctx context.Context, hash string) (io.ReadCloser, error)
	Get(ctx context.Context, hash string) ([]byte, error)
	Has(ctx context.Context, hash string) (bool, error)
	// String names the backend for logs; it never holds a secret.
	String() string
}

// OpenBlobs opens the blob backend spec names: "" for the directory
// "blobs" under dataDir, an s3:// URL for a bucket (credentials from the
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN variables
// read through lookup), or any other value as a directory path. migrate
// opens its destination with it too.
func OpenBlobs(ctx context.Context, spec, dataDir string, lookup func(string) (string, bool)) (Blobs, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	switch {
	case spec == "":
		return blob.Open(filepath.Join(dataDir, "blobs"), blob.Options{})
	case strings.HasPrefix(spec, "s3://"):
		cfg, err := s3blob.ParseURL(spec)
		if err != nil {
			return nil, fmt.Errorf("--blobs: %w", err)
		}
		if cfg.Creds, err = s3blob.CredentialsFromEnv(lookup); err != nil {
			return nil, fmt.Errorf("--blobs %s: %w", cfg, err)
		}
		return s3blob.Open(ctx, cfg)
	case strings.Contains(spec, "://"):
		return nil, fmt.Errorf("--blobs %q: want a directory or s3://bucket/prefix?endpoint=…&region=…", spec)
	default:
		return blob.Open(spec, blob.Options{})
	}
}

// validBlobs checks --blobs without touching the network.
func validBlobs(spec string) error {
	if !strings.HasPrefix(spec, "s3://") {
		if strings.Contains(spec, "://") {
			return fmt.Errorf("%q: want a directory or s3://bucket/prefix?endpoint=…&region=…", spec)
		}
		return nil
	}
	_, err := s3blob.ParseURL(spec)
	return err
}
