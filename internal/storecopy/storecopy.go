// Package storecopy copies an embedded archive into another store (for
// newsvault migrate --to postgres://…): every table row by row with its
// IDs, the search index rebuilt from the copied versions, the blobs the
// rows name, and then a verification that both sides hold the same rows
// (counts and a hash per table) and the same blobs. A copy cut off at any
// point continues where it stopped when run again: each batch of rows is
// written in one transaction with the table's progress.
package storecopy

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"github.com/newsvault/newsvault/internal/blob"
	"log/slog"
	"math/big"
	"slices"
	"strconv"
	"time"

	"github.com/newsvault/newsvault/internal/store"
)

// Tables are the archive's tables in the order they are copied: every
// table after the ones its rows refer to. The search index is not among
// them: it is rebuilt.
var Tables = []string{
	"sources", "captures", "articles", "versions", "assets", "asset_urls", "version_assets",
	"users", "sessions", "api_tokens",
	"fingerprints", "copy_links", "copy_members", "url_aliases",
	"stories", "story_members", "story_decisions", "story_state",
	"article_watch", "checks", "watch_events",
}

// Source is the archive copied from: the embedded store.
type Source interface {
	Columns(ctx context.Context, table string) ([]string, error)
	ReadRows(ctx context.Context, table string, cols []string, after int64, limit int) ([][]any, int64, error)
	EachRow(ctx context.Context, table string, cols []string, fn func([]any) error) error
}

// Dest is the store copied to.
type Dest interface {
	Columns(ctx context.Context, table string) ([]string, error)
	CopyProgress(ctx context.Context, table string) (int64, error)
	WriteRows(ctx context.Context, table string, cols []string, rows [][]any, last int64) error
	FinishCopy(ctx context.Context) error
	EachRow(ctx context.Context, table string, cols []string, fn func([]any) error) error
	Reindex(ctx context.Context, index func(title, text string) store.IndexDoc, progress func(done, total int)) error
}

// BlobSource is the blob store copied from: it must say which blobs it
// lacks, so that a blob a row names but the source lost is counted, not
// fatal.
type BlobSource interface {
	blob.Opener
	Has(ctx context.Context, hash string) (bool, error)
}

// Options tune a copy.
type Options struct {
	Batch int // rows per transaction; default 500
	// Index computes a search index entry (search.Analyzer's Index).
	Index func(title, text string) store.IndexDoc
	// Blobs copies the blobs rows name from BlobsFrom to BlobsTo; both nil
	// when the destination shares the source's blob store.
	BlobsFrom BlobSource
	BlobsTo   blob.CopyDestination
	Log       *slog.Logger
	// AfterBatch, if set, is called after each batch is written (tests
	// stop a copy half-way with it).
	AfterBatch func(table string, rows int)
}

// TableReport is what the verification found of one table.
type TableReport struct {
	Table            string
	Source, Dest     int64  // rows
	SourceHash, Hash string // of all rows, in no particular order
}

// Equal reports whether both sides hold the same rows.
func (r TableReport) Equal() bool {
	return r.Source == r.Dest && r.SourceHash == r.Hash
}

// Report is the outcome of a copy.
type Report struct {
	Tables []TableReport
	Copied int64 // rows written by this run
	Blobs  struct {
		Copied, Present, MissingInSource int
	}
	Elapsed time.Duration
}

// Equal reports whether every table matched.
func (r *Report) Equal() bool {
	for _, t := range r.Tables {
		if !t.Equal() {
			return false
		}
	}
	return true
}

// ErrDiffers is returned when the verification finds a table that differs.
var ErrDiffers = errors.New("the copy differs from the source")

// Copy copies src into dst, rebuilds the search index, copies the blobs
// and verifies the copy. It is safe to run again after an interruption,
// and after a complete copy (it then only verifies). Nothing may write to
// src meanwhile.
func Copy(ctx context.Context, src Source, dst Dest, opts Options) (*Report, error) {
	start := time.Now()
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rep := &Report{}
	cols := map[string][]string{}
	for _, t := range Tables {
		c, err := columns(ctx, src, dst, t)
		if err != nil {
			return nil, err
		}
		cols[t] = c
		n, err := copyTable(ctx, src, dst, t, c, opts)
		rep.Copied += n
		if err != nil {
			return rep, err
		}
		if n > 0 {
			log.Info("copied", "table", t, "rows", n)
		}
	}
	if err := dst.FinishCopy(ctx); err != nil {
		return rep, err
	}
	if opts.Index != nil {
		if err := dst.Reindex(ctx, opts.Index, nil); err != nil {
			return rep, fmt.Errorf("rebuild search index: %w", err)
		}
	}
	if opts.BlobsFrom != nil && opts.BlobsTo != nil {
		if err := copyBlobs(ctx, src, opts, rep); err != nil {
			return rep, err
		}
	}
	for _, t := range Tables {
		tr, err := verify(ctx, src, dst, t, cols[t])
		if err != nil {
			return rep, err
		}
		rep.Tables = append(rep.Tables, tr)
	}
	rep.Elapsed = time.Since(start)
	if !rep.Equal() {
		return rep, ErrDiffers
	}
	return rep, nil
}

