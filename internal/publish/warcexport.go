package publish

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/warc"
)

// CaptureWalker lists every capture in the order it was stored, with the
// article version extracted from it; *sqlite.Store is one.
type CaptureWalker interface {
	EachCapture(ctx context.Context, fn func(c archive.Capture, link *store.CaptureLink) error) error
}

// WARCOptions tune a WARC export.
type WARCOptions struct {
	Prefix      string // file name prefix; default "newsvault"
	MaxFileSize int64  // rotate WARC files at this size; default 1 GiB
	UserAgent   string // put in the reconstructed request records
	Log         *slog.Logger
	Now         func() time.Time
}

// WARCReport says what a WARC export wrote.
type WARCReport struct {
	Files     []string
	Captures  int // written as response, revisit or resource records
	Linked    int // of them, with a metadata record naming their article
	Skipped   int // captures with no stored body or no web address (imported files)
	Responses int
	Revisits  int
	Resources int
}

// ExportWARC writes every capture the store holds, oldest first, as WARC
// 1.1 files in dir (see internal/warc): each fetched page as a request and
// response pair (a revisit when its body repeats an earlier one), each
// imported page as a resource, and a metadata record tying each capture to
// the article and version extracted from it; a CDXJ index goes beside
// them. Captures are read a page at a time, never all at once. A capture
// with no stored body (a failed fetch) or no web address is skipped and
// counted.
func ExportWARC(ctx context.Context, st CaptureWalker, blobs Blobs, dir string, opts WARCOptions) (WARCReport, error) {
	var rep WARCReport
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return rep, fmt.Errorf("export warc: %w", err)
	}
	w, err := warc.NewWriter(warc.WriterOptions{Dir: dir, Prefix: opts.Prefix, MaxFileSize: opts.MaxFileSize, UserAgent: opts.UserAgent, Now: opts.Now})
	if err != nil {
		return rep, fmt.Errorf("export warc: %w", err)
	}
	err = st.EachCapture(ctx, func(c archive.Capture, l *store.CaptureLink) error {
		if c.BodyHash == "" {
			rep.Skipped++
			return nil
		}
		var link *warc.Link
		if l != nil {
			link = &warc.Link{ArticleID: l.ArticleID, ArticleURL: l.ArticleURL, ArticleTitle: l.ArticleTitle,
				VersionID: l.VersionID, VersionSeq: l.VersionSeq, VersionHash: l.VersionHash}
		}
		res, err := w.WriteCapture(ctx, &c, blobs, link)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			// One unreadable or address-less capture must not cost the
			// rest of the archive.
			opts.Log.Warn("warc export: capture skipped", "capture", c.ID, "url", c.URL, "err", err)
			rep.Skipped++
			return nil
		}
		rep.Captures++
		if link != nil {
			rep.Linked++
		}
		switch res.Type {
		case "response":
			rep.Responses++
		case "revisit":
			rep.Revisits++
		case "resource":
			rep.Resources++
		}
		return nil
	})
	files, cerr := w.Close()
	rep.Files = files
	if err != nil {
		return rep, fmt.Errorf("export warc: %w", err)
	}
	if cerr != nil {
		return rep, fmt.Errorf("export warc: %w", cerr)
	}
	return rep, nil
}
