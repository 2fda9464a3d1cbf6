package watcher

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/diff"
	"github.com/newsvault/newsvault/internal/store"
)

// change is when the scripted lives change: between the 1-day and the
// 3-day check.
var change = t0.Add(2 * day)

// after answers before until change, then then.
func after(at time.Time, when time.Time, before, then reply) reply {
	if at.Before(when) {
		return before
	}
	return then
}

var (
	quiet   = []string{"1h unchanged/alive", "6h unchanged/alive", "1d unchanged/alive"}
	edited  = append(slices.Clone(quiet), "3d edited/alive", "7d unchanged/alive")
	removed = append(slices.Clone(quiet), "3d removed/alive", "3d1h removed/removed", "7d removed/removed")
)

type lifeCase struct {
	name    string
	path    string
	life    func(at time.Time, n int) reply
	history []string
	// versions is how many versions the article ends with; notice the
	// remover the removal notice names ("" when none).
	versions int
	notice   string
	// dns breaks the article's host name from change on.
	dns bool
}

func TestScriptedLives(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	base := func(n int) story { return newStory(n) }
	oneChar := func(n int) story {
		s := base(n)
		s.paras[4] = strings.Replace(s.paras[4], "三人", "五人", 1)
		return s
	}
	headline := func(n int) story { s := base(n); s.title = strings.Replace(s.title, "启动", "暂停", 1); return s }
	cut := func(n int) story { s := base(n); s.paras = append(s.paras[:5:5], s.paras[6:]...); return s }
	noImage := func(n int) story { s := base(n); s.images = s.images[:1]; return s }
	fixed := func(status int, name string) reply { return reply{status: status, body: readFixture(name)} }
	timeoutsFrom, timeoutsUntil := t0.Add(18*time.Hour), t0.Add(4*day+6*time.Hour)

	cases := []lifeCase{
		{name: "one character changed in the body", life: func(at time.Time, n int) reply { return after(at, change, ok(base(1), n), ok(oneChar(1), n)) },
			history: edited, versions: 2},
		{name: "a headline word swapped", life: func(at time.Time, n int) reply { return after(at, change, ok(base(2), n), ok(headline(2), n)) },
			history: edited, versions: 2},
		{name: "a paragraph cut", life: func(at time.Time, n int) reply { return after(at, change, ok(base(3), n), ok(cut(3), n)) },
			history: edited, versions: 2},
		{name: "an image removed", life: func(at time.Time, n int) reply { return after(at, change, ok(base(4), n), ok(noImage(4), n)) },
			history: edited, versions: 2},
		{name: "404", life: func(at time.Time, n int) reply {
			return after(at, change, ok(base(5), n), fixed(404, "soft404_zh.html"))
		},
			history: removed, versions: 1},
		{name: "410", life: func(at time.Time, n int) reply {
			return after(at, change, ok(base(6), n), reply{status: 410, body: []byte("gone")})
		},
			history: removed, versions: 1},
		{name: "301 to the home page", life: func(at time.Time, n int) reply {
			return after(at, change, ok(base(7), n), reply{status: 301, location: "/"})
		}, history: removed, versions: 1},
		{name: "302 to a login page", life: func(at time.Time, n int) reply {
			return after(at, change, ok(base(8), n), reply{status: 302, location: "/login?next=/news/8.html"})
		}, history: removed, versions: 1},
		{name: "a 200 soft-404 in Chinese", life: func(at time.Time, n int) reply {
			return after(at, change, ok(base(9), n), fixed(200, "soft404_zh.html"))
		},
			history: removed, versions: 1},
		{name: "a WeChat violation notice", life: func(at time.Time, n int) reply {
			return after(at, change, ok(base(10), n), fixed(200, "wechat_violation.html"))
		},
			history: removed, versions: 1, notice: "complaint"},
		{name: "a WeChat author deletion", life: func(at time.Time, n int) reply {
			return after(at, change, ok(base(11), n), fixed(200, "wechat_deleted.html"))
		},
			history: removed, versions: 1, notice: "publisher"},
		{name: "a Weibo deletion", life: func(at time.Time, n int) reply {
			return after(at, change, ok(base(12), n), fixed(200, "weibo_deleted.html"))
		},
			history: removed, versions: 1, notice: "publisher"},
		{name: "timeouts for three days, then back", life: func(at time.Time, n int) reply {
			if !at.Before(timeoutsFrom) && at.Before(timeoutsUntil) {
				return reply{hang: true}
			}
			return ok(base(13), n)
		}, history: []string{"1h unchanged/alive", "6h unchanged/alive",
			"1d unavailable/unavailable", "1d6h unavailable/unavailable", "1d12h unavailable/unavailable", "1d18h unavailable/unavailable",
			"2d unavailable/unavailable", "2d6h unavailable/unavailable", "2d12h unavailable/unavailable", "2d18h unavailable/unavailable",
			"3d unavailable/unavailable", "3d6h unavailable/unavailable", "3d12h unavailable/unavailable", "3d18h unavailable/unavailable",
			"4d unavailable/unreachable", "7d unchanged/alive"}, versions: 1},
		{name: "DNS failure", path: "/news/14.html", dns: true, life: func(at time.Time, n int) reply { return ok(base(14), n) },
			history: append(slices.Clone(quiet), "3d unavailable/unavailable", "3d6h unavailable/unavailable", "3d12h unavailable/unavailable",
				"3d18h unavailable/unavailable", "4d unavailable/unavailable", "4d6h unavailable/unavailable", "4d12h unavailable/unavailable",
				"4d18h unavailable/unavailable", "5d unavailable/unavailable", "5d6h unavailable/unavailable", "5d12h unavailable/unavailable",
				"5d18h unavailable/unavailable", "6d unavailable/unreachable", "7d unavailable/unreachable"), versions: 1},
		{name: "503 every other check", life: func(at time.Time, n int) reply {
			if n%2 == 0 { // the first request archived it
				return reply{status: 503, body: []byte("busy")}
			}
			return ok(base(15), n)
		}, history: []string{"1h unavailable/unavailable", "7h unchanged/alive", "1d unavailable/unavailable", "1d6h unchanged/alive",
			"3d unavailable/unavailable", "3d6h unchanged/alive", "7d unavailable/unavailable", "7d6h unchanged/alive"}, versions: 1},
		{name: "removed, then restored", life: func(at time.Time, n int) reply {
			if !at.Before(change) && at.Before(t0.Add(5*day)) {
				return reply{status: 404, body: []byte("not found")}
			}
			return ok(base(16), n)
		}, history: append(slices.Clone(quiet), "3d removed/alive", "3d1h removed/removed", "7d restored/alive"), versions: 1},
		{name: "the URL reused for another article", life: func(at time.Time, n int) reply {
			other := story{title: "本市举办春季马拉松比赛", paras: []string{
				"本市第十届春季马拉松比赛于周日上午在体育中心鸣枪开跑，来自全国各地的两万多名选手参加了比赛。",
				"比赛设全程、半程和迷你跑三个项目，组委会在沿途设置了二十个补给站和多个医疗点，保障选手安全。",
				"男子全程冠军由一名来自外省的选手获得，成绩为两小时十一分，女子全程冠军则由本市选手夺得。"}}
			return after(at, change, ok(base(17), n), ok(other, n))
		}, history: append(slices.Clone(quiet), "3d replaced/alive", "3d1h replaced/replaced", "7d replaced/replaced"), versions: 1},
	}
	ids := map[string]int64{}
	for i, c := range cases {
		path := c.path
		if path == "" {
			path = "/news/" + string(rune('a'+i)) + ".html"
		}
		cases[i].path = path
		r.site.live(path, c.life)
		if c.dns {
			r.res.broken["dns.test"] = change
			out, err := r.pipe.ArchiveURL(ctx, "http://dns.test:"+r.site.port()+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			ids[c.name] = out.ArticleID
			continue
		}
		ids[c.name] = r.archive(t, path)
	}

	// The feed: three items; the newest is dropped (and taken down) while
	// the two older ones stay listed.
	feedPaths := []string{"/feed/x.html", "/feed/y.html", "/feed/z.html"}
	for i, p := range feedPaths {
		n := 20 + i
		r.site.live(p, func(at time.Time, k int) reply {
			if i == 0 && !at.Before(change) {
				return reply{status: 404, body: []byte("not found")}
			}
			return ok(base(n), k)
		})
	}
	r.site.feed = func(at time.Time) []feedItem {
		var items []feedItem
		for i, p := range feedPaths {
			if i == 0 && !at.Before(change) {
				continue
			}
			items = append(items, feedItem{path: p, title: base(20 + i).title, published: t0.Add(-time.Duration(i+1) * time.Hour)})
		}
		return items
	}
	src := &archive.Source{Kind: archive.KindFeed, FeedURL: r.site.url("/feed.xml"), Mode: archive.ModePage}
	if err := r.st.CreateSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	poll := func() {
		s, err := r.st.Source(ctx, src.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res := r.pipe.Poll(ctx, s); res.Err != nil || res.ItemErrors > 0 {
			t.Fatalf("poll: %+v", res)
		}
	}
	poll()
	feedIDs := map[string]int64{}
	for _, p := range feedPaths {
		a, err := r.st.ArticleByURL(ctx, r.site.url(p))
		if err != nil {
			t.Fatal(err)
		}
		feedIDs[p] = a.ID
	}

	// Run the schedule over eight simulated days, polling the feed an
	// hour after the change.
	pollAt, end := change.Add(time.Hour), t0.Add(8*day)
	for {
		next := r.nextDue(t)
		if !pollAt.IsZero() && (next.IsZero() || !next.Before(pollAt)) {
			r.clk.Set(pollAt)
			poll()
			pollAt = time.Time{}
			continue
		}
		if next.IsZero() || next.After(end) {
			break
		}
		r.clk.Set(next)
		sum, err := r.w.RunDue(ctx)
		if err != nil || sum.Failed > 0 {
			t.Fatalf("round at %s: %v, %+v", offset(next), err, sum.Results)
		}
	}

	for _, c := range cases {
		id := ids[c.name]
		if got := r.history(t, id); !slices.Equal(got, c.history) {
			t.Errorf("%s: history\n got %q\nwant %q", c.name, got, c.history)
		}
		vs, err := r.st.Versions(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != c.versions {
			t.Errorf("%s: %d versions, want %d", c.name, len(vs), c.versions)
		}
		checkEvidence(t, r, c.name, id, slices.Equal(c.history, removed))
		if c.notice != "" {
			events, _ := r.st.ArticleEvents(ctx, id)
			if len(events) == 0 || events[0].Notice.By != c.notice || events[0].Notice.Text == "" {
				t.Errorf("%s: events %+v, want a removal notice by %s", c.name, events, c.notice)
			}
		}
	}
	wantFeed := map[string][]string{
		feedPaths[0]: append(slices.Clone(quiet), "2d1h removed/alive", "2d2h removed/removed", "3d removed/removed", "7d removed/removed"),
		feedPaths[1]: append(slices.Clone(quiet), "3d unchanged/alive", "7d unchanged/alive"),
		feedPaths[2]: append(slices.Clone(quiet), "3d unchanged/alive", "7d unchanged/alive"),
	}
	for p, want := range wantFeed {
		if got := r.history(t, feedIDs[p]); !slices.Equal(got, want) {
			t.Errorf("feed item %s: history\n got %q\nwant %q", p, got, want)
		}
	}

	// The one-character edit reads as that character, in its sentence.
	vs, _ := r.st.Versions(ctx, ids["one character changed in the body"])
	res := diff.Versions(diff.FromArchive(&vs[0]), diff.FromArchive(&vs[1]))
	var changed []diff.Op
	for _, op := range res.Body {
		if op.Kind != diff.Equal {
			changed = append(changed, op)
		}
	}
	// Besides it only the page's read counter moved (not an edit by
	// itself, but part of the stored text).
	if len(changed) != 4 || changed[2].Text != "三" || changed[3].Text != "五" || strings.Trim(changed[0].Text+changed[1].Text, "0123456789") != "" || len(res.Fields) != 0 {
		t.Errorf("one-character diff: %+v (fields %+v)", changed, res.Fields)
	}
	if html := diff.HTML(res.Body); !strings.Contains(html, "<del>三</del><ins>五</ins>") {
		t.Errorf("inline diff lacks the character: %s", html)
	}

	// The Removed and Edited lists.
	rem, err := r.st.WatchEvents(ctx, store.EventQuery{Kind: "removed", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(rem) != 10 { // 8 removals, restored-then-removed, the feed item
		t.Errorf("%d removed events, want 10", len(rem))
	}
	byStatus, _ := r.st.ArticlesByStatus(ctx, "edited", 0, 100, 0)
	if len(byStatus) != 4 {
		t.Errorf("%d edited articles, want 4", len(byStatus))
	}
	n, err := r.st.CountArticles(ctx, store.ArticleFilter{Status: "removed"})
	if err != nil || n != 9 {
		t.Errorf("status=removed counts %d (%v), want 9", n, err)
	}
}

// checkEvidence verifies an article's evidence chain: a removed article's
// chain holds its last alive capture (200) and its first removed one.
func checkEvidence(t *testing.T, r *rig, name string, id int64, wasRemoved bool) {
	t.Helper()
	ch, err := Evidence(context.Background(), r.st, r.blobs, id)
	if err != nil {
		t.Fatalf("%s: evidence: %v", name, err)
	}
	if !ch.Verified() {
		t.Errorf("%s: evidence does not verify: %+v", name, ch.Exhibits)
	}
	if !wasRemoved {
		return
	}
	if len(ch.Exhibits) != 2 || ch.Exhibits[0].Capture.Status != 200 || ch.Exhibits[1].Role != "first removed" {
		t.Fatalf("%s: evidence %+v", name, ch.Exhibits)
	}
	alive, gone := ch.Exhibits[0], ch.Exhibits[1]
	if offset(alive.Capture.FetchedAt) != "1d" || offset(gone.Capture.FetchedAt) != "3d" {
		t.Errorf("%s: last alive at %s, first removed at %s; want 1d and 3d", name, offset(alive.Capture.FetchedAt), offset(gone.Capture.FetchedAt))
	}
	if gone.Capture.RemoteAddr == "" || gone.Capture.BodyHash == "" || gone.Capture.Header == nil {
		t.Errorf("%s: the removal capture lacks its address, body or headers: %+v", name, gone.Capture)
	}
	if strings.HasPrefix(name, "30") && (len(gone.Capture.Redirects) != 1 || gone.Capture.Redirects[0].Status/100 != 3) {
		t.Errorf("%s: redirect chain %+v", name, gone.Capture.Redirects)
	}
}
