package main

import (
	"context"
	"database/sql"
	"fmt"
	_ "github.com/jackc/pgx/v5/stdlib"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/jobs"
	"github.com/newsvault/newsvault/internal/newssite"
	"github.com/newsvault/newsvault/internal/store/pgtest"
)

// queueBackend is one database the job queue (and, once the binary has
// --store, the archive) can live in.
type queueBackend struct {
	name string
	// args gives the flags that put a data directory's queue (and store)
	// on this backend.
	args func(t *testing.T, bin string) []string
}

var queueBackends = []queueBackend{
	{"sqlite", func(*testing.T, string) []string { return nil }},
	{"postgres", func(t *testing.T, bin string) []string {
		url := pgtest.DSN(t)
		return []string{"--queue", url, "--store", url}
	}},
}

// openTestQueue opens the queue that flags name for the data directory.
func openTestQueue(t *testing.T, data string, flags []string) *jobs.Queue {
	t.Helper()
	url := jobs.QueueURL(data, "")
	if i := slices.Index(flags, "--queue"); i >= 0 {
		url = flags[i+1]
	}
	q, err := jobs.OpenQueue(context.Background(), url, jobs.QueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

// waitQueueDrained waits until no job of kind is waiting, running or
// due for a retry, and returns the final counts by state.
func waitQueueDrained(t *testing.T, q *jobs.Queue, kind string, timeout time.Duration, alive func() string) map[string]int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := q.Counts(context.Background(), kind)
		if err != nil {
			t.Fatal(err)
		}
		if c["available"]+c["running"]+c["retryable"]+c["scheduled"]+c["pending"] == 0 {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs still not done after %s: %v\n%s", timeout, c, alive())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Three workers archive a news site's pages from the queue while two of
// them are killed with SIGKILL mid-run (and replaced): afterwards every
// page is one article with one version, every image is stored, and every
// job is completed: none stuck, none lost, none run into a duplicate.
func TestKilledWorkersLoseNoJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds newsvault and runs several processes")
	}
	bin := buildNewsvault(t)
	for _, be := range queueBackends {
		t.Run(be.name, func(t *testing.T) { testKilledWorkers(t, bin, be) })
	}
}

func testKilledWorkers(t *testing.T, bin string, be queueBackend) {
	const feeds, perFeed = 2, 40
	site := newssite.New(feeds, perFeed, 15*time.Millisecond)
	t.Cleanup(site.Close)
	data := t.TempDir()
	flags := append([]string{"--data", data, "--allow-private", "--host-rate", "0", "--host-conns", "0", "--log-level", "warn", "--no-render"}, be.args(t, bin)...)
	var urls []string
	for f := range feeds {
		for i := 1; i <= perFeed; i++ {
			urls = append(urls, fmt.Sprintf("%s/news/%d/%d.html", site.URL(), f, i))
		}
	}
	// Two processes queue overlapping URLs at the same moment: one job
	// per URL.
	var wg sync.WaitGroup
	for _, part := range [][]string{urls, urls[:20]} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, append(append(slices.Clone(flags), "archive", "--later"), part...)...)
			cmd.Env = childEnv()
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("archive --later: %v\n%s", err, out)
			}
		}()
	}
	wg.Wait()
	q := openTestQueue(t, data, flags)
	if c, err := q.Counts(context.Background(), "archive_url"); err != nil || c["available"] != len(urls) {
		t.Fatalf("queued %v (%v), want %d available archive jobs", c, err, len(urls))
	}

	worker := func() *crashProc {
		return startNewsvault(t, bin, append(slices.Clone(flags), "worker", "--queues", "archive=2,feeds=1,publish=1", "--lease", "5s", "--tick", "1s")...)
	}
	procs := []*crashProc{worker(), worker(), worker()}
	t.Cleanup(func() {
		for _, p := range procs {
			_ = p.cmd.Process.Kill()
		}
	})
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 12))
	kills := 0
	// Each page brings two more requests (its image, the shared logo
	// once): kill at random points of the first two thirds of the run.
	for _, at := range []int64{int64(len(urls)/4) + rng.Int64N(int64(len(urls)/4)), int64(len(urls)/2) + rng.Int64N(int64(len(urls)/2))} {
		victim := rng.IntN(len(procs))
		p := procs[victim]
		killed, after := p.killOn(p.when(func() bool { return site.Served() >= at }, time.Duration(rng.Int64N(int64(20*time.Millisecond)))))
		if killed {
			kills++
		}
		t.Logf("worker %d killed=%v after %s, %d requests served", victim, killed, after.Round(time.Millisecond), site.Served())
		procs[victim] = worker()
	}
	outputs := func() string {
		var b strings.Builder
		for i, p := range procs {
			fmt.Fprintf(&b, "--- worker %d:\n%s", i, p.output())
		}
		return b.String()
	}
	counts := waitQueueDrained(t, q, "archive_url", 3*time.Minute, outputs)
	if counts["completed"] != len(urls) || len(counts) != 1 {
		t.Errorf("archive jobs by state %v, want all %d completed", counts, len(urls))
	}
	retried, err := q.Retried(context.Background(), "archive_url")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d kills; jobs %v, %d of them run more than once (taken back from a killed worker)", kills, counts, retried)

	db, ph := openStoreDB(t, data), "?"
	if i := slices.Index(flags, "--store"); i >= 0 {
		db, ph = openPostgresDB(t, flags[i+1]), "$1"
	}
	checkArchivedOnce(t, db, ph, urls, site)
}

