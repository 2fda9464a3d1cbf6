package publish

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/manifest"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
)

// layoutVersion changes whenever what a page or file looks like changes
// for every article: a target published by an older layout is rendered
// again in full.
const layoutVersion = "2"

// Publisher writes targets incrementally: each run asks the store only for
// the articles that got a version or a re-check since that target's last
// run (ChangeReader), renders those whose version or watch status changed,
// and the list pages, feeds and index files they touch; a file whose bytes
// did not change is not rewritten.
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

// ChangeReader is implemented by a store that can say what changed after
// a mark (see store.ChangeMark): publishing then reads only that. Without
// it every run lists the whole archive.
type ChangeReader interface {
	ArticleChanges(ctx context.Context, since store.ChangeMark) ([]store.ArticleChange, store.ChangeMark, error)
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
	// WrittenFiles and RemovedFiles are the paths behind Written and
	// Removed, sorted by when they were staged.
	WrittenFiles, RemovedFiles []string
	// Git targets: the branch head, the remotes now at it, and those that
	// failed (by name), which the next run pushes again.
	Commit     string
	Pushed     []string
	PushErrors map[string]error
}

// entry is one article as listings need it (no content), with its status,
// as the target's state holds it.
type entry struct {
	archive.Article
	Status ArticleStatus
	token  string
	day    string
	files  []string
}

// sortAt is the time an article is listed by: its publication, else when
// we first saw it.
func (e *entry) sortAt() time.Time {
	if !e.Published.IsZero() {
		return e.Published
	}
	return e.FirstSeenAt
}

// view is what one run works from: the sources, the articles that changed
// (with what the state held for them before), and which list pages those
// touch. Everything else is read from the state as needed.
type view struct {
	tr      *tree
	sources []archive.Source
	byID    map[int64]*archive.Source
	changed []*entry
	old     map[int64]*entry // the state's row before this run, when any
	total   int
	touch   touched
}

