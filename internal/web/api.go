package web

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// The JSON API under /api/v1, described by openapi.json. Errors are
// {"error":{"code":"…","message":"…"}} with these stable codes:
//
//	bad_parameter          a query or path parameter cannot be read (400)
//	bad_request            the body is not the JSON asked for (400)
//	unsupported_media_type the body is not application/json (415)
//	too_large              the body is over its size limit (413)
//	not_found              no such route, article, source, version or job (404)
//	method_not_allowed     the route exists under other methods (405)
//	conflict               the feed is already followed (409)
//	unauthorized           sign in first, or the bearer token is unknown or revoked (401)
//	csrf                   a signed-in browser's write without its CSRF token (403)
//	cross_origin           a write from another origin (403)
//	forbidden_domain       an anonymous submission of a URL off the domain list (403)
//	rate_limited           too many anonymous submissions; see Retry-After (429)
//	bad_host               a Host header the server does not answer (421)
//	busy                   the archive queue is full (503)
//	archiving_unavailable  this server cannot archive (503)
//	store_unavailable      the store does not answer (503)
//	internal               anything else (500)

//go:embed openapi.json
var openAPISpec []byte

// maxJSON is the largest JSON request body accepted.
const maxJSON = 1 << 20

// maxSearchLimit is the largest page of search results asked of the store.
const maxSearchLimit = 100

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openAPISpec)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v) // a failed write means the client has gone
}

func writeError(w http.ResponseWriter, code int, errCode, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]string{"code": errCode, "message": msg}})
}

// decodeJSON reads a size-limited, strictly typed JSON body into dst:
// unknown fields, trailing data and other content types are refused. It
// reports false when it has answered with an error.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSON))
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	if err == nil {
		if dec.Decode(&struct{}{}) != io.EOF {
			err = errors.New("unexpected data after the JSON value")
		}
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is larger than %d bytes", maxJSON))
			return false
		}
		writeError(w, http.StatusBadRequest, "bad_request", "body: "+err.Error())
		return false
	}
	return true
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

// pageParams reads limit and offset.
func pageParams(w http.ResponseWriter, r *http.Request, def, max int) (limit, offset int, ok bool) {
	q := r.URL.Query()
	var err error
	if limit, err = intParam(q.Get("limit"), def, 1, max); err != nil {
		writeError(w, http.StatusBadRequest, "bad_parameter", "limit: "+err.Error())
		return 0, 0, false
	}
	if offset, err = intParam(q.Get("offset"), 0, 0, 1<<30); err != nil {
		writeError(w, http.StatusBadRequest, "bad_parameter", "offset: "+err.Error())
		return 0, 0, false
	}
	return limit, offset, true
}

func (s *Server) apiHealth(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := s.store.Ping(ctx); err != nil {
		writeError(w, http.StatusServiceUnavailable, "store_unavailable", err.Error())
		return
	}
	st, err := s.store.Stats(ctx)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "store_unavailable", err.Error())
		return
	}
	jobs := map[string]int{}
	for k, v := range s.jobs.counts() {
		jobs[string(k)] = v
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "ok", "archiving": s.jobs.arch != nil, "jobs": jobs,
		"counts": map[string]int64{"sources": st.Sources, "articles": st.Articles, "versions": st.Versions, "captures": st.Captures, "assets": st.Assets},
	})
}

