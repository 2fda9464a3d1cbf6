package web

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
)

// JobState is where an archive job is in its life.
type JobState string

// The states of a job and of each of its URLs.
const (
	JobQueued  JobState = "queued"
	JobRunning JobState = "running"
	JobDone    JobState = "done"   // a job: at least one URL archived; a URL: archived
	JobFailed  JobState = "failed" // a job: no URL archived; a URL: see its Error
)

// JobOptions tune the job runner. Zero values pick the defaults.
type JobOptions struct {
	Workers int // jobs run at once; default 2
	Queue   int // jobs waiting to run before submissions are refused; default 100
	History int // finished jobs kept for polling; default 200
	MaxURLs int // URLs in one job; default 100
}

// Job is a snapshot of one archive job. Jobs live in memory only: after a
// restart their IDs are unknown.
type Job struct {
	ID         string
	State      JobState
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	Items      []JobItem
}

// JobItem is one URL of a job and what archiving it did.
type JobItem struct {
	URL        string
	State      JobState
	ArticleID  int64
	NewArticle bool
	NewVersion bool
	Images     int
	Error      string
}

// Errors Submit returns.
var (
	errJobsOff      = errors.New("archiving is not available on this server")
	errJobsBusy     = errors.New("too many archive jobs are waiting; try again later")
	errJobsStopping = errors.New("the server is shutting down")
)

// jobRunner runs archive jobs on a bounded pool of workers and remembers a
// bounded history of them. It is safe for concurrent use.
type jobRunner struct {
	arch Archiver
	log  *slog.Logger
	opts JobOptions

	ctx    context.Context // cancelled when shutdown's deadline passes
	cancel context.CancelFunc
	queue  chan *Job
	wg     sync.WaitGroup

	mu       sync.Mutex
	jobs     map[string]*Job
	finished []string // IDs of finished jobs, oldest first
	stopping bool
}

func newJobRunner(arch Archiver, log *slog.Logger, opts JobOptions) *jobRunner {
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
	r := &jobRunner{arch: arch, log: log, opts: opts, ctx: ctx, cancel: cancel,
		queue: make(chan *Job, opts.Queue), jobs: make(map[string]*Job)}
	if arch != nil {
		for range opts.Workers {
			r.wg.Add(1)
			go r.work()
		}
	}
	return r
}

// submit queues a job archiving urls and returns its first snapshot.
func (r *jobRunner) submit(urls []string) (Job, error) {
	if r.arch == nil {
		return Job{}, errJobsOff
	}
	if len(urls) == 0 || len(urls) > r.opts.MaxURLs {
		return Job{}, fmt.Errorf("a job archives 1 to %d URLs, not %d", r.opts.MaxURLs, len(urls))
	}
	j := &Job{ID: newJobID(), State: JobQueued, CreatedAt: time.Now().UTC()}
	for _, u := range urls {
		j.Items = append(j.Items, JobItem{URL: u, State: JobQueued})
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopping {
		return Job{}, errJobsStopping
	}
	select {
	case r.queue <- j:
	default:
		return Job{}, errJobsBusy
	}
	r.jobs[j.ID] = j
	return snapshot(j), nil
}

// get returns a snapshot of the job with the given ID.
func (r *jobRunner) get(id string) (Job, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	j, ok := r.jobs[id]
	if !ok {
		return Job{}, false
	}
	return snapshot(j), true
}

// list returns snapshots of every job kept, newest first.
func (r *jobRunner) list() []Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Job, 0, len(r.jobs))
	for _, j := range r.jobs {
		out = append(out, snapshot(j))
	}
	sortJobs(out)
	return out
}

func (r *jobRunner) counts() map[JobState]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[JobState]int)
	for _, j := range r.jobs {
		m[j.State]++
	}
	return m
}

func snapshot(j *Job) Job {
	c := *j
	c.Items = append([]JobItem(nil), j.Items...)
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

func (r *jobRunner) work() {
	defer r.wg.Done()
	for j := range r.queue {
		r.run(j)
	}
}

// run archives the URLs of one job in order.
func (r *jobRunner) run(j *Job) {
	r.mu.Lock()
	if r.stopping {
		for i := range j.Items {
			j.Items[i].State, j.Items[i].Error = JobFailed, errJobsStopping.Error()+" before this job ran"
		}
		r.finish(j)
		r.mu.Unlock()
		return
	}
	j.State, j.StartedAt = JobRunning, time.Now().UTC()
	r.mu.Unlock()

	for i := range j.Items {
		r.mu.Lock()
		j.Items[i].State = JobRunning
		u := j.Items[i].URL
		r.mu.Unlock()

		out, err := r.arch.ArchiveURL(r.ctx, u, nil)

		r.mu.Lock()
		it := &j.Items[i]
		if err != nil {
			it.State, it.Error = JobFailed, err.Error()
			r.log.Warn("archive job", "job", j.ID, "url", u, "err", err)
		} else {
			it.State, it.ArticleID, it.NewArticle, it.NewVersion, it.Images = JobDone, out.ArticleID, out.NewArticle, out.NewVersion, out.Images
			r.log.Info("archived", "job", j.ID, "url", u, "article", out.ArticleID, "new_article", out.NewArticle, "new_version", out.NewVersion)
		}
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.finish(j)
	r.mu.Unlock()
}

// finish settles a job's state and trims the history. r.mu is held.
func (r *jobRunner) finish(j *Job) {
	j.State, j.FinishedAt = JobFailed, time.Now().UTC()
	for _, it := range j.Items {
		if it.State == JobDone {
			j.State = JobDone
			break
		}
	}
	r.finished = append(r.finished, j.ID)
	for len(r.finished) > r.opts.History {
		delete(r.jobs, r.finished[0])
		r.finished = r.finished[1:]
	}
}

// shutdown refuses new jobs, fails the queued ones, and waits for the
// running ones until ctx ends; then it cancels them and waits for the
// workers to return. It returns ctx's error when jobs had to be cancelled.
func (r *jobRunner) shutdown(ctx context.Context) error {
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
