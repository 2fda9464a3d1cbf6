// Package api serves the JSON API under /api/v1, described by
// openapi.json: articles and their versions, search, followed sources,
// archive jobs and OPML. Package web registers its handlers and checks
// access before they run.
package api

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/apijson"
	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/jobs"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/web/auth"
	"github.com/newsvault/newsvault/internal/web/input"
	"github.com/newsvault/newsvault/internal/web/query"
	"github.com/newsvault/newsvault/internal/web/reply"
)

// Store is what the API reads and, for sources, writes.
type Store interface {
	Article(ctx context.Context, id int64) (archive.Article, error)
	Articles(ctx context.Context, f store.ArticleFilter) ([]archive.Article, error)
	CountArticles(ctx context.Context, f store.ArticleFilter) (int, error)
	Versions(ctx context.Context, articleID int64) ([]archive.Version, error)
	VersionAssets(ctx context.Context, versionID int64) ([]store.AssetRef, error)
	Source(ctx context.Context, id int64) (archive.Source, error)
	Sources(ctx context.Context) ([]archive.Source, error)
	CreateSource(ctx context.Context, src *archive.Source) error
	UpdateSource(ctx context.Context, src *archive.Source) error
	RemoveSource(ctx context.Context, id int64) error
	Stats(ctx context.Context) (store.Stats, error)
	Ping(ctx context.Context) error
	WatchOf(ctx context.Context, articleID int64) (store.Watch, error)
	Checks(ctx context.Context, articleID int64) ([]store.Check, error)
}

// API holds the JSON API's handlers.
type API struct {
	store     Store
	jobs      *jobs.Runner
	feeds     input.Feeds
	query     *query.Searcher
	gate      *auth.Gate
	sanitizer *content.Sanitizer
	log       *slog.Logger
	internal  func(w http.ResponseWriter, r *http.Request, err error)
	stories   Stories
	rejected  error
	checker   Checker // nil: POST /articles/{id}/check answers 503
}

// New returns the API's handlers. internal answers unexpected errors (it
// logs them and answers 500).
func New(st Store, runner *jobs.Runner, feeds input.Feeds, q *query.Searcher, gate *auth.Gate, san *content.Sanitizer, log *slog.Logger,
	internal func(w http.ResponseWriter, r *http.Request, err error), checker Checker) *API {
	return &API{store: st, jobs: runner, feeds: feeds, query: q, gate: gate, sanitizer: san, log: log, internal: internal, checker: checker}
}

// Errors are
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
//	bad_decision           a story correction that cannot apply (422)
//	busy                   the archive queue is full (503)
//	stories_unavailable    this server keeps no stories (503)
//	checking_unavailable   this server does not re-check articles (503)
//	archiving_unavailable  this server cannot archive (503)
//	store_unavailable      the store does not answer (503)
//	internal               anything else (500)

// Spec is the OpenAPI description of the API, served as openapi.json.
//
//go:embed openapi.json
var Spec []byte

// MaxJSON is the largest JSON request body accepted.
const MaxJSON = 1 << 20

// maxSearchLimit is the largest page of search results asked of the store,
// and the largest page /search returns (it reads each hit's text for its
// snippet). openapi.json says the same (a test checks).
const maxSearchLimit = 100

// maxListLimit is the largest page /articles returns, listed or searched.
const maxListLimit = 500

func (s *API) OpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(Spec)
}

// decodeJSON reads a size-limited, strictly typed JSON body into dst:
// unknown fields, trailing data and other content types are refused. It
// reports false when it has answered with an error.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		reply.Error(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSON))
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
			reply.Error(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is larger than %d bytes", MaxJSON))
			return false
		}
		reply.Error(w, http.StatusBadRequest, "bad_request", "body: "+err.Error())
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
		reply.Error(w, http.StatusBadRequest, "bad_parameter", "limit: "+err.Error())
		return 0, 0, false
	}
	if offset, err = intParam(q.Get("offset"), 0, 0, 1<<30); err != nil {
		reply.Error(w, http.StatusBadRequest, "bad_parameter", "offset: "+err.Error())
		return 0, 0, false
	}
	return limit, offset, true
}

