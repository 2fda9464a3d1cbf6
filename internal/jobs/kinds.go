package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/watcher"
)

// Work is what the queue's jobs do; the command that starts workers wires
// it from its store, pipeline, watcher and publisher.
type Work struct {
	Archiver Archiver
	Feeds    Feeds
	Poller   Poller
	Checks   Checks
	Checker  Checker
	// Publish runs every publish target once; nil when none is set up.
	Publish func(ctx context.Context) error
	// CheckBatch is the most re-checks one scheduler round enqueues;
	// default 1000.
	CheckBatch int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Feeds finds feeds to poll. *sqlite.Store is one.
type Feeds interface {
	DueSources(ctx context.Context, now time.Time) ([]archive.Source, error)
	Source(ctx context.Context, id int64) (archive.Source, error)
}

// Poller polls one feed and records the poll. *pipeline.Pipeline is one.
type Poller interface {
	Poll(ctx context.Context, src archive.Source) pipeline.PollResult
}

// Checks finds re-checks that are due. *sqlite.Store is one.
type Checks interface {
	DueChecks(ctx context.Context, now time.Time, limit int) ([]store.Watch, error)
	WatchOf(ctx context.Context, articleID int64) (store.Watch, error)
}

// Checker re-checks one article and records it. *watcher.Watcher is one.
type Checker interface {
	CheckNow(ctx context.Context, articleID int64) (watcher.Result, error)
}

func (w *Work) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// uniqueWhileLive makes a job unique among the jobs not finished yet: one
// archive of a URL, one poll of a feed, one re-check of an article at a
// time; once it is done the same work may be asked for again.
var uniqueWhileLive = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}}

// ArchiveArgs asks for one URL to be archived: a person's request.
type ArchiveArgs struct {
	URL    string             `json:"url" river:"unique"`
	Render archive.RenderMode `json:"render,omitempty"`
	// Policy is what the request may reach, decided by whoever made it.
	Policy fetch.Policy `json:"policy"`
}

func (ArchiveArgs) Kind() string { return "archive_url" }

func (ArchiveArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueArchive, Priority: priorityUser, MaxAttempts: 3, UniqueOpts: uniqueWhileLive}
}

// PollArgs asks for one feed to be polled.
type PollArgs struct {
	SourceID int64 `json:"source_id" river:"unique"`
}

func (PollArgs) Kind() string { return "poll_feed" }

func (PollArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFeeds, Priority: priorityPoll, MaxAttempts: 5, UniqueOpts: uniqueWhileLive}
}

// RecheckArgs asks for one article to be re-checked.
type RecheckArgs struct {
	ArticleID int64 `json:"article_id" river:"unique"`
}

func (RecheckArgs) Kind() string { return "recheck_article" }

func (RecheckArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueFeeds, Priority: priorityRecheck, MaxAttempts: 5, UniqueOpts: uniqueWhileLive}
}

// PublishArgs asks for the publish targets to be brought up to date.
type PublishArgs struct{}

func (PublishArgs) Kind() string { return "publish" }

func (PublishArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePublish, Priority: priorityPublish, MaxAttempts: 3, UniqueOpts: uniqueWhileLive}
}

// ScheduleArgs is the scheduler's round: due feeds and re-checks become
// jobs. Only the queue's elected leader inserts it, every tick.
type ScheduleArgs struct{}

func (ScheduleArgs) Kind() string { return "schedule" }

func (ScheduleArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePublish, Priority: 1, MaxAttempts: 1, UniqueOpts: uniqueWhileLive}
}

// ArchiveResult is what an archive job recorded as its output.
type ArchiveResult struct {
	ArticleID  int64 `json:"article_id"`
	NewArticle bool  `json:"new_article"`
	NewVersion bool  `json:"new_version"`
	Images     int   `json:"images"`
}