// ---- articles

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
	ID         int64      `json:"id"`
	Seq        int        `json:"seq"`
	Title      string     `json:"title"`
	Author     string     `json:"author,omitempty"`
	Published  *time.Time `json:"published,omitempty"`
	Updated    *time.Time `json:"updated,omitempty"`
	Language   string     `json:"language,omitempty"`
	Hash       string     `json:"hash"`
	CaptureID  int64      `json:"capture_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt time.Time  `json:"last_seen_at"`
	HTML       string     `json:"html,omitempty"`
	Text       string     `json:"text,omitempty"`
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

func versionToJSON(v archive.Version, full bool) versionJSON {
	j := versionJSON{ID: v.ID, Seq: v.Seq, Title: v.Title, Author: v.Author, Published: timePtr(v.Published), Updated: timePtr(v.Updated),
		Language: v.Language, Hash: v.Hash, CaptureID: v.CaptureID, CreatedAt: v.CreatedAt, LastSeenAt: v.LastSeenAt}
	if full {
		j.HTML, j.Text = v.HTML, v.Text
	}
	return j
}

// searchParamsOrFail reads the shared filters, answering 400 when they are
// wrong.
func (s *Server) searchParamsOrFail(w http.ResponseWriter, r *http.Request) (searchParams, bool) {
	p, err := s.parseSearchParams(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_parameter", strings.TrimPrefix(err.Error(), errBadParameter.Error()+": "))
		return p, false
	}
	return p, true
}

func (s *Server) apiListArticles(w http.ResponseWriter, r *http.Request) {
	p, ok := s.searchParamsOrFail(w, r)
	if !ok {
		return
	}
	useIndex := p.Q != "" || p.Lang != "" || p.Sort != "" || len(p.SourceIDs) > 1
	maxLimit := 500
	if useIndex {
		maxLimit = maxSearchLimit
	}
	limit, offset, ok := pageParams(w, r, 50, maxLimit)
	if !ok {
		return
	}
	ctx := r.Context()
	out := []articleJSON{}
	var total int
	if useIndex {
		res, err := s.search(ctx, p, limit, offset)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		for _, h := range res.Hits {
			out = append(out, toJSON(h.Article, false))
		}
		total = res.Total
	} else {
		f := store.ArticleFilter{Since: p.After, Until: p.Before, Limit: limit, Offset: offset, NoContent: true}
		if len(p.SourceIDs) == 1 {
			f.SourceID = p.SourceIDs[0]
		}
		list, err := s.store.Articles(ctx, f)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if total, err = s.store.CountArticles(ctx, f); err != nil {
			s.internal(w, r, err)
			return
		}
		for _, a := range list {
			out = append(out, toJSON(a, false))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"articles": out, "total": total, "limit": limit, "offset": offset})
}

// apiArticle loads the article of the {id} path value, answering errors.
func (s *Server) apiArticle(w http.ResponseWriter, r *http.Request) (archive.Article, bool) {
	return loadByID(s, w, r, "article", s.store.Article)
}

// loadByID parses the {id} path value and loads that row with get,
// answering the JSON error (bad id, not found, internal) when it fails.
func loadByID[T any](s *Server, w http.ResponseWriter, r *http.Request, what string, get func(context.Context, int64) (T, error)) (T, bool) {
	var zero T
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "bad_parameter", what+" id must be a positive integer")
		return zero, false
	}
	v, err := get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "not_found", "no "+what+" with id "+strconv.FormatInt(id, 10))
		return zero, false
	}
	if err != nil {
		s.internal(w, r, err)
		return zero, false
	}
	return v, true
}

func (s *Server) apiGetArticle(w http.ResponseWriter, r *http.Request) {
	a, ok := s.apiArticle(w, r)
	if !ok {
		return
	}
	vs, err := s.store.Versions(r.Context(), a.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	j := toJSON(a, true)
	// Stored HTML is served only when the store marks it as the current
	// sanitiser's output, and sanitised again otherwise, as the pages do,
	// so that API clients that render it are safe.
	j.HTML = s.servable(j.HTML, a.Sanitizer)
	for _, v := range vs {
		j.Versions = append(j.Versions, versionToJSON(v, false))
	}
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) apiVersions(w http.ResponseWriter, r *http.Request) {
	a, ok := s.apiArticle(w, r)
	if !ok {
		return
	}
	vs, err := s.store.Versions(r.Context(), a.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := make([]versionJSON, 0, len(vs))
	for _, v := range vs {
		out = append(out, versionToJSON(v, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"article_id": a.ID, "versions": out})
}

func (s *Server) apiVersion(w http.ResponseWriter, r *http.Request) {
	a, ok := s.apiArticle(w, r)
	if !ok {
		return
	}
	seq, err := strconv.Atoi(r.PathValue("seq"))
	if err != nil || seq < 1 {
		writeError(w, http.StatusBadRequest, "bad_parameter", "version seq must be a positive integer")
		return
	}
	vs, err := s.store.Versions(r.Context(), a.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	for _, v := range vs {
		if v.Seq == seq {
			j := versionToJSON(v, true)
			j.HTML = s.servable(j.HTML, v.Sanitizer)
			writeJSON(w, http.StatusOK, j)
			return
		}
	}
	writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("article %d has no version %d", a.ID, seq))
}

// searchHitJSON is one search result: the article, its score and a snippet
// (HTML-escaped text with <mark> around the matches).
type searchHitJSON struct {
	articleJSON
	Score   float64 `json:"score"`
	Snippet string  `json:"snippet,omitempty"`
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	p, ok := s.searchParamsOrFail(w, r)
	if !ok {
		return
	}
	limit, offset, ok := pageParams(w, r, 20, maxSearchLimit)
	if !ok {
		return
	}
	res, err := s.search(r.Context(), p, limit, offset)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := make([]searchHitJSON, 0, len(res.Hits))
	for _, h := range res.Hits {
		j := searchHitJSON{articleJSON: toJSON(h.Article, false), Score: h.Score}
		if p.Q != "" {
			j.Snippet = string(s.snippet(h.Article.Text, res.Query))
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out, "total": res.Total, "limit": limit, "offset": offset})
}

// ---- sources

type sourceJSON struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"`
	Title        string     `json:"title"`
	FeedURL      string     `json:"feed_url,omitempty"`
	SiteURL      string     `json:"site_url,omitempty"`
	Mode         string     `json:"mode"`
	TimeZone     string     `json:"time_zone,omitempty"`
	Interval     string     `json:"interval,omitempty"`
	ArticleCount int        `json:"article_count"`
	LastPolledAt *time.Time `json:"last_polled_at,omitempty"`
	LastStatus   string     `json:"last_status,omitempty"`
	LastError    string     `json:"last_error,omitempty"`
	ErrorCount   int        `json:"error_count"`
	NextPollAt   *time.Time `json:"next_poll_at,omitempty"`
	CreatedAt    *time.Time `json:"created_at,omitempty"`
}