func (s *API) Health(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := s.store.Ping(ctx); err != nil {
		reply.Error(w, http.StatusServiceUnavailable, "store_unavailable", err.Error())
		return
	}
	st, err := s.store.Stats(ctx)
	if err != nil {
		reply.Error(w, http.StatusServiceUnavailable, "store_unavailable", err.Error())
		return
	}
	jobs := map[string]int{}
	for k, v := range s.jobs.Counts() {
		jobs[string(k)] = v
	}
	reply.JSON(w, http.StatusOK, map[string]any{
		"status": "ok", "archiving": s.jobs.Enabled(), "jobs": jobs,
		"counts": map[string]int64{"sources": st.Sources, "articles": st.Articles, "versions": st.Versions, "captures": st.Captures, "assets": st.Assets},
	})
}

// ---- articles

// The API's JSON shapes are package apijson's, shared with the command
// line's --json output.
type (
	ArticleJSON   = apijson.Article
	VersionJSON   = apijson.Version
	SearchHitJSON = apijson.SearchHit
	SourceJSON    = apijson.Source
)

var (
	toJSON        = apijson.FromArticle
	versionToJSON = apijson.FromVersion
	sourceToJSON  = apijson.FromSource
)

// searchParamsOrFail reads the shared filters, answering 400 when they are
// wrong.
func (s *API) searchParamsOrFail(w http.ResponseWriter, r *http.Request) (query.Params, bool) {
	p, err := s.query.ParseParams(r.URL.Query())
	if err != nil {
		reply.Error(w, http.StatusBadRequest, "bad_parameter", strings.TrimPrefix(err.Error(), query.ErrBadParameter.Error()+": "))
		return p, false
	}
	return p, true
}

func (s *API) ListArticles(w http.ResponseWriter, r *http.Request) {
	p, ok := s.searchParamsOrFail(w, r)
	if !ok {
		return
	}
	useIndex := p.Q != "" || p.Lang != "" || p.Sort != "" || len(p.SourceIDs) > 1
	limit, offset, ok := pageParams(w, r, 50, maxListLimit)
	if !ok {
		return
	}
	ctx := r.Context()
	out := []ArticleJSON{}
	var total int
	var next string // the cursor of the page after this one
	if useIndex {
		// The store gives at most maxSearchLimit hits a call.
		for len(out) < limit {
			n := min(limit-len(out), maxSearchLimit)
			res, err := s.query.Search(ctx, p, n, offset+len(out))
			if err != nil {
				s.internal(w, r, err)
				return
			}
			for _, h := range res.Hits {
				out = append(out, toJSON(h.Article, false))
			}
			total = res.Total
			if len(res.Hits) < n {
				break
			}
		}
	} else {
		f := store.ArticleFilter{Since: p.After, Until: p.Before, Limit: limit, Offset: offset, NoContent: true, Status: p.Status}
		if len(p.SourceIDs) == 1 {
			f.SourceID = p.SourceIDs[0]
		}
		if c := r.URL.Query().Get("cursor"); c != "" {
			id, err := strconv.ParseInt(c, 10, 64)
			if err != nil || id <= 0 {
				reply.Error(w, http.StatusBadRequest, "bad_parameter", "cursor: not a cursor this API gave")
				return
			}
			f.AfterID = id
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
		if len(list) == limit {
			next = strconv.FormatInt(list[len(list)-1].ID, 10)
		}
	}
	body := map[string]any{"articles": out, "total": total, "limit": limit, "offset": offset}
	if next != "" {
		body["next_cursor"] = next
	}
	reply.JSON(w, http.StatusOK, body)
}

// apiArticle loads the article of the {id} path value, answering errors.
func (s *API) apiArticle(w http.ResponseWriter, r *http.Request) (archive.Article, bool) {
	return loadByID(s, w, r, "article", s.store.Article)
}

// loadByID parses the {id} path value and loads that row with get,
// answering the JSON error (bad id, not found, internal) when it fails.
func loadByID[T any](s *API, w http.ResponseWriter, r *http.Request, what string, get func(context.Context, int64) (T, error)) (T, bool) {
	var zero T
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		reply.Error(w, http.StatusBadRequest, "bad_parameter", what+" id must be a positive integer")
		return zero, false
	}
	v, err := get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		reply.Error(w, http.StatusNotFound, "not_found", "no "+what+" with id "+strconv.FormatInt(id, 10))
		return zero, false
	}
	if err != nil {
		s.internal(w, r, err)
		return zero, false
	}
	return v, true
}

