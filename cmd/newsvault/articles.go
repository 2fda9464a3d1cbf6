package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/apijson"
	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/publish"
	"github.com/newsvault/newsvault/internal/store"
)

func newArchiveCmd(cfg *cli.Config) *cobra.Command {
	var renderFlag string
	var later bool
	cmd := &cobra.Command{
		Use:   "archive URL...",
		Short: "Fetch pages, extract their articles and archive them with their images",
		Long: `archive fetches each URL, extracts the article (title, author, dates,
content, images), downloads its images and stores everything, raw response
included. Archiving a URL again adds a version only when its content changed.

--render always opens each page in the headless browser (every request it
makes goes through the same guarded fetcher) and keeps the rendered page, a
screenshot and the responses the browser received; auto does so only for
empty JavaScript shells and sites whose rules ask for it.

--later puts the URLs on the job queue (--queue) and returns at once:
serve or worker processes archive them, each URL by one job at a time,
retried after failures, whatever happens to this process.`,
		Args: cobra.MinimumNArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			ctx := cmd.Context()
			mode, err := archive.ParseRenderMode(renderFlag)
			if err != nil {
				return cli.Usagef("--render: %w", err)
			}
			if later {
				return enqueueArchive(cmd, cfg, args, mode)
			}
			if mode == archive.RenderAlways && a.Render == nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "note: the headless browser is off or missing; archiving pages as served")
			}
			failed := 0
			for _, u := range args {
				out, err := a.Pipe.ArchiveURLRender(fetch.WithPolicy(ctx, cfg.Policy(u)), u, nil, mode)
				if err != nil {
					failed++
					fmt.Fprintf(cmd.ErrOrStderr(), "failed  %s: %v\n", u, err)
					continue
				}
				what := "unchanged"
				switch {
				case out.NewArticle:
					what = "new"
				case out.NewVersion:
					what = "changed"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%-9s article %d %s (%d images stored, %d failed)\n", what, out.ArticleID, out.URL, out.Images, out.ImageErrs)
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d URLs could not be archived", failed, len(args))
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&renderFlag, "render", "auto", "open the pages in the headless browser: auto (empty JavaScript shells and sites whose rules ask), always or never")
	cmd.Flags().BoolVar(&later, "later", false, "queue the URLs for serve or worker processes and return at once")
	return cmd
}

// enqueueArchive puts urls on the job queue, each with the operator's
// allowance for its host, and prints the job of each.
func enqueueArchive(cmd *cobra.Command, cfg *cli.Config, urls []string, mode archive.RenderMode) error {
	q, err := cfg.OpenQueue(cmd.Context(), cli.QueueFlags{})
	if err != nil {
		return err
	}
	defer q.Close()
	if mode == archive.RenderAuto {
		mode = ""
	}
	for _, u := range urls {
		ids, err := q.EnqueueArchive(cmd.Context(), []string{u}, cfg.Policy(u), mode)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "queued   job %d %s\n", ids[0], u)
	}
	return nil
}

