// Package jobs owns background work. Runner takes archive jobs (lists of
// URLs that people submit through the web UI or the JSON API) and keeps a
// bounded history of them that can be polled; given a Durable queue it
// hands each URL to it, otherwise it archives them in memory on a bounded
// pool of workers. Queue is that persistent queue (River on PostgreSQL or
// SQLite): archive requests, feed polls, re-checks and publishing as jobs
// with retries, back-off, uniqueness, priorities and leases, worked by any
// number of processes, with a HostGate keeping per-host politeness across
// all of them.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
)

// Archiver archives one URL under a source (the manual pseudo-source when
// src is nil). *pipeline.Pipeline satisfies it.
type Archiver interface {
	ArchiveURL(ctx context.Context, url string, src *archive.Source) (pipeline.Outcome, error)
}

// renderArchiver is an Archiver that also takes the render mode asked for
// with the URLs; *pipeline.Pipeline is one.
type renderArchiver interface {
	ArchiveURLRender(ctx context.Context, url string, src *archive.Source, mode archive.RenderMode) (pipeline.Outcome, error)
}

// State is where an archive job is in its life.
type State string

// The states of a job and of each of its URLs.
const (
	Queued  State = "queued"
	Running State = "running"
	Done    State = "done"   // a job: at least one URL archived; a URL: archived
	Failed  State = "failed" // a job: no URL archived; a URL: see its Error
)

// Options tune the job runner. Zero values pick the defaults.
type Options struct {
	Workers int // jobs run at once; default 2
	Queue   int // jobs waiting to run before submissions are refused; default 100
	History int // finished jobs kept for polling; default 200
	MaxURLs int // URLs in one job; default 100
	// Durable, when set, takes the URLs of every job: they are archived by
	// whichever worker process takes them and survive restarts. The runner
	// then runs nothing itself and Workers is unused.
	Durable Durable
}

// Durable is a persistent queue of archive jobs. *Queue is one.
type Durable interface {
	EnqueueArchive(ctx context.Context, urls []string, pol fetch.Policy, mode archive.RenderMode) ([]int64, error)
	ArchiveItems(ctx context.Context, ids []int64) ([]Item, error)
}

// Job is a snapshot of one archive job. Jobs live in memory only: after a
// restart their IDs are unknown.
type Job struct {
	ID string
	// Render is the render mode asked for with the URLs; "" leaves it to
	// the source (auto).
	Render     archive.RenderMode
	State      State
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	Items      []Item

	policy fetch.Policy
	queued []int64 // the durable queue's job of each item
}

// Item is one URL of a job and what archiving it did.
type Item struct {
	URL        string
	State      State
	ArticleID  int64
	NewArticle bool
	NewVersion bool
	Images     int
	Error      string
}

// Errors Submit returns.
var (
	ErrOff      = errors.New("archiving is not available on this server")
	ErrBusy     = errors.New("too many archive jobs are waiting; try again later")
	ErrStopping = errors.New("the server is shutting down")
)

// Runner runs archive jobs on a bounded pool of workers and remembers a
// bounded history of them. It is safe for concurrent use.
type Runner struct {
	arch Archiver
	log  *slog.Logger
	opts Options

	ctx    context.Context // cancelled when shutdown's deadline passes
	cancel context.CancelFunc
	queue  chan *Job
	wg     sync.WaitGroup

	mu       sync.Mutex
	jobs     map[string]*Job
	finished []string // IDs of finished jobs, oldest first
	stopping bool
}

