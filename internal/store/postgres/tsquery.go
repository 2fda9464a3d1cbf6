package postgres

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
)

// A tsvector keeps at most maxPositions positions of one lexeme and no
// position above maxPos; lexemes are at most 2 KB. See buildTSVector.
const (
	maxPos       = 16383
	maxPositions = 256
	maxLexeme    = 2000 // bytes; longer tokens are compared by this prefix
)

// lexeme is a token as the index keeps it: cut to maxLexeme bytes.
func lexeme(tok string) string {
	if len(tok) <= maxLexeme {
		return tok
	}
	n := maxLexeme
	for n > 0 && !utf8.RuneStart(tok[n]) {
		n--
	}
	return tok[:n]
}

// quoteLexeme writes tok as a quoted tsvector/tsquery lexeme.
func quoteLexeme(b *strings.Builder, tok string) {
	b.WriteByte('\'')
	for _, r := range lexeme(tok) {
		switch r {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
}

// buildTSVector returns the tsvector literal of an index entry: the title's
// tokens at positions 1… weighted A, then, one position apart so that no
// phrase spans the two, the body's. exact is false when the entry has more
// positions than a tsvector keeps (the article is then matched against
// its token strings too; see Search).
func buildTSVector(doc store.IndexDoc) (vec string, exact bool) {
	type entry struct {
		pos    []int
		weight []bool // A
	}
	lex := map[string]*entry{}
	var order []string
	exact = true
	pos := 0
	add := func(tokens string, title bool) {
		for _, t := range strings.Fields(tokens) {
			pos++
			t = lexeme(t)
			e := lex[t]
			if e == nil {
				e = &entry{}
				lex[t] = e
				order = append(order, t)
			}
			if pos > maxPos || len(e.pos) >= maxPositions {
				exact = false
				continue
			}
			e.pos = append(e.pos, pos)
			e.weight = append(e.weight, title)
		}
	}
	add(doc.Title, true)
	pos++
	add(doc.Body, false)
	var b strings.Builder
	for i, t := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		quoteLexeme(&b, t)
		e := lex[t]
		for j, p := range e.pos {
			if j == 0 {
				b.WriteByte(':')
			} else {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(p))
			if e.weight[j] {
				b.WriteByte('A')
			}
		}
	}
	return b.String(), exact
}

// tsquery renders a query tree as a tsquery over the index's lexemes: a
// Phrase as its tokens joined by <-> (a prefix token marked :*), an And as
// its positive operands joined by & with each Not as & !(…), an Or by |.
// Tokens only ever appear quoted, so nothing in a tree reaches tsquery's
// own syntax. A tree that cannot be expressed (an empty node, a Not
// outside an And, an And of exclusions only) is an error, as for FTS5.
func tsquery(e search.Expr) (string, error) {
	var b strings.Builder
	if err := writeTSQuery(&b, e, true); err != nil {
		return "", fmt.Errorf("render query as tsquery: %w", err)
	}
	return b.String(), nil
}

// bagQuery renders a tree as a tsquery that ignores positions and
// exclusions: every article the tree matches matches it. It selects the
// candidates among articles whose positions a tsvector could not keep.
func bagQuery(e search.Expr) (string, error) {
	var b strings.Builder
	if err := writeTSQuery(&b, e, false); err != nil {
		return "", fmt.Errorf("render query as tsquery: %w", err)
	}
	return b.String(), nil
}

func writeTSQuery(b *strings.Builder, e search.Expr, phrases bool) error {
	switch e := e.(type) {
	case search.Phrase:
		if len(e) == 0 {
			return errors.New("an empty Phrase")
		}
		op := " & "
		if phrases {
			op = " <-> "
		}
		b.WriteByte('(')
		for i, t := range e {
			if t.Text == "" {
				return errors.New("an empty token")
			}
			if i > 0 {
				b.WriteString(op)
			}
			quoteLexeme(b, t.Text)
			if t.Prefix || len(t.Text) > maxLexeme {
				b.WriteString(":*")
			}
		}
		b.WriteByte(')')
		return nil
	case search.And:
		var pos, neg []search.Expr
		for _, x := range e {
			if n, ok := x.(search.Not); ok {
				if n.X == nil {
					return errors.New("an empty Not")
				}
				neg = append(neg, n.X)
			} else {
				pos = append(pos, x)
			}
		}
		if len(pos) == 0 {
			return errors.New("an And needs an operand that is not a Not")
		}
		b.WriteByte('(')
		for i, x := range pos {
			if i > 0 {
				b.WriteString(" & ")
			}
			if err := writeTSQuery(b, x, phrases); err != nil {
				return err
			}
		}
		if phrases {
			for _, x := range neg {
				b.WriteString(" & !")
				if err := writeTSQuery(b, x, phrases); err != nil {
					return err
				}
			}
		}
		b.WriteByte(')')
		return nil
	case search.Or:
		if len(e) == 0 {
			return errors.New("an empty Or")
		}
		b.WriteByte('(')
		for i, x := range e {
			if i > 0 {
				b.WriteString(" | ")
			}
			if err := writeTSQuery(b, x, phrases); err != nil {
				return err
			}
		}
		b.WriteByte(')')
		return nil
	case search.Not:
		return errors.New("a Not outside an And")
	case nil:
		return errors.New("an empty expression")
	default:
		return fmt.Errorf("unknown expression %T", e)
	}
}

// recheck renders a tree as an SQL condition on the token strings of
// article_search s: a Phrase holds where its tokens stand in a row in the
// title's or the body's tokens (a regular expression over the
// space-separated tokens), And, Or and Not as in SQL. It is exact where a
// tsvector is not, and is evaluated only for the few articles whose
// positions a tsvector could not keep.
func recheck(e search.Expr, a *args) string {
	switch e := e.(type) {
	case search.Phrase:
		var re strings.Builder
		re.WriteString(`(^| )`)
		for i, t := range e {
			if i > 0 {
				re.WriteByte(' ')
			}
			re.WriteString(regexp.QuoteMeta(t.Text))
			if t.Prefix {
				re.WriteString(`[^ ]*`)
			}
		}
		re.WriteString(`( |$)`)
		p := a.add(re.String())
		return `(s.title_tokens ~ ` + p + ` OR s.body_tokens ~ ` + p + `)`
	case search.And:
		parts := make([]string, len(e))
		for i, x := range e {
			parts[i] = recheck(x, a)
		}
		return `(` + strings.Join(parts, ` AND `) + `)`
	case search.Or:
		parts := make([]string, len(e))
		for i, x := range e {
			parts[i] = recheck(x, a)
		}
		return `(` + strings.Join(parts, ` OR `) + `)`
	case search.Not:
		return `NOT ` + recheck(e.X, a)
	}
	return `false`
}
