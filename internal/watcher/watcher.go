// Package watcher re-checks archived articles: it picks the checks that
// are due from the store's schedule, fetches each article again through
// the one guarded fetch client (conditionally, with the last capture's
// validators), extracts it, lets package watch judge the answer and move
// the article's status, and stores the capture, the check, the new state,
// any new version and the announced events in one store transaction. A
// check that was not recorded (the process was killed, the context ended)
// stays due and runs again; a recorded one is never repeated.
//
// Feed polls keep priority over checks on a shared host: at most
// Options.PerHost checks run against one host at a time, fewer than the
// fetch client's per-host connections, so a feed poll always finds a free
// slot.
package watcher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/diff"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/watch"
)

// Store is what the watcher reads and writes.
type Store interface {
	DueChecks(ctx context.Context, now time.Time, limit int) ([]store.Watch, error)
	WatchOf(ctx context.Context, articleID int64) (store.Watch, error)
	ScheduleCheck(ctx context.Context, articleID int64, at time.Time) error
	RecordCheck(ctx context.Context, w *store.CheckWrite) (store.CheckResult, error)
	Article(ctx context.Context, id int64) (archive.Article, error)
	Source(ctx context.Context, id int64) (archive.Source, error)
	Capture(ctx context.Context, id int64) (archive.Capture, error)
}

// Blobs keeps response bodies. A check's body is made durable (SyncTo)
// before its check is recorded, so concurrent checks share one flush.
type Blobs interface {
	PutDeferred(ctx context.Context, data []byte) (hash string, seq uint64, err error)
	SyncTo(seq uint64) error
}

// Fetcher performs the requests: the one guarded *fetch.Client.
type Fetcher interface {
	Get(ctx context.Context, req fetch.Request) (*fetch.Response, error)
}

// Extractor finds the article in a page.
type Extractor interface {
	Extract(ctx context.Context, p extract.Page) (*extract.Result, error)
}

// Versioner turns a re-fetched page into a version of its article as the
// pipeline would (sanitised, images stored). *pipeline.Pipeline is one.
type Versioner interface {
	NewRecheck(src *archive.Source, articleURL string, resp *fetch.Response, res *extract.Result) *pipeline.Recheck
	RecheckWrite(ctx context.Context, r *pipeline.Recheck) *store.ArticleWrite
}

// Options tune a Watcher.
type Options struct {
	// Policy holds the default ladder (for articles whose source set
	// none) and the confirmation and retry rules; zero: watch.DefaultPolicy.
	Policy *watch.Policy
	// Now is the clock; tests control it. Default: time.Now in UTC.
	Now func() time.Time
	// Workers is how many checks run at once; default 4.
	Workers int
	// PerHost is how many checks may run against one host at once;
	// default 1. Keep it below the fetch client's per-host connections so
	// that feed polls are never queued behind checks.
	PerHost int
	// Batch is how many due checks one round picks; default 500.
	Batch int
	// Network, when set, gives the fetch policy of an article's re-check
	// (fetch.WithPolicy): the network allowance its source or the operator
	// gave, for its own host only. Nil: the client's defaults, which
	// refuse every private address.
	Network func(a archive.Article, src *archive.Source) fetch.Policy
	Logger  *slog.Logger
}

// Watcher runs checks. It is safe for concurrent use.
type Watcher struct {
	st      Store
	blobs   Blobs
	fetcher Fetcher
	x       Extractor
	ver     Versioner
	policy  watch.Policy
	opts    Options
	log     *slog.Logger
	slots   *hostSlots
	stats   *Stats

	ladderMu sync.Mutex
	ladders  map[string]watch.Ladder
}

