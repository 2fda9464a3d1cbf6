package jobs

import (
	"context"
	"fmt"
	"time"
)

// durableTimeout bounds one call to the durable queue from a web request.
const durableTimeout = 10 * time.Second

// submitDurable hands j's URLs to the durable queue and keeps j to answer
// polls about it; its items' states are read back from the queue.
func (r *Runner) submitDurable(j *Job) (Job, error) {
	r.mu.Lock()
	stopping := r.stopping
	r.mu.Unlock()
	if stopping {
		return Job{}, ErrStopping
	}
	urls := make([]string, len(j.Items))
	for i, it := range j.Items {
		urls[i] = it.URL
	}
	ctx, cancel := context.WithTimeout(r.ctx, durableTimeout)
	defer cancel()
	ids, err := r.opts.Durable.EnqueueArchive(ctx, urls, j.policy, j.Render)
	if err != nil {
		r.log.Error("enqueue archive job", "err", err)
		return Job{}, fmt.Errorf("%w (%w)", ErrBusy, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	j.queued = ids
	r.jobs[j.ID] = j
	// A durable job's record here is only for showing it; the oldest go
	// first once History is reached.
	r.finished = append(r.finished, j.ID)
	for len(r.finished) > r.opts.History {
		delete(r.jobs, r.finished[0])
		r.finished = r.finished[1:]
	}
	return snapshot(j), nil
}

// refresh reads the state of a durable job's items back from the queue.
// A job already settled is left as it is. r.mu is held.
func (r *Runner) refresh(j *Job) {
	if j.queued == nil || j.State == Done || j.State == Failed {
		return
	}
	ctx, cancel := context.WithTimeout(r.ctx, durableTimeout)
	defer cancel()
	items, err := r.opts.Durable.ArchiveItems(ctx, j.queued)
	if err != nil {
		r.log.Warn("read archive job state", "job", j.ID, "err", err)
		return
	}
	var queued, running, done int
	for i, it := range items {
		it.URL = j.Items[i].URL // as submitted (the queue may hold an earlier request's)
		j.Items[i] = it
		switch it.State {
		case Queued:
			queued++
		case Running:
			running++
		case Done:
			done++
		}
	}
	switch {
	case queued == len(items):
		j.State = Queued
	case queued+running > 0:
		j.State = Running
		if j.StartedAt.IsZero() {
			j.StartedAt = time.Now().UTC()
		}
	default:
		j.State, j.FinishedAt = Failed, time.Now().UTC()
		if done > 0 {
			j.State = Done
		}
	}
}
