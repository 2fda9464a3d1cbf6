package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
)

// snippetRunes is the length of a search result's highlighted snippet.
const snippetRunes = 160

// searchParams are the filters shared by /search, /api/v1/search and
// /api/v1/articles.
type searchParams struct {
	Q         string
	SourceIDs []int64
	Lang      string
	After     time.Time // on or after
	Before    time.Time // strictly before
	ByDate    bool      // sort=date
	// As typed, to fill the form again.
	AfterText, BeforeText, Sort string
}

// filtered reports whether anything beyond paging and order was asked for.
func (p searchParams) filtered() bool {
	return p.Q != "" || len(p.SourceIDs) > 0 || p.Lang != "" || !p.After.IsZero() || !p.Before.IsZero()
}

// errBadParameter marks a search parameter that cannot be read.
var errBadParameter = errors.New("bad parameter")

// parseSearchParams reads q, source (repeatable), lang, after, before and
// sort. since and until are accepted as older names of after and before.
func (s *Server) parseSearchParams(v url.Values) (searchParams, error) {
	p := searchParams{Q: strings.TrimSpace(v.Get("q")), Lang: strings.TrimSpace(v.Get("lang")), Sort: v.Get("sort")}
	for _, sv := range v["source"] {
		if sv == "" {
			continue
		}
		id, err := strconv.ParseInt(sv, 10, 64)
		if err != nil || id <= 0 {
			return p, fmt.Errorf("%w: source must be a positive integer id", errBadParameter)
		}
		if !slices.Contains(p.SourceIDs, id) {
			p.SourceIDs = append(p.SourceIDs, id)
		}
	}
	if len(p.Lang) > 35 {
		return p, fmt.Errorf("%w: lang must be a language tag such as zh or en", errBadParameter)
	}
	for _, f := range []struct {
		names []string
		text  *string
		dst   *time.Time
	}{{[]string{"after", "since"}, &p.AfterText, &p.After}, {[]string{"before", "until"}, &p.BeforeText, &p.Before}} {
		for _, name := range f.names {
			raw := strings.TrimSpace(v.Get(name))
			if raw == "" {
				continue
			}
			t, err := s.parseTime(raw)
			if err != nil {
				return p, fmt.Errorf("%w: %s: %v", errBadParameter, name, err)
			}
			*f.text, *f.dst = raw, t
			break
		}
	}
	switch p.Sort {
	case "", "relevance":
	case "date":
		p.ByDate = true
	default:
		return p, fmt.Errorf("%w: sort must be relevance or date", errBadParameter)
	}
	return p, nil
}

// parseTime reads a date (midnight in the display zone) or an RFC 3339 time.
func (s *Server) parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, s.loc); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("want a date (2006-01-02) or RFC 3339 time")
}

// searchResult is one page of search hits with what is needed to show them.
type searchResult struct {
	Hits  []store.SearchHit
	Total int
	Query search.Query
}

// search runs p against the store's index. Filters typed into the query
// (site:, source:, lang:, after:, before:) narrow the form's filters.
// Without words it lists what the filters select, newest first.
func (s *Server) search(ctx context.Context, p searchParams, limit, offset int) (searchResult, error) {
	var res searchResult
	sq := store.SearchQuery{SourceIDs: p.SourceIDs, Language: p.Lang, After: p.After, Before: p.Before,
		SortByDate: p.ByDate, Limit: limit, Offset: offset}
	if p.Q != "" {
		res.Query = s.analyzer.Parse(p.Q, s.loc)
		q := res.Query
		if len(q.Sources) > 0 {
			ids, err := s.sourcesNamed(ctx, q.Sources)
			if err != nil {
				return res, err
			}
			if len(sq.SourceIDs) > 0 {
				ids = slices.DeleteFunc(ids, func(id int64) bool { return !slices.Contains(sq.SourceIDs, id) })
			}
			if len(ids) == 0 {
				return res, nil // no source by that name: nothing can match
			}
			sq.SourceIDs = ids
		}
		if sq.Language == "" && len(q.Langs) > 0 {
			sq.Language = q.Langs[0]
		}
		if q.After.After(sq.After) {
			sq.After = q.After
		}
		if !q.Before.IsZero() && (sq.Before.IsZero() || q.Before.Before(sq.Before)) {
			sq.Before = q.Before
		}
		sq.Match = q.Match
		if sq.Match == nil && q.HasText() {
			// Words with nothing indexable (punctuation): nothing matches.
			return res, nil
		}
	}
	if sq.Match == nil {
		sq.SortByDate = true
	}
	hits, total, err := s.store.Search(ctx, sq)
	if err != nil {
		return res, fmt.Errorf("search %q: %w", p.Q, err)
	}
	res.Hits, res.Total = hits, total
	return res, nil
}

