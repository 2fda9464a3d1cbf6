// Package cli is the command-line plumbing the newsvault commands share:
// the operator's configuration read from flags and environment variables,
// the program wired from it (store, blobs, fetch client, the one extractor,
// search analyzer, pipeline, watcher), progress reporting and usage errors. The
// product (cmd/newsvault) and the measuring tools (cmd/newsvault-bench)
// both build on it; it holds no verb.
package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/render"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/stories"
	"github.com/newsvault/newsvault/internal/watcher"
)

// Config is everything the operator can set. It is built once from flags and
// environment variables and handed to constructors; nothing reads it
// globally.
type Config struct {
	DataDir string
	// Blobs is where raw captures and images go: empty for DataDir/blobs,
	// a directory, or s3://bucket/prefix?endpoint=…&region=… (credentials
	// from the AWS environment variables only).
	Blobs string
	// Store is "" or "sqlite" for the embedded store in DataDir, or a
	// postgres:// URL (see OpenStore).
	Store        string
	AllowPrivate bool
	// AllowNets are the private ranges fetching may reach anyway.
	AllowNets   []netip.Prefix
	UserAgent   string
	HostRate    float64
	HostConns   int
	Timeout     time.Duration
	IdleTimeout time.Duration
	MaxBody     int64
	MaxHeader   int64
	MaxImages   int
	MaxItems    int
	MaxPage     int
	Proxy       string
	LogLevel    string
	LogJSON     bool
	// RulesDir is a directory of site rules (FiveFilters ftr-site-config
	// files) the extractor uses besides its built-in ones.
	RulesDir string
	// Render turns the headless browser on ("auto", the default: used as
	// each source's or URL's render mode says) or off ("off").
	Render string
	// RenderTabs and RenderTimeout bound the browser: captures at once,
	// and the time one capture may take.
	RenderTabs    int
	RenderTimeout time.Duration
	// RenderCookies is a Netscape cookies.txt file, or a directory of
	// them, whose cookies rendered pages of their own sites are sent.
	RenderCookies string
	// RenderPDF keeps a PDF of each rendered page besides its screenshot.
	RenderPDF bool
	// RenderBurst is how many requests of one rendered page to its own
	// host skip the host's rate-limit turns.
	RenderBurst int

	// env reads the environment (Configure sets it; os.LookupEnv when
	// nil): the S3 credentials are taken from it, never from a flag.
	env func(string) (string, bool)
	// Queue is the job queue's database URL (postgres://… or
	// sqlite://PATH); empty is jobs.db in the data directory.
	Queue string
	// Gate, when set by a verb that opened the job queue, is the per-host
	// budget shared with every process on the same queue. Not a flag.
	Gate fetch.Gate
}

