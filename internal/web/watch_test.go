package web

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// watchedSite serves one article page whose body the test swaps.
type watchedSite struct {
	mu     sync.Mutex
	status int
	body   string
}

func (s *watchedSite) set(status int, body string) {
	s.mu.Lock()
	s.status, s.body = status, body
	s.mu.Unlock()
}

func (s *watchedSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(s.status)
	io.WriteString(w, s.body)
}

func watchedPage(casualties string) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>城区道路改造工程今日启动</title></head><body><article><h1>城区道路改造工程今日启动</h1>`)
	for i := range 6 {
		fmt.Fprintf(&b, "<p>第%d段：记者了解到，当地居民对这次改造的意见不一，有人认为道路拓宽以后出行更加方便，也有人担心施工期间的噪音和灰尘影响生活。</p>", i+1)
	}
	b.WriteString("<p>警方表示，事故共造成" + casualties + "受伤，目前均已送医，伤者情况稳定。</p></article></body></html>")
	return b.String()
}

// A hostile notice: its text carries markup that must stay text.
const hostileNotice = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>微信公众平台</title></head><body>
<div class="weui-msg"><h2>该内容已被发布者删除&lt;script&gt;alert("notice")&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;</h2></div></body></html>`

func TestWatchShowsStatusDiffAndEvidenceSafely(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, envOptions{watchNow: clock})
	site := &watchedSite{status: 200, body: watchedPage("三人")}
	srv := httptest.NewServer(site)
	defer srv.Close()
	out, err := e.pipe.ArchiveURL(t.Context(), srv.URL+"/news/1.html", nil)
	if err != nil {
		t.Fatal(err)
	}
	id := out.ArticleID
	check := func(want string) {
		t.Helper()
		var res struct{ Outcome, Status string }
		if resp := e.sendJSON("POST", fmt.Sprintf("/api/v1/articles/%d/check", id), nil, &res); resp.StatusCode != 200 || res.Outcome != want {
			t.Fatalf("check: %d %+v, want outcome %s", resp.StatusCode, res, want)
		}
	}

	// One character edited.
	site.set(200, watchedPage("五人"))
	check("edited")
	var d struct {
		Changed bool
		Diff    struct{ Body []struct{ Kind, Text string } }
	}
	e.getJSON(fmt.Sprintf("/api/v1/articles/%d/diff", id), &d)
	var changes []string
	for _, op := range d.Diff.Body {
		if op.Kind != "equal" {
			changes = append(changes, op.Kind+":"+op.Text)
		}
	}
	if !d.Changed || strings.Join(changes, " ") != "delete:三 insert:五" {
		t.Errorf("API diff changes %q", changes)
	}
	if _, body := e.do("GET", fmt.Sprintf("/articles/%d/diff?from=1&to=2", id), nil); !strings.Contains(string(body), "<del>三</del><ins>五</ins>") {
		t.Errorf("diff page lacks the inline change:\n%s", body)
	}
	if resp, _ := e.do("GET", fmt.Sprintf("/articles/%d/diff?from=0", id), nil); resp.StatusCode != 400 {
		t.Errorf("a bad version number answers %d", resp.StatusCode)
	}

	// Removed by its author, with a hostile notice; confirmed an hour later.
	site.set(200, hostileNotice)
	check("removed")
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	check("removed")

	_, body := e.do("GET", fmt.Sprintf("/articles/%d", id), nil)
	page := string(body)
	if !strings.Contains(page, "status-removed") || !strings.Contains(page, "by publisher") || !strings.Contains(page, "edited 1 time") {
		t.Errorf("article page lacks the status:\n%s", page)
	}
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x") || !strings.Contains(page, "&lt;script&gt;alert") {
		t.Errorf("the notice is not escaped on the article page:\n%s", page)
	}
	if !strings.Contains(page, "First seen removed") || !strings.Contains(page, "Last seen alive") {
		t.Errorf("article page lacks the evidence:\n%s", page)
	}

	_, body = e.do("GET", "/removed", nil)
	if !strings.Contains(string(body), fmt.Sprintf(`href="/articles/%d"`, id)) || strings.Contains(string(body), "<script>alert") {
		t.Errorf("removed page:\n%s", body)
	}
	resp, body := e.do("GET", "/removed.atom", nil)
	var feed struct {
		Entries []struct {
			Title   string `xml:"title"`
			Summary string `xml:"summary"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &feed); err != nil || resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("atom: %v %s\n%s", err, resp.Header.Get("Content-Type"), body)
	}
	if len(feed.Entries) != 1 || !strings.Contains(feed.Entries[0].Summary, `<script>alert("notice")</script>`) {
		t.Errorf("atom entries %+v", feed.Entries)
	}
	// The feeds out (/feeds/…, also written into the static site) list it too.
	if _, body := e.do("GET", "/feeds/removed.atom", nil); !strings.Contains(string(body), fmt.Sprintf("/articles/%d", id)) {
		t.Errorf("/feeds/removed.atom does not list the removed article:\n%s", body)
	}
	_, body = e.do("GET", "/edited", nil)
	if !strings.Contains(string(body), fmt.Sprintf(`href="/articles/%d/diff"`, id)) {
		t.Errorf("edited page:\n%s", body)
	}

	for q, want := range map[string]int{"status=removed": 1, "status=edited": 1, "status=unreachable": 0, "q=status:removed": 1, "q=status:alive": 0} {
		var list struct{ Total int }
		if resp := e.getJSON("/api/v1/articles?"+q, &list); resp.StatusCode != 200 || list.Total != want {
			t.Errorf("articles?%s: %d, total %d, want %d", q, resp.StatusCode, list.Total, want)
		}
	}
	if resp := e.getJSON("/api/v1/articles?status=gone", nil); resp.StatusCode != 400 {
		t.Errorf("an unknown status answers %d", resp.StatusCode)
	}
	var cs struct {
		Watch  struct{ Status string }
		Checks []struct {
			Outcome string
			Notice  *struct{ By, Text string }
		}
	}
	e.getJSON(fmt.Sprintf("/api/v1/articles/%d/checks", id), &cs)
	if cs.Watch.Status != "removed" || len(cs.Checks) != 3 || cs.Checks[2].Notice == nil || cs.Checks[2].Notice.By != "publisher" {
		t.Errorf("checks: %+v", cs)
	}
	if resp, _ := e.anon("POST", fmt.Sprintf("/api/v1/articles/%d/check", id), nil); resp.StatusCode != 401 {
		t.Errorf("an anonymous check answers %d", resp.StatusCode)
	}
	_, body = e.do("GET", "/metrics", nil)
	for _, want := range []string{`newsvault_watch_checks_total{outcome="edited"} 1`, `newsvault_watch_checks_total{outcome="removed"} 2`,
		"newsvault_watch_checks_due", "newsvault_watch_lag_seconds", `newsvault_watch_articles{status="removed"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
