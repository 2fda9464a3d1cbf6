package publish

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/store"
)

// roundTripOutlets is the sample of the news-md corpus the round trip
// uses: about a fifth of it, with the CDT files of the older header, so
// that the test stays well under 20 s on two cores.
var roundTripOutlets = []string{"BBC", "中国数字时代", "纽约时报"}

func importInto(t *testing.T, ta *testArchive, paths ...string) *pipeline.ImportReport {
	t.Helper()
	client := fetch.New(fetch.Config{HostRate: -1, Retries: -1, Timeout: time.Second})
	pipe := pipeline.New(ta.st, ta.blobs, client, extract.New(extract.Options{}), nil, pipeline.Options{Indexer: ta.an})
	rep, err := pipe.Import(t.Context(), paths, pipeline.ImportOptions{})
	if err != nil {
		t.Fatalf("import %v: %v", paths, err)
	}
	return rep
}

func articlesByURL(t *testing.T, ta *testArchive) map[string]archive.Article {
	t.Helper()
	as, err := ta.st.Articles(t.Context(), store.ArticleFilter{Limit: math.MaxInt32})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]archive.Article{}
	for _, a := range as {
		out[a.URL] = a
	}
	return out
}

// TestMarkdownMirrorReimportsToTheSameArticles publishes part of the shared
// news-md corpus, with two articles edited since their import (so that they
// are rendered by mirror.Write, not copied verbatim), to the markdown target
// and imports that target into a new archive: the same articles come back,
// with the same titles, links and text.
func TestMarkdownMirrorReimportsToTheSameArticles(t *testing.T) {
	ta := newArchive(t)
	var paths []string
	for _, o := range roundTripOutlets {
		paths = append(paths, shareddata.Dir(t, "news-md", o))
	}
	if rep := importInto(t, ta, paths...); rep.NewArticles < 500 || len(rep.Failed) > 0 {
		t.Fatalf("corpus import: %d articles, failed %v", rep.NewArticles, rep.Failed)
	}
	orig := articlesByURL(t, ta)
	// Two edits: new versions whose files the target renders itself.
	n := 0
	for _, a := range orig {
		if n == 2 {
			break
		}
		full, err := ta.st.Article(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		ta.save(a.SourceID, a.URL, a.Title+"（更新）", full.HTML+fmt.Sprintf("<p>编者注%d：本文已更新。</p>", n), false)
		n++
	}
	orig = articlesByURL(t, ta)

	md := Target{Name: "md", Kind: KindMarkdown, Dir: filepath.Join(t.TempDir(), "md")}
	if _, err := ta.publisher().Run(t.Context(), md); err != nil {
		t.Fatal(err)
	}
	back := newArchive(t)
	rep := importInto(t, back, filepath.Join(md.Dir, "articles"))
	if len(rep.Failed) > 0 {
		t.Fatalf("re-import failed: %v", rep.Failed)
	}
	again := articlesByURL(t, back)
	if len(again) != len(orig) {
		t.Errorf("%d articles published, %d came back", len(orig), len(again))
	}
	bad := 0
	for u, a := range orig {
		b, ok := again[u]
		switch {
		case !ok:
			t.Errorf("%s (%s) did not come back", u, a.Title)
		case b.Title != a.Title:
			t.Errorf("%s: title %q came back as %q", u, a.Title, b.Title)
		case b.Text != a.Text:
			t.Errorf("%s: text differs:\n%q\n%q", u, a.Text, b.Text)
		default:
			continue
		}
		if bad++; bad > 10 {
			t.Fatal("more than 10 articles differ")
		}
	}
}
