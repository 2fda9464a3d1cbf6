package mirror

import (
	"bytes"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxTitleLines bounds how many lines a [title](link) header may span, so a
// file that merely starts with "[" is rejected after a few lines instead of
// being scanned to the end.
const maxTitleLines = 8

const bom = "\xef\xbb\xbf"

// parsed is a parse result whose content is still a byte range of the input,
// so that Sniff can classify a file without copying its content.
type parsed struct {
	entry              Entry
	htmlStart, htmlEnd int
}

// lineAt returns the line that starts at off without its "\n" or "\r\n", the
// offset of the next line, and false when off is at the end of data.
func lineAt(data []byte, off int) (line []byte, next int, ok bool) {
	if off >= len(data) {
		return nil, len(data), false
	}
	end, next := len(data), len(data)
	if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
		end, next = off+i, off+i+1
	}
	line = data[off:end]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, next, true
}

// skipBlankLine returns off moved past one empty line ("\n" or "\r\n"), if
// there is one at off.
func skipBlankLine(data []byte, off int) int {
	switch {
	case off < len(data) && data[off] == '\n':
		return off + 1
	case off+1 < len(data) && data[off] == '\r' && data[off+1] == '\n':
		return off + 2
	}
	return off
}

// contentEnd is the end of the content that starts at start: the end of
// data without one final "\n".
func contentEnd(data []byte, start int) int {
	end := len(data)
	if end > start && data[end-1] == '\n' {
		end--
	}
	return end
}

// trimRightSpace drops trailing spaces and tabs.
func trimRightSpace(b []byte) []byte {
	n := len(b)
	for n > 0 && (b[n-1] == ' ' || b[n-1] == '\t') {
		n--
	}
	return b[:n]
}

// isDashes reports whether line is a setext underline: three or more "-".
func isDashes(line []byte) bool {
	line = trimRightSpace(line)
	if len(line) < 3 {
		return false
	}
	for _, c := range line {
		if c != '-' {
			return false
		}
	}
	return true
}

// isDelim reports whether line is exactly delim, ignoring trailing blanks.
func isDelim(line []byte, delim string) bool {
	return string(trimRightSpace(line)) == delim
}

// clip shortens b for quoting in an error message.
func clip(b []byte) string {
	const max = 40
	if len(b) <= max {
		return string(b)
	}
	i := max
	for i > 0 && !utf8.RuneStart(b[i]) {
		i--
	}
	return string(b[:i]) + "…"
}

func parse(data []byte) (parsed, *ParseError) {
	if len(bytes.TrimSpace(data)) == 0 {
		return parsed{}, &ParseError{Reason: "empty input"}
	}
	off := 0
	if len(data) >= len(bom) && string(data[:len(bom)]) == bom {
		off = len(bom)
	}
	if first, _, _ := lineAt(data, off); isDelim(first, "---") {
		return parseJekyll(data, off)
	}
	h, start, perr := parseHeader(data, off, 1)
	if perr != nil {
		return parsed{}, perr
	}
	return parsed{
		entry: Entry{
			Title:     h.Title,
			Link:      h.Link,
			Published: h.Published,
			Format:    h.Format,
		},
		htmlStart: start,
		htmlEnd:   contentEnd(data, start),
	}, nil
}

// parseHeader reads a mirror or mirror-v0 header starting at off, which is
// on line lineNo, and returns it with the offset where the content starts.
func parseHeader(data []byte, off, lineNo int) (Header, int, *ParseError) {
	fail := func(line int, format string, args ...any) (Header, int, *ParseError) {
		return Header{}, 0, &ParseError{Line: line, Reason: fmt.Sprintf(format, args...)}
	}
	h := Header{Format: FormatMirrorV0}
	line, next, ok := lineAt(data, off)
	if !ok {
		return fail(lineNo, "missing [title](link) line")
	}
	if bytes.HasPrefix(line, []byte("<!--")) {
		ms, reason := parseMillisComment(line)
		if reason != "" {
			return fail(lineNo, "%s", reason)
		}
		h.Published = time.UnixMilli(ms).UTC()
		h.Format = FormatMirror
		off, lineNo = next, lineNo+1
		if line, next, ok = lineAt(data, off); !ok {
			return fail(lineNo, "missing [title](link) line after the published comment")
		}
	}
	if len(line) == 0 || line[0] != '[' {
		return fail(lineNo, "expected a [title](link) line, got %q", clip(line))
	}
	titleStart, titleLine := off+1, lineNo
	for k := 1; ; k++ {
		cand := trimRightSpace(line)
		if n := len(cand); n > 0 && cand[n-1] == ')' {
			if j := bytes.LastIndex(cand[:n-1], []byte("](")); j >= 0 {
				if dl, dnext, ok := lineAt(data, next); ok && isDashes(dl) {
					h.Title = string(data[titleStart : off+j])
					h.Link = string(cand[j+2 : n-1])
					off, lineNo = dnext, lineNo+2
					break
				}
			}
		}
		if k == maxTitleLines {
			return fail(titleLine, "no line ending in \"](link)\" and followed by ------ within %d lines", maxTitleLines)
		}
		off, lineNo = next, lineNo+1
		if line, next, ok = lineAt(data, off); !ok {
			return fail(titleLine, "missing ------ line after the [title](link) line")
		}
		if isDashes(line) {
			return fail(lineNo-1, "the line before ------ does not end in \"](link)\"")
		}
	}
	if h.Format == FormatMirrorV0 {
		if line, next, ok := lineAt(data, off); ok {
			if value, isDate := cutDateLabel(line); isDate {
				t, err := parseMailDate(value)
				if err != nil {
					return fail(lineNo, "日期 line: %v", err)
				}
				h.Published = t
				off = next
			}
		}
	}
	return h, skipBlankLine(data, off), nil
}

