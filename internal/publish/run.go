package publish

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/manifest"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
)

// Publisher writes targets incrementally: each run renders only the
// articles whose version or watch status changed since that target's last
// run, and the list pages, feeds and index files they touch; a file whose
// bytes did not change is not rewritten.
type Publisher struct {
	Store    Store
	Blobs    Blobs
	Analyzer *search.Analyzer
	// Sanitizer makes stored HTML servable exactly as the live server
	// does (content.Sanitizer.Servable).
	Sanitizer *content.Sanitizer
	Log       *slog.Logger
	// Key signs each target's MANIFEST (see internal/manifest); nil
	// publishes no manifest.
	Key *manifest.Key
	// Now is the clock (feeds' updated time); nil means time.Now.
	Now func() time.Time

	foldOnce sync.Once
	fold     []byte

	// failAfter, when positive, stops a run after that many renames of
	// its commit, as a kill would (tests).
	failAfter int
	// onStage, when set, runs as each file is staged (tests).
	onStage func()
}

// Report says what one run did to one target.
type Report struct {
	Target   string
	Kind     Kind
	Articles int // articles in the archive
	Rendered int // articles rendered because they changed
	Written  int // files written
	Removed  int // files removed
	Duration time.Duration
	// Git targets: the branch head, the remotes now at it, and those that
	// failed (by name), which the next run pushes again.
	Commit     string
	Pushed     []string
	PushErrors map[string]error
}

// entry is one article as listings need it (no content), with its status.
type entry struct {
	archive.Article
	Status ArticleStatus
	token  string
}

// snapshot is the archive as one run sees it.
type snapshot struct {
	sources  []archive.Source
	byID     map[int64]*archive.Source
	entries  []*entry // newest first
	statuses map[int64]ArticleStatus
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Run publishes the archive to t.
func (p *Publisher) Run(ctx context.Context, t Target) (Report, error) {
	start := time.Now()
	rep := Report{Target: t.Name, Kind: t.Kind}
	if err := t.Validate(); err != nil {
		return rep, err
	}
	if p.Sanitizer == nil {
		p.Sanitizer = content.NewSanitizer()
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	if t.Kind == KindGit {
		err := p.git(ctx, t, &rep)
		rep.Duration = time.Since(start)
		if err != nil {
			return rep, fmt.Errorf("publish %s: %w", t.Name, err)
		}
		p.Log.Info("published", "target", t.Name, "kind", t.Kind, "commit", rep.Commit, "written", rep.Written,
			"removed", rep.Removed, "pushed", rep.Pushed, "push_failed", len(rep.PushErrors), "dur", rep.Duration)
		return rep, nil
	}
	tr, err := openTree(t.Dir, string(t.Kind))
	if err != nil {
		return rep, err
	}
	tr.failAfter, tr.onStage = p.failAfter, p.onStage
	snap, err := p.snapshot(ctx)
	if err != nil {
		return rep, err
	}
	rep.Articles = len(snap.entries)
	var changed []*entry
	for _, e := range snap.entries {
		if tr.prev.Articles[e.ID].Token != e.token {
			changed = append(changed, e)
		}
	}
	rep.Rendered = len(changed)
	switch t.Kind {
	case KindMarkdown:
		err = p.markdown(ctx, tr, t, snap, changed)
	case KindSite:
		err = p.site(ctx, tr, t, snap, changed)
	}
	if err != nil {
		tr.discard()
		return rep, fmt.Errorf("publish %s: %w", t.Name, err)
	}
	if err := ctx.Err(); err != nil {
		tr.discard()
		return rep, err
	}
	if p.Key != nil {
		if err := tr.stageManifest(p.Key, p.now()); err != nil {
			tr.discard()
			return rep, fmt.Errorf("publish %s: %w", t.Name, err)
		}
	}
	rep.Written, rep.Removed, err = tr.commit()
	rep.Duration = time.Since(start)
	if err != nil {
		return rep, fmt.Errorf("publish %s: %w", t.Name, err)
	}
	p.Log.Info("published", "target", t.Name, "kind", t.Kind, "articles", rep.Articles, "rendered", rep.Rendered,
		"written", rep.Written, "removed", rep.Removed, "dur", rep.Duration)
	return rep, nil
}

// snapshot lists sources, every article without content, and statuses.
func (p *Publisher) snapshot(ctx context.Context) (*snapshot, error) {
	srcs, err := p.Store.Sources(ctx)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	s := &snapshot{sources: srcs, byID: map[int64]*archive.Source{}}
	for i := range srcs {
		s.byID[srcs[i].ID] = &srcs[i]
	}
	if sr, ok := p.Store.(StatusReader); ok {
		if s.statuses, err = sr.ArticleStatuses(ctx); err != nil {
			return nil, fmt.Errorf("publish: article statuses: %w", err)
		}
	}
	// One query for the whole listing: paging by OFFSET would sort the
	// table once per page.
	as, err := p.Store.Articles(ctx, store.ArticleFilter{Limit: math.MaxInt32, NoContent: true})
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	s.entries = make([]*entry, 0, len(as))
	for _, a := range as {
		e := &entry{Article: a, Status: s.statuses[a.ID]}
		e.token = strconv.FormatInt(a.VersionID, 10) + "/" + strconv.Itoa(a.VersionCount) + "/" + e.Status.Status
		if !e.Status.Since.IsZero() {
			e.token += "@" + strconv.FormatInt(e.Status.Since.Unix(), 10)
		}
		s.entries = append(s.entries, e)
	}
	return s, nil
}

// full loads an article with its content.
func (p *Publisher) full(ctx context.Context, id int64) (archive.Article, error) {
	a, err := p.Store.Article(ctx, id)
	if err != nil {
		return a, fmt.Errorf("article %d: %w", id, err)
	}
	return a, nil
}

// foldJS is search/fold.js, built once.
func (p *Publisher) foldJS() []byte {
	p.foldOnce.Do(func() { p.fold = foldScript(p.Analyzer) })
	return p.fold
}
