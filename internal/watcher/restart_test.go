package watcher

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/store/sqlite"
)

// stopAfter is the real store; it ends the round's context once n checks
// were recorded, as a kill between two checks would.
type stopAfter struct {
	*sqlite.Store
	mu     sync.Mutex
	n      int
	cancel context.CancelFunc
}

func (s *stopAfter) RecordCheck(ctx context.Context, w *store.CheckWrite) (store.CheckResult, error) {
	res, err := s.Store.RecordCheck(ctx, w)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		if s.n--; s.n == 0 {
			s.cancel()
		}
	}
	return res, err
}

func TestARoundCutShortLosesNothingAndRepeatsNothing(t *testing.T) {
	r := newRig(t)
	const articles = 12
	var ids []int64
	for i := range articles {
		path := fmt.Sprintf("/kill/%d.html", i)
		r.site.live(path, func(at time.Time, n int) reply { return ok(newStory(40+i), n) })
		ids = append(ids, r.archive(t, path))
	}
	r.clk.Set(t0.Add(time.Hour))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cut := &stopAfter{Store: r.st, n: 5, cancel: cancel}
	w := New(cut, r.blobs, r.fetch, r.x, r.pipe, Options{Now: r.clk.Now, Workers: 2, PerHost: 2})
	sum, err := w.RunDue(ctx)
	if err == nil {
		t.Fatal("the cut round reported no error")
	}
	if sum.Checked < 5 || sum.Checked >= articles {
		t.Fatalf("the cut round recorded %d checks; want at least 5 and not all", sum.Checked)
	}
	first := sum.Checked

	// Restart: a new process opens the same files and runs what is due.
	r.st.Close()
	r.open(t)
	sum, err = r.w.RunDue(context.Background())
	if err != nil || sum.Failed > 0 {
		t.Fatalf("restarted round: %v %+v", err, sum)
	}
	if first+sum.Checked != articles {
		t.Errorf("%d checks before the cut and %d after, want %d in all", first, sum.Checked, articles)
	}
	for _, id := range ids {
		cs, err := r.st.Checks(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 {
			t.Errorf("article %d has %d checks, want exactly 1", id, len(cs))
			continue
		}
		if cs[0].CaptureID == 0 {
			t.Errorf("article %d: its check has no capture", id)
		}
		ch, err := Evidence(context.Background(), r.st, r.blobs, id)
		if err != nil || !ch.Verified() || ch.Exhibits[0].Capture.ID != cs[0].CaptureID {
			t.Errorf("article %d: evidence %+v %v", id, ch.Exhibits, err)
		}
		ws, err := r.st.WatchOf(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !ws.NextCheck.Equal(t0.Add(6*time.Hour)) || ws.Checks != 1 {
			t.Errorf("article %d: next check %s after %d checks, want 6h after 1", id, offset(ws.NextCheck), ws.Checks)
		}
	}
	// Nothing is left due, and a stale write is refused.
	if due, _ := r.st.DueChecks(context.Background(), r.clk.Now(), 100); len(due) != 0 {
		t.Errorf("%d checks still due", len(due))
	}
	ws, _ := r.st.WatchOf(context.Background(), ids[0])
	_, err = r.st.RecordCheck(context.Background(), &store.CheckWrite{ArticleID: ids[0], PrevChecks: 0, Watch: ws,
		Check: store.Check{At: r.clk.Now(), Outcome: "unchanged"}})
	if err == nil {
		t.Error("a check computed from a stale state was recorded")
	}
}

func TestCheckNowChecksAnArticleOutOfTurn(t *testing.T) {
	r := newRig(t)
	id := r.archive(t, r.site.live("/now.html", func(at time.Time, n int) reply {
		if n > 1 {
			return reply{status: 410, body: []byte("gone")}
		}
		return ok(newStory(60), n)
	}))
	r.clk.Set(t0.Add(10 * time.Minute))
	res, err := r.w.CheckNow(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != "removed" || res.Status != "alive" || !res.Next.Equal(t0.Add(70*time.Minute)) {
		t.Errorf("check now: %+v; want a first removal, confirmed an hour later", res)
	}
}
