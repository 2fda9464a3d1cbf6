package mirror

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// NormalizeTitle returns title as Write puts it on the header line: every
// line break ("\r\n", "\n" or "\r") folded to one space. Parse returns the
// title of a written entry exactly as NormalizeTitle made it.
func NormalizeTitle(title string) string {
	if !strings.ContainsAny(title, "\r\n") {
		return title
	}
	title = strings.ReplaceAll(title, "\r\n", " ")
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, title)
}

// EscapeLink returns link as Write puts it on the header line: ASCII control
// characters, spaces, DEL and parentheses percent-escaped (%XX), everything
// else, including existing percent-escapes and non-ASCII text, unchanged.
// The result can hold no line break and no "](", so it re-parses as the same
// string; EscapeLink(EscapeLink(s)) == EscapeLink(s).
func EscapeLink(link string) string {
	return escapeBytes(link, func(c byte) bool {
		return c <= ' ' || c == 0x7f || c == '(' || c == ')'
	})
}

// escapePath escapes a relative file path for a list page link: what
// EscapeLink escapes plus the characters a URL reference would read
// specially (% # ? [ ] < > \).
func escapePath(p string) string {
	return escapeBytes(p, func(c byte) bool {
		return c <= ' ' || c == 0x7f || strings.IndexByte("()%#?[]<>\\", c) >= 0
	})
}

func escapeBytes(s string, needs func(byte) bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if needs(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needs(c) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Write writes e in the mirror format:
//
//	"<!--{e.Published in Unix ms}-->\n[{title}]({link})\n------\n\n{e.HTML}\n"
//
// When e.Published is zero (or is less than a millisecond after the zero
// time) there is no published comment to write (a
// "<!--0-->" would read back as 1970), so the comment line is left out:
// the result is the mirror-v0 shape without a 日期 line, which Parse reads
// back with a zero Published. The title goes through NormalizeTitle and the
// link through EscapeLink; Author, Tags, Front and Format are not written.
//
// So for any e, Parse of the output succeeds and gives Title ==
// NormalizeTitle(e.Title), Link == EscapeLink(e.Link), HTML == e.HTML and
// Published == e.Published truncated to the millisecond (in UTC; zero stays
// zero). A FormatMirror file whose header already has this canonical shape
// (one-line title, a link with nothing to escape, a plain <!--ms--> number,
// exactly six dashes and one blank line, "\n" line ends, a final newline)
// comes back byte for byte.
func Write(w io.Writer, e *Entry) error {
	if e == nil {
		return fmt.Errorf("write mirror entry: %w", ErrNilEntry)
	}
	title, link := NormalizeTitle(e.Title), EscapeLink(e.Link)
	var b bytes.Buffer
	b.Grow(len(title) + len(link) + len(e.HTML) + 48)
	if ms := e.Published.UnixMilli(); !time.UnixMilli(ms).IsZero() {
		b.WriteString("<!--")
		b.WriteString(strconv.FormatInt(ms, 10))
		b.WriteString("-->\n")
	}
	b.WriteByte('[')
	b.WriteString(title)
	b.WriteString("](")
	b.WriteString(link)
	b.WriteString(")\n------\n\n")
	b.WriteString(e.HTML)
	b.WriteByte('\n')
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write mirror entry %q: %w", e.Title, err)
	}
	return nil
}

// ListItem is one article on an outlet's list page.
type ListItem struct {
	Title     string
	Path      string // the article file relative to the list page, with "/" separators
	Published time.Time
}

// listTimeLayout is how WriteList shows publication times.
const listTimeLayout = "2006-01-02 15:04"

// WriteList writes the markdown list page of one outlet:
//
//	"{outlet}\n------\n\n" then per item "[{title}]({path}) {2006-01-02 15:04}\n\n"
//
// with items newest first (ties by title, then in the order given) and items
// without a time last, written without a date. Times are shown in loc (nil
// means UTC). Titles and the outlet go through NormalizeTitle; paths are
// percent-escaped where a markdown link would misread them (spaces,
// parentheses, %, #, ?, brackets, angle brackets, backslashes, control
// characters). items is not modified.
func WriteList(w io.Writer, outlet string, items []ListItem, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, compareListItems)
	var b bytes.Buffer
	b.WriteString(NormalizeTitle(outlet))
	b.WriteString("\n------\n\n")
	for _, it := range sorted {
		b.WriteByte('[')
		b.WriteString(NormalizeTitle(it.Title))
		b.WriteString("](")
		b.WriteString(escapePath(it.Path))
		b.WriteByte(')')
		if !it.Published.IsZero() {
			b.WriteByte(' ')
			b.WriteString(it.Published.In(loc).Format(listTimeLayout))
		}
		b.WriteString("\n\n")
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write mirror list %q: %w", outlet, err)
	}
	return nil
}

// compareListItems orders newest first, zero times last, then by title.
func compareListItems(a, b ListItem) int {
	az, bz := a.Published.IsZero(), b.Published.IsZero()
	switch {
	case az != bz:
		if az {
			return 1
		}
		return -1
	case !az && !a.Published.Equal(b.Published):
		return b.Published.Compare(a.Published)
	}
	return strings.Compare(a.Title, b.Title)
}
