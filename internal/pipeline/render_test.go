package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/render"
)

const renderedText = "这篇文章的正文只在脚本运行以后才出现在页面上"

// jsSite serves an ordinary article and a JavaScript shell whose article
// arrives from a JSON endpoint.
func jsSite(t *testing.T) *httptest.Server {
	para := strings.Repeat("记者从有关部门获悉，这项工作已经全面展开，各地正在按照统一部署推进落实，群众反映良好。", 4)
	mux := http.NewServeMux()
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>普通文章</title></head><body><article><h1>普通文章</h1><p>%s</p><p>%s</p><p>%s</p></article></body></html>`, para, para, para)
	})
	mux.HandleFunc("/shell", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><title>动态页面</title></head><body><div id="app"></div>
<script>fetch("/post.json").then(r => r.json()).then(d => {
  const a = document.createElement("article");
  const h = document.createElement("h1"); h.textContent = d.title; a.appendChild(h);
  for (const t of d.paras) { const p = document.createElement("p"); p.textContent = t; a.appendChild(p); }
  document.getElementById("app").appendChild(a);
});</script></body></html>`)
	})
	mux.HandleFunc("/post.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"title": "动态页面", "paras": ["%s。%s", "%s", "%s"]}`, renderedText, para, para, para)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func renderEnv(t *testing.T, execPath, rulesDir string) (*env, *render.Renderer) {
	t.Helper()
	e := newEnv(t, Options{SkipImages: true})
	client := fetch.New(fetch.Config{AllowPrivate: true, HostRate: -1, HostConns: -1, Retries: -1, Timeout: 10 * time.Second, Resolver: testResolver{}})
	r := render.New(client, render.Config{ExecPath: execPath, Timeout: 30 * time.Second, PDF: true})
	t.Cleanup(func() { r.Close() })
	x := extract.New(extract.Options{RulesDir: rulesDir})
	e.pipe = New(e.store, e.blobs, client, x, nil, Options{SkipImages: true, Renderer: r})
	return e, r
}

func needBrowser(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser")
	}
	if err := render.New(nil, render.Config{}).Available(); err != nil {
		t.Skip(err)
	}
}

func TestPagesThatDoNotNeedABrowserStartNone(t *testing.T) {
	site := jsSite(t)
	e, r := renderEnv(t, "", "")
	ctx := context.Background()
	if _, err := e.pipe.ArchiveURL(ctx, site.URL+"/plain", nil); err != nil {
		t.Fatal(err)
	}
	_, err := e.pipe.ArchiveURLRender(ctx, site.URL+"/shell", nil, archive.RenderNever)
	var na *extract.NotArticleError
	if !errors.As(err, &na) || na.Kind != extract.KindEmpty {
		t.Fatalf("shell with render never: %v, want an empty page", err)
	}
	if r.Starts() != 0 {
		t.Fatalf("%d browsers started for pages that did not need one", r.Starts())
	}
}

func TestAnEmptyShellIsRenderedWithItsScreenshotAndSubResponses(t *testing.T) {
	needBrowser(t)
	site := jsSite(t)
	e, r := renderEnv(t, "", "")
	ctx := context.Background()
	out, err := e.pipe.ArchiveURL(ctx, site.URL+"/shell", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Starts() != 1 {
		t.Errorf("browser starts %d, want 1", r.Starts())
	}
	vs, err := e.store.Versions(ctx, out.ArticleID)
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions %v %v", vs, err)
	}
	if !strings.Contains(vs[0].Text, renderedText) {
		t.Errorf("version text lacks the script's article: %q", vs[0].Text)
	}
	assets, err := e.store.VersionAssets(ctx, out.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	var shot, pdf []byte
	for _, a := range assets {
		switch a.URL {
		case ScreenshotRef:
			shot, err = e.blobs.Get(t.Context(), a.Asset.Hash)
		case PDFRef:
			pdf, err = e.blobs.Get(t.Context(), a.Asset.Hash)
			if a.Asset.ContentType != "application/pdf" {
				t.Errorf("the PDF is stored as %q", a.Asset.ContentType)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.HasPrefix(shot, []byte("\x89PNG")) {
		t.Errorf("no PNG screenshot linked to the version; assets %+v", assets)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("no PDF linked to the version; assets %+v", assets)
	}
	caps, err := e.store.Captures(ctx, site.URL+"/post.json", 5)
	if err != nil || len(caps) == 0 || caps[0].Status != 200 || caps[0].BodyHash == "" {
		t.Errorf("the JSON the browser loaded was not kept as a capture: %+v %v", caps, err)
	}
	caps, err = e.store.Captures(ctx, site.URL+"/shell", 10)
	if err != nil {
		t.Fatal(err)
	}
	rendered := false
	for _, c := range caps {
		if len(c.Header[RenderedHeader]) > 0 {
			rendered = true
		}
	}
	if !rendered {
		t.Errorf("no capture of the rendered DOM among %d captures", len(caps))
	}
}

func TestSiteRulesAskForTheBrowser(t *testing.T) {
	needBrowser(t)
	site := jsSite(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "127.0.0.1.txt"), []byte("render: yes\nwait_for: article p\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e, r := renderEnv(t, "", dir)
	out, err := e.pipe.ArchiveURL(context.Background(), site.URL+"/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Starts() != 1 {
		t.Fatalf("the rule did not start the browser")
	}
	assets, _ := e.store.VersionAssets(context.Background(), out.VersionID)
	if len(assets) == 0 || assets[0].URL != ScreenshotRef {
		t.Errorf("rendered page has no screenshot: %+v", assets)
	}
}

func TestWithoutABrowserRenderAlwaysFallsBackToThePlainFetch(t *testing.T) {
	site := jsSite(t)
	e, r := renderEnv(t, filepath.Join(t.TempDir(), "no-chromium"), "")
	out, err := e.pipe.ArchiveURLRender(context.Background(), site.URL+"/plain", nil, archive.RenderAlways)
	if err != nil {
		t.Fatal(err)
	}
	if !out.NewArticle || r.Starts() != 0 {
		t.Errorf("outcome %+v, starts %d", out, r.Starts())
	}
}

// BenchmarkAutoRenderOnPlainPages archives an ordinary article with
// rendering set to auto (a Renderer wired, Chromium present or not) and
// reports how many browsers that started: the target is none, so auto
// costs a plain archive.
func BenchmarkAutoRenderOnPlainPages(b *testing.B) {
	mux := http.NewServeMux()
	para := strings.Repeat("记者从有关部门获悉，这项工作已经全面展开，各地正在按照统一部署推进落实。", 6)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>文章%s</title></head><body><article><h1>文章</h1><p>%s</p><p>%s</p></article></body></html>`, r.URL.Path, para, para)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, withRenderer := range []bool{false, true} {
		name := "renderer=nil"
		if withRenderer {
			name = "renderer=auto"
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, Options{SkipImages: true})
			client := fetch.New(fetch.Config{AllowPrivate: true, HostRate: -1, HostConns: -1, Retries: -1, Resolver: testResolver{}})
			r := render.New(client, render.Config{})
			defer r.Close()
			opts := Options{SkipImages: true}
			if withRenderer {
				opts.Renderer = r
			}
			e.pipe = New(e.store, e.blobs, client, extract.New(extract.Options{}), nil, opts)
			i := 0
			for b.Loop() {
				i++
				if _, err := e.pipe.ArchiveURL(context.Background(), fmt.Sprintf("%s/a/%d", srv.URL, i), nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.Starts()), "browsers-started")
		})
	}
}
