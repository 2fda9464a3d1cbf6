package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/newsvault/newsvault/internal/zh"
)

// ErrNotOPML reports input that is not an OPML document.
var ErrNotOPML = errors.New("not an OPML document")

// Outline is one feed subscription of an OPML list.
type Outline struct {
	Title    string
	FeedURL  string
	SiteURL  string
	Category string // the enclosing folder's title ("Parent/Child" when nested); "" at top level
}

// opmlDoc is the part of an OPML document ParseOPML reads.
type opmlDoc struct {
	Body struct {
		Outlines []rawOutline `xml:"outline"`
	} `xml:"body"`
}

// rawOutline keeps every attribute, because exporters disagree on the case
// of xmlUrl and htmlUrl.
type rawOutline struct {
	Attrs    []xml.Attr   `xml:",any,attr"`
	Children []rawOutline `xml:"outline"`
}

// attr returns the value of the attribute named name, compared without
// case, trimmed.
func (o *rawOutline) attr(name string) string {
	for _, a := range o.Attrs {
		if strings.EqualFold(a.Name.Local, name) {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// ParseOPML reads the feed subscriptions of an OPML document (1.0 or 2.0).
// Outlines nested in a folder outline get the folder's title as Category,
// joined with "/" for nested folders; outlines outside any folder use their
// category attribute, if any. Outlines without an xmlUrl are not feeds and
// are skipped (their children are still read); the type attribute is not
// required. It returns an error wrapping ErrNotOPML when the root element is
// not <opml>, and ErrTooLarge for input over MaxSize.
func ParseOPML(r io.Reader) ([]Outline, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("parse OPML: read: %w", err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("parse OPML (%d+ bytes): %w (limit %d bytes)", len(data), ErrTooLarge, MaxSize)
	}
	data = zh.DecodeXML(data, "")

	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // already UTF-8
	var root xml.StartElement
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("parse OPML (%d bytes): %w: no root element (%v)", len(data), ErrNotOPML, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
	}
	if !strings.EqualFold(root.Name.Local, "opml") {
		return nil, fmt.Errorf("parse OPML (%d bytes): %w: root element is <%s>, want <opml>", len(data), ErrNotOPML, root.Name.Local)
	}
	var doc opmlDoc
	if err := d.DecodeElement(&doc, &root); err != nil {
		return nil, fmt.Errorf("parse OPML (%d bytes): %w", len(data), err)
	}
	out := []Outline{}
	collectOutlines(doc.Body.Outlines, nil, &out)
	return out, nil
}

// collectOutlines appends the feeds among outlines to out; folders are the
// titles of the enclosing folder outlines.
func collectOutlines(outlines []rawOutline, folders []string, out *[]Outline) {
	for i := range outlines {
		o := &outlines[i]
		title := cleanText(firstNonEmpty(o.attr("text"), o.attr("title")))
		feedURL := o.attr("xmlUrl")
		if feedURL == "" {
			switch strings.ToLower(o.attr("type")) {
			case "rss", "atom", "feed":
				feedURL = o.attr("url")
			}
		}
		if feedURL == "" {
			sub := folders
			if title != "" {
				sub = append(folders[:len(folders):len(folders)], title)
			}
			collectOutlines(o.Children, sub, out)
			continue
		}
		category := strings.Join(folders, "/")
		if category == "" {
			category = categoryAttr(o.attr("category"))
		}
		*out = append(*out, Outline{
			Title:    title,
			FeedURL:  feedURL,
			SiteURL:  o.attr("htmlUrl"),
			Category: category,
		})
		collectOutlines(o.Children, folders, out)
	}
}

// categoryAttr returns the first category of an OPML 2.0 category
// attribute ("/Boston/Weather,/Tech" → "Boston/Weather").
func categoryAttr(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.Trim(strings.TrimSpace(first), "/")
}

// opmlOut is the document WriteOPML writes.
type opmlOut struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	Head    struct {
		Title string `xml:"title"`
	} `xml:"head"`
	Body struct {
		Outlines []outlineOut `xml:"outline"`
	} `xml:"body"`
}

type outlineOut struct {
	Text     string       `xml:"text,attr"`
	Title    string       `xml:"title,attr,omitempty"`
	Type     string       `xml:"type,attr,omitempty"`
	XMLURL   string       `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string       `xml:"htmlUrl,attr,omitempty"`
	Children []outlineOut `xml:"outline"`
}

// WriteOPML writes outlines as an OPML 2.0 document in UTF-8 titled title.
// Outlines are grouped into one folder outline per Category (a category
// "A/B" is one folder of that name, which ParseOPML reads back as "A/B");
// outlines without a category stay at the top level. Top-level entries keep
// the order in which they first appear. An outline without a title is
// written with its feed URL as text. Attribute values are XML-escaped, so
// titles and URLs may hold any text, including "&<>" and quotes.
func WriteOPML(w io.Writer, title string, outlines []Outline) error {
	var doc opmlOut
	doc.Version = "2.0"
	doc.Head.Title = title

	folder := make(map[string]int) // category → index in doc.Body.Outlines
	for _, o := range outlines {
		text := firstNonEmpty(o.Title, o.FeedURL)
		feed := outlineOut{
			Text:    text,
			Title:   text,
			Type:    "rss",
			XMLURL:  strings.TrimSpace(o.FeedURL),
			HTMLURL: strings.TrimSpace(o.SiteURL),
		}
		cat := strings.TrimSpace(o.Category)
		if cat == "" {
			doc.Body.Outlines = append(doc.Body.Outlines, feed)
			continue
		}
		i, ok := folder[cat]
		if !ok {
			i = len(doc.Body.Outlines)
			folder[cat] = i
			doc.Body.Outlines = append(doc.Body.Outlines, outlineOut{Text: cat, Title: cat})
		}
		doc.Body.Outlines[i].Children = append(doc.Body.Outlines[i].Children, feed)
	}

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write OPML %q: %w", title, err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write OPML %q: %w", title, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write OPML %q: %w", title, err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write OPML %q: %w", title, err)
	}
	return nil
}
