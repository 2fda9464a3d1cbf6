package storetest

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/longbridgeapp/opencc"

	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/store"
)

// searchIDs returns the IDs of every article q finds (all pages, by date)
// and the total the store reported.
func searchIDs(t *testing.T, s Store, q store.SearchQuery) ([]int64, int) {
	t.Helper()
	var out []int64
	total := 0
	q.SortByDate, q.Limit = true, 100
	for off := 0; ; off += 100 {
		q.Offset = off
		hits, n, err := s.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("search %v: %v", q.Match, err)
		}
		total = n
		for _, h := range hits {
			out = append(out, h.Article.ID)
		}
		if len(hits) < 100 {
			break
		}
	}
	slices.Sort(out)
	return out, total
}

func find(t *testing.T, s Store, query string) []int64 {
	t.Helper()
	got, total := searchIDs(t, s, store.SearchQuery{Match: analyzer.Parse(query, nil).Match})
	if total != len(got) {
		t.Errorf("%q: total %d, %d found", query, total, len(got))
	}
	return got
}

func testSearch(t *testing.T, s Store) {
	ctx := context.Background()
	docs := []struct{ title, text string }{
		{"卢卡申科会见代表团", "白俄罗斯总统卢卡申科在明斯克会见了中国代表团。"},                          // 0
		{"香港国安法实施一周年", "香港國安法實施一周年，各界舉行活動。"},                              // 1: traditional body
		{"疫苗接种", "新冠疫苗接种工作在北京展开。"},                                        // 2
		{"新冠病例", "北京新增新冠病例三例，均为境外输入。"},                                    // 3
		{"COVID-19 update", "WHO says COVID-19 cases fell in Hong Kong."}, // 4
		{"北京天气", "明天北京有雨，后天转晴。中国美术馆闭馆。"},                                  // 5
		{"长文", strings.Repeat("无关的文字。", 20) + "最后提到卢卡申科"},                 // 6
	}
	var id []int64
	for i, d := range docs {
		id = append(id, save(t, s, write(url(i), d.title, d.text, t0.Add(time.Duration(i)*time.Hour))).ArticleID)
	}
	for _, c := range []struct {
		q    string
		want []int
	}{
		{"卢卡申科", []int{0, 6}},
		{"盧卡申科", []int{0, 6}}, // traditional finds simplified
		{"国安法", []int{1}},     // simplified finds traditional
		{"實施", []int{1}},
		{"北京 新冠", []int{2, 3}}, // both terms, anywhere
		{"新冠 -疫苗", []int{3}},   // exclusion
		{`"Hong Kong"`, []int{4}},
		{"covid-19", []int{4}},
		{"hong", []int{4}},
		{"中国 美", []int{5}}, // a trailing lone character is a prefix: 美术馆
		{"卡申会", nil},       // every bigram is there, never in a row
		{"会见代表", []int{0}},
		{"年各界", nil}, // across punctuation is not a substring
		{"一周年", []int{1}},
		{"总统卢卡申科在明斯克", []int{0}}, // a long phrase
		{"代表团 实施", nil},          // title of one, body of another
	} {
		var want []int64
		for _, i := range c.want {
			want = append(want, id[i])
		}
		slices.Sort(want)
		if got := find(t, s, c.q); !slices.Equal(got, want) {
			t.Errorf("%q found %v, want %v", c.q, got, want)
		}
	}
	// Or, and phrases built by hand, as a store gets them.
	tok := func(s string) search.Phrase { return search.Phrase{{Text: s}} }
	or := search.Or{tok("疫苗"), tok("卢卡"), search.Phrase{{Text: "明天"}, {Text: "天北"}, {Text: "北京"}}}
	if got, _ := searchIDs(t, s, store.SearchQuery{Match: or}); !slices.Equal(got, []int64{id[0], id[2], id[5], id[6]}) {
		t.Errorf("or: %v", got)
	}
	nested := search.And{search.Or{tok("北京"), tok("香港")}, search.Not{X: search.Or{tok("疫苗"), tok("天气")}}}
	if got, _ := searchIDs(t, s, store.SearchQuery{Match: nested}); !slices.Equal(got, []int64{id[1], id[3]}) {
		t.Errorf("nested: %v", got)
	}
	for _, bad := range []search.Expr{search.And{search.Not{X: tok("北京")}}, search.Not{X: tok("北京")}, search.Phrase{}, search.Or{}, search.And{}} {
		if _, _, err := s.Search(ctx, store.SearchQuery{Match: bad}); err == nil {
			t.Errorf("%#v accepted", bad)
		}
	}
	// A title match ranks above a body match.
	hits, total, err := s.Search(ctx, store.SearchQuery{Match: analyzer.Parse("卢卡申科", nil).Match})
	if err != nil || total != 2 || len(hits) != 2 || hits[0].Article.ID != id[0] || hits[0].Score <= hits[1].Score {
		t.Errorf("relevance: %d of %d, %v", len(hits), total, err)
	}
	// Paging by date: newest first, the total on every page, past the end too.
	q := store.SearchQuery{Match: analyzer.Parse("北京", nil).Match, SortByDate: true, Limit: 2}
	var pages []int64
	for off := 0; off < 6; off += 2 {
		q.Offset = off
		hits, total, err := s.Search(ctx, q)
		if err != nil || total != 3 {
			t.Fatalf("page at %d: total %d, %v", off, total, err)
		}
		for _, h := range hits {
			pages = append(pages, h.Article.ID)
			if h.Article.Text == "" {
				t.Error("a hit without its text")
			}
		}
	}
	if !slices.Equal(pages, []int64{id[5], id[3], id[2]}) {
		t.Errorf("pages by date %v", pages)
	}
}