// workers registers a River worker for every kind this Work can do.
func (w *Work) workers(q *Queue, opts QueueOptions) *river.Workers {
	ws := river.NewWorkers()
	limit := opts.Lease * 4 / 5
	if w.Archiver != nil {
		river.AddWorker(ws, &worker[ArchiveArgs]{timeout: limit, run: w.archive})
	}
	if w.Feeds != nil && w.Poller != nil {
		river.AddWorker(ws, &worker[PollArgs]{timeout: limit, run: w.poll})
	}
	if w.Checks != nil && w.Checker != nil {
		river.AddWorker(ws, &worker[RecheckArgs]{timeout: limit, run: w.recheck})
	}
	if w.Publish != nil {
		river.AddWorker(ws, &worker[PublishArgs]{timeout: limit, run: func(ctx context.Context, _ *river.Job[PublishArgs]) error {
			return w.Publish(ctx)
		}})
	}
	river.AddWorker(ws, &worker[ScheduleArgs]{timeout: limit, run: func(ctx context.Context, _ *river.Job[ScheduleArgs]) error {
		return w.schedule(ctx, q)
	}})
	return ws
}

// worker runs jobs of one kind with run, each within timeout.
type worker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	timeout time.Duration
	run     func(ctx context.Context, job *river.Job[T]) error
}

func (w *worker[T]) Timeout(*river.Job[T]) time.Duration { return w.timeout }

func (w *worker[T]) Work(ctx context.Context, job *river.Job[T]) error { return w.run(ctx, job) }

// periodic is the leader's timetable: a scheduler round every tick and a
// publish run every PublishEvery.
func (w *Work) periodic(opts QueueOptions) []*river.PeriodicJob {
	pj := []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(opts.Tick),
		func() (river.JobArgs, *river.InsertOpts) { return ScheduleArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "schedule"})}
	if w.Publish != nil {
		pj = append(pj, river.NewPeriodicJob(river.PeriodicInterval(opts.PublishEvery),
			func() (river.JobArgs, *river.InsertOpts) { return PublishArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: "publish"}))
	}
	return pj
}

// archive archives one URL under the policy it was asked with.
func (w *Work) archive(ctx context.Context, job *river.Job[ArchiveArgs]) error {
	ctx = fetch.WithPolicy(ctx, job.Args.Policy)
	var out pipeline.Outcome
	var err error
	if ra, ok := w.Archiver.(renderArchiver); ok && job.Args.Render != "" {
		out, err = ra.ArchiveURLRender(ctx, job.Args.URL, nil, job.Args.Render)
	} else {
		out, err = w.Archiver.ArchiveURL(ctx, job.Args.URL, nil)
	}
	if err != nil {
		if permanent(err) {
			return river.JobCancel(err)
		}
		return err
	}
	return river.RecordOutput(ctx, ArchiveResult{ArticleID: out.ArticleID, NewArticle: out.NewArticle,
		NewVersion: out.NewVersion, Images: out.Images})
}

// permanent reports whether trying again cannot help.
func permanent(err error) bool {
	for _, e := range []error{fetch.ErrBadURL, fetch.ErrBadScheme, fetch.ErrBlockedAddress, fetch.ErrDomainNotAllowed, fetch.ErrTooLarge} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// poll polls the feed unless someone polled it since the job was made
// (its next poll is then in the future). A failed fetch is the feed's
// business (it backs off on its own schedule), not the job's.
func (w *Work) poll(ctx context.Context, job *river.Job[PollArgs]) error {
	src, err := w.Feeds.Source(ctx, job.Args.SourceID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return river.JobCancel(fmt.Errorf("feed %d is gone: %w", job.Args.SourceID, err))
		}
		return err
	}
	if src.NextPollAt.After(w.now()) && job.Attempt == 1 {
		return nil
	}
	res := w.Poller.Poll(ctx, src)
	if res.Err != nil && ctx.Err() != nil {
		return res.Err // cut short: run again
	}
	return nil
}

// recheck re-checks the article unless it is no longer due.
func (w *Work) recheck(ctx context.Context, job *river.Job[RecheckArgs]) error {
	ws, err := w.Checks.WatchOf(ctx, job.Args.ArticleID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return river.JobCancel(err)
		}
		return err
	}
	if ws.NextCheck.IsZero() || ws.NextCheck.After(w.now()) {
		return nil
	}
	_, err = w.Checker.CheckNow(ctx, job.Args.ArticleID)
	return err
}

