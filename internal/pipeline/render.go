package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/render"
	"github.com/newsvault/newsvault/internal/store"
)

// Renderer opens a page in the headless browser, every request of which
// goes through the guarded fetcher; *render.Renderer satisfies it.
type Renderer interface {
	Render(ctx context.Context, url string, opt render.Options) (*render.Result, error)
}

// renderRules is what an extractor may know about a site: whether its
// rules ask for the browser, and what to wait for. *extract.Extractor
// satisfies it.
type renderRules interface {
	RenderRule(pageURL string) (render bool, waitFor string)
}

// The AssetRef.URL under which a rendered version's screenshot and PDF are
// linked to it.
const (
	ScreenshotRef = archive.ScreenshotRef
	PDFRef        = archive.PDFRef
)

// RenderedHeader marks the capture of a rendered DOM (its value names the
// browser), so it is never mistaken for what the server sent.
const RenderedHeader = "X-Newsvault-Rendered"

// renderPlan is what to do with the browser for one page.
type renderPlan struct {
	first   bool // render instead of the plain fetch
	onEmpty bool // render when the plain fetch finds an empty shell
	waitFor string
}

func (p *Pipeline) planRender(mode archive.RenderMode, rawURL string) renderPlan {
	if p.opts.Renderer == nil || mode == archive.RenderNever {
		return renderPlan{}
	}
	var rule bool
	var waitFor string
	if rr, ok := p.extractor.(renderRules); ok {
		rule, waitFor = rr.RenderRule(rawURL)
	}
	return renderPlan{first: mode == archive.RenderAlways || rule, onEmpty: true, waitFor: waitFor}
}

// emptyShell reports whether extraction found no readable text: the page
// is likely built by JavaScript.
func emptyShell(err error) bool {
	var na *extract.NotArticleError
	return errors.As(err, &na) && na.Kind == extract.KindEmpty
}

// renderPage renders rawURL and extracts the article from the rendered
// DOM. The browser's sub-responses are stored as captures; the screenshot
// and PDF become the page's extra assets. A failure other than a missing
// browser is recorded as a failed capture.
func (p *Pipeline) renderPage(ctx context.Context, rawURL, waitFor string) (*fetchedPage, error) {
	var cookies []render.Cookie
	if p.opts.RenderCookies != nil {
		if u, err := url.Parse(rawURL); err == nil {
			cookies = p.opts.RenderCookies(u.Hostname())
		}
	}
	res, err := p.opts.Renderer.Render(ctx, rawURL, render.Options{WaitFor: waitFor, Cookies: cookies})
	if err != nil {
		if !errors.Is(err, render.ErrNoBrowser) {
			p.failedCapture(ctx, rawURL, nil, err)
		}
		return nil, err
	}
	for _, r := range res.Responses {
		c, err := p.capture(ctx, r.Response)
		if err == nil {
			_, err = p.store.SaveCapture(ctx, c)
		}
		if err != nil {
			return nil, fmt.Errorf("store browser capture %s: %w", r.URL, err)
		}
	}
	final := res.FinalURL
	if final == "" {
		final = rawURL
	}
	dom := &fetch.Response{
		URL: rawURL, FinalURL: final, Status: http.StatusOK,
		Header:      http.Header{"Content-Type": {"text/html; charset=utf-8"}, RenderedHeader: {"chromium"}},
		ContentType: "text/html; charset=utf-8",
		Body:        res.HTML,
		FetchedAt:   p.opts.Now(),
	}
	x, err := p.extractor.Extract(ctx, extract.Page{URL: final, ContentType: dom.ContentType, Body: dom.Body})
	if err != nil {
		p.failedCapture(ctx, rawURL, dom, err)
		return nil, err
	}
	page := &fetchedPage{resp: dom, result: x}
	for _, f := range []struct {
		data      []byte
		ref, kind string
	}{{res.Screenshot, ScreenshotRef, "image/png"}, {res.PDF, PDFRef, "application/pdf"}} {
		if len(f.data) == 0 {
			continue
		}
		hash, err := p.blobs.Put(ctx, f.data)
		if err != nil {
			return nil, fmt.Errorf("store %s of %s: %w", f.ref, rawURL, err)
		}
		page.extra = append(page.extra, store.AssetRef{URL: f.ref, Asset: archive.Asset{
			Hash: hash, URL: f.ref + ":" + final, ContentType: f.kind, Size: int64(len(f.data)), FetchedAt: p.opts.Now(),
		}})
	}
	p.log.DebugContext(ctx, "rendered", slog.String("url", rawURL), slog.Int("responses", len(res.Responses)),
		slog.Int("refused", len(res.Refused)), slog.Duration("elapsed", res.Elapsed))
	return page, nil
}
