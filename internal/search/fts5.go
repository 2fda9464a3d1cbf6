package search

import (
	"strings"
	"unicode/utf8"
)

// FTS5 returns the SQLite FTS5 MATCH expression for q's terms, for an
// index built from Index: every term becomes the phrase of its tokens
// ("卢卡 卡申 申科"), the phrases are ANDed, and excluded terms are
// subtracted with NOT. A term ending in a lone CJK character ends in a
// prefix token ("中国 美"*). Every phrase is one double-quoted string of
// tokens that hold only letters and digits, so nothing a reader types can
// reach FTS5's own syntax (operators, column filters, NEAR, ^, *). The
// result is "" when q has no positive term with indexable text: the caller
// then searches by filters alone.
func (a *Analyzer) FTS5(q Query) string {
	var pos, neg []string
	for _, t := range q.Terms {
		toks := a.termTokens(t.Text)
		if len(toks) == 0 {
			continue
		}
		if t.Exclude {
			neg = append(neg, phrase(toks))
		} else {
			pos = append(pos, phrase(toks))
		}
	}
	if len(pos) == 0 {
		return ""
	}
	expr := strings.Join(pos, " AND ")
	if len(neg) > 0 {
		expr = "(" + expr + ")"
		for _, n := range neg {
			expr += " NOT " + n
		}
	}
	return expr
}

// phrase renders tokens as one FTS5 string, with the FTS5 prefix mark when
// the last token is a prefix.
func phrase(toks []queryToken) string {
	b := make([]byte, 0, 8*len(toks))
	b = append(b, '"')
	for i, t := range toks {
		if i > 0 {
			b = append(b, ' ')
		}
		for _, r := range t.text {
			if r == '"' { // never in a token; doubled all the same
				b = append(b, '"')
			}
			b = utf8.AppendRune(b, r)
		}
	}
	b = append(b, '"')
	if toks[len(toks)-1].prefix {
		b = append(b, '*')
	}
	return string(b)
}
