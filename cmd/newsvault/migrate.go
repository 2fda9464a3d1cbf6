package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store/postgres"
	"github.com/newsvault/newsvault/internal/store/sqlite"
	"github.com/newsvault/newsvault/internal/storecopy"
)

func newMigrateCmd(cfg *cli.Config) *cobra.Command {
	var to, blobsTo string
	var batch int
	cmd := &cobra.Command{
		Use:   "migrate --to postgres://…",
		Short: "Copy the embedded archive into PostgreSQL and verify the copy",
		Long: `migrate copies the archive in the data directory's database into the
PostgreSQL database --to names: sources, articles with every version,
captures, assets, watch state and checks, copies and stories, the admin
password, sessions and API tokens, all with their IDs. It then rebuilds the
search index there and checks that both sides hold the same rows (a count
and a hash per table).

Stop serve and every other newsvault process on the data directory first.
migrate may be stopped at any time and run again: it continues where it
stopped, and run after a complete copy it only verifies. Afterwards start
newsvault with --store set to the same URL (or NEWSVAULT_STORE).

Blobs (raw responses, images) stay in the data directory's blobs unless
--blobs names another place to copy them to: a directory every machine
mounts, or an S3 bucket (s3://bucket/prefix?endpoint=…&region=…, with the
credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY). Each blob is
verified after it is copied; pass the same --blobs to the new processes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !postgres.IsDSN(to) {
				return cli.Usagef("--to must be a postgres:// URL")
			}
			dbPath := filepath.Join(cfg.DataDir, "newsvault.db")
			if _, err := os.Stat(dbPath); err != nil {
				return fmt.Errorf("no archive to migrate: %w", err)
			}
			src, err := sqlite.Open(ctx, dbPath)
			if err != nil {
				return err
			}
			defer src.Close()
			dst, err := postgres.Open(ctx, to)
			if err != nil {
				return err
			}
			defer dst.Close()
			an, err := search.NewAnalyzer()
			if err != nil {
				return err
			}
			opts := storecopy.Options{Batch: batch, Index: an.Index, Log: cfg.Logger()}
			if blobsTo != "" {
				from, err := blob.Open(filepath.Join(cfg.DataDir, "blobs"), blob.Options{})
				if err != nil {
					return err
				}
				dstBlobs, err := cli.OpenBlobs(ctx, blobsTo, cfg.DataDir, nil)
				if err != nil {
					return err
				}
				opts.BlobsFrom, opts.BlobsTo = from, dstBlobs
			}
			rep, err := storecopy.Copy(ctx, src, dst, opts)
			if rep != nil && len(rep.Tables) > 0 {
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
				fmt.Fprintln(w, "TABLE\tSOURCE\tCOPY\tHASH")
				for _, t := range rep.Tables {
					state := "same"
					if !t.Equal() {
						state = "DIFFERS"
					}
					fmt.Fprintf(w, "%s\t%d\t%d\t%s %s\n", t.Table, t.Source, t.Dest, t.Hash[:12], state)
				}
				w.Flush()
				if opts.BlobsTo != nil {
					fmt.Fprintf(cmd.OutOrStdout(), "blobs: %d copied, %d already there, %d missing from the source\n",
						rep.Blobs.Copied, rep.Blobs.Present, rep.Blobs.MissingInSource)
				}
			}
			if errors.Is(err, storecopy.ErrDiffers) {
				return fmt.Errorf("migrate: %w (see the table above); run migrate again", err)
			}
			if err != nil {
				return fmt.Errorf("migrate (run it again to continue): %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "copied %d rows in %s; the copy equals the source\n", rep.Copied, rep.Elapsed.Round(1e6))
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the PostgreSQL database to copy into (postgres://user:password@host/db)")
	cmd.Flags().StringVar(&blobsTo, "blobs", "", "a directory or s3:// bucket URL to copy the blobs to, verified (default: leave them in the data directory)")
	cmd.Flags().IntVar(&batch, "batch", 500, "rows copied per transaction")
	return cmd
}
