package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/store"
)

func testCopies(t *testing.T, s Store) {
	ctx := context.Background()
	a, b := newSource(t, s, "https://a.example/feed"), newSource(t, s, "https://b.example/feed")
	var art, ver []int64
	for i := range 3 {
		w := write(url(i), "同一篇", "同一篇文章的文字", t0.Add(time.Duration(i)*time.Hour))
		w.Article.SourceID = []int64{a.ID, b.ID, b.ID}[i]
		r := save(t, s, w)
		art, ver = append(art, r.ArticleID), append(ver, r.VersionID)
	}
	texts := must(s.ArticleTexts(ctx, 0, 10))(t)
	if len(texts) != 3 || texts[0].ID != art[0] || texts[0].Source != a.Title || texts[1].Text != "同一篇文章的文字" || !texts[2].At.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("texts %+v", texts)
	}
	if tx := must(s.ArticleTexts(ctx, art[1], 10))(t); len(tx) != 1 || tx[0].ID != art[2] {
		t.Errorf("texts after %d: %+v", art[1], tx)
	}
	if one := must(s.ArticleText(ctx, art[1]))(t); one.VersionID != ver[1] || one.URL != url(1) {
		t.Errorf("text %+v", one)
	}
	var seen [][2]int64
	ok(t, s.ArticleVersionIDs(ctx, func(id, v int64) error { seen = append(seen, [2]int64{id, v}); return nil }))
	if len(seen) != 3 || seen[2] != [2]int64{art[2], ver[2]} {
		t.Errorf("version IDs %v", seen)
	}
	sig := []uint32{1, 2, 0xFFFFFFFF}
	err := s.SaveCopies(ctx, []store.CopiesWrite{
		{Fingerprint: store.Fingerprint{ArticleID: art[0], VersionID: ver[0], Runes: 8, Sig: sig}},
		{Fingerprint: store.Fingerprint{ArticleID: art[1], VersionID: ver[1], Runes: 8, Sig: sig},
			Links:   []store.CopyLink{{Article: art[1], Of: art[0], Kind: store.CopyExact, Jaccard: 1, Containment: 1}},
			Aliases: []store.URLAlias{{Key: "a.example/0", ArticleID: art[1], Certain: true}},
			Members: []int64{art[0], art[1]}, Original: art[0]},
		{Fingerprint: store.Fingerprint{ArticleID: art[2], VersionID: ver[2], Runes: 8, Sig: sig},
			Links:   []store.CopyLink{{Article: art[2], Of: art[1], Kind: store.CopyNear, Jaccard: 0.8, Containment: 0.9, Differs: []string{"title", "footer"}}},
			Members: []int64{art[0], art[1], art[2]}, Original: art[0]},
	})
	if err != nil {
		t.Fatal(err)
	}
	var fps []store.Fingerprint
	ok(t, s.Fingerprints(ctx, func(f store.Fingerprint) error { fps = append(fps, f); return nil }))
	if len(fps) != 3 || !slices.Equal(fps[1].Sig, sig) || fps[1].Runes != 8 {
		t.Errorf("fingerprints %+v", fps)
	}
	g := must(s.CopyGroup(ctx, art[2]))(t)
	if g.ID != art[0] || g.Original != art[0] || len(g.Members) != 3 || !g.Members[0].Original || g.Members[0].Article.ID != art[0] || g.Members[0].Source != a.Title {
		t.Fatalf("group %+v", g)
	}
	if l := g.Members[2].Link; l == nil || l.Of != art[1] || l.Kind != store.CopyNear || !slices.Equal(l.Differs, []string{"title", "footer"}) {
		t.Errorf("member link %+v", l)
	}
	if _, err := s.CopyGroup(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ungrouped: %v", err)
	}
	if m := must(s.CopyGroupsOf(ctx, []int64{art[1], art[2], 999999}))(t); len(m) != 2 || m[art[1]] != art[0] {
		t.Errorf("groups of %v", m)
	}
	if m := must(s.CopyGroupsOf(ctx, nil))(t); len(m) != 0 {
		t.Errorf("groups of none %v", m)
	}
	gm := must(s.GroupMembers(ctx, []int64{art[2]}))(t)
	if len(gm) != 3 || gm[0].ID != art[0] || !gm[0].FirstSeen.Equal(t0) {
		t.Errorf("group members %+v", gm)
	}
	if al := must(s.URLAlias(ctx, "a.example/0"))(t); al.ArticleID != art[1] || !al.Certain {
		t.Errorf("alias %+v", al)
	}
	if _, err := s.URLAlias(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing alias: %v", err)
	}
}

