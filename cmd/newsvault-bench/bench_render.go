package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/render"
	"github.com/newsvault/newsvault/internal/store/sqlite"
)

type renderOptions struct {
	pages, plain, tabs, hosts, images int
	compareBurst                      bool
}

func newBenchRenderCmd(cfg *cli.Config) *cobra.Command {
	var o renderOptions
	cmd := &cobra.Command{
		Use:   "render",
		Short: "Rendered captures per minute, peak browser memory, the cost of --render auto on plain pages",
		Long: `render serves a loopback news site whose articles exist only after their
scripts run (text inserted after a delay, loaded by fetch() from JSON,
revealed by scrolling) and archives --pages of them through the pipeline
with --render always and --tabs browser tabs: every request through the
guarded fetcher at the product's --host-rate, the pages spread over --hosts
host names. It reports rendered captures per minute (render, extract, store),
the time per capture and the peak memory of the browser's processes
(summed RSS, and PSS which counts shared pages once).

Then it archives --plain ordinary articles with --render auto and a browser
wired, and reports how many browsers that started (the target is none) and
the time per page beside the same pages with no browser wired.

Last, one page with --images same-host images is rendered at the host's
rate with the page's burst allowance (--render-burst), and, with
--compare-burst, without it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRenderBench(cmd.Context(), cfg, o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&o.pages, "pages", 60, "script-built pages rendered")
	cmd.Flags().IntVar(&o.plain, "plain", 200, "ordinary pages archived with --render auto")
	cmd.Flags().IntVar(&o.tabs, "tabs", render.DefaultTabs, "browser tabs (captures at once)")
	cmd.Flags().IntVar(&o.hosts, "hosts", 20, "host names the pages are spread over")
	cmd.Flags().IntVar(&o.images, "images", 30, "same-host images of the burst page")
	cmd.Flags().BoolVar(&o.compareBurst, "compare-burst", false, "also render the burst page without the allowance (takes up to --render-timeout)")
	return cmd
}

// benchResolver sends every *.bench.test name to loopback.
type benchResolver struct{}

func (benchResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	if strings.HasSuffix(host, ".bench.test") {
		return []net.IPAddr{{IP: net.IPv4(127, 0, 0, 1)}}, nil
	}
	return nil, &net.DNSError{Err: "not a bench host", Name: host, IsNotFound: true}
}

// renderSite is the loopback site of the render bench.
func renderSite(images int) *httptest.Server {
	para := strings.Repeat("记者从有关部门获悉，这项工作已经全面展开，各地正在按照统一部署推进落实，群众反映良好。", 4)
	page := func(w http.ResponseWriter, title, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>%s</title></head><body>%s</body></html>`, title, body)
	}
	build := `const a = document.createElement("article"); const h = document.createElement("h1"); h.textContent = d.title; a.appendChild(h);
for (const t of d.paras) { const p = document.createElement("p"); p.textContent = t; a.appendChild(p); }
document.getElementById("app").appendChild(a);`
	mux := http.NewServeMux()
	mux.HandleFunc("/delayed/{n}", func(w http.ResponseWriter, r *http.Request) {
		n := r.PathValue("n")
		page(w, "脚本稍后插入 "+n, fmt.Sprintf(`<div id="app"></div><script>setTimeout(() => { const d = {title: "脚本稍后插入的文章 %s", paras: [%q, %q, %q]}; %s }, 200);</script>`, n, para, para, para, build))
	})
	mux.HandleFunc("/json/{n}", func(w http.ResponseWriter, r *http.Request) {
		page(w, "接口载入", `<div id="app"></div><script>fetch("/data/`+r.PathValue("n")+`.json").then(r => r.json()).then(d => { `+build+` });</script>`)
	})
	mux.HandleFunc("/data/{file}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"title": "从接口载入的文章 %s", "paras": [%q, %q, %q]}`, r.PathValue("file"), para, para, para)
	})
	mux.HandleFunc("/scroll/{n}", func(w http.ResponseWriter, r *http.Request) {
		page(w, "滚动", `<div style="height: 4000px">顶部</div><div id="app"></div>
<script>new IntersectionObserver((es, o) => { if (es[0].isIntersecting) { o.disconnect();
  fetch("/data/s`+r.PathValue("n")+`.json").then(r => r.json()).then(d => { `+build+` }); } }).observe(document.getElementById("app"));</script>`)
	})
	mux.HandleFunc("/plain/{n}", func(w http.ResponseWriter, r *http.Request) {
		page(w, "普通文章", fmt.Sprintf(`<article><h1>普通文章 %s</h1><p>%s</p><p>%s</p><p>%s</p></article>`, r.PathValue("n"), para, para, para))
	})
	mux.HandleFunc("/gallery", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		for i := range images {
			fmt.Fprintf(&b, `<p><img src="/img/%d.png"></p>`, i)
		}
		page(w, "图集", `<article><h1>图集</h1><p>`+para+`</p><p>`+para+`</p>`+b.String()+`</article>`)
	})
	mux.HandleFunc("/img/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(benchPNG)
	})
	return httptest.NewServer(mux)
}

