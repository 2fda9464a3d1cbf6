package postgres

import (
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
)

func TestTSQueryRendersTheTree(t *testing.T) {
	p := func(toks ...string) search.Phrase {
		var out search.Phrase
		for _, s := range toks {
			out = append(out, search.Token{Text: strings.TrimSuffix(s, "*"), Prefix: strings.HasSuffix(s, "*")})
		}
		return out
	}
	for _, c := range []struct {
		e         search.Expr
		want, bag string
	}{
		{p("卢卡", "卡申", "申科"), `('卢卡' <-> '卡申' <-> '申科')`, `('卢卡' & '卡申' & '申科')`},
		{search.And{p("中国"), p("美*")}, `(('中国') & ('美':*))`, `(('中国') & ('美':*))`},
		{search.And{p("新冠"), search.Not{X: p("疫苗")}}, `(('新冠') & !('疫苗'))`, `(('新冠'))`},
		{search.Or{p("a"), search.And{p("b"), p("c")}}, `(('a') | (('b') & ('c')))`, `(('a') | (('b') & ('c')))`},
		{p(`it's`, `a\b`), `('it''s' <-> 'a\\b')`, `('it''s' & 'a\\b')`},
	} {
		got, err := tsquery(c.e)
		if err != nil || got != c.want {
			t.Errorf("tsquery(%v) = %s, %v; want %s", c.e, got, err, c.want)
		}
		if got, err := bagQuery(c.e); err != nil || got != c.bag {
			t.Errorf("bagQuery(%v) = %s, %v; want %s", c.e, got, err, c.bag)
		}
	}
}

func TestTSVectorPositionsAndLimits(t *testing.T) {
	vec, exact := buildTSVector(store.IndexDoc{Title: "香港 港国", Body: "香港 it's"})
	// Title at 1-2 (weight A), a gap at 3, body from 4.
	if want := `'香港':1A,4 '港国':2A 'it''s':5`; vec != want || !exact {
		t.Errorf("got %s (exact %v), want %s", vec, exact, want)
	}
	many := strings.Repeat("中国 ", maxPositions+1)
	if _, exact := buildTSVector(store.IndexDoc{Body: many}); exact {
		t.Error("a lexeme with more positions than a tsvector keeps is exact")
	}
	long := strings.Repeat("字 ", maxPos)
	if vec, exact := buildTSVector(store.IndexDoc{Title: "题", Body: long}); exact || strings.Contains(vec, "16384") {
		t.Errorf("past the last position: exact %v", exact)
	}
	if l := lexeme(strings.Repeat("é", maxLexeme)); len(l) > maxLexeme || !strings.HasPrefix(strings.Repeat("é", maxLexeme), l) {
		t.Errorf("long token cut to %d bytes", len(l))
	}
}
