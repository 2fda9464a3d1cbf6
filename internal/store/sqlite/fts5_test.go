package sqlite

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
)

func TestParsedQueriesRenderAsFTS5(t *testing.T) {
	a, err := search.NewAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	s, _ := openTest(t)
	tests := []struct {
		name, in, want string
	}{
		{"a Chinese word is the phrase of its bigrams", "卢卡申科", `"卢卡 卡申 申科"`},
		{"a two-character word is one bigram", "北京", `"北京"`},
		{"one character is a prefix", "雪", `"雪"*`},
		{"terms are ANDed", "香港 国安法", `"香港" AND "国安 安法"`},
		{"a traditional query is folded", "盧卡申科", `"卢卡 卡申 申科"`},
		{"mixed scripts make one phrase", "2023年", `"2023 年"*`},
		{"a hyphenated word is a phrase of words", "COVID-19", `"covid 19"`},
		{"a quoted phrase spans runs", `"美国 总统"`, `"美国 总统"`},
		{"excluded terms are subtracted", "新冠 -疫苗 -WHO", `("新冠") NOT "疫苗" NOT "who"`},
		{"only exclusions give no expression", "-疫苗", ``},
		{"filters alone give no expression", "site:voa after:2023-01-01", ``},
		{"FTS5 operators typed by a reader are words", `a OR b NEAR(c d) e*`, `"a" AND "or" AND "b" AND "near c" AND "d" AND "e"`},
		{"column filters, carets and braces are words", `title:北京 ^first {title body}:x`, `"title 北京" AND "first" AND "title" AND "body x"`},
		{"quotes inside words cannot open a string", `ab"cd 北"京`, `"ab cd" AND "北 京"*`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := a.Parse(tc.in, time.UTC)
			if q.Match == nil {
				if tc.want != "" {
					t.Fatalf("%q has no tree, want %s", tc.in, tc.want)
				}
				return
			}
			got, err := fts5(q.Match)
			if err != nil || got != tc.want {
				t.Fatalf("fts5(%q) = %s, %v; want %s", tc.in, got, err, tc.want)
			}
			if _, _, err := s.Search(context.Background(), store.SearchQuery{Match: q.Match}); err != nil {
				t.Errorf("SQLite rejects %s: %v", got, err)
			}
		})
	}
}

func TestTreesTheParserDoesNotBuildRenderToo(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	for i, toks := range []string{"北京 京下 下雪 雪", "上海 海下 下雨 雨", "北京 京晴 晴"} {
		if _, err := s.SaveArticle(ctx, indexed("https://e.com/"+string(rune('a'+i)), "t", toks, "t", toks, time.Time{})); err != nil {
			t.Fatal(err)
		}
	}
	tok := func(text string, prefix bool) search.Token { return search.Token{Text: text, Prefix: prefix} }
	tests := []struct {
		name string
		e    search.Expr
		want string
		urls []string
	}{
		{"an Or is any of its operands", search.Or{phrase("下雪"), phrase("下雨")}, `"下雪" OR "下雨"`,
			[]string{"https://e.com/a", "https://e.com/b"}},
		{"an Or inside an And is bracketed", search.And{search.Or{phrase("北京"), phrase("上海")}, search.Not{X: phrase("晴")}},
			`(("北京" OR "上海")) NOT "晴"`, []string{"https://e.com/a", "https://e.com/b"}},
		{"an excluded And is bracketed", search.And{phrase("北京"), search.Not{X: search.And{phrase("京晴"), phrase("晴")}}},
			`("北京") NOT ("京晴" AND "晴")`, []string{"https://e.com/a"}},
		{"a prefix inside a phrase splits it", search.Phrase{tok("京", true), tok("下雪", false)}, `"京"* + "下雪"`,
			[]string{"https://e.com/a"}},
		{"a one-operand Or is its operand", search.Or{phrase("上海")}, `"上海"`, []string{"https://e.com/b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fts5(tc.e)
			if err != nil || got != tc.want {
				t.Fatalf("fts5 = %s, %v; want %s", got, err, tc.want)
			}
			urls, _ := searchURLs(t, s, store.SearchQuery{Match: tc.e, SortByDate: true})
			slices.Sort(urls)
			if !slices.Equal(urls, tc.urls) {
				t.Errorf("found %v, want %v", urls, tc.urls)
			}
		})
	}
}

func TestTreesFTS5CannotExpressAreErrors(t *testing.T) {
	for name, e := range map[string]search.Expr{
		"an And of exclusions only": search.And{search.Not{X: phrase("北京")}},
		"an empty And":              search.And{},
		"an empty Or":               search.Or{},
		"an empty Phrase":           search.Phrase{},
		"an empty token":            search.Phrase{{Text: ""}},
		"a Not alone":               search.Not{X: phrase("北京")},
		"a Not in an Or":            search.Or{phrase("北京"), search.Not{X: phrase("上海")}},
	} {
		if got, err := fts5(e); err == nil {
			t.Errorf("%s rendered as %s", name, got)
		}
	}
}