func New(arch Archiver, log *slog.Logger, opts Options) *Runner {
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.Queue <= 0 {
		opts.Queue = 100
	}
	if opts.History <= 0 {
		opts.History = 200
	}
	if opts.MaxURLs <= 0 {
		opts.MaxURLs = 100
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{arch: arch, log: log, opts: opts, ctx: ctx, cancel: cancel,
		queue: make(chan *Job, opts.Queue), jobs: make(map[string]*Job)}
	if arch != nil && opts.Durable == nil {
		for range opts.Workers {
			r.wg.Add(1)
			go r.work()
		}
	}
	return r
}

// Submit queues a job archiving urls and returns its first snapshot. Every
// request the job makes carries pol (fetch.WithPolicy): whoever submitted
// it decides what it may reach.
func (r *Runner) Submit(urls []string, pol fetch.Policy) (Job, error) {
	return r.SubmitRender(urls, pol, "")
}

// SubmitRender is Submit with a render mode for the job's URLs ("" is the
// source's).
func (r *Runner) SubmitRender(urls []string, pol fetch.Policy, mode archive.RenderMode) (Job, error) {
	if !r.Enabled() {
		return Job{}, ErrOff
	}
	if len(urls) == 0 || len(urls) > r.opts.MaxURLs {
		return Job{}, fmt.Errorf("a job archives 1 to %d URLs, not %d", r.opts.MaxURLs, len(urls))
	}
	j := &Job{ID: newJobID(), State: Queued, CreatedAt: time.Now().UTC(), policy: pol, Render: mode}
	for _, u := range urls {
		j.Items = append(j.Items, Item{URL: u, State: Queued})
	}
	if r.opts.Durable != nil {
		return r.submitDurable(j)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopping {
		return Job{}, ErrStopping
	}
	select {
	case r.queue <- j:
	default:
		return Job{}, ErrBusy
	}
	r.jobs[j.ID] = j
	return snapshot(j), nil
}

// Enabled reports whether the runner can archive: it was given an
// Archiver.
func (r *Runner) Enabled() bool { return r.arch != nil || r.opts.Durable != nil }

// MaxURLs is the most URLs one job may archive.
func (r *Runner) MaxURLs() int { return r.opts.MaxURLs }

// Get returns a snapshot of the job with the given ID.
func (r *Runner) Get(id string) (Job, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	j, ok := r.jobs[id]
	if !ok {
		return Job{}, false
	}
	r.refresh(j)
	return snapshot(j), true
}

// List returns snapshots of every job kept, newest first.
func (r *Runner) List() []Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Job, 0, len(r.jobs))
	for _, j := range r.jobs {
		r.refresh(j)
		out = append(out, snapshot(j))
	}
	sortJobs(out)
	return out
}

func (r *Runner) Counts() map[State]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[State]int)
	for _, j := range r.jobs {
		r.refresh(j)
		m[j.State]++
	}
	return m
}

// snapshot copies j for showing: URLs and errors are redacted
// (archive.Redact), since anyone holding a job's ID may see it.
func snapshot(j *Job) Job {
	c := *j
	c.Items = append([]Item(nil), j.Items...)
	for i := range c.Items {
		c.Items[i].URL, c.Items[i].Error = archive.Redact(c.Items[i].URL), archive.Redact(c.Items[i].Error)
	}
	return c
}

// sortJobs orders jobs newest first.
func sortJobs(js []Job) {
	slices.SortFunc(js, func(a, b Job) int { return b.CreatedAt.Compare(a.CreatedAt) })
}

func newJobID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

func (r *Runner) work() {
	defer r.wg.Done()
	for j := range r.queue {
		r.run(j)
	}
}

// run archives the URLs of one job in order.
func (r *Runner) run(j *Job) {
	r.mu.Lock()
	if r.stopping {
		for i := range j.Items {
			j.Items[i].State, j.Items[i].Error = Failed, ErrStopping.Error()+" before this job ran"
		}
		r.finish(j)
		r.mu.Unlock()
		return
	}
	j.State, j.StartedAt = Running, time.Now().UTC()
	r.mu.Unlock()

	for i := range j.Items {
		r.mu.Lock()
		j.Items[i].State = Running
		u := j.Items[i].URL
		r.mu.Unlock()

		ctx := fetch.WithPolicy(r.ctx, j.policy)
		var out pipeline.Outcome
		var err error
		if ra, ok := r.arch.(renderArchiver); ok && j.Render != "" {
			out, err = ra.ArchiveURLRender(ctx, u, nil, j.Render)
		} else {
			out, err = r.arch.ArchiveURL(ctx, u, nil)
		}

		r.mu.Lock()
		it := &j.Items[i]
		if err != nil {
			it.State, it.Error = Failed, err.Error()
			r.log.Warn("archive job", "job", j.ID, "url", u, "err", err)
		} else {
			it.State, it.ArticleID, it.NewArticle, it.NewVersion, it.Images = Done, out.ArticleID, out.NewArticle, out.NewVersion, out.Images
			r.log.Info("archived", "job", j.ID, "url", u, "article", out.ArticleID, "new_article", out.NewArticle, "new_version", out.NewVersion)
		}
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.finish(j)
	r.mu.Unlock()
}

// finish settles a job's state and trims the history. r.mu is held.
func (r *Runner) finish(j *Job) {
	j.State, j.FinishedAt = Failed, time.Now().UTC()
	for _, it := range j.Items {
		if it.State == Done {
			j.State = Done
			break
		}
	}
	r.finished = append(r.finished, j.ID)
	for len(r.finished) > r.opts.History {
		delete(r.jobs, r.finished[0])
		r.finished = r.finished[1:]
	}
}

// Shutdown refuses new jobs, fails the queued ones, and waits for the
// running ones until ctx ends; then it cancels them and waits for the
// workers to return. It returns ctx's error when jobs had to be cancelled.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	if !r.stopping {
		r.stopping = true
		close(r.queue)
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		r.cancel()
		return nil
	case <-ctx.Done():
		r.cancel()
		<-done
		return fmt.Errorf("stop archive jobs: %w", ctx.Err())
	}
}
