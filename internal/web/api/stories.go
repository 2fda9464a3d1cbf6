package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/newsvault/newsvault/internal/apijson"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/web/reply"
)

// Stories is what the API needs of copies and stories; *stories.Service
// satisfies it. Nil turns the story routes off (503 stories_unavailable).
type Stories interface {
	Stories(ctx context.Context, minSize, limit, offset int) ([]store.Story, int, error)
	Story(ctx context.Context, id int64) (store.Story, []store.StoryMember, error)
	StoryOf(ctx context.Context, articleID int64) (store.Story, []store.StoryMember, error)
	Copies(ctx context.Context, articleID int64) (store.CopyGroup, error)
	Merge(ctx context.Context, a, b int64) error
	Split(ctx context.Context, storyID int64, articles []int64) (int64, error)
	Detach(ctx context.Context, articleID int64) (int64, error)
}

// SetStories turns the story routes on. rejected is the error st wraps
// when a correction cannot apply (answered 422 bad_decision).
func (s *API) SetStories(st Stories, rejected error) {
	s.stories, s.rejected = st, rejected
}

func (s *API) storiesOn(w http.ResponseWriter) bool {
	if s.stories == nil {
		reply.Error(w, http.StatusServiceUnavailable, "stories_unavailable", "this server does not keep stories")
		return false
	}
	return true
}

// withStatus marks removed articles where the store knows statuses.
func (s *API) withStatus(ctx context.Context, j apijson.Story) apijson.Story {
	if sr, ok := s.store.(StatusReader); ok {
		for i := range j.Articles {
			if st, err := sr.ArticleStatus(ctx, j.Articles[i].ID); err == nil {
				j.Articles[i].Status = st
			}
		}
	}
	return j
}

// StatusReader is the store's view of whether an article is still online,
// when it has one (issue 9's watch adds it).
type StatusReader interface {
	ArticleStatus(ctx context.Context, articleID int64) (string, error)
}

func (s *API) ListStories(w http.ResponseWriter, r *http.Request) {
	if !s.storiesOn(w) {
		return
	}
	limit, offset, ok := pageParams(w, r, 50, 500)
	if !ok {
		return
	}
	minSize, err := intParam(r.URL.Query().Get("min_size"), 2, 1, 1<<20)
	if err != nil {
		reply.Error(w, http.StatusBadRequest, "bad_parameter", "min_size: "+err.Error())
		return
	}
	list, total, err := s.stories.Stories(r.Context(), minSize, limit, offset)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := make([]apijson.Story, 0, len(list))
	for _, st := range list {
		out = append(out, apijson.FromStory(st, nil))
	}
	reply.JSON(w, http.StatusOK, map[string]any{"stories": out, "total": total, "limit": limit, "offset": offset})
}

type storyWithMembers struct {
	st store.Story
	ms []store.StoryMember
}

func (s *API) answerStory(w http.ResponseWriter, r *http.Request, what string, get func(context.Context, int64) (store.Story, []store.StoryMember, error)) {
	if !s.storiesOn(w) {
		return
	}
	v, ok := loadByID(s, w, r, what, func(ctx context.Context, id int64) (storyWithMembers, error) {
		st, ms, err := get(ctx, id)
		return storyWithMembers{st, ms}, err
	})
	if ok {
		reply.JSON(w, http.StatusOK, s.withStatus(r.Context(), apijson.FromStory(v.st, v.ms)))
	}
}

func (s *API) GetStory(w http.ResponseWriter, r *http.Request) {
	s.answerStory(w, r, "story", func(ctx context.Context, id int64) (store.Story, []store.StoryMember, error) {
		return s.stories.Story(ctx, id)
	})
}

func (s *API) ArticleStory(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.apiArticle(w, r); !ok {
		return
	}
	s.answerStory(w, r, "article", func(ctx context.Context, id int64) (store.Story, []store.StoryMember, error) {
		return s.stories.StoryOf(ctx, id)
	})
}

func (s *API) ArticleCopies(w http.ResponseWriter, r *http.Request) {
	if !s.storiesOn(w) {
		return
	}
	a, ok := s.apiArticle(w, r)
	if !ok {
		return
	}
	g, err := s.stories.Copies(r.Context(), a.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.internal(w, r, err)
		return
	}
	reply.JSON(w, http.StatusOK, apijson.FromCopyGroup(a.ID, g))
}

// decided answers a correction: 422 when it cannot apply, else the
// stories it leaves.
func (s *API) decided(w http.ResponseWriter, r *http.Request, err error, ids ...int64) {
	if err != nil {
		if s.rejected != nil && errors.Is(err, s.rejected) {
			reply.Error(w, http.StatusUnprocessableEntity, "bad_decision", err.Error())
			return
		}
		s.internal(w, r, err)
		return
	}
	var out []apijson.Story
	for _, id := range ids {
		st, ms, err := s.stories.Story(r.Context(), id)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		out = append(out, apijson.FromStory(st, ms))
	}
	reply.JSON(w, http.StatusOK, map[string]any{"stories": out})
}

func pathInt(w http.ResponseWriter, r *http.Request, what string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		reply.Error(w, http.StatusBadRequest, "bad_parameter", what+" id must be a positive integer")
		return 0, false
	}
	return id, true
}

func (s *API) MergeStories(w http.ResponseWriter, r *http.Request) {
	if !s.storiesOn(w) {
		return
	}
	id, ok := pathInt(w, r, "story")
	if !ok {
		return
	}
	var in struct {
		StoryID int64 `json:"story_id"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	s.decided(w, r, s.stories.Merge(r.Context(), id, in.StoryID), id)
}

func (s *API) SplitStory(w http.ResponseWriter, r *http.Request) {
	if !s.storiesOn(w) {
		return
	}
	id, ok := pathInt(w, r, "story")
	if !ok {
		return
	}
	var in struct {
		ArticleIDs []int64 `json:"article_ids"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	nid, err := s.stories.Split(r.Context(), id, in.ArticleIDs)
	s.decided(w, r, err, id, nid)
}

func (s *API) DetachArticle(w http.ResponseWriter, r *http.Request) {
	if !s.storiesOn(w) {
		return
	}
	id, ok := pathInt(w, r, "article")
	if !ok {
		return
	}
	nid, err := s.stories.Detach(r.Context(), id)
	s.decided(w, r, err, nid)
}
