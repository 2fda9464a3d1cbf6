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
	"github.com/newsvault/newsvault/internal/render"
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
	// Copy: the content went to an article of its own source (URL is its
	// key) because the article at its link belongs to another source.
	Copy      bool
	Images    int // images stored with this version
	ImageErrs int // images that could not be fetched (kept as remote links)
	// ImagesOverCap is how many images past Options.MaxImages were not
	// fetched (kept as remote links).
	ImagesOverCap int
}

// ArchiveURL fetches the page at rawURL, extracts its article and stores it
// under src (the manual pseudo-source when src is nil), rendering it in the
// browser as src's render mode says. A failure is recorded as a failed
// capture and returned.
func (p *Pipeline) ArchiveURL(ctx context.Context, rawURL string, src *archive.Source) (Outcome, error) {
	return p.ArchiveURLRender(ctx, rawURL, src, "")
}

// ArchiveURLRender is ArchiveURL with the render mode asked for with the
// URL; "" means the source's.
func (p *Pipeline) ArchiveURLRender(ctx context.Context, rawURL string, src *archive.Source, mode archive.RenderMode) (Outcome, error) {
	if len(rawURL) > MaxURLBytes {
		return Outcome{}, fmt.Errorf("archive %.200s…: %w (%d bytes, limit %d)", rawURL, ErrURLTooLong, len(rawURL), MaxURLBytes)
	}
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
	if mode == "" {
		mode = src.Render
	}
	page, err := p.fetchPage(ctx, rawURL, mode)
	if err != nil {
		return Outcome{}, fmt.Errorf("archive %s: %w", rawURL, err)
	}
	return p.savePage(ctx, src, rawURL, canon, page, nil)
}

type fetchedPage struct {
	resp   *fetch.Response
	result *extract.Result
	extra  []store.AssetRef // a rendered page's screenshot and PDF
	// offline pages (read from a WARC file) fetch no images.
	offline bool
}

// fetchPage downloads and extracts a page, recording failures. mode says
// whether the browser renders it: first (always, or the site's rules ask),
// after a plain fetch that found an empty shell (auto), or never. Without
// a browser it says so and keeps to the plain fetch.
func (p *Pipeline) fetchPage(ctx context.Context, rawURL string, mode archive.RenderMode) (*fetchedPage, error) {
	plan := p.planRender(mode, rawURL)
	if plan.first {
		page, err := p.renderPage(ctx, rawURL, plan.waitFor)
		if !errors.Is(err, render.ErrNoBrowser) {
			return page, err
		}
		p.log.WarnContext(ctx, "not rendered; archiving the page as served", "url", rawURL, "err", err)
		plan.onEmpty = false
	}
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
	if len(resp.Body) > p.opts.MaxPageSize {
		err := fmt.Errorf("%w: %d bytes, over the %d-byte limit (--max-page-size)", ErrPageTooLarge, len(resp.Body), p.opts.MaxPageSize)
		p.failedCapture(ctx, rawURL, resp, err)
		return nil, err
	}
	res, err := p.extractor.Extract(ctx, extract.Page{URL: resp.FinalURL, ContentType: resp.ContentType, Body: resp.Body})
	if err != nil {
		p.failedCapture(ctx, rawURL, resp, err)
		if plan.onEmpty && emptyShell(err) {
			page, rerr := p.renderPage(ctx, rawURL, plan.waitFor)
			if rerr == nil {
				return page, nil
			}
			p.log.WarnContext(ctx, "empty page not rendered", "url", rawURL, "err", rerr)
		}
		return nil, err
	}
	return &fetchedPage{resp: resp, result: res}, nil
}

// savePage stores an extracted page. fallback, when set, fills metadata the
// page lacks (a feed item's title and dates).
func (p *Pipeline) savePage(ctx context.Context, src *archive.Source, rawURL, canon string, page *fetchedPage, fallback *archive.Version) (Outcome, error) {
	capt, err := p.capture(ctx, page.resp)
	if err != nil {
		return Outcome{}, fmt.Errorf("archive %s: store capture: %w", rawURL, err)
	}
	vw := p.pageVersion(src, rawURL, canon, page, fallback)
	vw.capt = capt
	return p.saveVersion(ctx, vw)
}

// pageVersion makes the version of an extracted page, not yet hashed nor
// with its images stored, and without its capture.
func (p *Pipeline) pageVersion(src *archive.Source, rawURL, canon string, page *fetchedPage, fallback *archive.Version) versionWrite {
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
	// The content is parsed once, by extract: the sanitiser, the image
	// pass and the text all work on that tree.
	art := p.article(res, page.resp.FinalURL)
	v.HTML, v.Sanitizer = art.HTML(), content.SanitizerVersion
	v.Text = strings.TrimSpace(res.Text)
	if v.Text == "" {
		v.Text = art.Text()
	}
	return versionWrite{src: src, rawURL: rawURL, canon: canon, declared: res.Canonical, v: v, art: art,
		base: page.resp.FinalURL, images: !p.opts.SkipImages && !page.offline, fromOwnURL: true, extra: page.extra}
}

