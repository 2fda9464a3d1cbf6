// Package ui serves the server-rendered reading UI: the front page,
// sources, articles and their versions, search, the forms to add URLs,
// feeds and OPML, archive job pages, the login page, error pages and the
// embedded templates and static files. It shows stored HTML only after the
// sanitiser has been over it. Package web registers its handlers and checks
// access before they run.
package ui

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/jobs"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/web/auth"
	"github.com/newsvault/newsvault/internal/web/input"
	"github.com/newsvault/newsvault/internal/web/query"
)

// Store is what the pages read and, for sources, write.
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
	WatchOf(ctx context.Context, articleID int64) (store.Watch, error)
	Checks(ctx context.Context, articleID int64) ([]store.Check, error)
	ArticleEvents(ctx context.Context, articleID int64) ([]store.WatchEvent, error)
	WatchEvents(ctx context.Context, q store.EventQuery) ([]store.WatchEvent, error)
	Capture(ctx context.Context, id int64) (archive.Capture, error)
}

// Config is what New needs; every field is required but Checker.
type Config struct {
	Store Store
	Jobs  *jobs.Runner
	// Feeds checks feeds added by form and polls one on demand; nil
	// adds them unchecked and refuses "poll now".
	Feeds     input.Feeds
	Query     *query.Searcher
	Gate      *auth.Gate
	Sanitizer *content.Sanitizer
	Logger    *slog.Logger
	// Location shows the times newsvault itself recorded.
	Location *time.Location
	// PageSize is the number of articles on one page.
	PageSize int
	// ReadAccess and AnonymousSubmit are the server's access rules, which
	// the pages reflect (what to offer, what to say after a submission).
	ReadAccess      auth.ReadAccess
	AnonymousSubmit bool
	// Fail answers an error: JSON for the API, an error page otherwise.
	Fail func(w http.ResponseWriter, r *http.Request, code int, errCode, msg string)
	// Internal logs err and answers 500.
	Internal func(w http.ResponseWriter, r *http.Request, err error)
	// Checker re-checks an article at a reader's request; nil hides the
	// button.
	Checker Checker
}

// UI holds the pages' handlers.
type UI struct {
	store      Store
	jobs       *jobs.Runner
	feeds      input.Feeds
	query      *query.Searcher
	gate       *auth.Gate
	sanitizer  *content.Sanitizer
	log        *slog.Logger
	loc        *time.Location
	pageSize   int
	readAccess auth.ReadAccess
	anonSubmit bool
	pages      *pageSet
	fail       func(w http.ResponseWriter, r *http.Request, code int, errCode, msg string)
	internal   func(w http.ResponseWriter, r *http.Request, err error)
	// stories, when set (SetStories), shows copies and stories.
	stories  Stories
	rejected error
	checker  Checker
}

//go:embed templates/*.html static/*
var files embed.FS

// New parses the templates and returns the pages' handlers.
func New(cfg Config) (*UI, error) {
	pages, err := loadPages()
	if err != nil {
		return nil, err
	}
	return &UI{store: cfg.Store, jobs: cfg.Jobs, feeds: cfg.Feeds, query: cfg.Query, gate: cfg.Gate, sanitizer: cfg.Sanitizer, log: cfg.Logger,
		loc: cfg.Location, pageSize: cfg.PageSize, readAccess: cfg.ReadAccess, anonSubmit: cfg.AnonymousSubmit, pages: pages,
		fail: cfg.Fail, internal: cfg.Internal, checker: cfg.Checker}, nil
}

type loginData struct {
	layout
	auth.LoginForm
}

// LoginPage shows the login form with f.
func (s *UI) LoginPage(w http.ResponseWriter, r *http.Request, code int, f auth.LoginForm) {
	s.render(w, r, code, "login", &loginData{layout: layout{Title: "Log in", Nav: "login"}, LoginForm: f})
}
