package eval

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/story"
)

// arrivals is the corpus ten times over (45,000 articles with distinct IDs),
// each copy shifted 400 days later, in arrival order.
func arrivals(b *testing.B) []story.Article {
	docs := corpus(b)
	out := make([]story.Article, 0, 10*len(docs))
	for k := range 10 {
		for _, d := range docs {
			out = append(out, story.Article{ID: fmt.Sprintf("%d/%s", k, d.ID), Source: d.Source, Title: d.Title,
				Text: d.Text, Time: d.Time.Add(time.Duration(k) * 400 * 24 * time.Hour)})
		}
	}
	return out
}

// BenchmarkAssign45k assigns 45,000 articles one by one as they would
// arrive, refining every story.RefineEvery, and reports the per-article
// p50/p99 and the total.
func BenchmarkAssign45k(b *testing.B) {
	arts := arrivals(b)
	fold := folder(b)
	for b.Loop() {
		c := story.New(story.DefaultConfig(), fold)
		lat := make([]time.Duration, len(arts))
		start := time.Now()
		for i, a := range arts {
			t := time.Now()
			if _, err := c.Assign(a); err != nil {
				b.Fatal(err)
			}
			lat[i] = time.Since(t)
			if (i+1)%story.RefineEvery == 0 {
				c.Refine()
			}
		}
		total := time.Since(start)
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(total.Seconds(), "total-s")
		b.ReportMetric(float64(len(c.Stories(2))), "stories≥2")
	}
}

// BenchmarkRecluster45k re-clusters all 45,000 from scratch.
func BenchmarkRecluster45k(b *testing.B) {
	arts := arrivals(b)
	c := story.New(story.DefaultConfig(), folder(b))
	for b.Loop() {
		if err := c.Recluster(b.Context(), slices.Values(arts), nil); err != nil {
			b.Fatal(err)
		}
	}
}
