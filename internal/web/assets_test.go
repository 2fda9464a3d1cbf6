package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// fakeImage is an HTML sign-in page that starts like a GIF.
const fakeImage = "GIF89a<!doctype html><title>Sign in</title><h1>FAKE-SIGN-IN</h1><form><input name=password></form>"

// TestAFakeImageIsNeverShownAsAPage: an "image" served as
// "image/gif, text/html" is refused when an article is archived (the
// article keeps the remote link), and one already stored is sent as a
// download that headless Chromium does not render, while a real PNG asset
// still opens as an image.
func TestAFakeImageIsNeverShownAsAPage(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/fake.gif":
			w.Header().Set("Content-Type", "image/gif, text/html")
			fmt.Fprint(w, fakeImage)
		case "/news.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<html><head><title>图片新闻</title></head><body><article><h1>图片新闻</h1><p>%s</p>
<p><img src="/fake.gif" alt="假图片"></p><p>%[1]s</p></article></body></html>`, strings.Repeat("这篇新闻的图片其实是一个网页。", 20))
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()
	if _, err := e.pipe.ArchiveURL(ctx, site.URL+"/news.html", nil); err != nil {
		t.Fatalf("archive: %v", err)
	}
	if a, err := e.store.AssetByURL(ctx, site.URL+"/fake.gif"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the fake image was stored as %+v (%v)", a, err)
	}

	// Stored before the rule, as "image/gif, text/html".
	h, err := e.blobs.Put(t.Context(), []byte(fakeImage))
	if err != nil {
		t.Fatal(err)
	}
	e.write(article{url: "https://raw.example/fake", title: "fake", html: `<p>x</p><img src="/assets/` + h + `">`,
		assets: []store.AssetRef{{Asset: archive.Asset{Hash: h, URL: "https://raw.example/fake.gif", ContentType: "image/gif, text/html",
			Size: int64(len(fakeImage)), FetchedAt: time.Now()}, URL: "https://raw.example/fake.gif"}}})
	real := e.image(40)
	e.write(article{url: "https://raw.example/real", title: "real", html: `<img src="/assets/` + real.Asset.Hash + `">`, assets: []store.AssetRef{real}})

	resp, _ := e.anon("GET", "/assets/"+h, nil)
	if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("stored fake image served as %q, disposition %q, nosniff %q", ct, resp.Header.Get("Content-Disposition"), resp.Header.Get("X-Content-Type-Options"))
	}

	exec := chromiumPath(t)
	if testing.Short() {
		t.Skip("browser check skipped in -short mode")
	}
	bctx, stop := startChromium(t, ctx, exec)
	defer stop()
	bctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Call(bctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorDeny}); err != nil {
		t.Fatal(err)
	}
	shown := func(path string) (contentType, text string) {
		t.Helper()
		// A download aborts the navigation; what matters is what the
		// tab shows afterwards.
		_ = chromedp.Do(bctx, chromedp.Navigate(e.http.URL+path))
		contentType, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.contentType`))
		if err == nil {
			text, err = chromedp.Run(bctx, chromedp.Evaluate[string](`document.documentElement ? document.documentElement.innerText || "" : ""`))
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		return contentType, text
	}
	if ct, _ := shown("/assets/" + real.Asset.Hash); ct != "image/png" {
		t.Errorf("a real PNG asset opened as %q; want image/png", ct)
	}
	if ct, text := shown("/assets/" + h); strings.Contains(text, "FAKE-SIGN-IN") || ct == "text/html" && strings.Contains(text, "Sign in") {
		t.Errorf("the stored fake image rendered as a page (%s): %.200q", ct, text)
	}
}
