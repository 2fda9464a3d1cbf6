package content

import (
	"strconv"
	"strings"
)

// candidate is one entry of a srcset attribute.
type candidate struct {
	URL  string
	Desc string // the descriptor as written ("640w", "2x") or ""
}

// width returns the candidate's width descriptor, or 0.
func (c candidate) width() int {
	for _, f := range strings.Fields(c.Desc) {
		if strings.HasSuffix(f, "w") {
			if n, err := strconv.Atoi(f[:len(f)-1]); err == nil && n > 0 {
				return n
			}
		}
	}
	return 0
}

// density returns the candidate's pixel-density descriptor, 1 when absent.
func (c candidate) density() float64 {
	for _, f := range strings.Fields(c.Desc) {
		if strings.HasSuffix(f, "x") {
			if d, err := strconv.ParseFloat(f[:len(f)-1], 64); err == nil && d > 0 {
				return d
			}
		}
	}
	return 1
}

// isSpace reports whether b is ASCII whitespace as the HTML spec defines it.
func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f'
}

// parseSrcset splits a srcset attribute into candidates following the HTML
// standard's algorithm closely enough for real pages: a URL runs to the next
// whitespace (a trailing comma ends it), and descriptors run to the next comma
// outside parentheses. Candidates with an empty URL are dropped.
func parseSrcset(s string) []candidate {
	var out []candidate
	i := 0
	for i < len(s) {
		for i < len(s) && (isSpace(s[i]) || s[i] == ',') {
			i++
		}
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && !isSpace(s[i]) {
			i++
		}
		u := s[start:i]
		desc := ""
		if strings.HasSuffix(u, ",") {
			u = strings.TrimRight(u, ",")
		} else {
			dstart := i
			depth := 0
			for i < len(s) {
				c := s[i]
				if c == '(' {
					depth++
				} else if c == ')' && depth > 0 {
					depth--
				} else if c == ',' && depth == 0 {
					break
				}
				i++
			}
			desc = strings.Join(strings.Fields(s[dstart:i]), " ")
			if i < len(s) {
				i++ // the comma
			}
		}
		if u != "" {
			out = append(out, candidate{URL: u, Desc: desc})
		}
	}
	return out
}

// formatSrcset is the inverse of parseSrcset.
func formatSrcset(cs []candidate) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.URL)
		if c.Desc != "" {
			b.WriteByte(' ')
			b.WriteString(c.Desc)
		}
	}
	return b.String()
}

// largest returns the candidate a browser on the biggest screen would pick:
// the widest by "w" descriptor, else the densest by "x" descriptor. The
// first candidate wins ties. It reports false for an empty list.
func largest(cs []candidate) (candidate, bool) {
	if len(cs) == 0 {
		return candidate{}, false
	}
	best := cs[0]
	for _, c := range cs[1:] {
		bw, cw := best.width(), c.width()
		switch {
		case cw > bw:
			best = c
		case cw == bw && c.density() > best.density():
			best = c
		}
	}
	return best, true
}
