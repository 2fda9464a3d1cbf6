package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

func testWatch(t *testing.T, s Store) {
	ctx := context.Background()
	src := newSource(t, s, "https://a.example/feed")
	var art []int64
	for i := range 4 {
		w := write(url(i), "题", "文", t0)
		w.Article.SourceID = src.ID
		w.Watch = &store.WatchStart{Ladder: "", Next: t0.Add(time.Duration(4-i) * time.Hour)}
		art = append(art, save(t, s, w).ArticleID)
	}
	// An unwatched article gets a row with its ladder off when a check is
	// asked for; a watched one's check moves earlier, never later.
	extra := save(t, s, write(url(9), "无", "无", t0)).ArticleID
	if _, err := s.WatchOf(ctx, extra); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unwatched: %v", err)
	}
	ok(t, s.ScheduleCheck(ctx, extra, t0.Add(30*time.Minute)))
	ok(t, s.ScheduleCheck(ctx, art[0], t0.Add(10*time.Minute)))
	ok(t, s.ScheduleCheck(ctx, art[1], t0.Add(10*time.Hour)))
	if w := must(s.WatchOf(ctx, extra))(t); w.Ladder != "off" || !w.NextCheck.Equal(t0.Add(30*time.Minute)) || w.URL != url(9) {
		t.Errorf("scheduled unwatched: %+v", w)
	}
	due := must(s.DueChecks(ctx, t0.Add(3*time.Hour), 10))(t)
	var got []int64
	for _, w := range due {
		got = append(got, w.ArticleID)
	}
	if want := []int64{art[0], extra, art[3], art[2], art[1]}; !slices.Equal(got, want) {
		t.Errorf("due %v, want %v (most overdue first)", got, want)
	}
	if due := must(s.DueChecks(ctx, t0.Add(3*time.Hour), 2))(t); len(due) != 2 {
		t.Errorf("limit: %d", len(due))
	}
	// A check that finds the page gone: a capture, a pending removal
	// pointing at it, an event.
	w0 := must(s.WatchOf(ctx, art[0]))(t)
	cw := &store.CheckWrite{
		ArticleID:  art[0],
		PrevChecks: w0.Checks,
		Capture:    &archive.Capture{URL: url(0), Status: 404, FetchedAt: t0.Add(time.Hour), BodyHash: "404body"},
		Check:      store.Check{At: t0.Add(time.Hour), Outcome: "gone", Reason: "404", Notice: store.Notice{Platform: "wechat", By: "publisher", Text: "此内容已被删除"}},
		Watch: store.Watch{Status: "removed", Since: t0.Add(time.Hour), NextCheck: t0.Add(2 * time.Hour),
			Removal:   &store.Mark{At: t0.Add(time.Hour), CaptureID: store.ThisCapture},
			LastAlive: store.Mark{At: t0}},
		Events: []store.WatchEvent{{Kind: "removed", At: t0.Add(time.Hour), Reason: "404",
			Evidence: store.Mark{At: t0.Add(time.Hour), CaptureID: store.ThisCapture}, Alive: store.Mark{At: t0}}},
	}
	res := must(s.RecordCheck(ctx, cw))(t)
	if res.CheckID == 0 || res.CaptureID == 0 || res.NewVersion {
		t.Fatalf("check result %+v", res)
	}
	// The same check again was computed from a stale count: refused.
	if _, err := s.RecordCheck(ctx, cw); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale check: %v", err)
	}
	w := must(s.WatchOf(ctx, art[0]))(t)
	if w.Status != "removed" || w.Checks != 1 || w.Removal == nil || w.Removal.CaptureID != res.CaptureID || !w.LastCheck.Equal(t0.Add(time.Hour)) || w.Pending != nil {
		t.Errorf("watch after check %+v", w)
	}
	checks := must(s.Checks(ctx, art[0]))(t)
	if len(checks) != 1 || checks[0].CaptureID != res.CaptureID || checks[0].Status != "removed" || checks[0].Notice.Text != "此内容已被删除" {
		t.Errorf("checks %+v", checks)
	}
	// An edit: the check adds a version from its capture.
	w1 := must(s.WatchOf(ctx, art[1]))(t)
	ed := write(url(1), "题（改）", "文改", t0)
	ed.Article.SourceID = src.ID
	ed.FromOwnURL = true
	res1 := must(s.RecordCheck(ctx, &store.CheckWrite{ArticleID: art[1], PrevChecks: w1.Checks,
		Capture: &archive.Capture{URL: url(1), Status: 200, FetchedAt: t0.Add(2 * time.Hour), BodyHash: "edited"},
		Version: ed, Check: store.Check{At: t0.Add(2 * time.Hour), Outcome: "edited"},
		Watch:  store.Watch{Status: "alive", Since: t0, Edits: 1, LastAlive: store.Mark{At: t0.Add(2 * time.Hour), CaptureID: store.ThisCapture}},
		Events: []store.WatchEvent{{Kind: "edited", At: t0.Add(2 * time.Hour)}}}))(t)
	if !res1.NewVersion || res1.VersionID == 0 {
		t.Fatalf("edit check %+v", res1)
	}
	if vs := must(s.Versions(ctx, art[1]))(t); len(vs) != 2 || vs[1].CaptureID != res1.CaptureID {
		t.Errorf("versions after edit check %+v", vs)
	}
	if c := must(s.Checks(ctx, art[1]))(t); len(c) != 1 || c[0].VersionID != res1.VersionID {
		t.Errorf("edit check %+v", c)
	}
	evs := must(s.WatchEvents(ctx, store.EventQuery{}))(t)
	if len(evs) != 2 || evs[0].Kind != "edited" || evs[1].Kind != "removed" || evs[1].SourceID != src.ID || evs[1].URL != url(0) ||
		evs[1].Evidence.CaptureID != res.CaptureID || evs[1].CheckID != res.CheckID {
		t.Errorf("events newest first %+v", evs)
	}
	if evs := must(s.WatchEvents(ctx, store.EventQuery{Kind: "removed", SourceID: src.ID}))(t); len(evs) != 1 {
		t.Errorf("removed events %+v", evs)
	}
	if evs := must(s.WatchEvents(ctx, store.EventQuery{Since: t0.Add(90 * time.Minute)}))(t); len(evs) != 1 || evs[0].Kind != "edited" {
		t.Errorf("events since %+v", evs)
	}
	if evs := must(s.ArticleEvents(ctx, art[0]))(t); len(evs) != 1 {
		t.Errorf("article events %+v", evs)
	}
	if st := must(s.ArticleStatus(ctx, art[0]))(t); st != "removed" {
		t.Errorf("ArticleStatus of the removed article: %q", st)
	}
	if st := must(s.ArticleStatus(ctx, 1<<40))(t); st != "" {
		t.Errorf("ArticleStatus of no article: %q", st)
	}
	if l := must(s.ArticlesByStatus(ctx, "removed", 0, 10, 0))(t); len(l) != 1 || l[0].ArticleID != art[0] {
		t.Errorf("removed articles %+v", l)
	}
	if l := must(s.ArticlesByStatus(ctx, "edited", src.ID, 10, 0))(t); len(l) != 1 || l[0].ArticleID != art[1] {
		t.Errorf("edited articles %+v", l)
	}
	if l := must(s.Articles(ctx, store.ArticleFilter{Status: "removed"}))(t); len(l) != 1 || l[0].ID != art[0] {
		t.Errorf("listing by status %+v", l)
	}
	if n := must(s.CountArticles(ctx, store.ArticleFilter{Status: "edited"}))(t); n != 1 {
		t.Errorf("%d edited", n)
	}
	st := must(s.WatchStats(ctx, t0.Add(3*time.Hour), 90*time.Minute))(t)
	if st.Watched != 5 || st.ByStatus["removed"] != 1 || st.ByStatus["alive"] != 4 || st.Due != 4 || st.Overdue != 2 || !st.OldestDue.Equal(t0.Add(30*time.Minute)) {
		t.Errorf("watch stats %+v", st)
	}
}

