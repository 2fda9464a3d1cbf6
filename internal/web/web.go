// Package web is newsvault's HTTP face. It owns the server-rendered reading
// UI (front page, sources, articles and their versions, search, the forms to
// add URLs, feeds and OPML), the JSON API under /api/v1 with its OpenAPI
// description, our stored images under /assets/, /healthz and Prometheus
// /metrics, and a small in-memory job runner that archives submitted URLs in
// the background.
//
// This package is the server: it composes the parts, each in its own
// package, and is the one place where routes and their access rules are
// registered. The pages are package ui's, the JSON API package api's, who
// may do what package auth's (internal/web/auth), search filters package
// query's, checks of what people type package input's, and the job runner
// package internal/jobs's.
//
// It reads the store and the search index and asks an Archiver to archive;
// it does not fetch, extract, sanitise for storage or index anything itself.
//
// Every state-changing route (add, sources CRUD, OPML import, archive,
// logout) needs authority: a session (the admin logs in on /login with the
// password that cmd/newsvault sets, and every form then carries the
// session's CSRF token) or an API token (Authorization: Bearer). Reading is
// open to anyone or to the signed-in only, as Config.ReadAccess says;
// anonymous URL submission, rate limited per client, can be turned on.
// Cross-origin writes are refused whatever they carry. Password hashing and
// secrets are package internal/auth's; the hashes live in the store
// (Credentials).
package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/jobs"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/watcher"
	"github.com/newsvault/newsvault/internal/web/api"
	webauth "github.com/newsvault/newsvault/internal/web/auth"
	"github.com/newsvault/newsvault/internal/web/input"
	webquery "github.com/newsvault/newsvault/internal/web/query"
	"github.com/newsvault/newsvault/internal/web/reply"
	"github.com/newsvault/newsvault/internal/web/ui"
)

// Store is what the web server reads and, for sources, writes.
type Store interface {
	Article(ctx context.Context, id int64) (archive.Article, error)
	ArticlesByStatus(ctx context.Context, status string, sourceID int64, limit, offset int) ([]store.Watch, error)
	Articles(ctx context.Context, f store.ArticleFilter) ([]archive.Article, error)
	CountArticles(ctx context.Context, f store.ArticleFilter) (int, error)
	Versions(ctx context.Context, articleID int64) ([]archive.Version, error)
	VersionAssets(ctx context.Context, versionID int64) ([]store.AssetRef, error)
	Search(ctx context.Context, q store.SearchQuery) ([]store.SearchHit, int, error)
	Source(ctx context.Context, id int64) (archive.Source, error)
	Sources(ctx context.Context) ([]archive.Source, error)
	CreateSource(ctx context.Context, src *archive.Source) error
	UpdateSource(ctx context.Context, src *archive.Source) error
	RemoveSource(ctx context.Context, id int64) error
	Asset(ctx context.Context, hash string) (archive.Asset, error)
	Stats(ctx context.Context) (store.Stats, error)
	Ping(ctx context.Context) error
	// Watching: status, checks, events and their captures.
	WatchOf(ctx context.Context, articleID int64) (store.Watch, error)
	Checks(ctx context.Context, articleID int64) ([]store.Check, error)
	ArticleEvents(ctx context.Context, articleID int64) ([]store.WatchEvent, error)
	WatchEvents(ctx context.Context, q store.EventQuery) ([]store.WatchEvent, error)
	Capture(ctx context.Context, id int64) (archive.Capture, error)
	WatchStats(ctx context.Context, now time.Time, grace time.Duration) (store.WatchStats, error)
}

// Watcher re-checks articles on request and counts its checks;
// *watcher.Watcher satisfies it.
type Watcher interface {
	CheckNow(ctx context.Context, articleID int64) (watcher.Result, error)
	Stats() *watcher.Stats
}

// Blobs opens stored bytes.
type Blobs interface {
	Open(ctx context.Context, hash string) (io.ReadCloser, error)
}

// Archiver archives one URL under a source (the manual pseudo-source when
// src is nil). *pipeline.Pipeline satisfies it.
type Archiver = jobs.Archiver

