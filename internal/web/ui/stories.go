package ui

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// Stories is what the pages need of copies and stories; *stories.Service
// satisfies it. Without it the article page shows neither and the story
// pages answer 404.
type Stories interface {
	Stories(ctx context.Context, minSize, limit, offset int) ([]store.Story, int, error)
	Story(ctx context.Context, id int64) (store.Story, []store.StoryMember, error)
	StoryOf(ctx context.Context, articleID int64) (store.Story, []store.StoryMember, error)
	Copies(ctx context.Context, articleID int64) (store.CopyGroup, error)
	StoriesOf(ctx context.Context, ids []int64) (map[int64]int64, error)
	CopyGroupsOf(ctx context.Context, ids []int64) (map[int64]int64, error)
	Merge(ctx context.Context, a, b int64) error
	Split(ctx context.Context, storyID int64, articles []int64) (int64, error)
	Detach(ctx context.Context, articleID int64) (int64, error)
}

// StatusReader says whether an article is still online, when the store
// knows (issue 9's watch adds it); "removed" is marked on the pages.
type StatusReader interface {
	ArticleStatus(ctx context.Context, articleID int64) (string, error)
}

// SetStories turns the copies and stories sections and pages on. rejected
// is the error st wraps when a correction cannot apply.
func (s *UI) SetStories(st Stories, rejected error) { s.stories, s.rejected = st, rejected }

// copyItem is one other copy of an article, as the article page lists it.
type copyItem struct {
	articleItem
	Original    bool
	Kind        string
	Jaccard     string // as a percentage
	Containment string
	Differs     string
}

// storyItem is one article of a story.
type storyItem struct {
	articleItem
	Self    bool
	CopyOf  int64
	Edited  bool // more than one version: the outlet changed it
	Removed bool
}

// storyBox is the "also in this story" section of an article page.
type storyBox struct {
	ID     int64
	Title  string
	Size   int
	Others []storyItem
}

func percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 0, 64) + "%" }

var differsNames = map[string]string{"title": "another title", "script": "other script (traditional/simplified)",
	"header": "a header added", "footer": "a footer added", "body": "text edited"}

