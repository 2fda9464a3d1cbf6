package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/store/sqlite"
)

// testArchive is a real SQLite store and blob store with helpers to add
// articles as the pipeline would.
type testArchive struct {
	t     testing.TB
	st    *sqlite.Store
	blobs *blob.Store
	an    *search.Analyzer
	san   *content.Sanitizer
	clock time.Time
}

var sharedAnalyzer *search.Analyzer

func analyzer(t testing.TB) *search.Analyzer {
	if sharedAnalyzer == nil {
		a, err := search.NewAnalyzer()
		if err != nil {
			t.Fatal(err)
		}
		sharedAnalyzer = a
	}
	return sharedAnalyzer
}

func newArchive(t testing.TB) *testArchive {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "newsvault.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := blob.Open(filepath.Join(dir, "blobs"), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &testArchive{t: t, st: st, blobs: blobs, an: analyzer(t), san: content.NewSanitizer(),
		clock: time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)}
}

func (ta *testArchive) publisher() *Publisher {
	return &Publisher{Store: ta.st, Blobs: ta.blobs, Analyzer: ta.an, Sanitizer: ta.san, Now: func() time.Time { return ta.clock }}
}

func (ta *testArchive) source(title string) int64 {
	ta.t.Helper()
	src := &archive.Source{Kind: archive.KindImport, Title: title, FeedURL: "import:" + title, Mode: archive.ModeFeed, TimeZone: "Asia/Shanghai"}
	if err := ta.st.CreateSource(context.Background(), src); err != nil {
		ta.t.Fatal(err)
	}
	return src.ID
}

// save stores a version of the article at url (sanitized as the pipeline
// does unless raw) and returns its ID.
func (ta *testArchive) save(src int64, url, title, htmlText string, raw bool, assets ...store.AssetRef) int64 {
	ta.t.Helper()
	ta.clock = ta.clock.Add(time.Minute)
	mark := 0
	if !raw {
		htmlText = ta.san.Sanitize(htmlText, url)
		mark = content.SanitizerVersion
	}
	v := archive.Version{Title: title, HTML: htmlText, Text: content.Text(htmlText), Sanitizer: mark, Published: ta.clock.Add(-time.Hour)}
	v.Hash = archive.ContentHash(&v)
	idx := ta.an.Index(v.Title, v.Text)
	res, err := ta.st.SaveArticle(context.Background(), &store.ArticleWrite{
		Article: archive.Article{URL: url, OriginalURL: url, SourceID: src},
		Version: v, SeenAt: ta.clock, Assets: assets, Index: &idx,
	})
	if err != nil {
		ta.t.Fatal(err)
	}
	return res.ArticleID
}

// image stores png bytes as a blob and returns the asset reference.
func (ta *testArchive) image(data []byte) store.AssetRef {
	ta.t.Helper()
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	if _, err := ta.blobs.Put(ta.t.Context(), data); err != nil {
		ta.t.Fatal(err)
	}
	return store.AssetRef{Asset: archive.Asset{Hash: hash, URL: "https://img.example.com/" + hash[:8] + ".png", ContentType: "image/png", Size: int64(len(data))},
		URL: "https://img.example.com/" + hash[:8] + ".png"}
}

// snapshotDir returns path → SHA-256 of every file under dir, leaving out
// our own .newsvault directory.
func snapshotDir(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if rel == metaDir {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// diffDirs lists the paths that differ between two snapshots.
func diffDirs(a, b map[string]string) []string {
	var out []string
	for p, h := range b {
		if a[p] != h {
			out = append(out, p)
		}
	}
	for p := range a {
		if _, ok := b[p]; !ok {
			out = append(out, "-"+p)
		}
	}
	return out
}

func zhParagraphs(i int) string {
	return fmt.Sprintf("<p>第%d篇报道：白俄罗斯总统卢卡申科星期二抵达北京，对中国进行为期三天的国事访问。</p><p>編號%d的繁體段落：臺灣與華盛頓的關係受到關注。</p>", i, i)
}

// cancelWhenStaging makes p's next run see its context end as soon as it
// stages its first file.
func cancelWhenStaging(t *testing.T, p *Publisher) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	p.onStage = cancel
	t.Cleanup(cancel)
	return ctx
}