// Feeds checks and polls feeds; *pipeline.Pipeline satisfies it.
type Feeds = input.Feeds

// Analyzer turns what a reader typed into a store search expression and
// marks matches in result text. *search.Analyzer satisfies it.
type Analyzer = webquery.Analyzer

// Credentials is what the server needs of the store to sign people in.
// *sqlite.Store satisfies it.
type Credentials = webauth.Credentials

// ReadAccess says who may read the archive.
type ReadAccess = webauth.ReadAccess

// Who may read: see package auth.
const (
	ReadPublic  = webauth.ReadPublic
	ReadPrivate = webauth.ReadPrivate
)

// AnonymousSubmit lets people who have not signed in submit URLs to archive.
type AnonymousSubmit = webauth.AnonymousSubmit

// Stories is what the server needs of copies and stories (the article
// page's sections, the story pages, search folding, the API and the
// operator's corrections). *stories.Service satisfies it.
type Stories interface {
	ui.Stories
	api.Stories
}

// JobOptions tune the archive job runner.
type JobOptions = jobs.Options

// Config is what New needs. Store, Blobs, Analyzer and Auth are required.
type Config struct {
	Store    Store
	Blobs    Blobs
	Analyzer Analyzer
	// Auth keeps the admin's password hash, sessions and API tokens.
	Auth Credentials
	// Archiver runs the archive jobs of /add and POST /api/v1/archive. Nil
	// turns those routes off (they answer 503).
	Archiver Archiver
	// Feeds checks a feed added on the web before following it, and
	// polls one at once for the "poll now" button and
	// POST /api/v1/sources/{id}/poll. Nil: feeds are added unchecked and
	// polling on demand answers 503.
	Feeds  Feeds
	Logger *slog.Logger
	// Location shows the times newsvault itself recorded (first and last
	// seen, polls, jobs) and reads the dates typed into search filters.
	// Article dates are shown in the zone they were published in. Nil means
	// time.Local.
	Location *time.Location
	// Jobs tunes the background archive jobs.
	Jobs JobOptions
	// AllowedHosts, when not empty, lists the Host header values (without
	// port) the server answers; others get 421. serve sets it to the
	// loopback names when it listens on loopback, so that a web page whose
	// name was re-bound to 127.0.0.1 cannot drive the local archive.
	AllowedHosts []string
	// PageSize is the number of articles on one page of the UI; 0 means 20.
	PageSize int
	// ReadAccess says who may read: ReadPublic (anyone) or ReadPrivate
	// (the signed-in). Writes always need a session or a token. The zero
	// value is ReadPrivate.
	ReadAccess ReadAccess
	// BehindTLS marks the session cookie Secure on every response, not only
	// on requests that came over TLS: set it when a TLS-terminating proxy
	// forwards plain HTTP to the server.
	BehindTLS bool
	// SessionTTL is how long a session lasts after it was last used; 0
	// means 30 days.
	SessionTTL time.Duration
	// AnonymousSubmit, when enabled, lets anyone submit URLs to archive.
	AnonymousSubmit AnonymousSubmit
	// Stories, when set, shows copies and stories; StoriesRejected is the
	// error it wraps for a correction that cannot apply (422). Nil: the
	// story pages answer 404 and the story API 503.
	Stories         Stories
	StoriesRejected error
	// Watcher, when set, re-checks articles on request (the Check now
	// button, POST /api/v1/articles/{id}/check) and its counts are
	// exported as metrics. Nil: those routes answer 503.
	Watcher Watcher
}

// Server is the HTTP handler for newsvault. Shutdown stops its job runner.
type Server struct {
	store      Store
	blobs      Blobs
	log        *slog.Logger
	hosts      map[string]bool
	jobs       *jobs.Runner
	gate       *webauth.Gate
	ui         *ui.UI
	api        *api.API
	readAccess ReadAccess
	san        *content.Sanitizer
	behindTLS  bool
	mux        *http.ServeMux
	handler    http.Handler
	routes     []route
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
}

