package render

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkRender renders the loopback site's script-built pages (delayed
// text, fetch() from JSON, scroll-revealed text) with the default 2 tabs
// and reports rendered captures per minute and the peak memory of the
// browser's process tree (sampled every 100 ms from /proc: summed RSS,
// which counts shared pages once per process, and summed PSS). The browser
// is started before the timer.
func BenchmarkRender(b *testing.B) {
	if err := available(New(nil, Config{}).cfg.ExecPath); err != nil {
		b.Skip(err)
	}
	f := newFixture(b, Config{})
	ctx := b.Context()
	if _, err := f.r.Render(ctx, f.site.URL+"/json", Options{}); err != nil {
		b.Fatal(err)
	}
	var peak, peakPSS atomic.Int64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if rss := f.r.BrowserRSS(); rss > peak.Load() {
				peak.Store(rss)
			}
			if pss := f.r.BrowserPSS(); pss > peakPSS.Load() {
				peakPSS.Store(pss)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	pages := []string{"/delayed", "/json", "/scroll"}
	var done, failed atomic.Int64
	b.ResetTimer()
	for b.Loop() {
		// One round: 2 workers share 6 captures, so both tabs stay busy.
		var wg sync.WaitGroup
		var next atomic.Int64
		for range DefaultTabs {
			wg.Go(func() {
				for {
					i := next.Add(1) - 1
					if i >= 6 {
						return
					}
					if _, err := f.r.Render(ctx, f.site.URL+pages[i%3], Options{}); err != nil {
						failed.Add(1)
						b.Log(err)
						continue
					}
					done.Add(1)
				}
			})
		}
		wg.Wait()
	}
	close(stop)
	sampler.Wait()
	b.ReportMetric(float64(done.Load())/b.Elapsed().Minutes(), "captures/min")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-browser-RSS-MB")
	b.ReportMetric(float64(peakPSS.Load())/(1<<20), "peak-browser-PSS-MB")
	b.ReportMetric(float64(failed.Load()), "failed")
}
