package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/store/sqlite"
	"github.com/newsvault/newsvault/internal/watch"
	"github.com/newsvault/newsvault/internal/watcher"
)

type watchOptions struct {
	articles int
	rounds   int
	workers  int
	dueRows  int
	picks    int
	profile  string
	captures bool
}

func newBenchWatchCmd(cfg *cli.Config) *cobra.Command {
	var o watchOptions
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Re-checks per second and peak memory; time to pick due checks from millions of scheduled rows",
		Long: `watch builds a store of --articles articles (through the store API, not
HTTP), all on one loopback news site, and runs --rounds rounds of re-checks
with the host limits off; before each round the site edits 1% of the
articles and removes another 1%. It reports checks per second, the outcomes
and the peak resident memory. Then it fills a separate store with --due-rows
scheduled articles (directly in SQL) and times --picks picks of the due
checks (500 at a time, as the watcher picks them).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWatchBench(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&o.articles, "articles", 100_000, "articles in the store")
	cmd.Flags().IntVar(&o.rounds, "rounds", 1, "rounds of checks")
	cmd.Flags().IntVar(&o.workers, "workers", 8, "checks run at once")
	cmd.Flags().IntVar(&o.dueRows, "due-rows", 10_000_000, "scheduled rows for the pick measurement (0 skips it)")
	cmd.Flags().IntVar(&o.picks, "picks", 300, "picks of due checks timed")
	cmd.Flags().BoolVar(&o.captures, "captures", true, "archive each article with the capture of its page (false: no captures, so every first check extracts)")
	cmd.Flags().StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the check rounds to this file")
	return cmd
}

// benchSite is the loopback site: article n's page, edited (a counter in
// one sentence) or removed (404) as the rounds go.
type benchSite struct {
	mu      sync.RWMutex
	edits   []uint16
	removed []bool
}

// benchMarker is replaced by an article's number in the page template.
const benchMarker = "NUMBER0"

func benchPage(n string, edit uint16) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>第` + n + `号道路改造工程今日启动 - 示例新闻网</title></head><body><nav><a href="/">首页</a></nav><article><h1>第` + n + `号道路改造工程今日启动</h1>`)
	for i := range 8 {
		fmt.Fprintf(&b, "<p>第%d段：记者了解到，第%s号工程附近的居民对这次改造的意见不一，有人认为道路拓宽以后出行更加方便，也有人担心施工期间的噪音和灰尘影响生活。相关部门表示，将在%d月底前公布详细方案。</p>", i+1, n, i+3)
	}
	fmt.Fprintf(&b, "<p>截至发稿时，共有%d位居民提交了书面意见。</p></article><footer>版权所有</footer></body></html>", 100+int(edit))
	return b.String()
}

func (s *benchSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/a/"), ".html"))
	s.mu.RLock()
	if err != nil || n < 0 || n >= len(s.edits) || s.removed[n] {
		s.mu.RUnlock()
		http.NotFound(w, r)
		return
	}
	edit := s.edits[n]
	s.mu.RUnlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, benchPage(strconv.Itoa(n), edit))
}

