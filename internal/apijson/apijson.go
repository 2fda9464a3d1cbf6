// Package apijson is newsvault's one JSON vocabulary: the shapes in which
// articles, versions, sources and search hits leave the program, whether
// through the HTTP API (/api/v1) or the command line's --json output.
// Names are snake_case; unknown times and empty optional fields are left
// out rather than printed as zero values. It converts from the archive's
// types (and the store's, for stories and copies) and depends on nothing
// else.
package apijson

import (
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// Article is an archived article.
type Article struct {
	ID           int64      `json:"id"`
	URL          string     `json:"url"`
	OriginalURL  string     `json:"original_url"`
	SourceID     int64      `json:"source_id"`
	Title        string     `json:"title"`
	Author       string     `json:"author,omitempty"`
	Published    *time.Time `json:"published,omitempty"`
	Updated      *time.Time `json:"updated,omitempty"`
	SiteName     string     `json:"site_name,omitempty"`
	Language     string     `json:"language,omitempty"`
	Image        string     `json:"image,omitempty"`
	FirstSeenAt  time.Time  `json:"first_seen_at"`
	LastSeenAt   time.Time  `json:"last_seen_at"`
	VersionCount int        `json:"version_count"`
	HTML         string     `json:"html,omitempty"`
	Text         string     `json:"text,omitempty"`
	// Rendered is what the headless browser kept of the latest version.
	Rendered *Rendered `json:"rendered,omitempty"`
	Versions []Version `json:"versions,omitempty"`
}

// Rendered links what the headless browser kept of a rendered version:
// its full-page screenshot (PNG) and, when the server keeps them, its PDF,
// both served under /assets/.
type Rendered struct {
	Screenshot string `json:"screenshot,omitempty"`
	PDF        string `json:"pdf,omitempty"`
}

// RenderedFrom finds the screenshot and PDF among a version's assets, and
// links them under prefix (such as "/assets/"); nil when the version was
// not rendered.
func RenderedFrom(refs []store.AssetRef, prefix string) *Rendered {
	var r Rendered
	for _, ref := range refs {
		switch ref.URL {
		case archive.ScreenshotRef:
			r.Screenshot = prefix + ref.Asset.Hash
		case archive.PDFRef:
			r.PDF = prefix + ref.Asset.Hash
		}
	}
	if r == (Rendered{}) {
		return nil
	}
	return &r
}

// Version is one stored version of an article.
type Version struct {
	ID         int64      `json:"id"`
	Seq        int        `json:"seq"`
	Title      string     `json:"title"`
	Author     string     `json:"author,omitempty"`
	Published  *time.Time `json:"published,omitempty"`
	Updated    *time.Time `json:"updated,omitempty"`
	Language   string     `json:"language,omitempty"`
	Hash       string     `json:"hash"`
	CaptureID  int64      `json:"capture_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt time.Time  `json:"last_seen_at"`
	HTML       string     `json:"html,omitempty"`
	Text       string     `json:"text,omitempty"`
	// Rendered is what the headless browser kept of this version.
	Rendered *Rendered `json:"rendered,omitempty"`
}

// SearchHit is one search result: the article, its score and a snippet
// (HTML-escaped text with <mark> around the matches).
type SearchHit struct {
	Article
	Score   float64 `json:"score"`
	Snippet string  `json:"snippet,omitempty"`
}

// Source is a followed feed or another origin of articles.
type Source struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"`
	Title        string     `json:"title"`
	FeedURL      string     `json:"feed_url,omitempty"`
	SiteURL      string     `json:"site_url,omitempty"`
	Mode         string     `json:"mode"`
	Render       string     `json:"render"`
	TimeZone     string     `json:"time_zone,omitempty"`
	Interval     string     `json:"interval,omitempty"`
	Watch        string     `json:"watch,omitempty"`
	ArticleCount int        `json:"article_count"`
	LastPolledAt *time.Time `json:"last_polled_at,omitempty"`
	LastStatus   string     `json:"last_status,omitempty"`
	LastError    string     `json:"last_error,omitempty"`
	ErrorCount   int        `json:"error_count"`
	// What the last poll could not archive (feeds only).
	ItemsFailed  int        `json:"items_failed"`
	ItemErrors   []string   `json:"item_errors,omitempty"`
	ItemsSkipped int        `json:"items_skipped"`
	MaxItems     int        `json:"max_items,omitempty"`
	NextPollAt   *time.Time `json:"next_poll_at,omitempty"`
	CreatedAt    *time.Time `json:"created_at,omitempty"`
}

// Time is t, or nil when t is zero (unknown), so that it is left out.
func Time(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// FromArticle describes a; full adds its HTML and text.
func FromArticle(a archive.Article, full bool) Article {
	j := Article{
		ID: a.ID, URL: a.URL, OriginalURL: a.OriginalURL, SourceID: a.SourceID, Title: a.Title, Author: a.Author,
		Published: Time(a.Published), Updated: Time(a.Updated), SiteName: a.SiteName, Language: a.Language,
		Image: a.Image, FirstSeenAt: a.FirstSeenAt, LastSeenAt: a.LastSeenAt, VersionCount: a.VersionCount,
	}
	if full {
		j.HTML, j.Text = a.HTML, a.Text
	}
	return j
}

// FromVersion describes v; full adds its HTML and text.
func FromVersion(v archive.Version, full bool) Version {
	j := Version{ID: v.ID, Seq: v.Seq, Title: v.Title, Author: v.Author, Published: Time(v.Published), Updated: Time(v.Updated),
		Language: v.Language, Hash: v.Hash, CaptureID: v.CaptureID, CreatedAt: v.CreatedAt, LastSeenAt: v.LastSeenAt}
	if full {
		j.HTML, j.Text = v.HTML, v.Text
	}
	return j
}

// FromSource describes src. Only feeds have a feed URL and an interval.
// Its URLs and poll error are redacted (archive.Redact): credentials in a
// feed URL are the operator's, never shown to readers.
func FromSource(src archive.Source) Source {
	j := Source{ID: src.ID, Kind: string(src.Kind), Title: src.Title, SiteURL: archive.Redact(src.SiteURL), Mode: string(src.Mode),
		TimeZone: src.TimeZone, Watch: src.Watch, ArticleCount: src.ArticleCount, LastPolledAt: Time(src.LastPolledAt),
		LastStatus: src.LastStatus, LastError: archive.Redact(src.LastError), ErrorCount: src.ErrorCount, NextPollAt: Time(src.NextPollAt),
		CreatedAt: Time(src.CreatedAt), ItemsFailed: src.LastItemsFailed, ItemErrors: archive.RedactAll(src.LastItemErrors),
		ItemsSkipped: src.LastItemsSkipped, MaxItems: src.MaxItems, Render: string(src.Render)}
	if j.Render == "" {
		j.Render = string(archive.RenderAuto)
	}
	if src.Kind == archive.KindFeed {
		j.FeedURL = archive.Redact(src.FeedURL)
		j.Interval = Interval(src.Interval)
	}
	return j
}

// Interval writes a polling interval the short way ("30m", "2h", "1h30m"),
// or "" when there is none.
func Interval(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	s := strings.TrimSuffix(d.String(), "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
