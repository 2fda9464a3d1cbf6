package publish

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

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
	v      *view
	loaded map[int64]archive.Article
	types  map[string]string // asset hash → content type
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
	v := articleView{Title: a.Title, Day: r.v.day(&a), Source: r.v.sourceName(a.SourceID), Author: a.Author,
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

// pagePath is where article id's page is, from the site's root.
func pagePath(id int64) string { return "a/" + strconv.FormatInt(id, 10) + ".html" }