// touched names the list pages a run must render again.
type touched struct {
	all             bool
	sources         map[int64]bool
	days            map[string]bool
	removed, edited bool
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
	defer tr.close()
	tr.failAfter, tr.onStage = p.failAfter, p.onStage
	fail := func(err error) (Report, error) {
		tr.discard()
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return rep, err
		}
		return rep, fmt.Errorf("publish %s: %w", t.Name, err)
	}
	v, err := p.view(ctx, tr, t)
	if err != nil {
		return fail(err)
	}
	rep.Articles, rep.Rendered = v.total, len(v.changed)
	switch t.Kind {
	case KindMarkdown:
		err = p.markdown(ctx, tr, t, v)
	case KindSite:
		err = p.site(ctx, tr, t, v)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err == nil && p.Key != nil {
		err = tr.stageManifest(p.Key, p.now())
	}
	if err != nil {
		return fail(err)
	}
	rep.WrittenFiles = append([]string(nil), tr.staged...)
	for rel := range tr.removed {
		rep.RemovedFiles = append(rep.RemovedFiles, rel)
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

// layoutKey is what every page of t depends on beyond its articles.
func layoutKey(t Target) string {
	return layoutVersion + "|" + t.Name + "|" + t.BaseURL + "|" + strconv.FormatBool(t.OriginalImages)
}

// view reads the sources and the changes since tr's last run, records the
// changed articles' listing fields in the run's state and works out what
// they touch.
func (p *Publisher) view(ctx context.Context, tr *tree, t Target) (*view, error) {
	srcs, err := p.Store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	v := &view{tr: tr, sources: srcs, byID: map[int64]*archive.Source{}, old: map[int64]*entry{},
		touch: touched{sources: map[int64]bool{}, days: map[string]bool{}}}
	for i := range srcs {
		v.byID[srcs[i].ID] = &srcs[i]
	}
	if layout := layoutKey(t); tr.layout != layout {
		v.touch.all, tr.layout = true, layout
	}
	// A source whose name, zone or directory changed is rendered again
	// with all its articles.
	redo, err := v.sourceChanges(tr)
	if err != nil {
		return nil, err
	}
	changes, mark, err := p.changes(ctx, tr.mark)
	if err != nil {
		return nil, err
	}
	tr.mark = mark
	var empty bool
	if err := tr.tx.QueryRow(`SELECT NOT EXISTS (SELECT 1 FROM articles)`).Scan(&empty); err != nil {
		return nil, err
	}
	seen := make(map[int64]bool, len(changes))
	for i := range changes {
		c := &changes[i]
		e := &entry{Article: c.Article, Status: ArticleStatus{Status: c.Status, Since: c.StatusSince}}
		e.token = changeToken(e)
		e.day = v.day(&e.Article)
		seen[e.ID] = true
		var old *entry
		if !empty {
			if old, err = tr.entry(e.ID); err != nil {
				return nil, err
			}
		}
		if old != nil && old.token == e.token && !v.touch.all && !redo[e.SourceID] {
			continue
		}
		if old != nil {
			v.old[e.ID], e.files = old, old.files
		}
		if err := tr.upsert(e); err != nil {
			return nil, err
		}
		v.changed = append(v.changed, e)
	}
	if v.touch.all || len(redo) > 0 {
		where, args := "1=1", []any(nil)
		if !v.touch.all {
			ids := make([]string, 0, len(redo))
			for id := range redo {
				ids = append(ids, strconv.FormatInt(id, 10))
			}
			where = "source_id IN (" + strings.Join(ids, ",") + ")"
		}
		rest, err := tr.entries(where, args...)
		if err != nil {
			return nil, err
		}
		for _, e := range rest {
			if !seen[e.ID] {
				e.day = v.day(&e.Article)
				v.old[e.ID] = e
				if err := tr.upsert(e); err != nil {
					return nil, err
				}
				v.changed = append(v.changed, e)
			}
		}
	}
	for _, e := range v.changed {
		v.touch.add(e)
		if o := v.old[e.ID]; o != nil {
			v.touch.add(o)
		}
	}
	if err := tr.tx.QueryRow(`SELECT COUNT(*) FROM articles`).Scan(&v.total); err != nil {
		return nil, err
	}
	return v, nil
}

func (tc *touched) add(e *entry) {
	tc.sources[e.SourceID] = true
	tc.days[e.day] = true
	tc.removed = tc.removed || e.Status.Removed()
	tc.edited = tc.edited || e.VersionCount > 1
}

// changes asks the store what changed after mark; a store that cannot say
// lists every article.
func (p *Publisher) changes(ctx context.Context, mark store.ChangeMark) ([]store.ArticleChange, store.ChangeMark, error) {
	if cr, ok := p.Store.(ChangeReader); ok {
		cs, next, err := cr.ArticleChanges(ctx, mark)
		if err != nil {
			return nil, mark, fmt.Errorf("changes since %+v: %w", mark, err)
		}
		return cs, next, nil
	}
	var statuses map[int64]ArticleStatus
	if sr, ok := p.Store.(StatusReader); ok {
		var err error
		if statuses, err = sr.ArticleStatuses(ctx); err != nil {
			return nil, mark, fmt.Errorf("article statuses: %w", err)
		}
	}
	as, err := p.Store.Articles(ctx, store.ArticleFilter{Limit: math.MaxInt32, NoContent: true})
	if err != nil {
		return nil, mark, err
	}
	out := make([]store.ArticleChange, len(as))
	for i, a := range as {
		st := statuses[a.ID]
		out[i] = store.ArticleChange{Article: a, Status: st.Status, StatusSince: st.Since}
	}
	return out, mark, nil
}

// changeToken is what was published for an article: its version and
// watch status. A new token renders the article again.
func changeToken(e *entry) string {
	tok := strconv.FormatInt(e.VersionID, 10) + "/" + strconv.Itoa(e.VersionCount) + "/" + e.Status.Status
	if !e.Status.Since.IsZero() {
		tok += "@" + strconv.FormatInt(e.Status.Since.Unix(), 10)
	}
	return tok
}

// sourceChanges records each source's fingerprint and returns the sources
// whose articles must be rendered again because it changed.
func (v *view) sourceChanges(tr *tree) (map[int64]bool, error) {
	old := map[int64]string{}
	rows, err := tr.tx.Query(`SELECT id, fingerprint FROM sources`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var fp string
		if err := rows.Scan(&id, &fp); err != nil {
			rows.Close()
			return nil, err
		}
		old[id] = fp
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	redo := map[int64]bool{}
	used := map[string]bool{}
	for _, s := range v.sources {
		sum := sha256.Sum256([]byte(s.Title + "\x00" + s.FeedURL + "\x00" + s.TimeZone + "\x00" + dirName(s, used)))
		fp := hex.EncodeToString(sum[:8])
		if prev, ok := old[s.ID]; ok && prev == fp {
			continue
		} else if ok {
			redo[s.ID] = true
		}
		if _, err := tr.tx.Exec(`INSERT INTO sources (id, fingerprint) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint`, s.ID, fp); err != nil {
			return nil, err
		}
	}
	return redo, nil
}

// day is the date an article is listed under: its publication date in its
// own zone, else the day we first saw it in its source's zone.
func (v *view) day(a *archive.Article) string {
	if !a.Published.IsZero() {
		return a.Published.Format("2006-01-02")
	}
	loc := time.UTC
	if src := v.byID[a.SourceID]; src != nil {
		if l := src.Location(); l != nil {
			loc = l
		}
	}
	return a.FirstSeenAt.In(loc).Format("2006-01-02")
}

func (v *view) sourceName(id int64) string {
	if src := v.byID[id]; src != nil {
		if src.Title != "" {
			return src.Title
		}
		return src.FeedURL
	}
	return ""
}

const entryCols = `id, token, files, source_id, version_id, versions, title, day, published, published_off, updated, first_seen, status, status_since`

func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

func scanEntry(sc interface{ Scan(...any) error }) (*entry, error) {
	e := &entry{}
	var files string
	var pub, pubOff, upd, since sql.NullInt64
	var first int64
	if err := sc.Scan(&e.ID, &e.token, &files, &e.SourceID, &e.VersionID, &e.VersionCount, &e.Title, &e.day,
		&pub, &pubOff, &upd, &first, &e.Status.Status, &since); err != nil {
		return nil, err
	}
	if files != "" {
		e.files = strings.Split(files, "\n")
	}
	e.Published = fromMS(pub)
	if !e.Published.IsZero() && pubOff.Valid && pubOff.Int64 != 0 {
		e.Published = e.Published.In(time.FixedZone("", int(pubOff.Int64)))
	}
	e.Updated, e.FirstSeenAt, e.Status.Since = fromMS(upd), time.UnixMilli(first).UTC(), fromMS(since)
	return e, nil
}

// entry is the state's row of article id, nil when it has none.
func (t *tree) entry(id int64) (*entry, error) {
	e, err := scanEntry(t.tx.QueryRow(`SELECT `+entryCols+` FROM articles WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: article %d: %w", id, err)
	}
	return e, nil
}

// entries lists the state's articles that match where, newest first.
func (t *tree) entries(where string, args ...any) ([]*entry, error) {
	return t.newest(where, -1, args...)
}

// newest lists at most limit (-1: all) of the state's articles that match
// where, newest first.
func (t *tree) newest(where string, limit int, args ...any) ([]*entry, error) {
	rows, err := t.tx.Query(`SELECT `+entryCols+` FROM articles WHERE `+where+` ORDER BY sort_at DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("state: list: %w", err)
	}
	defer rows.Close()
	var out []*entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("state: list: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// upsert records e's listing fields and token (not its files, which own
// sets once they are written).
func (t *tree) upsert(e *entry) error {
	_, err := t.tx.Exec(`INSERT INTO articles (id, token, source_id, version_id, versions, title, day, sort_at, published, published_off, updated, first_seen, status, status_since)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET token = excluded.token, source_id = excluded.source_id, version_id = excluded.version_id,
			versions = excluded.versions, title = excluded.title, day = excluded.day, sort_at = excluded.sort_at,
			published = excluded.published, published_off = excluded.published_off, updated = excluded.updated,
			first_seen = excluded.first_seen, status = excluded.status, status_since = excluded.status_since`,
		e.ID, e.token, e.SourceID, e.VersionID, e.VersionCount, e.Title, e.day, e.sortAt().UnixMilli(),
		ms(e.Published), offsetOf(e.Published), ms(e.Updated), e.FirstSeenAt.UnixMilli(), e.Status.Status, ms(e.Status.Since))
	if err != nil {
		return fmt.Errorf("state: article %d: %w", e.ID, err)
	}
	return nil
}

func offsetOf(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	_, off := t.Zone()
	return off
}

// own records that article id now owns files; files it owned before and
// does not any more are removed.
func (t *tree) own(e *entry, files ...string) error {
	keep := map[string]bool{}
	for _, f := range files {
		keep[f] = true
	}
	for _, f := range e.files {
		if !keep[f] {
			if err := t.remove(f); err != nil {
				return err
			}
		}
	}
	e.files = files
	if _, err := t.tx.Exec(`UPDATE articles SET files = ? WHERE id = ?`, strings.Join(files, "\n"), e.ID); err != nil {
		return fmt.Errorf("state: article %d: %w", e.ID, err)
	}
	return nil
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
