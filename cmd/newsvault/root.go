package main

import (
	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command {
	cfg := &Config{}
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
	}
	bindConfig(root, cfg)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newServeCmd(cfg),
		newFeedsCmd(cfg),
		newPollCmd(cfg),
		newArchiveCmd(cfg),
		newImportCmd(cfg),
		newExportCmd(cfg),
		newShowCmd(cfg),
		newListCmd(cfg),
		newBenchCmd(cfg),
		newReindexCmd(cfg),
		newEvalCmd(cfg),
		newExtractCmd(cfg),
		newAdminCmd(cfg),
		newTokensCmd(cfg),
	)
	return root
}
