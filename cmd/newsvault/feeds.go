package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/feed"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/store"
)

func newFeedsCmd(cfg *cli.Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "feeds",
		Short: "Add, list and remove the feeds newsvault follows; import and export OPML",
	}
	cmd.AddCommand(newFeedsAddCmd(cfg), newFeedsListCmd(cfg), newFeedsRemoveCmd(cfg), newImportOPMLCmd(cfg), newExportOPMLCmd(cfg))
	return cmd
}

type feedFlags struct {
	title    string
	mode     string
	render   string
	tz       string
	interval time.Duration
}

func (f *feedFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.title, "title", "", "title for the feed (default: the feed's own)")
	cmd.Flags().StringVar(&f.mode, "mode", "auto", "where article text comes from: feed (the feed's content), page (fetch and extract each page) or auto (feed when it looks complete, else the page)")
	cmd.Flags().StringVar(&f.render, "render", "auto", "open the feed's pages in the headless browser: auto (when a page is an empty JavaScript shell or the site's rules ask), always or never")
	cmd.Flags().StringVar(&f.tz, "time-zone", "", "IANA time zone for dates the feed gives without one, e.g. Asia/Shanghai (default: inferred from the feed's language, else UTC)")
	cmd.Flags().DurationVar(&f.interval, "interval", 30*time.Minute, "time between polls when the feed is healthy")
}

func (f *feedFlags) source(url string) (*archive.Source, error) {
	mode := archive.ContentMode(f.mode)
	if !mode.Valid() {
		return nil, cli.Usagef("--mode %q: want feed, page or auto", f.mode)
	}
	render, err := archive.ParseRenderMode(f.render)
	if err != nil {
		return nil, cli.Usagef("--render: %w", err)
	}
	if f.tz != "" {
		if _, err := time.LoadLocation(f.tz); err != nil {
			return nil, cli.Usagef("--time-zone %q: %w", f.tz, err)
		}
	}
	if f.interval < time.Minute {
		return nil, cli.Usagef("--interval %s: must be at least 1m", f.interval)
	}
	return &archive.Source{Kind: archive.KindFeed, FeedURL: url, Title: f.title, Mode: mode, Render: render, TimeZone: f.tz, Interval: f.interval}, nil
}

func newFeedsAddCmd(cfg *cli.Config) *cobra.Command {
	var ff feedFlags
	var noCheck bool
	cmd := &cobra.Command{
		Use:   "add URL",
		Short: "Follow a feed (RSS, Atom, RDF or JSON Feed)",
		Long: `add follows the feed at URL. It fetches the URL first to check that it is a
feed; when URL is a web page that links to feeds, the first feed it
announces is followed instead. The feed is polled by "poll" or "serve".`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			u := strings.TrimSpace(args[0])
			if _, err := archive.CanonicalURL(u); err != nil {
				return cli.UsageError{Err: err}
			}
			a, err := cli.Open(ctx, cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			if !noCheck {
				resp, err := a.Fetch.Get(ctx, fetch.Request{URL: u})
				if err != nil {
					return fmt.Errorf("check feed %s: %w (use --no-check to add it anyway)", u, err)
				}
				if !resp.OK() {
					return fmt.Errorf("check feed %s: HTTP %d (use --no-check to add it anyway)", u, resp.Status)
				}
				parsed, err := feed.Parse(resp.Body, resp.ContentType, feed.ParseOptions{BaseURL: resp.FinalURL})
				if err != nil {
					found := feed.Discover(resp.Body, resp.FinalURL)
					if len(found) == 0 {
						return fmt.Errorf("check feed %s: %w", u, err)
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "%s is a web page; following its feed %s\n", u, found[0])
					u = found[0]
				} else if ff.title == "" {
					ff.title = parsed.Title
				}
			}
			src, err := ff.source(u)
			if err != nil {
				return err
			}
			if err := a.Store.CreateSource(ctx, src); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return fmt.Errorf("feed %s is already followed", u)
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added feed %d: %s %s\n", src.ID, src.Title, src.FeedURL)
			return nil
		},
	}
	ff.bind(cmd)
	cmd.Flags().BoolVar(&noCheck, "no-check", false, "add the feed without fetching it first")
	return cmd
}

