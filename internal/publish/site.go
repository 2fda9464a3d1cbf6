package publish

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/feedout"
)

//go:embed site/page.html site/style.css site/search.js
var siteFiles embed.FS

var siteTemplates = template.Must(template.ParseFS(siteFiles, "site/page.html"))

// SiteCSP is the Content-Security-Policy every page of the static site
// carries in a meta tag: nothing but the site's own files, the only inline
// thing being the style attributes the sanitiser keeps in archived markup.
const SiteCSP = "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; " +
	"img-src 'self'; form-action 'self'; base-uri 'none'"

// Newest articles in the index page and in each feed.
const (
	indexNewest = 50
	feedNewest  = 30
)

type pageCommon struct {
	Root, Title, Site, CSP, Feed string
	Search                       bool
	Count                        int
}

type listItem struct {
	Root               string
	ID                 int64
	Title, Day, Source string
	Removed            bool
	Versions           int
}

type pageLink struct{ Href, Text, Note string }

type listPage struct {
	pageCommon
	Intro string
	Links []pageLink
	Items []listItem
	More  string
}

type articleView struct {
	Title, Day, Source, Author, URL, Saved, RemovedOn string
	SourceID                                          int64
	Removed                                           bool
	Versions                                          int
	HTML                                              template.HTML
}

type versionView struct {
	Seq   int
	Saved string
	Title string
	HTML  template.HTML
}

type articlePage struct {
	pageCommon
	A     articleView
	Older []versionView
}

// siteRun is one run of the static site target.
type siteRun struct {
	p      *Publisher
	tr     *tree
	t      Target
	snap   *snapshot
	loaded map[int64]archive.Article
	types  map[string]string // asset hash → content type
}

// day is the date an article is listed under: its publication date in its
// own zone, else the day we first saw it in its source's zone.
func (s *snapshot) day(a *archive.Article) string {
	if !a.Published.IsZero() {
		return a.Published.Format("2006-01-02")
	}
	loc := time.UTC
	if src := s.byID[a.SourceID]; src != nil {
		if l := src.Location(); l != nil {
			loc = l
		}
	}
	return a.FirstSeenAt.In(loc).Format("2006-01-02")
}

func (s *snapshot) sourceName(id int64) string {
	if src := s.byID[id]; src != nil {
		if src.Title != "" {
			return src.Title
		}
		return src.FeedURL
	}
	return ""
}

func (p *Publisher) site(ctx context.Context, tr *tree, t Target, snap *snapshot, changed []*entry) error {
	r := &siteRun{p: p, tr: tr, t: t, snap: snap, loaded: map[int64]archive.Article{}, types: map[string]string{}}
	for _, f := range []string{"style.css", "search.js"} {
		b, err := siteFiles.ReadFile("site/" + f)
		if err != nil {
			return err
		}
		if _, err := tr.put(f, b); err != nil {
			return err
		}
	}
	if err := r.searchIndex(ctx, changed); err != nil {
		return err
	}
	if err := r.lists(); err != nil {
		return err
	}
	return r.feeds(ctx)
}

func (r *siteRun) common(root, title string) pageCommon {
	name := r.t.Name
	if name == "" {
		name = "newsvault"
	}
	return pageCommon{Root: root, Title: title, Site: name, CSP: SiteCSP, Feed: "feeds/all.atom"}
}

func (r *siteRun) render(rel, name string, data any) error {
	var b bytes.Buffer
	if err := siteTemplates.ExecuteTemplate(&b, name, data); err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	_, err := r.tr.put(rel, b.Bytes())
	return err
}

// article loads an article once per run.
func (r *siteRun) article(ctx context.Context, id int64) (archive.Article, error) {
	if a, ok := r.loaded[id]; ok {
		return a, nil
	}
	a, err := r.p.full(ctx, id)
	if err == nil && len(r.loaded) < 2000 {
		r.loaded[id] = a
	}
	return a, err
}

