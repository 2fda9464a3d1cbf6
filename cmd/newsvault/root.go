package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/cli"
)

func newRootCmd() *cobra.Command {
	root, _ := newRoot(os.LookupEnv)
	return root
}

// newRoot builds the command tree reading the environment through lookup,
// and returns the Config its verbs will share.
func newRoot(lookup func(string) (string, bool)) (*cobra.Command, *cli.Config) {
	cfg := &cli.Config{}
	root := &cobra.Command{
		Use:   "newsvault",
		Short: "Keep durable, searchable copies of news articles",
		Long: `newsvault follows news feeds and URLs, keeps a clean copy of every article
with its images (and every raw response it fetched), records each edit as a
new version, and publishes the archive again as mirrors.

Everything lives in one data directory (--data, default ./newsvault-data):
an SQLite database and content-addressed blobs.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Runs before every verb: the environment fills what the command
		// line did not set, then the whole configuration is checked.
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return cli.Configure(cmd, cfg, lookup)
		},
	}
	cli.Bind(root, cfg)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return cli.UsageError{Err: err} })
	root.AddCommand(
		newServeCmd(cfg),
		newWorkerCmd(cfg),
		newFeedsCmd(cfg),
		newPollCmd(cfg),
		newArchiveCmd(cfg),
		newImportCmd(cfg),
		newExportCmd(cfg),
		newPublishCmd(cfg),
		newVerifyCmd(cfg),
		newShowCmd(cfg),
		newListCmd(cfg),
		newReindexCmd(cfg),
		newMigrateCmd(cfg),
		newStoriesCmd(cfg),
		newRestoryCmd(cfg),
		newExtractCmd(cfg),
		newAdminCmd(cfg),
		newTokensCmd(cfg),
		newWatchCmd(cfg),
		newCheckCmd(cfg),
		newDiffCmd(cfg),
		newEvidenceCmd(cfg),
	)
	return root, cfg
}
