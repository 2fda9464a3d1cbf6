package pipeline

import (
	"context"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/watch"
)

// LadderOf returns the re-check ladder of src's articles: its Watch
// setting, or the default for feeds and submitted URLs; imported articles
// are not re-checked unless their source says so. A setting that does not
// parse (it was checked when it was set) reads as the default.
func LadderOf(src *archive.Source) watch.Ladder {
	if src == nil {
		return watch.DefaultLadder
	}
	spec := src.Watch
	if spec == "" {
		if src.Kind == archive.KindImport {
			return nil
		}
		spec = "default"
	}
	l, err := watch.ParseLadder(spec)
	if err != nil {
		return watch.DefaultLadder
	}
	return l
}

// watchStart schedules the first re-check of a new article of src, or
// returns nil when its source is not watched.
func (p *Pipeline) watchStart(src *archive.Source) *store.WatchStart {
	l := LadderOf(src)
	if l.Off() {
		return nil
	}
	now := p.opts.Now()
	next, _ := l.Next(now, now)
	spec := ""
	if src != nil {
		spec = src.Watch
	}
	return &store.WatchStart{Ladder: spec, Next: next}
}

// Recheck is a re-fetched page of an archived article, extracted and
// sanitised, before it is judged: Version is what the page shows now.
type Recheck struct {
	Version archive.Version
	vw      versionWrite
}

// NewRecheck makes the version a re-check of the article at articleURL
// found (resp, extracted as res), under the article's identity: the final
// URL and the page's canonical link do not move the article.
func (p *Pipeline) NewRecheck(src *archive.Source, articleURL string, resp *fetch.Response, res *extract.Result) *Recheck {
	vw := p.pageVersion(src, articleURL, articleURL, &fetchedPage{resp: resp, result: res}, nil)
	vw.canon = articleURL
	return &Recheck{Version: vw.v, vw: vw}
}

// RecheckWrite finishes the re-check's version as a new version of its article
// (hash, images stored and re-pointed, search index entry), for the
// caller to store with the check.
func (p *Pipeline) RecheckWrite(ctx context.Context, r *Recheck) *store.ArticleWrite {
	w, _ := p.buildWrite(ctx, r.vw)
	w.Watch = nil
	return w
}
