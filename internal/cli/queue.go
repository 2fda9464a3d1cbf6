package cli

import (
	"context"
	"fmt"
	"github.com/newsvault/newsvault/internal/store/postgres"
	"strconv"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/jobs"
)

// QueueFlags are the job-running settings serve and worker share.
type QueueFlags struct {
	Queues       string
	Lease        time.Duration
	Tick         time.Duration
	PublishEvery time.Duration
}

// DefaultQueues is every queue with its workers per process.
const DefaultQueues = "archive=2,feeds=4,publish=1"

// ParseQueues reads --queues: comma-separated queue names, each with
// =N workers (default 1), from archive, feeds and publish.
func ParseQueues(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, num, has := strings.Cut(part, "=")
		n := 1
		if has {
			var err error
			if n, err = strconv.Atoi(num); err != nil || n < 1 || n > 1000 {
				return nil, fmt.Errorf("--queues %q: workers of %s must be 1 to 1000", s, name)
			}
		}
		switch name {
		case jobs.QueueArchive, jobs.QueueFeeds, jobs.QueuePublish:
		default:
			return nil, fmt.Errorf("--queues %q: no queue %q (want archive, feeds, publish)", s, name)
		}
		out[name] = n
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--queues %q names no queue", s)
	}
	return out, nil
}

// OpenQueue opens the job queue c names and, when the operator set host
// limits, sets c.Gate to the queue's shared per-host gate so that the
// program Open wires next keeps them together with every other process.
// Call it before Open.
func (c *Config) OpenQueue(ctx context.Context, qf QueueFlags) (*jobs.Queue, error) {
	url := c.Queue
	if url == "" && postgres.IsDSN(c.Store) {
		// Processes sharing a PostgreSQL archive share its job queue
		// unless told otherwise.
		url = c.Store
	}
	q, err := jobs.OpenQueue(ctx, jobs.QueueURL(c.DataDir, url), jobs.QueueOptions{
		Lease: qf.Lease, Tick: qf.Tick, PublishEvery: qf.PublishEvery, Logger: c.Logger(),
	})
	if err != nil {
		return nil, err
	}
	// A slot held by a killed process frees itself after twice the
	// longest request.
	lease := 2 * max(c.Timeout, time.Minute)
	if g := q.Gate(c.HostRate, c.HostConns, lease); g != nil {
		c.Gate = g
	}
	return q, nil
}

// Work is what this program's jobs do: archive URLs, poll feeds and
// re-check articles (unless poll or watch is false), and publish with
// publish when it is not nil.
func (a *App) Work(poll, watch bool, publish func(context.Context) error) *jobs.Work {
	w := &jobs.Work{Archiver: a.Pipe, Publish: publish}
	if poll {
		w.Feeds, w.Poller = a.Store, a.Pipe
	}
	if watch {
		w.Checks, w.Checker = a.Store, a.Watch
	}
	return w
}
