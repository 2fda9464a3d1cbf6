package search_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/search"
)

func TestParseQuery(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, shanghai) }
	word := func(s string) search.Term { return search.Term{Text: s} }
	tests := []struct {
		name string
		in   string
		want search.Query
	}{
		{"several words are several terms", "香港 国安法", search.Query{Terms: []search.Term{word("香港"), word("国安法")}}},
		{"an ideographic space separates terms too", "香港\u3000国安法", search.Query{Terms: []search.Term{word("香港"), word("国安法")}}},
		{"quotes make a phrase", `"Hong Kong" 选举`, search.Query{Terms: []search.Term{{Text: "Hong Kong", Phrase: true}, word("选举")}}},
		{"Chinese quotation marks make a phrase", `“美国 总统” 「白俄罗斯」`, search.Query{Terms: []search.Term{{Text: "美国 总统", Phrase: true}, {Text: "白俄罗斯", Phrase: true}}}},
		{"an unclosed quote runs to the end", `"hong kong`, search.Query{Terms: []search.Term{{Text: "hong kong", Phrase: true}}}},
		{"a minus excludes a word or a phrase", `新冠 -疫苗 -"世界 卫生"`, search.Query{Terms: []search.Term{word("新冠"), {Text: "疫苗", Exclude: true}, {Text: "世界 卫生", Phrase: true, Exclude: true}}}},
		{"a lone minus is nothing", "新冠 - 疫苗", search.Query{Terms: []search.Term{word("新冠"), word("疫苗")}}},
		{"NOT excludes the next term and AND is ignored", "香港 AND 台湾 NOT 澳门", search.Query{Terms: []search.Term{word("香港"), word("台湾"), {Text: "澳门", Exclude: true}}}},
		{"lower-case and and not are words", "rock and roll not", search.Query{Terms: []search.Term{word("rock"), word("and"), word("roll"), word("not")}}},
		{"site and source name sources", `site:voa source:BBC source:"New York Times" 选举`, search.Query{Sources: []string{"voa", "BBC", "New York Times"}, Terms: []search.Term{word("选举")}}},
		{"field names ignore case and take a full-width colon", "SITE：voa Lang:ZH", search.Query{Sources: []string{"voa"}, Langs: []string{"zh"}}},
		{"dates are read in the given zone", "after:2023-01-01 before:2023/02/01", search.Query{After: day(2023, 1, 1), Before: day(2023, 2, 1)}},
		{"a month or a year means its first day", "after:2023-03 before:2024", search.Query{After: day(2023, 3, 1), Before: day(2024, 1, 1)}},
		{"Chinese dates work", "after:2023年3月5日", search.Query{After: day(2023, 3, 5)}},
		{"a bad date is a plain term", "after:yesterday", search.Query{Terms: []search.Term{word("after:yesterday")}}},
		{"status is kept", "status:Removed 北京", search.Query{Status: "removed", Terms: []search.Term{word("北京")}}},
		{"an unknown status is a plain term", "status:deleted 北京", search.Query{Terms: []search.Term{word("status:deleted"), word("北京")}}},
		{"an unknown field is a plain term", "title:北京 http://x.com", search.Query{Terms: []search.Term{word("title:北京"), word("http://x.com")}}},
		{"a field without a value is a plain term", "site: 北京", search.Query{Terms: []search.Term{word("site:"), word("北京")}}},
		{"a negated field is an excluded term", "北京 -site:voa", search.Query{Terms: []search.Term{word("北京"), {Text: "site:voa", Exclude: true}}}},
		{"terms without letters or digits are dropped", `北京 ， "" -！ *`, search.Query{Terms: []search.Term{word("北京")}}},
		{"FTS5 syntax is plain text", `NEAR(a b) title:x ^y z*`, search.Query{Terms: []search.Term{word("NEAR(a"), word("b)"), word("title:x"), word("^y"), word("z*")}}},
		{"an empty query is the zero query", "   ", search.Query{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := search.ParseQuery(tc.in, shanghai)
			tc.want.Raw = tc.in
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseQuery(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseQueryIsBounded(t *testing.T) {
	long := strings.Repeat("词 ", 2000)
	q := search.ParseQuery(long, nil)
	if len(q.Raw) > search.MaxQueryBytes || len(q.Terms) != search.MaxTerms {
		t.Errorf("raw %d bytes, %d terms", len(q.Raw), len(q.Terms))
	}
	// A cut never splits a character.
	q = search.ParseQuery(strings.Repeat("北", search.MaxQueryBytes), nil)
	if !strings.HasPrefix(strings.Repeat("北", search.MaxQueryBytes), q.Raw) || len(q.Raw)%3 != 0 {
		t.Errorf("cut in the middle of a character: %d bytes", len(q.Raw))
	}
}

func TestParseQueryReadsDatesInUTCWithoutAZone(t *testing.T) {
	q := search.ParseQuery("after:2023-01-02", nil)
	if !q.After.Equal(time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("after %v", q.After)
	}
}

func TestHasText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{{"北京", true}, {"-北京", false}, {"site:voa", false}, {"北京 -上海", true}} {
		if got := search.ParseQuery(tc.in, nil).HasText(); got != tc.want {
			t.Errorf("ParseQuery(%q).HasText() = %v", tc.in, got)
		}
	}
}

func TestParseBuildsTheTreeOfTokens(t *testing.T) {
	a := newAnalyzer(t)
	p := func(toks ...string) search.Phrase {
		out := make(search.Phrase, len(toks))
		for i, tok := range toks {
			out[i] = search.Token{Text: tok}
		}
		return out
	}
	tests := []struct {
		in   string
		want search.Expr
	}{
		{"盧卡申科", search.And{p("卢卡", "卡申", "申科")}},
		{"新冠 -疫苗 COVID-19", search.And{p("新冠"), p("covid", "19"), search.Not{X: p("疫苗")}}},
		{"2023年", search.And{search.Phrase{{Text: "2023"}, {Text: "年", Prefix: true}}}},
		{"-疫苗 site:voa", nil},
		{"", nil},
	}
	for _, tc := range tests {
		q := a.Parse(tc.in, nil)
		if !reflect.DeepEqual(q.Match, tc.want) {
			t.Errorf("Parse(%q).Match = %#v, want %#v", tc.in, q.Match, tc.want)
		}
		q.Match = nil
		if !reflect.DeepEqual(q, search.ParseQuery(tc.in, nil)) {
			t.Errorf("Parse(%q) reads the query unlike ParseQuery: %+v", tc.in, q)
		}
	}
}
