package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/jobs"
	"github.com/newsvault/newsvault/internal/stories"
	"github.com/newsvault/newsvault/internal/web"
)

func newServeCmd(cfg *cli.Config) *cobra.Command {
	var listen, displayZone, readAccess, submitDomains string
	var noPoll, noWatch, noWork, behindTLS, anonSubmit bool
	var grace, sessionTTL time.Duration
	var workers, submitRate int
	var qf cli.QueueFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the archive over HTTP, and run jobs: feed polls, re-checks, archive requests",
		Long: `serve runs an HTTP server and, unless --no-work, the jobs a worker runs
(see "newsvault worker"): each feed is polled when its next-poll time
comes, with back-off after errors; archived articles are re-checked for
edits and removals on their ladder (see "newsvault watch"); URLs people
submit are archived; publish.toml's targets are published. Jobs live in
the job queue (--queue), so they survive restarts, and any number of serve
and worker processes may share it. The server has:

  /                      the latest articles, then /sources, /articles/{id}
                         (with its versions, status, checks and evidence,
                         copies and story, /articles/{id}/diff), /stories,
                         /removed and /edited (each with an Atom feed),
                         /search?q= (simplified and traditional Chinese
                         find each other; copies folded, group by story)
  /add                   forms to archive URLs, follow a feed, import OPML
  /api/v1/...            the JSON API; its OpenAPI description is
                         /api/v1/openapi.json
  /assets/{sha256}       a stored image
  /feeds/all.atom        Atom feeds (and .json for JSON Feed) of all articles,
                         /feeds/source-{id}, /feeds/removed, /feeds/edited
  /healthz, /metrics     health and Prometheus metrics

URLs submitted on /add or to POST /api/v1/archive become jobs in the queue,
archived by this process (--jobs at a time) or any worker; a restart
loses none (the job pages of /add are kept in memory, though). On shutdown
running jobs get --grace to finish; the rest run again after --lease.

Who may change the archive: everything that writes (the forms of /add,
following and removing feeds, OPML import, archiving URLs, every API POST,
PATCH and DELETE) needs a login or a token.

  In a browser, log in on /login as admin. The first time serve starts
  without an admin password it makes a random one and prints it once on
  standard error (when that is not a terminal, also to admin-password.txt in
  the data directory, readable only by you); set your own, or reset a lost
  one, with "newsvault admin password" (that signs every browser out).
  A session lasts --session-ttl after its last use; logging out ends it on
  the server, and every form carries the session's CSRF token.

  For the API, send "Authorization: Bearer <token>" with a token printed by
  "newsvault tokens create NAME" (see "newsvault tokens list" and
  "newsvault tokens revoke").

Who may read (pages, search, API GETs, images, /metrics) is --read-access:
public (anyone), private (the same login or token; /healthz, /login and
/static stay open) or auto, the default: public while serve listens on
loopback, where only this machine can connect, and private on any other
address, so that an archive reachable from a network shows only to its
operator unless you say otherwise.

--anonymous-submit lets anyone archive URLs (the URL form of /add and POST
/api/v1/archive): --submit-rate URLs an hour from one client address, and
only from --submit-domains when that is set. Everything else still needs a
login.

Login attempts are limited to 5 a minute from one address (60 in all).
Writes from other origins are refused whatever they carry. On loopback
serve answers only requests addressed to localhost or a loopback address.
Behind a TLS-terminating proxy, set --behind-tls so the session cookie is
marked Secure; rate limits then count the proxy as one client.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			loc := time.Local
			if displayZone != "" {
				var err error
				if loc, err = time.LoadLocation(displayZone); err != nil {
					return cli.Usagef("--display-zone %q: %w", displayZone, err)
				}
			}
			access, err := cli.ReadAccessFor(readAccess, listen)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			queues, err := cli.ParseQueues(qf.Queues)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			if cmd.Flags().Changed("jobs") {
				queues[jobs.QueueArchive] = workers
			}
			q, a, err := openWithQueue(ctx, cfg, qf)
			if err != nil {
				return err
			}
			defer q.Close()
			defer a.Close()
			firstPassword, err := ensureAdminPassword(ctx, a.Store, a.Log)
			if err != nil {
				return err
			}
			if n, err := a.Store.DeleteExpiredSessions(ctx, time.Now()); err != nil {
				a.Log.Warn("delete expired sessions", "err", err)
			} else if n > 0 {
				a.Log.Info("expired sessions deleted", "n", n)
			}
			// Writers killed between creating a blob's temporary file and
			// renaming it leave the file behind; an hour is far longer than
			// any live write.
			// (A bucket has no such files: an S3 PUT is whole or absent.)
			if local, ok := a.Blobs.(*blob.Store); ok {
				go func() {
					if n, err := local.CleanTemp(time.Hour); err != nil {
						a.Log.Warn("clean blob temporary files", "err", err)
					} else if n > 0 {
						a.Log.Info("blob temporary files left by killed writers removed", "n", n)
					}
				}()
			}
			handler, err := web.New(web.Config{
				Store: a.Store, Blobs: a.Blobs, Archiver: a.Pipe, Feeds: a.Pipe, Analyzer: a.Search, Logger: a.Log, Location: loc,
				Jobs: web.JobOptions{Durable: q}, AllowedHosts: cli.LoopbackHosts(listen),
				Auth: a.Store, ReadAccess: access, BehindTLS: behindTLS, SessionTTL: sessionTTL,
				AnonymousSubmit: web.AnonymousSubmit{Enabled: anonSubmit, PerHour: submitRate, Domains: splitList(submitDomains)},
				Stories:         a.Stories, StoriesRejected: stories.ErrBadDecision,
				Watcher: a.Watch,
			})
			if err != nil {
				return err
			}
			srv := &http.Server{
				Addr:              listen,
				Handler:           handler,
				ReadHeaderTimeout: 10 * time.Second,
				ReadTimeout:       30 * time.Second,
				WriteTimeout:      60 * time.Second,
				IdleTimeout:       2 * time.Minute,
				BaseContext:       func(net.Listener) context.Context { return ctx },
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			a.Log.Info("serving", "addr", "http://"+ln.Addr().String(), "data", cfg.DataDir, "read_access", access,
				"anonymous_submit", anonSubmit)
			if firstPassword != "" {
				if err := announcePassword(cmd.ErrOrStderr(), a.Log, cfg.DataDir, firstPassword, "http://"+ln.Addr().String()+"/login"); err != nil {
					return err
				}
			}
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			if !noWork {
				work, err := jobWork(cfg, a, !noPoll, !noWatch)
				if err != nil {
					return err
				}
				if err := q.Start(ctx, work, queues); err != nil {
					return err
				}
			}
			var serveErr error
			select {
			case serveErr = <-errc:
			case <-ctx.Done():
			}
			a.Log.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) && serveErr == nil {
				serveErr = err
			}
			if err := handler.Shutdown(sctx); err != nil {
				a.Log.Warn("archive jobs cancelled at shutdown", "err", err)
			}
			if err := stopQueue(a, q, grace); err != nil && serveErr == nil {
				serveErr = err
			}
			if errors.Is(serveErr, http.ErrServerClosed) {
				serveErr = nil
			}
			return serveErr
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address to serve HTTP on (env NEWSVAULT_LISTEN)")
	cmd.Flags().StringVar(&readAccess, "read-access", "auto", "who may read: public, private (logged-in browsers and API tokens) or auto = public on a loopback --listen, private otherwise (env NEWSVAULT_READ_ACCESS)")
	cmd.Flags().BoolVar(&behindTLS, "behind-tls", false, "a TLS-terminating proxy serves newsvault: mark the session cookie Secure (env NEWSVAULT_BEHIND_TLS)")
	cmd.Flags().DurationVar(&sessionTTL, "session-ttl", 30*24*time.Hour, "how long a login lasts after it was last used")
	cmd.Flags().BoolVar(&anonSubmit, "anonymous-submit", false, "let anyone submit URLs to archive, rate limited (env NEWSVAULT_ANONYMOUS_SUBMIT); off by default")
	cmd.Flags().IntVar(&submitRate, "submit-rate", 10, "with --anonymous-submit: URLs one client address may submit in an hour")
	cmd.Flags().StringVar(&submitDomains, "submit-domains", "", "with --anonymous-submit: only URLs on these comma-separated domains or their subdomains (env NEWSVAULT_SUBMIT_DOMAINS; default any)")
	cmd.Flags().BoolVar(&noPoll, "no-poll", false, "do not poll feeds in this process")
	cmd.Flags().BoolVar(&noWatch, "no-watch", false, "do not re-check archived articles for edits and removals in this process (see newsvault watch)")
	cmd.Flags().BoolVar(&noWork, "no-work", false, "serve only: run no jobs in this process (worker processes run them)")
	bindQueueFlags(cmd, &qf)
	cmd.Flags().DurationVar(&qf.PublishEvery, "publish-interval", 0, "publish the targets of publish.toml this often (default: its interval, 10m)")
	cmd.Flags().IntVar(&workers, "jobs", 2, "archive jobs (submitted URLs) run at once in this process; same as archive=N in --queues")
	cmd.Flags().DurationVar(&grace, "grace", 20*time.Second, "on shutdown, how long requests and running archive jobs may take to finish")
	cmd.Flags().StringVar(&displayZone, "display-zone", "", "IANA time zone for the times newsvault records (first seen, polls) and for dates typed into search (env NEWSVAULT_DISPLAY_ZONE; default the system's); article dates show in their own zone")
	return cmd
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// schedule polls due feeds until ctx ends.
func schedule(ctx context.Context, a *cli.App, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if _, err := a.Pipe.PollDue(ctx, nil); err != nil && ctx.Err() == nil {
			a.Log.Error("scheduler", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