// Bind registers the global flags on root. Their defaults are the
// built-in ones; environment variables are applied after parsing, by
// LoadEnv, so that a bad value is an error naming the variable rather
// than silently ignored.
func Bind(root *cobra.Command, c *Config) {
	f := root.PersistentFlags()
	f.StringVar(&c.DataDir, "data", "./newsvault-data", "data directory holding the database and blobs (env NEWSVAULT_DATA)")
	f.StringVar(&c.Blobs, "blobs", "", "where raw captures and images are kept: a directory (default: blobs under --data; a network file system may share it between machines) or s3://bucket/prefix?endpoint=https://host:port&region=… for an S3-compatible bucket, with credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (env NEWSVAULT_BLOBS)")
	f.StringVar(&c.Store, "store", "", "the archive's database: empty or sqlite for a file in the data directory (the default), or a postgres://user:password@host/db URL for PostgreSQL, which many serve and worker processes can share; blobs stay in the data directory (env NEWSVAULT_STORE)")
	f.BoolVar(&c.AllowPrivate, "allow-private", false, "allow fetching loopback, private and link-local addresses from the host of a URL you archive or a feed you add or poll, never for web submissions or other hosts; \"feeds add\" and \"feeds edit\" store it with the feed (env NEWSVAULT_ALLOW_PRIVATE); off by default to stop SSRF")
	f.Var(newNetsFlag(&c.AllowNets), "allow-net", "like --allow-private for this range only, e.g. 10.1.2.0/24 for an internal feed server; repeat it or separate ranges with commas (env NEWSVAULT_ALLOW_NETS, comma-separated)")
	f.StringVar(&c.UserAgent, "user-agent", "", "User-Agent sent with every request (env NEWSVAULT_USER_AGENT; default names newsvault)")
	f.Float64Var(&c.HostRate, "host-rate", 1, "requests per second allowed to any one host, shared by feeds, pages and images (env NEWSVAULT_HOST_RATE; 0 = unlimited)")
	f.IntVar(&c.HostConns, "host-conns", fetch.DefaultHostConns, "requests to any one host allowed in flight at once (env NEWSVAULT_HOST_CONNS; 0 = unlimited)")
	f.DurationVar(&c.Timeout, "timeout", 30*time.Second, "time limit for one HTTP request including its body (env NEWSVAULT_TIMEOUT; 0 = none)")
	f.DurationVar(&c.IdleTimeout, "idle-timeout", fetch.DefaultIdleTimeout, "longest silence allowed within one HTTP request: connecting, waiting for the response, between body reads (env NEWSVAULT_IDLE_TIMEOUT; 0 = none)")
	f.Int64Var(&c.MaxBody, "max-body", 32<<20, "largest response body accepted, in bytes, after decompression (env NEWSVAULT_MAX_BODY)")
	f.Int64Var(&c.MaxHeader, "max-header", fetch.DefaultMaxHeaderBytes, "largest response header block accepted, in bytes (env NEWSVAULT_MAX_HEADER)")
	f.IntVar(&c.MaxImages, "max-images", pipeline.DefaultMaxImages, "most images downloaded per article; the rest keep their remote links (env NEWSVAULT_MAX_IMAGES)")
	f.IntVar(&c.MaxItems, "max-items", pipeline.DefaultMaxItems, "most items one poll archives from a feed, in feed order, unless the feed sets its own; the rest are skipped and reported (env NEWSVAULT_MAX_ITEMS)")
	f.IntVar(&c.MaxPage, "max-page-size", pipeline.DefaultMaxPageSize, "largest page, in bytes, given to article extraction; a larger one is refused with that reason and kept as a capture (env NEWSVAULT_MAX_PAGE_SIZE)")
	f.StringVar(&c.Proxy, "proxy", "", "HTTP(S) proxy URL for all requests (env NEWSVAULT_PROXY)")
	f.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error (env NEWSVAULT_LOG_LEVEL)")
	f.BoolVar(&c.LogJSON, "log-json", false, "write logs as JSON lines (env NEWSVAULT_LOG_JSON)")
	f.StringVar(&c.Render, "render-browser", "auto", "the headless browser (Chromium at $CHROMIUM or /usr/bin/chromium) for pages built by JavaScript: auto (used as each source's or URL's --render mode says) or off (env NEWSVAULT_RENDER)")
	f.BoolFunc("no-render", "never start the headless browser; same as --render-browser=off", func(string) error { c.Render = "off"; return nil })
	f.IntVar(&c.RenderTabs, "render-tabs", render.DefaultTabs, "pages rendered at once in the headless browser (env NEWSVAULT_RENDER_TABS)")
	f.DurationVar(&c.RenderTimeout, "render-timeout", render.DefaultTimeout, "time limit for rendering one page in the browser (env NEWSVAULT_RENDER_TIMEOUT)")
	f.StringVar(&c.RenderCookies, "render-cookies", "", "a Netscape cookies.txt file (as curl, wget and yt-dlp read and browser extensions export), or a directory of them, one per site, for sites that show their text only to a signed-in reader: a rendered page gets the cookies of its own site only, each request of it those whose domain, path and secure flag match, and nothing is written back (env NEWSVAULT_RENDER_COOKIES)")
	f.BoolVar(&c.RenderPDF, "render-pdf", false, "also keep a PDF of every rendered page, linked from the article like its screenshot (env NEWSVAULT_RENDER_PDF)")
	f.IntVar(&c.RenderBurst, "render-burst", render.DefaultHostBurst, "requests of one rendered page (images, scripts, data) to the page's own host that need not wait for --host-rate turns; the page itself waits its turn, so pages of one host keep to the rate (env NEWSVAULT_RENDER_BURST; 0 = none)")
	f.StringVar(&c.Queue, "queue", "", "the job queue's database: postgres://USER@HOST/DB or sqlite://PATH, shared by every serve and worker process (env NEWSVAULT_QUEUE; default: the --store database when that is PostgreSQL, else jobs.db in the data directory)")
	f.StringVar(&c.RulesDir, "rules", "", "a directory of site rules (ftr-site-config <host>.txt files) the extractor uses besides its built-in ones, for every page archived, imported or extracted (env NEWSVAULT_RULES)")
}

// UsageError marks errors caused by how the command was called; commands
// exit with status 2 for them.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// Usagef is a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return UsageError{fmt.Errorf(format, args...)}
}

// Configure applies the environment to cmd's flags and validates cfg. Its
// errors are usage errors.
func Configure(cmd *cobra.Command, cfg *Config, lookup func(string) (string, bool)) error {
	cfg.env = lookup
	if err := LoadEnv(cmd.Flags(), lookup); err != nil {
		return UsageError{err}
	}
	if err := cfg.Validate(); err != nil {
		return UsageError{err}
	}
	return nil
}