// article sanitises an extraction's content, from its parsed tree when it
// has one (which it consumes).
func (p *Pipeline) article(res *extract.Result, base string) *content.Article {
	if res.Root != nil {
		return p.sanitizer.ArticleFromTree(res.Root, base)
	}
	return p.sanitizer.Article(res.HTML, base)
}

// versionWrite is one version to store and what it came from.
type versionWrite struct {
	src    *archive.Source
	rawURL string // the link as met
	canon  string // the article's canonical URL
	// declared is the rel=canonical or og:url the page declared, if any.
	declared string
	v        archive.Version
	// art is v.HTML parsed, when the caller has it; nil means v.HTML is
	// parsed here if the image pass needs it.
	art       *content.Article
	base      string // what relative image URLs resolve against
	capt      *archive.Capture
	captureID int64 // an already stored capture, when capt is nil
	images    bool  // download the images and point v.HTML at them
	// extra are assets linked to the version besides its images (a
	// rendered page's screenshot).
	extra []store.AssetRef
	// idx is the search index entry, when already computed (importers
	// compute it in parallel workers); nil computes it here.
	idx *store.IndexDoc
	// fromOwnURL: v was fetched from the article's own page, which any
	// source may record; other content may only add to its own source's
	// article (see store.ArticleWrite.FromOwnURL).
	fromOwnURL bool
}

// saveVersion finishes a version (hash, images, index entry) and writes it
// with its article in one store transaction.
func (p *Pipeline) saveVersion(ctx context.Context, vw versionWrite) (Outcome, error) {
	if p.opts.Related != nil {
		// Another address of a page already archived is that article.
		if u, ok := p.opts.Related.ResolveURL(ctx, vw.canon, vw.declared); ok {
			vw.canon = u
		}
	}
	w, out := p.buildWrite(ctx, vw)
	r, err := p.store.SaveArticle(ctx, w)
	if err != nil {
		return out, err
	}
	if r.NewVersion && p.opts.Related != nil {
		if err := p.opts.Related.Arrived(ctx, []store.ArticleText{arrival(w, r, vw.src, vw.declared)}); err != nil {
			// The version is stored; its copies and story are found
			// again when the service next opens.
			p.log.Warn("finding copies and story failed", "url", vw.canon, "err", err)
		}
	}
	return p.saved(out, r), nil
}

// arrival describes a committed version to the Related service.
func arrival(w *store.ArticleWrite, r store.SaveResult, src *archive.Source, declared string) store.ArticleText {
	at := w.Version.Published
	if at.IsZero() {
		at = w.SeenAt
	}
	return store.ArticleText{ID: r.ArticleID, VersionID: r.VersionID, SourceID: src.ID, Source: src.Title,
		Title: w.Version.Title, Text: w.Version.Text, At: at, FirstSeen: w.SeenAt, URL: w.Article.URL, Canonical: declared}
}

// buildWrite finishes a version (hash, images, index entry) and wraps it in
// the store write for its article.
func (p *Pipeline) buildWrite(ctx context.Context, vw versionWrite) (*store.ArticleWrite, Outcome) {
	v := vw.v
	v.Title, v.Author = clip(oneLine(v.Title), MaxTitleRunes), clip(oneLine(v.Author), MaxAuthorRunes)
	v.SiteName, v.Language = clip(oneLine(v.SiteName), MaxAuthorRunes), clip(v.Language, 35)
	if len(v.Image) > MaxURLBytes {
		v.Image = ""
	}
	// The hash is taken before images are re-pointed, so an image that
	// downloads today but failed yesterday does not make a new version.
	v.Hash = archive.ContentHash(&v)
	out := Outcome{URL: vw.canon}
	var refs []store.AssetRef
	if vw.images {
		if h, err := p.store.LatestHash(ctx, vw.canon); err == nil && h == v.Hash {
			// Unchanged: skip image downloads, the write only moves "seen".
		} else {
			art := vw.art
			if art == nil {
				art = p.sanitizer.Article(v.HTML, vw.base)
			}
			refs, out.ImageErrs, out.ImagesOverCap = p.storeImages(ctx, art, vw.base)
			if len(refs) > 0 {
				// Article.Rewrite keeps its output Sanitizer output.
				v.HTML, v.Sanitizer = art.HTML(), content.SanitizerVersion
			}
			out.Images = len(refs)
		}
	}
	refs = append(refs, vw.extra...)
	w := &store.ArticleWrite{
		Article:    archive.Article{URL: vw.canon, OriginalURL: vw.rawURL, SourceID: vw.src.ID},
		FromOwnURL: vw.fromOwnURL,
		CopyURL:    copyKey(vw.src.ID, vw.canon),
		Version:    v,
		Capture:    vw.capt,
		CaptureID:  vw.captureID,
		Assets:     refs,
		SeenAt:     p.opts.Now(),
		Index:      vw.idx,
		Watch:      p.watchStart(vw.src),
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
	if r.URL != "" {
		out.URL, out.Copy = r.URL, r.Copy
	}
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
