package extract_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/extract/eval"
	"github.com/newsvault/newsvault/internal/shareddata"
)

// sameDay reports whether got falls on the (possibly partial: "2018",
// "1998-3") day of want, read on got's own wall clock.
func sameDay(want string, got time.Time) bool {
	if got.IsZero() {
		return false
	}
	w, ok := extract.ParseDate(want, time.UTC)
	if !ok {
		// Partial answers: a year, or a year and month.
		parts := strings.Split(strings.Fields(want)[0], "-")
		if len(parts) > 2 || parts[0] != got.Format("2006") {
			return false
		}
		return len(parts) == 1 || strings.TrimLeft(parts[1], "0") == got.Format("1")
	}
	return w.Format("2006-01-02") == got.Format("2006-01-02")
}

// TestZhPages runs the extractor over the shared zh-pages (the pages and
// answers as the eval command loads them) and checks robust things: nearly
// every page extracts with a title, and publication days match the answers.
func TestZhPages(t *testing.T) {
	dataDir := shareddata.Dir(t)
	sets, err := eval.Load(dataDir, []string{eval.SetImmortal, eval.SetGNE, eval.SetReadability, eval.SetZhOther})
	if err != nil {
		t.Fatal(err)
	}
	var pages []*eval.Page
	for _, s := range sets {
		pages = append(pages, s.Pages...)
	}
	if len(pages) == 0 {
		t.Skip("zh-pages not found in the shared data")
	}
	if testing.Short() && len(pages) > 30 {
		pages = pages[:30]
	}
	e := extract.New(extract.Options{})
	ctx := context.Background()
	var ok, titled, dated, withDate, dayRight, withAuthor, authorRight, withTitle, titleRight int
	start := time.Now()
	for _, p := range pages {
		r, err := e.Extract(ctx, extract.Page{URL: "https://zh-pages.example/" + p.ID, Body: p.Body})
		if err != nil {
			t.Logf("%s: %v", p.ID, err)
			continue
		}
		ok++
		if r.Title != "" {
			titled++
		}
		if !r.Published.IsZero() {
			dated++
		}
		if p.Date != "" {
			withDate++
			if sameDay(p.Date, r.Published) {
				dayRight++
			} else {
				t.Logf("%s: date %s, answer %q", p.ID, r.Published.Format(time.RFC3339), p.Date)
			}
		}
		if p.Author != "" {
			withAuthor++
			if r.Author == p.Author {
				authorRight++
			}
		}
		if p.Title != "" {
			withTitle++
			if r.Title == p.Title {
				titleRight++
			} else {
				t.Logf("%s: title %q, answer %q", p.ID, r.Title, p.Title)
			}
		}
	}
	t.Logf("%d pages in %v: %d extracted, %d with a title, %d with a date; day right %d/%d, author right %d/%d, title right %d/%d",
		len(pages), time.Since(start).Round(time.Millisecond), ok, titled, dated, dayRight, withDate, authorRight, withAuthor, titleRight, withTitle)

	if ok*10 < len(pages)*9 {
		t.Errorf("extracted %d of %d pages, want at least 90%%", ok, len(pages))
	}
	if titled*10 < ok*9 {
		t.Errorf("%d of %d extracted pages have a title, want at least 90%%", titled, ok)
	}
	if !testing.Short() && dayRight < minDaysRight {
		t.Errorf("publication day right on %d of %d pages with an answer, want at least %d", dayRight, withDate, minDaysRight)
	}
}

// minDaysRight is the floor for TestZhPages' date score on the full set,
// set a little under the measured figure so that regressions show.
const minDaysRight = 62