func newImportCmd(cfg *cli.Config) *cobra.Command {
	var opts pipeline.ImportOptions
	cmd := &cobra.Command{
		Use:   "import PATH...",
		Short: "Import mirror markdown files, HTML pages and text pages",
		Long: `import takes in files or directory trees:

  - markdown mirror files: "<!--ms-->", "[title](link)", "------", a blank
    line, then the HTML content (optionally after a Jekyll front-matter
    block), such as articles/<outlet>/<id>.md;
  - .html/.htm pages and .txt pages, whose article is extracted;
  - .warc and .warc.gz files (ours, wget's, ArchiveBox's, Browsertrix's):
    every successful HTML response and HTML resource record becomes a
    capture and an article version, as if fetched then (given by name;
    images stay links to their original addresses).

Articles are filed under one source per directory name (or --source). An
import is idempotent: files already imported are skipped, so an interrupted
import is resumed by running it again. Failed files are listed at the end.`,
		Args: cobra.MinimumNArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			ctx := cmd.Context()
			var prog *cli.Progress
			opts.Progress = func(done, total int, file string) {
				if prog == nil {
					prog = cli.NewProgress(a.Log, "importing", total)
				}
				prog.Set(done, total)
			}
			start := time.Now()
			var warcs, rest []string
			for _, p := range args {
				if pipeline.IsWARC(p) {
					warcs = append(warcs, p)
				} else {
					rest = append(rest, p)
				}
			}
			var failed int
			for _, w := range warcs {
				wr, err := a.Pipe.ImportWARC(ctx, w, opts)
				if err != nil {
					return err
				}
				for _, f := range wr.Failed {
					fmt.Fprintf(cmd.ErrOrStderr(), "failed  %v\n", f)
				}
				failed += len(wr.Failed)
				fmt.Fprintf(cmd.OutOrStdout(), "imported %s: %d records, %d pages: %d new articles, %d new versions, %d unchanged, %d failed\n",
					w, wr.Records, wr.Pages, wr.NewArticles, wr.NewVersions, wr.Unchanged, len(wr.Failed))
			}
			if len(rest) == 0 {
				if failed > 0 {
					return fmt.Errorf("%d WARC records could not be imported", failed)
				}
				return nil
			}
			rep, err := a.Pipe.Import(ctx, rest, opts)
			if prog != nil {
				prog.Finish()
			}
			if err != nil {
				return err
			}
			for _, f := range rep.Skipped {
				fmt.Fprintf(cmd.ErrOrStderr(), "skipped %s: %s\n", f.File, f.Reason)
			}
			for _, f := range rep.Failed {
				fmt.Fprintf(cmd.ErrOrStderr(), "failed  %v\n", f)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported %d files in %s: %d new articles, %d new versions, %d unchanged, %d failed, %d skipped\n",
				rep.Files, time.Since(start).Round(time.Millisecond), rep.NewArticles, rep.NewVersions, rep.Unchanged, len(rep.Failed), len(rep.Skipped))
			if len(rep.Failed) > 0 || failed > 0 {
				return fmt.Errorf("%d of %d files and %d WARC records could not be imported", len(rep.Failed), rep.Files, failed)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&opts.Source, "source", "", "file everything under this source name (default: each file's directory name)")
	cmd.Flags().StringVar(&opts.TimeZone, "time-zone", "Asia/Shanghai", "IANA time zone of the imported sources, for list pages and zone-less dates")
	cmd.Flags().BoolVar(&opts.Images, "images", false, "download the images of imported articles and point them at local copies")
	cmd.Flags().IntVar(&opts.Workers, "workers", 0, "files parsed in parallel (default: one per CPU)")
	return cmd
}

func newExportCmd(cfg *cli.Config) *cobra.Command {
	var format string
	var maxWARC int64
	var opts publish.MarkdownOptions
	cmd := &cobra.Command{
		Use:   "export --format md|warc DIR",
		Short: "Write the archive out as a markdown mirror or as WARC files",
		Long: `export writes every article in the markdown mirror format under DIR:
articles/<source>/<id>_<title>.md, one list page per source in lists/
(newest first, dates in the source's time zone), and the stored images in
assets/, referenced relatively so the mirror reads offline.

An article imported from a mirror file keeps that file's name, and while it
is unchanged since (and its images were not downloaded) it is written as the
very bytes that were imported, so re-exporting an imported mirror does not
churn it. --sanitized writes our sanitized form of every article instead.

--format warc writes every raw capture, oldest first, as WARC 1.1 files
(gzip per record) under DIR: fetched pages as request and response records
(revisit records for a body fetched again unchanged), imported pages as
resource records, and a metadata record tying each capture to the article
and version extracted from it; newsvault.cdxj indexes them. Files rotate at
--max-warc-size. Any WARC reader (warcio, pywb, replayweb.page) opens them,
and newsvault import reads them back.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "md" && format != "warc" {
				return cli.Usagef("--format %q: md or warc", format)
			}
			ctx := cmd.Context()
			a, err := cli.Open(ctx, cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			if format == "warc" {
				rep, err := publish.ExportWARC(ctx, a.Store, a.Blobs, args[0], publish.WARCOptions{MaxFileSize: maxWARC, UserAgent: cfg.UserAgent, Log: a.Log})
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "exported %d captures (%d responses, %d revisits, %d resources; %d linked to their article) to %d WARC files in %s; %d skipped (no stored body or no web address)\n",
					rep.Captures, rep.Responses, rep.Revisits, rep.Resources, rep.Linked, len(rep.Files), args[0], rep.Skipped)
				return nil
			}
			var prog *cli.Progress
			opts.Progress = func(done, total int) {
				if prog == nil {
					prog = cli.NewProgress(a.Log, "exporting", total)
				}
				prog.Set(done, total)
			}
			rep, err := publish.ExportMarkdown(ctx, a.Store, a.Blobs, args[0], opts)
			if prog != nil {
				prog.Finish()
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported %d articles (%d as imported), %d list pages and %d images to %s\n", rep.Articles, rep.Verbatim, rep.Lists, rep.Images, args[0])
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "md", "output format: md (the markdown mirror format) or warc (the raw captures)")
	cmd.Flags().Int64Var(&maxWARC, "max-warc-size", 1<<30, "with --format warc: start a new WARC file past this many bytes")
	cmd.Flags().BoolVar(&opts.OriginalImages, "original-images", false, "point images at their original URLs instead of copying local ones")
	cmd.Flags().BoolVar(&opts.Sanitized, "sanitized", false, "write our sanitized form of imported articles instead of the imported files' bytes")
	cmd.Flags().Int64Var(&opts.SourceID, "source", 0, "export only this source ID")
	return cmd
}

func newShowCmd(cfg *cli.Config) *cobra.Command {
	var asJSON, withHTML bool
	cmd := &cobra.Command{
		Use:   "show ID|URL",
		Short: "Show one archived article: metadata, versions and text",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			ctx := cmd.Context()
			art, err := findArticle(ctx, a, args[0])
			if err != nil {
				return err
			}
			versions, err := a.Store.Versions(ctx, art.ID)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				j := apijson.FromArticle(art, true)
				for _, v := range versions {
					j.Versions = append(j.Versions, apijson.FromVersion(v, false))
				}
				return enc.Encode(j)
			}
			fmt.Fprintf(w, "%s\n%s\n\n", art.Title, strings.Repeat("=", 40))
			fmt.Fprintf(w, "ID:         %d\nURL:        %s\n", art.ID, art.URL)
			if art.OriginalURL != art.URL {
				fmt.Fprintf(w, "First link: %s\n", art.OriginalURL)
			}
			if art.Author != "" {
				fmt.Fprintf(w, "Author:     %s\n", art.Author)
			}
			if !art.Published.IsZero() {
				fmt.Fprintf(w, "Published:  %s\n", art.Published.Format("2006-01-02 15:04:05 -07:00"))
			}
			if !art.Updated.IsZero() {
				fmt.Fprintf(w, "Updated:    %s\n", art.Updated.Format("2006-01-02 15:04:05 -07:00"))
			}
			fmt.Fprintf(w, "Archived:   %s (last seen %s)\n", art.FirstSeenAt.Format(time.RFC3339), art.LastSeenAt.Format(time.RFC3339))
			fmt.Fprintf(w, "Versions:   %d\n", len(versions))
			for _, v := range versions {
				fmt.Fprintf(w, "  #%d  %s  %s\n", v.Seq, v.CreatedAt.Format(time.RFC3339), v.Title)
			}
			fmt.Fprintln(w)
			if withHTML {
				fmt.Fprintln(w, art.HTML)
			} else {
				fmt.Fprintln(w, art.Text)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON, as GET /api/v1/articles/{id} answers")
	cmd.Flags().BoolVar(&withHTML, "html", false, "print the stored (sanitized) HTML instead of the text")
	return cmd
}

func newListCmd(cfg *cli.Config) *cobra.Command {
	var f store.ArticleFilter
	var since string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List archived articles, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if since != "" {
				t, err := parseSince(since)
				if err != nil {
					return cli.Usagef("--since %q: %w", since, err)
				}
				f.Since = t
			}
			a, err := cli.Open(ctx, cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			f.NoContent = true
			list, err := a.Store.Articles(ctx, f)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				for _, art := range list {
					if err := enc.Encode(apijson.FromArticle(art, false)); err != nil {
						return err
					}
				}
				return nil
			}
			tw := cli.NewTable(w)
			fmt.Fprintln(tw, "ID\tPUBLISHED\tVERSIONS\tTITLE\tURL")
			for _, art := range list {
				pub := "-"
				if !art.Published.IsZero() {
					pub = art.Published.Format("2006-01-02 15:04")
				}
				fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", art.ID, pub, art.VersionCount, art.Title, art.URL)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().Int64Var(&f.SourceID, "source", 0, "only articles of this source ID (see \"feeds list --all\")")
	cmd.Flags().StringVar(&since, "since", "", "only articles published since a date (2006-01-02), a time (RFC 3339) or a duration ago (48h)")
	cmd.Flags().IntVar(&f.Limit, "limit", 50, "how many articles to list")
	cmd.Flags().IntVar(&f.Offset, "offset", 0, "skip this many articles first")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per article, as GET /api/v1/articles lists them")
	return cmd
}

func parseSince(s string) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("want a date (2006-01-02), an RFC 3339 time or a duration (48h)")
}
