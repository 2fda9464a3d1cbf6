package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/feed"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/watch"
)

func newFeedsCmd(cfg *cli.Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "feeds",
		Short: "Add, list and remove the feeds newsvault follows; import and export OPML",
	}
	cmd.AddCommand(newFeedsAddCmd(cfg), newFeedsEditCmd(cfg), newFeedsListCmd(cfg), newFeedsRemoveCmd(cfg), newImportOPMLCmd(cfg), newExportOPMLCmd(cfg))
	return cmd
}

type feedFlags struct {
	title    string
	mode     string
	render   string
	tz       string
	interval time.Duration
	watch    string
}

func (f *feedFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.title, "title", "", "title for the feed (default: the feed's own)")
	cmd.Flags().StringVar(&f.mode, "mode", "auto", "where article text comes from: feed (the feed's content), page (fetch and extract each page) or auto (feed when it looks complete, else the page)")
	cmd.Flags().StringVar(&f.render, "render", "auto", "open the feed's pages in the headless browser: auto (when a page is an empty JavaScript shell or the site's rules ask), always or never")
	cmd.Flags().StringVar(&f.tz, "time-zone", "", "IANA time zone for dates the feed gives without one, e.g. Asia/Shanghai (default: inferred from the feed's language, else UTC)")
	cmd.Flags().DurationVar(&f.interval, "interval", 30*time.Minute, "time between polls when the feed is healthy")
	cmd.Flags().StringVar(&f.watch, "watch", "", "how its articles are re-checked for edits and removals: default (1h,6h,1d,3d,7d,30d,90d,365d after first seen), sensitive (denser), off, or delays such as 1h,1d,7d")
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
	if _, err := watch.ParseLadder(f.watch); f.watch != "" && err != nil {
		return nil, cli.Usagef("--watch: %w", err)
	}
	return &archive.Source{Kind: archive.KindFeed, FeedURL: url, Title: f.title, Mode: mode, Render: render, TimeZone: f.tz, Interval: f.interval, Watch: f.watch}, nil
}

// apply writes the settings given on cmd's command line to src.
func (f *feedFlags) apply(cmd *cobra.Command, src *archive.Source) error {
	set, err := f.source(src.FeedURL)
	if err != nil {
		return err
	}
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	if changed("title") {
		src.Title = set.Title
	}
	if changed("mode") {
		src.Mode = set.Mode
	}
	if changed("time-zone") {
		src.TimeZone = set.TimeZone
	}
	if changed("render") {
		src.Render = set.Render
	}
	if changed("watch") {
		src.Watch = set.Watch
	}
	if changed("interval") {
		src.Interval = set.Interval
	}
	return nil
}

func newFeedsAddCmd(cfg *cli.Config) *cobra.Command {
	var ff feedFlags
	var noCheck bool
	cmd := &cobra.Command{
		Use:   "add URL",
		Short: "Follow a feed (RSS, Atom, RDF or JSON Feed)",
		Long: `add follows the feed at URL. It fetches the URL first to check that it is a
feed; when URL is a web page that links to feeds, the first feed it
announces that can be fetched and parsed as a feed is followed instead. The
feed is polled by "poll" or "serve".

A feed on your own network needs --allow-net CIDR (or --allow-private): given
here, it is stored with the feed and opens those addresses for the feed's own
host only, at every poll; "feeds edit" changes it.`,
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
				// Checked with the operator's allowance for this URL's
				// host only: a feed the page announces elsewhere is
				// fetched (and refused) like any other host.
				checked, err := a.Pipe.CheckFeed(fetch.WithPolicy(ctx, cfg.Policy(u)), u)
				if err != nil {
					return fmt.Errorf("%w%s", err, pipeline.BlockedHint(err, 0))
				}
				if checked.Page != "" {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s is a web page; following its feed %s\n", u, checked.URL)
				}
				u = checked.URL
				if ff.title == "" {
					ff.title = checked.Title
				}
			}
			src, err := ff.source(u)
			if err != nil {
				return err
			}
			src.AllowPrivate, src.AllowNets = cfg.AllowPrivate, cfg.AllowNets
			if err := a.Store.CreateSource(ctx, src); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return fmt.Errorf("feed %s is already followed", u)
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added feed %d: %s %s%s\n", src.ID, src.Title, archive.Redact(src.FeedURL), allowanceNote(src))
			return nil
		},
	}
	ff.bind(cmd)
	cmd.Flags().BoolVar(&noCheck, "no-check", false, "add the feed without fetching it first")
	return cmd
}

// allowanceNote describes a source's network allowance for messages.
func allowanceNote(src *archive.Source) string {
	switch {
	case src.AllowPrivate:
		return " (may reach private addresses of its host)"
	case len(src.AllowNets) > 0:
		return " (may reach " + fetch.FormatNets(src.AllowNets) + " on its host)"
	}
	return ""
}

