package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// runBare is run without the --allow-private every other test passes.
func runBare(t *testing.T, data string, args ...string) (string, error) {
	t.Helper()
	t.Setenv("NEWSVAULT_ALLOW_NETS", "")
	t.Setenv("NEWSVAULT_ALLOW_PRIVATE", "")
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(append([]string{"--data", data, "--host-rate", "0", "--log-level", "error"}, args...))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func feedServer(t *testing.T) *httptest.Server {
	t.Helper()
	body := strings.Repeat("内部订阅源里的全文，用来测试按订阅源保存的网络许可。", 30)
	mux := http.NewServeMux()
	var base string
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, testFeed, base, body)
	})
	page := func(href string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<html><head><link rel="alternate" type="application/rss+xml" href="%s"></head><body>home</body></html>`, href)
		}
	}
	mux.HandleFunc("/home", page("/feed.xml"))
	mux.HandleFunc("/metadata", page("http://169.254.169.254/latest/meta-data/"))
	mux.HandleFunc("/not-a-feed", page("/home"))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base = srv.URL
	return srv
}

// TestFeedsAddFollowsOnlyAnAnnouncedFeedItCouldFetchAndParse: a page that
// announces the cloud metadata address, or a page that is no feed, is
// refused and nothing is added; the operator's allowance for the page's
// host does not extend to the host a page names.
func TestFeedsAddFollowsOnlyAnAnnouncedFeedItCouldFetchAndParse(t *testing.T) {
	srv := feedServer(t)
	data := t.TempDir()
	for _, path := range []string{"/metadata", "/not-a-feed"} {
		out, err := runBare(t, data, "--allow-private", "feeds", "add", srv.URL+path)
		if err == nil {
			t.Errorf("feeds add %s: added\n%s", path, out)
		}
	}
	out, err := runBare(t, data, "feeds", "list")
	if err != nil || strings.Contains(out, "169.254") || strings.Count(out, "\n") != 1 {
		t.Errorf("feeds list after refused adds: %v\n%s", err, out)
	}
	out, err = runBare(t, data, "--allow-private", "feeds", "add", srv.URL+"/home")
	if err != nil || !strings.Contains(out, srv.URL+"/feed.xml") {
		t.Errorf("feeds add of a page announcing a real feed: %v\n%s", err, out)
	}
}

// TestAFeedKeepsItsAllowanceAndCanBePolledNow: a feed on the operator's
// network added without its allowance fails with a hint naming the flags
// that help; "feeds edit" stores the allowance and "poll --now" polls it at
// once despite its back-off, with no flag on the command line.
func TestAFeedKeepsItsAllowanceAndCanBePolledNow(t *testing.T) {
	srv := feedServer(t)
	data := t.TempDir()
	if out, err := runBare(t, data, "feeds", "add", "--no-check", srv.URL+"/feed.xml"); err != nil {
		t.Fatalf("feeds add --no-check: %v\n%s", err, out)
	}
	out, err := runBare(t, data, "poll", "--once")
	if err == nil {
		t.Fatalf("poll of a blocked feed succeeded\n%s", out)
	}
	list, _ := runBare(t, data, "feeds", "list")
	for _, want := range []string{"feeds edit 1 --allow-net 127.0.0.1/32", "poll --now 1"} {
		if !strings.Contains(list, want) {
			t.Errorf("feeds list does not say %q:\n%s", want, list)
		}
	}
	if strings.Contains(list, "--no-check") {
		t.Errorf("the hint suggests --no-check:\n%s", list)
	}
	if out, err := runBare(t, data, "feeds", "edit", "1", "--allow-net", "127.0.0.1/32"); err != nil || !strings.Contains(out, "127.0.0.1/32") {
		t.Fatalf("feeds edit: %v\n%s", err, out)
	}
	out, err = runBare(t, data, "poll", "--now", "1")
	if err != nil || !strings.Contains(out, "1 new articles") {
		t.Fatalf("poll --now after the edit: %v\n%s", err, out)
	}
	if out, err := runBare(t, data, "feeds", "add", "--allow-net", "127.0.0.1/32", srv.URL+"/home"); err == nil || !strings.Contains(err.Error(), "already followed") {
		t.Errorf("adding the same feed through its page: %v\n%s", err, out)
	}
}
