// Package query reads the search filters shared by the UI's /search page,
// /api/v1/search and /api/v1/articles (q, source, lang, after, before,
// sort), runs them against the store's index, and marks matches in result
// text.
package query

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
)

// Store is what searching reads.
type Store interface {
	Search(ctx context.Context, q store.SearchQuery) ([]store.SearchHit, int, error)
	Sources(ctx context.Context) ([]archive.Source, error)
}

// Analyzer parses what a reader typed into a query whose tree the store
// renders, and marks matches in result text. *search.Analyzer satisfies it.
type Analyzer interface {
	Parse(q string, loc *time.Location) search.Query
	Highlight(text string, q search.Query, maxRunes int) string
}

// Searcher runs searches against a store's index.
type Searcher struct {
	store    Store
	analyzer Analyzer
	loc      *time.Location
}

// New returns a Searcher over st's index; dates typed into filters are
// read in loc.
func New(st Store, an Analyzer, loc *time.Location) *Searcher {
	return &Searcher{store: st, analyzer: an, loc: loc}
}

// snippetRunes is the length of a search result's highlighted snippet.
const snippetRunes = 160

// Params are the filters shared by /search, /api/v1/search and
// /api/v1/articles.
type Params struct {
	Q         string
	SourceIDs []int64
	Lang      string
	After     time.Time // on or after
	Before    time.Time // strictly before
	ByDate    bool      // sort=date
	Status    string    // status=: the watch status (see search.StatusValues)
	// As typed, to fill the form again.
	AfterText, BeforeText, Sort string
}

// Filtered reports whether anything beyond paging and order was asked for.
func (p Params) Filtered() bool {
	return p.Q != "" || len(p.SourceIDs) > 0 || p.Lang != "" || !p.After.IsZero() || !p.Before.IsZero() || p.Status != ""
}

// ErrBadParameter marks a search parameter that cannot be read.
var ErrBadParameter = errors.New("bad parameter")

// ParseParams reads q, source (repeatable), lang, after, before, status and
// sort. since and until are accepted as older names of after and before.
func (s *Searcher) ParseParams(v url.Values) (Params, error) {
	p := Params{Q: strings.TrimSpace(v.Get("q")), Lang: strings.TrimSpace(v.Get("lang")), Sort: v.Get("sort")}
	for _, sv := range v["source"] {
		if sv == "" {
			continue
		}
		id, err := strconv.ParseInt(sv, 10, 64)
		if err != nil || id <= 0 {
			return p, fmt.Errorf("%w: source must be a positive integer id", ErrBadParameter)
		}
		if !slices.Contains(p.SourceIDs, id) {
			p.SourceIDs = append(p.SourceIDs, id)
		}
	}
	if len(p.Lang) > 35 {
		return p, fmt.Errorf("%w: lang must be a language tag such as zh or en", ErrBadParameter)
	}
	if st := strings.ToLower(strings.TrimSpace(v.Get("status"))); st != "" {
		if !search.StatusValues[st] {
			return p, fmt.Errorf("%w: status must be removed, edited, replaced, unavailable, unreachable or alive", ErrBadParameter)
		}
		p.Status = st
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
				return p, fmt.Errorf("%w: %s: %v", ErrBadParameter, name, err)
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
		return p, fmt.Errorf("%w: sort must be relevance or date", ErrBadParameter)
	}
	return p, nil
}

// parseTime reads a date (midnight in the display zone) or an RFC 3339 time.
func (s *Searcher) parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, s.loc); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("want a date (2006-01-02) or RFC 3339 time")
}

// Result is one page of search hits with what is needed to show them.
type Result struct {
	Hits  []store.SearchHit
	Total int
	Query search.Query
}

// Search runs p against the store's index. Filters typed into the query
// (site:, source:, lang:, after:, before:) narrow the form's filters.
// Without words it lists what the filters select, newest first.
func (s *Searcher) Search(ctx context.Context, p Params, limit, offset int) (Result, error) {
	var res Result
	sq := store.SearchQuery{SourceIDs: p.SourceIDs, Language: p.Lang, After: p.After, Before: p.Before,
		SortByDate: p.ByDate, Limit: limit, Offset: offset, Status: p.Status}
	if p.Q != "" {
		res.Query = s.analyzer.Parse(p.Q, s.loc)
		q := res.Query
		if len(q.Sources) > 0 {
			// site:bbc.com is the sources named so, and every article on
			// bbc.com or a subdomain, whatever source it came through.
			ids, err := s.sourcesNamed(ctx, q.Sources)
			if err != nil {
				return res, err
			}
			sq.Site = &store.SiteFilter{SourceIDs: ids, Hosts: siteHosts(q.Sources)}
		}
		if sq.Status == "" {
			sq.Status = q.Status
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
func (s *Searcher) sourcesNamed(ctx context.Context, names []string) ([]int64, error) {
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

// siteHosts are the names of a site: filter that can be hosts, as hosts:
// "https://www.bbc.com/zhongwen" is www.bbc.com; a name with no dot (a
// source's title, "BBC") is not a host.
func siteHosts(names []string) []string {
	var out []string
	for _, name := range names {
		name = strings.ToLower(strings.TrimSpace(name))
		if u, err := url.Parse(name); err == nil && u.Host != "" {
			name = u.Hostname()
		} else if i := strings.IndexByte(name, '/'); i >= 0 {
			name = name[:i]
		}
		name = strings.Trim(name, ".")
		if strings.Contains(name, ".") && !strings.ContainsAny(name, " :@") {
			out = append(out, name)
		}
	}
	return out
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

// Snippet is the highlighted excerpt of a hit: the analyzer's output, which
// is HTML-escaped text with <mark> around matches, and the only HTML the
// search page takes from anywhere but the sanitiser.
func (s *Searcher) Snippet(text string, q search.Query) template.HTML {
	return template.HTML(s.analyzer.Highlight(text, q, snippetRunes))
}
