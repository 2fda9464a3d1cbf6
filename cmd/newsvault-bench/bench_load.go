package main

//newsvault:direct-client bench load drives our own server on loopback with plain HTTP clients, and its fixture news site is an in-process httptest server.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/newssite"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/web"
)

func newBenchLoadCmd(cfg *cli.Config) *cobra.Command {
	var opts loadOptions
	var seed int64
	cmd := &cobra.Command{
		Use:   "load [PATH]",
		Short: "Serve a real store under concurrent readers while feeds are polled, and report latency, errors and memory",
		Long: `load builds a store in a temporary directory, imports PATH into it
(default: the shared news-md corpus found at ../shared/data/news-md, or
nothing when there is none), starts the web server as serve wires it on a
loopback port, and starts a news site in this process (feeds, pages and
PNG images generated in code, with new items and edits appearing as time
goes on) whose feeds are polled in a loop for the whole run, so the store
is written while it is read.

--clients HTTP clients then read for --duration, each request one of:
/, /articles/{id}, /articles/{id}/versions, /search?q=, /sources,
/api/v1/articles, /api/v1/articles/{id}, /api/v1/search?q= and
/assets/{hash}. Search terms are Chinese words drawn from the titles of the
stored articles. Only GET requests are made.

It prints a progress line every --report, then the number of requests and
requests per second, the count of each status code, latency percentiles
(p50, p90, p99, max) overall and per route, what the poll loop archived,
and memory sampled every second: resident set size and the Go heap still
live after the last collection, at the start of the load, at 10 s, at its
peak and at the end. The clients, the news site and the poll loop run in
this process too, so the figures include them.

It exits non-zero when any request got a 5xx answer or failed in
transport, or when a poll of the news site failed.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Clients < 1 || opts.Duration <= 0 || opts.Feeds < 1 || opts.CorpusFiles < 0 {
				return cli.UsageError{Err: errors.New("--clients and --feeds must be at least 1, --duration positive, --corpus-files not negative")}
			}
			if len(args) == 1 {
				opts.Corpus = []string{args[0]}
			} else if d := shareddata.Find(); d != "" {
				opts.Corpus = []string{filepath.Join(d, "news-md")}
			}
			opts.Seed = seed
			if !cmd.Flags().Changed("seed") {
				opts.Seed = time.Now().UnixNano()
			}
			c := *cfg
			if f := cmd.Flag("log-level"); f == nil || !f.Changed {
				// Every poll logs a line at info; they would bury the
				// progress lines.
				c.LogLevel = "warn"
			}
			rep, err := runLoad(cmd.Context(), &c, opts, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			if err := rep.failure(); err != nil {
				return err
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Clients, "clients", 16, "concurrent HTTP clients, each making one request after another")
	f.DurationVar(&opts.Duration, "duration", 60*time.Second, "how long the clients read")
	f.IntVar(&opts.CorpusFiles, "corpus-files", 0, "import at most this many files of PATH, spread evenly over it (0: all)")
	f.IntVar(&opts.Feeds, "feeds", 4, "feeds on the in-process news site (half archived from their pages with images, half from the feed's content)")
	f.DurationVar(&opts.PollEvery, "poll-every", time.Second, "pause between rounds of the poll loop (each round polls every feed)")
	f.DurationVar(&opts.ReportEvery, "report", 5*time.Second, "time between progress lines")
	f.Int64Var(&seed, "seed", 0, "seed for the clients' choice of routes, articles and search terms (default: from the clock; printed)")
	f.BoolVar(&opts.Keep, "keep", false, "keep the temporary store and print where it is")
	return cmd
}

// loadOptions tune runLoad.
type loadOptions struct {
	Corpus      []string // files or directory trees imported first; none: only the news site's articles
	CorpusFiles int      // import at most this many of their files, spread evenly; 0: all
	Clients     int
	Duration    time.Duration
	Feeds       int           // feeds on the news site
	PollEvery   time.Duration // pause between poll rounds
	ReportEvery time.Duration // between progress lines; 0: 5s
	Seed        int64
	Dir         string // the store's directory; "": a new temporary one, removed at the end unless Keep
	Keep        bool
}

// loadRoutes are the kinds of request the clients make, with how often each
// is chosen (out of the sum of the weights).
var loadRoutes = []struct {
	kind   string
	weight int
}{
	{"home", 10}, {"article", 20}, {"versions", 8}, {"search", 14}, {"sources", 5},
	{"api-list", 10}, {"api-article", 14}, {"api-search", 11}, {"asset", 8},
}

// loadReport is what runLoad measured.
type loadReport struct {
	Requests        int64
	Elapsed         time.Duration
	Status          map[int]int64
	ServerErrors    int64 // answers with a 5xx status
	TransportErrors int64 // requests that got no complete answer
	Errors          []string
	Latency         map[string][]time.Duration // per route kind, sorted; "all" for every request
	Poll            pollStats
	Memory          []memSample
}

// failure says why the run counts as failed, or nil.
func (r *loadReport) failure() error {
	var why []string
	if r.ServerErrors > 0 {
		why = append(why, fmt.Sprintf("%d answers with a 5xx status", r.ServerErrors))
	}
	if r.TransportErrors > 0 {
		why = append(why, fmt.Sprintf("%d transport errors", r.TransportErrors))
	}
	if r.Poll.Failed > 0 || r.Poll.ItemErrors > 0 {
		why = append(why, fmt.Sprintf("%d failed polls and %d items not archived", r.Poll.Failed, r.Poll.ItemErrors))
	}
	if len(why) == 0 {
		return nil
	}
	msg := "under load: " + strings.Join(why, ", ")
	if len(r.Errors) > 0 {
		msg += " (first: " + r.Errors[0] + ")"
	}
	return errors.New(msg)
}

// pollStats counts what the poll loop did.
type pollStats struct {
	Rounds, Polls, NewArticles, NewVersions, Failed, ItemErrors int
	FirstError                                                  string
}

// memSample is the process's memory at one moment of the run.
type memSample struct {
	At       time.Duration // since the clients started
	RSS      uint64        // resident set size; 0 where unknown
	HeapLive uint64        // Go heap live after the last collection
}

// runLoad builds a store, serves it over loopback while the poll loop
// writes to it, drives opts.Clients readers for opts.Duration and reports.
// Progress lines and the summary go to w. It returns an error only when the
// run could not be set up; errors seen under load are in the report.
func runLoad(ctx context.Context, cfg *cli.Config, opts loadOptions, w io.Writer) (*loadReport, error) {
	if opts.ReportEvery <= 0 {
		opts.ReportEvery = 5 * time.Second
	}
	if opts.PollEvery <= 0 {
		opts.PollEvery = time.Second
	}
	dir := opts.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "newsvault-load-"); err != nil {
			return nil, err
		}
		if !opts.Keep {
			defer os.RemoveAll(dir)
		}
	}
	c := *cfg
	c.DataDir = dir
	// The news site is ours and on loopback: no SSRF guard, and no
	// politeness limit to speak of.
	c.AllowPrivate = true
	c.HostRate = 1e6
	a, err := cli.Open(ctx, &c)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	fmt.Fprintf(w, "seed:            %d\n", opts.Seed)

	// The corpus.
	if len(opts.Corpus) > 0 {
		files, err := pipeline.ImportFiles(opts.Corpus)
		if err != nil {
			return nil, err
		}
		files = spreadFiles(files, opts.CorpusFiles)
		start := time.Now()
		rep, err := a.Pipe.Import(ctx, files, pipeline.ImportOptions{})
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "store:           %d files imported in %s: %d articles (%d failed)\n",
			rep.Files, time.Since(start).Round(time.Millisecond), rep.NewArticles, len(rep.Failed))
	} else {
		fmt.Fprintf(w, "store:           no corpus imported, only the news site's articles\n")
	}

	// The news site and its feeds, polled once before the load so that
	// there are images to ask for.
	site := newssite.New(opts.Feeds, 0, 0)
	defer site.Close()
	for f := 0; f < opts.Feeds; f++ {
		mode := archive.ModePage
		if f%2 == 1 {
			mode = archive.ModeFeed
		}
		src := &archive.Source{Kind: archive.KindFeed, FeedURL: site.FeedURL(f), Mode: mode, TimeZone: "Asia/Shanghai", Interval: time.Minute}
		if err := a.Store.CreateSource(ctx, src); err != nil {
			return nil, err
		}
	}
	var ps pollStats
	var psMu sync.Mutex
	pollRound(ctx, a, &ps, &psMu)
	fmt.Fprintf(w, "news site:       %d feeds at %s; first poll: %d new articles\n", opts.Feeds, site.URL(), ps.NewArticles)

	// The web server, wired as serve wires it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	// serve's default read access: public on loopback. The clients only
	// read, so they need no login.
	access, err := cli.ReadAccessFor("auto", addr)
	if err != nil {
		ln.Close()
		return nil, err
	}
	handler, err := web.New(web.Config{
		Store: a.Store, Blobs: a.Blobs, Archiver: a.Pipe, Analyzer: a.Search, Logger: a.Log, Location: time.Local,
		Jobs: web.JobOptions{Workers: 2}, AllowedHosts: cli.LoopbackHosts(addr), Auth: a.Store, ReadAccess: access,
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	go srv.Serve(ln)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		handler.Shutdown(sctx)
	}()

	// What the clients ask for.
	tg := &loadTargets{}
	if err := tg.refresh(ctx, a, site, 1<<30); err != nil {
		return nil, err
	}
	terms, err := searchTerms(ctx, a, opts.Seed)
	if err != nil {
		return nil, err
	}
	tg.terms = terms
	fmt.Fprintf(w, "targets:         %d articles, %d images, %d search terms (e.g. %s)\n",
		len(*tg.ids.Load()), len(*tg.hashes.Load()), len(terms), strings.Join(terms[:min(5, len(terms))], ", "))
	fmt.Fprintf(w, "load:            %d clients for %s on http://%s, feeds polled every %s\n", opts.Clients, opts.Duration, addr, opts.PollEvery)

	// Run: poll loop, target refresher, memory sampler, clients.
	runCtx, stop := context.WithTimeout(ctx, opts.Duration)
	defer stop()
	var bg sync.WaitGroup
	bg.Add(2)
	go func() {
		defer bg.Done()
		// A round under way when the run ends is let finish, so that
		// the end of the run does not show up as failed writes.
		for sleepOrDone(runCtx, opts.PollEvery) {
			pollRound(ctx, a, &ps, &psMu)
		}
	}()
	go func() {
		defer bg.Done()
		for sleepOrDone(runCtx, 2*time.Second) {
			tg.refresh(runCtx, a, site, 200)
		}
	}()

	var requests, serverErrs, transportErrs atomic.Int64
	start := time.Now()
	var memMu sync.Mutex
	// Collect what setting up left behind, so that the start figure is
	// the live heap the server begins with.
	runtime.GC()
	mem := []memSample{sampleMemory(0)}
	bg.Add(1)
	go func() {
		defer bg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		lastReport, lastReq := time.Duration(0), int64(0)
		psMu.Lock()
		startArticles, startVersions := ps.NewArticles, ps.NewVersions
		psMu.Unlock()
		// Nothing here waits on the store: a sample must not be late
		// because the server keeps the database busy.
		for {
			select {
			case <-runCtx.Done():
				return
			case <-tick.C:
			}
			s := sampleMemory(time.Since(start))
			memMu.Lock()
			mem = append(mem, s)
			memMu.Unlock()
			if s.At-lastReport >= opts.ReportEvery-opts.ReportEvery/10 {
				n := requests.Load()
				psMu.Lock()
				polls, failed, arts, vers := ps.Polls, ps.Failed, ps.NewArticles-startArticles, ps.NewVersions-startVersions
				psMu.Unlock()
				fmt.Fprintf(w, "%6.0fs  requests %8d  %6.0f/s  5xx %d  transport errors %d  heap %s  RSS %s  polled +%d articles +%d versions (%d polls, %d failed)\n",
					s.At.Seconds(), n, float64(n-lastReq)/(s.At-lastReport).Seconds(), serverErrs.Load(), transportErrs.Load(),
					fmtMB(s.HeapLive), fmtMB(s.RSS), arts, vers, polls, failed)
				lastReport, lastReq = s.At, n
			}
		}
	}()

	client := &http.Client{
		Transport: &http.Transport{MaxIdleConns: opts.Clients, MaxIdleConnsPerHost: opts.Clients, IdleConnTimeout: time.Minute},
		Timeout:   60 * time.Second,
	}
	defer client.CloseIdleConnections()
	base := "http://" + addr
	type clientResult struct {
		latency map[string][]time.Duration
		status  map[int]int64
		errs    []string
	}
	results := make([]clientResult, opts.Clients)
	var clients sync.WaitGroup
	for i := range opts.Clients {
		clients.Add(1)
		go func() {
			defer clients.Done()
			rng := rand.New(rand.NewPCG(uint64(opts.Seed), uint64(i)))
			res := clientResult{latency: map[string][]time.Duration{}, status: map[int]int64{}}
			// Each client first makes one request of every kind, so that a
			// short run covers them all; then it picks by weight.
			for n := 0; runCtx.Err() == nil; n++ {
				var kind string
				if n < len(loadRoutes) {
					kind = loadRoutes[(n+i)%len(loadRoutes)].kind
				} else {
					kind = pickRoute(rng)
				}
				path := tg.path(kind, rng)
				// A request started before the end is let finish: cutting
				// it off would only measure the cut.
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						break // interrupted
					}
					transportErrs.Add(1)
					if len(res.errs) < 5 {
						res.errs = append(res.errs, fmt.Sprintf("GET %s: %v", path, err))
					}
					continue
				}
				requests.Add(1)
				res.latency[kind] = append(res.latency[kind], d)
				res.status[resp.StatusCode]++
				if resp.StatusCode >= 500 {
					serverErrs.Add(1)
					if len(res.errs) < 5 {
						res.errs = append(res.errs, fmt.Sprintf("GET %s: %s", path, resp.Status))
					}
				}
			}
			results[i] = res
		}()
	}
	clients.Wait()
	elapsed := time.Since(start)
	stop()
	bg.Wait()
	memMu.Lock()
	mem = append(mem, sampleMemory(elapsed))
	memMu.Unlock()

	rep := &loadReport{
		Requests: requests.Load(), Elapsed: elapsed, Status: map[int]int64{}, Latency: map[string][]time.Duration{},
		ServerErrors: serverErrs.Load(), TransportErrors: transportErrs.Load(), Memory: mem,
	}
	psMu.Lock()
	rep.Poll = ps
	psMu.Unlock()
	for _, r := range results {
		for k, ds := range r.latency {
			rep.Latency[k] = append(rep.Latency[k], ds...)
			rep.Latency["all"] = append(rep.Latency["all"], ds...)
		}
		for code, n := range r.status {
			rep.Status[code] += n
		}
		rep.Errors = append(rep.Errors, r.errs...)
	}
	for _, ds := range rep.Latency {
		slices.Sort(ds)
	}
	rep.print(w)
	if opts.Keep && opts.Dir == "" {
		fmt.Fprintf(w, "store kept in:   %s\n", dir)
	}
	return rep, nil
}

// print writes the summary.
func (r *loadReport) print(w io.Writer) {
	fmt.Fprintf(w, "requests:        %d in %s: %.0f/s\n", r.Requests, r.Elapsed.Round(time.Millisecond), float64(r.Requests)/r.Elapsed.Seconds())
	codes := make([]int, 0, len(r.Status))
	for c := range r.Status {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var sb strings.Builder
	for _, c := range codes {
		fmt.Fprintf(&sb, "  %d: %d", c, r.Status[c])
	}
	fmt.Fprintf(w, "status:         %s  (5xx: %d, transport errors: %d)\n", sb.String(), r.ServerErrors, r.TransportErrors)
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
	fmt.Fprintf(w, "latency:         %-12s %8s %9s %9s %9s %9s\n", "route", "requests", "p50", "p90", "p99", "max")
	for _, k := range append([]string{"all"}, loadKinds()...) {
		ds := r.Latency[k]
		if len(ds) == 0 {
			continue
		}
		fmt.Fprintf(w, "                 %-12s %8d %9s %9s %9s %9s\n", k, len(ds),
			fmtLatency(loadPercentile(ds, .5)), fmtLatency(loadPercentile(ds, .9)), fmtLatency(loadPercentile(ds, .99)), fmtLatency(ds[len(ds)-1]))
	}
	p := r.Poll
	fmt.Fprintf(w, "poll loop:       %d rounds, %d feed polls: %d new articles, %d new versions, %d failed polls, %d items not archived\n",
		p.Rounds, p.Polls, p.NewArticles, p.NewVersions, p.Failed, p.ItemErrors)
	if p.FirstError != "" {
		fmt.Fprintf(w, "  poll error: %s\n", p.FirstError)
	}
	if len(r.Memory) == 0 {
		return
	}
	first, last := r.Memory[0], r.Memory[len(r.Memory)-1]
	var peak memSample
	var at10 *memSample
	for i, s := range r.Memory {
		peak.RSS = max(peak.RSS, s.RSS)
		peak.HeapLive = max(peak.HeapLive, s.HeapLive)
		if at10 == nil && s.At >= 10*time.Second {
			at10 = &r.Memory[i]
		}
	}
	line := func(name string, get func(memSample) uint64) {
		fmt.Fprintf(w, "%-17sstart %s", name, fmtMB(get(first)))
		if at10 != nil {
			fmt.Fprintf(w, ", at 10s %s", fmtMB(get(*at10)))
		}
		fmt.Fprintf(w, ", peak %s, end %s", fmtMB(get(peak)), fmtMB(get(last)))
		if at10 != nil && get(*at10) > 0 {
			fmt.Fprintf(w, " (end/10s %.2f)", float64(get(last))/float64(get(*at10)))
		}
		fmt.Fprintln(w)
	}
	line("memory RSS:", func(s memSample) uint64 { return s.RSS })
	line("Go heap live:", func(s memSample) uint64 { return s.HeapLive })
	fmt.Fprintf(w, "                 sampled every second, %d samples; the clients, the news site and the poll loop run in this process too\n", len(r.Memory))
}

func loadKinds() []string {
	out := make([]string, len(loadRoutes))
	for i, r := range loadRoutes {
		out[i] = r.kind
	}
	return out
}

func pickRoute(rng *rand.Rand) string {
	total := 0
	for _, r := range loadRoutes {
		total += r.weight
	}
	n := rng.IntN(total)
	for _, r := range loadRoutes {
		if n < r.weight {
			return r.kind
		}
		n -= r.weight
	}
	return loadRoutes[0].kind
}

// percentile returns the p-quantile of sorted durations.
func loadPercentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

func fmtLatency(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

func fmtMB(b uint64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
}

// sleepCtx waits d and reports whether ctx is still live.
func sleepOrDone(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// spread returns at most n of files (all when n is 0), evenly spaced so
// that every directory of a corpus is represented.
func spreadFiles(files []string, n int) []string {
	if n <= 0 || n >= len(files) {
		return files
	}
	out := make([]string, n)
	for i := range out {
		out[i] = files[i*len(files)/n]
	}
	return out
}

// pollRound polls every followed feed once, adding what happened to ps.
func pollRound(ctx context.Context, a *cli.App, ps *pollStats, mu *sync.Mutex) {
	srcs, err := a.Store.Sources(ctx)
	if err != nil {
		if ctx.Err() == nil {
			mu.Lock()
			ps.Failed++
			ps.FirstError = firstNonEmpty(ps.FirstError, err.Error())
			mu.Unlock()
		}
		return
	}
	for _, src := range srcs {
		if src.Kind != archive.KindFeed || ctx.Err() != nil {
			continue
		}
		r := a.Pipe.Poll(ctx, src)
		if ctx.Err() != nil {
			return // cut short by the end of the run, not a failure
		}
		mu.Lock()
		ps.Polls++
		ps.NewArticles += r.NewArticles
		ps.NewVersions += r.NewVersions
		ps.ItemErrors += r.ItemErrors
		if r.Err != nil {
			ps.Failed++
			ps.FirstError = firstNonEmpty(ps.FirstError, r.Err.Error())
		}
		mu.Unlock()
	}
	mu.Lock()
	ps.Rounds++
	mu.Unlock()
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// sampleMemory reads the resident set size (Linux) and the Go heap live
// after the last collection; neither stops the world.
func sampleMemory(at time.Duration) memSample {
	s := memSample{At: at}
	m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(m)
	if m[0].Value.Kind() == metrics.KindUint64 {
		s.HeapLive = m[0].Value.Uint64()
	}
	if runtime.GOOS == "linux" {
		if b, err := os.ReadFile("/proc/self/status"); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
					if f := strings.Fields(rest); len(f) == 2 {
						if kb, err := strconv.ParseUint(f[0], 10, 64); err == nil {
							s.RSS = kb << 10
						}
					}
				}
			}
		}
	}
	return s
}

// loadTargets are the articles, images and search terms the clients ask
// for. The poll loop adds articles and images as the run goes; refresh
// picks them up.
type loadTargets struct {
	ids    atomic.Pointer[[]int64]
	hashes atomic.Pointer[[]string]
	terms  []string
}

// refresh adds the newest limit articles to the IDs asked for (articles
// are never removed while the run lasts) and reloads the hashes of the
// images stored so far.
func (tg *loadTargets) refresh(ctx context.Context, a *cli.App, site *newssite.Site, limit int) error {
	list, err := a.Store.Articles(ctx, store.ArticleFilter{Limit: limit})
	if err != nil {
		return err
	}
	var ids []int64
	if old := tg.ids.Load(); old != nil {
		ids = slices.Clone(*old)
	}
	known := make(map[int64]bool, len(ids))
	for _, id := range ids {
		known[id] = true
	}
	for _, art := range list {
		if !known[art.ID] {
			ids = append(ids, art.ID)
		}
	}
	var hashes []string
	for _, h := range site.ImageHashes() {
		if _, err := a.Store.Asset(ctx, h); err == nil {
			hashes = append(hashes, h)
		}
	}
	if len(ids) == 0 {
		return errors.New("load: the store has no articles to read")
	}
	tg.ids.Store(&ids)
	tg.hashes.Store(&hashes)
	return nil
}

// path returns a request path of the given kind.
func (tg *loadTargets) path(kind string, rng *rand.Rand) string {
	ids := *tg.ids.Load()
	id := strconv.FormatInt(ids[rng.IntN(len(ids))], 10)
	q := url.QueryEscape(tg.terms[rng.IntN(len(tg.terms))])
	switch kind {
	case "home":
		return "/"
	case "article":
		return "/articles/" + id
	case "versions":
		return "/articles/" + id + "/versions"
	case "search":
		return "/search?q=" + q
	case "sources":
		return "/sources"
	case "api-list":
		return "/api/v1/articles?limit=20&offset=" + strconv.Itoa(rng.IntN(len(ids)))
	case "api-article":
		return "/api/v1/articles/" + id
	case "api-search":
		return "/api/v1/search?q=" + q
	case "asset":
		if hs := *tg.hashes.Load(); len(hs) > 0 {
			return "/assets/" + hs[rng.IntN(len(hs))]
		}
		return "/api/v1/articles/" + id
	}
	return "/"
}

// searchTerms draws Chinese words from the titles of stored articles: a run
// of two to four Han characters between punctuation or Latin text, else two
// to four characters of a longer run; then a few pairs of them, and the
// queries bench search uses.
func searchTerms(ctx context.Context, a *cli.App, seed int64) ([]string, error) {
	list, err := a.Store.Articles(ctx, store.ArticleFilter{Limit: 5000})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5ea4c4))
	seen := map[string]bool{}
	var terms []string
	for _, i := range rng.Perm(len(list)) {
		if len(terms) >= 300 {
			break
		}
		var runs [][]rune
		var cur []rune
		for _, r := range list[i].Title + " " {
			if unicode.Is(unicode.Han, r) {
				cur = append(cur, r)
				continue
			}
			if len(cur) >= 2 {
				runs = append(runs, cur)
			}
			cur = nil
		}
		if len(runs) == 0 {
			continue
		}
		run := runs[rng.IntN(len(runs))]
		for _, r := range runs {
			if len(r) <= 4 && rng.IntN(2) == 0 {
				run = r
				break
			}
		}
		n := min(len(run), 2+rng.IntN(3))
		at := rng.IntN(len(run) - n + 1)
		if t := string(run[at : at+n]); !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	if len(terms) == 0 {
		return nil, errors.New("load: no Chinese titles to draw search terms from")
	}
	for i := 0; i < len(terms)/10; i++ {
		terms = append(terms, terms[rng.IntN(len(terms))]+" "+terms[rng.IntN(len(terms))])
	}
	return append(terms, shareddata.SearchQueries...), nil
}
