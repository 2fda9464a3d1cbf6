package publish

import (
	"path/filepath"
	"testing"

	"github.com/newsvault/newsvault/internal/manifest"
)

func TestEveryRunLeavesAManifestThatVerifies(t *testing.T) {
	ta, _ := smallArchive(t)
	key, err := manifest.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := ta.publisher()
	p.Key = key
	for _, tg := range []Target{
		{Name: "site", Kind: KindSite, Dir: filepath.Join(t.TempDir(), "site")},
		{Name: "md", Kind: KindMarkdown, Dir: filepath.Join(t.TempDir(), "md")},
	} {
		if _, err := p.Run(t.Context(), tg); err != nil {
			t.Fatal(err)
		}
		check := func(when string) {
			t.Helper()
			rep, err := manifest.Verify(tg.Dir, key.Public())
			if err != nil || !rep.OK() || rep.Checked < 30 {
				t.Fatalf("%s %s: %v %v", tg.Name, when, rep, err)
			}
		}
		check("first run")
		rep, err := p.Run(t.Context(), tg)
		if err != nil || rep.Written != 0 {
			t.Fatalf("idle run of %s rewrote %d files (%v)", tg.Name, rep.Written, err)
		}
		ta.save(ta.source("新来源"+tg.Name), "https://news.example.com/new-"+tg.Name+".html", "新文章", zhParagraphs(99), false)
		if _, err := p.Run(t.Context(), tg); err != nil {
			t.Fatal(err)
		}
		check("after a new article")
	}
}