// sourcesNamed returns the IDs of the sources a site: or source: filter
// names: by title (ignoring case), or by the host of the feed or site URL
// (voachinese.com matches www.voachinese.com).
func (s *Server) sourcesNamed(ctx context.Context, names []string) ([]int64, error) {
	srcs, err := s.store.Sources(ctx)
	if err != nil {
		return nil, fmt.Errorf("search: sources: %w", err)
	}
	var ids []int64
	for _, src := range srcs {
		for _, name := range names {
			if sourceIsNamed(src, name) {
				ids = append(ids, src.ID)
				break
			}
		}
	}
	return ids, nil
}

func sourceIsNamed(src archive.Source, name string) bool {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return false
	}
	if strings.EqualFold(src.Title, name) {
		return true
	}
	for _, raw := range []string{src.FeedURL, src.SiteURL} {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			continue
		}
		host := strings.ToLower(u.Hostname())
		if host == name || strings.HasSuffix(host, "."+name) {
			return true
		}
	}
	return false
}

// snippet is the highlighted excerpt of a hit: the analyzer's output, which
// is HTML-escaped text with <mark> around matches, and the only HTML the
// search page takes from anywhere but the sanitiser.
func (s *Server) snippet(text string, q search.Query) template.HTML {
	return template.HTML(s.analyzer.Highlight(text, q, snippetRunes))
}

type option struct {
	Value, Label string
	Selected     bool
}

type searchData struct {
	layout
	Searched bool
	Params   searchParams
	Sources  []option
	Langs    []option
	Sorts    []option
	Results  []articleItem
	Pager    pager
	Error    string
}

// searchLangs are the languages the filter offers; the store matches them
// as prefixes, so zh covers zh-CN, zh-TW and zh-Hant.
var searchLangs = []option{{"", "any language", false}, {"zh", "Chinese 中文", false}, {"en", "English", false},
	{"ja", "Japanese 日本語", false}, {"ko", "Korean 한국어", false}, {"ru", "Russian", false},
	{"fr", "French", false}, {"de", "German", false}, {"es", "Spanish", false}}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := searchData{layout: layout{Title: "Search", Nav: "search"}}
	page, ok := pageParam(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "no such page: "+r.URL.Query().Get("page"))
		return
	}
	p, err := s.parseSearchParams(r.URL.Query())
	code := http.StatusOK
	if err != nil {
		d.Error = strings.TrimPrefix(err.Error(), errBadParameter.Error()+": ")
		code = http.StatusBadRequest
	}
	d.Params, d.Q = p, p.Q
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

	if err == nil && p.filtered() {
		d.Searched = true
		res, err := s.search(ctx, p, s.pageSize, (page-1)*s.pageSize)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if page > 1 && len(res.Hits) == 0 {
			s.errorPage(w, r, http.StatusNotFound, "there is no page "+strconv.Itoa(page)+" of these results")
			return
		}
		for _, h := range res.Hits {
			a := h.Article
			it := s.items(ctx, sn, []archive.Article{a})[0]
			if p.Q != "" {
				it.Snippet = s.snippet(a.Text, res.Query)
			}
			d.Results = append(d.Results, it)
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
