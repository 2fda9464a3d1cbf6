package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/store/pgtest"
)

// queueURLs returns the queues to test: an SQLite file always, and a
// fresh database in a throwaway PostgreSQL cluster (or $NEWSVAULT_TEST_POSTGRES)
// when its binaries are installed.
func queueURLs(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "jobs.db") },
		"postgres": func(t *testing.T) string { return pgtest.DSN(t) },
	}
}

// countingArchiver counts the archives of each URL; a URL listed in
// failOnce fails its first try with a transient error.
type countingArchiver struct {
	mu       sync.Mutex
	calls    map[string]int
	failOnce map[string]bool
	done     chan string
}

func newCountingArchiver() *countingArchiver {
	return &countingArchiver{calls: map[string]int{}, failOnce: map[string]bool{}, done: make(chan string, 100)}
}

func (c *countingArchiver) ArchiveURL(ctx context.Context, u string, _ *archive.Source) (pipeline.Outcome, error) {
	c.mu.Lock()
	c.calls[u]++
	n := c.calls[u]
	c.mu.Unlock()
	if c.failOnce[u] && n == 1 {
		return pipeline.Outcome{}, fmt.Errorf("fetch %s: %w", u, fetch.ErrTimeout)
	}
	if fetch.PolicyFrom(ctx).Host != "example.org" {
		return pipeline.Outcome{}, errors.New("the job's fetch policy was lost")
	}
	c.done <- u
	return pipeline.Outcome{URL: u, ArticleID: int64(len(u)), NewArticle: true, NewVersion: true, Images: 2}, nil
}

func openQueue(t *testing.T, url string, opts QueueOptions) *Queue {
	t.Helper()
	opts.Logger = slog.New(slog.DiscardHandler)
	opts.Poll = 20 * time.Millisecond
	q, err := OpenQueue(context.Background(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

func waitItems(t *testing.T, q *Queue, ids []int64, want State) []Item {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		items, err := q.ArchiveItems(context.Background(), ids)
		if err != nil {
			t.Fatal(err)
		}
		all := true
		for _, it := range items {
			all = all && it.State == want
		}
		if all {
			return items
		}
		if time.Now().After(deadline) {
			t.Fatalf("items stay %+v, want all %s", items, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Jobs queued by a process that then goes away are done by the next one,
// each URL once, a URL asked for twice while queued is one job, and a
// transient failure is tried again.
func TestQueuedJobsSurviveTheProcessAndRunOnce(t *testing.T) {
	for name, mk := range queueURLs(t) {
		t.Run(name, func(t *testing.T) {
			url := mk(t)
			ctx := context.Background()
			pol := fetch.Policy{Host: "example.org"}
			urls := []string{"http://example.org/a", "http://example.org/b", "http://example.org/flaky"}

			// An API process enqueues and exits before any worker runs.
			api := openQueue(t, url, QueueOptions{})
			ids, err := api.EnqueueArchive(ctx, urls, pol, "")
			if err != nil {
				t.Fatal(err)
			}
			again, err := api.EnqueueArchive(ctx, urls[:1], pol, archive.RenderNever)
			if err != nil {
				t.Fatal(err)
			}
			if again[0] != ids[0] {
				t.Fatalf("the same URL queued twice became jobs %d and %d, want one", ids[0], again[0])
			}
			items, err := api.ArchiveItems(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if it.State != Queued {
					t.Fatalf("before any worker: %+v, want queued", it)
				}
			}
			api.Close()

			arch := newCountingArchiver()
			arch.failOnce["http://example.org/flaky"] = true
			w := openQueue(t, url, QueueOptions{MaxRetryDelay: time.Second})
			if err := w.Start(ctx, &Work{Archiver: arch}, map[string]int{QueueArchive: 2}); err != nil {
				t.Fatal(err)
			}
			defer w.Stop(ctx)
			items = waitItems(t, w, ids, Done)
			for i, it := range items {
				if it.URL != urls[i] || it.ArticleID != int64(len(urls[i])) || !it.NewArticle || it.Images != 2 {
					t.Errorf("item %d = %+v, want %s archived as article %d with 2 images", i, it, urls[i], len(urls[i]))
				}
			}
			arch.mu.Lock()
			defer arch.mu.Unlock()
			want := map[string]int{urls[0]: 1, urls[1]: 1, urls[2]: 2}
			for u, n := range want {
				if arch.calls[u] != n {
					t.Errorf("%s archived %d times, want %d", u, arch.calls[u], n)
				}
			}
		})
	}
}

// A permanent failure is not retried and reads as failed with its reason.
func TestABadURLFailsAtOnce(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "jobs.db")
	ctx := context.Background()
	q := openQueue(t, url, QueueOptions{})
	if err := q.Start(ctx, &Work{Archiver: badArchiver{}}, map[string]int{QueueArchive: 1}); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(ctx)
	ids, err := q.EnqueueArchive(ctx, []string{"ftp://example.org/x"}, fetch.Policy{}, "")
	if err != nil {
		t.Fatal(err)
	}
	items := waitItems(t, q, ids, Failed)
	if items[0].Error == "" {
		t.Fatalf("failed item %+v carries no reason", items[0])
	}
}

type badArchiver struct{}

func (badArchiver) ArchiveURL(_ context.Context, u string, _ *archive.Source) (pipeline.Outcome, error) {
	return pipeline.Outcome{}, fmt.Errorf("fetch %s: %w", u, fetch.ErrBadScheme)
}

// A job submitted through the runner (as the web does) goes to the
// durable queue, is worked there, and reads back as done with what each
// URL archived.
func TestRunnerHandsJobsToTheQueue(t *testing.T) {
	ctx := context.Background()
	q := openQueue(t, "sqlite://"+filepath.Join(t.TempDir(), "jobs.db"), QueueOptions{})
	r := New(nil, slog.New(slog.DiscardHandler), Options{Durable: q})
	defer r.Shutdown(ctx)
	if !r.Enabled() {
		t.Fatal("a runner with a durable queue says archiving is off")
	}
	urls := []string{"http://example.org/one", "http://example.org/two"}
	j, err := r.Submit(urls, fetch.Policy{Host: "example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Get(j.ID); got.State != Queued {
		t.Fatalf("before any worker the job is %s, want queued", got.State)
	}
	arch := newCountingArchiver()
	if err := q.Start(ctx, &Work{Archiver: arch}, map[string]int{QueueArchive: 1}); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(ctx)
	got := waitJob(t, r, j.ID, Done, Failed)
	if got.State != Done {
		t.Fatalf("job %+v, want done", got)
	}
	for i, it := range got.Items {
		if it.URL != urls[i] || it.State != Done || it.ArticleID != int64(len(urls[i])) {
			t.Errorf("item %d = %+v, want %s done as article %d", i, it, urls[i], len(urls[i]))
		}
	}
	if c := r.Counts(); c[Done] != 1 {
		t.Errorf("counts %v, want one done job", c)
	}
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