// servable is stored HTML made safe exactly as the live server makes it,
// with our images pointed at their copies under root+"assets/" (copied
// into the site) and any other image dropped: no request leaves the site.
func (r *siteRun) servable(ctx context.Context, stored string, mark int, versionID int64, root string) (string, error) {
	h := r.p.Sanitizer.Servable(stored, mark)
	if !strings.Contains(h, "<img") {
		return h, nil
	}
	refs, err := r.p.Store.VersionAssets(ctx, versionID)
	if err != nil {
		return "", err
	}
	for _, ref := range refs {
		r.types[ref.Asset.Hash] = ref.Asset.ContentType
	}
	var copyErr error
	out := feedout.AbsoluteImages(h, func(src string) string {
		hash, ok := strings.CutPrefix(src, "/assets/")
		if !ok || !isHexHash(hash) {
			return ""
		}
		ct, known := r.types[hash]
		if !known {
			return ""
		}
		name := "assets/" + hash + extFor(ct)
		if !r.tr.has(name, hash) {
			if _, err := r.tr.putHashed(name, hash, func(w io.Writer) error {
				rc, err := r.p.Blobs.Open(ctx, hash)
				if err != nil {
					return err
				}
				defer rc.Close()
				_, err = io.Copy(w, rc)
				return err
			}); err != nil {
				copyErr = err
				return ""
			}
		}
		return root + name
	})
	return out, copyErr
}

func isHexHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// articlePage renders a/<id>.html.
func (r *siteRun) articlePage(ctx context.Context, e *entry, a archive.Article) error {
	const root = "../"
	body, err := r.servable(ctx, a.HTML, a.Sanitizer, a.VersionID, root)
	if err != nil {
		return fmt.Errorf("article %d: %w", a.ID, err)
	}
	v := articleView{Title: a.Title, Day: r.snap.day(&a), Source: r.snap.sourceName(a.SourceID), Author: a.Author,
		URL: a.URL, SourceID: a.SourceID, Versions: a.VersionCount, HTML: template.HTML(body),
		Saved: a.FirstSeenAt.UTC().Format("2006-01-02 15:04 UTC"), Removed: e.Status.Removed()}
	if v.Removed && !e.Status.Since.IsZero() {
		v.RemovedOn = e.Status.Since.UTC().Format("2006-01-02")
	}
	pg := articlePage{pageCommon: r.common(root, a.Title), A: v}
	if a.VersionCount > 1 {
		vs, err := r.p.Store.Versions(ctx, a.ID)
		if err != nil {
			return err
		}
		for i := len(vs) - 1; i >= 0; i-- {
			old := vs[i]
			if old.ID == a.VersionID {
				pg.A.Saved = old.CreatedAt.UTC().Format("2006-01-02 15:04 UTC")
				continue
			}
			h, err := r.servable(ctx, old.HTML, old.Sanitizer, old.ID, root)
			if err != nil {
				return fmt.Errorf("article %d version %d: %w", a.ID, old.Seq, err)
			}
			pg.Older = append(pg.Older, versionView{Seq: old.Seq, Title: old.Title, HTML: template.HTML(h),
				Saved: old.CreatedAt.UTC().Format("2006-01-02 15:04 UTC")})
		}
	}
	return r.render("a/"+strconv.FormatInt(a.ID, 10)+".html", "article", pg)
}

func (r *siteRun) item(root string, e *entry) listItem {
	return listItem{Root: root, ID: e.ID, Title: e.Title, Day: r.snap.day(&e.Article), Source: r.snap.sourceName(e.SourceID),
		Removed: e.Status.Removed(), Versions: e.VersionCount}
}

func (r *siteRun) items(root string, es []*entry) []listItem {
	out := make([]listItem, len(es))
	for i, e := range es {
		out[i] = r.item(root, e)
	}
	return out
}

