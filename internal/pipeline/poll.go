package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/feed"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/store"
)

// feedAccept is the Accept header of a feed request.
const feedAccept = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"

// DefaultInterval is the time between polls of a feed that sets none.
const DefaultInterval = 30 * time.Minute

// PollResult summarises one poll of one feed.
type PollResult struct {
	Source      archive.Source
	NotModified bool
	Items       int
	NewArticles int
	NewVersions int
	ItemErrors  int // items that could not be archived
	// ItemFailures are the first few of them, with their reasons.
	ItemFailures []string
	// Skipped is how many items past the per-poll cap were left out.
	Skipped int
	// Repeats is how many items repeated an article already archived in
	// this poll: one poll adds at most one version to an article.
	Repeats int
	// Dropped counts the articles the feed listed before and no longer
	// does while older items stay: their checks were made urgent.
	Dropped int
	Err     error // the poll failed as a whole (network, HTTP status, malformed feed)
}

// Failed reports whether anything in the poll failed: the feed or an item.
func (r PollResult) Failed() bool { return r.Err != nil || r.ItemErrors > 0 }

// maxItemFailures is how many item failure reasons a poll keeps.
const maxItemFailures = 5

// Poll fetches one feed (with conditional GET), archives its items, and
// records the outcome and the next poll time on the source. It returns the
// failure also recorded on the source; per-item failures are counted, logged
// and do not fail the poll.
//
// Requests for the feed carry the source's fetch policy (SourcePolicy),
// replacing any the caller's ctx carries.
func (p *Pipeline) Poll(ctx context.Context, src archive.Source) PollResult {
	ctx = fetch.WithPolicy(ctx, p.SourcePolicy(&src))
	now := p.opts.Now()
	res := PollResult{Source: src}
	interval := src.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	fail := func(err error, retryAfter time.Duration) PollResult {
		src.LastPolledAt = now
		src.LastStatus = archive.PollError
		src.LastError = err.Error() + BlockedHint(err, src.ID)
		src.ErrorCount++
		src.NextPollAt = nextPoll(now, interval, src, retryAfter)
		if uerr := p.store.UpdateSource(ctx, &src); uerr != nil {
			p.log.Error("record poll failure", "feed", src.FeedURL, "err", uerr)
		}
		p.log.Warn("poll failed", "feed", src.FeedURL, "err", err, "errors", src.ErrorCount, "next", src.NextPollAt)
		res.Source, res.Err = src, fmt.Errorf("poll %s: %w", src.FeedURL, err)
		return res
	}

	resp, err := p.fetcher.Get(ctx, fetch.Request{
		URL: src.FeedURL, ETag: src.ETag, LastModified: src.LastModified,
		Accept: feedAccept,
	})
	if err != nil {
		if ctx.Err() != nil {
			res.Err = err
			return res
		}
		p.failedCapture(ctx, src.FeedURL, nil, err)
		return fail(err, 0)
	}
	if resp.NotModified() {
		src.LastPolledAt, src.LastStatus, src.LastError, src.ErrorCount = now, archive.PollNotModified, "", 0
		src.NextPollAt = nextPoll(now, interval, src, resp.RetryAfter)
		if err := p.store.UpdateSource(ctx, &src); err != nil {
			res.Err = err
		}
		res.Source, res.NotModified = src, true
		return res
	}
	if !resp.OK() {
		err := fmt.Errorf("%w %d", ErrHTTPStatus, resp.Status)
		p.failedCapture(ctx, src.FeedURL, resp, err)
		return fail(err, resp.RetryAfter)
	}
	maxItems := p.opts.MaxItems
	if src.MaxItems > 0 {
		maxItems = src.MaxItems
	}
	parsed, err := feed.Parse(resp.Body, resp.ContentType, feed.ParseOptions{Location: src.Location(), BaseURL: resp.FinalURL, MaxItems: maxItems})
	if err != nil {
		p.failedCapture(ctx, src.FeedURL, resp, err)
		return fail(err, 0)
	}
	capt, err := p.capture(ctx, resp)
	if err != nil {
		return fail(fmt.Errorf("store capture: %w", err), 0)
	}
	capID, err := p.store.SaveCapture(ctx, capt)
	if err != nil {
		return fail(fmt.Errorf("store capture: %w", err), 0)
	}

	res.Items = len(parsed.Items)
	res.Skipped = parsed.SkippedItems
	if res.Skipped > 0 {
		p.log.Warn("items over the per-poll cap skipped", "feed", src.FeedURL, "kept", res.Items, "skipped", res.Skipped, "max_items", maxItems)
	}
	seen := make(map[string]bool, len(parsed.Items))
	listed := make([]string, 0, len(parsed.Items))
	for _, it := range parsed.Items {
		if ctx.Err() != nil {
			break
		}
		// One poll adds at most one version to an article, however often
		// the feed lists it.
		if _, key, err := itemIdentity(&src, it); err == nil {
			if seen[key] {
				res.Repeats++
				continue
			}
			seen[key] = true
		}
		out, err := p.ArchiveItem(ctx, &src, it, capID)
		switch {
		case err != nil:
			res.ItemErrors++
			if len(res.ItemFailures) < maxItemFailures {
				res.ItemFailures = append(res.ItemFailures, clip(err.Error(), 300))
			}
			p.log.Warn("item not archived", "feed", src.FeedURL, "item", it.URL, "err", err)
		default:
			listed = append(listed, out.URL)
			if out.NewArticle {
				res.NewArticles++
			}
			if out.NewVersion {
				res.NewVersions++
			}
		}
	}

	if ctx.Err() == nil && res.ItemErrors == 0 && res.Skipped == 0 {
		// An item gone from the feed while older ones stay was likely
		// taken down: its check becomes urgent. (Not when items were
		// left out over the cap: those are not gone.)
		if urgent, err := p.store.FeedListing(ctx, src.ID, listed, now); err != nil {
			p.log.Warn("record feed listing", "feed", src.FeedURL, "err", err)
		} else if len(urgent) > 0 {
			res.Dropped = len(urgent)
			p.log.Info("items dropped from the feed: checking them now", "feed", src.FeedURL, "articles", urgent)
		}
	}
	if src.Title == "" {
		src.Title = clip(parsed.Title, MaxTitleRunes)
	}
	if src.SiteURL == "" && len(parsed.SiteURL) <= MaxURLBytes {
		src.SiteURL = parsed.SiteURL
	}
	src.LastItemsFailed, src.LastItemErrors, src.LastItemsSkipped = res.ItemErrors, res.ItemFailures, res.Skipped
	src.ETag = resp.Header.Get("ETag")
	src.LastModified = resp.Header.Get("Last-Modified")
	src.LastPolledAt, src.LastStatus, src.LastError, src.ErrorCount = now, archive.PollOK, "", 0
	src.NextPollAt = nextPoll(now, interval, src, resp.RetryAfter)
	if err := p.store.UpdateSource(ctx, &src); err != nil {
		res.Err = err
	}
	res.Source = src
	p.log.Info("polled", "feed", src.FeedURL, "items", res.Items, "new_articles", res.NewArticles, "new_versions", res.NewVersions,
		"item_errors", res.ItemErrors, "skipped", res.Skipped, "repeats", res.Repeats)
	return res
}

