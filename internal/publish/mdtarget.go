package publish

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/mirror"
)

// readmeNewest is how many articles per source README.md lists.
const readmeNewest = 10

// markdown publishes the markdown mirror: the changed articles through the
// export's own functions (exportHTML, mirror.Write), every list page and
// README.md (written only when their bytes change). Images are copied by
// exportHTML straight into assets/: named by content, they are never
// changed, so a reader sees no half-written state there either.
func (p *Publisher) markdown(ctx context.Context, tr *tree, t Target, snap *snapshot, changed []*entry) error {
	opts := MarkdownOptions{AssetPrefix: "/assets/", OriginalImages: t.OriginalImages}
	dirs := map[int64]string{}
	used := map[string]bool{}
	for _, s := range snap.sources {
		dirs[s.ID] = dirName(s, used)
	}
	// An article imported from a mirror file keeps that file's name, and
	// while its latest version is still the imported one it is written as
	// the imported bytes, as export --format md does: a republished mirror
	// (and its git history) does not churn.
	paths := map[int64]string{}
	for _, e := range changed {
		if err := ctx.Err(); err != nil {
			return err
		}
		a, err := p.full(ctx, e.ID)
		if err != nil {
			return err
		}
		imp, err := importedFile(ctx, p.Store, p.Blobs, a, opts)
		if err != nil {
			return fmt.Errorf("article %d: %w", a.ID, err)
		}
		rel := path.Join("articles", dirs[a.SourceID], mirror.FileName(a.ID, a.Title))
		if imp.name != "" {
			if cand := path.Join("articles", dirs[a.SourceID], imp.name); !tr.takenByOther(cand, e.ID) {
				rel = cand
			}
		}
		data := imp.data
		if data == nil {
			body, _, err := exportHTML(ctx, p.Store, p.Blobs, tr.dir, a, opts)
			if err != nil {
				return fmt.Errorf("article %d: %w", a.ID, err)
			}
			var buf bytes.Buffer
			if err := mirror.Write(&buf, &mirror.Entry{Title: a.Title, Link: a.URL, Published: a.Published, HTML: body}); err != nil {
				return fmt.Errorf("article %d: %w", a.ID, err)
			}
			data = buf.Bytes()
		}
		if _, err := tr.put(rel, data); err != nil {
			return err
		}
		tr.own(e.ID, e.token, rel)
		paths[e.ID] = rel
	}
	// The file of an article this run did not render is where the last
	// run put it.
	articlePath := func(e *entry) string {
		if rel, ok := paths[e.ID]; ok {
			return rel
		}
		if fs := tr.prev.Articles[e.ID].Files; len(fs) > 0 {
			return fs[0]
		}
		return path.Join("articles", dirs[e.SourceID], mirror.FileName(e.ID, e.Title))
	}
	// Lists and README.
	bySource := map[int64][]*entry{}
	for _, e := range snap.entries {
		bySource[e.SourceID] = append(bySource[e.SourceID], e)
	}
	var readme bytes.Buffer
	readme.WriteString("# newsvault\n\n")
	fmt.Fprintf(&readme, "%d articles. Newest of each source below; every article of a source is in its list under `lists/`.\n", len(snap.entries))
	for _, s := range snap.sources {
		es := bySource[s.ID]
		if len(es) == 0 {
			continue
		}
		loc := s.Location()
		if loc == nil {
			loc = time.UTC
		}
		items := make([]mirror.ListItem, len(es))
		for i, e := range es {
			items[i] = mirror.ListItem{Title: e.Title, Published: e.Published, Path: "../" + articlePath(e)}
		}
		var buf bytes.Buffer
		if err := mirror.WriteList(&buf, s.Title, items, loc); err != nil {
			return fmt.Errorf("list %s: %w", s.Title, err)
		}
		listRel := path.Join("lists", dirs[s.ID]+".md")
		if _, err := tr.put(listRel, buf.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(&readme, "\n## [%s](%s) (%d)\n\n", mdText(s.Title), mirror.EscapeLink(listRel), len(es))
		for _, e := range es[:min(readmeNewest, len(es))] {
			day := ""
			if !e.Published.IsZero() {
				day = e.Published.In(loc).Format("2006-01-02") + " "
			}
			rel := articlePath(e)
			fmt.Fprintf(&readme, "- %s[%s](%s)\n", day, mdText(e.Title), mirror.EscapeLink(rel))
		}
	}
	_, err := tr.put("README.md", readme.Bytes())
	return err
}

// mdText escapes the characters that would end a markdown link text.
func mdText(s string) string {
	s = mirror.NormalizeTitle(s)
	return strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`).Replace(s)
}

// takenByOther reports whether rel is a file of the target that article
// id did not write.
func (t *tree) takenByOther(rel string, id int64) bool {
	if _, ok := t.next.Files[rel]; !ok {
		return false
	}
	return !slices.Contains(t.prev.Articles[id].Files, rel) && !slices.Contains(t.next.Articles[id].Files, rel)
}

// own records that article id, published as token, now owns files; files
// it owned before and does not any more are removed.
func (t *tree) own(id int64, token string, files ...string) {
	keep := map[string]bool{}
	for _, f := range files {
		keep[f] = true
	}
	for _, f := range t.prev.Articles[id].Files {
		if !keep[f] {
			t.remove(f)
		}
	}
	t.next.Articles[id] = articleState{Token: token, Files: files}
}
