package publish

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/mirror"
)

// readmeNewest is how many articles per source README.md lists.
const readmeNewest = 10

// markdown publishes the markdown mirror: the changed articles through the
// export's own functions (exportHTML, mirror.Write), the list pages of the
// sources they touch and README.md (written only when their bytes change).
// Images are copied by exportHTML straight into assets/: named by content,
// they are never changed, so a reader sees no half-written state there
// either.
func (p *Publisher) markdown(ctx context.Context, tr *tree, t Target, v *view) error {
	opts := MarkdownOptions{AssetPrefix: "/assets/", OriginalImages: t.OriginalImages}
	dirs := map[int64]string{}
	used := map[string]bool{}
	for _, s := range v.sources {
		dirs[s.ID] = dirName(s, used)
	}
	// An article imported from a mirror file keeps that file's name, and
	// while its latest version is still the imported one it is written as
	// the imported bytes, as export --format md does: a republished mirror
	// (and its git history) does not churn.
	for _, e := range v.changed {
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
			cand := path.Join("articles", dirs[a.SourceID], imp.name)
			if taken, err := tr.takenByOther(cand, e); err != nil {
				return err
			} else if !taken {
				rel = cand
			}
		}
		data := imp.data
		if data == nil {
			body, _, err := exportHTML(ctx, p.Store, p.Blobs, tr.dir, a, opts)
			if err != nil {
				return fmt.Errorf("article %d: %w", a.ID, err)
			}
			if err := adoptImages(ctx, p.Store, tr, a, body); err != nil {
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
		if err := tr.own(e, rel); err != nil {
			return err
		}
	}
	articlePath := func(e *entry) string {
		if len(e.files) > 0 {
			return e.files[0]
		}
		return path.Join("articles", dirs[e.SourceID], mirror.FileName(e.ID, e.Title))
	}
	// The lists of the sources this run touched, and README.
	var readme bytes.Buffer
	readme.WriteString("# newsvault\n\n")
	fmt.Fprintf(&readme, "%d articles. Newest of each source below; every article of a source is in its list under `lists/`.\n", v.total)
	_, perSource, err := tr.counts("source_id")
	if err != nil {
		return err
	}
	for _, s := range v.sources {
		n := perSource[strconv.FormatInt(s.ID, 10)]
		if n == 0 {
			continue
		}
		loc := s.Location()
		if loc == nil {
			loc = time.UTC
		}
		listRel := path.Join("lists", dirs[s.ID]+".md")
		if v.touch.all || v.touch.sources[s.ID] {
			es, err := tr.entries("source_id = ?", s.ID)
			if err != nil {
				return err
			}
			items := make([]mirror.ListItem, len(es))
			for i, e := range es {
				items[i] = mirror.ListItem{Title: e.Title, Published: e.Published, Path: "../" + articlePath(e)}
			}
			var buf bytes.Buffer
			if err := mirror.WriteList(&buf, s.Title, items, loc); err != nil {
				return fmt.Errorf("list %s: %w", s.Title, err)
			}
			if _, err := tr.put(listRel, buf.Bytes()); err != nil {
				return err
			}
		}
		fmt.Fprintf(&readme, "\n## [%s](%s) (%d)\n\n", mdText(s.Title), mirror.EscapeLink(listRel), n)
		es, err := tr.newest("source_id = ?", readmeNewest, s.ID)
		if err != nil {
			return err
		}
		for _, e := range es {
			day := ""
			if !e.Published.IsZero() {
				day = e.Published.In(loc).Format("2006-01-02") + " "
			}
			fmt.Fprintf(&readme, "- %s[%s](%s)\n", day, mdText(e.Title), mirror.EscapeLink(articlePath(e)))
		}
	}
	_, err = tr.put("README.md", readme.Bytes())
	return err
}

// adoptImages records the images exportHTML copied into the target for a
// (those body links to), so that the manifest lists them and a git target
// commits them.
func adoptImages(ctx context.Context, st Store, tr *tree, a archive.Article, body string) error {
	if !strings.Contains(body, "../../assets/") {
		return nil
	}
	refs, err := st.VersionAssets(ctx, a.VersionID)
	if err != nil {
		return err
	}
	for _, r := range refs {
		name := r.Asset.Hash + extFor(r.Asset.ContentType)
		if !isHexHash(r.Asset.Hash) || !strings.Contains(body, "../../assets/"+name) {
			continue
		}
		if err := tr.adopt("assets/"+name, r.Asset.Hash); err != nil {
			return err
		}
	}
	return nil
}

// mdText escapes the characters that would end a markdown link text.
func mdText(s string) string {
	s = mirror.NormalizeTitle(s)
	return strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`).Replace(s)
}

// takenByOther reports whether rel is a file of the target that article e
// did not write.
func (t *tree) takenByOther(rel string, e *entry) (bool, error) {
	h, err := t.fileHash(rel)
	if err != nil || h == "" {
		return false, err
	}
	return !slices.Contains(e.files, rel), nil
}