func sourceToJSON(src archive.Source) sourceJSON {
	j := sourceJSON{ID: src.ID, Kind: string(src.Kind), Title: src.Title, SiteURL: src.SiteURL, Mode: string(src.Mode),
		TimeZone: src.TimeZone, ArticleCount: src.ArticleCount, LastPolledAt: timePtr(src.LastPolledAt),
		LastStatus: src.LastStatus, LastError: src.LastError, ErrorCount: src.ErrorCount, NextPollAt: timePtr(src.NextPollAt),
		CreatedAt: timePtr(src.CreatedAt)}
	if src.Kind == archive.KindFeed {
		j.FeedURL = src.FeedURL
		j.Interval = formatInterval(src.Interval)
	}
	return j
}

func (s *Server) apiListSources(w http.ResponseWriter, r *http.Request) {
	list, err := s.store.Sources(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := make([]sourceJSON, 0, len(list))
	for _, src := range list {
		out = append(out, sourceToJSON(src))
	}
	writeJSON(w, http.StatusOK, map[string]any{"sources": out})
}

// sourceInput is the body of POST and PATCH /api/v1/sources; absent fields
// are left alone by PATCH.
type sourceInput struct {
	FeedURL  *string `json:"feed_url"`
	Title    *string `json:"title"`
	SiteURL  *string `json:"site_url"`
	Mode     *string `json:"mode"`
	TimeZone *string `json:"time_zone"`
	Interval *string `json:"interval"`
}

func (in sourceInput) settings() feedSettings {
	return feedSettings{Title: in.Title, Mode: in.Mode, TimeZone: in.TimeZone, Interval: in.Interval}
}

func (s *Server) apiCreateSource(w http.ResponseWriter, r *http.Request) {
	var in sourceInput
	if !decodeJSON(w, r, &in) {
		return
	}
	if in.FeedURL == nil {
		writeError(w, http.StatusBadRequest, "bad_request", "feed_url is required")
		return
	}
	src, err := newFeed(*in.FeedURL, in.settings())
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", invalidMessage(err))
		return
	}
	if in.SiteURL != nil {
		src.SiteURL = *in.SiteURL
	}
	if err := s.store.CreateSource(r.Context(), src); err != nil {
		if errors.Is(err, store.ErrConflict) {
			writeError(w, http.StatusConflict, "conflict", "the feed "+src.FeedURL+" is already followed")
			return
		}
		s.internal(w, r, err)
		return
	}
	s.log.Info("feed added", "id", src.ID, "url", src.FeedURL)
	w.Header().Set("Location", "/api/v1/sources/"+strconv.FormatInt(src.ID, 10))
	writeJSON(w, http.StatusCreated, sourceToJSON(*src))
}