// testFeedListing: an item gone from its feed while an older one stays
// makes its article's check urgent.
func testFeedListing(t *testing.T, s Store) {
	ctx := context.Background()
	src := newSource(t, s, "https://a.example/feed")
	var art []int64
	for i := range 3 {
		w := write(url(i), "题", "文", t0.Add(time.Duration(i)*time.Hour))
		w.Article.SourceID = src.ID
		w.Watch = &store.WatchStart{Next: t0.Add(48 * time.Hour)}
		art = append(art, save(t, s, w).ArticleID)
	}
	now := t0.Add(5 * time.Hour)
	if u := must(s.FeedListing(ctx, src.ID, []string{url(0), url(1), url(2)}, now))(t); len(u) != 0 {
		t.Fatalf("first listing made %v urgent", u)
	}
	// url(2), the newest, drops out while url(0) stays: urgent. url(1)
	// stays too.
	later := now.Add(time.Hour)
	u := must(s.FeedListing(ctx, src.ID, []string{url(0), url(1)}, later))(t)
	if !slices.Equal(u, []int64{art[2]}) {
		t.Fatalf("urgent %v, want [%d]", u, art[2])
	}
	if w := must(s.WatchOf(ctx, art[2]))(t); !w.NextCheck.Equal(later) {
		t.Errorf("next check %v, want %v", w.NextCheck, later)
	}
	if w := must(s.WatchOf(ctx, art[0]))(t); !w.NextCheck.Equal(t0.Add(48 * time.Hour)) {
		t.Errorf("listed article rescheduled: %v", w.NextCheck)
	}
}
