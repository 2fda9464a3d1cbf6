package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/store/sqlite"
	"github.com/newsvault/newsvault/internal/stories"
)

func newBenchImportCmd(cfg *cli.Config) *cobra.Command {
	var keep, noStories bool
	cmd := &cobra.Command{
		Use:   "import [PATH]",
		Short: "Import a corpus into a fresh store and report articles per second and peak memory",
		Long: `import imports PATH (default: the shared news-md corpus found at
../shared/data/news-md) into a new, empty store in a temporary directory,
with blob writes synced and the search index written as in normal use, and
prints the throughput and the process's peak resident memory. Copies and
stories are found as in normal use (after each batch's transaction) unless
--no-stories is given, which measures the import alone.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			path := ""
			if len(args) == 1 {
				path = args[0]
			} else if d := shareddata.Find(); d != "" {
				path = filepath.Join(d, "news-md")
			} else {
				return cli.Usagef("no PATH given and no shared data found (set %s)", shareddata.EnvVar)
			}
			dir, err := os.MkdirTemp("", "newsvault-bench-")
			if err != nil {
				return err
			}
			if !keep {
				defer os.RemoveAll(dir)
			}
			log := cfg.Logger()
			st, err := sqlite.Open(ctx, filepath.Join(dir, "newsvault.db"))
			if err != nil {
				return err
			}
			defer st.Close()
			blobs, err := blob.Open(filepath.Join(dir, "blobs"), blob.Options{})
			if err != nil {
				return err
			}
			an, err := search.NewAnalyzer()
			if err != nil {
				return err
			}
			x, err := cfg.Extractor()
			if err != nil {
				return err
			}
			opts := pipeline.Options{SkipImages: true, Indexer: an}
			var rel *stories.Service
			if !noStories {
				if rel, err = stories.Open(ctx, st, an.Fold, stories.Options{Logger: log}); err != nil {
					return err
				}
				opts.Related = rel
			}
			p := pipeline.New(st, blobs, nil, x, log, opts)
			start := time.Now()
			rep, err := p.Import(ctx, []string{path}, pipeline.ImportOptions{})
			if err != nil {
				return err
			}
			el := time.Since(start)
			stats, _ := st.Stats(ctx)
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "files:           %d (%d failed)\n", rep.Files, len(rep.Failed))
			fmt.Fprintf(w, "articles:        %d (versions %d, captures %d)\n", stats.Articles, stats.Versions, stats.Captures)
			fmt.Fprintf(w, "elapsed:         %s on %d CPUs\n", el.Round(time.Millisecond), runtime.GOMAXPROCS(0))
			fmt.Fprintf(w, "files/second:    %.0f\n", float64(rep.Files)/el.Seconds())
			if rel != nil {
				_, total, err := rel.Stories(ctx, 2, 1, 0)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "stories of ≥2:   %d (copies and stories found during the import)\n", total)
			}
			fmt.Fprintf(w, "peak RSS:        %s\n", peakRSS())
			if keep {
				fmt.Fprintf(w, "store kept in:   %s\n", dir)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary store and print where it is")
	cmd.Flags().BoolVar(&noStories, "no-stories", false, "do not find copies and stories (the import alone)")
	return cmd
}

// peakRSS reads the process's peak resident set size from /proc (Linux);
// elsewhere it reports the Go runtime's view.
func peakRSS() string {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				f := strings.Fields(rest)
				if len(f) == 2 {
					if kb, err := strconv.Atoi(f[0]); err == nil {
						return fmt.Sprintf("%.1f MB", float64(kb)/1024)
					}
				}
			}
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return fmt.Sprintf("%.1f MB (Go runtime Sys)", float64(m.Sys)/(1<<20))
}
