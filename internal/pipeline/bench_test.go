package pipeline

import (
	"context"
	"testing"

	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/shareddata"
)

// BenchmarkImportCorpus imports the 4,470-article news-md corpus into a
// fresh store per iteration, blob writes (synced) and search indexing
// included. The
// command-line equivalent, which also reports peak memory, is
// "newsvault bench import".
func BenchmarkImportCorpus(b *testing.B) {
	dir := shareddata.Dir(b, "news-md")
	files := 0
	for b.Loop() {
		an, err := search.NewAnalyzer()
		if err != nil {
			b.Fatal(err)
		}
		e := newEnv(b, Options{SkipImages: true, Indexer: an})
		rep, err := e.pipe.Import(context.Background(), []string{dir}, ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		files += rep.Files
	}
	b.ReportMetric(float64(files)/b.Elapsed().Seconds(), "articles/s")
}
