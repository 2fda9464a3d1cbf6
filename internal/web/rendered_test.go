package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// rendered stores a screenshot and a PDF as a rendered version's assets.
func (e *env) rendered(pageURL string) (shot, pdf store.AssetRef) {
	e.t.Helper()
	png := pngBytes(e.t, 90)
	doc := []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	ref := func(data []byte, as, ct string) store.AssetRef {
		h, err := e.blobs.Put(e.t.Context(), data)
		if err != nil {
			e.t.Fatal(err)
		}
		return store.AssetRef{URL: as, Asset: archive.Asset{Hash: h, URL: as + ":" + pageURL, ContentType: ct, Size: int64(len(data)), FetchedAt: time.Now()}}
	}
	return ref(png, archive.ScreenshotRef, "image/png"), ref(doc, archive.PDFRef, "application/pdf")
}

func TestARenderedArticleShowsItsScreenshotAndPDFToThoseWhoMayReadIt(t *testing.T) {
	e := newEnv(t, envOptions{private: true})
	const pageURL = "https://weibo.example/post/1"
	shot, pdf := e.rendered(pageURL)
	body := "<p>" + strings.Repeat("只有脚本运行以后才出现的微博正文。", 10) + "</p>"
	id := e.write(article{url: pageURL, title: "渲染出来的微博", html: body, assets: []store.AssetRef{shot, pdf}})
	plain := e.write(article{url: "https://news.example/plain", title: "普通文章", html: body})
	shotURL, pdfURL := "/assets/"+shot.Asset.Hash, "/assets/"+pdf.Asset.Hash

	_, doc := e.page(fmt.Sprintf("/articles/%d", id))
	img := query(doc, "figure.screenshot img")
	if img == nil || attr(img, "src") != shotURL {
		t.Fatalf("no screenshot on the article page (img %v)", img)
	}
	if a := query(doc, "dd.rendered a.pdf-link"); a == nil || attr(a, "href") != pdfURL {
		t.Errorf("no PDF link on the article page")
	}
	if _, doc := e.page(fmt.Sprintf("/articles/%d/versions/1", id)); query(doc, "figure.screenshot img[src="+shotURL+"]") == nil {
		t.Errorf("the version's own page lacks its screenshot")
	}
	if _, doc := e.page(fmt.Sprintf("/articles/%d", plain)); query(doc, "figure.screenshot") != nil || query(doc, "dd.rendered") != nil {
		t.Errorf("an article that was not rendered shows a screenshot")
	}

	var j struct {
		Rendered *struct{ Screenshot, PDF string } `json:"rendered"`
		Versions []json.RawMessage                 `json:"versions"`
	}
	e.getJSON(fmt.Sprintf("/api/v1/articles/%d", id), &j)
	if j.Rendered == nil || j.Rendered.Screenshot != shotURL || j.Rendered.PDF != pdfURL {
		t.Errorf("article JSON rendered = %+v, want %s and %s", j.Rendered, shotURL, pdfURL)
	}
	var v struct {
		Rendered *struct{ Screenshot string } `json:"rendered"`
	}
	e.getJSON(fmt.Sprintf("/api/v1/articles/%d/versions/1", id), &v)
	if v.Rendered == nil || v.Rendered.Screenshot != shotURL {
		t.Errorf("version JSON rendered = %+v", v.Rendered)
	}
	var p map[string]json.RawMessage
	e.getJSON(fmt.Sprintf("/api/v1/articles/%d", plain), &p)
	if _, ok := p["rendered"]; ok {
		t.Errorf("an article that was not rendered has %s", p["rendered"])
	}

	// The files: a PNG shown as an image, a PDF to save, both only for
	// those who may read the article.
	resp, b := e.do("GET", shotURL, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(string(b), "\x89PNG") {
		t.Errorf("GET screenshot: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, b = e.do("GET", pdfURL, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(string(b), "%PDF") {
		t.Errorf("GET pdf: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	for _, path := range []string{shotURL, pdfURL, fmt.Sprintf("/articles/%d", id)} {
		if resp, b := e.anon("GET", path, nil); resp.StatusCode == 200 || strings.HasPrefix(string(b), "\x89PNG") || strings.HasPrefix(string(b), "%PDF") {
			t.Errorf("anonymous GET %s on a private archive: %d", path, resp.StatusCode)
		}
	}
}

func TestASourcesRenderModeIsShownAndChangedThroughTheAPI(t *testing.T) {
	e := newEnv(t, envOptions{})
	var src struct {
		ID     int64  `json:"id"`
		Render string `json:"render"`
	}
	if resp := e.sendJSON("POST", "/api/v1/sources", map[string]string{"feed_url": "https://js.example/feed.xml", "render": "always"}, &src); resp.StatusCode != http.StatusCreated || src.Render != "always" {
		t.Fatalf("create with render always: %d %+v", resp.StatusCode, src)
	}
	path := fmt.Sprintf("/api/v1/sources/%d", src.ID)
	if resp := e.sendJSON("PATCH", path, map[string]string{"render": "never"}, &src); resp.StatusCode != 200 || src.Render != "never" {
		t.Errorf("patch render never: %d %+v", resp.StatusCode, src)
	}
	if resp := e.sendJSON("PATCH", path, map[string]string{"render": "sometimes"}, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("patch render sometimes: %d", resp.StatusCode)
	}
	e.getJSON(path, &src)
	stored, err := e.store.Source(context.Background(), src.ID)
	if err != nil || src.Render != "never" || stored.Render != archive.RenderNever {
		t.Errorf("after a refused patch: JSON %q, stored %q (%v)", src.Render, stored.Render, err)
	}
	other := e.source(archive.Source{Kind: archive.KindFeed, FeedURL: "https://plain.example/feed.xml", Mode: archive.ModeAuto, Interval: time.Hour})
	e.getJSON(fmt.Sprintf("/api/v1/sources/%d", other.ID), &src)
	if src.Render != "auto" {
		t.Errorf("a source with no mode set shows render %q, want auto", src.Render)
	}
}

func TestTheSourcePageShowsAndEditsTheRenderMode(t *testing.T) {
	e := newEnv(t, envOptions{})
	src := e.source(archive.Source{Kind: archive.KindFeed, FeedURL: "https://js.example/feed.xml", Title: "脚本网站", Mode: archive.ModeAuto, Interval: time.Hour})
	page := fmt.Sprintf("/sources/%d", src.ID)
	_, doc := e.page(page)
	if got := textOf(query(doc, "dd.render-mode")); got != "auto" {
		t.Errorf("render mode shown as %q, want auto", got)
	}
	if o := query(doc, "form[action="+page+"/edit] select[name=render] option[selected]"); o == nil || attr(o, "value") != "auto" {
		t.Fatalf("no settings form with the render mode selected")
	}
	post := func(as who, v url.Values) (*http.Response, []byte) {
		return e.send(as, "POST", page+"/edit", strings.NewReader(v.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	}
	form := url.Values{"title": {"脚本网站"}, "mode": {"auto"}, "render": {"always"}, "time_zone": {"Asia/Shanghai"}, "interval": {"2h"}, "watch": {""}}
	if resp, b := post(e.admin, form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", resp.StatusCode, b)
	}
	got, _ := e.store.Source(context.Background(), src.ID)
	if got.Render != archive.RenderAlways || got.Interval != 2*time.Hour || got.TimeZone != "Asia/Shanghai" || got.FeedURL != src.FeedURL {
		t.Errorf("after saving: %+v", got)
	}
	_, doc = e.page(page)
	if got := textOf(query(doc, "dd.render-mode")); got != "always" {
		t.Errorf("render mode shown as %q after saving always", got)
	}

	form.Set("render", "sometimes")
	resp, b := post(e.admin, form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "want auto, always or never") {
		t.Errorf("render sometimes: %d, body lacks the reason", resp.StatusCode)
	}
	form.Set("render", "never")
	for _, as := range []who{anonymous, {cookie: e.admin.cookie}} {
		if resp, _ := post(as, form); resp.StatusCode < 400 && !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("a post without a session and its CSRF token: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if got, _ := e.store.Source(context.Background(), src.ID); got.Render != archive.RenderAlways {
		t.Errorf("a refused post changed the render mode to %q", got.Render)
	}
	if resp, _ := e.anon("GET", page, nil); resp.StatusCode != 200 {
		t.Fatalf("anonymous GET %s: %d", page, resp.StatusCode)
	} else if _, b := e.anon("GET", page, nil); strings.Contains(string(b), page+"/edit") {
		t.Errorf("the settings form is shown to an anonymous reader")
	}
}

// TestTheJSONOfRenderedArticlesAndSourcesIsDescribed: every field the
// article, version and source JSON carry is a property of its schema in
// openapi.json.
func TestTheJSONOfRenderedArticlesAndSourcesIsDescribed(t *testing.T) {
	var spec struct {
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPISpec, &spec); err != nil {
		t.Fatal(err)
	}
	props := func(name string) []string {
		var out []string
		var add func(s schema)
		add = func(s schema) {
			for k := range s.Properties {
				out = append(out, k)
			}
			for _, part := range s.AllOf {
				if ref, ok := strings.CutPrefix(part.Ref, "#/components/schemas/"); ok {
					add(spec.Components.Schemas[ref])
				} else {
					add(part)
				}
			}
		}
		add(spec.Components.Schemas[name])
		return out
	}
	e := newEnv(t, envOptions{})
	shot, pdf := e.rendered("https://x.example/1")
	id := e.write(article{url: "https://x.example/1", title: "t", html: "<p>正文</p>", assets: []store.AssetRef{shot, pdf}})
	src := e.source(archive.Source{Kind: archive.KindFeed, FeedURL: "https://x.example/feed", Mode: archive.ModeAuto, Render: archive.RenderAlways, Interval: time.Hour})
	for _, c := range []struct{ path, schema string }{
		{fmt.Sprintf("/api/v1/articles/%d", id), "ArticleFull"},
		{fmt.Sprintf("/api/v1/articles/%d/versions/1", id), "Version"},
		{fmt.Sprintf("/api/v1/sources/%d", src.ID), "Source"},
	} {
		var got map[string]json.RawMessage
		e.getJSON(c.path, &got)
		known := props(c.schema)
		for k := range got {
			if !slices.Contains(known, k) {
				t.Errorf("%s has %q, which schema %s does not describe", c.path, k, c.schema)
			}
		}
		if c.schema != "Source" {
			var r map[string]json.RawMessage
			if err := json.Unmarshal(got["rendered"], &r); err != nil {
				t.Fatalf("%s: rendered %s", c.path, got["rendered"])
			}
			for k := range r {
				if !slices.Contains(props("Rendered"), k) {
					t.Errorf("%s: rendered has %q, which schema Rendered does not describe", c.path, k)
				}
			}
		}
	}
}

type schema struct {
	Ref        string                     `json:"$ref"`
	Properties map[string]json.RawMessage `json:"properties"`
	AllOf      []schema                   `json:"allOf"`
}
