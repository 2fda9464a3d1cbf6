package gitmirror

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func bare(t testing.TB) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "remote.git")
	if _, err := git.PlainInit(d, true); err != nil {
		t.Fatal(err)
	}
	return d
}

func cfgFor(t testing.TB, remotes ...Remote) Config {
	n := 0
	return Config{RepoDir: filepath.Join(t.TempDir(), "mirror.git"), AuthorName: "Mirror Bot", AuthorEmail: "bot@example.org",
		Remotes: remotes, Now: func() time.Time { n++; return time.Date(2024, 1, 1, 0, n, 0, 0, time.UTC) }}
}

// compareClone clones remote with go-git and checks it holds exactly src.
func compareClone(t *testing.T, remote, src string) {
	t.Helper()
	dst := t.TempDir()
	if _, err := git.PlainClone(dst, false, &git.CloneOptions{URL: remote, ReferenceName: plumbing.NewBranchReferenceName("main")}); err != nil {
		t.Fatalf("clone %s: %v", remote, err)
	}
	want := map[string]string{}
	filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if !d.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(src, p)
			want[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	got := 0
	filepath.WalkDir(dst, func(p string, d os.DirEntry, err error) error {
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dst, p)
			b, _ := os.ReadFile(p)
			if w, ok := want[filepath.ToSlash(rel)]; !ok || w != string(b) {
				t.Errorf("clone of %s: %s differs or is extra", remote, rel)
			}
			got++
		}
		return nil
	})
	if got != len(want) {
		t.Errorf("clone of %s has %d files, source %d", remote, got, len(want))
	}
}

func TestCommitPushTwoRemotesAndIncrement(t *testing.T) {
	r1, r2 := bare(t), bare(t)
	cfg := cfgFor(t, Remote{Name: "one", URL: r1}, Remote{Name: "two", URL: r2})
	src := t.TempDir()
	files := map[string]string{"README.md": "# 新闻\n", "index.html": "<p>首页</p>"}
	for i := 0; i < 20; i++ {
		files[fmt.Sprintf("articles/2024/%02d/a%d.md", i%3, i)] = fmt.Sprintf("# 文章 %d\n", i)
	}
	writeFiles(t, src, files)
	res, err := Publish(context.Background(), cfg, src, "publish markdown")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Committed || len(res.Added) != 22 || len(res.PushErrors) != 0 || len(res.Pushed) != 2 {
		t.Fatalf("first run: %+v", res)
	}
	compareClone(t, r1, src)
	compareClone(t, r2, src)

	// change 3 files: edit two, add one (and nothing else)
	writeFiles(t, src, map[string]string{"articles/2024/01/a1.md": "# 文章 1 (edited)\n", "index.html": "<p>首页 2</p>", "articles/2024/03/new.md": "# 新\n"})
	res2, err := Publish(context.Background(), cfg, src, "publish markdown")
	if err != nil {
		t.Fatal(err)
	}
	if !res2.Committed || len(res2.Added) != 1 || len(res2.Modified) != 2 || len(res2.Deleted) != 0 {
		t.Fatalf("second run: %+v", res2)
	}
	repo, _ := git.PlainOpen(r2)
	c, err := repo.CommitObject(plumbing.NewHash(res2.Commit))
	if err != nil {
		t.Fatal(err)
	}
	if c.Message != "publish markdown: 1 added, 2 modified, 0 deleted\n" || c.Author.Name != "Mirror Bot" || c.NumParents() != 1 {
		t.Errorf("commit %q by %s, %d parents", c.Message, c.Author.Name, c.NumParents())
	}
	stats, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	var touched []string
	for _, s := range stats {
		touched = append(touched, s.Name)
	}
	if strings.Join(touched, ",") != "articles/2024/01/a1.md,articles/2024/03/new.md,index.html" {
		t.Errorf("commit touches %v", touched)
	}
	compareClone(t, r1, src)

	// deleting a file shows as deleted; an unchanged tree makes no commit
	os.Remove(filepath.Join(src, "README.md"))
	res3, _ := Publish(context.Background(), cfg, src, "")
	if len(res3.Deleted) != 1 || res3.Deleted[0] != "README.md" {
		t.Errorf("third run: %+v", res3)
	}
	res4, _ := Publish(context.Background(), cfg, src, "")
	if res4.Committed || res4.Commit != res3.Commit {
		t.Errorf("unchanged tree committed again: %+v", res4)
	}
}

func TestFailedRemotesFailAlone(t *testing.T) {
	good := bare(t)
	diverged := bare(t)
	missing := filepath.Join(t.TempDir(), "no-such-repo.git")
	cfg := cfgFor(t, Remote{Name: "missing", URL: missing}, Remote{Name: "diverged", URL: diverged}, Remote{Name: "good", URL: good})

	// the diverged remote already has an unrelated history on main
	other := t.TempDir()
	writeFiles(t, other, map[string]string{"x.txt": "someone else's"})
	if _, err := Publish(context.Background(), Config{RepoDir: filepath.Join(t.TempDir(), "o.git"), Remotes: []Remote{{Name: "d", URL: diverged}}}, other, "other"); err != nil {
		t.Fatal(err)
	}

	src := t.TempDir()
	writeFiles(t, src, map[string]string{"a.md": "a"})
	res, err := Publish(context.Background(), cfg, src, "run")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pushed) != 1 || res.Pushed[0] != "good" {
		t.Fatalf("pushed %v, errors %v", res.Pushed, res.PushErrors)
	}
	if e := res.PushErrors["missing"]; e == nil || !strings.Contains(e.Error(), "missing") {
		t.Errorf("missing remote: %v", e)
	}
	if e := res.PushErrors["diverged"]; e == nil || !strings.Contains(e.Error(), "diverged") || !strings.Contains(e.Error(), "non-fast-forward") {
		t.Errorf("diverged remote: %v", e)
	}
	compareClone(t, good, src)

	// the missing remote comes up: the next run pushes it the same head
	if _, err := git.PlainInit(missing, true); err != nil {
		t.Fatal(err)
	}
	res2, err := Publish(context.Background(), cfg, src, "run")
	if err != nil {
		t.Fatal(err)
	}
	if res2.Committed || res2.PushErrors["missing"] != nil || res2.Commit != res.Commit {
		t.Fatalf("retry: %+v", res2)
	}
	compareClone(t, missing, src)
}

