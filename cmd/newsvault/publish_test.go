package main

import (
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
