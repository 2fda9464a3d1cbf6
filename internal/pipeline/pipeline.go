// Package pipeline moves things through newsvault's stages: it polls feeds,
// fetches pages and images, has them extracted and sanitized, and hands each
// article to the store as one write. It also takes in bulk imports. It owns
// the decisions between stages (feed content or page? new version or not?
// which URL is the article's identity?) but none of the stages themselves:
// fetching, parsing, extraction and storage live in their own packages and
// reach this one through the small interfaces below.
package pipeline

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/render"
	"github.com/newsvault/newsvault/internal/store"
)

// Store is what the pipeline needs from persistence.
type Store interface {
	SaveArticle(ctx context.Context, w *store.ArticleWrite) (store.SaveResult, error)
	SaveArticles(ctx context.Context, ws []*store.ArticleWrite) ([]store.SaveResult, error)
	SaveCapture(ctx context.Context, c *archive.Capture) (int64, error)
	HasCapture(ctx context.Context, url, bodyHash string) (bool, error)
	// HasImportedFile reports whether a file with this body hash was
	// imported already (a successful capture whose final URL is file://),
	// so a re-import skips it before parsing.
	HasImportedFile(ctx context.Context, bodyHash string) (bool, error)
	AssetByURL(ctx context.Context, url string) (archive.Asset, error)
	ArticleByURL(ctx context.Context, url string) (archive.Article, error)
	LatestHash(ctx context.Context, url string) (string, error)
	EnsureSource(ctx context.Context, src *archive.Source) (archive.Source, error)
	UpdateSource(ctx context.Context, src *archive.Source) error
	DueSources(ctx context.Context, now time.Time) ([]archive.Source, error)
	// FeedListing records the articles a feed lists now and makes the
	// check of those it dropped (while older ones stay listed) urgent.
	FeedListing(ctx context.Context, sourceID int64, urls []string, now time.Time) ([]int64, error)
	// OptimizeIndex compacts the search index after bulk writes.
	OptimizeIndex(ctx context.Context) error
	// MergeIndex does about pages leaf pages of incremental merging of
	// the search index.
	MergeIndex(ctx context.Context, pages int) error
	// SetIndexMerging stops (and resumes) merging the search index as
	// writes go, for the length of a bulk import.
	SetIndexMerging(ctx context.Context, on bool) error
}

// Blobs keeps raw bytes by content. Put is durable when it returns;
// PutDeferred is durable once SyncTo its sequence number returns, which lets
// a bulk import cover many blobs with one flush.
type Blobs interface {
	Put(ctx context.Context, data []byte) (string, error)
	PutDeferred(ctx context.Context, data []byte) (hash string, seq uint64, err error)
	SyncTo(seq uint64) error
}

// Fetcher performs every HTTP request the pipeline makes.
type Fetcher interface {
	Get(ctx context.Context, req fetch.Request) (*fetch.Response, error)
}

// Extractor finds the article in a page.
type Extractor interface {
	Extract(ctx context.Context, p extract.Page) (*extract.Result, error)
}

// Indexer turns an article's title and text into its search index entry.
type Indexer interface {
	Index(title, body string) store.IndexDoc
}

// Related is told about every new version once it is committed, to find
// the article's copies and its story (*stories.Service satisfies it). It
// may also resolve a URL to an article already archived under another
// address of the same page (mobile, AMP, a same-site canonical).
type Related interface {
	Arrived(ctx context.Context, arts []store.ArticleText) error
	// Flush finishes what Arrived deferred; an import calls it at its end.
	Flush(ctx context.Context) error
	// ResolveURL returns the URL of the article already archived that
	// canon (with the canonical the page declared) certainly is, if any.
	ResolveURL(ctx context.Context, canon, declared string) (string, bool)
}

