package search

import "time"

// Expr is a full-text condition over index tokens, the tree a parsed query
// hands to a store: a Phrase, an And, an Or or a Not. Each store renders it
// in its own full-text syntax (FTS5 MATCH on SQLite; on PostgreSQL a
// tsquery over the same tokens: Phrase as 'a' <-> 'b':*, And as &, Or as |,
// Not as !). A tree holds tokens only, never syntax a reader typed, so
// nothing typed into a search box can reach a store's query language.
//
// A Not stands only among the operands of an And that has an operand which
// is not a Not (a condition made only of exclusions would list the whole
// archive); a store rejects other placements, and empty Phrases, Ands and
// Ors, with an error.
type Expr interface{ isExpr() }

// Token is one index token a Phrase must match, as Tokens produces them:
// folded letters and digits, never a space or a quote mark.
type Token struct {
	Text   string
	Prefix bool // matches any index token that starts with Text
}

// Phrase matches documents that hold its tokens in a row, in this order.
type Phrase []Token

// And matches documents that every operand matches; Not operands are
// subtracted.
type And []Expr

// Or matches documents that any operand matches.
type Or []Expr

// Not excludes the documents X matches from the And it is an operand of.
type Not struct{ X Expr }

func (Phrase) isExpr() {}
func (And) isExpr()    {}
func (Or) isExpr()     {}
func (Not) isExpr()    {}

// Parse reads a query as ParseQuery does and sets its Match: every term as
// the Phrase of its index tokens (a term ending in a lone CJK character
// ends in a prefix token, "中国 美"*), the positive terms ANDed and the
// excluded ones as Not operands of that And. Match is nil when no positive
// term has indexable text; the query then selects by its filters alone
// (and finds nothing when HasText reports a term it could not index).
func (a *Analyzer) Parse(q string, loc *time.Location) Query {
	out := ParseQuery(q, loc)
	out.Match = a.match(out)
	return out
}

// match builds the Expr of q's terms.
func (a *Analyzer) match(q Query) Expr {
	var pos, neg And
	for _, t := range q.Terms {
		toks := a.termTokens(t.Text)
		if len(toks) == 0 {
			continue
		}
		p := make(Phrase, len(toks))
		for i, tok := range toks {
			p[i] = Token{Text: string(tok.text), Prefix: tok.prefix}
		}
		if t.Exclude {
			neg = append(neg, Not{p})
		} else {
			pos = append(pos, p)
		}
	}
	if len(pos) == 0 {
		return nil
	}
	return append(pos, neg...)
}