func (s *API) GetArticle(w http.ResponseWriter, r *http.Request) {
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
	j.HTML = s.sanitizer.Servable(j.HTML, a.Sanitizer)
	if j.Rendered, err = s.rendered(r.Context(), a.VersionID); err != nil {
		s.internal(w, r, err)
		return
	}
	for _, v := range vs {
		j.Versions = append(j.Versions, versionToJSON(v, false))
	}
	reply.JSON(w, http.StatusOK, j)
}

// AssetPrefix is the path under which the server serves stored assets.
const AssetPrefix = "/assets/"

// rendered links the screenshot and PDF the headless browser kept of a
// version; nil when it was not rendered.
func (s *API) rendered(ctx context.Context, versionID int64) (*apijson.Rendered, error) {
	if versionID == 0 {
		return nil, nil
	}
	refs, err := s.store.VersionAssets(ctx, versionID)
	if err != nil {
		return nil, fmt.Errorf("assets of version %d: %w", versionID, err)
	}
	return apijson.RenderedFrom(refs, AssetPrefix), nil
}

func (s *API) Versions(w http.ResponseWriter, r *http.Request) {
	a, ok := s.apiArticle(w, r)
	if !ok {
		return
	}
	vs, err := s.store.Versions(r.Context(), a.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := make([]VersionJSON, 0, len(vs))
	for _, v := range vs {
		out = append(out, versionToJSON(v, false))
	}
	reply.JSON(w, http.StatusOK, map[string]any{"article_id": a.ID, "versions": out})
}

func (s *API) Version(w http.ResponseWriter, r *http.Request) {
	a, ok := s.apiArticle(w, r)
	if !ok {
		return
	}
	seq, err := strconv.Atoi(r.PathValue("seq"))
	if err != nil || seq < 1 {
		reply.Error(w, http.StatusBadRequest, "bad_parameter", "version seq must be a positive integer")
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
			j.HTML = s.sanitizer.Servable(j.HTML, v.Sanitizer)
			if j.Rendered, err = s.rendered(r.Context(), v.ID); err != nil {
				s.internal(w, r, err)
				return
			}
			reply.JSON(w, http.StatusOK, j)
			return
		}
	}
	reply.Error(w, http.StatusNotFound, "not_found", fmt.Sprintf("article %d has no version %d", a.ID, seq))
}

func (s *API) Search(w http.ResponseWriter, r *http.Request) {
	p, ok := s.searchParamsOrFail(w, r)
	if !ok {
		return
	}
	limit, offset, ok := pageParams(w, r, 20, maxSearchLimit)
	if !ok {
		return
	}
	res, err := s.query.Search(r.Context(), p, limit, offset)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := make([]SearchHitJSON, 0, len(res.Hits))
	for _, h := range res.Hits {
		j := SearchHitJSON{Article: toJSON(h.Article, false), Score: h.Score}
		if p.Q != "" {
			j.Snippet = string(s.query.Snippet(h.Article.Text, res.Query))
		}
		out = append(out, j)
	}
	reply.JSON(w, http.StatusOK, map[string]any{"results": out, "total": res.Total, "limit": limit, "offset": offset})
}

// ---- sources

