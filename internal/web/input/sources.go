package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/feed"
	"github.com/newsvault/newsvault/internal/store"
)

// What the UI and the API share about following feeds.

const (
	// defaultInterval is the poll interval of a feed added without one.
	defaultInterval = 30 * time.Minute
	// minInterval is the shortest poll interval accepted.
	minInterval = time.Minute
	// maxOPML is the largest OPML document accepted (upload or API body).
	maxOPML = 4 << 20
)

// errTooLarge marks input over its size limit.
var errTooLarge = errors.New("too large")

// errInvalid marks input a person has to correct; its message says how.
var errInvalid = errors.New("invalid")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errInvalid, fmt.Sprintf(format, args...))
}

// invalidMessage is the part of an errInvalid error meant for people.
func invalidMessage(err error) string {
	return strings.TrimPrefix(err.Error(), errInvalid.Error()+": ")
}

// feedSettings are the settings of a followed feed as people type them.
type feedSettings struct {
	Title    *string
	Mode     *string
	TimeZone *string
	Interval *string // a duration: "30m", "2h"
}

// apply checks the settings that are set and writes them to src.
func (f feedSettings) apply(src *archive.Source) error {
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
	if f.TimeZone != nil {
		tz := strings.TrimSpace(*f.TimeZone)
		if tz != "" {
			if _, err := time.LoadLocation(tz); err != nil {
				return invalid("time zone %q is not an IANA zone such as Asia/Shanghai", tz)
			}
		}
		src.TimeZone = tz
	}
	if f.Interval != nil {
		d := defaultInterval
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

// newFeed checks a feed URL and settings and returns the source to create.
// The feed is not fetched here: the scheduler polls a new feed at once and
// the sources page shows what went wrong, if anything.
func newFeed(feedURL string, set feedSettings) (*archive.Source, error) {
	u := strings.TrimSpace(feedURL)
	if u == "" {
		return nil, invalid("a feed URL is required")
	}
	if _, err := archive.CanonicalURL(u); err != nil || !(strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) {
		return nil, invalid("feed URL %q is not an http or https URL", u)
	}
	src := &archive.Source{Kind: archive.KindFeed, FeedURL: u, Mode: archive.ModeAuto, Interval: defaultInterval}
	if err := set.apply(src); err != nil {
		return nil, err
	}
	return src, nil
}

// opmlReport says what an OPML import did.
type opmlReport struct {
	Added   []archive.Source
	Skipped []opmlSkip
}

type opmlSkip struct {
	Title   string
	FeedURL string
	Reason  string
}

// importOPML follows every feed of an OPML document, with the given mode.
// Feeds already followed and invalid outlines are skipped and reported.
func (s *Server) importOPML(ctx context.Context, r io.Reader, mode string) (opmlReport, error) {
	var rep opmlReport
	data, err := io.ReadAll(io.LimitReader(r, maxOPML+1))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || len(data) > maxOPML {
		return rep, fmt.Errorf("import OPML: %w (limit %d bytes)", errTooLarge, maxOPML)
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
		src, err := newFeed(o.FeedURL, feedSettings{Title: &title, Mode: &mode})
		if err != nil {
			rep.Skipped = append(rep.Skipped, opmlSkip{Title: o.Title, FeedURL: o.FeedURL, Reason: invalidMessage(err)})
			continue
		}
		src.SiteURL = o.SiteURL
		if err := s.store.CreateSource(ctx, src); err != nil {
			if errors.Is(err, store.ErrConflict) {
				rep.Skipped = append(rep.Skipped, opmlSkip{Title: o.Title, FeedURL: o.FeedURL, Reason: "already followed"})
				continue
			}
			return rep, fmt.Errorf("import OPML: %w", err)
		}
		rep.Added = append(rep.Added, *src)
	}
	return rep, nil
}

// exportOPML writes the followed feeds as OPML.
func (s *Server) exportOPML(ctx context.Context, w io.Writer) error {
	srcs, err := s.store.Sources(ctx)
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