// apiSource loads the source of the {id} path value, answering errors.
func (s *Server) apiSource(w http.ResponseWriter, r *http.Request) (archive.Source, bool) {
	src, ok := loadByID(s, w, r, "source", s.store.Source)
	if !ok {
		return src, false
	}
	id := src.ID
	// Source does not count articles; the listing does.
	if n, err := s.store.CountArticles(r.Context(), store.ArticleFilter{SourceID: id}); err == nil {
		src.ArticleCount = n
	}
	return src, true
}

func (s *Server) apiGetSource(w http.ResponseWriter, r *http.Request) {
	src, ok := s.apiSource(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, sourceToJSON(src))
}

func (s *Server) apiPatchSource(w http.ResponseWriter, r *http.Request) {
	src, ok := s.apiSource(w, r)
	if !ok {
		return
	}
	var in sourceInput
	if !decodeJSON(w, r, &in) {
		return
	}
	if in.FeedURL != nil && *in.FeedURL != src.FeedURL {
		writeError(w, http.StatusBadRequest, "bad_request", "feed_url cannot change; follow the new feed and delete this one")
		return
	}
	if err := in.settings().apply(&src); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", invalidMessage(err))
		return
	}
	if in.SiteURL != nil {
		src.SiteURL = *in.SiteURL
	}
	if err := s.store.UpdateSource(r.Context(), &src); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusNotFound, "not_found", "no source with id "+strconv.FormatInt(src.ID, 10))
			return
		}
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sourceToJSON(src))
}

func (s *Server) apiDeleteSource(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "bad_parameter", "source id must be a positive integer")
		return
	}
	if err := s.store.RemoveSource(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusNotFound, "not_found", "no followed source with id "+strconv.FormatInt(id, 10))
			return
		}
		s.internal(w, r, err)
		return
	}
	s.log.Info("source removed", "id", id)
	w.WriteHeader(http.StatusNoContent)
}

// ---- archive jobs

type jobJSON struct {
	ID         string        `json:"id"`
	State      JobState      `json:"state"`
	CreatedAt  time.Time     `json:"created_at"`
	StartedAt  *time.Time    `json:"started_at,omitempty"`
	FinishedAt *time.Time    `json:"finished_at,omitempty"`
	Items      []jobItemJSON `json:"items"`
}

type jobItemJSON struct {
	URL        string   `json:"url"`
	State      JobState `json:"state"`
	ArticleID  int64    `json:"article_id,omitempty"`
	NewArticle bool     `json:"new_article"`
	NewVersion bool     `json:"new_version"`
	Images     int      `json:"images"`
	Error      string   `json:"error,omitempty"`
}