// reEnvName finds the environment variable a flag's help names.
var reEnvName = regexp.MustCompile(`\(env (NEWSVAULT_[A-Z0-9_]+)`)

// LoadEnv sets every flag of fs that the command line left alone from the
// environment variable its help text names ("(env NEWSVAULT_X"), so the
// help is the one list of variables. An empty variable counts as unset. A
// value the flag refuses is an error naming the variable.
func LoadEnv(fs *pflag.FlagSet, lookup func(string) (string, bool)) error {
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		m := reEnvName.FindStringSubmatch(f.Usage)
		if m == nil || f.Changed {
			return
		}
		v, ok := lookup(m[1])
		if !ok || v == "" {
			return
		}
		if f.Value.Type() == "bool" {
			b, err := envBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", m[1], v, err))
				return
			}
			v = strconv.FormatBool(b)
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", m[1], v, err))
		}
	})
	return errors.Join(errs...)
}

// envBool reads a yes-or-no environment variable the ways people write one.
func envBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on", "y", "t":
		return true, nil
	case "0", "false", "no", "off", "n", "f":
		return false, nil
	}
	return false, errors.New("not a yes-or-no value: use yes or no, on or off, true or false, 1 or 0")
}

// Validate checks values no flag type can: ranges, and strings that go
// into requests or parsers later.
func (c *Config) Validate() error {
	var errs []error
	bad := func(flag, why string) { errs = append(errs, fmt.Errorf("--%s: %s", flag, why)) }
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data", "must name a directory")
	}
	if err := validBlobs(c.Blobs); err != nil {
		bad("blobs", err.Error())
	}
	if err := checkStore(c.Store); err != nil {
		bad("store", err.Error())
	}
	if strings.ContainsAny(c.UserAgent, "\r\n\x00") {
		bad("user-agent", "must be one line")
	}
	if math.IsNaN(c.HostRate) || math.IsInf(c.HostRate, 0) || c.HostRate < 0 {
		bad("host-rate", "must be a number of requests per second, 0 or more")
	}
	if c.HostConns < 0 {
		bad("host-conns", "must be 0 or more")
	}
	if c.Timeout < 0 {
		bad("timeout", "must be 0 or more")
	}
	if c.IdleTimeout < 0 {
		bad("idle-timeout", "must be 0 or more")
	}
	if c.MaxBody <= 0 {
		bad("max-body", "must be more than 0 bytes")
	}
	if c.MaxHeader <= 0 {
		bad("max-header", "must be more than 0 bytes")
	}
	if c.MaxItems < 1 {
		bad("max-items", "must be 1 or more")
	}
	if c.MaxPage < 1 {
		bad("max-page-size", "must be 1 or more")
	}
	if c.MaxImages < 0 {
		bad("max-images", "must be 0 or more")
	}
	if c.Proxy != "" {
		u, err := url.Parse(c.Proxy)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("proxy", fmt.Sprintf("%q is not an http:// or https:// URL", c.Proxy))
		}
	}
	switch strings.ToLower(c.Render) {
	case "auto", "on", "":
	case "off", "never", "no":
		c.Render = "off"
	default:
		bad("render-browser", fmt.Sprintf("%q is not auto or off", c.Render))
	}
	if c.RenderTabs < 1 {
		bad("render-tabs", "must be 1 or more")
	}
	if c.RenderTimeout <= 0 {
		bad("render-timeout", "must be more than 0")
	}
	if c.RenderBurst < 0 {
		bad("render-burst", "must be 0 or more")
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		bad("log-level", fmt.Sprintf("%q is not debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// Logger returns the logger the configuration asks for, writing to
// standard error.
func (c *Config) Logger() *slog.Logger {
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

// Extractor builds the article extractor from the configuration: the
// built-in site rules and the operator's RulesDir. Every verb that extracts
// uses the one it returns; a RulesDir that cannot be read, or a rules file
// in it that does not parse, is an error.
func (c *Config) Extractor() (*extract.Extractor, error) {
	x, err := extract.Open(extract.Options{RulesDir: c.RulesDir})
	if err != nil {
		return nil, fmt.Errorf("--rules %s: %w", c.RulesDir, err)
	}
	return x, nil
}

// App is the wired program: store, blobs, fetch client, extractor, search
// analyzer and the pipeline that uses them.
type App struct {
	Cfg       *Config
	Log       *slog.Logger
	Store     Store
	Blobs     Blobs
	Fetch     *fetch.Client
	Extractor *extract.Extractor
	Search    *search.Analyzer
	Pipe      *pipeline.Pipeline
	// Stories finds copies and stories of every new version (the
	// pipeline tells it) and serves them to the web and the verbs.
	Stories *stories.Service
	// Watch re-checks archived articles (serve runs it; so do the watch
	// and check verbs).
	Watch *watcher.Watcher
	// Render is the headless browser, nil when the operator turned it off;
	// it starts no process until a page needs it.
	Render *render.Renderer
}

// Open wires the program from c, creating the data directory when needed.
// Close it when done.
func Open(ctx context.Context, c *Config) (*App, error) {
	log := c.Logger()
	x, err := c.Extractor()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory %s: %w", c.DataDir, err)
	}
	st, err := OpenStore(ctx, c)
	if err != nil {
		return nil, err
	}
	blobs, err := OpenBlobs(ctx, c.Blobs, c.DataDir, c.env)
	if err != nil {
		st.Close()
		return nil, err
	}
	client := fetch.New(fetch.Config{
		UserAgent: c.UserAgent, Timeout: c.Timeout, MaxBodySize: c.MaxBody,
		HostRate: unlimited(c.HostRate), HostConns: unlimited(c.HostConns),
		IdleTimeout: unlimited(c.IdleTimeout), MaxHeaderBytes: c.MaxHeader, Proxy: c.Proxy, Logger: log,
		Gate: c.Gate,
	})
	an, err := search.NewAnalyzer()
	if err != nil {
		st.Close()
		return nil, err
	}
	// The analyzer's fold is zh.Folder's: copies and stories compare text
	// folded exactly as search does.
	rel, err := stories.Open(ctx, st, an.Fold, stories.Options{Logger: log})
	if err != nil {
		st.Close()
		return nil, err
	}
	// The network allowance is not the client's: it opens addresses only
	// for the operator's own sources and URLs (see Policy), never for
	// anonymous submissions or other hosts.
	opts := pipeline.Options{Indexer: an, MaxImages: c.MaxImages, MaxItems: c.MaxItems,
		MaxPageSize: c.MaxPage, AllowPrivate: c.AllowPrivate, AllowNets: c.AllowNets, Related: rel}
	var r *render.Renderer
	if c.Render != "off" {
		cookies, err := c.renderCookies()
		if err != nil {
			st.Close()
			return nil, err
		}
		// The browser's requests share the one client, so its guard,
		// allow-lists and per-host budget hold for them too.
		burst := c.RenderBurst
		if burst == 0 {
			burst = -1 // none; render's zero means its default
		}
		r = render.New(client, render.Config{Tabs: c.RenderTabs, Timeout: c.RenderTimeout, PDF: c.RenderPDF, HostBurst: burst, Logger: log})
		if err := r.Available(); err != nil {
			log.Info("pages built by JavaScript will be archived as served", "err", err)
			r = nil
		} else {
			opts.Renderer = r
			if cookies.Len() > 0 {
				opts.RenderCookies = cookies.For
			}
		}
	}
	p := pipeline.New(st, blobs, client, x, log, opts)
	w := watcher.New(st, blobs, client, x, p, watcher.Options{Logger: log,
		// A re-check reaches what the article's first fetch could: a
		// feed's stored and the operator's allowance for the feed's host,
		// the operator's allowance for a URL archived by hand.
		Network: func(a archive.Article, src *archive.Source) fetch.Policy {
			if src != nil && src.Kind == archive.KindFeed {
				return p.SourcePolicy(src)
			}
			return c.Policy(a.URL)
		}})
	return &App{Cfg: c, Log: log, Store: st, Blobs: blobs, Fetch: client, Extractor: x, Search: an, Pipe: p,
		Stories: rel, Watch: w, Render: r}, nil
}

// renderCookies reads the --render-cookies file or directory; nil when
// none is given.
func (c *Config) renderCookies() (*render.Cookies, error) {
	if c.RenderCookies == "" {
		return nil, nil
	}
	cookies, err := render.LoadCookies(c.RenderCookies)
	if err != nil {
		return nil, fmt.Errorf("--render-cookies: %w", err)
	}
	return cookies, nil
}

// Policy is the fetch policy of a request the operator makes from the
// command line for rawURL: the --allow-private and --allow-net allowance,
// for rawURL's host only (not for redirects to, or images on, other hosts).
func (c *Config) Policy(rawURL string) fetch.Policy {
	return fetch.Policy{Host: fetch.HostOf(rawURL), AllowPrivate: c.AllowPrivate, AllowNets: c.AllowNets}
}

// Close ends the browser, if one was started, saves what the stories
// service holds and closes the store.
func (a *App) Close() error {
	if a.Render != nil {
		a.Render.Close()
	}
	err := a.Stories.Close(context.Background())
	return errors.Join(err, a.Store.Close())
}
