package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// jsShell serves a page whose article only exists after its script runs.
func jsShell(t *testing.T) *httptest.Server {
	text := strings.Repeat("只有脚本运行以后才能读到的正文，命令行要求渲染这一页。", 12)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>脚本页面</title></head><body><div id="app"></div>
<script>const a = document.createElement("article"); for (let i = 0; i < 3; i++) { const p = document.createElement("p"); p.textContent = %q; a.appendChild(p); } document.getElementById("app").appendChild(a);</script></body></html>`, text)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestArchiveRenderFlags(t *testing.T) {
	ctx := context.Background()
	srv := jsShell(t)

	// Rendering off for the whole program: the shell is refused as empty.
	out, err := run(t, ctx, t.TempDir(), "--no-render", "archive", "--render", "always", srv.URL+"/post")
	if err == nil || !strings.Contains(out, "empty") || !strings.Contains(out, "headless browser is off") {
		t.Fatalf("--no-render: %v\n%s", err, out)
	}
	if _, err := run(t, ctx, t.TempDir(), "archive", "--render", "sometimes", srv.URL); err == nil {
		t.Fatal("--render sometimes was accepted")
	}
	t.Setenv("NEWSVAULT_RENDER", "off")
	if out, err := run(t, ctx, t.TempDir(), "archive", srv.URL+"/post"); err == nil || !strings.Contains(out, "empty") {
		t.Fatalf("NEWSVAULT_RENDER=off: %v\n%s", err, out)
	}
	t.Setenv("NEWSVAULT_RENDER", "")

	if testing.Short() {
		t.Skip("the rest starts a browser")
	}
	exe := os.Getenv("CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		t.Skip("no Chromium")
	}
	data := t.TempDir()
	out, err = run(t, ctx, data, "archive", "--render", "always", srv.URL+"/post")
	if err != nil || !strings.HasPrefix(out, "new") {
		t.Fatalf("archive --render always: %v\n%s", err, out)
	}
	if m, _ := filepath.Glob(filepath.Join(data, "newsvault.db")); len(m) != 1 {
		t.Fatal("no database")
	}
}

func TestRenderCookiesFlagSignsTheBrowserInToItsSite(t *testing.T) {
	ctx := context.Background()
	text := strings.Repeat("只有带着会员饼干的读者才能看到这篇文章的正文。", 12)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if c, err := r.Cookie("member"); err != nil || c.Value != "yes" {
			fmt.Fprint(w, `<!doctype html><html><head><title>请登录</title></head><body><div id="app"></div></body></html>`)
			return
		}
		fmt.Fprintf(w, `<!doctype html><html><head><title>会员文章</title></head><body><div id="app"></div>
<script>const a = document.createElement("article"); for (let i = 0; i < 3; i++) { const p = document.createElement("p"); p.textContent = %q; a.appendChild(p); } document.getElementById("app").appendChild(a);</script></body></html>`, text)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("127.0.0.1 FALSE / FALSE 0 member yes\n"), 0o600)
	if out, err := run(t, ctx, t.TempDir(), "--render-cookies", bad, "archive", srv.URL+"/post"); err == nil || !strings.Contains(err.Error(), "--render-cookies") || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("a cookie file with spaces for tabs: %v\n%s", err, out)
	}
	if testing.Short() {
		t.Skip("the rest starts a browser")
	}
	if _, err := os.Stat(chromiumPath()); err != nil {
		t.Skip("no Chromium")
	}
	// Without the cookie, the page is an empty shell even rendered.
	if out, err := run(t, ctx, t.TempDir(), "archive", "--render", "always", srv.URL+"/post"); err == nil || !strings.Contains(out, "empty") {
		t.Fatalf("without cookies: %v\n%s", err, out)
	}
	good := filepath.Join(dir, "cookies.txt")
	os.WriteFile(good, []byte("# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tmember\tyes\n"), 0o600)
	t.Setenv("NEWSVAULT_RENDER_COOKIES", good)
	if out, err := run(t, ctx, t.TempDir(), "archive", "--render", "always", srv.URL+"/post"); err != nil || !strings.HasPrefix(out, "new") {
		t.Fatalf("NEWSVAULT_RENDER_COOKIES: %v\n%s", err, out)
	}
}

func chromiumPath() string {
	if exe := os.Getenv("CHROMIUM"); exe != "" {
		return exe
	}
	return "/usr/bin/chromium"
}

func TestFeedsRenderModeIsSetListedAndEdited(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	renderOf := func() string {
		t.Helper()
		out, err := run(t, ctx, data, "feeds", "list")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		head := strings.Fields(lines[0])
		col := slices.Index(head, "RENDER")
		if col < 0 || len(lines) != 2 {
			t.Fatalf("feeds list:\n%s", out)
		}
		return strings.Fields(lines[1])[col]
	}
	if out, err := run(t, ctx, data, "feeds", "add", "--no-check", "--title", "脚本站", "--render", "always", "https://js.example/feed.xml"); err != nil {
		t.Fatalf("feeds add --render always: %v\n%s", err, out)
	}
	if got := renderOf(); got != "always" {
		t.Errorf("after add --render always, RENDER is %q", got)
	}
	if out, err := run(t, ctx, data, "feeds", "edit", "1", "--render", "never", "--watch", "off"); err != nil {
		t.Fatalf("feeds edit --render never: %v\n%s", err, out)
	}
	if got := renderOf(); got != "never" {
		t.Errorf("after edit --render never, RENDER is %q", got)
	}
	if out, err := run(t, ctx, data, "feeds", "edit", "1", "--title", "新名字"); err != nil {
		t.Fatalf("feeds edit --title: %v\n%s", err, out)
	}
	if got := renderOf(); got != "never" {
		t.Errorf("an edit of the title changed RENDER to %q", got)
	}
	if _, err := run(t, ctx, data, "feeds", "edit", "1", "--render", "sometimes"); err == nil {
		t.Error("feeds edit --render sometimes was accepted")
	}
}
