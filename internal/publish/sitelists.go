package publish

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/feedout"
)

func (p *Publisher) site(ctx context.Context, tr *tree, t Target, v *view) error {
	r := &siteRun{p: p, tr: tr, t: t, v: v, loaded: map[int64]archive.Article{}, types: map[string]string{}}
	for _, f := range []string{"style.css", "search.js"} {
		b, err := siteFiles.ReadFile("site/" + f)
		if err != nil {
			return err
		}
		if _, err := tr.put(f, b); err != nil {
			return err
		}
	}
	if err := r.searchIndex(ctx); err != nil {
		return err
	}
	if err := r.lists(); err != nil {
		return err
	}
	return r.feeds(ctx)
}

func (r *siteRun) item(root string, e *entry) listItem {
	return listItem{Root: root, ID: e.ID, Title: e.Title, Day: e.day, Source: r.v.sourceName(e.SourceID),
		Removed: e.Status.Removed(), Versions: e.VersionCount}
}

func (r *siteRun) items(root string, es []*entry) []listItem {
	out := make([]listItem, len(es))
	for i, e := range es {
		out[i] = r.item(root, e)
	}
	return out
}

// The state's listings that list pages and feeds are made of.
const (
	whereRemoved = "status IN ('removed', 'replaced')"
	whereEdited  = "versions > 1"
)

// counts returns the number of articles per value of col (source_id or
// day), in descending order of col.
func (t *tree) counts(col string) ([]string, map[string]int, error) {
	rows, err := t.tx.Query(`SELECT ` + col + `, COUNT(*) FROM articles GROUP BY 1 ORDER BY 1 DESC`)
	if err != nil {
		return nil, nil, fmt.Errorf("state: counts: %w", err)
	}
	defer rows.Close()
	var keys []string
	n := map[string]int{}
	for rows.Next() {
		var k string
		var c int
		if err := rows.Scan(&k, &c); err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
		n[k] = c
	}
	return keys, n, rows.Err()
}

// lists renders the index, sources, days, Removed, Edited and search
// pages, each source's and day's list only when this run touched it.
func (r *siteRun) lists() error {
	v, tr, all := r.v, r.tr, r.v.touch.all
	_, perSource, err := tr.counts("source_id")
	if err != nil {
		return err
	}
	newest, err := tr.newest("1=1", indexNewest)
	if err != nil {
		return err
	}
	idx := listPage{pageCommon: r.common("", "最新存档"), Items: r.items("", newest)}
	idx.Intro = fmt.Sprintf("共 %d 篇，来自 %d 个来源。订阅：feeds/all.atom（Atom）、feeds/all.json（JSON Feed）。", v.total, len(perSource))
	idx.Links = []pageLink{{Href: "feeds/all.atom", Text: "Atom 订阅"}, {Href: "feeds/all.json", Text: "JSON Feed 订阅"}}
	if v.total > 0 {
		idx.More = "days.html"
	}
	if err := r.render("index.html", "list", idx); err != nil {
		return err
	}
	srcPage := listPage{pageCommon: r.common("", "来源")}
	for _, s := range v.sources {
		n := perSource[strconv.FormatInt(s.ID, 10)]
		if n == 0 {
			continue
		}
		id := strconv.FormatInt(s.ID, 10)
		srcPage.Links = append(srcPage.Links, pageLink{Href: "s/" + id + ".html", Text: v.sourceName(s.ID), Note: fmt.Sprintf("%d 篇", n)})
		if !all && !v.touch.sources[s.ID] {
			continue
		}
		es, err := tr.entries("source_id = ?", s.ID)
		if err != nil {
			return err
		}
		pg := listPage{pageCommon: r.common("../", v.sourceName(s.ID)), Items: r.items("../", es)}
		pg.Feed = "feeds/source-" + id + ".atom"
		pg.Intro = fmt.Sprintf("%d 篇。", len(es))
		if err := r.render("s/"+id+".html", "list", pg); err != nil {
			return err
		}
	}
	if err := r.render("sources.html", "list", srcPage); err != nil {
		return err
	}
	days, perDay, err := tr.counts("day")
	if err != nil {
		return err
	}
	dayPage := listPage{pageCommon: r.common("", "按日期")}
	for _, d := range days {
		dayPage.Links = append(dayPage.Links, pageLink{Href: "d/" + d + ".html", Text: d, Note: fmt.Sprintf("%d 篇", perDay[d])})
		if !all && !v.touch.days[d] {
			continue
		}
		es, err := tr.entries("day = ?", d)
		if err != nil {
			return err
		}
		if err := r.render("d/"+d+".html", "list", listPage{pageCommon: r.common("../", d), Items: r.items("../", es)}); err != nil {
			return err
		}
	}
	// A day an edit moved the last article away from has no page.
	for d := range v.touch.days {
		if perDay[d] == 0 {
			if err := tr.remove("d/" + d + ".html"); err != nil {
				return err
			}
		}
	}
	if err := r.render("days.html", "list", dayPage); err != nil {
		return err
	}
	if all || v.touch.removed {
		es, err := tr.entries(whereRemoved)
		if err != nil {
			return err
		}
		rm := listPage{pageCommon: r.common("", "已删除"), Items: r.items("", es), Intro: "原网址上已经找不到的文章。"}
		rm.Feed = "feeds/removed.atom"
		if err := r.render("removed.html", "list", rm); err != nil {
			return err
		}
	}
	if all || v.touch.edited {
		es, err := tr.entries(whereEdited)
		if err != nil {
			return err
		}
		ed := listPage{pageCommon: r.common("", "已修改"), Items: r.items("", es), Intro: "发表后被修改过的文章；每篇的旧版本都在文末。"}
		ed.Feed = "feeds/edited.atom"
		if err := r.render("edited.html", "list", ed); err != nil {
			return err
		}
	}
	sp := r.common("", "搜索")
	sp.Search = true
	return r.render("search.html", "search", struct{ pageCommon }{sp})
}