func newFeedsEditCmd(cfg *cli.Config) *cobra.Command {
	var ff feedFlags
	cmd := &cobra.Command{
		Use:   "edit ID|URL",
		Short: "Change a followed feed's settings and network allowance",
		Long: `edit changes the settings given on its command line and leaves the others.
--allow-private and --allow-net set the addresses the feed's own host may
resolve to (--allow-private=false and --allow-net "" take them away). A
feed refused as a blocked address can be polled at once after this with
"newsvault poll --now ID".`,
		Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			ctx := cmd.Context()
			id, err := findSource(ctx, a, args[0])
			if err != nil {
				return err
			}
			src, err := a.Store.Source(ctx, id)
			if err != nil {
				return err
			}
			if err := ff.apply(cmd, &src); err != nil {
				return err
			}
			if cmd.Flags().Changed("allow-private") {
				src.AllowPrivate = cfg.AllowPrivate
			}
			if cmd.Flags().Changed("allow-net") {
				src.AllowNets = cfg.AllowNets
			}
			if err := a.Store.UpdateSource(ctx, &src); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "updated feed %d: %s %s%s\n", src.ID, src.Title, archive.Redact(src.FeedURL), allowanceNote(&src))
			return nil
		}),
	}
	ff.bind(cmd)
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
			tw := cli.NewTable(cmd.OutOrStdout())
			fmt.Fprintln(tw, "ID\tTITLE\tURL\tMODE\tRENDER\tARTICLES\tLAST POLL\tSTATUS")
			for _, s := range srcs {
				if s.Kind != archive.KindFeed && !all {
					continue
				}
				mode, render, status := string(s.Mode), string(s.Render), s.LastStatus
				if render == "" {
					render = string(archive.RenderAuto)
				}
				switch {
				case s.Kind != archive.KindFeed:
					mode, render, status = string(s.Kind), "-", "-"
				case status == "":
					status = "never polled"
				case s.LastError != "":
					status += fmt.Sprintf(" (%d× %s)", s.ErrorCount, s.LastError)
				}
				if s.Kind == archive.KindFeed {
					status += itemStatus(s)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", s.ID, s.Title, s.FeedURL, mode, render, s.ArticleCount, fmtTime(s.LastPolledAt), status)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&all, "all", false, "also list the pseudo-sources of submitted URLs and imports")
	return cmd
}

// itemStatus says what the feed's last poll could not archive: items that
// failed (with the first reason) and items skipped over the cap.
func itemStatus(s archive.Source) string {
	var out string
	if s.LastItemsFailed > 0 {
		out += fmt.Sprintf("; %d items failed", s.LastItemsFailed)
		if len(s.LastItemErrors) > 0 {
			out += ": " + s.LastItemErrors[0]
		}
	}
	if s.LastItemsSkipped > 0 {
		out += fmt.Sprintf("; %d items over the cap skipped", s.LastItemsSkipped)
	}
	return out
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
	var now string
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
			if now != "" {
				return pollNow(cmd, a, now)
			}
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
			failed, itemsFailed, itemFeeds, skipped := 0, 0, 0, 0
			newArticles := 0
			_, err = a.Pipe.PollDue(ctx, func(r pipeline.PollResult) {
				done++
				prog.Set(done, len(due))
				if r.Err != nil {
					failed++
				}
				if r.ItemErrors > 0 {
					itemsFailed += r.ItemErrors
					itemFeeds++
				}
				skipped += r.Skipped
				newArticles += r.NewArticles
			})
			prog.Finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "polled %d feeds: %d new articles, %d feeds failed, %d items failed", len(due), newArticles, failed, itemsFailed)
			if skipped > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), ", %d items over the per-poll cap skipped", skipped)
			}
			fmt.Fprintln(cmd.OutOrStdout())
			if failed > 0 || itemsFailed > 0 {
				return fmt.Errorf("%d of %d feeds failed and %d items in %d feeds were not archived; see \"newsvault feeds list\" for the reasons",
					failed, len(due), itemsFailed, itemFeeds)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&once, "once", false, "poll the due feeds once and exit")
	cmd.Flags().StringVar(&now, "now", "", "poll this one feed (ID or URL) now, whatever its schedule or back-off, and exit")
	cmd.Flags().DurationVar(&tick, "tick", 30*time.Second, "how often to look for due feeds (without --once)")
	return cmd
}

// pollNow polls one feed at once, whatever its next-poll time.
func pollNow(cmd *cobra.Command, a *cli.App, ref string) error {
	ctx := cmd.Context()
	id, err := findSource(ctx, a, ref)
	if err != nil {
		return err
	}
	src, err := a.Store.Source(ctx, id)
	if err != nil {
		return err
	}
	if src.Kind != archive.KindFeed {
		return cli.Usagef("source %d is not a feed", id)
	}
	r := a.Pipe.Poll(ctx, src)
	if r.Err != nil {
		if r.Source.LastError == "" {
			return r.Err
		}
		return errors.New(archive.Redact(r.Source.LastError))
	}
	fmt.Fprintf(cmd.OutOrStdout(), "polled feed %d: %d items, %d new articles, %d new versions, %d items failed\n",
		id, r.Items, r.NewArticles, r.NewVersions, r.ItemErrors)
	return nil
}
