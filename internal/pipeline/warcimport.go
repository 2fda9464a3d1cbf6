package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/warc"
)

// IsWARC reports whether name is a WARC file an import reads as one
// (.warc or .warc.gz).
func IsWARC(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".warc") || strings.HasSuffix(n, ".warc.gz")
}

// WARCReport says what a WARC import did.
type WARCReport struct {
	Records     int // records read
	Pages       int // HTML responses and resources taken to the extractor
	NewArticles int
	NewVersions int
	Unchanged   int // already in the archive (a re-import)
	Failed      []ImportError
}

// ImportWARC reads the WARC file at path (ours or another crawler's) and
// takes in every successful HTML response and every HTML resource record
// through the page pipeline: the body becomes a capture, the extracted
// article a version, exactly as if the page had been fetched then. Nothing
// is fetched: images stay links to their original URLs. Records already
// imported (same URL and body) are skipped, so an import can be repeated.
// Articles are filed under opts.Source, or a source named after the file.
// A record that fails is listed in the report; a broken file stops the
// import with what it read so far kept.
func (p *Pipeline) ImportWARC(ctx context.Context, path string, opts ImportOptions) (*WARCReport, error) {
	if opts.TimeZone == "" {
		opts.TimeZone = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(opts.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("import: time zone %q: %w", opts.TimeZone, err)
	}
	name := opts.Source
	if name == "" {
		base := filepath.Base(path)
		name = base[:len(base)-len(filepath.Ext(base))]
		name = strings.TrimSuffix(strings.TrimSuffix(name, ".warc"), ".WARC")
	}
	r, err := warc.Open(path, warc.ReaderOptions{MaxBody: int64(p.opts.MaxPageSize)})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	rep := &WARCReport{}
	var src *archive.Source
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rep, nil
		}
		if err != nil {
			return rep, fmt.Errorf("import %s: %w", path, err)
		}
		rep.Records++
		resp := warcPage(rec)
		if resp == nil {
			continue
		}
		rep.Pages++
		if src == nil {
			s, err := p.importSource(ctx, name, map[string]archive.Source{}, loc)
			if err != nil {
				return rep, fmt.Errorf("import %s: source: %w", path, err)
			}
			src = &s
		}
		where := fmt.Sprintf("%s@%d (%s)", path, rec.Offset, rec.TargetURI)
		out, seen, err := p.importPage(ctx, src, resp)
		switch {
		case err != nil:
			rep.Failed = append(rep.Failed, ImportError{File: where, Err: err})
		case seen:
			rep.Unchanged++
		case out.NewArticle:
			rep.NewArticles++
		case out.NewVersion:
			rep.NewVersions++
		default:
			rep.Unchanged++
		}
	}
}

// warcPage is the page a record holds, or nil when it holds none an
// import takes: a 2xx HTTP response or a resource record whose payload is
// HTML (by its Content-Type, or sniffed when it has none).
func warcPage(rec *warc.Record) *fetch.Response {
	var ct string
	var status int
	var hdr http.Header
	switch rec.Type {
	case "response":
		if rec.Status < 200 || rec.Status > 299 {
			return nil
		}
		status, hdr, ct = rec.Status, rec.HTTPHeader, rec.HTTPHeader.Get("Content-Type")
	case "resource":
		status, ct = 0, rec.ContentType
	default:
		return nil
	}
	if len(rec.Body) == 0 || rec.TargetURI == "" {
		return nil
	}
	if ct == "" {
		ct = http.DetectContentType(rec.Body)
	}
	if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "text/html" && mt != "application/xhtml+xml") {
		return nil
	}
	return &fetch.Response{URL: rec.TargetURI, FinalURL: rec.TargetURI, Status: status, Header: hdr,
		Body: rec.Body, ContentType: ct, FetchedAt: rec.Date.UTC()}
}

// importPage extracts and saves one page read from a file, unless the same
// URL and body were taken in before (seen).
func (p *Pipeline) importPage(ctx context.Context, src *archive.Source, resp *fetch.Response) (_ Outcome, seen bool, _ error) {
	canon, err := archive.CanonicalURL(resp.URL)
	if err != nil {
		return Outcome{}, false, err
	}
	if len(resp.Body) > p.opts.MaxPageSize {
		return Outcome{}, false, fmt.Errorf("%w: %d bytes, over the %d-byte limit", ErrPageTooLarge, len(resp.Body), p.opts.MaxPageSize)
	}
	hash, err := p.blobs.Put(ctx, resp.Body)
	if err != nil {
		return Outcome{}, false, err
	}
	if seen, err := p.store.HasCapture(ctx, resp.URL, hash); err != nil {
		return Outcome{}, false, err
	} else if seen {
		return Outcome{}, true, nil
	}
	res, err := p.extractor.Extract(ctx, extract.Page{URL: resp.FinalURL, ContentType: resp.ContentType, Body: resp.Body})
	if err != nil {
		return Outcome{}, false, err
	}
	out, err := p.savePage(ctx, src, resp.URL, canon, &fetchedPage{resp: resp, result: res, offline: true}, nil)
	return out, false, err
}
