package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/newsvault/newsvault/internal/apijson"
	"github.com/newsvault/newsvault/internal/diff"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/watcher"
	"github.com/newsvault/newsvault/internal/web/input"
	"github.com/newsvault/newsvault/internal/web/reply"
)

// Checker re-checks an article now: the watcher.
type Checker interface {
	CheckNow(ctx context.Context, articleID int64) (watcher.Result, error)
}

// Checks lists an article's re-checks, oldest first, with its watch status.
func (s *API) Checks(w http.ResponseWriter, r *http.Request) {
	a, ok := s.apiArticle(w, r)
	if !ok {
		return
	}
	cs, err := s.store.Checks(r.Context(), a.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := make([]apijson.Check, 0, len(cs))
	for _, c := range cs {
		out = append(out, apijson.FromCheck(c))
	}
	body := map[string]any{"article_id": a.ID, "checks": out}
	ws, err := s.store.WatchOf(r.Context(), a.ID)
	switch {
	case err == nil:
		body["watch"] = apijson.FromWatch(ws)
	case !errors.Is(err, store.ErrNotFound):
		s.internal(w, r, err)
		return
	}
	reply.JSON(w, http.StatusOK, body)
}

// Diff compares two versions of an article (from and to are version
// numbers; by default the one before the latest and the latest) and
// answers the operations.
func (s *API) Diff(w http.ResponseWriter, r *http.Request) {
	a, ok := s.apiArticle(w, r)
	if !ok {
		return
	}
	vs, err := s.store.Versions(r.Context(), a.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	from, to, msg := input.VersionPair(r.URL.Query().Get("from"), r.URL.Query().Get("to"), len(vs))
	if msg != "" {
		reply.Error(w, http.StatusBadRequest, "bad_parameter", msg)
		return
	}
	res := diff.Versions(diff.FromArchive(&vs[from-1]), diff.FromArchive(&vs[to-1]))
	reply.JSON(w, http.StatusOK, map[string]any{"article_id": a.ID, "from": from, "to": to, "changed": res.Changed(), "diff": res})
}

// Check re-checks an article now and answers what the check found.
func (s *API) Check(w http.ResponseWriter, r *http.Request) {
	a, ok := s.apiArticle(w, r)
	if !ok {
		return
	}
	if s.checker == nil {
		reply.Error(w, http.StatusServiceUnavailable, "checking_unavailable", "this server does not re-check articles")
		return
	}
	res, err := s.checker.CheckNow(r.Context(), a.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	events := make([]string, 0, len(res.Events))
	for _, e := range res.Events {
		events = append(events, string(e))
	}
	body := map[string]any{"article_id": a.ID, "check_id": res.CheckID, "outcome": res.Outcome, "status": res.Status,
		"reason": res.Reason, "events": events}
	if !res.Next.IsZero() {
		body["next_check_at"] = res.Next
	}
	reply.JSON(w, http.StatusOK, body)
}
