package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/manifest"
	"github.com/newsvault/newsvault/internal/publish"
)

// publishTargets resolves the targets of publish.toml and of the flags.
func publishTargets(dataDir, name, site, markdown, baseURL string) ([]publish.Target, publish.Config, error) {
	conf, err := publish.LoadConfig(dataDir)
	if err != nil {
		return nil, conf, cli.UsageError{Err: err}
	}
	if site != "" {
		conf.Targets = append(conf.Targets, publish.Target{Name: "site", Kind: publish.KindSite, Dir: site, BaseURL: baseURL})
	}
	if markdown != "" {
		conf.Targets = append(conf.Targets, publish.Target{Name: "markdown", Kind: publish.KindMarkdown, Dir: markdown, BaseURL: baseURL})
	}
	if err := conf.Validate(); err != nil {
		return nil, conf, cli.UsageError{Err: err}
	}
	ts, err := conf.Find(name)
	if err != nil {
		return nil, conf, cli.UsageError{Err: err}
	}
	return ts, conf, nil
}

func newPublishCmd(cfg *cli.Config) *cobra.Command {
	var target, site, markdown, baseURL string
	cmd := &cobra.Command{
		Use:   "publish",
		Short: "Write the archive to its publish targets (markdown mirror, static site), incrementally",
		Long: `publish writes every target named in publish.toml in the data directory (or
only --target NAME), and the targets given by --site and --markdown.

Each run writes only what changed since that target's last run: new
articles, new versions, watch status changes, and the list pages, feeds and
search index files they touch. A target is written atomically: a run killed
midway leaves it as it was, or is completed by the next run. A directory
that is not empty and was not made by publish is refused.

Every target ends with MANIFEST (SHA-256 and size of each file) and
MANIFEST.minisig, signed with the key in the data directory (manifest.key;
its public half manifest.pub is what readers need): check a copy with
"newsvault verify DIR" or "minisign -Vm MANIFEST -p manifest.pub".

publish.toml:

  interval = "10m"            # serve publishes at most this often

  [[target]]
  name = "site"               # --target site
  kind = "site"               # or "markdown"
  dir = "publish/site"        # relative to the data directory
  base_url = "https://example.org/news/"   # feeds' absolute links

  [[target]]
  name = "mirror"
  kind = "git"                # commits another target's directory
  source = "site"             # runs after it, one commit per run
  repo = "publish/site.git"   # local bare repository
  branch = "main"
  [[target.remote]]
  name = "github"
  url = "https://github.com/me/news.git"
  token_env = "GITHUB_TOKEN"  # HTTPS token read from the environment
  [[target.remote]]
  name = "backup"
  url = "/mnt/usb/news.git"   # a failed remote is named and retried next
                              # run; it never stops the others

serve runs the same publish after each poll round (see serve --help).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			targets, _, err := publishTargets(cfg.DataDir, target, site, markdown, baseURL)
			if err != nil {
				return err
			}
			if len(targets) == 0 {
				return cli.Usagef("no publish targets: add them to %s in the data directory or give --site or --markdown", publish.ConfigFile)
			}
			a, err := cli.Open(ctx, cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			key, err := manifest.LoadOrCreateKey(cfg.DataDir)
			if err != nil {
				return err
			}
			p := &publish.Publisher{Store: a.Store, Blobs: a.Blobs, Analyzer: a.Search, Log: a.Log, Key: key}
			var pushFailed []string
			for _, t := range targets {
				rep, err := p.Run(ctx, t)
				if err != nil {
					return err
				}
				if t.Kind == publish.KindGit {
					fmt.Fprintf(cmd.OutOrStdout(), "%s (git): commit %.12s, %d files added or changed, %d deleted, pushed to %d of %d remotes in %s\n",
						t.Name, rep.Commit, rep.Written, rep.Removed, len(rep.Pushed), len(t.Remotes), rep.Duration.Round(1e6))
					if len(rep.PushErrors) > 0 {
						fmt.Fprintf(cmd.ErrOrStderr(), "%s: push failed (retried next run): %s\n", t.Name, rep.PushFailures())
						pushFailed = append(pushFailed, t.Name+" ("+rep.PushFailures()+")")
					}
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s (%s): %d articles, %d rendered, %d files written, %d removed in %s\n",
					t.Name, t.Kind, rep.Articles, rep.Rendered, rep.Written, rep.Removed, rep.Duration.Round(1e6))
			}
			if len(pushFailed) > 0 {
				return fmt.Errorf("publish: pushes failed: %s", strings.Join(pushFailed, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&target, "target", "", "publish only the target with this name")
	cmd.Flags().StringVar(&site, "site", "", "also publish the static site to this directory (target name \"site\")")
	cmd.Flags().StringVar(&markdown, "markdown", "", "also publish the markdown mirror to this directory (target name \"markdown\")")
	cmd.Flags().StringVar(&baseURL, "base-url", "", "with --site: the URL the site is read at, for the feeds' absolute links")
	return cmd
}
