package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
)

func rssServer(t *testing.T) *httptest.Server {
	t.Helper()
	body := strings.Repeat("订阅源里的全文，用来测试立即抓取。", 30)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>立即抓取</title>
<item><title>一条新闻</title><link>%s/a</link><description><![CDATA[<p>%s</p>]]></description></item></channel></rss>`, srv.URL, body)
		case "/home":
			fmt.Fprint(w, `<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>home</body></html>`)
		case "/fake-home":
			fmt.Fprint(w, `<html><head><link rel="alternate" type="application/rss+xml" href="/fake-home"></head><body>not a feed</body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestAFeedInBackOffCanBePolledNow: a feed whose next poll is an hour
// away is polled at once by the source page's button and by the API.
func TestAFeedInBackOffCanBePolledNow(t *testing.T) {
	ctx := context.Background()
	feed := rssServer(t)
	e := newEnv(t, envOptions{feeds: true})
	src := e.source(archive.Source{Kind: archive.KindFeed, FeedURL: feed.URL + "/feed.xml", Mode: archive.ModeFeed})
	src.LastStatus, src.LastError, src.ErrorCount, src.NextPollAt = archive.PollError, "blocked address 127.0.0.1", 3, time.Now().Add(time.Hour)
	if err := e.store.UpdateSource(ctx, &src); err != nil {
		t.Fatal(err)
	}
	_, doc := e.page("/sources/1")
	if query(doc, "form[action=/sources/1/poll] button") == nil {
		t.Fatal("the source page has no poll-now button for the signed-in")
	}
	form := url.Values{csrfField: {e.admin.csrf}}
	resp, _ := e.send(who{cookie: e.admin.cookie}, "POST", "/sources/1/poll", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sources/1" {
		t.Fatalf("poll now: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	got, err := e.store.Source(ctx, 1)
	if err != nil || got.LastStatus != archive.PollOK || got.ErrorCount != 0 {
		t.Fatalf("after poll now: %+v, %v", got, err)
	}
	var j struct {
		LastStatus string `json:"last_status"`
	}
	if resp := e.sendJSON("POST", "/api/v1/sources/1/poll", nil, &j); resp.StatusCode != http.StatusOK || j.LastStatus != "ok" {
		t.Errorf("POST /api/v1/sources/1/poll: %d %+v", resp.StatusCode, j)
	}
	if resp, _ := e.anon("POST", "/api/v1/sources/1/poll", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous poll: %d", resp.StatusCode)
	}
}

// TestAFeedAddedOnTheWebIsCheckedFirst: the form and the API follow a
// page's announced feed only after fetching and parsing it, and refuse a
// page whose announced "feed" is not one.
func TestAFeedAddedOnTheWebIsCheckedFirst(t *testing.T) {
	feed := rssServer(t)
	e := newEnv(t, envOptions{feeds: true})
	var ae apiError
	if resp := e.sendJSON("POST", "/api/v1/sources", map[string]string{"feed_url": feed.URL + "/fake-home"}, &ae); resp.StatusCode != http.StatusBadRequest || !strings.Contains(ae.Error.Message, "not a feed") {
		t.Errorf("a page announcing no real feed: %d %+v", resp.StatusCode, ae)
	}
	form := url.Values{"feed_url": {feed.URL + "/fake-home"}, csrfField: {e.admin.csrf}}
	if resp, _ := e.send(who{cookie: e.admin.cookie}, "POST", "/add/feed", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("the form with a page announcing no real feed: %d", resp.StatusCode)
	}
	var s struct {
		FeedURL string `json:"feed_url"`
		Title   string `json:"title"`
	}
	if resp := e.sendJSON("POST", "/api/v1/sources", map[string]string{"feed_url": feed.URL + "/home"}, &s); resp.StatusCode != http.StatusCreated || s.FeedURL != feed.URL+"/feed.xml" || s.Title != "立即抓取" {
		t.Errorf("a page announcing a real feed: %d %+v", resp.StatusCode, s)
	}
}
