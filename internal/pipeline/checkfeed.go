package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/newsvault/newsvault/internal/feed"
	"github.com/newsvault/newsvault/internal/fetch"
)

// ErrNoFeed is wrapped when a URL to follow is neither a feed nor a page
// announcing a feed that could be fetched and parsed.
var ErrNoFeed = errors.New("not a feed")

// maxFeedCandidates is how many feeds a page announces that CheckFeed tries.
const maxFeedCandidates = 3

// CheckedFeed is a feed CheckFeed fetched and parsed.
type CheckedFeed struct {
	// URL is the feed to follow: the URL asked for, or the feed a page at
	// that URL announced.
	URL string
	// Title is the feed's own title.
	Title string
	// Page is the page URL when the feed was discovered from it, "" when
	// the URL asked for was the feed itself.
	Page string
}

// CheckFeed fetches rawURL and parses it as a feed. When it is a web page
// instead, the feeds it announces (<link rel="alternate">) are each fetched
// and parsed in turn, through the same fetcher and ctx's policy, and the
// first that is a feed is returned: an announced URL is never followed
// unchecked, so a page cannot subscribe the archive to an address it may
// not reach (an allowance for the page's host does not extend to another
// host) or to something that is not a feed.
func (p *Pipeline) CheckFeed(ctx context.Context, rawURL string) (CheckedFeed, error) {
	resp, parsed, err := p.fetchFeed(ctx, rawURL)
	if err == nil {
		return CheckedFeed{URL: rawURL, Title: parsed.Title}, nil
	}
	if resp == nil {
		return CheckedFeed{}, fmt.Errorf("check feed %s: %w", rawURL, err)
	}
	found := feed.Discover(resp.Body, resp.FinalURL)
	if len(found) == 0 {
		return CheckedFeed{}, fmt.Errorf("check feed %s: %w: %w", rawURL, ErrNoFeed, err)
	}
	var errs []error
	for _, u := range found[:min(len(found), maxFeedCandidates)] {
		_, parsed, err := p.fetchFeed(ctx, u)
		if err == nil {
			return CheckedFeed{URL: u, Title: parsed.Title, Page: rawURL}, nil
		}
		errs = append(errs, fmt.Errorf("announced feed %s: %w", u, err))
	}
	return CheckedFeed{}, fmt.Errorf("check feed %s: a web page whose feeds are unusable: %w", rawURL, errors.Join(errs...))
}

// fetchFeed fetches and parses one feed. The response is returned when one
// came back with 2xx, so a page can be searched for the feeds it announces.
func (p *Pipeline) fetchFeed(ctx context.Context, u string) (*fetch.Response, *feed.Feed, error) {
	resp, err := p.fetcher.Get(ctx, fetch.Request{URL: u, Accept: feedAccept})
	if err != nil {
		return nil, nil, err
	}
	if !resp.OK() {
		return nil, nil, fmt.Errorf("%w %d", ErrHTTPStatus, resp.Status)
	}
	parsed, err := feed.Parse(resp.Body, resp.ContentType, feed.ParseOptions{BaseURL: resp.FinalURL})
	if err != nil {
		return resp, nil, fmt.Errorf("%w: %w", ErrNoFeed, err)
	}
	return resp, parsed, nil
}
