package jobs

import (
	"context"
	"errors"
	"fmt"
	"github.com/newsvault/newsvault/internal/fetch"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/pipeline"
)

// gateArchiver archives nothing; each call waits until its URL's gate
// opens (or the context ends) and records what it saw.
type gateArchiver struct {
	mu      sync.Mutex
	gates   map[string]chan struct{}
	started chan string
	calls   []string
}

func newGateArchiver() *gateArchiver {
	return &gateArchiver{gates: map[string]chan struct{}{}, started: make(chan string, 100)}
}

func (g *gateArchiver) gate(u string) chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.gates[u]
	if !ok {
		c = make(chan struct{})
		g.gates[u] = c
	}
	return c
}

func (g *gateArchiver) ArchiveURL(ctx context.Context, u string, src *archive.Source) (pipeline.Outcome, error) {
	g.mu.Lock()
	g.calls = append(g.calls, u)
	g.mu.Unlock()
	g.started <- u
	select {
	case <-g.gate(u):
	case <-ctx.Done():
		return pipeline.Outcome{}, fmt.Errorf("archive %s: %w", u, ctx.Err())
	}
	if strings.Contains(u, "fail") {
		return pipeline.Outcome{}, errors.New("archive " + u + ": unexpected HTTP status 404")
	}
	return pipeline.Outcome{URL: u, ArticleID: 7, NewArticle: true, NewVersion: true}, nil
}

func waitJob(t *testing.T, r *Runner, id string, want ...State) Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, ok := r.Get(id)
		if !ok {
			t.Fatalf("job %s is gone", id)
		}
		for _, w := range want {
			if j.State == w {
				return j
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s stays %s, want %v", id, j.State, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAJobRecordsTheOutcomeOfEachURL(t *testing.T) {
	g := newGateArchiver()
	r := New(g, slog.New(slog.DiscardHandler), Options{Workers: 1})
	defer r.Shutdown(t.Context())
	j, err := r.Submit([]string{"https://a.example/ok", "https://a.example/fail"}, fetch.Policy{})
	if err != nil || j.State != Queued || len(j.Items) != 2 {
		t.Fatalf("submit: %+v %v", j, err)
	}
	<-g.started
	if got := waitJob(t, r, j.ID, Running); got.Items[0].State != Running || got.Items[1].State != Queued {
		t.Errorf("while running: %+v", got.Items)
	}
	close(g.gate("https://a.example/ok"))
	close(g.gate("https://a.example/fail"))
	got := waitJob(t, r, j.ID, Done, Failed)
	if got.State != Done || got.Items[0].State != Done || got.Items[0].ArticleID != 7 || !got.Items[0].NewArticle ||
		got.Items[1].State != Failed || !strings.Contains(got.Items[1].Error, "404") || got.FinishedAt.IsZero() {
		t.Errorf("finished: %+v", got)
	}
}

func TestAJobWithNothingArchivedFails(t *testing.T) {
	g := newGateArchiver()
	r := New(g, slog.New(slog.DiscardHandler), Options{})
	defer r.Shutdown(t.Context())
	close(g.gate("https://a.example/fail"))
	j, _ := r.Submit([]string{"https://a.example/fail"}, fetch.Policy{})
	if got := waitJob(t, r, j.ID, Done, Failed); got.State != Failed {
		t.Errorf("state %s, want failed", got.State)
	}
}

func TestTheRunnerBoundsItsQueueAndHistory(t *testing.T) {
	g := newGateArchiver()
	r := New(g, slog.New(slog.DiscardHandler), Options{Workers: 1, Queue: 2, History: 3, MaxURLs: 2})
	defer r.Shutdown(t.Context())
	if _, err := r.Submit([]string{"a", "b", "c"}, fetch.Policy{}); err == nil {
		t.Error("a job over MaxURLs was accepted")
	}
	first, _ := r.Submit([]string{"https://x.example/1"}, fetch.Policy{})
	<-g.started // the worker holds job 1; the queue has room for two more
	r.Submit([]string{"https://x.example/2"}, fetch.Policy{})
	r.Submit([]string{"https://x.example/3"}, fetch.Policy{})
	if _, err := r.Submit([]string{"https://x.example/4"}, fetch.Policy{}); !errors.Is(err, ErrBusy) {
		t.Errorf("a full queue accepted a job: %v", err)
	}
	for i := 1; i <= 3; i++ {
		close(g.gate(fmt.Sprintf("https://x.example/%d", i)))
	}
	var last Job
	for i := 5; i <= 8; i++ {
		u := fmt.Sprintf("https://x.example/%d", i)
		close(g.gate(u))
		var err error
		for last, err = r.Submit([]string{u}, fetch.Policy{}); errors.Is(err, ErrBusy); last, err = r.Submit([]string{u}, fetch.Policy{}) {
			time.Sleep(time.Millisecond)
		}
		waitJob(t, r, last.ID, Done)
	}
	if _, ok := r.Get(first.ID); ok {
		t.Error("the oldest finished job was kept beyond the history")
	}
	if n := len(r.List()); n != 3 {
		t.Errorf("%d jobs kept, want 3", n)
	}
	if got := r.List(); got[0].ID != last.ID {
		t.Errorf("list is not newest first: %s", got[0].ID)
	}
}

func TestShutdownWaitsForRunningJobsAndFailsQueuedOnes(t *testing.T) {
	g := newGateArchiver()
	r := New(g, slog.New(slog.DiscardHandler), Options{Workers: 1})
	running, _ := r.Submit([]string{"https://x.example/slow"}, fetch.Policy{})
	<-g.started
	queued, _ := r.Submit([]string{"https://x.example/never"}, fetch.Policy{})

	done := make(chan error, 1)
	go func() { done <- r.Shutdown(context.Background()) }()
	time.Sleep(20 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("shutdown returned %v while a job ran", err)
	default:
	}
	if _, err := r.Submit([]string{"https://x.example/late"}, fetch.Policy{}); !errors.Is(err, ErrStopping) {
		t.Errorf("a job was accepted during shutdown: %v", err)
	}
	close(g.gate("https://x.example/slow"))
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if j, _ := r.Get(running.ID); j.State != Done {
		t.Errorf("the running job ended %s, want done", j.State)
	}
	if j, _ := r.Get(queued.ID); j.State != Failed || !strings.Contains(j.Items[0].Error, "shutting down") {
		t.Errorf("the queued job: %+v", j)
	}
	if len(g.calls) != 1 {
		t.Errorf("archiver called for %v; the queued job must not start", g.calls)
	}
}

func TestShutdownCancelsJobsPastItsDeadline(t *testing.T) {
	g := newGateArchiver()
	r := New(g, slog.New(slog.DiscardHandler), Options{Workers: 1})
	j, _ := r.Submit([]string{"https://x.example/forever"}, fetch.Policy{})
	<-g.started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("shutdown: %v, want the deadline", err)
	}
	if got, _ := r.Get(j.ID); got.State != Failed || !strings.Contains(got.Items[0].Error, "canceled") {
		t.Errorf("the cancelled job: %+v", got)
	}
}