// route is one registration on the mux. The table is kept so that tests can
// check every API route against the OpenAPI description and every route
// against its access rule.
type route struct {
	Method  string // "" for the catch-all
	Pattern string // path pattern as given to http.ServeMux, without the method
	Access  webauth.Access
}

// New returns a Server and starts its job runner. It fails when a required
// part of cfg is missing.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Blobs == nil || cfg.Analyzer == nil || cfg.Auth == nil {
		return nil, errors.New("web: Config needs Store, Blobs, Analyzer and Auth")
	}
	switch cfg.ReadAccess {
	case "":
		cfg.ReadAccess = ReadPrivate
	case ReadPublic, ReadPrivate:
	default:
		return nil, fmt.Errorf("web: ReadAccess %q: want public or private", cfg.ReadAccess)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.Local
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 20
	}
	s := &Server{store: cfg.Store, blobs: cfg.Blobs, log: log, readAccess: cfg.ReadAccess,
		mux: http.NewServeMux(), registry: prometheus.NewRegistry()}
	if len(cfg.AllowedHosts) > 0 {
		s.hosts = make(map[string]bool)
		for _, h := range cfg.AllowedHosts {
			s.hosts[strings.ToLower(strings.Trim(h, "[]"))] = true
		}
	}
	s.jobs = jobs.New(cfg.Archiver, log, cfg.Jobs)
	san := content.NewSanitizer()
	s.san, s.behindTLS = san, cfg.BehindTLS
	q := webquery.New(cfg.Store, cfg.Analyzer, loc)
	// The gate shows the login page and reads forms as the pages do; s.ui
	// is set before the first request.
	s.gate = webauth.NewGate(webauth.Config{Credentials: cfg.Auth, Logger: log, ReadAccess: cfg.ReadAccess, BehindTLS: cfg.BehindTLS,
		SessionTTL: cfg.SessionTTL, AnonymousSubmit: cfg.AnonymousSubmit, Fail: s.fail, Internal: s.internal,
		ShowLogin: func(w http.ResponseWriter, r *http.Request, code int, f webauth.LoginForm) {
			s.ui.LoginPage(w, r, code, f)
		},
		ParseForm: func(w http.ResponseWriter, r *http.Request) bool { return s.ui.ParseForm(w, r) }})
	pages, err := ui.New(ui.Config{Store: cfg.Store, Jobs: s.jobs, Query: q, Gate: s.gate, Sanitizer: san, Logger: log, Location: loc,
		PageSize: cfg.PageSize, ReadAccess: cfg.ReadAccess, AnonymousSubmit: cfg.AnonymousSubmit.Enabled, Feeds: cfg.Feeds,
		Fail: s.fail, Internal: s.internal, Checker: checker(cfg.Watcher)})
	if err != nil {
		_ = s.jobs.Shutdown(context.Background())
		return nil, fmt.Errorf("web: %w", err)
	}
	s.ui = pages
	s.api = api.New(cfg.Store, s.jobs, cfg.Feeds, q, s.gate, san, log, s.internal, checker(cfg.Watcher))
	if cfg.Stories != nil {
		s.ui.SetStories(cfg.Stories, cfg.StoriesRejected)
		s.api.SetStories(cfg.Stories, cfg.StoriesRejected)
	}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newsvault_http_requests_total", Help: "HTTP requests served, by route and status code.",
	}, []string{"route", "code"})
	s.registry.MustRegister(s.requests, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&statsCollector{st: cfg.Store}, &jobsCollector{jobs: s.jobs}, &watchCollector{st: cfg.Store, w: cfg.Watcher})

	// Reading pages.
	s.handle("GET /{$}", s.ui.HomePage)
	s.handle("GET /sources", s.ui.SourcesPage)
	s.handle("GET /sources/{id}", s.ui.SourcePage)
	s.handle("GET /articles/{id}", s.ui.ArticlePage)
	s.handle("GET /articles/{id}/versions", s.ui.VersionsPage)
	s.handle("GET /articles/{id}/versions/{seq}", s.ui.VersionPage)
	s.handle("GET /articles/{id}/diff", s.ui.DiffPage)
	s.handle("POST /articles/{id}/check", s.ui.CheckForm)
	s.handle("GET /removed", s.ui.ChangesPage("removed"))
	s.handle("GET /edited", s.ui.ChangesPage("edited"))
	s.handle("GET /removed.atom", s.ui.Atom("removed"))
	s.handle("GET /edited.atom", s.ui.Atom("edited"))
	s.handle("GET /search", s.ui.SearchPage)
	s.handle("GET /stories", s.ui.StoriesPage)
	s.handle("GET /stories/{id}", s.ui.StoryPage)
	// Signing in.
	s.handleAs("GET /login", webauth.AccessOpen, s.gate.LoginPage)
	s.handleAs("POST /login", webauth.AccessOpen, s.gate.Login)
	s.handle("POST /logout", s.gate.Logout)
	// The operator's forms.
	s.handleAs("GET /add", webauth.AccessSubmit, s.ui.AddPage)
	s.handleAs("POST /add/url", webauth.AccessSubmit, s.ui.AddURL)
	s.handle("POST /add/feed", s.ui.AddFeed)
	s.handle("POST /add/opml", s.ui.AddOPML)
	s.handle("POST /sources/{id}/remove", s.ui.RemoveSourceForm)
	s.handle("POST /sources/{id}/poll", s.ui.PollSourceForm)
	s.handle("POST /sources/{id}/edit", s.ui.EditSourceForm)
	s.handle("POST /stories/{id}/merge", s.ui.MergeStoryForm)
	s.handle("POST /stories/{id}/split", s.ui.SplitStoryForm)
	s.handle("POST /articles/{id}/detach", s.ui.DetachArticleForm)
	s.handle("GET /jobs/{id}", s.ui.JobPage)
	// Files.
	s.handleAs("GET /static/{file}", webauth.AccessOpen, s.ui.Static)
	s.handle("GET /assets/{hash}", s.asset)
	s.handle("GET /feeds/{name}", s.feed)
	s.handleAs("GET /favicon.ico", webauth.AccessOpen, s.ui.Favicon)
	// Operations.
	s.handleAs("GET /healthz", webauth.AccessOpen, s.healthz)
	s.handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}).ServeHTTP)
	// The JSON API.
	s.handleAs("GET /api/v1/openapi.json", webauth.AccessOpen, s.api.OpenAPI)
	s.handle("GET /api/v1/health", s.api.Health)
	s.handle("GET /api/v1/articles", s.api.ListArticles)
	s.handle("GET /api/v1/articles/{id}", s.api.GetArticle)
	s.handle("GET /api/v1/articles/{id}/versions", s.api.Versions)
	s.handle("GET /api/v1/articles/{id}/versions/{seq}", s.api.Version)
	s.handle("GET /api/v1/articles/{id}/checks", s.api.Checks)
	s.handle("GET /api/v1/articles/{id}/diff", s.api.Diff)
	s.handle("POST /api/v1/articles/{id}/check", s.api.Check)
	s.handle("GET /api/v1/search", s.api.Search)
	s.handle("GET /api/v1/articles/{id}/copies", s.api.ArticleCopies)
	s.handle("GET /api/v1/articles/{id}/story", s.api.ArticleStory)
	s.handle("POST /api/v1/articles/{id}/detach", s.api.DetachArticle)
	s.handle("GET /api/v1/stories", s.api.ListStories)
	s.handle("GET /api/v1/stories/{id}", s.api.GetStory)
	s.handle("POST /api/v1/stories/{id}/merge", s.api.MergeStories)
	s.handle("POST /api/v1/stories/{id}/split", s.api.SplitStory)
	s.handle("GET /api/v1/sources", s.api.ListSources)
	s.handle("POST /api/v1/sources", s.api.CreateSource)
	s.handle("GET /api/v1/sources/{id}", s.api.GetSource)
	s.handle("PATCH /api/v1/sources/{id}", s.api.PatchSource)
	s.handle("DELETE /api/v1/sources/{id}", s.api.DeleteSource)
	s.handle("POST /api/v1/sources/{id}/poll", s.api.PollSource)
	s.handleAs("POST /api/v1/archive", webauth.AccessSubmit, s.api.Archive)
	s.handleAs("GET /api/v1/jobs", webauth.AccessSignedIn, s.api.ListJobs)
	s.handle("GET /api/v1/jobs/{id}", s.api.GetJob)
	s.handle("POST /api/v1/opml", s.api.ImportOPML)
	s.handleAs("GET /api/v1/opml", webauth.AccessSignedIn, s.api.ExportOPML)
	s.handle("/", s.fallback)

	// Form posts and API writes from other origins are refused, signed in
	// or not: a page on another site must not be able to make the
	// operator's browser add feeds or archive URLs. (The CSRF token is the
	// second line, for browsers that send neither Sec-Fetch-Site nor
	// Origin.)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusForbidden, "cross_origin", "cross-origin requests may not change the archive")
	}))
	s.handler = cop.Handler(s.mux)
	return s, nil
}

