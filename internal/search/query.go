package search

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsvault/newsvault/internal/zh"
)

// Bounds on what ParseQuery accepts; the rest of a longer query is ignored.
const (
	// MaxQueryBytes is the longest query read, in bytes.
	MaxQueryBytes = 1000
	// MaxTerms is the most text terms (positive and excluded) kept.
	MaxTerms = 24
	// maxFieldValues bounds each list of field values (sources, languages).
	maxFieldValues = 16
)

// Query is a parsed search-box query. The zero Query matches everything.
type Query struct {
	Terms   []Term    // all must match, except excluded ones, none of which may
	Sources []string  // site:NAME or source:NAME, as typed; any of them
	Langs   []string  // lang:CODE, lower case; any of them (a prefix: zh matches zh-cn)
	After   time.Time // after:DATE, the start of that day (or month, or year): inclusive
	Before  time.Time // before:DATE, the start of that day (or month, or year): exclusive
	Status  string    // status:VALUE, lower case: removed, edited, replaced, unavailable, unreachable or alive (see StatusValues)
	Raw     string    // the query as read (cut to MaxQueryBytes, valid UTF-8)
	// Match is the text condition as a tree of index tokens, for a store
	// to render; set by Analyzer.Parse (nil from ParseQuery), nil when no
	// positive term has indexable text.
	Match Expr
}

// Term is one text condition: a word as typed (which may be several index
// tokens, such as 卢卡申科 or COVID-19) or a quoted phrase.
type Term struct {
	Text    string // as typed, without quotes or the leading "-"
	Phrase  bool   // it was quoted
	Exclude bool   // it was prefixed with "-" (or NOT): matching articles are left out
}

// HasText reports whether q has a term an article must contain. A query
// without one can only list articles by its filters.
func (q Query) HasText() bool {
	for _, t := range q.Terms {
		if !t.Exclude {
			return true
		}
	}
	return false
}

// closingQuote maps each opening quote mark ParseQuery accepts to its
// closing mark.
var closingQuote = map[rune]rune{'"': '"', '＂': '＂', '“': '”', '「': '」', '『': '』'}

// ParseQuery reads what a reader typed into a search box. Terms separated
// by spaces must all match; "double quotes" (or “”, 「」, 『』) make a phrase;
// a leading "-" (or a preceding NOT) excludes a term or phrase; a bare AND
// is ignored, since terms are ANDed anyway. The fields site:NAME and
// source:NAME (a source name, quoted if it has spaces), lang:CODE,
// after:DATE, before:DATE and status:VALUE filter instead of matching text;
// field names are case-insensitive and a full-width colon works too. Dates
// are YYYY-MM-DD (also with / or .), YYYY-MM, YYYY or 2023年1月2日, read in
// loc (UTC when nil). Anything else, including an unknown field, a field
// with an empty value, a date that does not parse and a negated field, is a
// plain term. ParseQuery never fails: it reads at most MaxQueryBytes and
// keeps at most MaxTerms terms.
func ParseQuery(q string, loc *time.Location) Query {
	if loc == nil {
		loc = time.UTC
	}
	q = strings.ToValidUTF8(q, "\uFFFD")
	if len(q) > MaxQueryBytes {
		cut := MaxQueryBytes
		for cut > 0 && !utf8.RuneStart(q[cut]) {
			cut--
		}
		q = q[:cut]
	}
	out := Query{Raw: q}
	p := &queryLexer{s: q}
	negateNext := false
	for {
		it, ok := p.next()
		if !ok {
			break
		}
		if !it.quoted && !it.exclude && it.field == "" {
			switch it.text {
			case "AND":
				continue
			case "NOT":
				negateNext = true
				continue
			}
		}
		if negateNext {
			it.exclude = true
			negateNext = false
		}
		if it.field != "" && !it.exclude && out.applyField(it.field, it.text, loc) {
			continue
		}
		text := it.text
		if it.field != "" {
			text = it.raw
		}
		if !hasTokens(text) || len(out.Terms) >= MaxTerms {
			continue
		}
		out.Terms = append(out.Terms, Term{Text: text, Phrase: it.quoted, Exclude: it.exclude})
	}
	return out
}

