package web

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/feed"
)

func TestSourcesCanBeCreatedReadChangedAndDeleted(t *testing.T) {
	s := newSite(t, envOptions{})
	var created sourceJSON
	resp := s.sendJSON("POST", "/api/v1/sources", map[string]any{
		"feed_url": "https://feeds.example.com/zh.xml", "title": "例子", "mode": "page", "time_zone": "Asia/Hong_Kong", "interval": "2h",
	}, &created)
	if resp.StatusCode != http.StatusCreated || created.ID == 0 || created.Mode != "page" || created.Interval != "2h" || created.TimeZone != "Asia/Hong_Kong" {
		t.Fatalf("create: %d %+v", resp.StatusCode, created)
	}
	if loc := resp.Header.Get("Location"); loc != "/api/v1/sources/"+itoa(created.ID) {
		t.Errorf("Location %q", loc)
	}

	var got sourceJSON
	if resp := s.getJSON("/api/v1/sources/"+itoa(created.ID), &got); resp.StatusCode != 200 || got.FeedURL != "https://feeds.example.com/zh.xml" || got.Title != "例子" {
		t.Errorf("get: %d %+v", resp.StatusCode, got)
	}

	var patched sourceJSON
	resp = s.sendJSON("PATCH", "/api/v1/sources/"+itoa(created.ID), map[string]any{"title": "改名", "interval": "45m"}, &patched)
	if resp.StatusCode != 200 || patched.Title != "改名" || patched.Interval != "45m" || patched.Mode != "page" {
		t.Errorf("patch: %d %+v", resp.StatusCode, patched)
	}
	src, _ := s.store.Source(t.Context(), created.ID)
	if src.Title != "改名" || src.TimeZone != "Asia/Hong_Kong" {
		t.Errorf("stored after patch: %+v", src)
	}

	var list struct{ Sources []sourceJSON }
	s.getJSON("/api/v1/sources", &list)
	if len(list.Sources) != 4 {
		t.Errorf("%d sources listed, want 4", len(list.Sources))
	}

	// Deleting the feed with an article keeps the article.
	if resp := s.sendJSON("DELETE", "/api/v1/sources/"+itoa(s.feed.ID), nil, nil); resp.StatusCode != http.StatusNoContent {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	s.getJSON("/api/v1/sources", &list)
	for _, x := range list.Sources {
		if x.ID == s.feed.ID {
			t.Error("a deleted source is still listed")
		}
	}
	var a articleJSON
	if resp := s.getJSON("/api/v1/articles/"+itoa(s.lukashenko), &a); resp.StatusCode != 200 || a.SourceID != s.feed.ID {
		t.Errorf("the article of a deleted source: %d %+v", resp.StatusCode, a)
	}
	if resp := s.sendJSON("DELETE", "/api/v1/sources/"+itoa(s.feed.ID), nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("delete twice: %d", resp.StatusCode)
	}
}

func TestAPIWritesAreStrict(t *testing.T) {
	s := newSite(t, envOptions{})
	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   string
		ctype  string
		code   int
		errc   string
	}{
		{"unknown fields are refused", "POST", "/api/v1/sources", `{"feed_url":"https://x.example/rss","colour":"red"}`, "application/json", 400, "bad_request"},
		{"a missing feed_url is refused", "POST", "/api/v1/sources", `{"title":"x"}`, "application/json", 400, "bad_request"},
		{"a following second value is refused", "POST", "/api/v1/sources", `{"feed_url":"https://x.example/rss"} {}`, "application/json", 400, "bad_request"},
		{"a wrong type is refused", "POST", "/api/v1/sources", `{"feed_url":42}`, "application/json", 400, "bad_request"},
		{"an unknown mode is refused", "POST", "/api/v1/sources", `{"feed_url":"https://x.example/rss","mode":"magic"}`, "application/json", 400, "bad_request"},
		{"a too short interval is refused", "POST", "/api/v1/sources", `{"feed_url":"https://x.example/rss","interval":"5s"}`, "application/json", 400, "bad_request"},
		{"a feed followed twice conflicts", "POST", "/api/v1/sources", `{"feed_url":"` + s.feed.FeedURL + `"}`, "application/json", 409, "conflict"},
		{"a form body is not JSON", "POST", "/api/v1/sources", `feed_url=https://x.example/rss`, "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
		{"a huge body is refused", "POST", "/api/v1/sources", `{"feed_url":"https://x.example/rss","title":"` + strings.Repeat("长", maxJSON/3+1) + `"}`, "application/json", 413, "too_large"},
		{"changing a feed URL is refused", "PATCH", "/api/v1/sources/" + itoa(s.feed.ID), `{"feed_url":"https://other.example/rss"}`, "application/json", 400, "bad_request"},
		{"patching a missing source is not found", "PATCH", "/api/v1/sources/999999", `{"title":"x"}`, "application/json", 404, "not_found"},
		{"archiving nothing is refused", "POST", "/api/v1/archive", `{"urls":[]}`, "application/json", 400, "bad_request"},
		{"archiving a non-web URL is refused", "POST", "/api/v1/archive", `{"urls":["ftp://x.example/a"]}`, "application/json", 400, "bad_request"},
		{"a method a route lacks is not allowed", "DELETE", "/api/v1/articles", ``, "application/json", 405, "method_not_allowed"},
		{"an OPML body that is not OPML is refused", "POST", "/api/v1/opml", `{"not":"opml"}`, "text/x-opml", 400, "bad_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e apiError
			resp, body := s.do(tc.method, tc.path, strings.NewReader(tc.body), "Content-Type", tc.ctype)
			if err := jsonUnmarshal(body, &e); err != nil {
				t.Fatalf("%v in %s", err, body)
			}
			if resp.StatusCode != tc.code || e.Error.Code != tc.errc || e.Error.Message == "" {
				t.Errorf("%d %+v, want %d %s", resp.StatusCode, e, tc.code, tc.errc)
			}
		})
	}
	resp, _ := s.do("DELETE", "/api/v1/articles", nil)
	if resp.Header.Get("Allow") != "GET" {
		t.Errorf("Allow %q", resp.Header.Get("Allow"))
	}
}