// schedule enqueues a poll for every due feed and a re-check for up to
// CheckBatch due articles. Uniqueness skips those already queued.
func (w *Work) schedule(ctx context.Context, q *Queue) error {
	now := w.now()
	var params []river.InsertManyParams
	if w.Feeds != nil && w.Poller != nil {
		due, err := w.Feeds.DueSources(ctx, now)
		if err != nil {
			return fmt.Errorf("due feeds: %w", err)
		}
		for _, src := range due {
			params = append(params, river.InsertManyParams{Args: PollArgs{SourceID: src.ID}})
		}
	}
	if w.Checks != nil && w.Checker != nil {
		batch := w.CheckBatch
		if batch <= 0 {
			batch = 1000
		}
		due, err := w.Checks.DueChecks(ctx, now, batch)
		if err != nil {
			return fmt.Errorf("due re-checks: %w", err)
		}
		for _, ws := range due {
			params = append(params, river.InsertManyParams{Args: RecheckArgs{ArticleID: ws.ArticleID}})
		}
	}
	if len(params) == 0 {
		return nil
	}
	if _, err := q.client.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("enqueue %d due jobs: %w", len(params), err)
	}
	return nil
}

// EnqueueArchive queues one archive job per URL and returns their IDs in
// order. A URL already queued or being archived is not queued twice: its
// ID is that job's.
func (q *Queue) EnqueueArchive(ctx context.Context, urls []string, pol fetch.Policy, mode archive.RenderMode) ([]int64, error) {
	params := make([]river.InsertManyParams, len(urls))
	for i, u := range urls {
		params[i] = river.InsertManyParams{Args: ArchiveArgs{URL: u, Render: mode, Policy: pol}}
	}
	res, err := q.client.InsertMany(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("enqueue %d URLs: %w", len(urls), err)
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		ids[i] = r.Job.ID
	}
	return ids, nil
}

// EnqueuePoll queues a poll of one feed (none if one is queued already).
func (q *Queue) EnqueuePoll(ctx context.Context, sourceID int64) error {
	_, err := q.client.Insert(ctx, PollArgs{SourceID: sourceID}, nil)
	return err
}

// ArchiveItems reports the state of archive jobs by ID, in order, with
// one query. A job no longer kept (finished more than a day ago) reads as
// failed with that reason.
func (q *Queue) ArchiveItems(ctx context.Context, ids []int64) ([]Item, error) {
	res, err := q.client.JobList(ctx, river.NewJobListParams().IDs(ids...).First(max(1, len(ids))))
	if err != nil {
		return nil, fmt.Errorf("read %d archive jobs: %w", len(ids), err)
	}
	byID := make(map[int64]*rivertype.JobRow, len(res.Jobs))
	for _, row := range res.Jobs {
		byID[row.ID] = row
	}
	items := make([]Item, len(ids))
	for i, id := range ids {
		if row, ok := byID[id]; ok {
			items[i] = itemOf(row)
		} else {
			items[i] = Item{State: Failed, Error: "job no longer kept"}
		}
	}
	return items, nil
}

func itemOf(row *rivertype.JobRow) Item {
	var args ArchiveArgs
	_ = json.Unmarshal(row.EncodedArgs, &args) // written by EnqueueArchive
	it := Item{URL: args.URL}
	switch row.State {
	case rivertype.JobStateRunning:
		it.State = Running
	case rivertype.JobStateCompleted:
		it.State = Done
		var out ArchiveResult
		if err := json.Unmarshal(row.Output(), &out); err == nil {
			it.ArticleID, it.NewArticle, it.NewVersion, it.Images = out.ArticleID, out.NewArticle, out.NewVersion, out.Images
		}
	case rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		it.State = Failed
	default:
		it.State = Queued
	}
	if n := len(row.Errors); n > 0 && it.State != Done {
		it.Error = row.Errors[n-1].Error
	}
	return it
}

// EnqueueRechecks queues a re-check of each article, due at at (now when
// zero), in batches; articles with a re-check already queued are skipped.
func (q *Queue) EnqueueRechecks(ctx context.Context, articleIDs []int64, at time.Time) error {
	const batch = 5000
	for start := 0; start < len(articleIDs); start += batch {
		ids := articleIDs[start:min(start+batch, len(articleIDs))]
		params := make([]river.InsertManyParams, len(ids))
		for i, id := range ids {
			params[i] = river.InsertManyParams{Args: RecheckArgs{ArticleID: id}, InsertOpts: &river.InsertOpts{ScheduledAt: at}}
		}
		if _, err := q.client.InsertMany(ctx, params); err != nil {
			return fmt.Errorf("enqueue %d re-checks: %w", len(ids), err)
		}
	}
	return nil
}