func testSearchFilters(t *testing.T, s Store) {
	ctx := context.Background()
	bbc, other := newSource(t, s, "https://feeds.bbc.co.uk/zh"), newSource(t, s, "https://other.example/feed")
	add := func(u string, src int64, lang string, at time.Time) int64 {
		w := write(u, "新闻", "今日新闻", at)
		w.Article.SourceID, w.Version.Language = src, lang
		return save(t, s, w).ArticleID
	}
	a := add("https://www.bbc.com/zhongwen/1", bbc.ID, "zh-CN", t0)
	b := add("https://bbc.com:8443/2", other.ID, "zh_TW", t0.Add(time.Hour))
	c := add("https://notbbc.com/3", other.ID, "zh", t0.Add(2*time.Hour))
	d := add("https://other.example/4", other.ID, "zha", t0.Add(3*time.Hour))
	e := add("urn:import:5", bbc.ID, "en", t0.Add(4*time.Hour))
	match := analyzer.Parse("新闻", nil).Match
	for _, c := range []struct {
		name string
		q    store.SearchQuery
		want []int64
	}{
		{"all", store.SearchQuery{}, []int64{a, b, c, d, e}},
		{"source", store.SearchQuery{SourceIDs: []int64{bbc.ID}}, []int64{a, e}},
		{"site hosts", store.SearchQuery{Site: &store.SiteFilter{Hosts: []string{"BBC.com"}}}, []int64{a, b}},
		{"site source or host", store.SearchQuery{Site: &store.SiteFilter{SourceIDs: []int64{bbc.ID}, Hosts: []string{"other.example"}}}, []int64{a, d, e}},
		{"empty site", store.SearchQuery{Site: &store.SiteFilter{}}, nil},
		{"language prefix", store.SearchQuery{Language: "ZH"}, []int64{a, b, c}},
		{"after", store.SearchQuery{After: t0.Add(3 * time.Hour)}, []int64{d, e}},
		{"before", store.SearchQuery{Before: t0.Add(time.Hour)}, []int64{a}},
	} {
		for _, withText := range []bool{false, true} {
			q := c.q
			if withText {
				q.Match = match
			}
			got, total := searchIDs(t, s, q)
			if !slices.Equal(got, c.want) || total != len(c.want) {
				t.Errorf("%s (text %v): %v (total %d), want %v", c.name, withText, got, total, c.want)
			}
		}
	}
	// Without text, the filters list newest first.
	hits, _, err := s.Search(ctx, store.SearchQuery{Limit: 2})
	if err != nil || len(hits) != 2 || hits[0].Article.ID != e || hits[1].Article.ID != d {
		t.Errorf("filters only: %v", err)
	}
}

// testSearchLongArticle: an article longer than a full-text index keeps
// positions for, with a bigram repeated hundreds of times, is still found
// by a phrase at its very end.
func testSearchLongArticle(t *testing.T, s Store) {
	var b strings.Builder
	for i := range 9000 {
		b.WriteString("中国")
		b.WriteString(string(rune(0x4e00 + i%2000)))
	}
	b.WriteString("中国人民大学的尽头")
	long := save(t, s, write(url(1), "长文", b.String(), t0)).ArticleID
	short := save(t, s, write(url(2), "短文", "中国人民大学", t0)).ArticleID
	for q, want := range map[string][]int64{
		"尽头":         {long},
		"中国人民大学":     {long, short},
		"大学的尽头":      {long},
		"尽头 -短文":     {long},
		"中国人民大学 -长文": {short},
	} {
		if got := find(t, s, q); !slices.Equal(got, want) {
			t.Errorf("%q found %v, want %v", q, got, want)
		}
	}
}

