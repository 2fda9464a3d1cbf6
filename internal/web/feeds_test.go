package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

func TestFeedsAreServedLiveAndReadBackByGofeed(t *testing.T) {
	e := newEnv(t, envOptions{})
	src := e.source(archive.Source{Kind: archive.KindImport, Title: "美国之音", FeedURL: "import:voa"})
	other := e.source(archive.Source{Kind: archive.KindImport, Title: "BBC", FeedURL: "import:bbc"})
	img := e.image(40)
	id := e.write(article{url: "https://voa.example/1", source: src.ID, title: "卢卡申科抵达北京",
		html: `<p onclick="x()">正文</p><img src="/assets/` + img.Asset.Hash + `" data-original-src="` + img.URL + `">`, assets: []store.AssetRef{img}})
	e.write(article{url: "https://bbc.example/1", source: other.ID, title: "别的", html: "<p>一</p>", sanitizer: 1})
	e.write(article{url: "https://bbc.example/1", source: other.ID, title: "别的（改）", html: "<p>二</p>", sanitizer: 1})

	fp := gofeed.NewParser()
	for _, c := range []struct {
		path   string
		titles []string
	}{
		{"/feeds/all.atom", []string{"别的（改）", "卢卡申科抵达北京"}},
		{"/feeds/all.json", []string{"别的（改）", "卢卡申科抵达北京"}},
		{fmt.Sprintf("/feeds/source-%d.atom", src.ID), []string{"卢卡申科抵达北京"}},
		{"/feeds/edited.json", []string{"别的（改）"}},
		{"/feeds/removed.atom", nil},
	} {
		resp, body := e.anon("GET", c.path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, resp.StatusCode, body)
		}
		feed, err := fp.ParseString(string(body))
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		var got []string
		for _, it := range feed.Items {
			got = append(got, it.Title)
			if it.Title == "卢卡申科抵达北京" {
				if strings.Contains(it.Content, "onclick") {
					t.Errorf("%s: content not sanitized: %s", c.path, it.Content)
				}
				if !strings.Contains(it.Content, "http://") || !strings.Contains(it.Content, "/assets/"+img.Asset.Hash) || strings.Contains(it.Content, `src="/assets/`) {
					t.Errorf("%s: image link not absolute: %s", c.path, it.Content)
				}
				if !strings.HasSuffix(it.Link, fmt.Sprintf("/articles/%d", id)) {
					t.Errorf("%s: link %s", c.path, it.Link)
				}
			}
		}
		if strings.Join(got, "|") != strings.Join(c.titles, "|") {
			t.Errorf("%s: items %v, want %v", c.path, got, c.titles)
		}
	}
	for _, bad := range []string{"/feeds/nope.atom", "/feeds/all.xml", "/feeds/source-999.atom", "/feeds/source-x.json"} {
		if resp, _ := e.anon("GET", bad, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, resp.StatusCode)
		}
	}
}
