package eval

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	distiller "github.com/markusmobius/go-domdistiller"
	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"

	"github.com/newsvault/newsvault/internal/extract"
)

// Output is what one extractor found in one page.
type Output struct {
	Title, Author string
	Published     time.Time
	Text          string
	Kind          string // our page kind; peers report "article" or ""
	Err           error
}

// Extractor is one extraction tool under evaluation.
type Extractor interface {
	Name() string
	Extract(ctx context.Context, p *Page) Output
}

// Ours returns the newsvault extractor under evaluation.
func Ours(x *extract.Extractor) Extractor { return ours{x} }

type ours struct{ x *extract.Extractor }

func (ours) Name() string { return "newsvault" }

func (o ours) Extract(ctx context.Context, p *Page) Output {
	r, err := o.x.Extract(ctx, extract.Page{URL: p.URL, ContentType: p.ContentType, Body: p.Body})
	if err != nil {
		out := Output{Err: err}
		var na *extract.NotArticleError
		if errors.As(err, &na) {
			out.Kind = na.Kind
		}
		return out
	}
	return Output{Title: r.Title, Author: r.Author, Published: r.Published, Text: r.Text, Kind: r.Kind}
}

// Peers returns the other Go extractors, each called the way its README
// shows, on the raw bytes (each does its own charset detection and
// parsing): go-trafilatura with default options and with its fallback
// (go-readability and go-domdistiller) on, readeck's go-readability v2 and
// go-domdistiller; and, as the speed limit, a bare x/net/html parse.
func Peers() []Extractor {
	return []Extractor{trafilaturaPeer{fallback: false}, trafilaturaPeer{fallback: true}, readabilityPeer{}, distillerPeer{}, BareParse()}
}

// BareParse returns the speed limit of extraction: an x/net/html parse of
// the raw bytes (after charset detection, as every extractor needs),
// extracting nothing. Run reports only its speed.
func BareParse() Extractor { return bareParse{} }

type bareParse struct{}

func (bareParse) Name() string     { return "x/net/html parse" }
func (bareParse) TimingOnly() bool { return true }

func (bareParse) Extract(_ context.Context, p *Page) Output {
	r, err := charset.NewReader(bytes.NewReader(p.Body), p.ContentType)
	if err != nil {
		return Output{Err: err}
	}
	if _, err := html.Parse(r); err != nil {
		return Output{Err: err}
	}
	return Output{}
}

type trafilaturaPeer struct{ fallback bool }

func (t trafilaturaPeer) Name() string {
	if t.fallback {
		return "trafilatura+fallback"
	}
	return "trafilatura"
}

func (t trafilaturaPeer) Extract(_ context.Context, p *Page) (out Output) {
	defer recoverInto(&out)
	res, err := trafilatura.Extract(bytes.NewReader(p.Body), trafilatura.Options{OriginalURL: pageURL(p), EnableFallback: t.fallback})
	if err != nil {
		return Output{Err: err}
	}
	return Output{Title: res.Metadata.Title, Author: res.Metadata.Author, Published: res.Metadata.Date, Text: res.ContentText, Kind: "article"}
}

type readabilityPeer struct{}

func (readabilityPeer) Name() string { return "go-readability" }

func (readabilityPeer) Extract(_ context.Context, p *Page) (out Output) {
	defer recoverInto(&out)
	parser := readability.NewParser()
	a, err := parser.Parse(bytes.NewReader(p.Body), pageURL(p))
	if err != nil {
		return Output{Err: err}
	}
	if a.Node == nil {
		return Output{Err: errors.New("no content")}
	}
	var b strings.Builder
	if err := a.RenderText(&b); err != nil {
		return Output{Err: err}
	}
	out = Output{Title: a.Title(), Author: a.Byline(), Text: b.String(), Kind: "article"}
	out.Published, _ = a.PublishedTime()
	return out
}

type distillerPeer struct{}

func (distillerPeer) Name() string { return "go-domdistiller" }

func (distillerPeer) Extract(_ context.Context, p *Page) (out Output) {
	defer recoverInto(&out)
	res, err := distiller.ApplyForReader(bytes.NewReader(p.Body), &distiller.Options{OriginalURL: pageURL(p), SkipPagination: true})
	if err != nil {
		return Output{Err: err}
	}
	out = Output{Title: res.Title, Author: res.MarkupInfo.Author, Text: res.Text, Kind: "article"}
	if out.Author == "" && len(res.MarkupInfo.Article.Authors) > 0 {
		out.Author = strings.Join(res.MarkupInfo.Article.Authors, " ")
	}
	if d := res.MarkupInfo.Article.PublishedTime; d != "" {
		out.Published, _ = extract.ParseDate(d, time.UTC)
	}
	return out
}

// pageURL returns the page's URL parsed, or nil.
func pageURL(p *Page) *url.URL {
	if p.URL == "" {
		return nil
	}
	u, err := url.Parse(p.URL)
	if err != nil {
		return nil
	}
	return u
}

// recoverInto turns a peer's panic into an error result.
func recoverInto(out *Output) {
	if r := recover(); r != nil {
		*out = Output{Err: fmt.Errorf("panic: %v", r)}
	}
}
