// Command newsvault-bench measures newsvault on real data: import
// throughput, search latency, the server under load while feeds are
// polled, and the article extractor's accuracy beside other Go extractors.
// It is built apart from cmd/newsvault so that the product binary carries
// neither the measuring code nor the peer extractors it compares against.
package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/shareddata"
)

func main() {
	os.Exit(cli.Run("newsvault-bench", newRootCmd(os.LookupEnv)))
}

// newRootCmd builds the command tree, reading the environment through
// lookup. The global flags are the product's (fetch limits, logging, site
// rules); each measurement makes its own store in a temporary directory.
func newRootCmd(lookup func(string) (string, bool)) *cobra.Command {
	cfg := &cli.Config{}
	root := &cobra.Command{
		Use:   "newsvault-bench",
		Short: "Measure newsvault's speed and extraction accuracy on real data",
		Long: `newsvault-bench measures newsvault on real data, by default the shared
data found at ../shared/data (or $` + shareddata.EnvVar + `):

  import   articles imported per second and peak memory
  search   search latency over a store of the news corpus
  load     the web server under concurrent readers while feeds are polled
  eval     article extraction precision and recall beside other Go extractors
  publish  a full and an incremental publish of a large archive (static site, markdown)
  stories  story assignment cost at 45,000 articles, and re-clustering them
  watch    re-checks per second, and picking due checks among millions
  render   rendered captures per minute, peak browser memory, --render auto on plain pages
  site-search  the static site's search index: recall and bytes per query
  queue    archiving throughput with 1, 2, 4 worker processes; how soon a
           due job starts among a million queued re-checks
  scale    archives of 100,000 and 1,000,000 articles: import, size, search, listing`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return cli.Configure(cmd, cfg, lookup)
		},
	}
	cli.Bind(root, cfg)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return cli.UsageError{Err: err} })
	root.AddCommand(newBenchImportCmd(cfg), newBenchSearchCmd(cfg), newBenchLoadCmd(cfg), newEvalCmd(cfg), newBenchPublishCmd(cfg),
		newBenchStoriesCmd(cfg), newBenchWatchCmd(cfg), newBenchRenderCmd(cfg), newBenchSiteSearchCmd(cfg), newBenchQueueCmd(cfg),
		newBenchScaleCmd(cfg))
	return root
}
