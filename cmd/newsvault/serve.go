package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/web"
)

func newServeCmd(cfg *Config) *cobra.Command {
	var listen, displayZone string
	var noPoll bool
	var tick, grace time.Duration
	var workers int
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Poll feeds on their schedules and serve the archive over HTTP",
		Long: `serve runs the scheduler (each feed is polled when its next-poll time comes,
with back-off after errors) and an HTTP server with:

  /                      the latest articles, then /sources, /articles/{id}
                         (with its versions), /search?q= (simplified and
                         traditional Chinese find each other)
  /add                   forms to archive URLs, follow a feed, import OPML
  /api/v1/...            the JSON API; its OpenAPI description is
                         /api/v1/openapi.json
  /assets/{sha256}       a stored image
  /healthz, /metrics     health and Prometheus metrics

URLs submitted on /add or to POST /api/v1/archive are archived by background
jobs (--jobs at a time). Jobs are kept in memory only: a restart forgets them
(what they archived stays). On shutdown running jobs get --grace to finish.

Safety: there is no login yet. The pages that change the archive (/add,
following and removing feeds, OPML import, archiving URLs) are for the local
operator. serve therefore listens on loopback by default, answers only
requests addressed to localhost or a loopback address while it does, and
refuses writes from other origins. Put it behind an authenticating proxy
before you listen on another address.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			loc := time.Local
			if displayZone != "" {
				var err error
				if loc, err = time.LoadLocation(displayZone); err != nil {
					return usageError{fmt.Errorf("--display-zone %q: %w", displayZone, err)}
				}
			}
			a, err := openApp(ctx, cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			handler, err := web.New(web.Config{
				Store: a.store, Blobs: a.blobs, Archiver: a.pipe, Analyzer: a.search, Logger: a.log, Location: loc,
				Jobs: web.JobOptions{Workers: workers}, AllowedHosts: loopbackHosts(listen),
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
			a.log.Info("serving", "addr", "http://"+ln.Addr().String(), "data", cfg.DataDir)
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			if !noPoll {
				go schedule(ctx, a, tick)
			}
			var serveErr error
			select {
			case serveErr = <-errc:
			case <-ctx.Done():
			}
			a.log.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) && serveErr == nil {
				serveErr = err
			}
			if err := handler.Shutdown(sctx); err != nil {
				a.log.Warn("archive jobs cancelled at shutdown", "err", err)
			}
			if errors.Is(serveErr, http.ErrServerClosed) {
				serveErr = nil
			}
			return serveErr
		},
	}
	cmd.Flags().StringVar(&listen, "listen", envOr("NEWSVAULT_LISTEN", "127.0.0.1:8080"), "address to serve HTTP on (env NEWSVAULT_LISTEN); the write pages have no login, keep it on loopback")
	cmd.Flags().BoolVar(&noPoll, "no-poll", false, "serve only; do not poll feeds")
	cmd.Flags().DurationVar(&tick, "tick", 30*time.Second, "how often the scheduler looks for feeds that are due")
	cmd.Flags().IntVar(&workers, "jobs", 2, "archive jobs (submitted URLs) run at once")
	cmd.Flags().DurationVar(&grace, "grace", 20*time.Second, "on shutdown, how long requests and running archive jobs may take to finish")
	cmd.Flags().StringVar(&displayZone, "display-zone", envOr("NEWSVAULT_DISPLAY_ZONE", ""), "IANA time zone for the times newsvault records (first seen, polls) and for dates typed into search (env NEWSVAULT_DISPLAY_ZONE; default the system's); article dates show in their own zone")
	return cmd
}

// loopbackHosts returns the Host names the server should answer when it
// listens on a loopback address, or nil (answer any) otherwise. Checking
// Host stops a web page whose name was re-bound to 127.0.0.1 from reading
// or changing the local archive through the reader's browser.
func loopbackHosts(listen string) []string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil
	}
	if host == "localhost" {
		return []string{"localhost", "127.0.0.1", "::1"}
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return []string{"localhost", "127.0.0.1", "::1", host}
	}
	return nil
}

// schedule polls due feeds until ctx ends.
func schedule(ctx context.Context, a *app, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if _, err := a.pipe.PollDue(ctx, nil); err != nil && ctx.Err() == nil {
			a.log.Error("scheduler", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
