package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/jobs"
)

// waitJob waits for a job to finish and returns it.
func (e *env) waitJob(id string) jobs.Job {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, ok := e.srv.jobs.Get(id)
		if !ok {
			e.t.Fatalf("job %s is unknown", id)
		}
		if j.State == jobs.Done || j.State == jobs.Failed {
			return j
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %s still %s", id, j.State)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOperatorSecretsAreNotShownToReaders follows a feed whose URL holds a
// password and an API key, with a poll error repeating them, and archives a
// URL with credentials: no reader-facing page or API answer shows a
// secret, and the job list and OPML export (which hold the URLs whole)
// are for the signed-in only.
func TestOperatorSecretsAreNotShownToReaders(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	feedURL := "https://alice:hunter2@feeds.example.com/rss?apikey=s3cr3tkey&lang=zh"
	src := e.source(archive.Source{Kind: archive.KindFeed, FeedURL: feedURL, Title: ""})
	src.LastStatus, src.LastError = archive.PollError, "fetch "+feedURL+": unexpected HTTP status 500"
	if err := e.store.UpdateSource(ctx, &src); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"urls": []string{"http://bob:pw-in-job@127.0.0.1:1/x?token=tok-in-job"}})
	var job struct{ ID string }
	resp, body := e.send(who{bearer: e.token}, "POST", "/api/v1/archive", bytes.NewReader(b), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("archive: %d %s", resp.StatusCode, body)
	}
	jsonUnmarshal(body, &job)
	e.waitJob(job.ID)

	secrets := []string{"hunter2", "s3cr3tkey", "pw-in-job", "tok-in-job"}
	for _, path := range []string{"/sources", "/sources/1", "/api/v1/sources", "/api/v1/sources/1", "/jobs/" + job.ID, "/api/v1/jobs/" + job.ID} {
		resp, body := e.anon("GET", path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
			continue
		}
		for _, s := range secrets {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("GET %s shows the secret %q", path, s)
			}
		}
		if strings.HasPrefix(path, "/sources") && !bytes.Contains(body, []byte("feeds.example.com")) {
			t.Errorf("GET %s does not say which feed it is", path)
		}
	}
	for _, path := range []string{"/api/v1/jobs", "/api/v1/opml"} {
		if resp, _ := e.anon("GET", path, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous GET %s: %d; want 401", path, resp.StatusCode)
		}
	}
	resp, body = e.send(who{bearer: e.token}, "GET", "/api/v1/opml", nil)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("s3cr3tkey")) {
		t.Errorf("the operator's OPML export: %d, holds the feed URL whole: %v", resp.StatusCode, bytes.Contains(body, []byte("s3cr3tkey")))
	}
	if resp, _ := e.send(who{bearer: e.token}, "GET", "/api/v1/jobs", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the operator's job list: %d", resp.StatusCode)
	}
}

// TestAnAnonymousSubmissionsRedirectsStayOnItsDomains submits, without
// logging in, a URL on the allowed domain that redirects to another host:
// the hop is refused and the other host never asked; signed in, the same
// URL is archived.
func TestAnAnonymousSubmissionsRedirectsStayOnItsDomains(t *testing.T) {
	pages := articlePages(t)
	port := strings.TrimPrefix(pages.URL, "http://127.0.0.1:")
	redirector := articleRedirect(t, "http://localhost:"+port+"/news/1.html")
	e := newEnv(t, envOptions{anonymous: AnonymousSubmit{Enabled: true, PerHour: 10, Domains: []string{"127.0.0.1"}}})
	submit := func(as who) jobs.Job {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"urls": []string{redirector + "/go"}})
		resp, body := e.send(as, "POST", "/api/v1/archive", bytes.NewReader(b), "Content-Type", "application/json")
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("archive: %d %s", resp.StatusCode, body)
		}
		var j struct{ ID string }
		jsonUnmarshal(body, &j)
		return e.waitJob(j.ID)
	}
	j := submit(anonymous)
	if j.State != jobs.Failed || !strings.Contains(j.Items[0].Error, "not in the allowed domains") {
		t.Errorf("anonymous: job %s, item %+v; want refused off the domain list", j.State, j.Items[0])
	}
	if _, err := e.store.ArticleByURL(context.Background(), "http://localhost:"+port+"/news/1.html"); err == nil {
		t.Error("the page off the domain list was archived")
	}
	if j := submit(who{bearer: e.token}); j.State != jobs.Done {
		t.Errorf("signed in: job %s, item %+v", j.State, j.Items[0])
	}
}

// articleRedirect serves /go redirecting to target.
func articleRedirect(t *testing.T, target string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/go", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusFound) })
	srv := httptestServer(t, mux)
	return srv
}

func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
