//go:build linux

package eval

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/newsvault/newsvault/internal/story"
)

// arrivals is the corpus ten times over (45,000 articles with distinct IDs),
// each copy shifted 400 days later, in arrival order.
func arrivals(b *testing.B) []story.Article {
	docs := corpus(b)
	out := make([]story.Article, 0, 10*len(docs))
	for k := range benchCopies() {
		for _, d := range docs {
			out = append(out, story.Article{ID: fmt.Sprintf("%d/%s", k, d.ID), Source: d.Source, Title: d.Title,
				Text: d.Text, Time: d.Time.Add(time.Duration(k) * 400 * 24 * time.Hour)})
		}
	}
	return out
}

// BenchmarkAssign45k assigns 45,000 articles one by one as they would
// arrive, refining every story.RefineEvery, and reports the per-article
// p50/p99 wall time, the same for the CPU time of the assigning thread
// (on a shared machine the wall time also counts waiting for a core), the
// total, and the peak heap in use (sampled every 500 articles and after
// each Refine).
func BenchmarkAssign45k(b *testing.B) {
	arts := arrivals(b)
	fold := folder(b)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for b.Loop() {
		runtime.GC()
		c := story.New(story.DefaultConfig(), fold)
		lat := make([]time.Duration, len(arts))
		cpu := make([]time.Duration, len(arts))
		var peak uint64
		sample := func() {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
		start := time.Now()
		for i, a := range arts {
			t, tc := time.Now(), threadCPU()
			if _, err := c.Assign(a); err != nil {
				b.Fatal(err)
			}
			cpu[i] = threadCPU() - tc
			lat[i] = time.Since(t)
			if (i+1)%story.RefineEvery == 0 {
				c.Refine()
				sample()
			} else if (i+1)%500 == 0 {
				sample()
			}
		}
		total := time.Since(start)
		slices.Sort(lat)
		slices.Sort(cpu)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(float64(cpu[len(cpu)/2].Microseconds()), "cpu-p50-µs")
		b.ReportMetric(float64(cpu[len(cpu)*99/100].Microseconds()), "cpu-p99-µs")
		b.ReportMetric(total.Seconds(), "total-s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(len(c.Stories(2))), "stories≥2")
	}
}

// threadCPU is the CPU time of the calling OS thread
// (CLOCK_THREAD_CPUTIME_ID; the caller locks its goroutine to the thread).
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

// BenchmarkRecluster45k re-clusters all 45,000 from scratch.
func BenchmarkRecluster45k(b *testing.B) {
	arts := arrivals(b)
	c := story.New(story.DefaultConfig(), folder(b))
	for b.Loop() {
		if err := c.Recluster(b.Context(), slices.Values(arts), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// benchCopies is how many times the corpus is replayed: 10 (45,000
// articles) unless NEWSVAULT_BENCH_COPIES says otherwise (for profiling).
func benchCopies() int {
	if n, err := strconv.Atoi(os.Getenv("NEWSVAULT_BENCH_COPIES")); err == nil && n > 0 {
		return n
	}
	return 10
}
