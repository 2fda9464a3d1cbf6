package diff

import (
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Version is what a reader sees of one version of an article, in the form
// the diff compares.
type Version struct {
	Title     string
	Author    string
	Published time.Time // zero when unknown
	Updated   time.Time // zero when unknown
	Text      string    // the extracted plain text, paragraphs split by a blank line
	Images    []string  // image URLs in order of appearance, see Images
}

// FromArchive returns the parts of v that Versions compares. Its images
// are read from the sanitized HTML with Images.
func FromArchive(v *archive.Version) Version {
	return Version{
		Title:     v.Title,
		Author:    v.Author,
		Published: v.Published,
		Updated:   v.Updated,
		Text:      v.Text,
		Images:    Images(v.HTML),
	}
}

// Field names used in Change.Field.
const (
	FieldTitle     = "title"
	FieldAuthor    = "author"
	FieldPublished = "published"
	FieldUpdated   = "updated"
)

// Change is the change of one metadata field between two versions. Ops is
// the word- or character-level diff of Old and New.
type Change struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
	Ops   []Op   `json:"ops"`
}

// Result is the whole difference between two versions.
type Result struct {
	// Fields lists the metadata fields that differ, in the order title,
	// author, published, updated. Dates are formatted as RFC 3339.
	Fields []Change `json:"fields,omitempty"`
	// ImagesRemoved and ImagesAdded list the images only in the old and
	// only in the new version.
	ImagesRemoved []string `json:"images_removed,omitempty"`
	ImagesAdded   []string `json:"images_added,omitempty"`
	// Body is the diff of the texts; a single Equal op (or none) when they
	// are the same.
	Body []Op `json:"body"`
}

// Changed reports whether r holds any change.
func (r *Result) Changed() bool {
	return len(r.Fields) > 0 || len(r.ImagesRemoved) > 0 || len(r.ImagesAdded) > 0 || Changed(r.Body)
}

// Versions compares two versions of an article.
func Versions(old, new Version) *Result {
	r := &Result{Body: Text(old.Text, new.Text)}
	field := func(name, a, b string) {
		if a != b {
			r.Fields = append(r.Fields, Change{Field: name, Old: a, New: b, Ops: Text(a, b)})
		}
	}
	field(FieldTitle, old.Title, new.Title)
	field(FieldAuthor, old.Author, new.Author)
	field(FieldPublished, formatTime(old.Published), formatTime(new.Published))
	field(FieldUpdated, formatTime(old.Updated), formatTime(new.Updated))
	r.ImagesRemoved = missing(old.Images, new.Images)
	r.ImagesAdded = missing(new.Images, old.Images)
	return r
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// missing returns the elements of a that are not in b, in a's order,
// without repeats.
func missing(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
			in[s] = true
		}
	}
	return out
}

// Images returns the images an article's HTML shows, in order, each under
// the URL it had on the original site: an <img> that newsvault pointed at
// its own copy (/assets/<sha256>) is listed under its data-original-src,
// so that re-pointing images is not a change. Lazy-loading attributes are
// not consulted: the HTML is expected to be sanitized already.
func Images(htmlText string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(htmlText))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if atom.Lookup(name) != atom.Img || !hasAttr {
				continue
			}
			var src, orig string
			for {
				k, v, more := z.TagAttr()
				switch string(k) {
				case "src":
					src = string(v)
				case content.OriginalSrcAttr:
					orig = string(v)
				}
				if !more {
					break
				}
			}
			if orig != "" {
				src = orig
			}
			if src = strings.TrimSpace(src); src != "" {
				out = append(out, src)
			}
		}
	}
}
