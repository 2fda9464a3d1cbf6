// Package web serves newsvault over HTTP: for now a small read-only JSON API
// (/api/v1/articles, /api/v1/articles/{id}, /api/v1/sources), our stored
// images under /assets/, /healthz and Prometheus /metrics. It only reads the
// store; archiving happens in the pipeline.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// Store is what the web server reads.
type Store interface {
	Article(ctx context.Context, id int64) (archive.Article, error)
	Articles(ctx context.Context, f store.ArticleFilter) ([]archive.Article, error)
	CountArticles(ctx context.Context, f store.ArticleFilter) (int, error)
	Versions(ctx context.Context, articleID int64) ([]archive.Version, error)
	Sources(ctx context.Context) ([]archive.Source, error)
	Asset(ctx context.Context, hash string) (archive.Asset, error)
	Stats(ctx context.Context) (store.Stats, error)
	Ping(ctx context.Context) error
}

// Blobs opens stored bytes.
type Blobs interface {
	Open(hash string) (io.ReadCloser, error)
}

// Server is the HTTP handler for newsvault.
type Server struct {
	store    Store
	blobs    Blobs
	log      *slog.Logger
	mux      *http.ServeMux
	registry *prometheus.Registry
	requests *prometheus.CounterVec
}

// New returns a Server. log may be nil.
func New(st Store, blobs Blobs, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{store: st, blobs: blobs, log: log, mux: http.NewServeMux(), registry: prometheus.NewRegistry()}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newsvault_http_requests_total", Help: "HTTP requests served, by route and status code.",
	}, []string{"route", "code"})
	s.registry.MustRegister(s.requests, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&statsCollector{st: st})

	s.handle("GET /healthz", s.healthz)
	s.handle("GET /api/v1/articles", s.listArticles)
	s.handle("GET /api/v1/articles/{id}", s.getArticle)
	s.handle("GET /api/v1/sources", s.listSources)
	s.handle("GET /assets/{hash}", s.asset)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	s.handle("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such route: "+r.Method+" "+r.URL.Path)
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) handle(pattern string, h http.HandlerFunc) {
	route := pattern
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		start := time.Now()
		h(sw, r)
		s.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		s.log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", sw.code, "dur", time.Since(start))
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "store_unavailable", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// articleJSON is the API's view of an article.
type articleJSON struct {
	ID           int64         `json:"id"`
	URL          string        `json:"url"`
	OriginalURL  string        `json:"original_url"`
	SourceID     int64         `json:"source_id"`
	Title        string        `json:"title"`
	Author       string        `json:"author,omitempty"`
	Published    *time.Time    `json:"published,omitempty"`
	Updated      *time.Time    `json:"updated,omitempty"`
	SiteName     string        `json:"site_name,omitempty"`
	Language     string        `json:"language,omitempty"`
	Image        string        `json:"image,omitempty"`
	FirstSeenAt  time.Time     `json:"first_seen_at"`
	LastSeenAt   time.Time     `json:"last_seen_at"`
	VersionCount int           `json:"version_count"`
	HTML         string        `json:"html,omitempty"`
	Text         string        `json:"text,omitempty"`
	Versions     []versionJSON `json:"versions,omitempty"`
}

type versionJSON struct {
	ID         int64     `json:"id"`
	Seq        int       `json:"seq"`
	Title      string    `json:"title"`
	Hash       string    `json:"hash"`
	CaptureID  int64     `json:"capture_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toJSON(a archive.Article, full bool) articleJSON {
	j := articleJSON{
		ID: a.ID, URL: a.URL, OriginalURL: a.OriginalURL, SourceID: a.SourceID, Title: a.Title, Author: a.Author,
		Published: timePtr(a.Published), Updated: timePtr(a.Updated), SiteName: a.SiteName, Language: a.Language,
		Image: a.Image, FirstSeenAt: a.FirstSeenAt, LastSeenAt: a.LastSeenAt, VersionCount: a.VersionCount,
	}
	if full {
		j.HTML, j.Text = a.HTML, a.Text
	}
	return j
}

func (s *Server) listArticles(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f store.ArticleFilter
	var err error
	if v := q.Get("source"); v != "" {
		if f.SourceID, err = strconv.ParseInt(v, 10, 64); err != nil || f.SourceID <= 0 {
			writeError(w, http.StatusBadRequest, "bad_parameter", "source must be a positive integer id")
			return
		}
	}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			if *dst, err = parseTime(v); err != nil {
				writeError(w, http.StatusBadRequest, "bad_parameter", name+": "+err.Error())
				return
			}
		}
	}
	if f.Limit, err = intParam(q.Get("limit"), 50, 1, 500); err != nil {
		writeError(w, http.StatusBadRequest, "bad_parameter", "limit: "+err.Error())
		return
	}
	if f.Offset, err = intParam(q.Get("offset"), 0, 0, 1<<30); err != nil {
		writeError(w, http.StatusBadRequest, "bad_parameter", "offset: "+err.Error())
		return
	}
	list, err := s.store.Articles(r.Context(), f)
	if err != nil {
		s.internal(w, err)
		return
	}
	total, err := s.store.CountArticles(r.Context(), f)
	if err != nil {
		s.internal(w, err)
		return
	}
	out := make([]articleJSON, 0, len(list))
	for _, a := range list {
		out = append(out, toJSON(a, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"articles": out, "total": total, "limit": f.Limit, "offset": f.Offset})
}

func (s *Server) getArticle(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "bad_parameter", "article id must be a positive integer")
		return
	}
	a, err := s.store.Article(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "no article with id "+strconv.FormatInt(id, 10))
		return
	}
	if err != nil {
		s.internal(w, err)
		return
	}
	vs, err := s.store.Versions(r.Context(), id)
	if err != nil {
		s.internal(w, err)
		return
	}
	j := toJSON(a, true)
	for _, v := range vs {
		j.Versions = append(j.Versions, versionJSON{ID: v.ID, Seq: v.Seq, Title: v.Title, Hash: v.Hash, CaptureID: v.CaptureID, CreatedAt: v.CreatedAt, LastSeenAt: v.LastSeenAt})
	}
	writeJSON(w, http.StatusOK, j)
}

type sourceJSON struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"`
	Title        string     `json:"title"`
	FeedURL      string     `json:"feed_url,omitempty"`
	SiteURL      string     `json:"site_url,omitempty"`
	Mode         string     `json:"mode"`
	TimeZone     string     `json:"time_zone,omitempty"`
	ArticleCount int        `json:"article_count"`
	LastPolledAt *time.Time `json:"last_polled_at,omitempty"`
	LastStatus   string     `json:"last_status,omitempty"`
	LastError    string     `json:"last_error,omitempty"`
	ErrorCount   int        `json:"error_count"`
	NextPollAt   *time.Time `json:"next_poll_at,omitempty"`
}

func (s *Server) listSources(w http.ResponseWriter, r *http.Request) {
	list, err := s.store.Sources(r.Context())
	if err != nil {
		s.internal(w, err)
		return
	}
	out := make([]sourceJSON, 0, len(list))
	for _, src := range list {
		j := sourceJSON{ID: src.ID, Kind: string(src.Kind), Title: src.Title, SiteURL: src.SiteURL, Mode: string(src.Mode),
			TimeZone: src.TimeZone, ArticleCount: src.ArticleCount, LastPolledAt: timePtr(src.LastPolledAt),
			LastStatus: src.LastStatus, LastError: src.LastError, ErrorCount: src.ErrorCount, NextPollAt: timePtr(src.NextPollAt)}
		if src.Kind == archive.KindFeed {
			j.FeedURL = src.FeedURL
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"sources": out})
}

// asset serves a stored image. Stored bytes come from other sites, so they
// are served with a sandbox CSP and never sniffed as HTML.
func (s *Server) asset(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	a, err := s.store.Asset(r.Context(), hash)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "no asset "+hash)
		return
	}
	if err != nil {
		s.internal(w, err)
		return
	}
	rc, err := s.blobs.Open(a.Hash)
	if err != nil {
		s.internal(w, err)
		return
	}
	defer rc.Close()
	ct := a.ContentType
	if !strings.HasPrefix(ct, "image/") {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+a.Hash+`"`)
	if r.Header.Get("If-None-Match") == `"`+a.Hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	io.Copy(w, rc)
}

func (s *Server) internal(w http.ResponseWriter, err error) {
	s.log.Error("request failed", "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "internal error")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, errCode, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]string{"code": errCode, "message": msg}})
}

func intParam(v string, def, min, max int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, errors.New("must be an integer from " + strconv.Itoa(min) + " to " + strconv.Itoa(max))
	}
	return n, nil
}

func parseTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("want a date (2006-01-02) or RFC 3339 time")
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
