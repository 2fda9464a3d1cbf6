package search_test

import (
	"context"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/longbridgeapp/opencc"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/store"
)

// corpus is the shared news-md corpus imported into a temporary store.
type corpus struct {
	*index
	articles []archive.Article // as stored (latest versions), by ID
}

// loadCorpus imports every file under dir: files are parsed and sanitised
// in parallel and written in file order, then indexed by Reindex, which
// writes 500 entries per transaction (SaveArticle with an index entry, one
// transaction per article, is what bench search measures).
func loadCorpus(tb testing.TB, dir string) *corpus {
	tb.Helper()
	ctx := context.Background()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	ix := newIndex(tb)
	san := content.NewSanitizer()
	writes := make([]*store.ArticleWrite, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				writes[i] = prepareFile(ix.a, san, files[i])
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	sources := map[string]int64{}
	for i, w := range writes {
		if w == nil {
			continue
		}
		outlet := filepath.Base(filepath.Dir(files[i]))
		if _, ok := sources[outlet]; !ok {
			src, err := ix.s.EnsureSource(ctx, &archive.Source{Kind: archive.KindImport, FeedURL: "import:" + outlet, Title: outlet})
			if err != nil {
				tb.Fatal(err)
			}
			sources[outlet] = src.ID
		}
		w.Article.SourceID = sources[outlet]
		w.Index = nil
		if _, err := ix.s.SaveArticle(ctx, w); err != nil {
			tb.Fatal(err)
		}
	}
	if err := ix.s.Reindex(ctx, ix.a.Index, nil); err != nil {
		tb.Fatal(err)
	}
	c := &corpus{index: ix}
	for off := 0; ; off += 1000 {
		page, err := ix.s.Articles(ctx, store.ArticleFilter{Limit: 1000, Offset: off})
		if err != nil {
			tb.Fatal(err)
		}
		c.articles = append(c.articles, page...)
		if len(page) < 1000 {
			break
		}
	}
	sort.Slice(c.articles, func(i, j int) bool { return c.articles[i].ID < c.articles[j].ID })
	return c
}

// prepareFile turns one mirror file into an article write with its index
// entry, or nil when it is not a mirror file with a link.
func prepareFile(a *search.Analyzer, san *content.Sanitizer, file string) *store.ArticleWrite {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	u, v, err := pipeline.MirrorArticle(filepath.Base(file), data, san, nil)
	if err != nil {
		return nil
	}
	w := &store.ArticleWrite{Article: archive.Article{URL: u}, Version: v}
	w.Version.Hash = archive.ContentHash(&w.Version)
	doc := a.Index(w.Version.Title, w.Version.Text)
	w.Index = &doc
	return w
}

// foldedCorpus is the folded titles and texts of a corpus's articles, with
// the articles each character occurs in, to find substrings fast.
type foldedCorpus struct {
	texts [][2]string    // by position in corpus.articles
	where map[rune][]int // positions of the articles a rune occurs in, ascending
}

func (c *corpus) fold() *foldedCorpus {
	fc := &foldedCorpus{texts: make([][2]string, len(c.articles)), where: map[rune][]int{}}
	for i, a := range c.articles {
		fc.texts[i] = [2]string{c.a.Fold(a.Title), c.a.Fold(a.Text)}
		for _, s := range fc.texts[i] {
			for _, r := range s {
				if p := fc.where[r]; len(p) == 0 || p[len(p)-1] != i {
					fc.where[r] = append(p, i)
				}
			}
		}
	}
	return fc
}

// containing returns the IDs of the articles whose folded title or text
// contains the folded s: what a phrase of CJK characters must find.
func (c *corpus) containing(s string, fc *foldedCorpus) []int64 {
	fs := c.a.Fold(s)
	// Only the articles that have the rarest of its characters can.
	var cands []int
	for i, r := range []rune(fs) {
		if p := fc.where[r]; i == 0 || len(p) < len(cands) {
			cands = p
		}
	}
	var out []int64
	for _, i := range cands {
		if strings.Contains(fc.texts[i][0], fs) || strings.Contains(fc.texts[i][1], fs) {
			out = append(out, c.articles[i].ID)
		}
	}
	return out
}

// searchAll returns the IDs of every article a query finds (all pages),
// sorted, and the total the store reported.
func (c *corpus) searchAll(tb testing.TB, query string) ([]int64, int) {
	tb.Helper()
	expr := c.a.Parse(query, nil).Match
	var ids []int64
	total := 0
	for off := 0; ; off += 100 {
		hits, n, err := c.s.Search(context.Background(), store.SearchQuery{Match: expr, Limit: 100, Offset: off, SortByDate: true})
		if err != nil {
			tb.Fatalf("%q → %v: %v", query, expr, err)
		}
		total = n
		for _, h := range hits {
			ids = append(ids, h.Article.ID)
		}
		if len(hits) < 100 {
			break
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, total
}

// TestCorpusSearchFindsEverySubstring imports the 4,470-article news-md
// corpus and searches for 200 random two- to six-character Chinese
// substrings of article texts, in simplified and in traditional script. A
// search must find exactly the articles whose folded text contains the
// substring: the one it was taken from among them (recall) and none that
// lacks it (precision).
func TestCorpusSearchFindsEverySubstring(t *testing.T) {
	dir := shareddata.Dir(t, "news-md")
	if testing.Short() {
		t.Skip("imports the whole corpus")
	}
	c := loadCorpus(t, dir)
	if len(c.articles) < 4000 {
		t.Fatalf("only %d articles imported", len(c.articles))
	}
	fc := c.fold()
	folded := fc.texts
	s2t, err := opencc.New("s2t")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2023, 7))
	found, tradSame, tried := 0, 0, 0
	for tried < 200 {
		a := c.articles[rng.IntN(len(c.articles))]
		sub, ok := hanSubstring(rng, a.Text, 2+rng.IntN(5))
		if !ok {
			continue
		}
		tried++
		want := c.containing(sub, fc)
		got, total := c.searchAll(t, sub)
		if !equalIDs(got, want) || total != len(want) {
			t.Errorf("%q: found %d articles (total %d), %d contain it", sub, len(got), total, len(want))
			continue
		}
		if !containsID(got, a.ID) {
			t.Errorf("%q: article %d it was taken from is not found", sub, a.ID)
			continue
		}
		found++
		trad, err := s2t.Convert(sub)
		if err != nil {
			t.Fatal(err)
		}
		tgot, _ := c.searchAll(t, trad)
		if !equalIDs(tgot, got) {
			t.Errorf("%q in traditional script %q: %d articles, simplified %d", sub, trad, len(tgot), len(got))
			continue
		}
		tradSame++
	}
	t.Logf("%d articles; %d of %d substrings found their article (and only articles containing them); %d of them the same in traditional script",
		len(c.articles), found, tried, tradSame)

	// Characters that never stand next to each other: the phrase must not
	// match articles that merely contain both.
	x, y := neverAdjacent(t, folded)
	if got, _ := c.searchAll(t, x+y); len(got) != 0 {
		t.Errorf("%q (never adjacent in the corpus) found %v", x+y, got)
	}
	// Three characters whose two bigrams each occur but never in a row.
	if tri, ok := bigramsNeverInARow(c.articles, folded); ok {
		got, _ := c.searchAll(t, tri)
		for _, id := range got {
			t.Errorf("%q (never in the corpus) found article %d", tri, id)
		}
	}
}

// hanSubstring picks n consecutive Han characters from a random place in
// text.
func hanSubstring(rng *rand.Rand, text string, n int) (string, bool) {
	r := []rune(text)
	if len(r) < n {
		return "", false
	}
	for range 20 {
		i := rng.IntN(len(r) - n + 1)
		ok := true
		for _, c := range r[i : i+n] {
			if !unicode.Is(unicode.Han, c) {
				ok = false
				break
			}
		}
		if ok {
			return string(r[i : i+n]), true
		}
	}
	return "", false
}

// neverAdjacent returns two frequent characters that occur in the corpus
// but never next to each other, in either order, in any folded text.
func neverAdjacent(t *testing.T, folded [][2]string) (string, string) {
	t.Helper()
	freq := map[rune]int{}
	adjacent := map[[2]rune]bool{}
	for _, f := range folded {
		for _, s := range f {
			var prev rune
			for _, r := range s {
				freq[r]++
				adjacent[[2]rune{prev, r}] = true
				prev = r
			}
		}
	}
	var common []rune
	for r, n := range freq {
		if unicode.Is(unicode.Han, r) && n > 500 {
			common = append(common, r)
		}
	}
	sort.Slice(common, func(i, j int) bool { return common[i] < common[j] })
	for _, a := range common {
		for _, b := range common {
			if a != b && !adjacent[[2]rune{a, b}] && !adjacent[[2]rune{b, a}] {
				return string(a), string(b)
			}
		}
	}
	t.Fatal("every pair of common characters is adjacent somewhere")
	return "", ""
}

// bigramsNeverInARow finds three characters abc such that ab and bc each
// occur in the corpus, in at least one same article, but abc never does.
func bigramsNeverInARow(articles []archive.Article, folded [][2]string) (string, bool) {
	for i := range articles {
		r := []rune(folded[i][1])
		for j := 0; j+1 < len(r); j++ {
			if !unicode.Is(unicode.Han, r[j]) || !unicode.Is(unicode.Han, r[j+1]) {
				continue
			}
			// ab at j; look for another bigram b c later in the same text.
			for k := j + 2; k+1 < len(r) && k < j+200; k++ {
				if r[k] != r[j+1] || !unicode.Is(unicode.Han, r[k+1]) {
					continue
				}
				tri := string([]rune{r[j], r[j+1], r[k+1]})
				if !anyContains(folded, tri) {
					return tri, true
				}
			}
		}
	}
	return "", false
}

func anyContains(folded [][2]string, s string) bool {
	for _, f := range folded {
		if strings.Contains(f[0], s) || strings.Contains(f[1], s) {
			return true
		}
	}
	return false
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func containsID(ids []int64, id int64) bool {
	i := sort.Search(len(ids), func(i int) bool { return ids[i] >= id })
	return i < len(ids) && ids[i] == id
}