// Options tune a Pipeline.
type Options struct {
	// Related, when set, finds copies and stories of every new version.
	Related Related
	// Indexer, when set, keeps the search index up to date with every new
	// version, in the same transaction as the version.
	Indexer Indexer
	// Images: download the images of archived articles and point the stored
	// content at our copies. On for feeds and URLs by default (see New).
	SkipImages bool
	// MaxImages caps the images fetched per article, in document order;
	// default DefaultMaxImages. The rest keep their remote URLs, are counted
	// in Outcome.ImagesOverCap and logged with ErrTooManyImages.
	MaxImages int
	// PollWorkers is how many feeds are polled at once.
	PollWorkers int
	// MaxItems caps the items one poll of a feed archives, in feed order,
	// unless the source sets its own (Source.MaxItems); default
	// DefaultMaxItems. The rest are left out before they are parsed,
	// counted in PollResult.Skipped, logged and recorded on the source.
	MaxItems int
	// MaxPageSize is the largest page (decoded body, in bytes) handed to
	// extraction; a larger one fails with ErrPageTooLarge and is kept as a
	// capture. Default DefaultMaxPageSize.
	MaxPageSize int
	// AssetPrefix is the URL path under which assets are served; stored
	// content refers to images as AssetPrefix + hash.
	AssetPrefix string
	// Renderer, when set, renders pages in the headless browser as each
	// source's or URL's archive.RenderMode says; nil turns rendering off.
	Renderer Renderer
	// RenderCookies, when set, gives the operator's cookies for the site of
	// a page's host (render.Cookies.For); the capture sends each only with
	// the requests whose URL it matches, and keeps none afterwards.
	RenderCookies func(host string) []render.Cookie
	// Now returns the current time; tests may replace it.
	Now func() time.Time
	// AllowPrivate and AllowNets are the operator's network allowance
	// from the command line; with each source's own (archive.Source
	// AllowPrivate, AllowNets) they open non-public addresses for that
	// source's feed host while it is polled, and nothing else.
	AllowPrivate bool
	AllowNets    []netip.Prefix
}

// Defaults of Options.
const (
	DefaultMaxImages   = 50
	DefaultMaxItems    = 500
	DefaultMaxPageSize = 8 << 20
)

// Pipeline archives feed items, URLs and imported files.
type Pipeline struct {
	store     Store
	blobs     Blobs
	fetcher   Fetcher
	extractor Extractor
	sanitizer *content.Sanitizer
	log       *slog.Logger
	opts      Options
}

// New returns a Pipeline over the given stages. log may be nil.
func New(st Store, blobs Blobs, f Fetcher, x Extractor, log *slog.Logger, opts Options) *Pipeline {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxImages <= 0 {
		opts.MaxImages = DefaultMaxImages
	}
	if opts.MaxItems <= 0 {
		opts.MaxItems = DefaultMaxItems
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = DefaultMaxPageSize
	}
	if opts.PollWorkers <= 0 {
		opts.PollWorkers = 4
	}
	if opts.AssetPrefix == "" {
		opts.AssetPrefix = "/assets/"
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Now().UTC() }
	}
	return &Pipeline{store: st, blobs: blobs, fetcher: f, extractor: x, sanitizer: content.NewSanitizer(), log: log, opts: opts}
}

// capture stores a fetched response's body as a blob and describes it.
func (p *Pipeline) capture(ctx context.Context, resp *fetch.Response) (*archive.Capture, error) {
	hash, err := p.blobs.Put(ctx, resp.Body)
	if err != nil {
		return nil, err
	}
	return &archive.Capture{
		URL:         resp.URL,
		FinalURL:    resp.FinalURL,
		Status:      resp.Status,
		Header:      map[string][]string(headerCopy(resp.Header)),
		ContentType: resp.ContentType,
		FetchedAt:   resp.FetchedAt.UTC(),
		BodyHash:    hash,
		Size:        int64(len(resp.Body)),
	}, nil
}

// failedCapture records an attempt that produced nothing to archive, keeping
// the body as evidence when there was one.
func (p *Pipeline) failedCapture(ctx context.Context, url string, resp *fetch.Response, reason error) {
	c := &archive.Capture{URL: url, FetchedAt: p.opts.Now(), Error: reason.Error()}
	if resp != nil {
		if full, err := p.capture(ctx, resp); err == nil {
			full.Error = reason.Error()
			c = full
		} else {
			c.FinalURL, c.Status, c.ContentType = resp.FinalURL, resp.Status, resp.ContentType
		}
	}
	if _, err := p.store.SaveCapture(ctx, c); err != nil {
		p.log.Warn("record failed capture", "url", url, "err", err)
	}
}

// headerCopy drops headers that only describe the transfer.
func headerCopy(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		switch k {
		case "Set-Cookie", "Connection", "Keep-Alive", "Transfer-Encoding":
			continue
		}
		out[k] = append([]string(nil), v...)
	}
	return out
}

// SourcePolicy is the fetch policy of requests made for src: its own and
// the operator's network allowance, for the feed's host only. Its pages and
// images on other hosts, and redirects to them, get none.
func (p *Pipeline) SourcePolicy(src *archive.Source) fetch.Policy {
	return fetch.Policy{
		Host:         fetch.HostOf(src.FeedURL),
		AllowPrivate: src.AllowPrivate || p.opts.AllowPrivate,
		AllowNets:    append(append([]netip.Prefix(nil), src.AllowNets...), p.opts.AllowNets...),
	}
}