// Shutdown stops the job runner: queued jobs that have not started are
// marked failed, and running ones may finish until ctx ends, when they are
// cancelled. Jobs live in memory only and do not survive a restart.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.jobs.Shutdown(ctx)
}

// securityHeaders are sent with every response. Pages load nothing from
// other origins: images are our copies (img-src 'self'), the only script is
// our own optional time localiser, and archived markup keeps only the inline
// style attributes the sanitiser allows (colours, alignment).
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; " +
		"img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy":        "no-referrer",
	"X-Frame-Options":        "DENY",
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range securityHeaders {
		h.Set(k, v)
	}
	if s.hosts != nil {
		host := r.Host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		if !s.hosts[strings.ToLower(strings.Trim(host, "[]"))] {
			s.fail(w, r, http.StatusMisdirectedRequest, "bad_host", "this server does not answer for host "+strconv.Quote(r.Host))
			return
		}
	}
	s.handler.ServeHTTP(w, r)
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// handle registers h under pattern ("METHOD /path") with the access its
// method implies: GET (and the catch-all) reads, every other method writes.
// A new route is therefore safe by default.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	acc := webauth.AccessWrite
	if m, _, ok := strings.Cut(pattern, " "); !ok || m == http.MethodGet || m == http.MethodHead {
		acc = webauth.AccessRead
	}
	s.handleAs(pattern, acc, h)
}

