package main

import (
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/extract/eval"
	"github.com/newsvault/newsvault/internal/shareddata"
)

func newEvalCmd(cfg *cli.Config) *cobra.Command {
	var (
		dataDir string
		peers   bool
		sets    []string
		worst   int
		dump    string
	)
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Score article extraction on the shared benchmark pages, beside other Go extractors",
		Long: `eval runs the article extractor over benchmark pages with known answers and
prints, per data set, the body text's precision, recall and F1, pages per
second, and how many titles, authors and dates were right.

Data sets (found under --shared-data, default the shared data directory):
  scrapinghub          181 pages, reference = article body (mostly English)
  daniel-zh            248 Chinese pages, reference = headline + body; scored
                       as the extractor's title followed by its text
  zh-immortal-autumn   69 Chinese pages with hand-made body, author and date
  zh-gne               GeneralNewsExtractor's output for its own test pages
  zh-readability       Readability.js test pages
  zh-other             the remaining pages of zh-pages

Text is compared as multisets of 4-token shingles, where a token is one CJK
character or one run of other letters and digits. Precision and recall are
computed per page and averaged over the set; F1 is the harmonic mean of the
two averages. A page where an extractor returns nothing scores 0 and 0.

With --peers, go-trafilatura (default and with its fallback), readeck's
go-readability v2 and go-domdistiller run on the same pages in the same
process, each on the raw bytes as its README shows.`,
		Example: `  newsvault-bench eval --peers
  newsvault-bench eval --set daniel-zh --set scrapinghub --worst 10`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dataDir == "" {
				dataDir = shareddata.Find()
			}
			if dataDir == "" {
				return cli.Usagef("no --shared-data given and no shared data found (set %s)", shareddata.EnvVar)
			}
			for _, s := range sets {
				if !slices.Contains(eval.SetNames, s) {
					return cli.Usagef("unknown data set %q (known: %s)", s, strings.Join(eval.SetNames, ", "))
				}
			}
			loaded, err := eval.Load(dataDir, sets)
			if err != nil {
				return err
			}
			if len(loaded) == 0 {
				return fmt.Errorf("no data sets found under %s", dataDir)
			}
			x, err := cfg.Extractor()
			if err != nil {
				return err
			}
			extractors := []eval.Extractor{eval.Ours(x)}
			if peers {
				extractors = append(extractors, eval.Peers()...)
			}
			reports, err := eval.Run(cmd.Context(), loaded, extractors)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "data: %s (one goroutine, GOMAXPROCS %d)\n\n", dataDir, runtime.GOMAXPROCS(0))
			eval.Print(w, reports)
			if worst > 0 {
				eval.PrintWorst(w, reports, worst)
			}
			if dump != "" {
				if err := eval.Dump(dump, reports); err != nil {
					return fmt.Errorf("dump: %w", err)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "shared-data", "", "the shared data directory holding extraction/ and zh-pages/ (default: $"+shareddata.EnvVar+", else ../shared/data found upwards)")
	f.BoolVar(&peers, "peers", false, "also run go-trafilatura, go-readability and go-domdistiller")
	f.StringArrayVar(&sets, "set", nil, "run only this data set (repeatable)")
	f.IntVar(&worst, "worst", 0, "list this many lowest-scoring pages per set")
	f.StringVar(&dump, "dump", "", "write every extracted text and reference under this directory")
	return cmd
}
