package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/apijson"
	"github.com/newsvault/newsvault/internal/cli"
)

func newStoriesCmd(cfg *cli.Config) *cobra.Command {
	var asJSON bool
	var minSize, limit, offset int
	cmd := &cobra.Command{
		Use:   "stories [ID]",
		Short: "List stories (articles about one event across outlets), or show one",
		Long: `stories lists the stories of at least --min-size articles, most recently
active first: how many articles and outlets, when, and the title of the most
central article. With a story ID it shows that story's timeline, every
article earliest first, marking copies and edited articles.`,
		Args: cobra.MaximumNArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			ctx := cmd.Context()
			w := cmd.OutOrStdout()
			enc := json.NewEncoder(w)
			if len(args) == 1 {
				id, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil || id <= 0 {
					return cli.Usagef("%q is not a story ID", args[0])
				}
				st, ms, err := a.Stories.Story(ctx, id)
				if err != nil {
					return err
				}
				if asJSON {
					return enc.Encode(apijson.FromStory(st, ms))
				}
				fmt.Fprintf(w, "story %d: %s\n%d articles from %d outlets, %s to %s\n\n", st.ID, st.Title, st.Size, st.Sources,
					when(st.First), when(st.Last))
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tDATE\tOUTLET\tNOTE\tTITLE")
				for _, m := range ms {
					note := ""
					if m.CopyOf != 0 {
						note = "copy of " + strconv.FormatInt(m.CopyOf, 10)
					}
					if m.Article.VersionCount > 1 {
						note += " edited"
					}
					date := m.Article.Published
					if date.IsZero() {
						date = m.Article.FirstSeenAt
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", m.Article.ID, when(date), m.Source, note, m.Article.Title)
				}
				return tw.Flush()
			}
			list, _, err := a.Stories.Stories(ctx, minSize, limit, offset)
			if err != nil {
				return err
			}
			if asJSON {
				for _, st := range list {
					if err := enc.Encode(apijson.FromStory(st, nil)); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tARTICLES\tOUTLETS\tFIRST\tLAST\tTITLE")
			for _, st := range list {
				fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\t%s\n", st.ID, st.Size, st.Sources, when(st.First), when(st.Last), st.Title)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON as the API does: one object per story (GET /api/v1/stories), or the story (GET /api/v1/stories/{id})")
	cmd.Flags().IntVar(&minSize, "min-size", 2, "list stories of at least this many articles")
	cmd.Flags().IntVar(&limit, "limit", 50, "how many stories to list")
	cmd.Flags().IntVar(&offset, "offset", 0, "skip this many stories first")
	return cmd
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02 15:04")
}

func newRestoryCmd(cfg *cli.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "restory",
		Short: "Re-cluster every article into stories from scratch, keeping manual corrections",
		Long: `restory assigns every archived article to a story again, in the order they
arrived, with the current thresholds: run it after changing them. Every
split, merge and detach an operator made (on a story page or through the
API) is kept and respected. Copies are not affected.`,
		Args: cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, a *cli.App, args []string) error {
			ctx := cmd.Context()
			st, err := a.Store.Stats(ctx)
			if err != nil {
				return err
			}
			prog := cli.NewProgress(a.Log, "re-clustering", int(st.Articles))
			start := time.Now()
			n := 0
			err = a.Stories.Restory(ctx, func(done int) {
				prog.Set(done, int(st.Articles))
				n = done
			})
			prog.Finish()
			if err != nil {
				return err
			}
			_, total, err := a.Stories.Stories(ctx, 2, 1, 0)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "re-clustered %d articles in %s: %d stories have two or more articles\n", n,
				time.Since(start).Round(time.Millisecond), total)
			return nil
		}),
	}
}