// parseMillisComment reads "<!--{ms}-->".
func parseMillisComment(line []byte) (ms int64, reason string) {
	line = trimRightSpace(line)
	if len(line) < len("<!---->") || !bytes.HasSuffix(line, []byte("-->")) {
		return 0, fmt.Sprintf("published comment %q is not closed with -->", clip(line))
	}
	inner := bytes.TrimSpace(line[len("<!--") : len(line)-len("-->")])
	digits := inner
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return 0, fmt.Sprintf("published comment %q holds no number", clip(line))
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, fmt.Sprintf("published comment %q is not a whole number of milliseconds", clip(line))
		}
	}
	ms, err := strconv.ParseInt(string(inner), 10, 64)
	if err != nil {
		return 0, fmt.Sprintf("published comment %q: %v", clip(line), err)
	}
	return ms, ""
}

// cutDateLabel recognises a v0 "日期：{date}" or "日期:{date}" line.
func cutDateLabel(line []byte) (value string, ok bool) {
	rest, ok := bytes.CutPrefix(line, []byte("日期"))
	if !ok {
		return "", false
	}
	if r, ok := bytes.CutPrefix(rest, []byte("：")); ok {
		rest = r
	} else if r, ok := bytes.CutPrefix(rest, []byte(":")); ok {
		rest = r
	} else {
		return "", false
	}
	return strings.TrimSpace(string(rest)), true
}

// parseMailDate reads an RFC 5322 / RFC 1123 style date, falling back to the
// front-matter forms.
func parseMailDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("empty date")
	}
	if t, err := mail.ParseDate(s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range [...]string{time.RFC1123Z, time.RFC1123, time.RFC850, time.ANSIC} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := parseFrontDate(s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("unrecognised date %q", s)
}

// frontLayouts returns the Jekyll date forms accepted, most common first.
// Go's time.Parse accepts fractional seconds after any seconds field.
func frontLayouts() [9]string {
	return [...]string{
		time.RFC3339,
		"2006-01-02 15:04:05 -0700",
		"2006-01-02 15:04:05 -07:00",
		"2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05",
		"2006-01-02T15:04:05",
		"2006-01-02 15:04 -0700",
		"2006-01-02 15:04",
		"2006-01-02",
	}
}

// parseFrontDate reads a Jekyll date; dates without a zone are UTC.
func parseFrontDate(s string) (time.Time, error) {
	for _, layout := range frontLayouts() {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised date %q", s)
}

// parseJekyll reads a front-matter block whose "---" line starts at off.
func parseJekyll(data []byte, off int) (parsed, *ParseError) {
	_, start, _ := lineAt(data, off)
	// Find the closing line first, so that an unclosed block is reported as
	// such rather than as whatever body line the key reader trips on.
	end, next := -1, start
	for end < 0 {
		line, n, ok := lineAt(data, next)
		if !ok {
			return parsed{}, &ParseError{Line: 1, Reason: "front matter opened with --- is never closed"}
		}
		if isDelim(line, "---") || isDelim(line, "...") {
			end = next
		}
		next = n
	}
	lineNo := 2
	for at := start; at < end; lineNo++ {
		_, at, _ = lineAt(data, at)
	}
	values, perr := parseFront(data[start:end], 2)
	if perr != nil {
		return parsed{}, perr
	}

	p := parsed{entry: Entry{Format: FormatJekyll, Front: make(map[string]string, len(values))}}
	e := &p.entry
	for k, v := range values {
		e.Front[k] = v.text
	}

	body := skipBlankLine(data, next)
	bodyLine := lineNo + 1
	if body != next {
		bodyLine++
	}
	if h, start, herr := parseHeader(data, body, bodyLine); herr == nil {
		e.Mirror = &h
		p.htmlStart = start
	} else {
		p.htmlStart = body
	}
	p.htmlEnd = contentEnd(data, p.htmlStart)

	if v := values["title"]; v.text != "" {
		e.Title = v.text
	} else if e.Mirror != nil {
		e.Title = e.Mirror.Title
	}
	switch {
	case values["from"].scalar && values["from"].text != "":
		e.Link = values["from"].text
	case values["link"].scalar && values["link"].text != "":
		e.Link = values["link"].text
	case e.Mirror != nil:
		e.Link = e.Mirror.Link
	}
	if v, ok := values["date"]; ok && v.scalar && v.text != "" {
		t, err := parseFrontDate(v.text)
		if err != nil {
			return parsed{}, &ParseError{Line: v.line, Reason: "front matter date: " + err.Error()}
		}
		e.Published = t
	} else if e.Mirror != nil {
		e.Published = e.Mirror.Published
	}
	if v, ok := values["author"]; ok {
		if v.list != nil {
			e.Author = strings.Join(v.list, ", ")
		} else {
			e.Author = v.text
		}
	}
	if v, ok := values["tags"]; ok {
		if v.list != nil {
			e.Tags = v.list
		} else if v.scalar {
			e.Tags = strings.Fields(v.text)
		}
		if len(e.Tags) == 0 {
			e.Tags = nil
		}
	}
	return p, nil
}
