package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/story"
)

func newBenchStoriesCmd(cfg *cli.Config) *cobra.Command {
	var copies int
	cmd := &cobra.Command{
		Use:   "stories",
		Short: "Assign the news corpus ×10 to stories one by one, then re-cluster it all",
		Long: `stories loads the shared news corpus (news-md and news-md-jekyll, about
4,470 articles), replays it --copies times (10: about 45,000 articles, each
replay 400 days after the one before, so stories never span replays) and
assigns every article to a story one by one in publication order, as they
would arrive, refining every ` + fmt.Sprint(story.RefineEvery) + ` arrivals. It prints the per-article
cost (p50, p99 and max, wall time and the assigning thread's CPU time: on a
shared machine the wall time also counts waiting for a core), the total,
the peak heap in use, and the time to re-cluster all of them from scratch.
The target is p99 under 5 ms.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			root := shareddata.Find()
			if root == "" {
				return cli.Usagef("no shared data found (set %s)", shareddata.EnvVar)
			}
			an, err := search.NewAnalyzer()
			if err != nil {
				return err
			}
			arts, err := storyCorpus(root, an, copies)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "articles:          %d (%d replays of %d)\n", len(arts), copies, len(arts)/max(copies, 1))

			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			runtime.GC()
			c := story.New(story.DefaultConfig(), an.Fold)
			wall := make([]time.Duration, len(arts))
			cpu := make([]time.Duration, len(arts))
			var peak uint64
			sample := func() {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			start := time.Now()
			for i, a := range arts {
				t0, c0 := time.Now(), threadCPU()
				if _, err := c.Assign(a); err != nil {
					return err
				}
				cpu[i], wall[i] = threadCPU()-c0, time.Since(t0)
				if (i+1)%story.RefineEvery == 0 {
					c.Refine()
					sample()
				} else if (i+1)%500 == 0 {
					sample()
				}
			}
			total := time.Since(start)
			slices.Sort(wall)
			slices.Sort(cpu)
			q := func(d []time.Duration, p float64) string {
				return fmt.Sprintf("%.0f µs", float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()))
			}
			fmt.Fprintf(w, "assign wall:       p50 %s  p99 %s  max %s\n", q(wall, 0.5), q(wall, 0.99), q(wall, 1))
			if cpu[len(cpu)-1] > 0 {
				fmt.Fprintf(w, "assign thread CPU: p50 %s  p99 %s  max %s\n", q(cpu, 0.5), q(cpu, 0.99), q(cpu, 1))
			}
			fmt.Fprintf(w, "assign total:      %s (refining included)\n", total.Round(time.Millisecond))
			fmt.Fprintf(w, "peak heap in use:  %.1f MiB\n", float64(peak)/(1<<20))
			fmt.Fprintf(w, "stories of ≥2:     %d\n", len(c.Stories(2)))
			start = time.Now()
			if err := c.Recluster(cmd.Context(), slices.Values(arts), nil); err != nil {
				return err
			}
			fmt.Fprintf(w, "re-cluster all:    %s\n", time.Since(start).Round(time.Millisecond))
			fmt.Fprintf(w, "peak RSS:          %s\n", peakRSS())
			return nil
		},
	}
	cmd.Flags().IntVar(&copies, "copies", 10, "how many times to replay the corpus")
	return cmd
}

// storyCorpus loads the news corpus in publication order, copies times
// over with distinct IDs, each replay 400 days later.
func storyCorpus(root string, an *search.Analyzer, copies int) ([]story.Article, error) {
	type line struct {
		File string `json:"file"`
	}
	var files []string
	for _, m := range []string{"news-md.manifest.jsonl", "news-md-jekyll.manifest.jsonl"} {
		f, err := os.Open(filepath.Join(root, m))
		if err != nil {
			return nil, fmt.Errorf("story corpus: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var l line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				f.Close()
				return nil, fmt.Errorf("story corpus %s: %w", m, err)
			}
			files = append(files, filepath.Join(root, l.File))
		}
		f.Close()
	}
	docs := prepareBenchDocs(an, files)
	base := make([]story.Article, 0, len(docs))
	for _, d := range docs {
		// A mirror file's header carries its publication time.
		base = append(base, story.Article{ID: d.w.Article.URL, Source: d.outlet, Title: d.w.Version.Title, Text: d.w.Version.Text,
			Time: d.w.Version.Published.UTC()})
	}
	slices.SortStableFunc(base, func(a, b story.Article) int { return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.ID, b.ID)) })
	out := make([]story.Article, 0, copies*len(base))
	for k := range copies {
		for _, a := range base {
			a.ID = fmt.Sprintf("%d/%s", k, a.ID)
			a.Time = a.Time.Add(time.Duration(k) * 400 * 24 * time.Hour)
			out = append(out, a)
		}
	}
	return out, nil
}
