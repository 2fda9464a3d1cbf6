// Package input checks what people type into the UI's forms or send to the
// JSON API before anything is stored: the settings of a feed to follow
// (mode, time zone, poll interval), OPML documents to import, and lists of
// URLs to archive. The UI and the API share it so that both accept and
// refuse the same things with the same words. It also writes OPML exports.
package input

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/feed"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/watch"
)

const (
	// DefaultInterval is the poll interval of a feed added without one.
	DefaultInterval = 30 * time.Minute
	// minInterval is the shortest poll interval accepted.
	minInterval = time.Minute
	// MaxOPML is the largest OPML document accepted (upload or API body).
	MaxOPML = 4 << 20
)

// MaxForm is the largest urlencoded form accepted.
const MaxForm = 256 << 10

// ErrTooLarge marks input over its size limit.
var ErrTooLarge = errors.New("too large")

// ErrInvalid marks input a person has to correct; its message says how.
var ErrInvalid = errors.New("invalid")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Message is the part of an ErrInvalid error meant for people.
func Message(err error) string {
	return strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")
}

// Sources is what following feeds needs of the store.
type Sources interface {
	Sources(ctx context.Context) ([]archive.Source, error)
	CreateSource(ctx context.Context, src *archive.Source) error
}

// FeedSettings are the settings of a followed feed as people type them.
type FeedSettings struct {
	Title    *string
	Mode     *string
	TimeZone *string
	Interval *string // a duration: "30m", "2h"
	// Watch is the re-check ladder of the feed's articles: "" or
	// "default", "sensitive", "off", or delays such as "1h,1d,7d".
	Watch *string
	// Render is whether the feed's pages are opened in the headless
	// browser: "" or "auto", "always", "never".
	Render *string
}

// Apply checks the settings that are set and writes them to src.
func (f FeedSettings) Apply(src *archive.Source) error {
	if f.Title != nil {
		src.Title = strings.TrimSpace(*f.Title)
	}
	if f.Mode != nil {
		m := archive.ContentMode(strings.TrimSpace(*f.Mode))
		if m == "" {
			m = archive.ModeAuto
		}
		if !m.Valid() {
			return invalid("mode %q: want feed, page or auto", *f.Mode)
		}
		src.Mode = m
	}
	if f.Render != nil {
		m, err := archive.ParseRenderMode(*f.Render)
		if err != nil {
			return invalid("render %q: want auto, always or never", *f.Render)
		}
		src.Render = m
	}
	if f.TimeZone != nil {
		tz := strings.TrimSpace(*f.TimeZone)
		if tz != "" {
			if _, err := time.LoadLocation(tz); err != nil {
				return invalid("time zone %q is not an IANA zone such as Asia/Shanghai", tz)
			}
		}
		src.TimeZone = tz
	}
	if f.Watch != nil {
		w := strings.TrimSpace(*f.Watch)
		if _, err := watch.ParseLadder(w); w != "" && err != nil {
			return invalid("watch %q: want default, sensitive, off or delays such as 1h,6h,1d,7d", w)
		}
		src.Watch = w
	}
	if f.Interval != nil {
		d := DefaultInterval
		if v := strings.TrimSpace(*f.Interval); v != "" {
			var err error
			if d, err = time.ParseDuration(v); err != nil {
				return invalid("interval %q: want a duration such as 30m or 2h", v)
			}
		}
		if d < minInterval {
			return invalid("interval %s: must be at least %s", d, minInterval)
		}
		src.Interval = d
	}
	return nil
}

// NewFeed checks a feed URL and settings and returns the source to create.
// The feed is not fetched here: the scheduler polls a new feed at once and
// the sources page shows what went wrong, if anything.
func NewFeed(feedURL string, set FeedSettings) (*archive.Source, error) {
	u := strings.TrimSpace(feedURL)
	if u == "" {
		return nil, invalid("a feed URL is required")
	}
	if _, err := archive.CanonicalURL(u); err != nil || !(strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) {
		return nil, invalid("feed URL %q is not an http or https URL", u)
	}
	src := &archive.Source{Kind: archive.KindFeed, FeedURL: u, Mode: archive.ModeAuto, Interval: DefaultInterval}
	if err := set.Apply(src); err != nil {
		return nil, err
	}
	return src, nil
}

