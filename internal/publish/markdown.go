package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/mirror"
	"github.com/newsvault/newsvault/internal/store"
)

// MarkdownOptions tune a markdown mirror export.
type MarkdownOptions struct {
	// OriginalImages writes each image's original URL instead of copying our
	// stored image next to the article; the content is then exactly what
	// the source published (after sanitizing).
	OriginalImages bool
	// AssetPrefix is the prefix stored content uses for our images
	// ("/assets/").
	AssetPrefix string
	// Sanitized writes every article in our sanitized form. Without it, an
	// article imported from a mirror file and unchanged since (its latest
	// version is still the imported one, and its images are not pointed at
	// local copies) is written as the very bytes that were imported: the
	// mirror is a data file, and republishing it must not churn it.
	Sanitized bool
	// SourceID limits the export to one source; 0 exports all.
	SourceID int64
	// Progress, if set, is called after each article.
	Progress func(done, total int)
}

// MarkdownReport says what an export wrote.
type MarkdownReport struct {
	Articles, Lists, Images int
	// Verbatim counts the articles written as the bytes of the mirror file
	// they were imported from.
	Verbatim int
}

// ExportMarkdown writes the archive to dir in the markdown mirror format:
// articles/<source>/<id>_<title>.md, lists/<source>.md (newest first, dates
// in the source's time zone) and assets/<hash>.<ext> for images. An article
// imported from a mirror file keeps that file's name and, unless
// opts.Sanitized, its bytes (see MarkdownOptions.Sanitized). Files are
// written atomically; running it again over the same dir rewrites the same
// files.
func ExportMarkdown(ctx context.Context, st Store, blobs Blobs, dir string, opts MarkdownOptions) (MarkdownReport, error) {
	var rep MarkdownReport
	if opts.AssetPrefix == "" {
		opts.AssetPrefix = "/assets/"
	}
	sources, err := st.Sources(ctx)
	if err != nil {
		return rep, fmt.Errorf("export: %w", err)
	}
	total := 0
	for _, s := range sources {
		if opts.SourceID == 0 || s.ID == opts.SourceID {
			total += s.ArticleCount
		}
	}
	done := 0
	usedDirs := map[string]bool{}
	for _, src := range sources {
		if (opts.SourceID != 0 && src.ID != opts.SourceID) || src.ArticleCount == 0 {
			continue
		}
		name := dirName(src, usedDirs)
		loc := src.Location()
		if loc == nil {
			loc = time.UTC
		}
		var items []mirror.ListItem
		names := fileNames{}
		for offset := 0; ; offset += 200 {
			page, err := st.Articles(ctx, store.ArticleFilter{SourceID: src.ID, Limit: 200, Offset: offset})
			if err != nil {
				return rep, fmt.Errorf("export %s: %w", src.Title, err)
			}
			for _, a := range page {
				if err := ctx.Err(); err != nil {
					return rep, err
				}
				imp, err := importedFile(ctx, st, blobs, a, opts)
				if err != nil {
					return rep, fmt.Errorf("export article %d: %w", a.ID, err)
				}
				rel := path.Join("articles", name, names.claim(imp.name, mirror.FileName(a.ID, a.Title)))
				fill := func(w io.Writer) error { _, err := w.Write(imp.data); return err }
				if imp.data == nil {
					body, n, err := exportHTML(ctx, st, blobs, dir, a, opts)
					if err != nil {
						return rep, fmt.Errorf("export article %d: %w", a.ID, err)
					}
					rep.Images += n
					e := &mirror.Entry{Title: a.Title, Link: a.URL, Published: a.Published, HTML: body}
					fill = func(w io.Writer) error { return mirror.Write(w, e) }
				} else {
					rep.Verbatim++
				}
				if err := writeAtomic(filepath.Join(dir, filepath.FromSlash(rel)), fill); err != nil {
					return rep, fmt.Errorf("export article %d: %w", a.ID, err)
				}
				items = append(items, mirror.ListItem{Title: a.Title, Path: "../" + rel, Published: a.Published})
				rep.Articles++
				done++
				if opts.Progress != nil {
					opts.Progress(done, total)
				}
			}
			if len(page) < 200 {
				break
			}
		}
		listPath := filepath.Join(dir, "lists", name+".md")
		if err := writeAtomic(listPath, func(w io.Writer) error { return mirror.WriteList(w, src.Title, items, loc) }); err != nil {
			return rep, fmt.Errorf("export list %s: %w", src.Title, err)
		}
		rep.Lists++
	}
	return rep, nil
}

