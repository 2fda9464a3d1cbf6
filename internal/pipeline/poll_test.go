package pipeline

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/store"
)

// site is a small news site on loopback: a summary-only feed, two article
// pages and their images. Its pages can be edited while a test runs.
type site struct {
	t        *testing.T
	srv      *httptest.Server
	base     string
	mu       sync.Mutex
	pages    map[string]string
	images   map[string][]byte
	requests map[string]int
	condGets int
}

func newSite(t *testing.T) *site {
	s := &site{t: t, pages: map[string]string{}, images: map[string][]byte{}, requests: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	s.base = "http://news.test:" + strings.TrimPrefix(s.srv.URL, "http://127.0.0.1:")
	for name, path := range map[string]string{"feed.xml": "/feed.xml", "park.html": "/news/park.html", "library.html": "/news/library.html"} {
		b, err := os.ReadFile(filepath.Join("testdata", "site", name))
		if err != nil {
			t.Fatal(err)
		}
		s.pages[path] = strings.ReplaceAll(string(b), "{{BASE}}", s.base)
	}
	s.images["/img/park.png"] = pngBytes(t, 10)
	s.images["/img/trail.png"] = pngBytes(t, 200)
	s.images["/img/placeholder.gif"] = []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	return s
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[r.URL.Path]++
	if img, ok := s.images[r.URL.Path]; ok {
		w.Header().Set("Content-Type", http.DetectContentType(img))
		w.Write(img)
		return
	}
	page, ok := s.pages[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"%x"`, sha256.Sum256([]byte(page)))
	if r.Header.Get("If-None-Match") != "" {
		s.condGets++
	}
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	if strings.HasSuffix(r.URL.Path, ".xml") {
		w.Header().Set("Content-Type", "application/rss+xml")
	} else {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	fmt.Fprint(w, page)
}

func (s *site) edit(path, old, new string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !strings.Contains(s.pages[path], old) {
		s.t.Fatalf("edit %s: %q not found", path, old)
	}
	s.pages[path] = strings.Replace(s.pages[path], old, new, 1)
}

func (s *site) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func addFeed(t *testing.T, e *env, url string, mode archive.ContentMode) archive.Source {
	t.Helper()
	src := archive.Source{Kind: archive.KindFeed, FeedURL: url, Mode: mode, Interval: time.Hour}
	if err := e.store.CreateSource(context.Background(), &src); err != nil {
		t.Fatal(err)
	}
	return src
}

func TestPollingASummaryFeedArchivesEachPageWithItsImagesOnce(t *testing.T) {
	ctx := context.Background()
	site := newSite(t)
	e := newEnv(t, Options{})
	src := addFeed(t, e, site.base+"/feed.xml", archive.ModeAuto)

	res := e.pipe.Poll(ctx, src)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.Items != 2 || res.NewArticles != 2 || res.ItemErrors != 0 {
		t.Fatalf("first poll: %+v", res)
	}

	// The tracking parameters of the feed's link are not part of the
	// article's identity.
	park, err := e.store.ArticleByURL(ctx, site.base+"/news/park.html")
	if err != nil {
		t.Fatal(err)
	}
	if park.Title != "城市公园新增十条步道" {
		t.Errorf("title %q", park.Title)
	}
	if park.SourceID != src.ID {
		t.Errorf("article filed under source %d, want %d", park.SourceID, src.ID)
	}
	for _, junk := range []string{"关于我们", "相关阅读", "版权所有"} {
		if strings.Contains(park.Text, junk) {
			t.Errorf("boilerplate %q kept in the text", junk)
		}
	}
	if !strings.Contains(park.Text, "透水材料") {
		t.Errorf("article body missing from text: %q", park.Text)
	}
	// The feed's zone-less date would be read in China time; the page's own
	// date with its offset wins anyway.
	want := time.Date(2023, 2, 28, 14, 12, 24, 0, time.FixedZone("", 8*3600))
	if !park.Published.Equal(want) {
		t.Errorf("published %v, want %v", park.Published, want)
	}

	// Both images are ours now, the lazy one included, and the stored
	// content points at them while keeping the original URLs.
	refs, err := e.store.VersionAssets(ctx, park.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range refs {
		got[strings.TrimPrefix(r.URL, site.base)] = true
		if !strings.Contains(park.HTML, "/assets/"+r.Asset.Hash) {
			t.Errorf("content does not point at asset %s", r.Asset.Hash)
		}
		b, err := e.blobs.Get(t.Context(), r.Asset.Hash)
		if err != nil || len(b) == 0 {
			t.Errorf("asset %s not readable: %v", r.Asset.Hash, err)
		}
	}
	if !got["/img/park.png"] || !got["/img/trail.png"] {
		t.Errorf("stored images %v, want park.png and trail.png", got)
	}
	if !strings.Contains(park.HTML, `data-original-src="`+site.base+`/img/park.png"`) {
		t.Errorf("original image URL not kept: %s", park.HTML)
	}

	// The raw responses are kept.
	caps, err := e.store.Captures(ctx, site.base+"/news/park.html?utm_source=rss&utm_medium=feed", 10)
	if err != nil || len(caps) != 1 || caps[0].Status != 200 || caps[0].BodyHash == "" {
		t.Fatalf("page capture: %+v %v", caps, err)
	}
	raw, err := e.blobs.Get(t.Context(), caps[0].BodyHash)
	if err != nil || !strings.Contains(string(raw), "透水材料") {
		t.Errorf("raw page not kept: %v", err)
	}

	before, _ := e.store.Stats(ctx)
	imgFetches := site.count("/img/park.png")

	// A second poll sends conditional headers, gets 304 and stores nothing.
	src, _ = e.store.Source(ctx, src.ID)
	if src.ETag == "" || src.LastStatus != archive.PollOK || src.NextPollAt.IsZero() {
		t.Fatalf("source after poll: %+v", src)
	}
	res = e.pipe.Poll(ctx, src)
	if res.Err != nil || !res.NotModified {
		t.Fatalf("second poll: %+v", res)
	}
	after, _ := e.store.Stats(ctx)
	if after != before {
		t.Errorf("second poll stored something: %+v -> %+v", before, after)
	}
	if site.condGets == 0 {
		t.Error("no conditional GET was sent")
	}

	// The page changes: archiving it again adds a version and keeps the old
	// one; the image is not downloaded again.
	site.edit("/news/park.html", "总长度超过十二公里", "总长度超过十五公里")
	out, err := e.pipe.ArchiveURL(ctx, site.base+"/news/park.html", nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.NewArticle || !out.NewVersion || out.ArticleID != park.ID {
		t.Fatalf("re-archive of a changed page: %+v", out)
	}
	vs, _ := e.store.Versions(ctx, park.ID)
	if len(vs) != 2 || !strings.Contains(vs[0].Text, "十二公里") || !strings.Contains(vs[1].Text, "十五公里") {
		t.Fatalf("versions after edit: %d", len(vs))
	}
	if n := site.count("/img/park.png"); n != imgFetches {
		t.Errorf("image fetched again (%d -> %d)", imgFetches, n)
	}

	// Unchanged again: no new version, only "seen".
	out, err = e.pipe.ArchiveURL(ctx, site.base+"/news/park.html", nil)
	if err != nil || out.NewVersion {
		t.Fatalf("unchanged re-archive: %+v %v", out, err)
	}
}

func TestAFeedThatFailsIsRecordedAndBacksOff(t *testing.T) {
	ctx := context.Background()
	mux := http.NewServeMux()
	mux.HandleFunc("/notfeed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body><p>This is a web page, not a feed.</p></body></html>")
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) })
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7200")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e := newEnv(t, Options{})

	for _, tc := range []struct {
		path, want string
		minDelay   time.Duration
	}{
		{"/notfeed", "feed", time.Hour},
		{"/gone", "410", time.Hour},
		{"/busy", "429", 2 * time.Hour},
	} {
		src := addFeed(t, e, srv.URL+tc.path, archive.ModeFeed)
		res := e.pipe.Poll(ctx, src)
		if res.Err == nil {
			t.Errorf("%s: poll succeeded", tc.path)
			continue
		}
		got, _ := e.store.Source(ctx, src.ID)
		if got.LastStatus != archive.PollError || got.ErrorCount != 1 || !strings.Contains(got.LastError, tc.want) {
			t.Errorf("%s: source records %q (%d errors), want an error mentioning %q", tc.path, got.LastError, got.ErrorCount, tc.want)
		}
		if d := time.Until(got.NextPollAt); d < tc.minDelay-time.Minute {
			t.Errorf("%s: next poll in %s, want at least %s", tc.path, d, tc.minDelay)
		}
		// A second failure backs off further.
		res2 := e.pipe.Poll(ctx, got)
		got2, _ := e.store.Source(ctx, src.ID)
		if res2.Err == nil || got2.ErrorCount != 2 || !got2.NextPollAt.After(got.NextPollAt) {
			t.Errorf("%s: second failure: %d errors, next %v (was %v)", tc.path, got2.ErrorCount, got2.NextPollAt, got.NextPollAt)
		}
	}
	st, _ := e.store.Stats(ctx)
	if st.Articles != 0 {
		t.Errorf("failed feeds produced %d articles", st.Articles)
	}
}

func TestABlockedAddressIsRefusedAndRecorded(t *testing.T) {
	ctx := context.Background()
	// A client with the guard on, as in production.
	guarded := newGuardedEnv(t)
	for _, u := range []string{"http://127.0.0.1:1/feed", "http://169.254.169.254/latest/meta-data/", "http://[::1]/x"} {
		if _, err := guarded.pipe.ArchiveURL(ctx, u, nil); err == nil {
			t.Errorf("%s was archived", u)
		} else if !strings.Contains(err.Error(), "blocked") {
			t.Errorf("%s: error %q does not say it was blocked", u, err)
		}
		caps, _ := guarded.store.Captures(ctx, u, 5)
		if len(caps) != 1 || caps[0].Error == "" {
			t.Errorf("%s: failed attempt not recorded: %+v", u, caps)
		}
	}
}

// TestPollingRealFeeds serves every real feed of the shared data set from a
// loopback server and polls it in feed mode: each well-formed feed archives
// its items (GBK and Big5 feeds included), each malformed one is recorded as
// failed, and a second poll adds nothing.
func TestPollingRealFeeds(t *testing.T) {
	dir := shareddata.Dir(t, "feeds")
	ctx := context.Background()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		etag := fmt.Sprintf(`"%x"`, sha256.Sum256(b))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Write(b)
	}))
	defer srv.Close()
	e := newEnv(t, Options{SkipImages: true})
	ok, failed, articles := 0, 0, 0
	for _, ent := range entries {
		src := addFeed(t, e, srv.URL+"/"+ent.Name(), archive.ModeFeed)
		res := e.pipe.Poll(ctx, src)
		if res.Err != nil {
			failed++
			t.Logf("%-50s failed: %v", ent.Name(), res.Err)
			continue
		}
		ok++
		articles += res.NewArticles
		t.Logf("%-50s %3d items, %3d new articles, %d item errors", ent.Name(), res.Items, res.NewArticles, res.ItemErrors)
	}
	if ok < 28 {
		t.Errorf("only %d of %d real feeds polled successfully", ok, len(entries))
	}
	st, _ := e.store.Stats(ctx)
	if int(st.Articles) != articles || articles < 500 {
		t.Errorf("%d articles stored, %d reported new", st.Articles, articles)
	}
	// GB2312-declared feeds decode to real Chinese.
	list, _ := e.store.Articles(ctx, store.ArticleFilter{Limit: 5000})
	for _, a := range list {
		if strings.ContainsRune(a.Title, '\uFFFD') {
			t.Errorf("title with replacement characters: %q (%s)", a.Title, a.URL)
		}
	}
	// Second round: nothing new.
	due, _ := e.store.Sources(ctx)
	for _, src := range due {
		if src.Kind != archive.KindFeed || src.LastStatus == archive.PollError {
			continue
		}
		res := e.pipe.Poll(ctx, src)
		if !res.NotModified {
			t.Errorf("%s: second poll was not a 304", src.FeedURL)
		}
	}
	st2, _ := e.store.Stats(ctx)
	if st2 != st {
		t.Errorf("second round stored something: %+v -> %+v", st, st2)
	}
}
