package publish

import (
	"context"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/blob"
)

// maxImportedFile bounds what an export reads back of an imported file; an
// import reads at most 32 MiB.
const maxImportedFile = 64 << 20

// imported is what an export keeps of the mirror file an article was
// imported from: its name (empty when the article's latest version was not
// imported from a mirror file, or the name is not one an export may write)
// and, when the article may be written as it was imported, its bytes.
type imported struct {
	name string
	data []byte
}

// importedFile looks at the capture of a's latest version. When it is an
// imported mirror file, its name is kept; its bytes are returned too unless
// opts ask for the sanitized form or the content now points at local copies
// of its images (which the imported bytes do not).
func importedFile(ctx context.Context, st Store, blobs Blobs, a archive.Article, opts MarkdownOptions) (imported, error) {
	if a.CaptureID == 0 {
		return imported{}, nil
	}
	c, err := st.Capture(ctx, a.CaptureID)
	if err != nil {
		return imported{}, err
	}
	if !isImportedMirror(c) {
		// Changed since an import: written in our form, under the
		// imported file's name.
		name, err := earlierImportName(ctx, st, a)
		return imported{name: name}, err
	}
	out := imported{name: importedName(c.FinalURL)}
	if opts.Sanitized {
		return out, nil
	}
	if !opts.OriginalImages && strings.Contains(a.HTML, opts.AssetPrefix) {
		// The content may point at local copies of its images, which the
		// imported bytes do not; or the prefix is only text in it.
		refs, err := st.VersionAssets(ctx, a.VersionID)
		if err != nil {
			return out, err
		}
		if len(refs) > 0 {
			return out, nil
		}
	}
	rc, err := blobs.Open(ctx, c.BodyHash)
	if err != nil {
		return out, fmt.Errorf("imported file %s: %w", c.FinalURL, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxImportedFile+1))
	if err != nil {
		return out, fmt.Errorf("imported file %s: %w", c.FinalURL, err)
	}
	if blob.Hash(data) != c.BodyHash {
		return out, fmt.Errorf("imported file %s: stored bytes do not match their hash %s", c.FinalURL, c.BodyHash)
	}
	out.data = data
	return out, nil
}

// earlierImportName is the name of the mirror file an earlier version of a
// was imported from, the latest such, or "".
func earlierImportName(ctx context.Context, st Store, a archive.Article) (string, error) {
	if a.VersionCount < 2 {
		return "", nil
	}
	vs, err := st.Versions(ctx, a.ID)
	if err != nil {
		return "", err
	}
	name := ""
	for _, v := range vs {
		if v.CaptureID == 0 || v.ID == a.VersionID {
			continue
		}
		c, err := st.Capture(ctx, v.CaptureID)
		if err != nil {
			return "", err
		}
		if isImportedMirror(c) {
			name = importedName(c.FinalURL)
		}
	}
	return name, nil
}

// isImportedMirror reports whether c is a mirror markdown file taken in by
// an import (pipeline.Import stores those as file:// captures of type
// text/markdown with no HTTP status).
func isImportedMirror(c archive.Capture) bool {
	return c.Status == 0 && c.Error == "" && c.BodyHash != "" &&
		strings.HasPrefix(c.FinalURL, "file://") && strings.HasPrefix(c.ContentType, "text/markdown")
}

// importedName is the base name of an imported file's file:// URL, or ""
// when it is not a name an export should write: not valid UTF-8, hidden (an
// import skips those), holding a backslash or control characters, or too
// long for common file systems. Characters only Windows refuses (| ? :) are
// kept: the mirror's own files use them, and keeping its names is the point.
func importedName(fileURL string) string {
	name := fileURL[strings.LastIndexByte(fileURL, '/')+1:]
	if name == "" || len(name) > 255 || !utf8.ValidString(name) || strings.HasPrefix(name, ".") ||
		strings.ContainsRune(name, '\\') {
		return ""
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return ""
		}
	}
	return name
}

// fileNames hands out unique file names within one directory; names that
// differ only in case count as the same, for case-insensitive file systems.
type fileNames map[string]bool

// claim returns want when it is free, else fallback, made unique with a
// numeric suffix when needed.
func (f fileNames) claim(want, fallback string) string {
	name := want
	if name == "" || f[strings.ToLower(name)] {
		name = fallback
	}
	stem, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		stem, ext = name[:i], name[i:]
	}
	for i := 2; f[strings.ToLower(name)]; i++ {
		name = fmt.Sprintf("%s-%d%s", stem, i, ext)
	}
	f[strings.ToLower(name)] = true
	return name
}