// benchPNG is a 1×1 PNG.
var benchPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// renderBenchEnv is a store, blobs and pipeline in a temporary directory.
type renderBenchEnv struct {
	st   *sqlite.Store
	pipe *pipeline.Pipeline
}

func openRenderBenchEnv(ctx context.Context, dir string, client *fetch.Client, r pipeline.Renderer) (*renderBenchEnv, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "nv.db"))
	if err != nil {
		return nil, err
	}
	blobs, err := blob.Open(filepath.Join(dir, "blobs"), blob.Options{})
	if err != nil {
		st.Close()
		return nil, err
	}
	opts := pipeline.Options{SkipImages: true}
	if r != nil {
		opts.Renderer = r
	}
	return &renderBenchEnv{st: st, pipe: pipeline.New(st, blobs, client, extract.New(extract.Options{}), nil, opts)}, nil
}

func runRenderBench(ctx context.Context, cfg *cli.Config, o renderOptions, out io.Writer) error {
	site := renderSite(o.images)
	defer site.Close()
	_, port, _ := net.SplitHostPort(site.Listener.Addr().String())
	hostURL := func(i int) string { return fmt.Sprintf("http://h%d.bench.test:%s", i%max(o.hosts, 1), port) }
	rate := cfg.HostRate
	if rate == 0 {
		rate = -1
	}
	newClient := func() *fetch.Client {
		return fetch.New(fetch.Config{AllowPrivate: true, Resolver: benchResolver{}, HostRate: rate, HostConns: cfg.HostConns, Retries: -1, Timeout: cfg.Timeout})
	}
	dir, err := os.MkdirTemp("", "newsvault-bench-render-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	client := newClient()
	burst := cfg.RenderBurst
	if burst == 0 {
		burst = -1
	}
	r := render.New(client, render.Config{Tabs: o.tabs, Timeout: cfg.RenderTimeout, HostBurst: burst, PDF: cfg.RenderPDF})
	defer r.Close()
	if err := r.Available(); err != nil {
		return err
	}
	env, err := openRenderBenchEnv(ctx, filepath.Join(dir, "rendered"), client, r)
	if err != nil {
		return err
	}
	defer env.st.Close()
	fmt.Fprintf(out, "render: %d script-built pages, %d tabs, %d hosts at --host-rate %g\n", o.pages, o.tabs, o.hosts, cfg.HostRate)

	// The browser starts before the clock, as it does once per process.
	warm := time.Now()
	if _, err := env.pipe.ArchiveURLRender(ctx, hostURL(0)+"/json/warm", nil, archive.RenderAlways); err != nil {
		return fmt.Errorf("first capture: %w", err)
	}
	fmt.Fprintf(out, "  browser start and first capture  %s\n", time.Since(warm).Round(time.Millisecond))

	var peakRSS, peakPSS atomic.Int64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if v := r.BrowserRSS(); v > peakRSS.Load() {
				peakRSS.Store(v)
			}
			if v := r.BrowserPSS(); v > peakPSS.Load() {
				peakPSS.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	kinds := []string{"delayed", "json", "scroll"}
	var next atomic.Int64
	var mu sync.Mutex
	var took []time.Duration
	var failed []string
	start := time.Now()
	var wg sync.WaitGroup
	for range o.tabs {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= o.pages {
					return
				}
				u := fmt.Sprintf("%s/%s/%d", hostURL(i), kinds[i%len(kinds)], i)
				t0 := time.Now()
				_, err := env.pipe.ArchiveURLRender(ctx, u, nil, archive.RenderAlways)
				mu.Lock()
				if err != nil {
					failed = append(failed, fmt.Sprintf("%s: %v", u, err))
				} else {
					took = append(took, time.Since(t0))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	sampler.Wait()
	slices.Sort(took)
	fmt.Fprintf(out, "  rendered captures  %d ok, %d failed in %s: %.1f captures/min\n", len(took), len(failed), elapsed.Round(time.Millisecond),
		float64(len(took))/elapsed.Minutes())
	if len(took) > 0 {
		fmt.Fprintf(out, "  per capture        p50 %s  p95 %s  max %s\n", pct(took, 50), pct(took, 95), took[len(took)-1].Round(time.Millisecond))
	}
	fmt.Fprintf(out, "  peak browser memory  RSS %.0f MiB (summed over processes), PSS %.0f MiB\n", mb(peakRSS.Load()), mb(peakPSS.Load()))
	fmt.Fprintf(out, "  browsers started   %d; direct connections refused at the sink %d\n", r.Starts(), r.DirectAttempts())
	for _, f := range failed[:min(len(failed), 5)] {
		fmt.Fprintf(out, "  failed: %s\n", f)
	}

	if err := benchAuto(ctx, o, hostURL, newClient, filepath.Join(dir, "auto"), out); err != nil {
		return err
	}
	return benchBurst(ctx, cfg, o, port, newClient, out)
}

// benchAuto archives plain pages with and without a browser wired.
func benchAuto(ctx context.Context, o renderOptions, hostURL func(int) string, newClient func() *fetch.Client, dir string, out io.Writer) error {
	fmt.Fprintf(out, "auto: %d ordinary pages archived with --render auto\n", o.plain)
	for _, wired := range []bool{false, true} {
		client := newClient()
		r := render.New(client, render.Config{})
		var pr pipeline.Renderer
		name := "no browser wired"
		if wired {
			pr, name = r, "browser wired    "
		}
		env, err := openRenderBenchEnv(ctx, filepath.Join(dir, fmt.Sprint(wired)), client, pr)
		if err != nil {
			return err
		}
		start := time.Now()
		for i := range o.plain {
			// One host per page: the host rate is not what is measured.
			u := fmt.Sprintf("%s/plain/%d", strings.Replace(hostURL(0), "h0.", fmt.Sprintf("p%d.", i), 1), i)
			if _, err := env.pipe.ArchiveURLRender(ctx, u, nil, archive.RenderAuto); err != nil {
				env.st.Close()
				r.Close()
				return fmt.Errorf("%s: %w", u, err)
			}
		}
		per := time.Since(start) / time.Duration(max(o.plain, 1))
		fmt.Fprintf(out, "  %s  %s per page, browsers started %d\n", name, per.Round(10*time.Microsecond), r.Starts())
		env.st.Close()
		r.Close()
	}
	return nil
}

// benchBurst renders one page with many same-host images at the host's
// rate, with the burst allowance and, when asked, without.
func benchBurst(ctx context.Context, cfg *cli.Config, o renderOptions, port string, newClient func() *fetch.Client, out io.Writer) error {
	fmt.Fprintf(out, "burst: one page with %d same-host images at --host-rate %g, --render-timeout %s\n", o.images, cfg.HostRate, cfg.RenderTimeout)
	cases := []int{cfg.RenderBurst}
	if o.compareBurst {
		cases = append(cases, 0)
	}
	for i, b := range cases {
		hb := b
		if hb == 0 {
			hb = -1
		}
		r := render.New(newClient(), render.Config{Timeout: cfg.RenderTimeout, HostBurst: hb})
		u := fmt.Sprintf("http://g%d.bench.test:%s/gallery", i, port)
		res, err := r.Render(ctx, u, render.Options{})
		images := 0
		if res != nil {
			for _, resp := range res.Responses {
				if strings.Contains(resp.URL, "/img/") && resp.OK() {
					images++
				}
			}
		}
		what := "rendered"
		if err != nil {
			what = "stopped: " + err.Error()
			if errors.Is(err, render.ErrTimeout) {
				what = "stopped at the time limit"
			}
		}
		var elapsed time.Duration
		if res != nil {
			elapsed = res.Elapsed
		}
		fmt.Fprintf(out, "  --render-burst %-3d  %s in %s, %d of %d images loaded\n", b, what, elapsed.Round(time.Millisecond), images, o.images)
		r.Close()
	}
	return nil
}

func pct(sorted []time.Duration, p int) time.Duration {
	return sorted[min(len(sorted)-1, len(sorted)*p/100)].Round(time.Millisecond)
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