// related fills the article page's copies and story sections.
func (s *UI) related(ctx context.Context, d *articleData) error {
	if s.stories == nil {
		return nil
	}
	g, err := s.stories.Copies(ctx, d.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		for _, m := range g.Members {
			if m.Article.ID == d.ID {
				continue
			}
			it := copyItem{articleItem: s.memberItem(m.Article, m.Source), Original: m.Original}
			if l := m.Link; l != nil && !m.Original {
				it.Kind, it.Jaccard, it.Containment = l.Kind, percent(l.Jaccard), percent(l.Containment)
				var ds []string
				for _, x := range l.Differs {
					ds = append(ds, differsNames[x])
				}
				it.Differs = strings.Join(ds, ", ")
			}
			d.Copies = append(d.Copies, it)
		}
	}
	st, ms, err := s.stories.StoryOf(ctx, d.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(ms) > 1 {
		box := &storyBox{ID: st.ID, Title: st.Title, Size: st.Size}
		for _, it := range s.storyItems(ctx, ms) {
			if it.ID != d.ID {
				box.Others = append(box.Others, it)
			}
		}
		d.Story = box
	}
	return nil
}

// memberItem is an article of a copy group or a story in a listing.
func (s *UI) memberItem(a archive.Article, source string) articleItem {
	return articleItem{ID: a.ID, Title: displayTitle(a.Title, a.URL), Lang: langOf(a.Language, a.Title),
		Date: s.articleDate(a), SourceID: a.SourceID, SourceTitle: source}
}

// storyItems lists a story's articles with their marks.
func (s *UI) storyItems(ctx context.Context, ms []store.StoryMember) []storyItem {
	sr, _ := s.store.(StatusReader)
	out := make([]storyItem, 0, len(ms))
	for _, m := range ms {
		it := storyItem{articleItem: s.memberItem(m.Article, m.Source), CopyOf: m.CopyOf, Edited: m.Article.VersionCount > 1}
		if sr != nil {
			if st, err := sr.ArticleStatus(ctx, m.Article.ID); err == nil {
				it.Removed = st == "removed" || st == "deleted" || st == "gone"
			}
		}
		out = append(out, it)
	}
	return out
}

// outlet is one source's coverage of a story.
type outlet struct {
	SourceID int64
	Title    string
	Articles int
	First    timeView
	Edited   int
	Removed  int
}

type storiesData struct {
	layout
	Stories []storyRow
	Pager   pager
}

type storyRow struct {
	ID          int64
	Title       string
	Size        int
	Sources     int
	First, Last timeView
}

func (s *UI) StoriesPage(w http.ResponseWriter, r *http.Request) {
	if s.stories == nil {
		s.ErrorPage(w, r, http.StatusNotFound, "this archive keeps no stories")
		return
	}
	page, ok := pageParam(r)
	if !ok {
		s.ErrorPage(w, r, http.StatusNotFound, "no such page: "+r.URL.Query().Get("page"))
		return
	}
	list, total, err := s.stories.Stories(r.Context(), 2, s.pageSize, (page-1)*s.pageSize)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if page > 1 && len(list) == 0 {
		s.ErrorPage(w, r, http.StatusNotFound, "there is no page "+strconv.Itoa(page)+" here")
		return
	}
	d := storiesData{layout: layout{Title: "Stories", Nav: "stories"}, Pager: newPager(r, page, s.pageSize, total)}
	for _, st := range list {
		d.Stories = append(d.Stories, storyRow{ID: st.ID, Title: st.Title, Size: st.Size, Sources: st.Sources,
			First: originalTime(st.First), Last: originalTime(st.Last)})
	}
	s.render(w, r, http.StatusOK, "stories", &d)
}

type storyData struct {
	layout
	ID       int64
	Heading  string
	First    timeView
	Last     timeView
	Articles []storyItem
	Outlets  []outlet
	Message  string
}

func (s *UI) StoryPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok || s.stories == nil {
		s.ErrorPage(w, r, http.StatusNotFound, "no story "+r.PathValue("id"))
		return
	}
	ctx := r.Context()
	st, ms, err := s.stories.Story(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		s.ErrorPage(w, r, http.StatusNotFound, "no story with id "+strconv.FormatInt(id, 10))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	d := storyData{layout: layout{Title: st.Title + " · story", Nav: "stories", Lang: langOf("", st.Title)}, ID: st.ID,
		Heading: displayTitle(st.Title, "story "+strconv.FormatInt(st.ID, 10)), First: originalTime(st.First), Last: originalTime(st.Last),
		Articles: s.storyItems(ctx, ms)}
	if done := r.URL.Query().Get("done"); doneMessages[done] {
		d.Message = "Story " + done + ". The decision is kept: re-clustering will respect it."
	}
	byID := map[int64]int{}
	for _, it := range d.Articles {
		i, seen := byID[it.SourceID]
		if !seen {
			i = len(d.Outlets)
			byID[it.SourceID] = i
			d.Outlets = append(d.Outlets, outlet{SourceID: it.SourceID, Title: it.SourceTitle, First: it.Date})
		}
		o := &d.Outlets[i]
		o.Articles++
		if it.Edited {
			o.Edited++
		}
		if it.Removed {
			o.Removed++
		}
	}
	s.render(w, r, http.StatusOK, "story", &d)
}

// doneMessages are what a story page says after a correction.
var doneMessages = map[string]bool{"merged": true, "split": true, "detached": true}

// correction answers a story correction form: back to the story with a
// note, or 422 when it cannot apply.
func (s *UI) correction(w http.ResponseWriter, r *http.Request, err error, story int64, done string) {
	if err != nil {
		if s.rejected != nil && errors.Is(err, s.rejected) {
			s.ErrorPage(w, r, http.StatusUnprocessableEntity, err.Error())
			return
		}
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/stories/"+strconv.FormatInt(story, 10)+"?done="+done, http.StatusSeeOther)
}

func (s *UI) storyForm(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := pathID(r, "id")
	if !ok || s.stories == nil {
		s.ErrorPage(w, r, http.StatusNotFound, "no story "+r.PathValue("id"))
		return 0, false
	}
	return id, s.ParseForm(w, r)
}

func (s *UI) MergeStoryForm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.storyForm(w, r)
	if !ok {
		return
	}
	other, err := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("story")), 10, 64)
	if err != nil || other <= 0 {
		s.ErrorPage(w, r, http.StatusBadRequest, "give the number of the story to merge into this one")
		return
	}
	s.correction(w, r, s.stories.Merge(r.Context(), id, other), id, "merged")
}

func (s *UI) SplitStoryForm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.storyForm(w, r)
	if !ok {
		return
	}
	var arts []int64
	for _, v := range r.PostForm["article"] {
		a, err := strconv.ParseInt(v, 10, 64)
		if err != nil || a <= 0 {
			s.ErrorPage(w, r, http.StatusBadRequest, "article numbers must be positive integers")
			return
		}
		arts = append(arts, a)
	}
	if len(arts) == 0 {
		s.ErrorPage(w, r, http.StatusBadRequest, "choose the articles to move to a new story")
		return
	}
	nid, err := s.stories.Split(r.Context(), id, slices.Compact(arts))
	s.correction(w, r, err, nid, "split")
}

func (s *UI) DetachArticleForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok || s.stories == nil {
		s.ErrorPage(w, r, http.StatusNotFound, "no article "+r.PathValue("id"))
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	nid, err := s.stories.Detach(r.Context(), id)
	s.correction(w, r, err, nid, "detached")
}
