package sqlite

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/store"
)

func changedIDs(t *testing.T, s *Store, since store.ChangeMark) ([]int64, map[int64]store.ArticleChange, store.ChangeMark) {
	t.Helper()
	cs, mark, err := s.ArticleChanges(context.Background(), since)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	by := map[int64]store.ArticleChange{}
	for _, c := range cs {
		ids = append(ids, c.ID)
		by[c.ID] = c
		if c.HTML != "" || c.Text != "" {
			t.Errorf("article %d: changes carry content", c.ID)
		}
	}
	slices.Sort(ids)
	return ids, by, mark
}

func TestArticleChangesNameOnlyWhatChangedAfterTheMark(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	pub := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	var ids []int64
	for i, u := range []string{"https://a.example/1", "https://a.example/2", "https://a.example/3"} {
		w := write(u, "标题", "正文", pub.Add(time.Duration(i)*time.Hour))
		w.Watch = &store.WatchStart{Next: pub.Add(48 * time.Hour)}
		res, err := s.SaveArticle(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.ArticleID)
	}
	all, _, mark := changedIDs(t, s, store.ChangeMark{})
	if !slices.Equal(all, ids) {
		t.Fatalf("from the zero mark: %v, want every article %v", all, ids)
	}
	if got, _, again := changedIDs(t, s, mark); len(got) != 0 || again != mark {
		t.Fatalf("nothing changed, yet %v (mark %+v → %+v)", got, mark, again)
	}

	// Seen again unchanged: not a change. Edited: a change. New: a change.
	if _, err := s.SaveArticle(ctx, write("https://a.example/1", "标题", "正文", pub)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveArticle(ctx, write("https://a.example/2", "标题（更新）", "正文已改", pub)); err != nil {
		t.Fatal(err)
	}
	res, err := s.SaveArticle(ctx, write("https://a.example/4", "新", "新正文", pub))
	if err != nil {
		t.Fatal(err)
	}
	// Article 3 is checked and found removed.
	w, err := s.WatchOf(ctx, ids[2])
	if err != nil {
		t.Fatal(err)
	}
	at := pub.Add(50 * time.Hour)
	w.Status, w.Since = "removed", at
	if _, err := s.RecordCheck(ctx, &store.CheckWrite{ArticleID: ids[2], PrevChecks: w.Checks, Watch: w,
		Check: store.Check{At: at, Outcome: "removed"}}); err != nil {
		t.Fatal(err)
	}
	got, by, next := changedIDs(t, s, mark)
	if want := []int64{ids[1], ids[2], res.ArticleID}; !slices.Equal(got, want) {
		t.Fatalf("changes since the mark: %v, want %v", got, want)
	}
	if c := by[ids[1]]; c.VersionCount != 2 || c.Title != "标题（更新）" {
		t.Errorf("the edited article: %d versions, title %q", c.VersionCount, c.Title)
	}
	if c := by[ids[2]]; c.Status != "removed" || !c.StatusSince.Equal(at) {
		t.Errorf("the removed article: status %q since %v", c.Status, c.StatusSince)
	}
	if c := by[res.ArticleID]; c.Status != "" {
		t.Errorf("an unwatched article has status %q", c.Status)
	}
	if next.Version <= mark.Version || next.Check <= mark.Check {
		t.Errorf("the mark did not move: %+v → %+v", mark, next)
	}
}
