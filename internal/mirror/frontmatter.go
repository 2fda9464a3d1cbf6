package mirror

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The front-matter reader understands the YAML subset Jekyll mirrors write:
//
//   - "key: value" lines at column 0; blank lines and # comments;
//   - plain scalars (trailing " #comment" removed, continuation lines folded
//     with a space), 'single-quoted' ('' is a quote) and "double-quoted"
//     strings with the YAML escapes (\" \\ \/ \n \t \uXXXX …);
//   - flow lists [ a, "b", 'c' ] (not nested), also across lines;
//   - block lists ("- item" lines under a key with no value);
//   - | and > block scalars (indentation stripped, lines joined with "\n"
//     or " ");
//   - anything else indented under a key (nested maps, flow maps) is kept as
//     raw text only.

// frontEntry is one top-level key with its value text and the indented or
// "- " lines that follow it.
type frontEntry struct {
	line  int
	key   string
	value []byte
	cont  [][]byte
	block bool // value is a | or > block scalar
}

// frontValue is an interpreted front-matter value.
type frontValue struct {
	line   int
	text   string   // decoded scalar, or the raw text of a non-scalar
	scalar bool     // text is a decoded scalar
	list   []string // items of a flow or block list (non-nil for lists)
}

// frontParser groups front-matter lines into entries as they are read.
type frontParser struct {
	entries []frontEntry
}

func (p *frontParser) add(lineNo int, line []byte) *ParseError {
	trimmed := bytes.TrimLeft(line, " \t")
	indented := len(trimmed) < len(line)
	var cur *frontEntry
	if n := len(p.entries); n > 0 {
		cur = &p.entries[n-1]
	}
	if cur != nil && cur.block && (indented || len(trimmed) == 0) {
		cur.cont = append(cur.cont, line)
		return nil
	}
	if len(trimmed) == 0 || trimmed[0] == '#' {
		return nil
	}
	if indented || (trimmed[0] == '-' && (len(trimmed) == 1 || trimmed[1] == ' ' || trimmed[1] == '\t')) {
		if cur == nil {
			return &ParseError{Line: lineNo, Reason: "front matter: indented line before any key"}
		}
		cur.cont = append(cur.cont, line)
		return nil
	}
	key, value, ok := splitKey(line)
	if !ok {
		return &ParseError{Line: lineNo, Reason: fmt.Sprintf("front matter: expected \"key: value\", got %q", clip(line))}
	}
	block := len(value) > 0 && (value[0] == '|' || value[0] == '>')
	p.entries = append(p.entries, frontEntry{line: lineNo, key: key, value: value, block: block})
	return nil
}

// splitKey splits "key: value" at the first colon followed by a blank or the
// end of the line.
func splitKey(line []byte) (key string, value []byte, ok bool) {
	for i, c := range line {
		if c != ':' || (i+1 < len(line) && line[i+1] != ' ' && line[i+1] != '\t') {
			continue
		}
		k := bytes.TrimSpace(line[:i])
		if len(k) == 0 {
			return "", nil, false
		}
		return string(k), bytes.TrimSpace(line[i+1:]), true
	}
	return "", nil, false
}

// values interprets every entry; later keys replace earlier ones.
func (p *frontParser) values() (map[string]frontValue, *ParseError) {
	out := make(map[string]frontValue, len(p.entries))
	for i := range p.entries {
		v, reason := p.entries[i].interpret()
		if reason != "" {
			return nil, &ParseError{Line: p.entries[i].line, Reason: fmt.Sprintf("front matter %q: %s", p.entries[i].key, reason)}
		}
		out[p.entries[i].key] = v
	}
	return out, nil
}

// joined is the value and its continuation lines, trimmed and joined with a
// space (how YAML folds multi-line flow scalars).
func (e *frontEntry) joined() []byte {
	if len(e.cont) == 0 {
		return e.value
	}
	parts := make([][]byte, 0, 1+len(e.cont))
	parts = append(parts, e.value)
	for _, c := range e.cont {
		parts = append(parts, bytes.TrimSpace(c))
	}
	return bytes.Join(parts, []byte(" "))
}

func (e *frontEntry) interpret() (frontValue, string) {
	v := frontValue{line: e.line}
	switch {
	case len(e.value) == 0 && len(e.cont) == 0:
		v.scalar = true
	case len(e.value) == 0:
		raw := make([]string, len(e.cont))
		isList := true
		for i, c := range e.cont {
			t := bytes.TrimSpace(c)
			raw[i] = string(t)
			if len(t) == 0 || t[0] != '-' || (len(t) > 1 && t[1] != ' ' && t[1] != '\t') {
				isList = false
			}
		}
		v.text = strings.Join(raw, "\n")
		if !isList {
			return v, "" // a nested map: kept as raw text
		}
		v.list = make([]string, 0, len(raw))
		for _, item := range raw {
			s, reason := scalarItem(bytes.TrimSpace([]byte(item[1:])))
			if reason != "" {
				return v, reason
			}
			v.list = append(v.list, s)
		}
	case e.block:
		v.scalar = true
		v.text = blockScalar(e.value, e.cont)
	case e.value[0] == '"' || e.value[0] == '\'':
		s, reason := scalarItem(e.joined())
		if reason != "" {
			return v, reason
		}
		v.scalar, v.text = true, s
	case e.value[0] == '[':
		full := e.joined()
		list, reason := flowList(full)
		if reason != "" {
			return v, reason
		}
		v.text, v.list = string(full), list
	case e.value[0] == '{':
		v.text = string(e.joined())
	default:
		v.scalar, v.text = true, plainScalar(e.joined())
	}
	return v, ""
}

