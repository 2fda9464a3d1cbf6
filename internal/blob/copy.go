package blob

import (
	"context"
	"fmt"
	"sync"
)

// CopyDestination is the backend Copy writes to. Put must be durable when
// it returns, so that a copy killed at any point and run again only redoes
// what was not yet stored.
type CopyDestination interface {
	Opener
	Has(ctx context.Context, hash string) (bool, error)
	Put(ctx context.Context, data []byte) (string, error)
}

// CopyProgress is reported after each blob Copy finishes.
type CopyProgress struct {
	Hash    string // the blob just finished
	Done    int    // blobs finished so far, copied or skipped
	Total   int    // blobs to look at
	Copied  int    // blobs written to the destination so far
	Skipped int    // blobs the destination already had
	Bytes   int64  // bytes (uncompressed) written so far
}

// CopyOptions tune Copy.
type CopyOptions struct {
	// Workers is how many blobs are copied at once (default 4); a remote
	// destination spends most of each copy waiting on the network.
	Workers int
	// Progress, if set, is called after each blob, from one goroutine at a
	// time.
	Progress func(CopyProgress)
}

// Copy copies the blobs named in hashes from src to dst. It is resumable:
// blobs the destination already has are skipped, so running it again
// after an interruption finishes the job. Each copied blob is verified
// three times over: its bytes read from src must hash to its name, dst
// must store it under that name, and reading it back from dst must give
// bytes with that hash. The first failure stops the copy and is returned
// with the blob's name; what was copied before it stays copied.
func Copy(ctx context.Context, dst CopyDestination, src Opener, hashes []string, opts CopyOptions) (CopyProgress, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = 4
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var (
		mu  sync.Mutex
		rep = CopyProgress{Total: len(hashes)}
	)
	todo := make(chan string)
	var wg sync.WaitGroup
	for range min(workers, max(len(hashes), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range todo {
				copied, n, err := copyOne(ctx, dst, src, h)
				if err != nil {
					cancel(err)
					continue
				}
				mu.Lock()
				rep.Hash = h
				rep.Done++
				if copied {
					rep.Copied++
					rep.Bytes += n
				} else {
					rep.Skipped++
				}
				if opts.Progress != nil {
					opts.Progress(rep)
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, h := range hashes {
		select {
		case todo <- h:
		case <-ctx.Done():
			break feed
		}
	}
	close(todo)
	wg.Wait()
	rep.Hash = ""
	if err := context.Cause(ctx); err != nil {
		return rep, fmt.Errorf("copy blobs: %w", err)
	}
	return rep, nil
}

// copyOne copies one blob unless dst has it, returning whether it wrote it
// and how many bytes.
func copyOne(ctx context.Context, dst CopyDestination, src Opener, hash string) (bool, int64, error) {
	if !ValidHash(hash) {
		return false, 0, fmt.Errorf("blob %q: %w", hash, ErrBadHash)
	}
	has, err := dst.Has(ctx, hash)
	if err != nil {
		return false, 0, err
	}
	if has {
		return false, 0, nil
	}
	data, err := ReadAll(ctx, src, hash)
	if err != nil {
		return false, 0, fmt.Errorf("source: %w", err)
	}
	got, err := dst.Put(ctx, data)
	if err != nil {
		return false, 0, fmt.Errorf("destination: %w", err)
	}
	if got != hash {
		return false, 0, fmt.Errorf("destination stored blob %s as %s", hash, got)
	}
	if _, err := ReadAll(ctx, dst, hash); err != nil {
		return false, 0, fmt.Errorf("destination: verify: %w", err)
	}
	return true, int64(len(data)), nil
}
