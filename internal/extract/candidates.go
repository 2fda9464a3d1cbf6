package extract

import (
	"context"
	"fmt"
	"net/url"

	htmldate "github.com/markusmobius/go-htmldate"
	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// candidate is one proposal for the article's content tree.
type candidate struct {
	source string     // which algorithm made it
	root   *html.Node // children are the content
	tokens int        // tokens left after pruneBoilerplate
	stats  pruneStats
	// listing is the statistics isListing judges, whichever candidate
	// won.
	listing *pruneStats
	title   string // the title the algorithm found, if any
	author  string
}

// trafilaturaCandidate runs go-trafilatura (without its own fallbacks,
// date search or comment extraction) on doc, which it copies, and prunes
// the result. It returns early with ctx's error when ctx ends; the
// extraction then finishes in the background and is discarded, because
// trafilatura cannot be interrupted.
func trafilaturaCandidate(ctx context.Context, doc *html.Node, pageURL *url.URL) (*candidate, error) {
	type outcome struct {
		res *trafilatura.ExtractResult
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- outcome{err: fmt.Errorf("trafilatura: panic: %v", p)}
			}
		}()
		res, err := trafilatura.ExtractDocument(doc, trafilatura.Options{
			IncludeImages:    true,
			IncludeLinks:     true,
			ExcludeComments:  true,
			OriginalURL:      pageURL,
			HtmlDateOverride: &htmldate.Result{},
		})
		done <- outcome{res, err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if o.err != nil || o.res == nil || o.res.ContentNode == nil {
		return nil, nil // too little text: not a candidate
	}
	c := &candidate{source: "trafilatura", root: o.res.ContentNode, title: o.res.Metadata.Title, author: o.res.Metadata.Author}
	c.stats = pruneBoilerplate(c.root)
	c.tokens = c.stats.kept
	return c, nil
}

// fixAtoms sets the DataAtom of every element below n from its tag name:
// go-readability renames elements (<div> to <p>) without updating it.
func fixAtoms(n *html.Node) {
	if n.Type == html.ElementNode {
		n.DataAtom = atom.Lookup([]byte(n.Data))
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		fixAtoms(c)
	}
}
