// Package mirror owns the markdown mirror formats that public news mirrors
// write one file per feed item in: reading them (the "mirror" format with a
// <!--ms--> published comment, its older "mirror-v0" variant with a 日期 line,
// and the later Jekyll front-matter variant), writing the mirror format and
// its per-outlet list pages, naming article files safely, and sniffing what
// kind of plain file an importer has been handed.
//
// The mirror format is
//
//	<!--{published, Unix milliseconds}-->
//	[{title}]({link})
//	------
//
//	{HTML content}
//
// The package does no I/O beyond the io.Writer and the file read it is
// given, keeps no global mutable state and never uses regular expressions, so
// parsing costs one pass over the header lines plus one copy of the content.
package mirror

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// Formats reported in Entry.Format.
const (
	// FormatMirror is the mirror format with a <!--ms--> published comment.
	FormatMirror = "mirror"
	// FormatMirrorV0 is the older mirror format: no published comment, and
	// usually a "日期：{RFC 1123 date}" line after the ------ line.
	FormatMirrorV0 = "mirror-v0"
	// FormatJekyll is a Jekyll front-matter block followed by either a
	// mirror-format document or the raw HTML body.
	FormatJekyll = "jekyll"
)

// ErrNotMirror is returned (wrapped in a *ParseError) when the input is in
// none of the formats this package reads.
var ErrNotMirror = errors.New("not a markdown mirror file")

// ErrNilEntry is returned by Write when it is given a nil entry.
var ErrNilEntry = errors.New("nil entry")

// Entry is one mirrored feed item.
type Entry struct {
	Title     string
	Link      string
	Published time.Time // UTC; zero when the file has none
	Author    string
	Tags      []string
	HTML      string            // the content, exactly as in the file (one trailing newline removed)
	Format    string            // FormatMirror, FormatMirrorV0 or FormatJekyll
	Front     map[string]string // front-matter values for jekyll files (nil otherwise); see Parse

	// Mirror is, for a jekyll file whose body is itself a mirror-format
	// document, that document's own header (nil otherwise). Its values can
	// differ from the front matter's: titles there are trimmed or cut short
	// with "...", links percent-escaped, and the published comment is not
	// always the front matter's date.
	Mirror *Header
}

// Header is the metadata of a mirror-format header.
type Header struct {
	Title     string
	Link      string
	Published time.Time // UTC; zero when the header has none
	Format    string    // FormatMirror or FormatMirrorV0
}

// ParseError says why an input is not a mirror file. It wraps ErrNotMirror.
type ParseError struct {
	Name   string // file name, when the caller gave one
	Line   int    // 1-based line the problem was found on; 0 when it concerns the whole input
	Reason string
}

// Error implements error.
func (e *ParseError) Error() string {
	op := "parse mirror"
	if e.Name != "" {
		op += fmt.Sprintf(" %q", e.Name)
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s: %v: line %d: %s", op, ErrNotMirror, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s: %v: %s", op, ErrNotMirror, e.Reason)
}

// Unwrap returns ErrNotMirror.
func (e *ParseError) Unwrap() error { return ErrNotMirror }

// Parse reads one file in any of the three formats.
//
// Mirror and mirror-v0 files: the title is everything between the leading
// "[" and the last "](" of the header line, the link everything between that
// "](" and the ")" that ends the line (both verbatim, no unescaping). A title
// may span several lines (one real file has "[title\n\n](link)"); its line
// breaks are kept. One blank line after the ------ line (or after the 日期
// line) is skipped, and the content is the rest of the file without its
// final newline. Published comes from the <!--ms--> comment, or from the 日期
// line (RFC 5322 / RFC 1123 dates, full-width or ASCII colon).
//
// Jekyll files: Title, Link (key "from", else "link"), Published (key
// "date": RFC 3339, "2006-01-02 15:04:05 -0700" and similar, or
// "2006-01-02"), Author and Tags come from the front matter; the first three
// fall back to the embedded mirror header when missing or empty. The title
// is kept verbatim, surrounding spaces included. Front holds every
// top-level key: scalars decoded (quotes and escapes resolved), other values
// (lists, maps, block scalars) as their raw text. When the body is a mirror
// document the content is that document's content; otherwise it is the body
// after one optional blank line, without its final newline.
//
// A UTF-8 byte order mark and CRLF line ends in the header are accepted.
// Errors are *ParseError values wrapping ErrNotMirror.
func Parse(data []byte) (*Entry, error) {
	return ParseNamed("", data)
}

// ParseNamed is Parse with the file name recorded in any error.
func ParseNamed(name string, data []byte) (*Entry, error) {
	p, perr := parse(data)
	if perr != nil {
		perr.Name = name
		return nil, perr
	}
	e := p.entry
	e.HTML = string(data[p.htmlStart:p.htmlEnd])
	return &e, nil
}

// ReadFile reads and parses the file at path.
func ReadFile(path string) (*Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mirror file %q: %w", path, err)
	}
	return ParseNamed(path, data)
}
