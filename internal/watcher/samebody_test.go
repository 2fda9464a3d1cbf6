package watcher

import (
	"context"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/watch"
)

// A page answering with the very bytes that last showed the article alive
// is unchanged without being extracted again; a page whose bytes differ
// only in a counter is extracted and compared, and is unchanged too.
func TestSameBytesAreUnchangedWithoutExtraction(t *testing.T) {
	r := newRig(t)
	same := r.archive(t, r.site.live("/same/1.html", func(at time.Time, n int) reply { return reply{status: 200, body: newStory(71).page(1000)} }))
	counter := r.archive(t, r.site.live("/counter/1.html", func(at time.Time, n int) reply { return ok(newStory(72), n) }))
	for range 3 {
		r.clk.Set(r.nextDue(t))
		if sum, err := r.w.RunDue(context.Background()); err != nil || sum.Failed > 0 {
			t.Fatalf("round: %v %+v", err, sum)
		}
	}
	for _, c := range []struct {
		id     int64
		reason string
	}{{same, "the same bytes as the last capture"}, {counter, "same content"}} {
		cs, err := r.st.Checks(context.Background(), c.id)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 3 {
			t.Fatalf("article %d: %d checks, want 3", c.id, len(cs))
		}
		for i, ch := range cs {
			if ch.Outcome != string(watch.OutcomeUnchanged) || ch.Reason != c.reason || ch.CaptureID == 0 {
				t.Errorf("article %d check %d: %s (%q), capture %d; want unchanged (%q) with its capture", c.id, i, ch.Outcome, ch.Reason, ch.CaptureID, c.reason)
			}
		}
	}
}