func jobToJSON(j Job) jobJSON {
	out := jobJSON{ID: j.ID, State: j.State, CreatedAt: j.CreatedAt, StartedAt: timePtr(j.StartedAt), FinishedAt: timePtr(j.FinishedAt),
		Items: make([]jobItemJSON, 0, len(j.Items))}
	for _, it := range j.Items {
		out.Items = append(out.Items, jobItemJSON(it))
	}
	return out
}

func (s *Server) apiArchive(w http.ResponseWriter, r *http.Request) {
	var in struct {
		URLs []string `json:"urls"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	if len(in.URLs) > s.jobs.opts.MaxURLs {
		writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("a job archives at most %d URLs", s.jobs.opts.MaxURLs))
		return
	}
	var urls []string
	for _, u := range in.URLs {
		got, err := parseURLs(u)
		if err != nil || len(got) != 1 {
			writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("%q is not an http or https URL", u))
			return
		}
		urls = append(urls, got[0])
	}
	if len(urls) == 0 {
		writeError(w, http.StatusBadRequest, "bad_request", "urls must list at least one URL")
		return
	}
	if refused := s.checkSubmit(r, urls); refused != nil {
		code := "forbidden_domain"
		if refused.wait > 0 {
			w.Header().Set("Retry-After", retryAfter(refused.wait))
			code = "rate_limited"
		}
		writeError(w, refused.code, code, refused.msg)
		return
	}
	job, err := s.jobs.submit(urls)
	switch {
	case errors.Is(err, errJobsOff):
		writeError(w, http.StatusServiceUnavailable, "archiving_unavailable", err.Error())
		return
	case errors.Is(err, errJobsBusy), errors.Is(err, errJobsStopping):
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusServiceUnavailable, "busy", err.Error())
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	w.Header().Set("Location", "/api/v1/jobs/"+job.ID)
	writeJSON(w, http.StatusAccepted, jobToJSON(job))
}

func (s *Server) apiListJobs(w http.ResponseWriter, r *http.Request) {
	jobs := s.jobs.list()
	out := make([]jobJSON, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, jobToJSON(j))
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
}

func (s *Server) apiGetJob(w http.ResponseWriter, r *http.Request) {
	j, ok := s.jobs.get(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no job "+r.PathValue("id")+" (jobs are kept in memory and forgotten on restart)")
		return
	}
	writeJSON(w, http.StatusOK, jobToJSON(j))
}

// ---- OPML

func (s *Server) apiImportOPML(w http.ResponseWriter, r *http.Request) {
	body := http.MaxBytesReader(w, r.Body, maxOPML)
	rep, err := s.importOPML(r.Context(), body, r.URL.Query().Get("mode"))
	if err != nil {
		switch {
		case errors.Is(err, errTooLarge):
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the OPML document is larger than %d bytes", maxOPML))
		case errors.Is(err, errInvalid):
			writeError(w, http.StatusBadRequest, "bad_request", invalidMessage(err))
		default:
			s.internal(w, r, err)
		}
		return
	}
	added := make([]sourceJSON, 0, len(rep.Added))
	for _, src := range rep.Added {
		added = append(added, sourceToJSON(src))
	}
	type skipped struct {
		Title   string `json:"title,omitempty"`
		FeedURL string `json:"feed_url"`
		Reason  string `json:"reason"`
	}
	sk := make([]skipped, 0, len(rep.Skipped))
	for _, x := range rep.Skipped {
		sk = append(sk, skipped(x))
	}
	writeJSON(w, http.StatusOK, map[string]any{"added": added, "skipped": sk})
}

func (s *Server) apiExportOPML(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := s.exportOPML(r.Context(), &buf); err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="newsvault.opml"`)
	_, _ = w.Write(buf.Bytes())
}
