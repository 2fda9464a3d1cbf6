package ui

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/web/query"
)

// The search page.

type option struct {
	Value, Label string
	Selected     bool
}

type searchData struct {
	layout
	Searched bool
	Params   query.Params
	Sources  []option
	Langs    []option
	Sorts    []option
	Results  []articleItem
	Pager    pager
	Error    string
	// Stories offers grouping by story and showing copies; ByStory
	// groups the results (Groups), AllCopies shows every copy rather than
	// folding copies into the first one found.
	Stories   bool
	ByStory   bool
	AllCopies bool
	Groups    []resultGroup
}

// resultGroup is the search results of one story.
type resultGroup struct {
	StoryID int64
	Results []articleItem
}

// searchLangs are the languages the filter offers; the store matches them
// as prefixes, so zh covers zh-CN, zh-TW and zh-Hant.
var searchLangs = []option{{"", "any language", false}, {"zh", "Chinese 中文", false}, {"en", "English", false},
	{"ja", "Japanese 日本語", false}, {"ko", "Korean 한국어", false}, {"ru", "Russian", false},
	{"fr", "French", false}, {"de", "German", false}, {"es", "Spanish", false}}

func (s *UI) SearchPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := searchData{layout: layout{Title: "Search", Nav: "search"}}
	page, ok := pageParam(r)
	if !ok {
		s.ErrorPage(w, r, http.StatusNotFound, "no such page: "+r.URL.Query().Get("page"))
		return
	}
	p, err := s.query.ParseParams(r.URL.Query())
	code := http.StatusOK
	if err != nil {
		d.Error = strings.TrimPrefix(err.Error(), query.ErrBadParameter.Error()+": ")
		code = http.StatusBadRequest
	}
	d.Params, d.Q = p, p.Q
	d.Stories = s.stories != nil
	d.ByStory = d.Stories && r.URL.Query().Get("group") == "story"
	d.AllCopies = r.URL.Query().Get("copies") == "all"
	sn, serr := s.sourceNames(ctx)
	if serr != nil {
		s.internal(w, r, serr)
		return
	}
	d.Sources = []option{{Value: "", Label: "all sources"}}
	for _, src := range sn.byID {
		d.Sources = append(d.Sources, option{Value: strconv.FormatInt(src.ID, 10), Label: sourceTitle(src), Selected: slices.Contains(p.SourceIDs, src.ID)})
	}
	slices.SortFunc(d.Sources[1:], func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	for _, o := range searchLangs {
		o.Selected = o.Value == p.Lang
		d.Langs = append(d.Langs, o)
	}
	d.Sorts = []option{{"relevance", "relevance", !p.ByDate}, {"date", "newest first", p.ByDate}}

	if err == nil && p.Filtered() {
		d.Searched = true
		res, err := s.query.Search(ctx, p, s.pageSize, (page-1)*s.pageSize)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if page > 1 && len(res.Hits) == 0 {
			s.ErrorPage(w, r, http.StatusNotFound, "there is no page "+strconv.Itoa(page)+" of these results")
			return
		}
		for _, h := range res.Hits {
			a := h.Article
			it := s.items(ctx, sn, []archive.Article{a})[0]
			if p.Q != "" {
				it.Snippet = s.query.Snippet(a.Text, res.Query)
			}
			d.Results = append(d.Results, it)
		}
		if err := s.foldResults(ctx, &d); err != nil {
			s.internal(w, r, err)
			return
		}
		d.Pager = newPager(r, page, s.pageSize, res.Total)
		if p.Q != "" {
			d.Title = p.Q + " · search"
		}
		if page > 1 {
			d.Title += " · page " + strconv.Itoa(page)
		}
	}
	s.render(w, r, code, "search", &d)
}

// foldResults folds copies into the first of their group on the page
// (unless all copies were asked for) and groups the results by story
// when asked.
func (s *UI) foldResults(ctx context.Context, d *searchData) error {
	if s.stories == nil || len(d.Results) == 0 {
		return nil
	}
	ids := make([]int64, len(d.Results))
	for i, it := range d.Results {
		ids[i] = it.ID
	}
	if !d.AllCopies {
		groups, err := s.stories.CopyGroupsOf(ctx, ids)
		if err != nil {
			return err
		}
		first := map[int64]int{}
		kept := d.Results[:0]
		for _, it := range d.Results {
			g, ok := groups[it.ID]
			if i, dup := first[g]; ok && dup {
				kept[i].Copies++
				continue
			}
			if ok {
				first[g] = len(kept)
			}
			kept = append(kept, it)
		}
		d.Results = kept
	}
	if d.ByStory {
		of, err := s.stories.StoriesOf(ctx, ids)
		if err != nil {
			return err
		}
		at := map[int64]int{}
		for _, it := range d.Results {
			sid := of[it.ID]
			i, ok := at[sid]
			if !ok || sid == 0 {
				i = len(d.Groups)
				at[sid] = i
				d.Groups = append(d.Groups, resultGroup{StoryID: sid})
			}
			d.Groups[i].Results = append(d.Groups[i].Results, it)
		}
	}
	return nil
}