// handleAs registers h under pattern with access acc, checking it before h
// runs, counting requests per route and remembering the registration in
// s.routes.
func (s *Server) handleAs(pattern string, acc webauth.Access, h http.HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	s.routes = append(s.routes, route{Method: method, Pattern: path, Access: acc})
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		start := time.Now()
		if r, ok := s.gate.Authorize(sw, r, acc); ok {
			h(sw, r)
		}
		s.requests.WithLabelValues(pattern, strconv.Itoa(sw.code)).Inc()
		s.log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", sw.code, "dur", time.Since(start))
	})
}

// fallback answers every request no route took: 405 when the path exists
// under another method, else 404 (a page, or JSON under /api/).
func (s *Server) fallback(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "POST", "PATCH", "DELETE"} {
		if m == r.Method || (m == "GET" && r.Method == "HEAD") {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.fail(w, r, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+r.URL.Path)
		return
	}
	s.fail(w, r, http.StatusNotFound, "not_found", "no such page: "+r.URL.Path)
}

// fail answers an error: JSON for the API, an error page otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, errCode, msg string) {
	if reply.IsAPI(r) {
		reply.Error(w, code, errCode, msg)
		return
	}
	s.ui.ErrorPage(w, r, code, msg)
}

// statusClientClosed is recorded (as nginx does) when the client went away
// before its answer was ready: that is not a server error.
const statusClientClosed = 499

