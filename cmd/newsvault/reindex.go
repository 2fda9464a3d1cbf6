package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/search"
)

func newReindexCmd(cfg *cli.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the full-text search index from the stored articles",
		Long: `reindex rebuilds the search index from the latest version of every
article: after an upgrade that changed how text is indexed, or to index
articles stored before search existed. Search keeps working while it runs
(articles are re-indexed in batches), and an interrupted reindex is finished
by running it again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			an, err := search.NewAnalyzer()
			if err != nil {
				return err
			}
			a, err := cli.Open(ctx, cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			st, err := a.Store.Stats(ctx)
			if err != nil {
				return err
			}
			prog := cli.NewProgress(a.Log, "indexing", int(st.Articles))
			start := time.Now()
			n := 0
			err = a.Store.Reindex(ctx, an.Index, func(done, total int) {
				prog.Set(done, total)
				n = done
			})
			prog.Finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "indexed %d articles in %s\n", n, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
}
