package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/store"
)

// ErrHTTPStatus is wrapped by errors for responses that are not 2xx.
var ErrHTTPStatus = errors.New("unexpected HTTP status")

// Outcome says what archiving one article did.
type Outcome struct {
	URL        string // the article's canonical URL
	ArticleID  int64
	VersionID  int64
	NewArticle bool
	NewVersion bool
	Images     int // images stored with this version
	ImageErrs  int // images that could not be fetched (kept as remote links)
	// ImagesOverCap is how many images past Options.MaxImages were not
	// fetched (kept as remote links).
	ImagesOverCap int
}

// ArchiveURL fetches the page at rawURL, extracts its article and stores it
// under src (the manual pseudo-source when src is nil). A failure is recorded
// as a failed capture and returned.
func (p *Pipeline) ArchiveURL(ctx context.Context, rawURL string, src *archive.Source) (Outcome, error) {
	canon, err := archive.CanonicalURL(rawURL)
	if err != nil {
		return Outcome{}, fmt.Errorf("archive %s: %w", rawURL, err)
	}
	if src == nil {
		m, err := p.ManualSource(ctx)
		if err != nil {
			return Outcome{}, fmt.Errorf("archive %s: %w", rawURL, err)
		}
		src = &m
	}
	page, err := p.fetchPage(ctx, rawURL)
	if err != nil {
		return Outcome{}, fmt.Errorf("archive %s: %w", rawURL, err)
	}
	return p.savePage(ctx, src, rawURL, canon, page, nil)
}

type fetchedPage struct {
	resp   *fetch.Response
	result *extract.Result
}

// fetchPage downloads and extracts a page, recording failures.
func (p *Pipeline) fetchPage(ctx context.Context, rawURL string) (*fetchedPage, error) {
	resp, err := p.fetcher.Get(ctx, fetch.Request{URL: rawURL, Accept: "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"})
	if err != nil {
		p.failedCapture(ctx, rawURL, nil, err)
		return nil, err
	}
	if !resp.OK() {
		err := fmt.Errorf("%w %d", ErrHTTPStatus, resp.Status)
		p.failedCapture(ctx, rawURL, resp, err)
		return nil, err
	}
	res, err := p.extractor.Extract(ctx, extract.Page{URL: resp.FinalURL, ContentType: resp.ContentType, Body: resp.Body})
	if err != nil {
		p.failedCapture(ctx, rawURL, resp, err)
		return nil, err
	}
	return &fetchedPage{resp: resp, result: res}, nil
}

// savePage stores an extracted page. fallback, when set, fills metadata the
// page lacks (a feed item's title and dates).
func (p *Pipeline) savePage(ctx context.Context, src *archive.Source, rawURL, canon string, page *fetchedPage, fallback *archive.Version) (Outcome, error) {
	res := page.result
	// The final URL after redirects is the article's address; the page's own
	// rel=canonical/og:url wins when it stays on the same site.
	if fu, err := archive.CanonicalURL(page.resp.FinalURL); err == nil && archive.SameSite(fu, canon) {
		canon = fu
	}
	if res.Canonical != "" {
		if cu, err := archive.CanonicalURL(res.Canonical); err == nil && archive.SameSite(cu, canon) {
			canon = cu
		}
	}
	capt, err := p.capture(page.resp)
	if err != nil {
		return Outcome{}, fmt.Errorf("archive %s: store capture: %w", rawURL, err)
	}
	v := archive.Version{
		Title: res.Title, Author: res.Author, Published: res.Published, Updated: res.Updated,
		SiteName: res.SiteName, Language: res.Language, Image: res.Image,
	}
	if fallback != nil {
		if v.Title == "" {
			v.Title = fallback.Title
		}
		if v.Author == "" {
			v.Author = fallback.Author
		}
		if v.Published.IsZero() {
			v.Published = fallback.Published
		}
		if v.Updated.IsZero() {
			v.Updated = fallback.Updated
		}
	}
	v.HTML = p.sanitizer.Sanitize(res.HTML, page.resp.FinalURL)
	v.Text = strings.TrimSpace(res.Text)
	if v.Text == "" {
		v.Text = content.Text(v.HTML)
	}
	return p.saveVersion(ctx, src, rawURL, canon, v, page.resp.FinalURL, capt, 0, !p.opts.SkipImages)
}

