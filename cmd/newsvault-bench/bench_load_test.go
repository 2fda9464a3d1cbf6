package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/shareddata"
)

// TestTheServerKeepsAnsweringReadsWhileFeedsArePolled runs bench load for a
// few seconds with a few clients: every read is answered without a server
// error or a broken connection while the poll loop writes to the store. It
// asserts no timing.
func TestTheServerKeepsAnsweringReadsWhileFeedsArePolled(t *testing.T) {
	opts := loadOptions{
		Clients: 4, Duration: 3 * time.Second, Feeds: 2, PollEvery: 200 * time.Millisecond,
		ReportEvery: time.Second, Seed: 1, Dir: t.TempDir(),
	}
	if d := shareddata.Find(); d != "" {
		opts.Corpus, opts.CorpusFiles = []string{filepath.Join(d, "news-md")}, 300
	} else {
		t.Log("shared data not found: reading only the news site's articles")
	}
	cfg := &cli.Config{LogLevel: "warn", Timeout: 10 * time.Second, MaxBody: 32 << 20}
	var out strings.Builder
	rep, err := runLoad(context.Background(), cfg, opts, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.failure(); err != nil {
		t.Error(err)
	}
	if rep.Requests == 0 || rep.Poll.Rounds == 0 {
		t.Errorf("%d requests, %d poll rounds", rep.Requests, rep.Poll.Rounds)
	}
	for _, k := range loadKinds() {
		if len(rep.Latency[k]) == 0 {
			t.Errorf("no %s request was made", k)
		}
	}
	if rep.Status[200] != rep.Requests {
		t.Errorf("not every read was answered 200: %v", rep.Status)
	}
}
