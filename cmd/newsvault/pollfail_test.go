package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPollOnceFailsWhenItemsFail: a poll that archives some items but not
// others exits non-zero with one line saying so, and feeds list shows the
// failures and their reason.
func TestPollOnceFailsWhenItemsFail(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>半坏的订阅源</title>
<item><title>好条目</title><link>https://ok.example/1</link><description>好条目的正文。</description></item>
<item><title>坏条目</title><link>http://[::1</link><description>链接坏了。</description></item>
</channel></rss>`)
	}))
	defer srv.Close()
	data := t.TempDir()
	if out, err := run(t, ctx, data, "feeds", "add", srv.URL+"/feed.xml", "--mode", "feed", "--no-check"); err != nil {
		t.Fatalf("feeds add: %v\n%s", err, out)
	}
	out, err := run(t, ctx, data, "poll", "--once")
	if err == nil || !strings.Contains(err.Error(), "1 items in 1 feeds were not archived") || !strings.Contains(out, "1 items failed") {
		t.Fatalf("poll --once: err %v\n%s", err, out)
	}
	out, _ = run(t, ctx, data, "feeds", "list")
	if !strings.Contains(out, "1 items failed") || !strings.Contains(out, "坏条目") {
		t.Errorf("feeds list does not show the failed item:\n%s", out)
	}
}