// columns returns the columns of table to copy: the source's, each of
// which the destination must have (a column only the destination has, such
// as an ordering column, takes its default).
func columns(ctx context.Context, src Source, dst Dest, table string) ([]string, error) {
	sc, err := src.Columns(ctx, table)
	if err != nil {
		return nil, err
	}
	if len(sc) == 0 {
		return nil, fmt.Errorf("copy %s: the source has no such table", table)
	}
	dc, err := dst.Columns(ctx, table)
	if err != nil {
		return nil, err
	}
	for _, c := range sc {
		if !slices.Contains(dc, c) {
			return nil, fmt.Errorf("copy %s: the destination has no column %s (is it a newer archive than this program?)", table, c)
		}
	}
	return sc, nil
}

func copyTable(ctx context.Context, src Source, dst Dest, table string, cols []string, opts Options) (int64, error) {
	after, err := dst.CopyProgress(ctx, table)
	if err != nil {
		return 0, err
	}
	var n int64
	for {
		rows, last, err := src.ReadRows(ctx, table, cols, after, opts.Batch)
		if err != nil {
			return n, err
		}
		if len(rows) == 0 {
			return n, nil
		}
		if err := dst.WriteRows(ctx, table, cols, rows, last); err != nil {
			return n, err
		}
		n += int64(len(rows))
		after = last
		if opts.AfterBatch != nil {
			opts.AfterBatch(table, len(rows))
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
	}
}

// copyBlobs copies the blobs that captures and assets name with
// blob.Copy, which skips what the destination has and verifies each copy.
func copyBlobs(ctx context.Context, src Source, opts Options, rep *Report) error {
	seen := map[string]bool{}
	var hashes []string
	for _, tc := range [][2]string{{"captures", "body_hash"}, {"assets", "hash"}} {
		err := src.EachRow(ctx, tc[0], []string{tc[1]}, func(r []any) error {
			h := text(r[0])
			if h == "" || seen[h] {
				return nil
			}
			seen[h] = true
			ok, err := opts.BlobsFrom.Has(ctx, h)
			if err != nil {
				return fmt.Errorf("blob %s: %w", h, err)
			}
			if !ok {
				rep.Blobs.MissingInSource++
				return nil
			}
			hashes = append(hashes, h)
			return nil
		})
		if err != nil {
			return err
		}
	}
	got, err := blob.Copy(ctx, opts.BlobsTo, opts.BlobsFrom, hashes, blob.CopyOptions{})
	rep.Blobs.Copied, rep.Blobs.Present = got.Copied, got.Skipped
	return err
}

func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

// verify counts and hashes the rows of table on both sides.
func verify(ctx context.Context, src Source, dst Dest, table string, cols []string) (TableReport, error) {
	tr := TableReport{Table: table}
	var err error
	if tr.Source, tr.SourceHash, err = hashRows(ctx, src.EachRow, table, cols); err != nil {
		return tr, err
	}
	if tr.Dest, tr.Hash, err = hashRows(ctx, dst.EachRow, table, cols); err != nil {
		return tr, err
	}
	return tr, nil
}

// hashRows counts the rows of a table and hashes them as a multiset: the
// sum, modulo 2^256, of the SHA-256 of each row's canonical form, so that
// the order each store reads them in does not matter.
func hashRows(ctx context.Context, each func(context.Context, string, []string, func([]any) error) error, table string, cols []string) (int64, string, error) {
	var n int64
	sum := new(big.Int)
	mod := new(big.Int).Lsh(big.NewInt(1), 256)
	var buf []byte
	h := new(big.Int)
	err := each(ctx, table, cols, func(r []any) error {
		buf = buf[:0]
		for _, v := range r {
			buf = canonical(buf, v)
		}
		d := sha256.Sum256(buf)
		sum.Add(sum, h.SetBytes(d[:])).Mod(sum, mod)
		n++
		return nil
	})
	if err != nil {
		return 0, "", fmt.Errorf("verify %s: %w", table, err)
	}
	return n, fmt.Sprintf("%064x", sum), nil
}

// canonical appends a value in a form both stores agree on: integers and
// flags as decimal integers, floats in their shortest form, text and bytes
// alike with their length.
func canonical(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, 'N')
	case bool:
		if v {
			return append(b, "I1;"...)
		}
		return append(b, "I0;"...)
	case int64:
		return append(strconv.AppendInt(append(b, 'I'), v, 10), ';')
	case int32:
		return append(strconv.AppendInt(append(b, 'I'), int64(v), 10), ';')
	case int16:
		return append(strconv.AppendInt(append(b, 'I'), int64(v), 10), ';')
	case float64:
		return append(strconv.AppendFloat(append(b, 'F'), v, 'g', -1, 64), ';')
	case float32:
		return append(strconv.AppendFloat(append(b, 'F'), float64(v), 'g', -1, 64), ';')
	case string:
		return append(append(strconv.AppendInt(append(b, 'S'), int64(len(v)), 10), ':'), v...)
	case []byte:
		return append(append(strconv.AppendInt(append(b, 'S'), int64(len(v)), 10), ':'), v...)
	}
	return append(b, fmt.Sprintf("?%T:%v;", v, v)...)
}