// lists renders the index, sources, days, Removed, Edited and search
// pages; only those whose bytes changed are written.
func (r *siteRun) lists() error {
	snap := r.snap
	bySource := map[int64][]*entry{}
	byDay := map[string][]*entry{}
	var days []string
	var removed, edited []*entry
	for _, e := range snap.entries {
		bySource[e.SourceID] = append(bySource[e.SourceID], e)
		d := snap.day(&e.Article)
		if byDay[d] == nil {
			days = append(days, d)
		}
		byDay[d] = append(byDay[d], e)
		if e.Status.Removed() {
			removed = append(removed, e)
		}
		if e.VersionCount > 1 {
			edited = append(edited, e)
		}
	}
	// Days in order, newest first (entries are ordered by time, but
	// dates in different zones may interleave).
	slices.Sort(days)
	slices.Reverse(days)

	idx := listPage{pageCommon: r.common("", "最新存档"), Items: r.items("", snap.entries[:min(indexNewest, len(snap.entries))])}
	idx.Intro = fmt.Sprintf("共 %d 篇，来自 %d 个来源。订阅：feeds/all.atom（Atom）、feeds/all.json（JSON Feed）。", len(snap.entries), len(bySource))
	idx.Links = []pageLink{{Href: "feeds/all.atom", Text: "Atom 订阅"}, {Href: "feeds/all.json", Text: "JSON Feed 订阅"}}
	if len(days) > 0 {
		idx.More = "days.html"
	}
	if err := r.render("index.html", "list", idx); err != nil {
		return err
	}
	srcPage := listPage{pageCommon: r.common("", "来源")}
	for _, s := range snap.sources {
		es := bySource[s.ID]
		if len(es) == 0 {
			continue
		}
		id := strconv.FormatInt(s.ID, 10)
		srcPage.Links = append(srcPage.Links, pageLink{Href: "s/" + id + ".html", Text: snap.sourceName(s.ID), Note: fmt.Sprintf("%d 篇", len(es))})
		pg := listPage{pageCommon: r.common("../", snap.sourceName(s.ID)), Items: r.items("../", es)}
		pg.Feed = "feeds/source-" + id + ".atom"
		pg.Intro = fmt.Sprintf("%d 篇。", len(es))
		if err := r.render("s/"+id+".html", "list", pg); err != nil {
			return err
		}
	}
	if err := r.render("sources.html", "list", srcPage); err != nil {
		return err
	}
	dayPage := listPage{pageCommon: r.common("", "按日期")}
	for _, d := range days {
		dayPage.Links = append(dayPage.Links, pageLink{Href: "d/" + d + ".html", Text: d, Note: fmt.Sprintf("%d 篇", len(byDay[d]))})
		pg := listPage{pageCommon: r.common("../", d), Items: r.items("../", byDay[d])}
		if err := r.render("d/"+d+".html", "list", pg); err != nil {
			return err
		}
	}
	if err := r.render("days.html", "list", dayPage); err != nil {
		return err
	}
	rm := listPage{pageCommon: r.common("", "已删除"), Items: r.items("", removed), Intro: "原网址上已经找不到的文章。"}
	rm.Feed = "feeds/removed.atom"
	if err := r.render("removed.html", "list", rm); err != nil {
		return err
	}
	ed := listPage{pageCommon: r.common("", "已修改"), Items: r.items("", edited), Intro: "发表后被修改过的文章；每篇的旧版本都在文末。"}
	ed.Feed = "feeds/edited.atom"
	if err := r.render("edited.html", "list", ed); err != nil {
		return err
	}
	sp := r.common("", "搜索")
	sp.Search = true
	return r.render("search.html", "search", struct{ pageCommon }{sp})
}

// feeds writes feeds/{all,removed,edited,source-<id>}.{atom,json}.
func (r *siteRun) feeds(ctx context.Context) error {
	type feedDef struct {
		name, title string
		es          []*entry
	}
	defs := []feedDef{{name: "all", title: "全部"}}
	var removed, edited []*entry
	bySource := map[int64][]*entry{}
	for _, e := range r.snap.entries {
		if len(defs[0].es) < feedNewest {
			defs[0].es = append(defs[0].es, e)
		}
		if e.Status.Removed() && len(removed) < feedNewest {
			removed = append(removed, e)
		}
		if e.VersionCount > 1 && len(edited) < feedNewest {
			edited = append(edited, e)
		}
		if len(bySource[e.SourceID]) < feedNewest {
			bySource[e.SourceID] = append(bySource[e.SourceID], e)
		}
	}
	defs = append(defs, feedDef{"removed", "已删除", removed}, feedDef{"edited", "已修改", edited})
	for _, s := range r.snap.sources {
		if es := bySource[s.ID]; len(es) > 0 {
			defs = append(defs, feedDef{"source-" + strconv.FormatInt(s.ID, 10), r.snap.sourceName(s.ID), es})
		}
	}
	base := r.t.BaseURL
	if base != "" && !strings.HasSuffix(base, "/") {
		base += "/"
	}
	root := base
	if root == "" {
		root = "../"
	}
	for _, d := range defs {
		// A feed changes only when its own items do.
		updated := time.Unix(0, 0).UTC()
		for _, e := range d.es {
			for _, t := range []time.Time{e.Updated, e.Published, e.FirstSeenAt} {
				if t.After(updated) {
					updated = t
				}
			}
		}
		items := make([]feedout.Item, 0, len(d.es))
		for _, e := range d.es {
			a, err := r.article(ctx, e.ID)
			if err != nil {
				return err
			}
			h, err := r.servable(ctx, a.HTML, a.Sanitizer, a.VersionID, root)
			if err != nil {
				return err
			}
			items = append(items, feedout.FromArticle(a, root+"a/"+strconv.FormatInt(a.ID, 10)+".html", h))
		}
		for _, f := range []feedout.Format{feedout.Atom, feedout.JSON} {
			rel := "feeds/" + d.name + f.Ext()
			info := feedout.Info{Title: r.common("", d.title).Site + " · " + d.title, Link: root + "index.html",
				ID: "urn:newsvault:" + r.t.Name + ":" + d.name, Updated: updated}
			if base != "" {
				info.Self = base + rel
			}
			var b bytes.Buffer
			if err := feedout.Write(&b, f, info, items); err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
			if _, err := r.tr.put(rel, b.Bytes()); err != nil {
				return err
			}
		}
	}
	return nil
}