func newFeedsListCmd(cfg *cli.Config) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List followed feeds with their article counts and poll status",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			srcs, err := a.Store.Sources(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTITLE\tURL\tMODE\tARTICLES\tLAST POLL\tSTATUS")
			for _, s := range srcs {
				if s.Kind != archive.KindFeed && !all {
					continue
				}
				mode, status := string(s.Mode), s.LastStatus
				switch {
				case s.Kind != archive.KindFeed:
					mode, status = string(s.Kind), "-"
				case status == "":
					status = "never polled"
				case s.LastError != "":
					status += fmt.Sprintf(" (%d× %s)", s.ErrorCount, s.LastError)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", s.ID, s.Title, s.FeedURL, mode, s.ArticleCount, fmtTime(s.LastPolledAt), status)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&all, "all", false, "also list the pseudo-sources of submitted URLs and imports")
	return cmd
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func newFeedsRemoveCmd(cfg *cli.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "remove ID|URL",
		Short: "Stop following a feed (its archived articles are kept)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			ctx := cmd.Context()
			id, err := findSource(ctx, a, args[0])
			if err != nil {
				return err
			}
			if err := a.Store.RemoveSource(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed feed %d (its articles stay in the archive)\n", id)
			return nil
		}),
	}
}

func newImportOPMLCmd(cfg *cli.Config) *cobra.Command {
	var ff feedFlags
	cmd := &cobra.Command{
		Use:   "import-opml FILE",
		Short: "Follow every feed listed in an OPML file (- for stdin)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var r io.Reader = cmd.InOrStdin()
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			outlines, err := feed.ParseOPML(io.LimitReader(r, 16<<20))
			if err != nil {
				return fmt.Errorf("import-opml %s: %w", args[0], err)
			}
			a, err := cli.Open(ctx, cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			added, skipped := 0, 0
			for _, o := range outlines {
				if _, err := archive.CanonicalURL(o.FeedURL); err != nil {
					a.Log.Warn("skipping outline", "title", o.Title, "url", o.FeedURL, "err", err)
					skipped++
					continue
				}
				ff.title = o.Title
				src, err := ff.source(o.FeedURL)
				if err != nil {
					return err
				}
				src.SiteURL = o.SiteURL
				if err := a.Store.CreateSource(ctx, src); err != nil {
					if errors.Is(err, store.ErrConflict) {
						skipped++
						continue
					}
					return err
				}
				added++
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added %d feeds, skipped %d (already followed or invalid)\n", added, skipped)
			return nil
		},
	}
	ff.bind(cmd)
	cmd.Flags().Lookup("title").Hidden = true
	return cmd
}

func newExportOPMLCmd(cfg *cli.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "export-opml [FILE]",
		Short: "Write the followed feeds as OPML (to stdout without FILE)",
		Args:  cobra.MaximumNArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			srcs, err := a.Store.Sources(cmd.Context())
			if err != nil {
				return err
			}
			var outlines []feed.Outline
			for _, s := range srcs {
				if s.Kind == archive.KindFeed {
					outlines = append(outlines, feed.Outline{Title: s.Title, FeedURL: s.FeedURL, SiteURL: s.SiteURL})
				}
			}
			w := cmd.OutOrStdout()
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Create(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			return feed.WriteOPML(w, "newsvault feeds", outlines)
		}),
	}
}

func newPollCmd(cfg *cli.Config) *cobra.Command {
	var once bool
	var tick time.Duration
	cmd := &cobra.Command{
		Use:   "poll",
		Short: "Poll the feeds that are due and archive their new items",
		Long: `poll fetches every feed whose next-poll time has come (a new feed is due at
once), archives new and changed items, and records each feed's outcome. With
--once it polls once and exits (non-zero when a feed failed); without it, it
keeps polling as feeds come due, like serve without the HTTP server.`,
		Args: cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			ctx := cmd.Context()
			if !once {
				schedule(ctx, a, tick)
				return nil
			}
			due, err := a.Store.DueSources(ctx, time.Now())
			if err != nil {
				return err
			}
			prog := cli.NewProgress(a.Log, "polling", len(due))
			done := 0
			failed := 0
			newArticles := 0
			_, err = a.Pipe.PollDue(ctx, func(r pipeline.PollResult) {
				done++
				prog.Set(done, len(due))
				if r.Err != nil {
					failed++
				}
				newArticles += r.NewArticles
			})
			prog.Finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "polled %d feeds: %d new articles, %d feeds failed\n", len(due), newArticles, failed)
			if failed > 0 {
				return fmt.Errorf("%d of %d feeds failed; see \"newsvault feeds list\" for the reasons", failed, len(due))
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&once, "once", false, "poll the due feeds once and exit")
	cmd.Flags().DurationVar(&tick, "tick", 30*time.Second, "how often to look for due feeds (without --once)")
	return cmd
}