func runWatchBench(ctx context.Context, o watchOptions, out io.Writer) error {
	dir, err := os.MkdirTemp("", "newsvault-bench-watch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "nv.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	blobs, err := blob.Open(filepath.Join(dir, "blobs"), blob.Options{})
	if err != nil {
		return err
	}
	site := &benchSite{edits: make([]uint16, o.articles), removed: make([]bool, o.articles)}
	srv := httptest.NewServer(site)
	defer srv.Close()
	var clockMu sync.Mutex
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	client := fetch.New(fetch.Config{AllowAddrPort: func(ap netip.AddrPort) bool { return ap.Addr().IsLoopback() },
		HostRate: -1, HostConns: -1, Retries: -1})
	x := extract.New(extract.Options{})
	pipe := pipeline.New(st, blobs, client, x, nil, pipeline.Options{Now: clock, SkipImages: true})
	w := watcher.New(st, blobs, client, x, pipe, watcher.Options{Now: clock, Workers: o.workers, PerHost: 1 << 20, Batch: 500})

	// The stored version of every article is what the watcher would make
	// of its page: one page is extracted, the others differ only in the
	// article's number. Each article keeps the capture of the page it was
	// archived from, as the pipeline leaves it.
	start := time.Now()
	sample, err := sampleVersion(ctx, x, pipe, srv.URL)
	if err != nil {
		return err
	}
	src, err := pipe.ManualSource(ctx)
	if err != nil {
		return err
	}
	for lo := 0; lo < o.articles; lo += 1000 {
		var ws []*store.ArticleWrite
		for n := lo; n < min(lo+1000, o.articles); n++ {
			ns := strconv.Itoa(n)
			v := sample
			v.Title = strings.ReplaceAll(v.Title, benchMarker, ns)
			v.Text = strings.ReplaceAll(v.Text, benchMarker, ns)
			v.HTML = strings.ReplaceAll(v.HTML, benchMarker, ns)
			v.Hash = archive.ContentHash(&v)
			u := fmt.Sprintf("%s/a/%d.html", srv.URL, n)
			var c *archive.Capture
			if o.captures {
				body := []byte(benchPage(ns, 0))
				hash, _, err := blobs.PutDeferred(ctx, body)
				if err != nil {
					return err
				}
				c = &archive.Capture{URL: u, FinalURL: u, Status: 200, ContentType: "text/html; charset=utf-8", FetchedAt: t0,
					BodyHash: hash, Size: int64(len(body)), Header: map[string][]string{"Content-Type": {"text/html; charset=utf-8"}}}
			}
			ws = append(ws, &store.ArticleWrite{Article: archive.Article{URL: u, SourceID: src.ID}, Version: v, Capture: c, SeenAt: t0,
				Watch: &store.WatchStart{Next: t0.Add(time.Hour)}})
		}
		if _, err := st.SaveArticles(ctx, ws); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "store: %d articles written in %s\n", o.articles, time.Since(start).Round(time.Millisecond))

	if o.profile != "" {
		f, err := os.Create(o.profile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer f.Close()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var total int
	var elapsed time.Duration
	for round := 1; round <= o.rounds; round++ {
		// 1% edited, 1% removed, among those still there.
		site.mu.Lock()
		for range o.articles / 100 {
			site.edits[rng.IntN(o.articles)]++
			site.removed[rng.IntN(o.articles)] = true
		}
		site.mu.Unlock()
		next, err := st.DueChecks(ctx, t0.AddDate(10, 0, 0), 1)
		if err != nil || len(next) == 0 {
			return fmt.Errorf("nothing scheduled: %v", err)
		}
		clockMu.Lock()
		now = next[0].NextCheck
		clockMu.Unlock()
		outcomes := map[watch.Outcome]int{}
		checked, failed := 0, 0
		rs := time.Now()
		for {
			sum, err := w.RunDue(ctx)
			if err != nil {
				return err
			}
			checked += sum.Checked
			failed += sum.Failed
			for k, v := range sum.Outcomes {
				outcomes[k] += v
			}
			if sum.Checked+sum.Failed == 0 {
				break
			}
			if sum.Failed > 0 {
				return fmt.Errorf("round %d: %d checks failed, first: %v", round, sum.Failed, firstErr(sum))
			}
		}
		d := time.Since(rs)
		total += checked
		elapsed += d
		fmt.Fprintf(out, "round %d at +%s: %d checks in %s = %.0f checks/s; %s\n", round, now.Sub(t0), checked, d.Round(time.Millisecond),
			float64(checked)/d.Seconds(), outcomesText(outcomes))
	}
	pprof.StopCPUProfile()
	if elapsed > 0 {
		fmt.Fprintf(out, "checks: %d in %s = %.0f checks/s (%d workers, host limits off, GOMAXPROCS %d); peak RSS of the process %s\n",
			total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), o.workers, runtime.GOMAXPROCS(0), peakRSS())
	}
	if o.dueRows > 0 {
		return pickBench(ctx, dir, o, out)
	}
	return nil
}

func firstErr(s watcher.Summary) error {
	for _, r := range s.Results {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}

func outcomesText(m map[watch.Outcome]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%d %s", v, k))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// sampleVersion extracts the page template as the watcher would.
func sampleVersion(ctx context.Context, x *extract.Extractor, pipe *pipeline.Pipeline, base string) (archive.Version, error) {
	body := []byte(benchPage(benchMarker, 0))
	u := base + "/a/" + benchMarker + ".html"
	resp := &fetch.Response{URL: u, FinalURL: u, Status: 200, Body: body, ContentType: "text/html; charset=utf-8", Header: http.Header{}}
	res, err := x.Extract(ctx, extract.Page{URL: u, ContentType: resp.ContentType, Body: body})
	if err != nil {
		return archive.Version{}, fmt.Errorf("extract the bench page: %w", err)
	}
	return pipe.NewRecheck(nil, u, resp, res).Version, nil
}

// pickBench fills a store with o.dueRows scheduled articles directly in
// SQL and times picking the due checks.
func pickBench(ctx context.Context, dir string, o watchOptions, out io.Writer) error {
	path := filepath.Join(dir, "pick.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	start := time.Now()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	// Listing indexes are not what is measured: leave them out of the
	// bulk fill.
	const year = 365 * 24 * 3600 * 1000
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for _, q := range []string{
		`DROP INDEX articles_sort`, `DROP INDEX articles_source_sort`,
		fmt.Sprintf(`INSERT INTO articles (id, url, sort_at, first_seen_at, last_seen_at)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			SELECT i, 'https://news.test/' || i, %d, %d, %d FROM n`, o.dueRows, t0, t0, t0),
		fmt.Sprintf(`INSERT INTO article_watch (article_id, status, status_since, first_seen_at, next_check_at)
			SELECT id, 'alive', %d, %d, %d + abs(random() %% %d) FROM articles`, t0, t0, t0, year),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			return fmt.Errorf("fill the pick store: %w", err)
		}
	}
	db.Close()
	fmt.Fprintf(out, "pick store: %d scheduled articles written in %s\n", o.dueRows, time.Since(start).Round(time.Second))
	rng := rand.New(rand.NewPCG(3, 4))
	// The picks run on one locked OS thread so that its CPU time, which a
	// busy machine does not inflate, can be reported beside wall time.
	// The first picks of a freshly opened store read its pages from disk;
	// a watcher that picks every few seconds never sees them, so they are
	// run but not counted.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const warmup = 5
	var wall, cpu []time.Duration
	for i := range warmup + o.picks {
		at := time.UnixMilli(t0 + rng.Int64N(year)).UTC()
		s, c := time.Now(), threadCPU()
		due, err := st.DueChecks(ctx, at, 500)
		if err != nil {
			return err
		}
		if i >= warmup {
			wall, cpu = append(wall, time.Since(s)), append(cpu, threadCPU()-c)
		}
		if len(due) == 0 && at.UnixMilli() > t0+year/100 {
			return fmt.Errorf("no checks due at %s", at)
		}
	}
	slices.Sort(wall)
	slices.Sort(cpu)
	fmt.Fprintf(out, "pick 500 due of %d scheduled (%d picks after %d warm-up): wall p50 %s, p99 %s, max %s; thread CPU p50 %s, p99 %s\n",
		o.dueRows, len(wall), warmup,
		fmtLatency(loadPercentile(wall, 0.50)), fmtLatency(loadPercentile(wall, 0.99)), fmtLatency(wall[len(wall)-1]),
		fmtLatency(loadPercentile(cpu, 0.50)), fmtLatency(loadPercentile(cpu, 0.99)))
	return st.Close()
}
