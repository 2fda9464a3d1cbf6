package feed

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// peakHeap runs f and returns the largest live heap seen while it ran,
// sampled every millisecond, above the heap before it started.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(stop)
	wg.Wait()
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapAlloc)
	if peak < base {
		return 0
	}
	return peak - base
}

// hugeRSS is an RSS feed of about size bytes made of many small items.
func hugeRSS(size int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>big</title><link>https://big.example/</link>`)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "<item><title>t%d</title><link>https://big.example/%d</link></item>", i, i)
	}
	b.WriteString("</channel></rss>")
	return []byte(b.String())
}

// hugeJSONFeed is a JSON Feed of about size bytes made of many small items.
func hugeJSONFeed(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"version":"https://jsonfeed.org/version/1.1","title":"big","items":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d","url":"https://big.example/%d","title":"t%d","content_text":"x"}`, i, i, i)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

// benchPeak parses data with the given item cap and reports the peak heap
// (MB above the heap before) and the input size.
func benchPeak(b *testing.B, data []byte, maxItems int) {
	b.ReportAllocs()
	var peak uint64
	for b.Loop() {
		peak = max(peak, peakHeap(func() {
			f, err := Parse(data, "", ParseOptions{MaxItems: maxItems})
			if err != nil {
				b.Fatal(err)
			}
			runtime.KeepAlive(f)
		}))
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
	b.ReportMetric(float64(len(data))/(1<<20), "input-MB")
}

// The worst feeds of issue 15: 20 MiB of tiny items, uncapped (as before
// the per-poll cap) and capped at the default 500.
func BenchmarkPeakRSS20MiB(b *testing.B) {
	data := hugeRSS(MaxSize - 1024)
	b.Run("uncapped", func(b *testing.B) { benchPeak(b, data, 0) })
	b.Run("max500", func(b *testing.B) { benchPeak(b, data, 500) })
}

func BenchmarkPeakJSONFeed20MiB(b *testing.B) {
	data := hugeJSONFeed(MaxSize - 1024)
	b.Run("uncapped", func(b *testing.B) { benchPeak(b, data, 0) })
	b.Run("max500", func(b *testing.B) { benchPeak(b, data, 500) })
}