// dirName is a file-system-safe, unique directory name for a source.
func dirName(src archive.Source, used map[string]bool) string {
	title := src.Title
	if title == "" {
		title = src.FeedURL
	}
	base := strings.TrimSuffix(mirror.FileName(0, title), ".md")
	base = strings.TrimPrefix(base, "0_")
	if base == "" {
		base = fmt.Sprintf("source-%d", src.ID)
	}
	name := base
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	used[name] = true
	return name
}

// exportHTML re-points the images of an article's content: to copies under
// dir/assets (the default) or back to their original URLs.
func exportHTML(ctx context.Context, st Store, blobs Blobs, dir string, a archive.Article, opts MarkdownOptions) (string, int, error) {
	if !strings.Contains(a.HTML, opts.AssetPrefix) {
		return a.HTML, 0, nil
	}
	refs, err := st.VersionAssets(ctx, a.VersionID)
	if err != nil {
		return "", 0, err
	}
	types := map[string]string{}
	for _, r := range refs {
		types[r.Asset.Hash] = r.Asset.ContentType
	}
	copied := 0
	var copyErr error
	out := rewriteImages(a.HTML, func(src, original string) (string, string) {
		hash, ok := strings.CutPrefix(src, opts.AssetPrefix)
		if !ok {
			return src, original
		}
		if opts.OriginalImages && original != "" {
			return original, ""
		}
		name := hash + extFor(types[hash])
		target := filepath.Join(dir, "assets", name)
		if _, err := os.Stat(target); errors.Is(err, os.ErrNotExist) {
			if err := copyBlob(ctx, blobs, hash, target); err != nil {
				copyErr = err
				return src, original
			}
			copied++
		}
		return "../../assets/" + name, original
	})
	return out, copied, copyErr
}

func extFor(contentType string) string {
	switch contentType {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "image/svg+xml":
		return ".svg"
	case "image/avif":
		return ".avif"
	}
	if exts, _ := mime.ExtensionsByType(contentType); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}

func copyBlob(ctx context.Context, blobs Blobs, hash, target string) error {
	rc, err := blobs.Open(ctx, hash)
	if err != nil {
		return err
	}
	defer rc.Close()
	return writeAtomic(target, func(w io.Writer) error {
		_, err := io.Copy(w, rc)
		return err
	})
}

// rewriteImages calls fn for every <img> and replaces its src and
// data-original-src with what fn returns (an empty original removes the
// attribute). Everything else is copied token by token, unchanged.
func rewriteImages(s string, fn func(src, original string) (string, string)) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(raw)
			continue
		}
		tok := z.Token()
		if tok.Data != "img" {
			b.Write(raw)
			continue
		}
		src, orig := "", ""
		for _, at := range tok.Attr {
			switch at.Key {
			case "src":
				src = at.Val
			case "data-original-src":
				orig = at.Val
			}
		}
		nsrc, norig := fn(src, orig)
		if nsrc == src && norig == orig {
			b.Write(raw)
			continue
		}
		attrs := tok.Attr[:0]
		for _, at := range tok.Attr {
			switch at.Key {
			case "src":
				at.Val = nsrc
			case "data-original-src":
				if norig == "" {
					continue
				}
				at.Val = norig
			}
			attrs = append(attrs, at)
		}
		tok.Attr = attrs
		b.WriteString(tok.String())
	}
	return b.String()
}

// writeAtomic writes a file through a temporary file and a rename, so a
// reader (or a crash) never sees half of it.
func writeAtomic(target string, fill func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), target)
}
