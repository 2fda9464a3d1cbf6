package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/store"
)

// withApp makes a verb's RunE that opens the archive cfg names, runs run
// with it and closes it again.
func withApp(cfg *cli.Config, run func(cmd *cobra.Command, a *cli.App, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a, err := cli.Open(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer a.Close()
		return run(cmd, a, args)
	}
}

// findArticle resolves what the operator typed to name an article: its ID,
// or any URL that canonicalizes to its URL.
func findArticle(ctx context.Context, a *cli.App, ref string) (archive.Article, error) {
	var (
		art archive.Article
		err error
	)
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		art, err = a.Store.Article(ctx, id)
	} else {
		canon, cerr := archive.CanonicalURL(ref)
		if cerr != nil {
			return art, cli.Usagef("%q is neither an article ID nor a URL", ref)
		}
		art, err = a.Store.ArticleByURL(ctx, canon)
	}
	if errors.Is(err, store.ErrNotFound) {
		return art, fmt.Errorf("no archived article %s", ref)
	}
	return art, err
}

// findSource resolves what the operator typed to name a followed feed: its
// ID, or its feed URL.
func findSource(ctx context.Context, a *cli.App, ref string) (int64, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return id, nil
	}
	src, err := a.Store.SourceByKey(ctx, ref)
	if err != nil {
		return 0, fmt.Errorf("no followed feed %s", ref)
	}
	return src.ID, nil
}
