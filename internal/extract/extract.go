// Package extract finds the article in a fetched page: its main content as
// HTML and text, and its metadata (title, author, dates, site name,
// language, lead image, canonical URL), or else says what kind of page it
// is (an index page, a soft 404, a captcha or login wall, a script shell:
// see the Kind constants and NotArticleError).
//
// HTML in any charset (UTF-8, GBK/GB18030, Big5, double-encoded mojibake,
// and whatever golang.org/x/net/html/charset knows) is parsed once. Site
// rules in the FiveFilters ftr-site-config format (package siterules:
// built-in ones for WeChat and a few Chinese portals, plus the operator's
// Options.RulesDir) pick the article where they apply; elsewhere one
// scan of the page's blocks finds the main block (go-trafilatura is asked
// only when it finds almost nothing): a generic, CJK-aware block filter
// keeps the densest run of prose — counting CJK characters and Chinese punctuation, link
// density, and known boilerplate (related-reading lists, share bars,
// copyright and disclaimer notices, captions, bylines, keyword footers).
// Dates and bylines are read the way Chinese news writes them
// (2023年2月28日 14:12, 发布时间：, 来源：, 作者：, 责任编辑：), zone-less
// dates in the site's zone. Scraped plain-text pages go through line
// heuristics tuned for Chinese news reposts.
//
// It does not fetch pages, follow canonical links, sanitise the HTML it
// returns or store anything: the caller passes in the bytes it fetched,
// decides whether to honour Result.Canonical, and runs Result.HTML (or the
// parsed Result.Root) through content.Sanitizer before storing or serving
// it.
package extract

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/net/html"

	"github.com/newsvault/newsvault/internal/extract/siterules"
	"github.com/newsvault/newsvault/internal/zh"
)

// ErrNotArticle is what every *NotArticleError unwraps to: the page is not
// HTML or text (an image, a PDF, a binary download), or it is a page but
// not an article (see the Kind constants).
var ErrNotArticle = errors.New("not an article")

// Page kinds: what Extract found a page to be. Only KindArticle pages have
// a Result; the others come back as a *NotArticleError.
const (
	KindArticle   = "article"   // an article: news, post, essay
	KindListing   = "listing"   // an index, section, tag or search page: many links, little prose
	KindError     = "error"     // not found, removed or failed, even when served with status 200
	KindChallenge = "challenge" // a captcha, bot wall or "verify you are human" interstitial
	KindLogin     = "login"     // a login form or paywall standing in for the article
	KindEmpty     = "empty"     // no readable text: an empty body or a JavaScript shell
	KindOther     = "other"     // not a web page at all: an image, a PDF, a binary download
)

// NotArticleError reports a page that holds no article, with the kind of
// page it is and why Extract decided so. It unwraps to ErrNotArticle.
type NotArticleError struct {
	Kind   string // one of the Kind constants, never KindArticle
	Reason string // what gave the page away, for logs and capture records
}

func (e *NotArticleError) Error() string {
	return fmt.Sprintf("%v (%s page): %s", ErrNotArticle, e.Kind, e.Reason)
}

// Unwrap returns ErrNotArticle.
func (e *NotArticleError) Unwrap() error { return ErrNotArticle }

// notArticle returns a *NotArticleError.
func notArticle(kind, format string, args ...any) error {
	return &NotArticleError{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// Page is a fetched page.
type Page struct {
	URL         string // where it was fetched from, after redirects
	ContentType string // the HTTP Content-Type header, may be empty
	Body        []byte // the raw bytes, in any charset
	// Location, when set, is the zone for this page's dates written
	// without one, in place of the Extractor's DefaultLocation.
	Location *time.Location
}

// Result is what Extract found in a page. Strings are empty and times zero
// when unknown.
type Result struct {
	Kind      string // always KindArticle: other kinds are errors
	Title     string
	Author    string
	Published time.Time
	Updated   time.Time
	SiteName  string
	Language  string // as declared (e.g. "zh-CN"), else detected (e.g. "zh")
	Image     string // the lead image (og:image), absolute
	// Canonical is the page's rel=canonical or og:url, made absolute, as
	// found: the caller decides whether to honour it.
	Canonical string
	// HTML is the main content with absolute URLs. It is not sanitised.
	HTML string
	// Root holds the same content parsed: its children are what HTML
	// renders (with <noscript> content as text, as html.Parse leaves it).
	// It is nil for plain-text pages. Whoever sanitises it (see
	// content.Sanitizer.ArticleFromTree) may consume it; HTML stays valid.
	Root *html.Node
	// Text is the main content as plain text, paragraphs separated by a
	// blank line.
	Text string
}

// Options configures an Extractor.
type Options struct {
	// DefaultLocation is the zone for dates written without one. When nil,
	// Chinese pages use Asia/Shanghai and other pages UTC.
	DefaultLocation *time.Location
	// RulesDir is a directory of site rules in the FiveFilters
	// ftr-site-config format (one <host>.txt file per site). Its rules
	// take precedence over the built-in ones. Empty means built-in only.
	RulesDir string
}

// Extractor extracts articles from pages. It is safe for concurrent use.
type Extractor struct {
	defaultLoc *time.Location // nil: choose per page
	shanghai   *time.Location
	rules      *siterules.Set
}

// New returns an Extractor configured by opts. Site rules under
// opts.RulesDir that cannot be read or parsed are skipped; use Open to
// have them reported.
func New(opts Options) *Extractor {
	e, _ := Open(opts)
	return e
}

// Open is New, but it fails when opts.RulesDir cannot be read or holds a
// rules file that does not parse. The Extractor it returns with such an
// error is still usable, with the rules that did load.
func Open(opts Options) (*Extractor, error) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// No tzdata on this system; China has had a fixed +08:00 since 1991.
		sh = time.FixedZone("CST", 8*3600)
	}
	rules, err := loadRules(opts.RulesDir)
	return &Extractor{defaultLoc: opts.DefaultLocation, shanghai: sh, rules: rules}, err
}