func TestRefusesLargeFileAndWarnsOnSize(t *testing.T) {
	cfg := cfgFor(t)
	cfg.MaxFileSize = 1000
	src := t.TempDir()
	writeFiles(t, src, map[string]string{"small.md": "ok", "big.bin": strings.Repeat("x", 1001)})
	_, err := Publish(context.Background(), cfg, src, "")
	if !errors.Is(err, ErrFileTooLarge) || !strings.Contains(err.Error(), "big.bin (1001 bytes)") {
		t.Fatalf("err = %v", err)
	}
	repo, _ := git.PlainOpen(cfg.RepoDir)
	if _, err := repo.Reference(plumbing.NewBranchReferenceName("main"), true); err == nil {
		t.Fatal("a commit was made despite the refused file")
	}
	os.Remove(filepath.Join(src, "big.bin"))
	cfg.WarnRepoSize = 1 // any repository is near this
	res, err := Publish(context.Background(), cfg, src, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "near") {
		t.Errorf("warnings %v", res.Warnings)
	}
}

// BenchmarkIncrement45k: commit + push of a 10-file increment over a
// 45,000-file tree to a local bare repository. The setup commits the tree
// once with no remote and copies the repository to be the remote (the state
// a first push leaves), so the benchmark runs in well under a minute.
func BenchmarkIncrement45k(b *testing.B) {
	benchIncrement(b, nil)
}

// BenchmarkIncrement45kChanged is the same increment with Config.Changed
// naming the new files, so the unchanged 45,000 are not even listed.
func BenchmarkIncrement45kChanged(b *testing.B) {
	benchIncrement(b, func(n int) []string {
		var c []string
		for i := 0; i < 10; i++ {
			c = append(c, fmt.Sprintf("articles/new/%d-%d.md", n, i))
		}
		return c
	})
}

func benchIncrement(b *testing.B, changed func(n int) []string) {
	src := b.TempDir()
	body := strings.Repeat("正文内容。", 100)
	for d := 0; d < 300; d++ {
		dir := filepath.Join(src, "articles", fmt.Sprintf("%03d", d))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for i := d; i < 45000; i += 300 {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%05d.md", i)), fmt.Appendf(nil, "# 文章 %d\n\n%s\n", i, body), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	cfg := cfgFor(b)
	if _, err := Publish(context.Background(), cfg, src, "full"); err != nil {
		b.Fatal(err)
	}
	remote := filepath.Join(b.TempDir(), "remote.git")
	if err := os.CopyFS(remote, os.DirFS(cfg.RepoDir)); err != nil {
		b.Fatal(err)
	}
	cfg.Remotes = []Remote{{Name: "local", URL: remote}}
	var res *Result
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		inc := map[string]string{}
		for i := 0; i < 10; i++ {
			inc[fmt.Sprintf("articles/new/%d-%d.md", n, i)] = fmt.Sprintf("# new %d %d\n", n, i)
		}
		writeFiles(b, src, inc)
		if changed != nil {
			cfg.Changed = changed(n)
		}
		b.StartTimer()
		var err error
		res, err = Publish(context.Background(), cfg, src, "increment")
		if err != nil || len(res.PushErrors) > 0 || len(res.Added) != 10 {
			b.Fatalf("%v %+v", err, res)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(res.RepoSize)/(1<<20), "repo-MB")
}

// With Config.Changed only the named paths are examined: the commit holds
// exactly those edits (a file whose change is not named stays as it was
// committed), the pushed clone matches, and a full scan then picks up the rest.
func TestChangedPathsOnly(t *testing.T) {
	r := bare(t)
	cfg := cfgFor(t, Remote{Name: "r", URL: r})
	src := t.TempDir()
	writeFiles(t, src, map[string]string{"a.md": "a", "d/b.md": "b", "d/c.md": "c", "e/f.md": "f"})
	if _, err := Publish(context.Background(), cfg, src, "one"); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, src, map[string]string{"a.md": "a2", "d/new.md": "n", "e/f.md": "f2"})
	os.RemoveAll(filepath.Join(src, "d", "c.md"))
	cfg.Changed = []string{"a.md", "d"}
	res, err := Publish(context.Background(), cfg, src, "two")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Added, ",") != "d/new.md" || strings.Join(res.Modified, ",") != "a.md" || strings.Join(res.Deleted, ",") != "d/c.md" || len(res.PushErrors) != 0 {
		t.Fatalf("changed run: %+v", res)
	}
	cfg.Changed = nil
	res, err = Publish(context.Background(), cfg, src, "three")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Modified, ",") != "e/f.md" || len(res.Added)+len(res.Deleted) != 0 {
		t.Fatalf("full run after changed: %+v", res)
	}
	compareClone(t, r, src)
}