func (s *API) ListSources(w http.ResponseWriter, r *http.Request) {
	list, err := s.store.Sources(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := make([]SourceJSON, 0, len(list))
	for _, src := range list {
		out = append(out, sourceToJSON(src))
	}
	reply.JSON(w, http.StatusOK, map[string]any{"sources": out})
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
	Watch    *string `json:"watch"`
	Render   *string `json:"render"`
}

func (in sourceInput) settings() input.FeedSettings {
	return input.FeedSettings{Title: in.Title, Mode: in.Mode, TimeZone: in.TimeZone, Interval: in.Interval, Watch: in.Watch, Render: in.Render}
}

func (s *API) CreateSource(w http.ResponseWriter, r *http.Request) {
	var in sourceInput
	if !decodeJSON(w, r, &in) {
		return
	}
	if in.FeedURL == nil {
		reply.Error(w, http.StatusBadRequest, "bad_request", "feed_url is required")
		return
	}
	src, err := input.NewFeed(*in.FeedURL, in.settings())
	if err != nil {
		reply.Error(w, http.StatusBadRequest, "bad_request", input.Message(err))
		return
	}
	if in.SiteURL != nil {
		src.SiteURL = *in.SiteURL
	}
	if err := input.CheckFeed(r.Context(), s.feeds, src); err != nil {
		reply.Error(w, http.StatusBadRequest, "bad_request", input.Message(err))
		return
	}
	if err := s.store.CreateSource(r.Context(), src); err != nil {
		if errors.Is(err, store.ErrConflict) {
			reply.Error(w, http.StatusConflict, "conflict", "the feed "+src.FeedURL+" is already followed")
			return
		}
		s.internal(w, r, err)
		return
	}
	s.log.Info("feed added", "id", src.ID, "url", src.FeedURL)
	w.Header().Set("Location", "/api/v1/sources/"+strconv.FormatInt(src.ID, 10))
	reply.JSON(w, http.StatusCreated, sourceToJSON(*src))
}

// PollSource polls a followed feed now, whatever its schedule or back-off,
// and answers the source with the outcome recorded on it.
func (s *API) PollSource(w http.ResponseWriter, r *http.Request) {
	src, ok := s.apiSource(w, r)
	if !ok {
		return
	}
	if s.feeds == nil {
		reply.Error(w, http.StatusServiceUnavailable, "polling_unavailable", "this server does not poll feeds")
		return
	}
	if src.Kind != archive.KindFeed {
		reply.Error(w, http.StatusBadRequest, "bad_request", "source "+strconv.FormatInt(src.ID, 10)+" is not a feed")
		return
	}
	res := s.feeds.Poll(r.Context(), src)
	s.log.Info("polled on demand", "id", src.ID, "err", res.Err)
	reply.JSON(w, http.StatusOK, sourceToJSON(res.Source))
}

// apiSource loads the source of the {id} path value, answering errors.
func (s *API) apiSource(w http.ResponseWriter, r *http.Request) (archive.Source, bool) {
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

func (s *API) GetSource(w http.ResponseWriter, r *http.Request) {
	src, ok := s.apiSource(w, r)
	if !ok {
		return
	}
	reply.JSON(w, http.StatusOK, sourceToJSON(src))
}

func (s *API) PatchSource(w http.ResponseWriter, r *http.Request) {
	src, ok := s.apiSource(w, r)
	if !ok {
		return
	}
	var in sourceInput
	if !decodeJSON(w, r, &in) {
		return
	}
	if in.FeedURL != nil && *in.FeedURL != src.FeedURL && *in.FeedURL != archive.Redact(src.FeedURL) {
		reply.Error(w, http.StatusBadRequest, "bad_request", "feed_url cannot change; follow the new feed and delete this one")
		return
	}
	if err := in.settings().Apply(&src); err != nil {
		reply.Error(w, http.StatusBadRequest, "bad_request", input.Message(err))
		return
	}
	if in.SiteURL != nil {
		src.SiteURL = *in.SiteURL
	}
	if err := s.store.UpdateSource(r.Context(), &src); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			reply.Error(w, http.StatusNotFound, "not_found", "no source with id "+strconv.FormatInt(src.ID, 10))
			return
		}
		s.internal(w, r, err)
		return
	}
	reply.JSON(w, http.StatusOK, sourceToJSON(src))
}

func (s *API) DeleteSource(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		reply.Error(w, http.StatusBadRequest, "bad_parameter", "source id must be a positive integer")
		return
	}
	if err := s.store.RemoveSource(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			reply.Error(w, http.StatusNotFound, "not_found", "no followed source with id "+strconv.FormatInt(id, 10))
			return
		}
		s.internal(w, r, err)
		return
	}
	s.log.Info("source removed", "id", id)
	w.WriteHeader(http.StatusNoContent)
}

// ---- archive jobs

type JobJSON struct {
	ID         string        `json:"id"`
	State      jobs.State    `json:"state"`
	CreatedAt  time.Time     `json:"created_at"`
	StartedAt  *time.Time    `json:"started_at,omitempty"`
	FinishedAt *time.Time    `json:"finished_at,omitempty"`
	Items      []JobItemJSON `json:"items"`
}

type JobItemJSON struct {
	URL        string     `json:"url"`
	State      jobs.State `json:"state"`
	ArticleID  int64      `json:"article_id,omitempty"`
	NewArticle bool       `json:"new_article"`
	NewVersion bool       `json:"new_version"`
	Images     int        `json:"images"`
	Error      string     `json:"error,omitempty"`
}

