// Package extract finds the article in a fetched page: its main content as
// HTML and text, and its metadata (title, author, dates, site name,
// language, lead image, canonical URL). It handles HTML in any charset
// (UTF-8, GBK/GB18030, Big5 and whatever golang.org/x/net/html/charset
// knows) through go-trafilatura and go-htmldate plus its own reading of
// <head>, and scraped plain-text pages through line heuristics tuned for
// Chinese news reposts.
//
// It does not fetch pages, follow canonical links, sanitise the HTML it
// returns or store anything: the caller passes in the bytes it fetched,
// decides whether to honour Result.Canonical, and runs Result.HTML through
// content.Sanitizer before storing or serving it.
package extract

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// ErrNotArticle is returned, wrapped with the reason, when a page is not
// HTML or text (an image, a PDF, a binary download) or when no article
// content could be found in it.
var ErrNotArticle = errors.New("not an article")

// Page is a fetched page.
type Page struct {
	URL         string // where it was fetched from, after redirects
	ContentType string // the HTTP Content-Type header, may be empty
	Body        []byte // the raw bytes, in any charset
}

// Result is what Extract found in a page. Strings are empty and times zero
// when unknown.
type Result struct {
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
	// Text is the main content as plain text, paragraphs separated by a
	// blank line.
	Text string
}

// Options configures an Extractor.
type Options struct {
	// DefaultLocation is the zone for dates written without one. When nil,
	// Chinese pages use Asia/Shanghai and other pages UTC.
	DefaultLocation *time.Location
}

// Extractor extracts articles from pages. It is safe for concurrent use.
type Extractor struct {
	defaultLoc *time.Location // nil: choose per page
	shanghai   *time.Location
}

// New returns an Extractor configured by opts.
func New(opts Options) *Extractor {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// No tzdata on this system; China has had a fixed +08:00 since 1991.
		sh = time.FixedZone("CST", 8*3600)
	}
	return &Extractor{defaultLoc: opts.DefaultLocation, shanghai: sh}
}

// location returns the zone for zone-less dates on a page.
func (e *Extractor) location(chinese bool) *time.Location {
	switch {
	case e.defaultLoc != nil:
		return e.defaultLoc
	case chinese:
		return e.shanghai
	}
	return time.UTC
}

// Extract finds the article in p. HTML pages (by Content-Type, or sniffed
// when there is none) go through trafilatura; plain-text pages, and HTML
// pages without any markup, go through line heuristics. It returns an error
// wrapping ErrNotArticle when p is neither HTML nor text or holds no
// article content, and ctx's error when ctx ends first.
func (e *Extractor) Extract(ctx context.Context, p Page) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("extract %s: %w", p.URL, err)
	}
	if len(p.Body) == 0 {
		return nil, fmt.Errorf("extract %s: %w: empty body", p.URL, ErrNotArticle)
	}
	kind, mediaType := classify(p.ContentType, p.Body)
	if kind == kindOther {
		return nil, fmt.Errorf("extract %s: %w: not html: %s", p.URL, ErrNotArticle, mediaType)
	}
	text := decode(p.Body, p.ContentType)
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
var errNoContent = fmt.Errorf("%w: no article content", ErrNotArticle)

// Minimum content: a page with fewer CJK characters and fewer words than
// these is not an article.
const (
	minCJK   = 50
	minWords = 30
)

// tooShort reports whether text is too short to be an article.
func tooShort(text string) bool {
	cjk, words := countCJKAndWords(text)
	return cjk < minCJK && words < minWords
}

// countCJKAndWords counts CJK ideographs and kana, and runs of other
// letters or digits (words).
func countCJKAndWords(s string) (cjk, words int) {
	inWord := false
	for _, r := range s {
		switch {
		case isHan(r):
			cjk++
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
	return cjk, words
}

// isHan reports whether r is a CJK ideograph or Japanese kana.
func isHan(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)
}

// looksChinese reports whether text is mostly Chinese: more ideographs than
// Latin words.
func looksChinese(text string) bool {
	cjk, words := countCJKAndWords(text)
	return cjk >= 10 && cjk > words
}
