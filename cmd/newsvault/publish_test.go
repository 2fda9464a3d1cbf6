package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPublishVerbWritesConfiguredTargetsAndRefusesForeignDirs(t *testing.T) {
	data := t.TempDir()
	md := filepath.Join(data, "in", "测试来源", "1.md")
	os.MkdirAll(filepath.Dir(md), 0o755)
	os.WriteFile(md, []byte("<!--1677595144000-->\n[卢卡申科抵达北京](https://news.example.com/1.html)\n------\n\n<p>白俄罗斯总统卢卡申科星期二抵达北京。</p>\n"), 0o644)
	if _, err := run(t, t.Context(), data, "import", filepath.Join(data, "in")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(data, "publish.toml"), []byte("interval = \"5m\"\n[[target]]\nname = \"site\"\nkind = \"site\"\ndir = \"out/site\"\n"+
		"[[target]]\nname = \"md\"\nkind = \"markdown\"\ndir = \"out/md\"\n"), 0o644)
	out, err := run(t, t.Context(), data, "publish", "--target", "md")
	if err != nil || !strings.Contains(out, "md (markdown): 1 articles, 1 rendered") {
		t.Fatalf("publish --target md: %q %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(data, "out", "site")); err == nil {
		t.Error("--target md also wrote the site")
	}
	out, err = run(t, t.Context(), data, "publish")
	if err != nil || !strings.Contains(out, "site (site): 1 articles, 1 rendered") || !strings.Contains(out, "md (markdown): 1 articles, 0 rendered, 0 files written") {
		t.Fatalf("publish: %q %v", out, err)
	}
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "keep.txt"), []byte("mine"), 0o644)
	if _, err := run(t, t.Context(), data, "publish", "--target", "site", "--site", foreign); err == nil {
		t.Error("two targets named site were accepted")
	}
	os.Remove(filepath.Join(data, "publish.toml"))
	if _, err := run(t, t.Context(), data, "publish", "--site", foreign); err == nil || !strings.Contains(err.Error(), "not a newsvault publish target") {
		t.Errorf("publishing into a foreign directory: %v", err)
	}
}

func TestVerifyNamesTheAlteredFileOfAPublishedTarget(t *testing.T) {
	data := t.TempDir()
	md := filepath.Join(data, "in", "测试来源", "1.md")
	os.MkdirAll(filepath.Dir(md), 0o755)
	os.WriteFile(md, []byte("<!--1677595144000-->\n[卢卡申科抵达北京](https://news.example.com/1.html)\n------\n\n<p>白俄罗斯总统卢卡申科星期二抵达北京。</p>\n"), 0o644)
	if _, err := run(t, t.Context(), data, "import", filepath.Join(data, "in")); err != nil {
		t.Fatal(err)
	}
	site := filepath.Join(t.TempDir(), "site")
	if _, err := run(t, t.Context(), data, "publish", "--site", site); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, t.Context(), data, "verify", site)
	if err != nil || !strings.Contains(out, "ok: ") || !strings.Contains(out, filepath.Join(data, "manifest.pub")) {
		t.Fatalf("verify of a fresh copy: %q %v", out, err)
	}
	// An idle run keeps the signature: nothing is rewritten.
	if out, err := run(t, t.Context(), data, "publish", "--site", site); err != nil || !strings.Contains(out, "0 files written") {
		t.Fatalf("idle publish: %q %v", out, err)
	}
	// A reader's copy is the tree without our bookkeeping.
	cp := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(cp, os.DirFS(site)); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(cp, ".newsvault"))
	if out, err := run(t, t.Context(), data, "verify", "--key", filepath.Join(data, "manifest.pub"), cp); err != nil {
		t.Fatalf("verify of a copy: %q %v", out, err)
	}
	victim := filepath.Join(cp, "index.html")
	b, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	os.WriteFile(victim, b, 0o644)
	os.WriteFile(filepath.Join(cp, "extra.html"), []byte("<p>planted</p>"), 0o644)
	out, err = run(t, t.Context(), data, "verify", cp)
	if err == nil || !strings.Contains(out, "altered: index.html") || !strings.Contains(out, "extra: extra.html") || strings.Contains(out, "ok: ") {
		t.Fatalf("verify of an altered copy: %q %v", out, err)
	}
	// Another key's signature is refused.
	other := t.TempDir()
	if _, err := run(t, t.Context(), other, "publish", "--site", filepath.Join(other, "s")); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, t.Context(), other, "verify", site); err == nil || !strings.Contains(out, "BAD SIGNATURE") {
		t.Fatalf("verify with a stranger's key: %q %v", out, err)
	}
}

// TestMarkdownTargetWritesImportedMirrorFilesAsImported: a seed mirror file,
// imported and published, comes out under its own name with its exact
// bytes (front matter, spacing and all), as export --format md writes it;
// a republished git mirror of the seed does not churn.
func TestMarkdownTargetWritesImportedMirrorFilesAsImported(t *testing.T) {
	data := t.TempDir()
	seed := []byte("<!--1677595144000-->\n[卢卡申科抵达北京](https://news.example.com/1.html)\n------\n\n<div><p>白俄罗斯总统卢卡申科星期二抵达北京。</p>\n\n<p>  这是原文件的排版，  不应被改写。</p></div>\n")
	md := filepath.Join(data, "in", "测试来源", "1677595144_卢卡申科抵达北京.md")
	os.MkdirAll(filepath.Dir(md), 0o755)
	os.WriteFile(md, seed, 0o644)
	if _, err := run(t, t.Context(), data, "import", filepath.Join(data, "in")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "md")
	if res, err := run(t, t.Context(), data, "publish", "--markdown", out); err != nil {
		t.Fatalf("publish: %v\n%s", err, res)
	}
	exp := filepath.Join(t.TempDir(), "exp")
	if res, err := run(t, t.Context(), data, "export", "--format", "md", exp); err != nil {
		t.Fatalf("export: %v\n%s", err, res)
	}
	for _, dir := range []string{out, exp} {
		got, _ := filepath.Glob(filepath.Join(dir, "articles", "*", "1677595144_卢卡申科抵达北京.md"))
		if len(got) != 1 {
			t.Fatalf("%s: no file under the imported name", dir)
		}
		b, _ := os.ReadFile(got[0])
		if !bytes.Equal(b, seed) {
			t.Errorf("%s differs from the imported file:\n%s", got[0], b)
		}
	}
	list, _ := filepath.Glob(filepath.Join(out, "lists", "*.md"))
	if len(list) != 1 {
		t.Fatalf("lists: %v", list)
	}
	if b, _ := os.ReadFile(list[0]); !strings.Contains(string(b), "1677595144_") {
		t.Errorf("the list does not link the imported file's name:\n%s", b)
	}
}