// internal logs err and answers 500 without details, unless the client
// has gone away, which is logged at debug level and counted as 499.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		s.log.Debug("client went away", "method", r.Method, "path", r.URL.Path, "err", err)
		w.WriteHeader(statusClientClosed)
		return
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	s.fail(w, r, http.StatusInternalServerError, "internal", "internal error")
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		reply.Error(w, http.StatusServiceUnavailable, "store_unavailable", err.Error())
		return
	}
	reply.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// asset serves a stored image. Stored bytes come from other sites, so they
// are served with a sandbox CSP and never sniffed as HTML.
func (s *Server) asset(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	a, err := s.store.Asset(r.Context(), hash)
	if errors.Is(err, store.ErrNotFound) {
		reply.Error(w, http.StatusNotFound, "not_found", "no asset "+hash)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	// Only an allow-listed image type is sent as what it is. Anything
	// else stored before that rule (an "image/gif, text/html", an SVG) is
	// a download: never rendered on this origin.
	// A rendered page's PDF is sent as a PDF, to be saved: the sandbox
	// below would keep a browser's viewer from showing it in place.
	switch {
	case archive.IsImageType(a.ContentType):
		w.Header().Set("Content-Type", a.ContentType)
	case a.ContentType == "application/pdf":
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="`+a.Hash[:min(len(a.Hash), 16)]+`.pdf"`)
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", "attachment")
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	if s.readAccess == ReadPublic {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// Only the signed-in may see it: no shared cache may keep it.
		w.Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	}
	w.Header().Set("ETag", `"`+a.Hash+`"`)
	if r.Header.Get("If-None-Match") == `"`+a.Hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	rc, err := s.blobs.Open(r.Context(), a.Hash)
	if err != nil {
		s.internal(w, r, fmt.Errorf("asset %s: %w", a.Hash, err))
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, rc); err != nil {
		s.log.Debug("asset write", "hash", a.Hash, "err", err)
	}
}

// statsCollector exports the store's counts at scrape time.
type statsCollector struct{ st Store }

var (
	descArticles = prometheus.NewDesc("newsvault_articles", "Articles in the archive.", nil, nil)
	descVersions = prometheus.NewDesc("newsvault_versions", "Article versions in the archive.", nil, nil)
	descCaptures = prometheus.NewDesc("newsvault_captures", "Raw captures stored.", nil, nil)
	descAssets   = prometheus.NewDesc("newsvault_assets", "Assets (images) stored.", nil, nil)
	descSources  = prometheus.NewDesc("newsvault_sources", "Sources followed.", nil, nil)
	descFailing  = prometheus.NewDesc("newsvault_sources_failing", "Feeds whose last poll failed.", nil, nil)
	descJobs     = prometheus.NewDesc("newsvault_jobs", "Archive jobs kept in memory, by state.", []string{"state"}, nil)
)

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descArticles, descVersions, descCaptures, descAssets, descSources, descFailing} {
		ch <- d
	}
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.st.Stats(ctx)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(descArticles, prometheus.GaugeValue, float64(st.Articles))
	ch <- prometheus.MustNewConstMetric(descVersions, prometheus.GaugeValue, float64(st.Versions))
	ch <- prometheus.MustNewConstMetric(descCaptures, prometheus.GaugeValue, float64(st.Captures))
	ch <- prometheus.MustNewConstMetric(descAssets, prometheus.GaugeValue, float64(st.Assets))
	ch <- prometheus.MustNewConstMetric(descSources, prometheus.GaugeValue, float64(st.Sources))
	if srcs, err := c.st.Sources(ctx); err == nil {
		failing := 0
		for _, s := range srcs {
			if s.LastStatus == archive.PollError {
				failing++
			}
		}
		ch <- prometheus.MustNewConstMetric(descFailing, prometheus.GaugeValue, float64(failing))
	}
}

// jobsCollector exports how many jobs are in each state.
type jobsCollector struct{ jobs *jobs.Runner }

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descJobs }

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	counts := c.jobs.Counts()
	for _, st := range []jobs.State{jobs.Queued, jobs.Running, jobs.Done, jobs.Failed} {
		ch <- prometheus.MustNewConstMetric(descJobs, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}