// nextPoll schedules the next poll of src, spreading feeds with the same
// interval apart (a stable per-feed jitter of up to 10%) so they do not all
// come due at once.
func nextPoll(now time.Time, interval time.Duration, src archive.Source, retryAfter time.Duration) time.Time {
	at := feed.NextPoll(now, interval, src.ErrorCount, retryAfter)
	return now.Add(feed.Jitter(at.Sub(now), src.FeedURL))
}

// PollDue polls every feed whose time has come, several at once, and calls
// report (if not nil) after each.
func (p *Pipeline) PollDue(ctx context.Context, report func(PollResult)) ([]PollResult, error) {
	due, err := p.store.DueSources(ctx, p.opts.Now())
	if err != nil {
		return nil, err
	}
	results := make([]PollResult, len(due))
	var wg sync.WaitGroup
	var mu sync.Mutex
	sem := make(chan struct{}, p.opts.PollWorkers)
	for i, src := range due {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = p.Poll(ctx, src)
			if report != nil {
				mu.Lock()
				report(results[i])
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return results, ctx.Err()
}

// minFullRunes is how long (in characters, a CJK character counting one) a
// feed item's content must be for auto mode to take it as the full article.
const minFullRunes = 400

// ArchiveItem archives one feed item under src, using the feed's content or
// the item's page as the source's mode says.
func (p *Pipeline) ArchiveItem(ctx context.Context, src *archive.Source, it feed.Item, feedCaptureID int64) (Outcome, error) {
	link, canon, err := itemIdentity(src, it)
	if err != nil {
		return Outcome{}, err
	}
	// An item without a link is archived from the feed's content, under
	// an identity of its own (see itemIdentity); relative URLs in it
	// resolve against the feed's site.
	base, rawURL := link, link
	if link == "" {
		base, rawURL = src.SiteURL, canon
		if base == "" {
			base = src.FeedURL
		}
	}
	fromFeed := archive.Version{
		Title: strings.TrimSpace(it.Title), Author: it.Author, Published: it.Published, Updated: it.Updated, Image: it.Image,
	}
	body := it.Content
	if strings.TrimSpace(content.Text(body)) == "" {
		body = it.Summary
	}
	feedArt := p.sanitizer.Article(body, base)
	fromFeed.HTML, fromFeed.Sanitizer = feedArt.HTML(), content.SanitizerVersion
	fromFeed.Text = feedArt.Text()
	// The feed's version, saved with its parsed tree.
	feedWrite := versionWrite{src: src, rawURL: rawURL, canon: canon, v: fromFeed, art: feedArt,
		base: base, captureID: feedCaptureID, images: !p.opts.SkipImages}

	mode := src.Mode
	if mode == "" {
		mode = archive.ModeAuto
	}
	useFeed := link == "" || mode == archive.ModeFeed || (mode == archive.ModeAuto && looksComplete(fromFeed.Text, it.Summary))
	if useFeed {
		if strings.TrimSpace(fromFeed.Text) == "" && fromFeed.Title == "" {
			return Outcome{URL: canon}, fmt.Errorf("item %s: no title and no content", rawURL)
		}
		return p.saveVersion(ctx, feedWrite)
	}

	// Page mode: an article already archived is re-fetched only when the
	// feed says it was updated since we last saw it; watching for silent
	// edits is a separate job.
	if prev, err := p.store.ArticleByURL(ctx, canon); err == nil {
		if it.Updated.IsZero() || !it.Updated.After(prev.LastSeenAt) {
			return Outcome{URL: canon, ArticleID: prev.ID, VersionID: prev.VersionID}, nil
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return Outcome{URL: canon}, err
	}
	page, err := p.fetchPage(ctx, link, src.Render)
	if err != nil {
		if mode == archive.ModeAuto && strings.TrimSpace(fromFeed.Text) != "" {
			p.log.Info("page fetch failed, keeping the feed's content", "url", link, "err", err)
			return p.saveVersion(ctx, feedWrite)
		}
		return Outcome{URL: canon}, fmt.Errorf("item %s: %w", link, err)
	}
	if mode == archive.ModeAuto && utf8.RuneCountInString(page.result.Text) < utf8.RuneCountInString(fromFeed.Text) {
		// The feed had more than the page gave us (a teaser page, a
		// paywall): keep the feed's version, the page stays as a capture.
		if c, err := p.capture(ctx, page.resp); err == nil {
			c.Error = "page shorter than feed content"
			p.store.SaveCapture(ctx, c)
		}
		return p.saveVersion(ctx, feedWrite)
	}
	return p.savePage(ctx, src, link, canon, page, &fromFeed)
}

// looksComplete guesses whether feed content is the whole article rather
// than a teaser: long enough, longer than the summary, and not ending in a
// "read more" marker.
func looksComplete(text, summary string) bool {
	t := strings.TrimSpace(text)
	n := utf8.RuneCountInString(t)
	if n < minFullRunes {
		return false
	}
	if s := strings.TrimSpace(content.Text(summary)); s != "" && utf8.RuneCountInString(s) >= n && n < 2*minFullRunes {
		return false
	}
	for _, tail := range []string{"…", "...", "阅读全文", "閱讀全文", "全文>>", "Read more", "Continue reading", "[…]", "[...]"} {
		if strings.HasSuffix(t, tail) {
			return false
		}
	}
	return true
}

// BlockedHint is what to add to a refusal by the SSRF guard so the operator
// knows which settings help when the address is their own network: the
// feed's allowance (stored with it), then polling it now. It is "" for any
// other error. id is the source, 0 for one not yet added.
func BlockedHint(err error, id int64) string {
	var addr string
	if !errors.Is(err, fetch.ErrBlockedAddress) {
		return ""
	}
	if _, after, ok := strings.Cut(err.Error(), fetch.ErrBlockedAddress.Error()+" "); ok {
		if f := strings.Fields(after); len(f) > 0 {
			addr = f[0]
		}
	}
	cidr := "CIDR"
	if a, perr := netip.ParseAddr(addr); perr == nil {
		cidr = netip.PrefixFrom(a, a.BitLen()).String()
	}
	if id == 0 {
		return fmt.Sprintf(" (if this feed is on your own network, add it with --allow-net %s, or --allow-private)", cidr)
	}
	return fmt.Sprintf(" (if this feed is on your own network: newsvault feeds edit %d --allow-net %s (or --allow-private), then newsvault poll --now %d)", id, cidr, id)
}
