package search_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/store/sqlite"
)

var (
	analyzerOnce sync.Once
	analyzer     *search.Analyzer
	analyzerErr  error
)

// newAnalyzer returns an Analyzer shared by the tests of this package (it
// is read-only, and building one per test would only cost time).
func newAnalyzer(tb testing.TB) *search.Analyzer {
	tb.Helper()
	analyzerOnce.Do(func() { analyzer, analyzerErr = search.NewAnalyzer() })
	if analyzerErr != nil {
		tb.Fatal(analyzerErr)
	}
	return analyzer
}

// index is a temporary store with articles indexed by the shared analyzer.
type index struct {
	a *search.Analyzer
	s *sqlite.Store
}

// newIndex opens a store in a temporary directory and saves one article per
// text, at https://example.com/<i> with title "t<i>" and no date.
func newIndex(tb testing.TB, texts ...string) *index {
	tb.Helper()
	a := newAnalyzer(tb)
	s, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "newsvault.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	ix := &index{a: a, s: s}
	for i, text := range texts {
		ix.add(tb, fmt.Sprintf("https://example.com/%d", i), fmt.Sprintf("t%d", i), text)
	}
	return ix
}

func (ix *index) add(tb testing.TB, url, title, text string) {
	tb.Helper()
	doc := ix.a.Index(title, text)
	w := &store.ArticleWrite{
		Article: archive.Article{URL: url},
		Version: archive.Version{Title: title, Text: text, HTML: "<p>" + text + "</p>"},
		Index:   &doc,
	}
	w.Version.Hash = archive.ContentHash(&w.Version)
	if _, err := ix.s.SaveArticle(context.Background(), w); err != nil {
		tb.Fatal(err)
	}
}

// find returns the sorted indexes (as in newIndex) of the articles the
// query finds, with its tree, or an error when the store rejects the tree.
func (ix *index) find(query string) ([]int, search.Expr, error) {
	q := ix.a.Parse(query, nil)
	expr := q.Match
	if expr == nil {
		return nil, expr, nil
	}
	hits, _, err := ix.s.Search(context.Background(), store.SearchQuery{Match: expr, Limit: 100})
	if err != nil {
		return nil, expr, err
	}
	var out []int
	for _, h := range hits {
		var i int
		fmt.Sscanf(h.Article.URL, "https://example.com/%d", &i)
		out = append(out, i)
	}
	sort.Ints(out)
	return out, expr, nil
}
