package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// TestDeepPagesAndCursorsListWhatAPlainOffsetLists fills a store with
// articles of three sources spread over days on both sides of 1970 (several
// on the same instant), moves some to another day with a new version, and
// checks that every page found through the per-day counts, and every walk
// by cursor, lists exactly what ORDER BY ... OFFSET over all articles lists,
// with the same totals.
func TestDeepPagesAndCursorsListWhatAPlainOffsetLists(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	r := rand.New(rand.NewPCG(7, 16))
	var srcs []int64
	for i := range 3 {
		src, err := s.EnsureSource(ctx, &archive.Source{Kind: archive.KindImport, FeedURL: fmt.Sprintf("import:s%d", i), Title: "s"})
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, src.ID)
	}
	base := time.Date(1970, 1, 3, 0, 0, 0, 0, time.UTC)
	var ws []*store.ArticleWrite
	for i := range 400 {
		pub := base.Add(time.Duration(r.IntN(8*24)-4*24) * time.Hour)
		if i%10 == 0 {
			pub = base // many on one instant: the ID breaks the tie
		}
		w := write(fmt.Sprintf("https://example.com/%d", i), fmt.Sprint(i), "<p>x</p>", pub)
		w.Article.SourceID = srcs[r.IntN(3)]
		ws = append(ws, w)
	}
	if _, err := s.SaveArticles(ctx, ws); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 400; i += 7 { // edited: published moves by days
		w := write(fmt.Sprintf("https://example.com/%d", i), fmt.Sprint(i), "<p>edited</p>", base.Add(time.Duration(r.IntN(5*24)-5*24)*time.Hour))
		w.Article.SourceID = ws[i].Article.SourceID
		if _, err := s.SaveArticle(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(as []archive.Article) []int64 {
		out := make([]int64, len(as))
		for i, a := range as {
			out[i] = a.ID
		}
		return out
	}
	for _, src := range append([]int64{0}, srcs...) {
		f := store.ArticleFilter{SourceID: src, NoContent: true}
		// The reference: one plain OFFSET query over everything.
		where, args := filterWhere(f)
		rows, err := s.db.QueryContext(ctx, `SELECT a.id FROM articles a `+where+` ORDER BY a.sort_at DESC, a.id DESC`, args...)
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			want = append(want, id)
		}
		rows.Close()
		total, err := s.CountArticles(ctx, f)
		if err != nil || total != len(want) {
			t.Fatalf("source %d: count %d (%v), want %d", src, total, err, len(want))
		}
		for _, size := range []int{1, 7, 50} {
			var paged, walked []int64
			for off := 0; off < len(want)+size; off += size {
				f.Limit, f.Offset, f.AfterID = size, off, 0
				page, err := s.Articles(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				paged = append(paged, ids(page)...)
			}
			f.Offset = 0
			for {
				page, err := s.Articles(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				walked = append(walked, ids(page)...)
				f.AfterID = page[len(page)-1].ID
			}
			if !slices.Equal(paged, want) {
				t.Errorf("source %d, pages of %d by offset:\n%v\nwant\n%v", src, size, paged, want)
			}
			if !slices.Equal(walked, want) {
				t.Errorf("source %d, pages of %d by cursor:\n%v\nwant\n%v", src, size, walked, want)
			}
		}
	}
}
