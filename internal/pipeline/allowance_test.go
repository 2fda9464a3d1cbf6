package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
)

// TestASourcesAllowanceReachesOnlyItsOwnHost polls an internal feed (a
// loopback server, named feed.test) whose allowance is stored with its
// source: the feed and its own images are reached, an image on another
// host at the very same address is not, a feed redirecting to another host
// is refused, and a source without an allowance fails with a hint naming
// the settings that help.
func TestASourcesAllowanceReachesOnlyItsOwnHost(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	hits := map[string]int{}
	var port string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.Host+r.URL.Path]++
		mu.Unlock()
		switch {
		case r.URL.Path == "/feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>内网</title>
<item><title>内网通知</title><link>http://feed.test:%[1]s/a.html</link><description><![CDATA[<p>%[2]s</p>
<p><img src="http://feed.test:%[1]s/own.png"></p><p><img src="http://img.test:%[1]s/other.png"></p>]]></description></item>
</channel></rss>`, port, strings.Repeat("内部服务器上的通知，全文都在订阅源里。", 30))
		case r.URL.Path == "/moved.xml":
			http.Redirect(w, r, "http://other.test:"+port+"/feed.xml", http.StatusFound)
		case strings.HasSuffix(r.URL.Path, ".png"):
			w.Header().Set("Content-Type", "image/png")
			w.Write(pngBytes(t, 9))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	port = strings.TrimPrefix(srv.URL, "http://127.0.0.1:")
	e := newEnv(t, Options{})
	client := fetch.New(fetch.Config{Retries: -1, HostRate: -1, Timeout: 5 * time.Second, Resolver: testResolver{}})
	e.pipe = New(e.store, e.blobs, client, extract.New(extract.Options{}), nil, Options{})

	add := func(path string, nets ...string) archive.Source {
		t.Helper()
		src := &archive.Source{Kind: archive.KindFeed, FeedURL: "http://feed.test:" + port + path, Mode: archive.ModeFeed}
		for _, n := range nets {
			src.AllowNets = append(src.AllowNets, netip.MustParsePrefix(n))
		}
		if err := e.store.CreateSource(ctx, src); err != nil {
			t.Fatal(err)
		}
		stored, err := e.store.Source(ctx, src.ID)
		if err != nil {
			t.Fatal(err)
		}
		return stored
	}

	internal := add("/feed.xml", "127.0.0.1/32")
	if len(internal.AllowNets) != 1 || internal.AllowNets[0].String() != "127.0.0.1/32" {
		t.Fatalf("stored allowance %v; want 127.0.0.1/32", internal.AllowNets)
	}
	res := e.pipe.Poll(ctx, internal)
	if res.Err != nil || res.NewArticles != 1 {
		t.Fatalf("polling the allowed feed: %+v", res)
	}
	mu.Lock()
	own, other := hits["feed.test:"+port+"/own.png"], hits["img.test:"+port+"/other.png"]
	mu.Unlock()
	if own != 1 || other != 0 {
		t.Errorf("image requests: own host %d, other host %d; want 1 and 0", own, other)
	}

	moved := add("/moved.xml", "127.0.0.1/32")
	if res := e.pipe.Poll(ctx, moved); !errors.Is(res.Err, fetch.ErrBlockedAddress) {
		t.Errorf("a feed redirecting to another host: err = %v; want a blocked address", res.Err)
	}
	mu.Lock()
	if n := hits["other.test:"+port+"/feed.xml"]; n != 0 {
		t.Errorf("the redirect target on another host was asked %d times", n)
	}
	mu.Unlock()

	e.store.RemoveSource(ctx, internal.ID)
	bare := add("/feed.xml?bare")
	res = e.pipe.Poll(ctx, bare)
	if !errors.Is(res.Err, fetch.ErrBlockedAddress) {
		t.Fatalf("a feed without an allowance: err = %v; want a blocked address", res.Err)
	}
	for _, want := range []string{"--allow-net 127.0.0.1/32", "--allow-private", fmt.Sprintf("poll --now %d", bare.ID)} {
		if !strings.Contains(res.Source.LastError, want) {
			t.Errorf("recorded error %q does not name %q", res.Source.LastError, want)
		}
	}
	if strings.Contains(res.Source.LastError, "--no-check") {
		t.Errorf("recorded error %q suggests --no-check, which does not help", res.Source.LastError)
	}
}