func TestArticlesCanBeFilteredLikeSearch(t *testing.T) {
	s := newSite(t, envOptions{})
	var body struct {
		Articles []articleJSON
		Total    int
	}
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"", []int64{s.traditional, s.lukashenko, s.english, s.edited}},
		{"source=" + itoa(s.imported.ID) + "&limit=2", []int64{s.traditional, s.english}},
		{"q=" + url.QueryEscape("盧卡申科") + "&sort=date", []int64{s.traditional, s.lukashenko}},
		{"lang=en", []int64{s.english}},
		{"lang=zh&sort=date", []int64{s.traditional, s.lukashenko}},
		{"after=2023-02-01&before=2023-03-01", []int64{s.lukashenko, s.english}},
		{"source=" + itoa(s.feed.ID) + "&source=" + itoa(s.imported.ID) + "&before=2023-02-01", []int64{s.edited}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			if resp := s.getJSON("/api/v1/articles?"+tc.query, &body); resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var got []int64
			for _, a := range body.Articles {
				got = append(got, a.ID)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("articles %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("articles %v, want %v", got, tc.want)
					break
				}
			}
		})
	}
}

func TestSearchAPIReturnsScoredHighlightedHits(t *testing.T) {
	s := newSite(t, envOptions{})
	var body struct {
		Results []searchHitJSON
		Total   int
	}
	resp := s.getJSON("/api/v1/search?q="+url.QueryEscape("卢卡申科 北京"), &body)
	if resp.StatusCode != 200 || body.Total != 2 || len(body.Results) != 2 {
		t.Fatalf("search: %d %+v", resp.StatusCode, body)
	}
	for _, h := range body.Results {
		if h.Score <= 0 || !strings.Contains(h.Snippet, "<mark>") {
			t.Errorf("hit %d: score %v snippet %q", h.ID, h.Score, h.Snippet)
		}
	}
	var e apiError
	if resp := s.getJSON("/api/v1/search?q=x&sort=sideways", &e); resp.StatusCode != 400 || e.Error.Code != "bad_parameter" {
		t.Errorf("bad sort: %d %+v", resp.StatusCode, e)
	}
}

