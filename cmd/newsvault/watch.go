package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/diff"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/watch"
	"github.com/newsvault/newsvault/internal/watcher"
)

func newWatchCmd(cfg *cli.Config) *cobra.Command {
	var once bool
	cmd := &cobra.Command{
		Use:   "watch --once",
		Short: "Re-check the archived articles that are due, for edits and removals",
		Long: `watch --once re-fetches every archived article whose re-check is due (on the
ladder after it was first seen: 1h, 6h, 1d, 3d, 7d, 30d, 90d, 365d by default,
or its source's watch setting), records what it found (unchanged, edited —
a new version —, removed, unavailable, replaced, restored) with the raw
response as evidence, prints a summary and exits. It exits non-zero when a
check could not be recorded. serve runs the same checks in the background.

A removal is announced only after a second check an hour later confirms it;
an outage (DNS, timeout, 5xx, 429, a bot check) is never a removal, and after
three days of it the article's site is marked unreachable.`,
		Args: cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			if !once {
				return cli.Usagef("watch runs once: pass --once (serve runs the checks continuously)")
			}
			sum, err := a.Watch.RunDue(cmd.Context())
			out := cmd.OutOrStdout()
			for _, r := range sum.Results {
				if r.Err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "failed  %d %s: %v\n", r.ArticleID, r.URL, r.Err)
					continue
				}
				fmt.Fprintf(out, "%-11s %d %s (%s)%s\n", r.Outcome, r.ArticleID, r.URL, oneLineOf(r.Reason), eventsText(r.Events))
			}
			fmt.Fprintf(out, "%d checked, %d failed%s\n", sum.Checked, sum.Failed, countsText(sum.Outcomes))
			if err != nil {
				return err
			}
			if sum.Failed > 0 {
				return fmt.Errorf("%d checks failed", sum.Failed)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&once, "once", false, "run the checks that are due now, then exit")
	return cmd
}

func newCheckCmd(cfg *cli.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "check ID|URL",
		Short: "Re-check one archived article now",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			art, err := findArticle(cmd.Context(), a, args[0])
			if err != nil {
				return err
			}
			r, err := a.Watch.CheckNow(cmd.Context(), art.ID)
			if err != nil {
				return err
			}
			next := "none"
			if !r.Next.IsZero() {
				next = r.Next.Local().Format(time.DateTime)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s (%s)%s\nstatus %s, next check %s\n", art.URL, r.Outcome, oneLineOf(r.Reason),
				eventsText(r.Events), r.Status, next)
			return nil
		}),
	}
}

func newDiffCmd(cfg *cli.Config) *cobra.Command {
	var color string
	cmd := &cobra.Command{
		Use:   "diff ID|URL [FROM TO]",
		Short: "Show what changed between two versions of an article",
		Long: `diff compares two versions of an article (by default the one before the
latest and the latest): title, author, dates, images, and the text, by
character inside Chinese and by word in Latin text, each change shown in its
sentence. Colours are used when the output is a terminal (--color).`,
		Args: cobra.RangeArgs(1, 3),
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			if len(args) == 2 {
				return cli.Usagef("give both FROM and TO version numbers, or neither")
			}
			art, err := findArticle(cmd.Context(), a, args[0])
			if err != nil {
				return err
			}
			vs, err := a.Store.Versions(cmd.Context(), art.ID)
			if err != nil {
				return err
			}
			from, to := len(vs)-1, len(vs)
			if len(args) == 3 {
				if from, err = strconv.Atoi(args[1]); err != nil {
					return cli.Usagef("FROM %q is not a version number", args[1])
				}
				if to, err = strconv.Atoi(args[2]); err != nil {
					return cli.Usagef("TO %q is not a version number", args[2])
				}
			}
			if len(vs) < 2 && len(args) == 1 {
				fmt.Fprintf(cmd.OutOrStdout(), "article %d has one version: nothing to compare\n", art.ID)
				return nil
			}
			if from < 1 || to < 1 || from > len(vs) || to > len(vs) {
				return cli.Usagef("article %d has versions 1 to %d", art.ID, len(vs))
			}
			useColor, err := colorFor(color, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			r := diff.Versions(diff.FromArchive(&vs[from-1]), diff.FromArchive(&vs[to-1]))
			fmt.Fprintf(cmd.OutOrStdout(), "article %d, version %d (%s) → %d (%s)\n", art.ID, from, vs[from-1].CreatedAt.Local().Format(time.DateTime),
				to, vs[to-1].CreatedAt.Local().Format(time.DateTime))
			fmt.Fprint(cmd.OutOrStdout(), diff.Terminal(r, diff.TerminalOptions{Color: useColor}))
			return nil
		}),
	}
	cmd.Flags().StringVar(&color, "color", "auto", "colour the changes: auto (when the output is a terminal), always or never")
	return cmd
}

