package eval

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/shareddata"
)

// minF1 are the F1 scores extraction must keep on the benchmark sets (the
// targets the extractor was built to; it measured 0.974 on daniel-zh and
// 0.971 on scrapinghub when this was written).
var minF1 = map[string]float64{
	SetDaniel:      0.96,
	SetScrapinghub: 0.95,
}

// TestExtractionBenchmarks scores the extractor on the shared extraction
// benchmarks and fails when F1 drops below its target, or when any page
// with reference text comes back empty or refused. It skips when the data
// is absent.
func TestExtractionBenchmarks(t *testing.T) {
	dir := shareddata.Dir(t, "extraction")
	sets, err := Load(filepath.Dir(dir), []string{SetDaniel, SetScrapinghub})
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != len(minF1) {
		t.Skipf("found %d of the %d benchmark sets", len(sets), len(minF1))
	}
	reports, err := Run(context.Background(), sets, []Extractor{Ours(extract.New(extract.Options{}))})
	if err != nil {
		t.Fatal(err)
	}
	for _, rep := range reports {
		r := rep.Results[0]
		c := &r.Corpus
		t.Logf("%s: %d pages, precision %.3f, recall %.3f, F1 %.3f, %.0f pages/s",
			rep.Set.Name, c.Pages, c.Precision(), c.Recall(), c.F1(), r.PagesPerSecond())
		if want := minF1[rep.Set.Name]; c.F1() < want {
			t.Errorf("%s: F1 %.3f, want at least %.2f", rep.Set.Name, c.F1(), want)
		}
		for _, pr := range r.PageResults {
			if pr.Page.HasRef && pr.Page.Ref != "" && (pr.Out.Err != nil || pr.Out.Text == "") {
				t.Errorf("%s: %s: no text where the reference has some (%v)", rep.Set.Name, pr.Page.ID, pr.Out.Err)
			}
		}
	}
}

// BenchmarkExtractDaniel extracts every DAnIEL dev page once per
// iteration, for profiling (go test -bench ExtractDaniel -cpuprofile).
func BenchmarkExtractDaniel(b *testing.B) {
	dir := shareddata.Dir(b, "extraction")
	sets, err := Load(filepath.Dir(dir), []string{SetDaniel})
	if err != nil || len(sets) == 0 {
		b.Skipf("no DAnIEL pages: %v", err)
	}
	x := Ours(extract.New(extract.Options{}))
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		for _, p := range sets[0].Pages {
			x.Extract(ctx, p)
		}
	}
	b.ReportMetric(float64(b.N*len(sets[0].Pages))/b.Elapsed().Seconds(), "pages/s")
}
