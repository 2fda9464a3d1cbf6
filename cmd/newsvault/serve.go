package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/web"
)

func newServeCmd(cfg *Config) *cobra.Command {
	var listen string
	var noPoll bool
	var tick time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Poll feeds on their schedules and serve the archive over HTTP",
		Long: `serve runs the scheduler (each feed is polled when its next-poll time comes,
with back-off after errors) and an HTTP server with a read-only JSON API:

  GET /api/v1/articles        ?source=ID&since=DATE&until=DATE&limit=N&offset=N
  GET /api/v1/articles/{id}   one article with its content and versions
  GET /api/v1/sources         feeds and pseudo-sources with their status
  GET /assets/{sha256}        a stored image
  GET /healthz, GET /metrics  health and Prometheus metrics

It listens on loopback by default; put it behind a proxy to expose it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			a, err := openApp(ctx, cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			srv := &http.Server{
				Addr:              listen,
				Handler:           web.New(a.store, a.blobs, a.log),
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
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			a.log.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", envOr("NEWSVAULT_LISTEN", "127.0.0.1:8080"), "address to serve HTTP on (env NEWSVAULT_LISTEN)")
	cmd.Flags().BoolVar(&noPoll, "no-poll", false, "serve only; do not poll feeds")
	cmd.Flags().DurationVar(&tick, "tick", 30*time.Second, "how often the scheduler looks for feeds that are due")
	return cmd
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
