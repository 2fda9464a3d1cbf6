package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// testConcurrentWriters: writers working at once on the same articles,
// sources, checks and token names leave one article per URL with an
// unbroken version sequence, one source per key, one check per count and
// one live token per name.
func testConcurrentWriters(t *testing.T, s Store) {
	ctx := context.Background()
	const writers, urls = 6, 12
	var wg sync.WaitGroup
	errs := make(chan error, writers*urls*2)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range urls {
				// Even URLs: every writer has its own text (new versions);
				// odd URLs: all writers have the same (one version).
				text := "同样的文字"
				if i%2 == 0 {
					text = fmt.Sprintf("第%d位作者的文字", g)
				}
				if _, err := s.SaveArticle(ctx, write(url(i), "题", text, t0)); err != nil {
					errs <- err
				}
				if _, err := s.SaveArticles(ctx, []*store.ArticleWrite{write(url(100+i), "批", text, t0), write(url(200+i), "批", text, t0)}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := must(s.CountArticles(ctx, store.ArticleFilter{}))(t); n != 3*urls {
		t.Fatalf("%d articles, want %d", n, 3*urls)
	}
	for _, base := range []int{0, 100, 200} {
		for i := range urls {
			a := must(s.ArticleByURL(ctx, url(base+i)))(t)
			vs := must(s.Versions(ctx, a.ID))(t)
			for j, v := range vs {
				if v.Seq != j+1 {
					t.Errorf("%s: version %d has seq %d", a.URL, j, v.Seq)
				}
			}
			if a.VersionCount != len(vs) || a.VersionID != vs[len(vs)-1].ID {
				t.Errorf("%s: count %d, %d versions", a.URL, a.VersionCount, len(vs))
			}
			if i%2 == 1 && len(vs) != 1 {
				t.Errorf("%s: %d versions of the same text", a.URL, len(vs))
			}
		}
	}

	// One source per key, one token per live name.
	var mu sync.Mutex
	created, conflicts := 0, 0
	count := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			created++
		case errors.Is(err, store.ErrConflict):
			conflicts++
		default:
			t.Error(err)
		}
	}
	for g := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			count(s.CreateSource(ctx, &archive.Source{Kind: archive.KindManual, FeedURL: "manual:", Title: "manual"}))
		}()
		go func() {
			defer wg.Done()
			count(s.CreateAPIToken(ctx, &store.APIToken{Name: "ci", Hash: fmt.Sprintf("h%d", g)}))
		}()
	}
	wg.Wait()
	if created != 2 || conflicts != 2*writers-2 {
		t.Errorf("%d created, %d conflicts; want 2 and %d", created, conflicts, 2*writers-2)
	}

	// Checks computed from the same state: exactly one is recorded.
	w := write(url(999), "题", "文", t0)
	w.Watch = &store.WatchStart{Next: t0}
	id := save(t, s, w).ArticleID
	created, conflicts = 0, 0
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.RecordCheck(ctx, &store.CheckWrite{ArticleID: id, PrevChecks: 0,
				Capture: &archive.Capture{URL: url(999), Status: 200, FetchedAt: t0, BodyHash: fmt.Sprint(g)},
				Check:   store.Check{At: t0, Outcome: "unchanged"},
				Watch:   store.Watch{Status: "alive", Since: t0, LastAlive: store.Mark{At: t0, CaptureID: store.ThisCapture}}})
			count(err)
		}()
	}
	wg.Wait()
	if created != 1 || conflicts != writers-1 {
		t.Errorf("checks: %d recorded, %d refused", created, conflicts)
	}
	if c := must(s.Checks(ctx, id))(t); len(c) != 1 {
		t.Errorf("%d checks stored", len(c))
	}
}
