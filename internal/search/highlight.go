package search

import (
	"sort"
	"strings"
	"unicode"
)

// span is a half-open rune range.
type span struct{ start, end int }

// Highlight returns an HTML snippet of at most about maxRunes characters of
// text around the first place q's positive terms match, with <mark>…</mark>
// around every match inside it. Matching follows the index exactly (the
// same folding and tokens, phrases as token sequences), but the snippet
// shows text in its own script: a traditional-script article keeps its
// traditional characters when the query was typed in simplified ones.
// Whitespace runs become one space, the text is HTML-escaped, and "…" marks
// a cut at either end. When nothing matches (or q has no terms) the snippet
// is the start of text. maxRunes <= 0 means 200.
func (a *Analyzer) Highlight(text string, q Query, maxRunes int) string {
	if maxRunes <= 0 {
		maxRunes = 200
	}
	orig := []rune(text)
	marks := a.matches(orig, q, maxRunes)
	// The window starts a little before the first match (a fifth of the
	// snippet), or after the end of the sentence or line before it when
	// that is nearer; or at the start of the text.
	from := 0
	if len(marks) > 0 {
		first := marks[0].start
		from = max(0, first-maxRunes/5)
		if from > 0 {
			for i := first - 1; i >= from; i-- {
				if sentenceEnd(orig[i]) {
					from = i + 1
					break
				}
			}
		}
	}
	// Leading whitespace in the window says nothing.
	for from < len(orig) && unicode.IsSpace(orig[from]) {
		from++
	}
	to := min(len(orig), from+maxRunes)

	var b strings.Builder
	b.Grow(4 * (to - from))
	if hasText(orig[:from]) {
		b.WriteString("…")
	}
	inMark := false
	mi := 0
	space := false
	for i := from; i < to; i++ {
		for mi < len(marks) && marks[mi].end <= i {
			mi++
		}
		want := mi < len(marks) && marks[mi].start <= i
		if want != inMark {
			if inMark {
				b.WriteString("</mark>")
			} else {
				if space {
					b.WriteByte(' ')
					space = false
				}
				b.WriteString("<mark>")
			}
			inMark = want
		}
		r := orig[i]
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			b.WriteRune(r)
		}
	}
	if inMark {
		b.WriteString("</mark>")
	}
	if hasText(orig[to:]) {
		b.WriteString("…")
	}
	return b.String()
}

// matches returns the merged rune ranges of orig where q's positive terms
// match, in order, from the first match to the end of the longest snippet
// that can start before it (limit runes later); the rest of orig is not
// looked at.
func (a *Analyzer) matches(orig []rune, q Query, limit int) []span {
	var terms [][]queryToken
	for _, t := range q.Terms {
		if t.Exclude {
			continue
		}
		if toks := a.termTokens(t.Text); len(toks) > 0 {
			terms = append(terms, toks)
		}
	}
	if len(terms) == 0 {
		return nil
	}
	f := make([]rune, len(orig))
	for i, r := range orig {
		f[i] = a.foldRune(r)
	}
	var toks, found []span
	end := len(f) // scan no further than this
	eachToken(f, func(start, stop int) bool {
		if start >= end {
			return false
		}
		toks = append(toks, span{start, stop})
		// Every term that ends at this token.
		for _, qt := range terms {
			n := len(qt)
			if len(toks) < n {
				continue
			}
			at := toks[len(toks)-n:]
			ok := true
			for j, t := range qt {
				if !tokenMatches(f, at[j], t) {
					ok = false
					break
				}
			}
			if ok {
				found = append(found, span{at[0].start, at[n-1].start + len(qt[n-1].text)})
				end = min(end, at[0].start+limit)
			}
		}
		return true
	})
	sort.Slice(found, func(i, j int) bool { return found[i].start < found[j].start })
	var merged []span
	for _, s := range found {
		if n := len(merged); n > 0 && s.start <= merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// tokenMatches reports whether the index token at s in folded text f is
// matched by query token t.
func tokenMatches(f []rune, s span, t queryToken) bool {
	n := s.end - s.start
	if n < len(t.text) || (!t.prefix && n != len(t.text)) {
		return false
	}
	for k, r := range t.text {
		if f[s.start+k] != r {
			return false
		}
	}
	return true
}

// sentenceEnd reports whether r ends a sentence or a line.
func sentenceEnd(r rune) bool {
	switch r {
	case '\n', '。', '！', '？', '；', '!', '?', ';':
		return true
	}
	return false
}

// hasText reports whether rs has anything but whitespace.
func hasText(rs []rune) bool {
	for _, r := range rs {
		if !unicode.IsSpace(r) {
			return true
		}
	}
	return false
}