func TestVersionsAreListedAndEachCanBeRead(t *testing.T) {
	s := newSite(t, envOptions{})
	var list struct {
		ArticleID int64 `json:"article_id"`
		Versions  []versionJSON
	}
	if resp := s.getJSON("/api/v1/articles/"+itoa(s.edited)+"/versions", &list); resp.StatusCode != 200 || len(list.Versions) != 2 ||
		list.Versions[0].Seq != 1 || list.Versions[1].Title != "修改后的标题" || list.Versions[0].HTML != "" {
		t.Fatalf("versions: %d %+v", resp.StatusCode, list)
	}
	var v versionJSON
	if resp := s.getJSON("/api/v1/articles/"+itoa(s.edited)+"/versions/1", &v); resp.StatusCode != 200 || v.Title != "初稿标题" || !strings.Contains(v.HTML, "第一版") {
		t.Errorf("version 1: %d %+v", resp.StatusCode, v)
	}
	var e apiError
	if resp := s.getJSON("/api/v1/articles/"+itoa(s.edited)+"/versions/3", &e); resp.StatusCode != 404 || e.Error.Code != "not_found" {
		t.Errorf("version 3: %d %+v", resp.StatusCode, e)
	}
	if resp := s.getJSON("/api/v1/articles/999999/versions", &e); resp.StatusCode != 404 || e.Error.Code != "not_found" {
		t.Errorf("versions of nothing: %d %+v", resp.StatusCode, e)
	}
}

func TestOPMLRoundTripsThroughTheAPI(t *testing.T) {
	e := newEnv(t, envOptions{})
	opml := `<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>subs</title></head><body>
		<outline text="BBC 中文" xmlUrl="https://feeds.bbci.co.uk/zhongwen/simp/rss.xml" htmlUrl="https://www.bbc.com/zhongwen/simp"/>
		<outline text="德国之声" xmlUrl="https://rss.dw.com/rdf/rss-chi-all"/>
	</body></opml>`
	var rep struct {
		Added   []sourceJSON
		Skipped []struct{ FeedURL, Reason string }
	}
	resp, body := e.do("POST", "/api/v1/opml?mode=page", strings.NewReader(opml), "Content-Type", "text/x-opml")
	if err := jsonUnmarshal(body, &rep); err != nil || resp.StatusCode != 200 || len(rep.Added) != 2 || rep.Added[0].Mode != "page" {
		t.Fatalf("import: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do("POST", "/api/v1/opml", strings.NewReader(opml), "Content-Type", "text/x-opml")
	if err := jsonUnmarshal(body, &rep); err != nil || len(rep.Added) != 0 || len(rep.Skipped) != 2 || rep.Skipped[0].Reason != "already followed" {
		t.Errorf("import again: %d %s", resp.StatusCode, body)
	}

	resp, body = e.do("GET", "/api/v1/opml", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/x-opml") {
		t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
	}
	outlines, err := feed.ParseOPML(bytes.NewReader(body))
	if err != nil || len(outlines) != 2 {
		t.Fatalf("export is not the OPML we imported: %v %s", err, body)
	}
	got := map[string]feed.Outline{}
	for _, o := range outlines {
		got[o.FeedURL] = o
	}
	if o := got["https://feeds.bbci.co.uk/zhongwen/simp/rss.xml"]; o.Title != "BBC 中文" || o.SiteURL != "https://www.bbc.com/zhongwen/simp" {
		t.Errorf("exported %+v", o)
	}
	if err := xml.Unmarshal(body, new(struct{})); err != nil {
		t.Errorf("export is not XML: %v", err)
	}

	var rep2 apiError
	resp, body = e.do("POST", "/api/v1/opml", strings.NewReader(strings.Repeat(" ", maxOPML+1)), "Content-Type", "text/x-opml")
	if jsonUnmarshal(body, &rep2); resp.StatusCode != http.StatusRequestEntityTooLarge || rep2.Error.Code != "too_large" {
		t.Errorf("huge OPML: %d %s", resp.StatusCode, body)
	}
}

func TestHealthReportsCountsAndArchiving(t *testing.T) {
	s := newSite(t, envOptions{})
	var h struct {
		Status    string
		Archiving bool
		Counts    map[string]int
	}
	if resp := s.getJSON("/api/v1/health", &h); resp.StatusCode != 200 || h.Status != "ok" || !h.Archiving || h.Counts["articles"] != 4 || h.Counts["versions"] != 5 {
		t.Errorf("health: %d %+v", resp.StatusCode, h)
	}
}

func TestPseudoSourcesShowNoFeedURL(t *testing.T) {
	s := newSite(t, envOptions{})
	var got sourceJSON
	s.getJSON("/api/v1/sources/"+itoa(s.imported.ID), &got)
	if got.Kind != string(archive.KindImport) || got.FeedURL != "" || got.ArticleCount != 3 {
		t.Errorf("import source: %+v", got)
	}
}