func testReindex(t *testing.T, s Store) {
	ctx := context.Background()
	w := write(url(1), "题", "香港新闻", t0)
	w.Index = nil
	save(t, s, w)
	if got := find(t, s, "香港"); len(got) != 0 {
		t.Fatalf("unindexed article found: %v", got)
	}
	var calls int
	if err := s.Reindex(ctx, analyzer.Index, func(done, total int) { calls++ }); err != nil {
		t.Fatal(err)
	}
	if got := find(t, s, "香港"); len(got) != 1 || calls == 0 {
		t.Errorf("after reindex: %v (%d progress calls)", got, calls)
	}
	if err := s.SetIndexMerging(ctx, false); err != nil {
		t.Fatal(err)
	}
	if err := s.SetIndexMerging(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := s.OptimizeIndex(ctx); err != nil {
		t.Fatal(err)
	}
}

// CorpusRecall imports files of the shared news-md corpus (every step-th
// file and the longest ones) and checks that a search for random two- to
// six-character Chinese substrings of their texts, in simplified and in
// traditional script, finds exactly the articles whose folded title or
// text contains the substring. It skips when the corpus is absent.
func CorpusRecall(t *testing.T, s Store, files, queries int) {
	dir := shareddata.Dir(t, "news-md")
	var all []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasSuffix(p, ".md") {
			all = append(all, p)
		}
		return err
	})
	sort.Strings(all)
	picked := map[string]bool{}
	for i := 0; i < len(all) && len(picked) < files; i += max(1, len(all)/files) {
		picked[all[i]] = true
	}
	bySize := slices.Clone(all)
	sort.Slice(bySize, func(i, j int) bool { return fileSize(bySize[i]) > fileSize(bySize[j]) })
	for _, p := range bySize[:min(5, len(bySize))] {
		picked[p] = true // the longest articles overflow a tsvector's positions
	}
	type doc struct {
		id          int64
		title, text string
	}
	var docs []doc
	var ws []*store.ArticleWrite
	for _, p := range slices.Sorted(mapKeys(picked)) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		title, text := splitMirror(string(data))
		w := write("https://corpus.example/"+filepath.Base(filepath.Dir(p))+"/"+filepath.Base(p), title, text, t0)
		ws = append(ws, w)
		docs = append(docs, doc{title: analyzer.Fold(title), text: analyzer.Fold(text)})
	}
	for i := 0; i < len(ws); i += 100 {
		res := must(s.SaveArticles(context.Background(), ws[i:min(i+100, len(ws))]))(t)
		for j, r := range res {
			docs[i+j].id = r.ArticleID
		}
	}
	s2t, err := opencc.New("s2t")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(12, 2024))
	for tried := 0; tried < queries; {
		d := docs[rng.IntN(len(docs))]
		sub, ok := hanRun(rng, []rune(d.text), 2+rng.IntN(5))
		if !ok {
			continue
		}
		tried++
		var want []int64
		for _, o := range docs {
			if strings.Contains(o.title, sub) || strings.Contains(o.text, sub) {
				want = append(want, o.id)
			}
		}
		slices.Sort(want)
		trad, err := s2t.Convert(sub)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{sub, trad} {
			if got := find(t, s, q); !slices.Equal(got, want) {
				t.Errorf("%q (from %q): found %d articles, %d contain it", q, sub, len(got), len(want))
			}
		}
	}
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// splitMirror returns the title (from the front matter) and the body of a
// markdown mirror file.
func splitMirror(s string) (title, body string) {
	if rest, ok := strings.CutPrefix(s, "---\n"); ok {
		if fm, b, ok := strings.Cut(rest, "\n---\n"); ok {
			for _, line := range strings.Split(fm, "\n") {
				if v, ok := strings.CutPrefix(line, "title:"); ok {
					title = strings.Trim(strings.TrimSpace(v), `"'`)
				}
			}
			return title, b
		}
	}
	return "", s
}

// hanRun picks n consecutive Han characters of r at random.
func hanRun(rng *rand.Rand, r []rune, n int) (string, bool) {
	if len(r) < n {
		return "", false
	}
	for range 20 {
		i := rng.IntN(len(r) - n + 1)
		if !slices.ContainsFunc(r[i:i+n], func(c rune) bool { return !unicode.Is(unicode.Han, c) }) {
			return string(r[i : i+n]), true
		}
	}
	return "", false
}
