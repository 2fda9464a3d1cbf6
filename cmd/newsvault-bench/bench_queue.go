//newsvault:direct-client starts newsvault worker processes that archive from a loopback site this command serves.

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/jobs"
	"github.com/newsvault/newsvault/internal/newssite"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/watcher"
)

func newBenchQueueCmd(cfg *cli.Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "queue",
		Short: "The job queue: archiving throughput with 1, 2, 4 workers; pick-up latency among a million queued re-checks",
	}
	cmd.AddCommand(newBenchQueueThroughputCmd(cfg), newBenchQueuePickupCmd(cfg))
	return cmd
}

func newBenchQueueThroughputCmd(cfg *cli.Config) *cobra.Command {
	var bin, workersFlag, queueURL string
	var pages, perWorker int
	var delay time.Duration
	cmd := &cobra.Command{
		Use:   "throughput",
		Short: "Pages archived per second from a loopback news site by 1, 2 and 4 worker processes (host limits off)",
		Long: `throughput serves a generated Chinese news site on loopback, queues
--pages of its article pages (each with an image, and a logo they share),
starts N "newsvault worker" processes (--bin) on a fresh data directory and
times them until the queue is empty, for each N of --workers.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var counts []int
			for _, s := range strings.Split(workersFlag, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil || n < 1 {
					return cli.Usagef("--workers %q: want numbers such as 1,2,4", workersFlag)
				}
				counts = append(counts, n)
			}
			if pages < 1 {
				return cli.Usagef("--pages must be 1 or more")
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%d pages, %d archive jobs at once per worker, page delay %s, %d CPUs\n", pages, perWorker, delay, numCPU())
			for _, n := range counts {
				el, err := timeWorkers(cmd.Context(), bin, queueURL, n, perWorker, pages, delay)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "workers %d: %d pages in %s = %.1f pages/s\n", n, pages, el.Round(time.Millisecond), float64(pages)/el.Seconds())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&bin, "bin", "newsvault", "the newsvault binary to start workers from")
	cmd.Flags().StringVar(&workersFlag, "workers", "1,2,4", "worker process counts to time")
	cmd.Flags().IntVar(&perWorker, "jobs", 4, "archive jobs one worker runs at once")
	cmd.Flags().IntVar(&pages, "pages", 600, "article pages to archive")
	cmd.Flags().DurationVar(&delay, "delay", 0, "delay the site adds to each page and image")
	cmd.Flags().StringVar(&queueURL, "queue-url", "", "the queue (default jobs.db in each run's data directory); a postgres:// queue is emptied before each run")
	return cmd
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return max(1, strings.Count(string(b), "processor\t:"))
}

// timeWorkers archives pages with n worker processes and returns the time
// from their start until the queue is empty.
func timeWorkers(ctx context.Context, bin, queueURL string, n, perWorker, pages int, delay time.Duration) (time.Duration, error) {
	const perFeed = 100
	feeds := (pages + perFeed - 1) / perFeed
	site := newssite.New(feeds, perFeed, delay)
	defer site.Close()
	data, err := os.MkdirTemp("", "newsvault-bench-queue-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(data)
	q, err := jobs.OpenQueue(ctx, jobs.QueueURL(data, queueURL), jobs.QueueOptions{})
	if err != nil {
		return 0, err
	}
	defer q.Close()
	if queueURL != "" {
		if err := q.Purge(ctx); err != nil {
			return 0, err
		}
	}
	urls := make([]string, 0, pages)
	for i := range pages {
		urls = append(urls, fmt.Sprintf("%s/news/%d/%d.html", site.URL(), i/perFeed, i%perFeed+1))
	}
	pol := fetch.Policy{Host: fetch.HostOf(site.URL()), AllowPrivate: true}
	for start := 0; start < len(urls); start += 100 {
		if _, err := q.EnqueueArchive(ctx, urls[start:min(start+100, len(urls))], pol, archive.RenderNever); err != nil {
			return 0, err
		}
	}
	args := []string{"--data", data, "--allow-private", "--host-rate", "0", "--host-conns", "0", "--no-render", "--log-level", "warn"}
	if queueURL != "" {
		args = append(args, "--queue", queueURL)
	}
	// The store is made before the workers start: its migrations are
	// not safe against several processes making it at once.
	if out, err := exec.CommandContext(ctx, bin, append(slices.Clone(args), "list")...).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("make the store: %w\n%s", err, out)
	}
	args = append(args, "worker", "--queues", fmt.Sprintf("archive=%d", perWorker))
	began := time.Now()
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			_ = p.Process.Signal(os.Interrupt)
			_ = p.Wait()
		}
	}()
	for range n {
		p := exec.CommandContext(ctx, bin, args...)
		p.Stdout, p.Stderr = io.Discard, os.Stderr
		if err := p.Start(); err != nil {
			return 0, fmt.Errorf("start %s: %w", bin, err)
		}
		procs = append(procs, p)
	}
	for {
		c, err := q.Counts(ctx, "archive_url")
		if err != nil {
			return 0, err
		}
		if c["available"]+c["running"]+c["retryable"]+c["scheduled"] == 0 {
			if c["completed"] != pages {
				return 0, fmt.Errorf("%d workers: jobs end as %v, want %d completed", n, c, pages)
			}
			return time.Since(began), nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func newBenchQueuePickupCmd(cfg *cli.Config) *cobra.Command {
	var queueURL string
	var queued, probes, workers int
	cmd := &cobra.Command{
		Use:   "pickup",
		Short: "How soon a due job starts while a million re-checks are queued",
		Long: `pickup fills the queue (--queue-url, default an SQLite file in a temporary
directory) with --jobs re-checks and times how long a newly due job waits
before a worker starts it, in two situations:

  scheduled  the re-checks are due tomorrow; a re-check due now is queued
  backlog    the re-checks are all due and being worked; a feed poll is
             queued and must pass them (polls go before re-checks)

The jobs do no work (the queue is measured, not archiving).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			url := queueURL
			if url == "" {
				dir, err := os.MkdirTemp("", "newsvault-bench-pickup-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				url = jobs.QueueURL(dir, "")
			}
			q, err := jobs.OpenQueue(ctx, url, jobs.QueueOptions{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				return err
			}
			defer q.Close()
			if err := q.Purge(ctx); err != nil {
				return err
			}
			fmt.Fprintf(out, "queue %s, %d re-checks, %d probes, %d workers\n", q.Backend(), queued, probes, workers)
			ids := make([]int64, queued)
			for i := range ids {
				ids[i] = int64(i + 1)
			}
			start := time.Now()
			if err := q.EnqueueRechecks(ctx, ids, time.Now().Add(24*time.Hour)); err != nil {
				return err
			}
			el := time.Since(start)
			fmt.Fprintf(out, "queued %d re-checks due tomorrow in %s (%.0f/s)\n", queued, el.Round(time.Millisecond), float64(queued)/el.Seconds())

			pw := newProbeWork()
			if err := q.Start(ctx, pw.work(), map[string]int{jobs.QueueFeeds: workers}); err != nil {
				return err
			}
			lat, err := probe(ctx, pw, probes, func(k int) (int64, error) {
				id := int64(queued + 1 + k)
				return id, q.EnqueueRechecks(ctx, []int64{id}, time.Time{})
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "scheduled: a due re-check starts after %s\n", lat)

			if err := q.Stop(ctx); err != nil {
				return err
			}
			if err := q.Purge(ctx); err != nil {
				return err
			}
			start = time.Now()
			if err := q.EnqueueRechecks(ctx, ids, time.Time{}); err != nil {
				return err
			}
			el = time.Since(start)
			fmt.Fprintf(out, "queued %d re-checks due now in %s (%.0f/s)\n", queued, el.Round(time.Millisecond), float64(queued)/el.Seconds())
			if err := q.Start(ctx, pw.work(), map[string]int{jobs.QueueFeeds: workers}); err != nil {
				return err
			}
			defer q.Stop(context.Background())
			lat, err = probe(ctx, pw, probes, func(k int) (int64, error) {
				id := int64(k + 1)
				return -id, q.EnqueuePoll(ctx, id)
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "backlog: a feed poll starts after %s (re-checks run meanwhile: %d)\n", lat, pw.rechecks())
			return nil
		},
	}
	cmd.Flags().StringVar(&queueURL, "queue-url", "", "the queue to measure (postgres://… or sqlite://PATH; it is emptied first)")
	cmd.Flags().IntVar(&queued, "jobs", 1_000_000, "re-checks to queue")
	cmd.Flags().IntVar(&probes, "probes", 30, "due jobs to time")
	cmd.Flags().IntVar(&workers, "workers", 4, "jobs run at once")
	return cmd
}

// probe queues n probe jobs one after another with enqueue and returns
// the spread of the time each waited before it started.
func probe(ctx context.Context, pw *probeWork, n int, enqueue func(k int) (int64, error)) (string, error) {
	var waits []time.Duration
	for k := range n {
		start := time.Now()
		id, err := enqueue(k)
		if err != nil {
			return "", err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case at := <-pw.wait(id):
			waits = append(waits, at.Sub(start))
		case <-time.After(time.Minute):
			return "", fmt.Errorf("probe job %d did not start within a minute", id)
		}
	}
	slices.Sort(waits)
	q := func(p float64) time.Duration {
		return waits[int(p*float64(len(waits)-1))].Round(100 * time.Microsecond)
	}
	return fmt.Sprintf("p50 %s, p90 %s, max %s", q(0.5), q(0.9), q(1)), nil
}

// probeWork answers the queue's re-checks and polls at once, telling
// waiters when the job they wait for starts. Re-checks are keyed by
// article ID, polls by minus the feed's.
type probeWork struct {
	mu      sync.Mutex
	waiters map[int64]chan time.Time
	checks  int
}

func newProbeWork() *probeWork { return &probeWork{waiters: map[int64]chan time.Time{}} }

func (p *probeWork) work() *jobs.Work {
	return &jobs.Work{Feeds: p, Poller: p, Checks: p, Checker: p}
}

func (p *probeWork) wait(id int64) <-chan time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.waiters[id]
	if !ok {
		c = make(chan time.Time, 1)
		p.waiters[id] = c
	}
	return c
}

func (p *probeWork) started(id int64) {
	now := time.Now()
	p.mu.Lock()
	c, ok := p.waiters[id]
	if !ok {
		c = make(chan time.Time, 1)
		p.waiters[id] = c
	}
	if id > 0 {
		p.checks++
	}
	p.mu.Unlock()
	select {
	case c <- now:
	default:
	}
}

func (p *probeWork) rechecks() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.checks
}

func (p *probeWork) DueSources(context.Context, time.Time) ([]archive.Source, error) { return nil, nil }

func (p *probeWork) Source(_ context.Context, id int64) (archive.Source, error) {
	return archive.Source{ID: id}, nil
}

func (p *probeWork) Poll(_ context.Context, src archive.Source) pipeline.PollResult {
	p.started(-src.ID)
	return pipeline.PollResult{}
}

func (p *probeWork) DueChecks(context.Context, time.Time, int) ([]store.Watch, error) {
	return nil, nil
}

func (p *probeWork) WatchOf(_ context.Context, id int64) (store.Watch, error) {
	return store.Watch{ArticleID: id, NextCheck: time.Unix(1, 0)}, nil
}

func (p *probeWork) CheckNow(_ context.Context, id int64) (watcher.Result, error) {
	p.started(id)
	return watcher.Result{ArticleID: id}, nil
}