// New returns a Watcher over the given parts.
func New(st Store, blobs Blobs, f Fetcher, x Extractor, v Versioner, opts Options) *Watcher {
	p := watch.DefaultPolicy()
	if opts.Policy != nil {
		p = *opts.Policy
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Now().UTC() }
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.PerHost <= 0 {
		opts.PerHost = 1
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Watcher{st: st, blobs: blobs, fetcher: f, x: x, ver: v, policy: p, opts: opts, log: log,
		slots: newHostSlots(opts.PerHost), stats: newStats(), ladders: map[string]watch.Ladder{}}
}

// Stats returns the watcher's counters (checks done by outcome).
func (w *Watcher) Stats() *Stats { return w.stats }

// Result is what one check did.
type Result struct {
	ArticleID int64
	URL       string
	Outcome   watch.Outcome
	Status    watch.Status
	Reason    string
	Events    []watch.EventKind
	CheckID   int64
	CaptureID int64
	VersionID int64 // a new version, 0 if none
	Next      time.Time
	Err       error // the check could not be recorded
}

// Summary counts what a round did.
type Summary struct {
	Checked  int
	Failed   int // checks that could not be recorded
	Outcomes map[watch.Outcome]int
	Events   map[watch.EventKind]int
	Results  []Result
}

func (s *Summary) add(r Result) {
	s.Results = append(s.Results, r)
	if r.Err != nil {
		s.Failed++
		return
	}
	s.Checked++
	s.Outcomes[r.Outcome]++
	for _, e := range r.Events {
		s.Events[e]++
	}
}

// RunDue runs every check due now (up to Options.Batch of them), several
// at once, and returns what they found. When ctx ends it stops starting
// checks; checks not recorded stay due.
func (w *Watcher) RunDue(ctx context.Context) (Summary, error) {
	sum := Summary{Outcomes: map[watch.Outcome]int{}, Events: map[watch.EventKind]int{}}
	due, err := w.st.DueChecks(ctx, w.opts.Now(), w.opts.Batch)
	if err != nil {
		return sum, err
	}
	results := make(chan Result)
	work := make(chan store.Watch)
	var wg sync.WaitGroup
	for range min(w.opts.Workers, max(len(due), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ws := range work {
				results <- w.check(ctx, ws)
			}
		}()
	}
	go func() {
		defer close(work)
		for _, ws := range due {
			select {
			case work <- ws:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	for r := range results {
		if r.Err != nil && ctx.Err() != nil {
			continue // cut short: it stays due
		}
		sum.add(r)
	}
	return sum, ctx.Err()
}

// CheckNow checks one article now, whatever its schedule, and records the
// check. An article that is not watched yet is watched from now on with
// its ladder off (only asked-for and urgent checks).
func (w *Watcher) CheckNow(ctx context.Context, articleID int64) (Result, error) {
	if err := w.st.ScheduleCheck(ctx, articleID, w.opts.Now()); err != nil {
		return Result{}, err
	}
	ws, err := w.st.WatchOf(ctx, articleID)
	if err != nil {
		return Result{}, err
	}
	r := w.check(ctx, ws)
	return r, r.Err
}

// Run runs due checks every tick until ctx ends: serve's background job.
func (w *Watcher) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		for {
			sum, err := w.RunDue(ctx)
			if err != nil && ctx.Err() == nil {
				w.log.Error("watch round", "err", err)
			}
			if sum.Checked+sum.Failed > 0 {
				w.log.Info("watch round", "checked", sum.Checked, "failed", sum.Failed, "removed", sum.Events[watch.EventRemoved], "edited", sum.Events[watch.EventEdited])
			}
			// A full batch means more are due: go on without waiting.
			if ctx.Err() != nil || sum.Checked+sum.Failed < w.opts.Batch || sum.Failed > 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ladder returns the policy for an article's ladder setting.
func (w *Watcher) policyFor(spec string) watch.Policy {
	p := w.policy
	if spec == "" || spec == "default" {
		return p
	}
	w.ladderMu.Lock()
	defer w.ladderMu.Unlock()
	l, ok := w.ladders[spec]
	if !ok {
		var err error
		if l, err = watch.ParseLadder(spec); err != nil {
			w.log.Warn("bad watch ladder, using the default", "ladder", spec, "err", err)
			l = p.Ladder
		}
		w.ladders[spec] = l
	}
	p.Ladder = l
	return p
}

// check runs one check of ws and records it.
func (w *Watcher) check(ctx context.Context, ws store.Watch) (res Result) {
	res = Result{ArticleID: ws.ArticleID, URL: ws.URL}
	defer func() {
		if res.Err != nil {
			res.Err = fmt.Errorf("check article %d (%s): %w", ws.ArticleID, ws.URL, res.Err)
			if ctx.Err() == nil {
				w.stats.failed()
			}
		} else {
			w.stats.done(res.Outcome)
		}
	}()
	a, err := w.st.Article(ctx, ws.ArticleID)
	if err != nil {
		res.Err = err
		return res
	}
	var src *archive.Source
	if a.SourceID != 0 {
		if s, err := w.st.Source(ctx, a.SourceID); err == nil {
			src = &s
		}
	}
	release, err := w.slots.acquire(ctx, hostOf(a.URL))
	if err != nil {
		res.Err = err
		return res
	}
	now := w.opts.Now()
	req := fetch.Request{URL: a.URL, Accept: "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"}
	// The last capture that showed the article alive (before the first
	// check, the one its version was taken from) gives the conditional
	// GET and the body an unchanged page answers with.
	var alive archive.Capture
	if aliveID := cmp.Or(ws.LastAlive.CaptureID, a.CaptureID); ws.Status == string(watch.StatusAlive) && ws.Pending == nil && aliveID > 0 {
		if c, err := w.st.Capture(ctx, aliveID); err == nil && c.Status == 200 {
			alive = c
			req.ETag, req.LastModified = first(c.Header["Etag"]), first(c.Header["Last-Modified"])
		}
	}
	fctx := ctx
	if w.opts.Network != nil {
		fctx = fetch.WithPolicy(ctx, w.opts.Network(a, src))
	}
	resp, ferr := w.fetcher.Get(fctx, req)
	release()
	if ferr != nil && ctx.Err() != nil {
		res.Err = ferr
		return res
	}

	c := watch.Check{URL: a.URL}
	if src != nil {
		c.Home = src.SiteURL
	}
	cw := &store.CheckWrite{ArticleID: ws.ArticleID, PrevChecks: ws.Checks}
	var recheck *pipeline.Recheck
	if ferr != nil {
		c.Err = errorKind(fetch.FailureOf(ferr))
		cw.Check.ErrorKind = string(c.Err)
	} else {
		hash, seq, err := w.blobs.PutDeferred(ctx, resp.Body)
		if err == nil {
			err = w.blobs.SyncTo(seq)
		}
		if err != nil {
			res.Err = fmt.Errorf("store body: %w", err)
			return res
		}
		cw.Capture = captureOf(resp, hash, now)
		c.Status, c.FinalURL, c.ContentType, c.Body = resp.Status, resp.FinalURL, resp.ContentType, resp.Body
		for _, h := range resp.Redirects[min(1, len(resp.Redirects)):] {
			c.Redirects = append(c.Redirects, h.URL)
		}
		if len(resp.Redirects) > 0 {
			c.Redirects = append(c.Redirects, resp.FinalURL)
		}
		c.SameBody = alive.BodyHash != "" && hash == alive.BodyHash && resp.FinalURL == alive.FinalURL
		if resp.OK() && !c.SameBody {
			recheck, c.Article, c.PageKind, c.PageReason = w.extract(ctx, src, a.URL, resp)
		}
	}
	prev := diff.FromArchive(&archive.Version{Title: a.Title, Author: a.Author, Published: a.Published, Updated: a.Updated, HTML: a.HTML, Text: a.Text})
	v := watch.Classify(c, prev)
	mark := watch.Mark{At: now}
	if cw.Capture != nil {
		mark.CaptureID = store.ThisCapture
	}
	tr := watch.Step(w.policyFor(ws.Ladder), stateOf(ws), v, mark)
	if v.Outcome == watch.OutcomeEdited && recheck != nil {
		cw.Version = w.ver.RecheckWrite(ctx, recheck)
		cw.Version.SeenAt = now
	}
	cw.Check.At, cw.Check.Outcome, cw.Check.Reason = now, string(tr.Outcome), v.Reason
	if v.Notice != nil {
		cw.Check.Notice = store.Notice{Platform: v.Notice.Platform, By: string(v.Notice.By), Text: v.Notice.Text}
	}
	cw.Watch = watchOf(ws, tr)
	for _, e := range tr.Events {
		ev := store.WatchEvent{Kind: string(e.Kind), At: e.At, Reason: e.Verdict.Reason,
			Alive: store.Mark(e.Alive), Evidence: store.Mark(e.Evidence)}
		if n := e.Verdict.Notice; n != nil {
			ev.Notice = store.Notice{Platform: n.Platform, By: string(n.By), Text: n.Text}
		}
		cw.Events = append(cw.Events, ev)
		res.Events = append(res.Events, e.Kind)
	}
	sr, err := w.st.RecordCheck(ctx, cw)
	if err != nil {
		res.Err = err
		return res
	}
	res.Outcome, res.Status, res.Reason, res.Next = tr.Outcome, tr.State.Status, v.Reason, tr.Next
	res.CheckID, res.CaptureID = sr.CheckID, sr.CaptureID
	if sr.NewVersion {
		res.VersionID = sr.VersionID
	}
	w.log.Debug("checked", "article", ws.ArticleID, "url", a.URL, "outcome", tr.Outcome, "status", tr.State.Status, "reason", v.Reason)
	return res
}

// extract runs extraction on a 2xx answer and returns the article it
// shows (nil when none) or its verdict on the page.
func (w *Watcher) extract(ctx context.Context, src *archive.Source, articleURL string, resp *fetch.Response) (*pipeline.Recheck, *diff.Version, string, string) {
	res, err := w.x.Extract(ctx, extract.Page{URL: resp.FinalURL, ContentType: resp.ContentType, Body: resp.Body, Location: src.Location()})
	var na *extract.NotArticleError
	switch {
	case errors.As(err, &na):
		return nil, nil, na.Kind, na.Reason
	case err != nil:
		return nil, nil, extract.KindOther, err.Error()
	}
	rc := w.ver.NewRecheck(src, articleURL, resp, res)
	v := diff.FromArchive(&rc.Version)
	return rc, &v, extract.KindArticle, ""
}

func captureOf(resp *fetch.Response, hash string, now time.Time) *archive.Capture {
	c := &archive.Capture{URL: resp.URL, FinalURL: resp.FinalURL, Status: resp.Status, ContentType: resp.ContentType,
		FetchedAt: now, BodyHash: hash, Size: int64(len(resp.Body)), RemoteAddr: resp.RemoteAddr,
		Header: map[string][]string{}}
	for k, v := range resp.Header {
		if k == "Set-Cookie" {
			continue
		}
		c.Header[k] = append([]string(nil), v...)
	}
	for _, h := range resp.Redirects {
		c.Redirects = append(c.Redirects, archive.Redirect{URL: h.URL, Status: h.Status, Location: h.Location})
	}
	return c
}

// errorKind maps the fetch layer's failures to watch's.
func errorKind(f fetch.Failure) watch.ErrorKind {
	switch f {
	case fetch.FailNone:
		return watch.ErrNone
	case fetch.FailDNS:
		return watch.ErrDNS
	case fetch.FailTimeout:
		return watch.ErrTimeout
	case fetch.FailReset:
		return watch.ErrReset
	case fetch.FailTLS:
		return watch.ErrTLS
	case fetch.FailTooLarge:
		return watch.ErrTooLarge
	case fetch.FailRedirectLoop:
		return watch.ErrRedirectLoop
	case fetch.FailBlocked:
		return watch.ErrBlocked
	}
	return watch.ErrOther
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.ToLower(u.Hostname())
}

// stateOf reads a stored watch row as watch's State.
func stateOf(ws store.Watch) watch.State {
	s := watch.State{Status: watch.Status(ws.Status), Since: ws.Since, FirstSeen: ws.FirstSeen,
		LastAlive: watch.Mark(ws.LastAlive), Failures: ws.Failures, FailingSince: ws.FailingSince, Edits: ws.Edits}
	if ws.Pending != nil {
		m := watch.Mark(*ws.Pending)
		s.Pending = &m
	}
	if ws.Removal != nil {
		m := watch.Mark(*ws.Removal)
		s.Removal = &m
	}
	return s
}

// watchOf is the row to store after a transition.
func watchOf(ws store.Watch, tr watch.Transition) store.Watch {
	s := tr.State
	out := ws
	out.Status, out.Since, out.NextCheck = string(s.Status), s.Since, tr.Next
	out.LastAlive, out.Failures, out.FailingSince, out.Edits = store.Mark(s.LastAlive), s.Failures, s.FailingSince, s.Edits
	out.Pending, out.Removal = nil, nil
	if s.Pending != nil {
		m := store.Mark(*s.Pending)
		out.Pending = &m
	}
	if s.Removal != nil {
		m := store.Mark(*s.Removal)
		out.Removal = &m
	}
	return out
}