// applyField records a field:value filter and reports whether it was one
// ParseQuery understands.
func (q *Query) applyField(field, value string, loc *time.Location) bool {
	if value == "" {
		return false
	}
	switch field {
	case "site", "source":
		if len(q.Sources) < maxFieldValues {
			q.Sources = append(q.Sources, value)
		}
	case "lang":
		if len(q.Langs) < maxFieldValues {
			q.Langs = append(q.Langs, strings.ToLower(value))
		}
	case "after", "before":
		t, ok := zh.ParsePeriod(value, loc)
		if !ok {
			return false
		}
		if field == "after" {
			q.After = t
		} else {
			q.Before = t
		}
	case "status":
		v := strings.ToLower(value)
		if !StatusValues[v] {
			return false
		}
		q.Status = v
	default:
		return false
	}
	return true
}

// StatusValues are the values of the status: filter: an article's watch
// status, or "edited" for articles edited at least once.
var StatusValues = map[string]bool{"removed": true, "edited": true, "replaced": true, "unavailable": true, "unreachable": true, "alive": true}

// knownFields are the field names ParseQuery looks for before a colon.
var knownFields = map[string]bool{"site": true, "source": true, "lang": true, "after": true, "before": true, "status": true}

// queryItem is one space-separated piece of a query.
type queryItem struct {
	text    string // the term, the phrase or the field's value
	raw     string // a field item as typed (field:value), for use as a term
	field   string // lower-cased field name; "" for a term
	quoted  bool
	exclude bool
}

// queryLexer splits a query into items.
type queryLexer struct {
	s   string
	pos int
}

func (l *queryLexer) peek() (rune, int) {
	if l.pos >= len(l.s) {
		return 0, 0
	}
	return utf8.DecodeRuneInString(l.s[l.pos:])
}

// next returns the next item, or false at the end.
func (l *queryLexer) next() (queryItem, bool) {
	var it queryItem
	for {
		r, n := l.peek()
		if n == 0 {
			return it, false
		}
		if !unicode.IsSpace(r) {
			break
		}
		l.pos += n
	}
	if r, n := l.peek(); r == '-' || r == '－' {
		if l.pos+n < len(l.s) {
			if r2, _ := utf8.DecodeRuneInString(l.s[l.pos+n:]); !unicode.IsSpace(r2) {
				it.exclude = true
				l.pos += n
			}
		}
	}
	start := l.pos // after any "-"
	if r, n := l.peek(); closingQuote[r] != 0 {
		l.pos += n
		it.text = l.quoted(closingQuote[r])
		it.quoted = true
		return it, true
	}
	// A field name: ASCII letters up to a colon.
	i := l.pos
	for i < len(l.s) && ('a' <= l.s[i]|0x20 && l.s[i]|0x20 <= 'z') {
		i++
	}
	if name := strings.ToLower(l.s[l.pos:i]); knownFields[name] {
		colon := 0
		if strings.HasPrefix(l.s[i:], ":") {
			colon = 1
		} else if strings.HasPrefix(l.s[i:], "：") {
			colon = len("：")
		}
		if colon > 0 {
			l.pos = i + colon
			it.field = name
			if r, n := l.peek(); closingQuote[r] != 0 {
				l.pos += n
				it.text = l.quoted(closingQuote[r])
			} else {
				it.text = l.word()
			}
			it.text = strings.TrimSpace(it.text)
			it.raw = l.s[start:l.pos]
			return it, true
		}
	}
	it.text = l.word()
	return it, true
}

// word reads up to the next space.
func (l *queryLexer) word() string {
	start := l.pos
	for {
		r, n := l.peek()
		if n == 0 || unicode.IsSpace(r) {
			return l.s[start:l.pos]
		}
		l.pos += n
	}
}

// quoted reads up to the closing quote (or the end) and steps over it. A
// plain double quote also closes a phrase opened with a typographic one.
func (l *queryLexer) quoted(closing rune) string {
	start := l.pos
	for {
		r, n := l.peek()
		if n == 0 {
			return l.s[start:l.pos]
		}
		if r == closing || r == '"' {
			s := l.s[start:l.pos]
			l.pos += n
			return s
		}
		l.pos += n
	}
}
