// Package archive holds newsvault's domain model: the sources we follow, the
// articles we keep, their versions, the raw captures they came from and the
// assets (images) they use. It knows nothing about storage, HTTP or parsing;
// every other package speaks in these types.
package archive

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// SourceKind says where a source's articles come from.
type SourceKind string

const (
	// KindFeed is an RSS, Atom, RDF or JSON feed that is polled.
	KindFeed SourceKind = "feed"
	// KindManual is the pseudo-source for URLs submitted by hand.
	KindManual SourceKind = "manual"
	// KindImport is a pseudo-source for a bulk import (one per outlet name).
	KindImport SourceKind = "import"
)

// ContentMode chooses, per feed, where an item's article text comes from.
type ContentMode string

const (
	// ModeAuto uses the feed's content when it looks like the full article
	// and fetches the page otherwise.
	ModeAuto ContentMode = "auto"
	// ModeFeed always uses the content the feed carries.
	ModeFeed ContentMode = "feed"
	// ModePage always fetches the item's page and extracts the article.
	ModePage ContentMode = "page"
)

// Valid reports whether m is one of the known modes.
func (m ContentMode) Valid() bool {
	return m == ModeAuto || m == ModeFeed || m == ModePage
}

// RenderMode chooses, per source or per submitted URL, whether a page is
// opened in the headless browser (internal/render) before extraction.
type RenderMode string

const (
	// RenderAuto renders only when the plain fetch found an empty
	// JavaScript shell, or the site's rules say the site needs a browser.
	RenderAuto RenderMode = "auto"
	// RenderNever always uses the plain fetch.
	RenderNever RenderMode = "never"
	// RenderAlways renders every page.
	RenderAlways RenderMode = "always"
)

// ParseRenderMode reads a render mode; "" is RenderAuto.
func ParseRenderMode(s string) (RenderMode, error) {
	switch m := RenderMode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return RenderAuto, nil
	case RenderAuto, RenderNever, RenderAlways:
		return m, nil
	}
	return "", fmt.Errorf("render mode %q: want auto, never or always", s)
}

// The URLs under which a rendered version's full-page screenshot (PNG)
// and PDF are linked to it among its assets.
const (
	ScreenshotRef = "newsvault:screenshot"
	PDFRef        = "newsvault:pdf"
)

// Poll outcomes recorded on a source.
const (
	PollOK          = "ok"
	PollNotModified = "not-modified"
	PollError       = "error"
)

// Source is something we archive from: a feed, or a pseudo-source for manual
// submissions and imports.
type Source struct {
	ID      int64
	Kind    SourceKind
	Title   string
	FeedURL string // unique for feeds; a stable key such as "manual:" or "import:BBC" otherwise
	SiteURL string
	Mode    ContentMode
	// Render says whether this source's pages are rendered in the
	// headless browser; "" means RenderAuto.
	Render RenderMode
	// TimeZone is the IANA zone used to read dates that carry no zone
	// ("2023-02-28 14:12"). Empty means "infer from the feed's language,
	// else UTC".
	TimeZone string
	// Watch is how this source's articles are re-checked for edits and
	// removals: "" for the default ladder (imports: not watched), "off",
	// "sensitive", "default", or a list of delays such as "1h,1d,7d".
	Watch string

	// AllowPrivate and AllowNets are the source's network allowance, set
	// by the operator who added it: non-public addresses (all of them, or
	// these ranges) that requests to the feed's own host may reach. They
	// never apply to other hosts, nor to anything but this source.
	AllowPrivate bool
	AllowNets    []netip.Prefix

	ETag         string
	LastModified string

	Interval     time.Duration // normal time between polls
	LastPolledAt time.Time
	LastStatus   string // PollOK, PollNotModified or PollError
	LastError    string
	ErrorCount   int
	NextPollAt   time.Time
	CreatedAt    time.Time

	// MaxItems caps the items one poll archives (in feed order); 0 means
	// the archiver's default.
	MaxItems int
	// What the last poll could not archive: items that failed (with up to
	// a few of their reasons) and items skipped over MaxItems.
	LastItemsFailed  int
	LastItemErrors   []string
	LastItemsSkipped int

	ArticleCount int // filled by listings, not stored
}

// Location returns the source's time zone, or nil when it has none or the
// name is unknown.
func (s *Source) Location() *time.Location {
	if s == nil || s.TimeZone == "" {
		return nil
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return nil
	}
	return loc
}

// Article is one piece of writing, identified by its canonical URL. Its
// content fields always mirror its latest Version.
type Article struct {
	ID          int64
	URL         string // canonical, see CanonicalURL
	OriginalURL string // the link as we first met it
	SourceID    int64

	Title     string
	Author    string
	Published time.Time // zero when unknown
	Updated   time.Time // zero when unknown
	SiteName  string
	Language  string
	Image     string // lead image, original URL
	HTML      string // sanitized; image src points at our assets
	Text      string
	// Sanitizer is the content.SanitizerVersion whose output HTML is, 0
	// when unknown: only HTML with the current version may be served
	// without sanitising it again.
	Sanitizer int

	FirstSeenAt  time.Time
	LastSeenAt   time.Time
	VersionCount int
	VersionID    int64 // the latest version
	CaptureID    int64 // the capture the latest version was taken from, 0 if none
}

// Version is the content of an article at one point in time. Versions are
// never overwritten: a changed re-fetch adds one, an unchanged one only moves
// LastSeenAt.
type Version struct {
	ID         int64
	ArticleID  int64
	Seq        int    // 1 for the first version
	Hash       string // ContentHash of the fields below
	Title      string
	Author     string
	Published  time.Time
	Updated    time.Time
	SiteName   string
	Language   string
	Image      string
	HTML       string
	Text       string
	Sanitizer  int   // as Article.Sanitizer
	CaptureID  int64 // the capture this version was extracted from, 0 if none
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// Capture is one raw response we stored: an HTTP response, or an imported
// file. The body lives in the blob store under BodyHash.
type Capture struct {
	ID          int64
	URL         string // what we asked for
	FinalURL    string // after redirects
	Status      int    // HTTP status; 0 for imports
	Header      map[string][]string
	ContentType string
	FetchedAt   time.Time
	BodyHash    string // SHA-256 hex of the raw body
	Size        int64
	// Error, when set, says why this capture did not become a version (not
	// HTML, blocked, extraction found nothing…). The body is still kept as
	// evidence when there was one.
	Error string
	// Redirects are the redirect responses that led to FinalURL, oldest
	// first; RemoteAddr the server address (ip:port) that answered.
	Redirects  []Redirect
	RemoteAddr string
}

// Redirect is one hop of a redirect chain.
type Redirect struct {
	URL      string `json:"url"`
	Status   int    `json:"status"`
	Location string `json:"location,omitempty"`
}

// Asset is an image (or other file) an article uses, stored once by content.
type Asset struct {
	Hash        string // SHA-256 hex of the bytes; the blob key
	URL         string // the original URL it was first fetched from
	ContentType string
	Size        int64
	FetchedAt   time.Time
}