// feedDef is one feed: its name, title, and the articles it takes the
// newest of (as a state query and the same test in Go).
type feedDef struct {
	name, title string
	where       string
	args        []any
	match       func(*entry) bool
}

// newer reports whether e sorts at or before last (newest first).
func newer(e, last *entry) bool {
	a, b := e.sortAt().UnixMilli(), last.sortAt().UnixMilli()
	return a > b || a == b && e.ID >= last.ID
}

// feeds writes feeds/{all,removed,edited,source-<id>}.{atom,json}, each only
// when a changed article is, or was, among its newest items.
func (r *siteRun) feeds(ctx context.Context) error {
	v := r.v
	defs := []feedDef{
		{name: "all", title: "全部", where: "1=1", match: func(*entry) bool { return true }},
		{name: "removed", title: "已删除", where: whereRemoved, match: func(e *entry) bool { return e.Status.Removed() }},
		{name: "edited", title: "已修改", where: whereEdited, match: func(e *entry) bool { return e.VersionCount > 1 }},
	}
	for _, s := range v.sources {
		if v.touch.all || v.touch.sources[s.ID] {
			id := s.ID
			defs = append(defs, feedDef{name: "source-" + strconv.FormatInt(id, 10), title: v.sourceName(id),
				where: "source_id = ?", args: []any{id}, match: func(e *entry) bool { return e.SourceID == id }})
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
		es, err := r.tr.newest(d.where, feedNewest, d.args...)
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.name, "source-") && len(es) == 0 {
			continue
		}
		if !v.touch.all && !r.feedTouched(d, es) {
			continue
		}
		// A feed changes only when its own items do.
		updated := time.Unix(0, 0).UTC()
		for _, e := range es {
			for _, t := range []time.Time{e.Updated, e.Published, e.FirstSeenAt} {
				if t.After(updated) {
					updated = t
				}
			}
		}
		items := make([]feedout.Item, 0, len(es))
		for _, e := range es {
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

// feedTouched reports whether a changed article, as it is now or as it
// was, falls among the newest items of d (whose items now are es).
func (r *siteRun) feedTouched(d feedDef, es []*entry) bool {
	in := func(e *entry) bool {
		return e != nil && d.match(e) && (len(es) < feedNewest || newer(e, es[len(es)-1]))
	}
	for _, e := range r.v.changed {
		if in(e) || in(r.v.old[e.ID]) {
			return true
		}
	}
	return false
}

// searchIndex renders the changed articles' pages and text shards and
// updates the search index (see siteindex.go): the changed articles' tokens
// are added to the delta segment's shards in place, or, on a first run or
// once the delta outgrows deltaLimit, the main segment is built again from
// every article.
func (r *siteRun) searchIndex(ctx context.Context) error {
	tr, an, v := r.tr, r.p.Analyzer, r.v
	if an == nil {
		return fmt.Errorf("the static site needs a search analyzer")
	}
	if _, err := tr.put("search/fold.js", r.p.foldJS()); err != nil {
		return err
	}
	st := tr.index
	// Articles whose text may have changed: new ones and new versions.
	reindex := map[int64]bool{}
	for _, e := range v.changed {
		if o := v.old[e.ID]; o == nil || o.VersionID != e.VersionID {
			reindex[e.ID] = true
		}
	}
	full := st == nil || v.touch.all
	next := &indexState{}
	if !full {
		next.Main, next.MainDocs, next.Delta = st.Main, st.MainDocs, slices.Clone(st.Delta)
		for id := range reindex {
			if !slices.Contains(st.Delta, id) {
				next.Delta = append(next.Delta, id)
			}
		}
		slices.Sort(next.Delta)
		full = len(next.Delta) > deltaLimit(st.MainDocs)
	}
	todo := v.changed
	if full {
		var err error
		if todo, err = tr.entries("1=1"); err != nil {
			return err
		}
	}
	isChanged := make(map[int64]*entry, len(v.changed))
	for _, e := range v.changed {
		isChanged[e.ID] = e
	}
	segment := postings{}
	seen := map[string]struct{}{}
	for _, e := range todo {
		if err := ctx.Err(); err != nil {
			return err
		}
		a, err := r.p.full(ctx, e.ID)
		if err != nil {
			return err
		}
		if ce := isChanged[e.ID]; ce != nil {
			if err := r.articlePage(ctx, ce, a); err != nil {
				return err
			}
			id := strconv.FormatInt(a.ID, 10)
			doc, err := docScript(a.ID, a.Title, "a/"+id+".html", ce.day, v.sourceName(a.SourceID), a.Text)
			if err != nil {
				return err
			}
			if _, err := tr.put("search/t/"+id+".js", doc); err != nil {
				return err
			}
			if err := tr.own(ce, "a/"+id+".html", "search/t/"+id+".js"); err != nil {
				return err
			}
		}
		if full || reindex[e.ID] {
			segment.addDoc(an, seen, a.ID, a.Title, a.Text)
		}
	}
	if full {
		next = &indexState{Main: segment.shardCount(), MainDocs: v.total}
		for i, b := range segment.shards("m", next.Main) {
			if _, err := tr.put("search/m/"+strconv.Itoa(i)+".js", b); err != nil {
				return err
			}
		}
		if st != nil {
			for i := next.Main; i < st.Main; i++ {
				if err := tr.remove("search/m/" + strconv.Itoa(i) + ".js"); err != nil {
					return err
				}
			}
		}
		for i := range deltaShards {
			if err := tr.remove("search/d/" + strconv.Itoa(i) + ".js"); err != nil {
				return err
			}
		}
	} else if err := r.mergeDelta(segment); err != nil {
		return err
	}
	tr.index = next
	nDelta := 0
	if len(next.Delta) > 0 {
		nDelta = deltaShards
	}
	_, err := tr.put("search/meta.js", fmt.Appendf(nil, "nvMeta({\"main\":%d,\"delta\":%d,\"docs\":%d});\n", next.Main, nDelta, v.total))
	return err
}

// mergeDelta adds seg's postings to the delta segment's shards, rewriting
// only the shards its tokens fall in. Every delta shard exists once the
// delta holds an article, so that the page finds one for every token.
func (r *siteRun) mergeDelta(seg postings) error {
	if len(seg) == 0 {
		return nil
	}
	byShard := make([][]string, deltaShards)
	for tok := range seg {
		s := shardOf(tok, deltaShards)
		byShard[s] = append(byShard[s], tok)
	}
	for i, toks := range byShard {
		rel := "search/d/" + strconv.Itoa(i) + ".js"
		cur, err := r.readShard(rel)
		if err != nil {
			return err
		}
		if len(toks) == 0 && cur != nil {
			continue
		}
		if cur == nil {
			cur = map[string]string{}
		}
		for _, tok := range toks {
			cur[tok] = encodeIDs(append(decodeIDs(cur[tok]), seg[tok]...))
		}
		if _, err := r.tr.put(rel, renderShard("d", i, cur)); err != nil {
			return err
		}
	}
	return nil
}

// readShard reads the shard file rel as the target holds it (or as this
// run staged it); nil when there is none.
func (r *siteRun) readShard(rel string) (map[string]string, error) {
	tr := r.tr
	h, err := tr.fileHash(rel)
	if err != nil || h == "" {
		return nil, err
	}
	p := filepath.Join(tr.dir, filepath.FromSlash(rel))
	if tr.isStage[rel] {
		p = filepath.Join(tr.dir, metaDir, stagingDir, filepath.FromSlash(rel))
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("search index: %w", err)
	}
	m, err := parseShard(b)
	if err != nil {
		return nil, fmt.Errorf("search index %s: %w", rel, err)
	}
	return m, nil
}
