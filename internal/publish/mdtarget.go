package publish

import (
	"bytes"
	"context"
	"fmt"
	"path"
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
	for _, e := range changed {
		if err := ctx.Err(); err != nil {
			return err
		}
		a, err := p.full(ctx, e.ID)
		if err != nil {
			return err
		}
		rel := path.Join("articles", dirs[a.SourceID], mirror.FileName(a.ID, a.Title))
		body, _, err := exportHTML(ctx, p.Store, p.Blobs, tr.dir, a, opts)
		if err != nil {
			return fmt.Errorf("article %d: %w", a.ID, err)
		}
		var buf bytes.Buffer
		if err := mirror.Write(&buf, &mirror.Entry{Title: a.Title, Link: a.URL, Published: a.Published, HTML: body}); err != nil {
			return fmt.Errorf("article %d: %w", a.ID, err)
		}
		if _, err := tr.put(rel, buf.Bytes()); err != nil {
			return err
		}
		tr.own(e.ID, e.token, rel)
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
			items[i] = mirror.ListItem{Title: e.Title, Published: e.Published,
				Path: "../" + path.Join("articles", dirs[s.ID], mirror.FileName(e.ID, e.Title))}
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
			rel := path.Join("articles", dirs[s.ID], mirror.FileName(e.ID, e.Title))
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
