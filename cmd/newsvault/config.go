package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store/sqlite"
)

// Config is everything the operator can set. It is built once from flags and
// environment variables and handed to constructors; nothing reads it
// globally.
type Config struct {
	DataDir      string
	AllowPrivate bool
	// AllowNets are the private ranges fetching may reach anyway.
	AllowNets    []netip.Prefix
	allowNetsErr error // a bad NEWSVAULT_ALLOW_NETS, reported by openApp
	UserAgent    string
	HostRate     float64
	HostConns    int
	Timeout      time.Duration
	IdleTimeout  time.Duration
	MaxBody      int64
	MaxHeader    int64
	MaxImages    int
	Proxy        string
	LogLevel     string
	LogJSON      bool
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

func envFloat(name string, def float64) float64 {
	if f, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return f
	}
	return def
}

// bindConfig registers the global flags on root.
func bindConfig(root *cobra.Command, c *Config) {
	f := root.PersistentFlags()
	f.StringVar(&c.DataDir, "data", envOr("NEWSVAULT_DATA", "./newsvault-data"), "data directory holding the database and blobs (env NEWSVAULT_DATA)")
	f.BoolVar(&c.AllowPrivate, "allow-private", envBool("NEWSVAULT_ALLOW_PRIVATE"), "allow fetching loopback, private and link-local addresses (env NEWSVAULT_ALLOW_PRIVATE); off by default to stop SSRF")
	c.AllowNets, c.allowNetsErr = fetch.ParseNets(os.Getenv("NEWSVAULT_ALLOW_NETS"))
	if c.allowNetsErr != nil {
		c.allowNetsErr = fmt.Errorf("NEWSVAULT_ALLOW_NETS: %w", c.allowNetsErr)
	}
	f.Var(newNetsFlag(&c.AllowNets, &c.allowNetsErr), "allow-net", "allow fetching this private range although --allow-private is off, e.g. 10.1.2.0/24 for an internal feed server; repeat it or separate ranges with commas (env NEWSVAULT_ALLOW_NETS, comma-separated)")
	f.StringVar(&c.UserAgent, "user-agent", envOr("NEWSVAULT_USER_AGENT", ""), "User-Agent sent with every request (default names newsvault)")
	f.Float64Var(&c.HostRate, "host-rate", envFloat("NEWSVAULT_HOST_RATE", 1), "requests per second allowed to any one host, shared by feeds, pages and images (env NEWSVAULT_HOST_RATE; 0 = unlimited)")
	f.IntVar(&c.HostConns, "host-conns", fetch.DefaultHostConns, "requests to any one host allowed in flight at once (0 = unlimited)")
	f.DurationVar(&c.Timeout, "timeout", 30*time.Second, "time limit for one HTTP request including its body")
	f.DurationVar(&c.IdleTimeout, "idle-timeout", fetch.DefaultIdleTimeout, "longest silence allowed within one HTTP request: connecting, waiting for the response, between body reads (0 = none)")
	f.Int64Var(&c.MaxBody, "max-body", 32<<20, "largest response body accepted, in bytes, after decompression")
	f.Int64Var(&c.MaxHeader, "max-header", fetch.DefaultMaxHeaderBytes, "largest response header block accepted, in bytes")
	f.IntVar(&c.MaxImages, "max-images", pipeline.DefaultMaxImages, "most images downloaded per article; the rest keep their remote links")
	f.StringVar(&c.Proxy, "proxy", envOr("NEWSVAULT_PROXY", ""), "HTTP(S) proxy URL for all requests (env NEWSVAULT_PROXY)")
	f.StringVar(&c.LogLevel, "log-level", envOr("NEWSVAULT_LOG_LEVEL", "info"), "log level: debug, info, warn or error")
	f.BoolVar(&c.LogJSON, "log-json", envBool("NEWSVAULT_LOG_JSON"), "write logs as JSON lines")
}

func (c *Config) logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogJSON {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// app is the wired program: store, blobs, client, search analyzer and
// pipeline.
type app struct {
	cfg    *Config
	log    *slog.Logger
	store  *sqlite.Store
	blobs  *blob.Store
	fetch  *fetch.Client
	search *search.Analyzer
	pipe   *pipeline.Pipeline
}

func openApp(ctx context.Context, c *Config) (*app, error) {
	log := c.logger()
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory %s: %w", c.DataDir, err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(c.DataDir, "newsvault.db"))
	if err != nil {
		return nil, err
	}
	blobs, err := blob.Open(filepath.Join(c.DataDir, "blobs"), blob.Options{})
	if err != nil {
		st.Close()
		return nil, err
	}
	if c.allowNetsErr != nil {
		st.Close()
		return nil, c.allowNetsErr
	}
	client := fetch.New(fetch.Config{
		UserAgent: c.UserAgent, Timeout: c.Timeout, MaxBodySize: c.MaxBody, AllowPrivate: c.AllowPrivate,
		AllowNets: c.AllowNets, HostRate: unlimited(c.HostRate), HostConns: unlimited(c.HostConns),
		IdleTimeout: unlimited(c.IdleTimeout), MaxHeaderBytes: c.MaxHeader, Proxy: c.Proxy, Logger: log,
	})
	an, err := search.NewAnalyzer()
	if err != nil {
		st.Close()
		return nil, err
	}
	x := extract.New(extract.Options{})
	p := pipeline.New(st, blobs, client, x, log, pipeline.Options{Indexer: an, MaxImages: c.MaxImages})
	return &app{cfg: c, log: log, store: st, blobs: blobs, fetch: client, search: an, pipe: p}, nil
}

func (a *app) Close() error { return a.store.Close() }