// colorFor resolves --color for out.
func colorFor(flag string, out io.Writer) (bool, error) {
	switch flag {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		f, ok := out.(*os.File)
		return ok && term.IsTerminal(int(f.Fd())), nil
	}
	return false, cli.Usagef("--color %q: want auto, always or never", flag)
}

func newEvidenceCmd(cfg *cli.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "evidence ID|URL",
		Short: "Print the captures that prove an article's status and verify their hashes",
		Long: `evidence prints the article's watch status and the chain of captures behind
it: the last capture that showed the article alive and the first that showed
it removed, each with its status, headers, final URL and whole redirect
chain, the server's address and the SHA-256 of the body, which is checked
against the stored body. It exits non-zero when a hash does not verify.`,
		Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			art, err := findArticle(cmd.Context(), a, args[0])
			if err != nil {
				return err
			}
			ch, err := watcher.Evidence(cmd.Context(), a.Store, a.Blobs, art.ID)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("article %d is not watched: it has no checks", art.ID)
			}
			if err != nil {
				return err
			}
			writeEvidence(cmd.OutOrStdout(), art, ch)
			if !ch.Verified() {
				return watcher.ErrNotVerified
			}
			return nil
		}),
	}
}

func writeEvidence(w io.Writer, art archive.Article, ch watcher.Chain) {
	ws := ch.Watch
	fmt.Fprintf(w, "article %d %s\nstatus %s since %s, %d edits, %d checks\n", art.ID, art.URL, ws.Status, ws.Since.Format(time.RFC3339), ws.Edits, ws.Checks)
	for _, ex := range ch.Exhibits {
		c := ex.Capture
		fmt.Fprintf(w, "\n%s: capture %d at %s\n", ex.Role, c.ID, c.FetchedAt.Format(time.RFC3339))
		fmt.Fprintf(w, "  GET %s\n", c.URL)
		for _, h := range c.Redirects {
			fmt.Fprintf(w, "  %d %s -> %s\n", h.Status, h.URL, oneLineOf(h.Location))
		}
		fmt.Fprintf(w, "  HTTP %d from %s, final URL %s\n", c.Status, orDash(c.RemoteAddr), c.FinalURL)
		keys := make([]string, 0, len(c.Header))
		for k := range c.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range c.Header[k] {
				fmt.Fprintf(w, "  %s: %s\n", k, oneLineOf(v))
			}
		}
		verdict := "verified"
		if !ex.Verified {
			verdict = "NOT VERIFIED: " + ex.Problem
		}
		fmt.Fprintf(w, "  body %d bytes sha256 %s %s\n", c.Size, c.BodyHash, verdict)
	}
}

// oneLineOf drops control characters (a server's text must not drive the
// terminal) and folds line breaks.
func oneLineOf(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		}
		return r
	}, s)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func eventsText(es []watch.EventKind) string {
	if len(es) == 0 {
		return ""
	}
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = string(e)
	}
	return " → " + strings.Join(parts, ", ")
}

func countsText(m map[watch.Outcome]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, ", %d %s", m[watch.Outcome(k)], k)
	}
	return b.String()
}
