package jobs

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/watcher"
)

// orderWork records the order the feeds queue's jobs start in: polls as
// "poll", re-checks as "check". Every article is due, every feed too.
type orderWork struct {
	mu    sync.Mutex
	order []string
	done  chan struct{}
	want  int
}

func (o *orderWork) note(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.order = append(o.order, s)
	if len(o.order) == o.want {
		close(o.done)
	}
}

func (o *orderWork) DueSources(context.Context, time.Time) ([]archive.Source, error) { return nil, nil }
func (o *orderWork) Source(_ context.Context, id int64) (archive.Source, error) {
	return archive.Source{ID: id}, nil
}
func (o *orderWork) Poll(context.Context, archive.Source) pipeline.PollResult {
	o.note("poll")
	return pipeline.PollResult{}
}
func (o *orderWork) DueChecks(context.Context, time.Time, int) ([]store.Watch, error) {
	return nil, nil
}
func (o *orderWork) WatchOf(_ context.Context, id int64) (store.Watch, error) {
	return store.Watch{ArticleID: id, NextCheck: time.Unix(1, 0)}, nil
}
func (o *orderWork) CheckNow(context.Context, int64) (watcher.Result, error) {
	o.note("check")
	return watcher.Result{}, nil
}

// Polls queued after re-checks still run before them.
func TestPollsGoBeforeRechecks(t *testing.T) {
	ctx := context.Background()
	q := openQueue(t, "sqlite://"+filepath.Join(t.TempDir(), "jobs.db"), QueueOptions{})
	if err := q.EnqueueRechecks(ctx, []int64{1, 2, 3, 4}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{1, 2} {
		if err := q.EnqueuePoll(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.EnqueuePoll(ctx, 1); err != nil { // already queued: no second poll
		t.Fatal(err)
	}
	o := &orderWork{done: make(chan struct{}), want: 6}
	if err := q.Start(ctx, &Work{Feeds: o, Poller: o, Checks: o, Checker: o}, map[string]int{QueueFeeds: 1}); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(ctx)
	select {
	case <-o.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("only %v ran", o.order)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	want := []string{"poll", "poll", "check", "check", "check", "check"}
	for i := range want {
		if o.order[i] != want[i] {
			t.Fatalf("jobs ran in the order %v, want %v", o.order, want)
		}
	}
	// Completions are recorded after the job returns: wait for them.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c, err := q.Counts(ctx, "poll_feed")
		if err != nil {
			t.Fatal(err)
		}
		if c["completed"] == 2 && len(c) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("poll jobs %v, want 2 completed", c)
		}
	}
}