// OPMLReport says what an OPML import did.
type OPMLReport struct {
	Added   []archive.Source
	Skipped []OPMLSkip
}

type OPMLSkip struct {
	Title   string
	FeedURL string
	Reason  string
}

// ImportOPML follows every feed of an OPML document, with the given mode.
// Feeds already followed and invalid outlines are skipped and reported.
func ImportOPML(ctx context.Context, st Sources, r io.Reader, mode string) (OPMLReport, error) {
	var rep OPMLReport
	data, err := io.ReadAll(io.LimitReader(r, MaxOPML+1))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || len(data) > MaxOPML {
		return rep, fmt.Errorf("import OPML: %w (limit %d bytes)", ErrTooLarge, MaxOPML)
	}
	if err != nil {
		return rep, fmt.Errorf("import OPML: read: %w", err)
	}
	outlines, err := feed.ParseOPML(bytes.NewReader(data))
	if err != nil {
		return rep, invalid("%v", err)
	}
	for _, o := range outlines {
		title := o.Title
		src, err := NewFeed(o.FeedURL, FeedSettings{Title: &title, Mode: &mode})
		if err != nil {
			rep.Skipped = append(rep.Skipped, OPMLSkip{Title: o.Title, FeedURL: o.FeedURL, Reason: Message(err)})
			continue
		}
		src.SiteURL = o.SiteURL
		if err := st.CreateSource(ctx, src); err != nil {
			if errors.Is(err, store.ErrConflict) {
				rep.Skipped = append(rep.Skipped, OPMLSkip{Title: o.Title, FeedURL: o.FeedURL, Reason: "already followed"})
				continue
			}
			return rep, fmt.Errorf("import OPML: %w", err)
		}
		rep.Added = append(rep.Added, *src)
	}
	return rep, nil
}

// ExportOPML writes the followed feeds as OPML.
func ExportOPML(ctx context.Context, st Sources, w io.Writer) error {
	srcs, err := st.Sources(ctx)
	if err != nil {
		return err
	}
	var outlines []feed.Outline
	for _, src := range srcs {
		if src.Kind == archive.KindFeed {
			outlines = append(outlines, feed.Outline{Title: src.Title, FeedURL: src.FeedURL, SiteURL: src.SiteURL})
		}
	}
	return feed.WriteOPML(w, "newsvault feeds", outlines)
}

// ParseURLs splits what was typed into URLs (one per line or separated by
// spaces), dropping repeats, and checks each is an http(s) URL.
func ParseURLs(text string) ([]string, error) {
	var out []string
	for _, u := range strings.Fields(text) {
		if _, err := archive.CanonicalURL(u); err != nil || !(strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) {
			return nil, invalid("%q is not an http or https URL", u)
		}
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	if len(out) == 0 {
		return nil, invalid("type at least one URL")
	}
	return out, nil
}

// FormatInterval writes a poll interval the way people say it ("30m",
// "1h30m"), or "" when unset.
func FormatInterval(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Feeds checks a feed before it is followed and polls one on demand.
// *pipeline.Pipeline satisfies it.
type Feeds interface {
	CheckFeed(ctx context.Context, url string) (pipeline.CheckedFeed, error)
	Poll(ctx context.Context, src archive.Source) pipeline.PollResult
}

// CheckFeed fetches src's feed URL and parses it as a feed before it is
// followed; a web page is replaced by the feed it announces only once that
// feed was fetched and parsed too (pipeline.CheckFeed). A feed added on the
// web gets no network allowance: the fetch is as guarded as any. A feed
// that fails is an ErrInvalid error saying why, credentials masked. With
// no Feeds nothing is checked.
func CheckFeed(ctx context.Context, f Feeds, src *archive.Source) error {
	if f == nil {
		return nil
	}
	checked, err := f.CheckFeed(fetch.WithPolicy(ctx, fetch.Policy{}), src.FeedURL)
	if err != nil {
		return invalid("%s", archive.Redact(err.Error()))
	}
	src.FeedURL = checked.URL
	if src.Title == "" {
		src.Title = checked.Title
	}
	return nil
}
