package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// articlePages serves article pages for the archiving tests.
func articlePages(t *testing.T) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/news/1.html", "/news/2.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><html lang="zh-CN"><head><title>测试新闻 %[1]s</title>
<meta property="og:title" content="白俄罗斯总统访华 %[1]s"><meta name="author" content="记者甲">
<meta property="article:published_time" content="2023-02-28T14:12:00+08:00"></head><body>
<article><h1>白俄罗斯总统访华 %[1]s</h1>
<p>白俄罗斯总统卢卡申科星期二抵达北京，对中国进行为期三天的国事访问。这是他今年第一次出访亚洲。</p>
<p>中国官方表示，卢卡申科访华是推动两国全天候合作关系进一步发展的一个机会。双方将签署多项合作文件。</p>
<p>分析人士认为，这次访问发生在俄罗斯入侵乌克兰一周年之际，受到西方国家的密切关注。</p>
</article></body></html>`, strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/news/"), ".html"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

func TestTheAddURLFormArchivesInTheBackgroundThenShowsTheArticle(t *testing.T) {
	e := newEnv(t, envOptions{})
	pages := articlePages(t)
	form := url.Values{"urls": {pages.URL + "/news/1.html"}}.Encode()
	resp, _ := e.do("POST", "/add/url", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/jobs/") {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	jobPath := resp.Header.Get("Location")
	deadline := time.Now().Add(20 * time.Second)
	var articlePath string
	for articlePath == "" {
		resp, doc := e.page(jobPath)
		switch {
		case resp.StatusCode == http.StatusSeeOther:
			articlePath = resp.Header.Get("Location")
		case resp.StatusCode != 200:
			t.Fatalf("job page: %d", resp.StatusCode)
		case time.Now().After(deadline):
			t.Fatalf("job still %q", textOf(query(doc, ".job-state")))
		default:
			if st := textOf(query(doc, ".job-state strong")); st == "failed" {
				t.Fatalf("job failed: %s", textOf(query(doc, ".job-items")))
			}
			if query(doc, "meta[http-equiv=refresh]") == nil {
				t.Error("a pending job page does not reload itself")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	resp, doc := e.page(articlePath)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", articlePath, resp.StatusCode)
	}
	if got := textOf(mustQuery(t, doc, "article h1")); got != "白俄罗斯总统访华 1" {
		t.Errorf("archived article heading %q", got)
	}
	if got := textOf(mustQuery(t, doc, "dd.source a")); got != "Submitted URLs" {
		t.Errorf("source %q, want the manual pseudo-source", got)
	}
	// It is searchable at once.
	_, doc = e.page("/search?q=" + url.QueryEscape("盧卡申科"))
	if n := len(queryAll(doc, ".results li.item")); n != 1 {
		t.Errorf("%d search results for the archived page, want 1", n)
	}

	// Bad input is shown with the form.
	resp, body := e.do("POST", "/add/url", strings.NewReader("urls=not+a+url"), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "not an http or https URL") {
		t.Errorf("bad URL: %d", resp.StatusCode)
	}
}

func TestTheArchiveAPIQueuesAJobToPoll(t *testing.T) {
	e := newEnv(t, envOptions{})
	pages := articlePages(t)
	var j jobJSON
	resp := e.sendJSON("POST", "/api/v1/archive", map[string]any{"urls": []string{pages.URL + "/news/2.html", pages.URL + "/missing.html"}}, &j)
	if resp.StatusCode != http.StatusAccepted || j.ID == "" || len(j.Items) != 2 || resp.Header.Get("Location") != "/api/v1/jobs/"+j.ID {
		t.Fatalf("archive: %d %+v", resp.StatusCode, j)
	}
	deadline := time.Now().Add(20 * time.Second)
	for j.State == JobQueued || j.State == JobRunning {
		if time.Now().After(deadline) {
			t.Fatalf("job stays %s", j.State)
		}
		time.Sleep(20 * time.Millisecond)
		if resp := e.getJSON("/api/v1/jobs/"+j.ID, &j); resp.StatusCode != 200 {
			t.Fatalf("poll: %d", resp.StatusCode)
		}
	}
	ok, bad := j.Items[0], j.Items[1]
	if j.State != JobDone || ok.State != JobDone || ok.ArticleID == 0 || !ok.NewArticle || bad.State != JobFailed || !strings.Contains(bad.Error, "404") {
		t.Fatalf("job: %+v", j)
	}
	var a articleJSON
	if e.getJSON("/api/v1/articles/"+itoa(ok.ArticleID), &a); a.Title != "白俄罗斯总统访华 2" || a.Author != "记者甲" {
		t.Errorf("archived %+v", a)
	}
	var list struct{ Jobs []jobJSON }
	if e.getJSON("/api/v1/jobs", &list); len(list.Jobs) != 1 || list.Jobs[0].ID != j.ID {
		t.Errorf("jobs %+v", list.Jobs)
	}
	var ae apiError
	if resp := e.getJSON("/api/v1/jobs/nope", &ae); resp.StatusCode != 404 || ae.Error.Code != "not_found" {
		t.Errorf("unknown job: %d %+v", resp.StatusCode, ae)
	}
}

func TestWithoutAnArchiverArchivingIsUnavailable(t *testing.T) {
	e := newEnv(t, envOptions{noArchiver: true})
	var ae apiError
	resp := e.sendJSON("POST", "/api/v1/archive", map[string]any{"urls": []string{"https://x.example/a"}}, &ae)
	if resp.StatusCode != http.StatusServiceUnavailable || ae.Error.Code != "archiving_unavailable" {
		t.Errorf("archive: %d %+v", resp.StatusCode, ae)
	}
	_, doc := e.page("/add")
	if query(doc, "form[action=/add/url]") != nil {
		t.Error("the add-URL form is offered without an archiver")
	}
}

func TestTheArchiveAPITakesARenderMode(t *testing.T) {
	e := newEnv(t, envOptions{anonymous: AnonymousSubmit{Enabled: true, PerHour: 10}})
	pages := articlePages(t)
	var ae apiError
	if resp := e.sendJSON("POST", "/api/v1/archive", map[string]any{"urls": []string{pages.URL + "/news/2.html"}, "render": "sometimes"}, &ae); resp.StatusCode != http.StatusBadRequest || !strings.Contains(ae.Error.Message, "auto, never or always") {
		t.Errorf("render sometimes: %d %+v", resp.StatusCode, ae)
	}
	// Anyone may submit, but only an operator may ask for the browser.
	resp, body := e.anon("POST", "/api/v1/archive", strings.NewReader(`{"urls":["`+pages.URL+`/news/2.html"],"render":"always"}`), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous render always: %d %s", resp.StatusCode, body)
	}
	var j jobJSON
	if resp := e.sendJSON("POST", "/api/v1/archive", map[string]any{"urls": []string{pages.URL + "/news/2.html"}, "render": "never"}, &j); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("render never: %d %+v", resp.StatusCode, j)
	}
}

func TestTheAddFormOffersTheBrowserToTheOperator(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, doc := e.page("/add")
	if query(doc, "form[action=/add/url] select[name=render]") == nil {
		t.Fatal("no render choice on the add-URL form")
	}
	pages := articlePages(t)
	form := url.Values{"urls": {pages.URL + "/news/1.html"}, "render": {"sometimes"}}.Encode()
	if resp, _ := e.do("POST", "/add/url", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("render sometimes: %d", resp.StatusCode)
	}
	form = url.Values{"urls": {pages.URL + "/news/1.html"}, "render": {"never"}}.Encode()
	if resp, _ := e.do("POST", "/add/url", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("render never: %d", resp.StatusCode)
	}
}