// saveVersion finishes a version (hash, images) and writes it with its
// article in one store transaction.
func (p *Pipeline) saveVersion(ctx context.Context, src *archive.Source, rawURL, canon string, v archive.Version, base string, capt *archive.Capture, captureID int64, images bool) (Outcome, error) {
	return p.saveIndexed(ctx, src, rawURL, canon, v, base, capt, captureID, images, nil)
}

// saveIndexed is saveVersion with the search index entry already computed
// (importers compute it in parallel workers); idx nil computes it here.
func (p *Pipeline) saveIndexed(ctx context.Context, src *archive.Source, rawURL, canon string, v archive.Version, base string, capt *archive.Capture, captureID int64, images bool, idx *store.IndexDoc) (Outcome, error) {
	w, out := p.buildWrite(ctx, src, rawURL, canon, v, base, capt, captureID, images, idx)
	r, err := p.store.SaveArticle(ctx, w)
	if err != nil {
		return out, err
	}
	return p.saved(out, r), nil
}

// buildWrite finishes a version (hash, images, index entry) and wraps it in
// the store write for its article.
func (p *Pipeline) buildWrite(ctx context.Context, src *archive.Source, rawURL, canon string, v archive.Version, base string, capt *archive.Capture, captureID int64, images bool, idx *store.IndexDoc) (*store.ArticleWrite, Outcome) {
	v.Title, v.Author = oneLine(v.Title), oneLine(v.Author)
	// The hash is taken before images are re-pointed, so an image that
	// downloads today but failed yesterday does not make a new version.
	v.Hash = archive.ContentHash(&v)
	out := Outcome{URL: canon}
	var refs []store.AssetRef
	if images {
		if h, err := p.store.LatestHash(ctx, canon); err == nil && h == v.Hash {
			// Unchanged: skip image downloads, the write only moves "seen".
		} else {
			v.HTML, refs, out.ImageErrs, out.ImagesOverCap = p.storeImages(ctx, v.HTML, base)
			out.Images = len(refs)
		}
	}
	w := &store.ArticleWrite{
		Article:   archive.Article{URL: canon, OriginalURL: rawURL, SourceID: src.ID},
		Version:   v,
		Capture:   capt,
		CaptureID: captureID,
		Assets:    refs,
		SeenAt:    p.opts.Now(),
		Index:     idx,
	}
	if w.Index == nil && p.opts.Indexer != nil {
		doc := p.opts.Indexer.Index(v.Title, v.Text)
		w.Index = &doc
	}
	return w, out
}

// saved completes an Outcome with what the store did.
func (p *Pipeline) saved(out Outcome, r store.SaveResult) Outcome {
	out.ArticleID, out.VersionID, out.NewArticle, out.NewVersion = r.ArticleID, r.VersionID, r.NewArticle, r.NewVersion
	p.log.Debug("archived", "url", out.URL, "new_article", r.NewArticle, "new_version", r.NewVersion, "images", out.Images)
	return out
}

// ManualSource returns the pseudo-source for URLs submitted by hand.
func (p *Pipeline) ManualSource(ctx context.Context) (archive.Source, error) {
	return p.store.EnsureSource(ctx, &archive.Source{Kind: archive.KindManual, FeedURL: "manual:", Title: "Submitted URLs", Mode: archive.ModePage})
}

// oneLine folds line breaks and runs of ASCII blanks into single spaces and
// trims the ends, keeping other spacing (an ideographic space U+3000 in a
// Chinese title is deliberate).
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