// RenderRule says whether the site rules for pageURL's host ask for the
// headless browser, and the CSS selector to wait for there, if any.
func (e *Extractor) RenderRule(pageURL string) (render bool, waitFor string) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return false, ""
	}
	r := e.rules.Match(u.Host)
	if r == nil {
		return false, ""
	}
	return r.Render, r.WaitFor
}

// location returns the zone for zone-less dates on a page from host: the
// configured default; else the zone of the site's country-code domain
// (.tw, .hk, .jp…); else Asia/Shanghai for Chinese pages and UTC for
// others.
func (e *Extractor) location(chinese bool, host string) *time.Location {
	if e.defaultLoc != nil {
		return e.defaultLoc
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if i := strings.LastIndexByte(host, '.'); i >= 0 {
		if name, ok := tldZones[host[i+1:]]; ok {
			if loc, err := loadZone(name); err == nil {
				return loc
			}
		}
	}
	if chinese {
		return e.shanghai
	}
	return time.UTC
}

// tldZones are the zones of country-code domains whose news sites write
// dates without a zone. Countries with several zones are left out.
var tldZones = map[string]string{
	"cn": "Asia/Shanghai", "tw": "Asia/Taipei", "hk": "Asia/Hong_Kong", "mo": "Asia/Macau",
	"sg": "Asia/Singapore", "my": "Asia/Kuala_Lumpur", "jp": "Asia/Tokyo", "kr": "Asia/Seoul",
	"uk": "Europe/London", "de": "Europe/Berlin", "fr": "Europe/Paris",
}

// loadZone is time.LoadLocation, cached: it reads the zone database.
var loadZone = func() func(string) (*time.Location, error) {
	var mu sync.Mutex
	cache := make(map[string]*time.Location)
	return func(name string) (*time.Location, error) {
		mu.Lock()
		defer mu.Unlock()
		if loc, ok := cache[name]; ok {
			return loc, nil
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			return nil, err
		}
		cache[name] = loc
		return loc, nil
	}
}()

// Extract finds the article in p. HTML pages (by Content-Type, or sniffed
// when there is none) go through site rules or the generic algorithm;
// plain-text pages, and HTML pages without any markup, go through line
// heuristics. When p is not an article it returns an error wrapping a
// *NotArticleError (and so ErrNotArticle) that names the kind of page and
// why; it returns ctx's error when ctx ends first. A successful Result
// has Kind KindArticle.
func (e *Extractor) Extract(ctx context.Context, p Page) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("extract %s: %w", p.URL, err)
	}
	if len(p.Body) == 0 {
		return nil, fmt.Errorf("extract %s: %w", p.URL, notArticle(KindEmpty, "empty body"))
	}
	if p.Location != nil {
		inZone := *e
		inZone.defaultLoc = p.Location
		e = &inZone
	}
	kind, mediaType := classify(p.ContentType, p.Body)
	if kind == kindOther {
		return nil, fmt.Errorf("extract %s: %w", p.URL, notArticle(KindOther, "not html: %s", mediaType))
	}
	text := zh.DecodeHTML(p.Body, p.ContentType)
	pageURL := parsePageURL(p.URL)
	if kind == kindHTML && !hasMarkup(text) {
		kind = kindText
	}
	var (
		r   *Result
		err error
	)
	if kind == kindHTML {
		r, err = e.extractHTML(ctx, pageURL, text)
	} else {
		r, err = e.extractText(pageURL, text)
	}
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", p.URL, err)
	}
	r.Kind = KindArticle
	return r, nil
}

// parsePageURL parses the page URL, returning nil unless it is absolute.
func parsePageURL(s string) *url.URL {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil
	}
	return u
}

// errNoContent is the ErrNotArticle reason for pages without an article.
var errNoContent = &NotArticleError{Kind: KindEmpty, Reason: "no article content"}

// Minimum content: a page with fewer CJK characters and fewer words than
// these is not an article.
const (
	minCJK   = 50
	minWords = 30
)

// tooShort reports whether text is too short to be an article.
func tooShort(text string) bool {
	cjk, words := zh.CountHanAndWords(text)
	// A one-sentence brief is an article.
	return cjk < minCJK && words < minWords && !(cjk >= minBriefCJK && strings.ContainsAny(text, "。！？"))
}

// minBriefCJK is the length of a Chinese one-sentence brief.
const minBriefCJK = 25

// checkLanguage returns the page's declared language unless the article
// text contradicts it: a page declared "en" (templates often are) whose
// text is Chinese is "zh", and so is an undeclared one.
func checkLanguage(declared, text string) string {
	han, kana, hangul, words := 0, 0, 0, 0
	inWord := false
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
			inWord = false
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			kana++
			inWord = false
		case unicode.Is(unicode.Hangul, r):
			hangul++
			inWord = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !inWord {
				words++
			}
			inWord = true
		default:
			inWord = false
		}
	}
	chinese := han >= minCJK && han > 2*words && kana*20 < han && hangul*20 < han
	primary := strings.ToLower(strings.SplitN(strings.ReplaceAll(declared, "_", "-"), "-", 2)[0])
	switch {
	case chinese && primary != "zh":
		return "zh"
	case declared == "" && chinese:
		return "zh"
	}
	return declared
}