func jobToJSON(j jobs.Job) JobJSON {
	out := JobJSON{ID: j.ID, State: j.State, CreatedAt: j.CreatedAt, StartedAt: apijson.Time(j.StartedAt), FinishedAt: apijson.Time(j.FinishedAt),
		Items: make([]JobItemJSON, 0, len(j.Items))}
	for _, it := range j.Items {
		out.Items = append(out.Items, JobItemJSON(it))
	}
	return out
}

func (s *API) Archive(w http.ResponseWriter, r *http.Request) {
	var in struct {
		URLs   []string `json:"urls"`
		Render string   `json:"render"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	mode, err := archive.ParseRenderMode(in.Render)
	if err != nil {
		reply.Error(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	if mode == archive.RenderAlways && !auth.IdentityOf(r).SignedIn() {
		reply.Error(w, http.StatusForbidden, "forbidden", "render always needs a login or token")
		return
	}
	if mode == archive.RenderAuto {
		mode = ""
	}
	if len(in.URLs) > s.jobs.MaxURLs() {
		reply.Error(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("a job archives at most %d URLs", s.jobs.MaxURLs()))
		return
	}
	var urls []string
	for _, u := range in.URLs {
		got, err := input.ParseURLs(u)
		if err != nil || len(got) != 1 {
			reply.Error(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("%q is not an http or https URL", u))
			return
		}
		urls = append(urls, got[0])
	}
	if len(urls) == 0 {
		reply.Error(w, http.StatusBadRequest, "bad_request", "urls must list at least one URL")
		return
	}
	if refused := s.gate.CheckSubmit(r, urls); refused != nil {
		code := "forbidden_domain"
		if refused.Wait > 0 {
			w.Header().Set("Retry-After", auth.RetryAfter(refused.Wait))
			code = "rate_limited"
		}
		reply.Error(w, refused.Code, code, refused.Msg)
		return
	}
	job, err := s.jobs.SubmitRender(urls, s.gate.SubmitPolicy(r), mode)
	switch {
	case errors.Is(err, jobs.ErrOff):
		reply.Error(w, http.StatusServiceUnavailable, "archiving_unavailable", err.Error())
		return
	case errors.Is(err, jobs.ErrBusy), errors.Is(err, jobs.ErrStopping):
		w.Header().Set("Retry-After", "30")
		reply.Error(w, http.StatusServiceUnavailable, "busy", err.Error())
		return
	case err != nil:
		reply.Error(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	w.Header().Set("Location", "/api/v1/jobs/"+job.ID)
	reply.JSON(w, http.StatusAccepted, jobToJSON(job))
}

func (s *API) ListJobs(w http.ResponseWriter, r *http.Request) {
	jobs := s.jobs.List()
	out := make([]JobJSON, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, jobToJSON(j))
	}
	reply.JSON(w, http.StatusOK, map[string]any{"jobs": out})
}

func (s *API) GetJob(w http.ResponseWriter, r *http.Request) {
	j, ok := s.jobs.Get(r.PathValue("id"))
	if !ok {
		reply.Error(w, http.StatusNotFound, "not_found", "no job "+r.PathValue("id")+" (jobs are kept in memory and forgotten on restart)")
		return
	}
	reply.JSON(w, http.StatusOK, jobToJSON(j))
}

// ---- OPML

func (s *API) ImportOPML(w http.ResponseWriter, r *http.Request) {
	body := http.MaxBytesReader(w, r.Body, input.MaxOPML)
	rep, err := input.ImportOPML(r.Context(), s.store, body, r.URL.Query().Get("mode"))
	if err != nil {
		switch {
		case errors.Is(err, input.ErrTooLarge):
			reply.Error(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the OPML document is larger than %d bytes", input.MaxOPML))
		case errors.Is(err, input.ErrInvalid):
			reply.Error(w, http.StatusBadRequest, "bad_request", input.Message(err))
		default:
			s.internal(w, r, err)
		}
		return
	}
	added := make([]SourceJSON, 0, len(rep.Added))
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
	reply.JSON(w, http.StatusOK, map[string]any{"added": added, "skipped": sk})
}

func (s *API) ExportOPML(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := input.ExportOPML(r.Context(), s.store, &buf); err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="newsvault.opml"`)
	_, _ = w.Write(buf.Bytes())
}
