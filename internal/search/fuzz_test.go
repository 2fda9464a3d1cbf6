package search_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newsvault/newsvault/internal/search"
)

var fuzzQueries = []string{
	"卢卡申科", "盧卡申科 北京", `"Hong Kong" -疫苗`, "site:voa lang:zh after:2023-01-01 before:2023-02 status:x",
	`NEAR("a" b) OR c AND NOT d*`, `{title}: ^x "unclosed`, "雪", "2023年", "COVID-19", "-", `""`, "\xff", "ＷＨＯ　台灣",
	`source:"New York Times" “美国 总统”`, "a:b:c", "after:", "AND NOT", strings.Repeat("北京 ", 40),
}

// FuzzParseQuery checks that any input parses within bounds, that the tree
// it yields is accepted by a real store (SQLite's FTS5 index), and that a
// snippet can be made for it.
func FuzzParseQuery(f *testing.F) {
	for _, q := range fuzzQueries {
		f.Add(q)
	}
	ix := newIndex(f, "白俄罗斯总统卢卡申科抵达北京。Hong Kong, 2023年。", "新冠疫苗 WHO")
	f.Fuzz(func(t *testing.T, in string) {
		q := search.ParseQuery(in, nil)
		if len(q.Raw) > search.MaxQueryBytes || !utf8.ValidString(q.Raw) {
			t.Fatalf("raw query of %d bytes, valid %v", len(q.Raw), utf8.ValidString(q.Raw))
		}
		if len(q.Terms) > search.MaxTerms {
			t.Fatalf("%d terms", len(q.Terms))
		}
		for _, term := range q.Terms {
			if strings.TrimSpace(term.Text) == "" {
				t.Fatalf("empty term in %+v", q)
			}
		}
		if _, expr, err := ix.find(in); err != nil {
			t.Fatalf("%q → %v: rejected: %v", in, expr, err)
		}
		snip := ix.a.Highlight("白俄罗斯总统卢卡申科抵达北京。<Hong Kong> & 2023年。", q, 30)
		if !utf8.ValidString(snip) || strings.Count(snip, "<mark>") != strings.Count(snip, "</mark>") || strings.Contains(snip, "<Hong") {
			t.Fatalf("snippet %q", snip)
		}
	})
}

// FuzzTokens checks the tokeniser's invariants on any text: folding keeps
// one rune per rune; tokens are non-empty, spaceless, folded, CJK ones at
// most two characters; the index entry is the tokens joined by spaces; and
// the text found as a phrase of itself is marked by the highlighter.
func FuzzTokens(f *testing.F) {
	for _, s := range []string{
		"卢卡申科 Lukashenko 2023年", "東京タワー", "서울시청", "ＡＢＣ１２３　ｘ", "cafe\u0301", "a\xffb", "北", "", " 。",
		"ᦰᦱ", "\u0301abc", "ｶﾞｷﾞ", "盧卡申科訪華", "x₂ ㈠ 〇",
	} {
		f.Add(s)
	}
	a := newAnalyzer(f)
	f.Fuzz(func(t *testing.T, s string) {
		folded := a.Fold(s)
		if utf8.RuneCountInString(folded) != utf8.RuneCountInString(s) {
			t.Fatalf("Fold(%q) = %q changes the rune count", s, folded)
		}
		if a.Fold(folded) != folded {
			t.Fatalf("Fold is not idempotent on %q: %q then %q", s, folded, a.Fold(folded))
		}
		toks := a.Tokens(s)
		for _, tok := range toks {
			if tok == "" || strings.ContainsAny(tok, " \t\n\"") || a.Fold(tok) != tok {
				t.Fatalf("Tokens(%q) has bad token %q", s, tok)
			}
		}
		if got := a.Index(s, s).Body; got != strings.Join(toks, " ") {
			t.Fatalf("Index(%q) = %q, tokens %q", s, got, toks)
		}
		if len(toks) > 0 && utf8.ValidString(s) && !strings.ContainsAny(s, `"＂“”「」『』`) {
			q := search.Query{Terms: []search.Term{{Text: s, Phrase: true}}}
			if snip := a.Highlight(s, q, utf8.RuneCountInString(s)+1); !strings.Contains(snip, "<mark>") {
				t.Fatalf("the phrase %q does not find itself: %q", s, snip)
			}
		}
	})
}
