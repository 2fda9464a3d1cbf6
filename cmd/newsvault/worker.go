package main

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/jobs"
	"github.com/newsvault/newsvault/internal/manifest"
	"github.com/newsvault/newsvault/internal/publish"
)

func newWorkerCmd(cfg *cli.Config) *cobra.Command {
	var qf cli.QueueFlags
	var noPoll, noWatch bool
	var grace time.Duration
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run jobs from the job queue: archive requests, feed polls, re-checks, publishing",
		Long: `worker runs the jobs of the job queue until it is stopped (Ctrl-C or SIGTERM):
URLs people asked to archive on the web or through the API, polls of due
feeds, re-checks of archived articles and publishing to the targets of
publish.toml. Any number of worker and serve processes may share one queue
(--queue; by default jobs.db in the data directory, or a PostgreSQL
database), on one machine or many.

--queues picks the queues this process works and how many jobs of each run
at once: archive (people's requests, first always), feeds (polls before
re-checks) and publish (publishing, and the rounds that turn due feeds and
re-checks into jobs). For example --queues archive=4,feeds=8.

A job belongs to one worker at a time. A URL is archived by one job at a
time and a feed polled by one; a job whose worker dies is taken back after
--lease and run again; failures are retried with growing waits.

--host-rate and --host-conns hold for all processes on the queue together:
five workers at --host-rate 1 still ask any one site once a second.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			queues, err := cli.ParseQueues(qf.Queues)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			ctx := cmd.Context()
			q, a, err := openWithQueue(ctx, cfg, qf)
			if err != nil {
				return err
			}
			defer q.Close()
			defer a.Close()
			work, err := jobWork(cfg, a, !noPoll, !noWatch)
			if err != nil {
				return err
			}
			if err := q.Start(ctx, work, queues); err != nil {
				return err
			}
			a.Log.Info("working", "queue", q.Backend(), "queues", qf.Queues, "data", cfg.DataDir)
			<-ctx.Done()
			return stopQueue(a, q, grace)
		},
	}
	bindQueueFlags(cmd, &qf)
	cmd.Flags().BoolVar(&noPoll, "no-poll", false, "do not poll feeds in this process")
	cmd.Flags().BoolVar(&noWatch, "no-watch", false, "do not re-check archived articles in this process")
	cmd.Flags().DurationVar(&grace, "grace", 20*time.Second, "on shutdown, how long running jobs may take to finish (the rest run again elsewhere)")
	return cmd
}

func bindQueueFlags(cmd *cobra.Command, qf *cli.QueueFlags) {
	cmd.Flags().StringVar(&qf.Queues, "queues", cli.DefaultQueues, "queues this process works, each with =N jobs at once: archive, feeds, publish (env NEWSVAULT_QUEUES)")
	cmd.Flags().DurationVar(&qf.Lease, "lease", 15*time.Minute, "how long a job may run before it is presumed lost with its worker and run again")
	cmd.Flags().DurationVar(&qf.Tick, "tick", 30*time.Second, "how often due feeds and re-checks become jobs")
}

// openWithQueue opens the job queue and then the program, whose fetch
// client keeps the host limits together with every process on the queue.
func openWithQueue(ctx context.Context, cfg *cli.Config, qf cli.QueueFlags) (*jobs.Queue, *cli.App, error) {
	if qf.PublishEvery <= 0 {
		_, pconf, err := publishTargets(cfg.DataDir, "", "", "", "")
		if err != nil {
			return nil, nil, err
		}
		qf.PublishEvery = pconf.Interval.Duration
	}
	q, err := cfg.OpenQueue(ctx, qf)
	if err != nil {
		return nil, nil, err
	}
	a, err := cli.Open(ctx, cfg)
	if err != nil {
		q.Close()
		return nil, nil, err
	}
	return q, a, nil
}

// jobWork is what the jobs of this process do, publishing to the targets
// of publish.toml when there are any.
func jobWork(cfg *cli.Config, a *cli.App, poll, watch bool) (*jobs.Work, error) {
	targets, _, err := publishTargets(cfg.DataDir, "", "", "", "")
	if err != nil {
		return nil, err
	}
	var run func(context.Context) error
	if len(targets) > 0 {
		key, err := manifest.LoadOrCreateKey(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		p := &publish.Publisher{Store: a.Store, Blobs: a.Blobs, Analyzer: a.Search, Log: a.Log, Key: key}
		run = func(ctx context.Context) error {
			var errs []error
			for _, t := range targets {
				if _, err := p.Run(ctx, t); err != nil {
					errs = append(errs, err)
				}
			}
			return errors.Join(errs...)
		}
	}
	return a.Work(poll, watch, run), nil
}

// stopQueue lets running jobs finish for grace, then cancels them; a job
// cut short runs again after its lease.
func stopQueue(a *cli.App, q *jobs.Queue, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := q.Stop(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	a.Log.Info("stopped working")
	return nil
}
