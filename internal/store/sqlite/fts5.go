package sqlite

import (
	"errors"
	"fmt"
	"strings"

	"github.com/newsvault/newsvault/internal/search"
)

// fts5 renders a query tree as the FTS5 MATCH expression of the
// articles_fts index: a Phrase is one double-quoted string of its tokens
// ("卢卡 卡申 申科"), with FTS5's prefix mark after a prefix token ("中国 美"*;
// one inside a phrase splits it into strings joined by +); an And joins its
// positive operands with AND and subtracts each Not with NOT, which in FTS5
// is binary and binds tighter than AND, so the positives are bracketed
// first (("新冠") NOT "疫苗"); an Or joins with OR. Tokens only ever appear
// inside strings, so nothing in a tree reaches FTS5's own syntax
// (operators, column filters, NEAR, ^). A tree FTS5 cannot express (an
// empty node, a Not outside an And or an And of exclusions only) is an
// error.
func fts5(e search.Expr) (string, error) {
	var b strings.Builder
	if err := writeFTS5(&b, e, false); err != nil {
		return "", fmt.Errorf("render query for FTS5: %w", err)
	}
	return b.String(), nil
}

// writeFTS5 writes e to b, bracketed when it is an operand of a larger
// expression and more than one phrase.
func writeFTS5(b *strings.Builder, e search.Expr, operand bool) error {
	switch e := e.(type) {
	case search.Phrase:
		return writePhrase(b, e)
	case search.And:
		var pos []search.Expr
		var neg []search.Not
		for _, x := range e {
			if n, ok := x.(search.Not); ok {
				neg = append(neg, n)
			} else {
				pos = append(pos, x)
			}
		}
		if len(pos) == 0 {
			return errors.New("an And needs an operand that is not a Not")
		}
		if len(pos) == 1 && len(neg) == 0 {
			return writeFTS5(b, pos[0], operand)
		}
		if operand {
			b.WriteByte('(')
		}
		if len(neg) > 0 {
			b.WriteByte('(')
		}
		if err := writeJoined(b, pos, " AND "); err != nil {
			return err
		}
		if len(neg) > 0 {
			b.WriteByte(')')
		}
		for _, n := range neg {
			b.WriteString(" NOT ")
			if err := writeFTS5(b, n.X, true); err != nil {
				return err
			}
		}
		if operand {
			b.WriteByte(')')
		}
		return nil
	case search.Or:
		if len(e) == 0 {
			return errors.New("an empty Or")
		}
		if len(e) == 1 {
			return writeFTS5(b, e[0], operand)
		}
		if operand {
			b.WriteByte('(')
		}
		if err := writeJoined(b, e, " OR "); err != nil {
			return err
		}
		if operand {
			b.WriteByte(')')
		}
		return nil
	case search.Not:
		return errors.New("a Not outside an And")
	case nil:
		return errors.New("an empty expression")
	default:
		return fmt.Errorf("unknown expression %T", e)
	}
}

// writeJoined writes the operands xs separated by op.
func writeJoined(b *strings.Builder, xs []search.Expr, op string) error {
	for i, x := range xs {
		if i > 0 {
			b.WriteString(op)
		}
		if err := writeFTS5(b, x, true); err != nil {
			return err
		}
	}
	return nil
}

// writePhrase writes p as FTS5 strings: one per run of tokens that ends in
// a prefix token (or at the end), each marked * after a prefix token and
// joined by +, FTS5's phrase concatenation.
func writePhrase(b *strings.Builder, p search.Phrase) error {
	if len(p) == 0 {
		return errors.New("an empty Phrase")
	}
	open := false
	for i, t := range p {
		if t.Text == "" {
			return errors.New("an empty token")
		}
		switch {
		case !open && i > 0:
			b.WriteString(` + "`)
		case !open:
			b.WriteByte('"')
		default:
			b.WriteByte(' ')
		}
		open = true
		// A token is letters and digits; a quote is doubled all the same.
		b.WriteString(strings.ReplaceAll(t.Text, `"`, `""`))
		if t.Prefix {
			b.WriteString(`"*`)
			open = false
		}
	}
	if open {
		b.WriteByte('"')
	}
	return nil
}