// openPostgresDB opens the PostgreSQL archive at url for the checks.
func openPostgresDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// checkArchivedOnce checks that each URL is one article with one version,
// and that the store holds every image the site served.
// The SQL is the same on both stores but for the placeholder, ph.
func checkArchivedOnce(t *testing.T, db *sql.DB, ph string, urls []string, site *newssite.Site) {
	t.Helper()
	var articles, versions, multi int
	if err := db.QueryRow(`SELECT count(*), coalesce(sum(version_count), 0), coalesce(sum(CASE WHEN version_count > 1 THEN 1 ELSE 0 END), 0) FROM articles`).Scan(&articles, &versions, &multi); err != nil {
		t.Fatal(err)
	}
	if articles != len(urls) || versions != len(urls) || multi != 0 {
		t.Errorf("%d articles with %d versions (%d with more than one), want %d each with one", articles, versions, multi, len(urls))
	}
	var rows int
	if err := db.QueryRow(`SELECT count(*) FROM versions`).Scan(&rows); err != nil || rows != len(urls) {
		t.Errorf("%d version rows (%v), want %d", rows, err, len(urls))
	}
	for _, h := range site.ImageHashes() {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM assets WHERE hash = `+ph, h).Scan(&n); err != nil || n != 1 {
			t.Errorf("image %s stored %d times (%v), want once", h, n, err)
		}
	}
}

// Two worker processes share one host's budget: with --host-conns 1 the
// site never sees two requests at once, and with --host-rate 5 no two
// requests k apart come less than k-1 turns of 200ms apart (a request
// may start late after its turn, not early; one turn of slack covers a
// late start on a loaded machine).
func TestHostLimitsHoldAcrossWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds newsvault and runs several processes")
	}
	bin := buildNewsvault(t)
	const pages, rate = 8, 5.0
	var mu sync.Mutex
	var inFlight, maxInFlight int
	var arrivals []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		mu.Unlock()
		// Long enough that two workers would overlap without the
		// shared gate.
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>测试 %[1]s</title></head><body><article><h1>限速测试第%[1]s篇</h1>
<p>两个进程共用同一个站点的访问预算，每秒不超过规定的请求数。这是第%[1]s篇文章的正文，内容足够长，可以被当作文章提取出来。</p>
<p>第二段落继续说明：无论有多少个工作进程，同一时间只有一个请求到达这个站点。</p></article></body></html>`, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	data := t.TempDir()
	flags := []string{"--data", data, "--allow-private", "--host-rate", fmt.Sprint(rate), "--host-conns", "1", "--log-level", "warn", "--no-render"}
	var urls []string
	for i := range pages {
		urls = append(urls, fmt.Sprintf("%s/a/%d.html", srv.URL, i))
	}
	runNewsvault(t, bin, append(append(slices.Clone(flags), "archive", "--later"), urls...)...)
	var procs []*crashProc
	for range 2 {
		procs = append(procs, startNewsvault(t, bin, append(slices.Clone(flags), "worker", "--queues", "archive=4")...))
	}
	t.Cleanup(func() {
		for _, p := range procs {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	q := openTestQueue(t, data, flags)
	counts := waitQueueDrained(t, q, "archive_url", 2*time.Minute, func() string { return procs[0].output() + procs[1].output() })
	if counts["completed"] != pages {
		t.Fatalf("archive jobs %v, want %d completed", counts, pages)
	}
	mu.Lock()
	defer mu.Unlock()
	if maxInFlight != 1 {
		t.Errorf("%d requests to the host at once, want 1", maxInFlight)
	}
	step := time.Duration(float64(time.Second) / rate)
	for j := range arrivals {
		for k := j + 1; k < len(arrivals); k++ {
			if gap := arrivals[k].Sub(arrivals[j]); gap < time.Duration(k-j-1)*step {
				t.Errorf("requests %d and %d came %s apart, too close for %v a second", j, k, gap, rate)
			}
		}
	}
	t.Logf("%d requests over %s, at most %d at once", len(arrivals), arrivals[len(arrivals)-1].Sub(arrivals[0]).Round(time.Millisecond), maxInFlight)
}

// serve, left to itself, turns a due feed into a poll job and works it:
// the feed's items are archived without any worker process.
func TestServePollsFeedsThroughTheQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("builds newsvault and runs it")
	}
	bin := buildNewsvault(t)
	const items = 6
	site := newssite.New(1, items, 0)
	t.Cleanup(site.Close)
	data := t.TempDir()
	flags := []string{"--data", data, "--allow-private", "--host-rate", "0", "--log-level", "warn", "--no-render"}
	runNewsvault(t, bin, append(slices.Clone(flags), "feeds", "add", site.FeedURL(0), "--mode", "page")...)
	p := startNewsvault(t, bin, append(slices.Clone(flags), "serve", "--listen", "127.0.0.1:0", "--tick", "1s")...)
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	deadline := time.Now().Add(2 * time.Minute)
	for {
		n, _ := countArticles(data)
		if n == items {
			break
		}
		if time.Now().After(deadline) || chanClosed(p.done) {
			t.Fatalf("%d of %d items archived\n%s", n, items, p.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	q := openTestQueue(t, data, flags)
	c := waitQueueDrained(t, q, "poll_feed", time.Minute, p.output)
	if c["completed"] < 1 {
		t.Errorf("poll jobs %v, want one completed", c)
	}
}