// scalarItem decodes a quoted or plain scalar that must fill all of s (up
// to a comment).
func scalarItem(s []byte) (string, string) {
	if len(s) == 0 || (s[0] != '"' && s[0] != '\'') {
		return plainScalar(s), ""
	}
	var (
		out    string
		rest   []byte
		reason string
	)
	if s[0] == '"' {
		out, rest, reason = doubleQuoted(s)
	} else {
		out, rest, reason = singleQuoted(s)
	}
	if reason != "" {
		return "", reason
	}
	if rest = bytes.TrimSpace(rest); len(rest) > 0 && rest[0] != '#' {
		return "", fmt.Sprintf("unexpected %q after the closing quote", clip(rest))
	}
	return out, ""
}

// plainScalar trims s and drops a trailing " #comment".
func plainScalar(s []byte) string {
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			s = s[:i]
			break
		}
	}
	return string(bytes.TrimSpace(s))
}

// doubleQuoted decodes the double-quoted string s starts with and returns
// what follows the closing quote.
func doubleQuoted(s []byte) (string, []byte, string) {
	var b strings.Builder
	for i := 1; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), s[i+1:], ""
		case c != '\\':
			j := i + 1
			for j < len(s) && s[j] != '"' && s[j] != '\\' {
				j++
			}
			b.Write(s[i:j])
			i = j
			continue
		}
		if i+1 >= len(s) {
			break
		}
		esc := s[i+1]
		i += 2
		if r, ok := simpleEscape(esc); ok {
			b.WriteRune(r)
			continue
		}
		var width int
		switch esc {
		case 'x':
			width = 2
		case 'u':
			width = 4
		case 'U':
			width = 8
		default:
			return "", nil, fmt.Sprintf("unknown escape \\%c in a double-quoted string", esc)
		}
		if i+width > len(s) {
			return "", nil, fmt.Sprintf("short \\%c escape in a double-quoted string", esc)
		}
		n, err := strconv.ParseUint(string(s[i:i+width]), 16, 32)
		if err != nil || !utf8.ValidRune(rune(n)) {
			return "", nil, fmt.Sprintf("bad \\%c%s escape in a double-quoted string", esc, s[i:i+width])
		}
		b.WriteRune(rune(n))
		i += width
	}
	return "", nil, "unterminated double-quoted string"
}

// simpleEscape decodes YAML's one-character escapes.
func simpleEscape(c byte) (rune, bool) {
	switch c {
	case '0':
		return 0, true
	case 'a':
		return '\a', true
	case 'b':
		return '\b', true
	case 't', '\t':
		return '\t', true
	case 'n':
		return '\n', true
	case 'v':
		return '\v', true
	case 'f':
		return '\f', true
	case 'r':
		return '\r', true
	case 'e':
		return 0x1b, true
	case ' ', '"', '/', '\\':
		return rune(c), true
	case 'N':
		return 0x85, true
	case '_':
		return 0xa0, true
	case 'L':
		return 0x2028, true
	case 'P':
		return 0x2029, true
	}
	return 0, false
}

// singleQuoted decodes the single-quoted string s starts with.
func singleQuoted(s []byte) (string, []byte, string) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), s[i+1:], ""
	}
	return "", nil, "unterminated single-quoted string"
}

// flowList decodes "[ a, 'b', "c" ]".
func flowList(s []byte) ([]string, string) {
	items := []string{}
	i := 1
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	for {
		skip()
		if i >= len(s) {
			return nil, "unterminated flow list"
		}
		switch c := s[i]; c {
		case ']':
			i++
			if rest := bytes.TrimSpace(s[i:]); len(rest) > 0 && rest[0] != '#' {
				return nil, fmt.Sprintf("unexpected %q after the flow list", clip(rest))
			}
			return items, ""
		case ',':
			i++ // an empty item, or a trailing comma
			continue
		case '[', '{':
			return nil, "nested flow collections are not supported"
		case '"', '\'':
			var (
				item, rest []byte
				out        string
				reason     string
			)
			item = s[i:]
			if c == '"' {
				out, rest, reason = doubleQuoted(item)
			} else {
				out, rest, reason = singleQuoted(item)
			}
			if reason != "" {
				return nil, reason
			}
			items = append(items, out)
			i = len(s) - len(rest)
		default:
			j := i
			for j < len(s) && s[j] != ',' && s[j] != ']' {
				j++
			}
			items = append(items, plainScalar(s[i:j]))
			i = j
		}
		skip()
		if i < len(s) && s[i] != ',' && s[i] != ']' {
			return nil, fmt.Sprintf("expected , or ] in a flow list, got %q", clip(s[i:]))
		}
		if i < len(s) && s[i] == ',' {
			i++
		}
	}
}

// blockScalar decodes a | (literal) or > (folded) block scalar from its
// indicator and indented lines. Chomping: "-" strips the final newline,
// otherwise one newline is kept.
func blockScalar(indicator []byte, lines [][]byte) string {
	// Drop trailing blank lines and find the common indentation.
	for len(lines) > 0 && len(bytes.TrimSpace(lines[len(lines)-1])) == 0 {
		lines = lines[:len(lines)-1]
	}
	indent := -1
	for _, l := range lines {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		n := len(l) - len(bytes.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	var b strings.Builder
	folded := indicator[0] == '>'
	prevText := false
	for i, l := range lines {
		blank := len(bytes.TrimSpace(l)) == 0
		switch {
		case !folded && i > 0:
			b.WriteByte('\n')
		case folded && blank:
			b.WriteByte('\n')
		case folded && prevText:
			b.WriteByte(' ')
		}
		if !blank {
			b.Write(trimRightSpace(l[indent:]))
		}
		prevText = !blank
	}
	if len(lines) > 0 && !bytes.Contains(indicator, []byte("-")) {
		b.WriteByte('\n')
	}
	return b.String()
}
