package search_test

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/store"
)

// benchCorpusFiles returns up to n files of the news-md corpus, spread over
// its outlets.
func benchCorpusFiles(b *testing.B, n int) []string {
	dir := shareddata.Dir(b, "news-md")
	var files []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return err
	})
	sort.Strings(files)
	if len(files) > n {
		step := len(files) / n
		var picked []string
		for i := 0; i < len(files) && len(picked) < n; i += step {
			picked = append(picked, files[i])
		}
		files = picked
	}
	return files
}

// BenchmarkIndex measures tokenising article text into an index entry.
func BenchmarkIndex(b *testing.B) {
	a := newAnalyzer(b)
	san := content.NewSanitizer()
	var texts []string
	size := 0
	for _, f := range benchCorpusFiles(b, 200) {
		if w := prepareFile(a, san, f); w != nil {
			texts = append(texts, w.Version.Text)
			size += len(w.Version.Text)
		}
	}
	b.SetBytes(int64(size / len(texts)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a.Index("", texts[i%len(texts)])
	}
}

// BenchmarkSaveArticle measures storing one article (one transaction), with
// and without its index entry.
func BenchmarkSaveArticle(b *testing.B) {
	a := newAnalyzer(b)
	san := content.NewSanitizer()
	var writes []*store.ArticleWrite
	for _, f := range benchCorpusFiles(b, 500) {
		if w := prepareFile(a, san, f); w != nil {
			writes = append(writes, w)
		}
	}
	for _, withIndex := range []bool{true, false} {
		b.Run(fmt.Sprintf("index=%v", withIndex), func(b *testing.B) {
			ix := newIndex(b)
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				w := *writes[i%len(writes)]
				w.Article.URL = fmt.Sprintf("%s?copy=%d", w.Article.URL, i)
				if !withIndex {
					w.Index = nil
				}
				if _, err := ix.s.SaveArticle(ctx, &w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var (
	benchOnce   sync.Once
	benchCorpus *corpus
)

// BenchmarkSearch runs queries against the whole news-md corpus (4,470
// files) as the web search does: parse, match, one page of 20 hits with
// snippets. bench search in cmd/newsvault does the same at ten times the
// size.
func BenchmarkSearch(b *testing.B) {
	dir := shareddata.Dir(b, "news-md")
	benchOnce.Do(func() { benchCorpus = loadCorpus(b, dir) })
	c := benchCorpus
	for _, raw := range []string{"北京", "卢卡申科", "香港 国安法", "美国 制裁 新疆", "盧卡申科", `"Hong Kong"`, "WHO", "港"} {
		b.Run(raw, func(b *testing.B) {
			for b.Loop() {
				q := c.a.Parse(raw, nil)
				hits, _, err := c.s.Search(context.Background(), store.SearchQuery{Match: q.Match, Limit: 20})
				if err != nil {
					b.Fatal(err)
				}
				for _, h := range hits {
					c.a.Highlight(h.Article.Text, q, 200)
				}
			}
		})
	}
}

// BenchmarkHighlight measures making one result snippet from an article's
// plain text.
func BenchmarkHighlight(b *testing.B) {
	a := newAnalyzer(b)
	san := content.NewSanitizer()
	var texts []string
	for _, f := range benchCorpusFiles(b, 100) {
		if w := prepareFile(a, san, f); w != nil {
			texts = append(texts, w.Version.Text)
		}
	}
	q := search.ParseQuery("香港 国安法", nil)
	for i := 0; b.Loop(); i++ {
		a.Highlight(texts[i%len(texts)], q, 200)
	}
}

// BenchmarkNewAnalyzer measures building the folding tables.
func BenchmarkNewAnalyzer(b *testing.B) {
	for b.Loop() {
		if _, err := search.NewAnalyzer(); err != nil {
			b.Fatal(err)
		}
	}
}
