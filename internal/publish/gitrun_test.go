package publish

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/newsvault/newsvault/internal/manifest"
)

// cloneFiles clones the main branch of the bare repository at remote and
// returns its files (path → SHA-256) and the head commit.
func cloneFiles(t *testing.T, remote string) (map[string]string, *object.Commit) {
	t.Helper()
	dst := t.TempDir()
	repo, err := git.PlainClone(dst, false, &git.CloneOptions{URL: remote, ReferenceName: plumbing.NewBranchReferenceName("main")})
	if err != nil {
		t.Fatalf("clone %s: %v", remote, err)
	}
	head, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.CommitObject(head.Hash())
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dst, ".git"))
	return snapshotDir(t, dst), c
}

func TestGitTargetCommitsItsSourceAndPushesEveryRemoteItCan(t *testing.T) {
	ta, _ := smallArchive(t)
	data := t.TempDir()
	key, err := manifest.LoadOrCreateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	p := ta.publisher()
	p.Key = key
	var remotes []string
	for _, n := range []string{"a", "b"} {
		d := filepath.Join(t.TempDir(), n+".git")
		if _, err := git.PlainInit(d, true); err != nil {
			t.Fatal(err)
		}
		remotes = append(remotes, d)
	}
	// A remote that is not there: reported by name, the others pushed.
	down := filepath.Join(t.TempDir(), "gone.git")
	conf := Config{Targets: []Target{
		{Name: "mirror", Kind: KindGit, Source: "md", Repo: filepath.Join(data, "md.git"), Remotes: []Remote{
			{Name: "down", URL: down}, {Name: "one", URL: remotes[0]}, {Name: "two", URL: remotes[1]},
		}},
		{Name: "md", Kind: KindMarkdown, Dir: filepath.Join(data, "md")},
	}}
	if err := conf.Validate(); err != nil {
		t.Fatal(err)
	}
	targets, err := conf.Find("")
	if err != nil {
		t.Fatal(err)
	}
	if targets[0].Name != "md" || targets[1].SourceDir != conf.Targets[1].Dir {
		t.Fatalf("git target not ordered after its source: %+v", targets)
	}
	run := func() Report {
		t.Helper()
		var last Report
		for _, tg := range targets {
			rep, err := p.Run(t.Context(), tg)
			if err != nil {
				t.Fatal(err)
			}
			last = rep
		}
		return last
	}
	rep := run()
	if _, ok := rep.PushErrors["down"]; !ok || len(rep.PushErrors) != 1 || !slices.Equal(rep.Pushed, []string{"one", "two"}) {
		t.Fatalf("pushed %v, failed %v", rep.Pushed, rep.PushErrors)
	}
	want := snapshotDir(t, conf.Targets[1].Dir)
	for _, r := range remotes {
		got, _ := cloneFiles(t, r)
		if !maps.Equal(got, want) {
			t.Fatalf("clone of %s differs from the target: %d files vs %d", r, len(got), len(want))
		}
	}
	// A new article: one commit holding just what the run changed.
	ta.save(ta.source("新来源"), "https://news.example.com/new.html", "新文章", zhParagraphs(77), false)
	if err := os.MkdirAll(down, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := git.PlainInit(down, true); err != nil {
		t.Fatal(err)
	}
	rep = run()
	if len(rep.PushErrors) != 0 || len(rep.Pushed) != 3 {
		t.Fatalf("second run pushed %v, failed %v", rep.Pushed, rep.PushErrors)
	}
	// article, list, README, MANIFEST, MANIFEST.minisig
	if rep.Written < 4 || rep.Written > 6 || rep.Removed != 0 {
		t.Errorf("second commit: %d added or changed, %d deleted", rep.Written, rep.Removed)
	}
	want = snapshotDir(t, conf.Targets[1].Dir)
	for _, r := range append(remotes, down) {
		got, c := cloneFiles(t, r)
		if !maps.Equal(got, want) {
			t.Errorf("clone of %s differs from the target after the second run", r)
		}
		if c.Hash.String() != rep.Commit {
			t.Errorf("%s is at %s, want %s", r, c.Hash, rep.Commit)
		}
	}
	// A run with nothing new commits nothing.
	if rep2 := run(); rep2.Commit != rep.Commit || rep2.Written != 0 {
		t.Errorf("idle run committed %s (%d files)", rep2.Commit, rep2.Written)
	}
}