// searchIndex renders the changed articles' pages and text shards and the
// search index segments (see siteindex.go).
func (r *siteRun) searchIndex(ctx context.Context, changed []*entry) error {
	tr, an := r.tr, r.p.Analyzer
	if an == nil {
		return fmt.Errorf("the static site needs a search analyzer")
	}
	if _, err := tr.put("search/fold.js", r.p.foldJS()); err != nil {
		return err
	}
	st := tr.prev.Index
	isChanged := map[int64]bool{}
	for _, e := range changed {
		isChanged[e.ID] = true
	}
	delta := map[int64]bool{}
	full := st == nil
	if st != nil {
		for _, id := range st.Delta {
			delta[id] = true
		}
		for id := range isChanged {
			delta[id] = true
		}
		full = len(delta) > deltaLimit(st.MainDocs)
	}
	segment := postings{}
	seen := map[string]struct{}{}
	for _, e := range r.snap.entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !isChanged[e.ID] && !(full || delta[e.ID]) {
			continue
		}
		a, err := r.p.full(ctx, e.ID)
		if err != nil {
			return err
		}
		if isChanged[e.ID] {
			if err := r.articlePage(ctx, e, a); err != nil {
				return err
			}
			id := strconv.FormatInt(a.ID, 10)
			doc, err := docScript(a.ID, a.Title, "a/"+id+".html", r.snap.day(&a), r.snap.sourceName(a.SourceID), a.Text)
			if err != nil {
				return err
			}
			if _, err := tr.put("search/t/"+id+".js", doc); err != nil {
				return err
			}
			tr.own(a.ID, e.token, "a/"+id+".html", "search/t/"+id+".js")
		}
		segment.addDoc(an, seen, a.ID, a.Title, a.Text)
	}
	next := &indexState{}
	if full {
		next.Main, next.MainDocs = segment.shardCount(), len(r.snap.entries)
		for i, b := range segment.shards("m", next.Main) {
			if _, err := tr.put("search/m/"+strconv.Itoa(i)+".js", b); err != nil {
				return err
			}
		}
		if st != nil {
			for i := next.Main; i < st.Main; i++ {
				tr.remove("search/m/" + strconv.Itoa(i) + ".js")
			}
		}
		for i := range deltaShards {
			tr.remove("search/d/" + strconv.Itoa(i) + ".js")
		}
	} else {
		next.Main, next.MainDocs = st.Main, st.MainDocs
		for id := range delta {
			next.Delta = append(next.Delta, id)
		}
		slices.Sort(next.Delta)
		for i, b := range segment.shards("d", deltaShards) {
			rel := "search/d/" + strconv.Itoa(i) + ".js"
			if len(delta) == 0 {
				tr.remove(rel)
				continue
			}
			if _, err := tr.put(rel, b); err != nil {
				return err
			}
		}
	}
	tr.next.Index = next
	nDelta := 0
	if len(next.Delta) > 0 {
		nDelta = deltaShards
	}
	_, err := tr.put("search/meta.js", fmt.Appendf(nil, "nvMeta({\"main\":%d,\"delta\":%d,\"docs\":%d});\n", next.Main, nDelta, len(r.snap.entries)))
	return err
}

// pagePath is where article id's page is, from the site's root.
func pagePath(id int64) string { return "a/" + strconv.FormatInt(id, 10) + ".html" }