func testStories(t *testing.T, s Store) {
	ctx := context.Background()
	src := newSource(t, s, "https://a.example/feed")
	var art []int64
	for i := range 4 {
		w := write(url(i), "事件", "事件的报道", t0.Add(time.Duration(i)*time.Hour))
		w.Article.SourceID = src.ID
		art = append(art, save(t, s, w).ArticleID)
	}
	st1 := store.Story{ID: 10, Title: "一", TitleArticle: art[0], First: t0, Last: t0.Add(time.Hour), Sources: 1, Members: []int64{art[0], art[1]}}
	st2 := store.Story{ID: 20, Title: "二", TitleArticle: art[2], First: t0.Add(2 * time.Hour), Last: t0.Add(3 * time.Hour), Sources: 1, Members: []int64{art[2], art[3]}}
	ok(t, s.SaveStories(ctx, []store.Story{st1, st2}, nil, true))
	list, total := must2(t)(s.Stories(ctx, 2, 10, 0))
	if total != 2 || len(list) != 2 || list[0].ID != 20 || list[0].Size != 2 || !list[1].Last.Equal(t0.Add(time.Hour)) {
		t.Fatalf("stories %+v (%d)", list, total)
	}
	if got := must(s.StoryOf(ctx, art[1]))(t); got.ID != 10 || got.Title != "一" {
		t.Errorf("story of %+v", got)
	}
	m := must(s.StoryMembers(ctx, 20))(t)
	if len(m) != 2 || m[0].Article.ID != art[2] || m[0].Source != src.Title {
		t.Errorf("members %+v", m)
	}
	// A partial write moves art[1] to story 20 and removes story 10.
	st2.Members = []int64{art[1], art[2], art[3]}
	ok(t, s.SaveStories(ctx, []store.Story{st2}, []int64{10}, false))
	if _, err := s.Story(ctx, 10); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removed story: %v", err)
	}
	if of := must(s.StoriesOf(ctx, []int64{art[0], art[1]}))(t); len(of) != 1 || of[art[1]] != 20 {
		t.Errorf("stories of %v", of)
	}
	if _, err := s.StoryOf(ctx, art[0]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("story of a member of a removed story: %v", err)
	}
	d := store.StoryDecision{Kind: "merge", A: []string{"x", "y"}, B: []string{"z"}, At: t0}
	id := must(s.AddStoryDecision(ctx, d))(t)
	ds := must(s.StoryDecisions(ctx))(t)
	if len(ds) != 1 || ds[0].ID != id || !slices.Equal(ds[0].A, d.A) || !slices.Equal(ds[0].B, d.B) || !ds[0].At.Equal(t0) {
		t.Errorf("decisions %+v", ds)
	}
	if _, err := s.StoryState(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no state yet: %v", err)
	}
	ok(t, s.SaveStoryState(ctx, []byte{0, 1, 2, 0xff}))
	ok(t, s.SaveStoryState(ctx, []byte{9}))
	if b := must(s.StoryState(ctx))(t); !slices.Equal(b, []byte{9}) {
		t.Errorf("state %v", b)
	}
}

// must2 checks the error of a call that returns two values.
func must2(t *testing.T) func([]store.Story, int, error) ([]store.Story, int) {
	return func(l []store.Story, n int, err error) ([]store.Story, int) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return l, n
	}
}
