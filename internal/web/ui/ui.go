package ui

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/newsvault/newsvault/internal/apijson"
	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/web/input"
)

// The UI's pages. Each handler gathers what its page shows into a small
// view struct; the templates only lay it out.

// sourceNames maps source IDs to sources for labelling listings. Sources
// that were removed (no longer followed) are looked up one by one.
type sourceNames struct {
	st   Store
	byID map[int64]archive.Source
}

func (s *UI) sourceNames(ctx context.Context) (*sourceNames, error) {
	list, err := s.store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	sn := &sourceNames{st: s.store, byID: make(map[int64]archive.Source, len(list))}
	for _, src := range list {
		sn.byID[src.ID] = src
	}
	return sn, nil
}

func (sn *sourceNames) get(ctx context.Context, id int64) (archive.Source, bool) {
	if id == 0 {
		return archive.Source{}, false
	}
	if src, ok := sn.byID[id]; ok {
		return src, true
	}
	src, err := sn.st.Source(ctx, id)
	if err != nil {
		return archive.Source{}, false
	}
	sn.byID[id] = src
	return src, true
}

// sourceTitle names a source for readers. A feed with no title yet (added
// without one, and not polled, or its feed has none) is named by its host,
// not its whole URL, and says when it has not been polled yet.
func sourceTitle(src archive.Source) string {
	if src.Title != "" {
		return src.Title
	}
	name := archive.Redact(src.FeedURL)
	if u, err := url.Parse(src.FeedURL); err == nil && u.Hostname() != "" {
		name = strings.TrimPrefix(u.Hostname(), "www.")
	}
	if src.Kind == archive.KindFeed && src.LastPolledAt.IsZero() {
		name += " (not polled yet)"
	}
	return name
}

func (s *UI) items(ctx context.Context, sn *sourceNames, list []archive.Article) []articleItem {
	out := make([]articleItem, 0, len(list))
	for _, a := range list {
		it := articleItem{ID: a.ID, Title: displayTitle(a.Title, a.URL), Lang: langOf(a.Language, a.Title),
			Date: s.articleDate(a), Author: a.Author, SourceID: a.SourceID}
		if src, ok := sn.get(ctx, a.SourceID); ok {
			it.SourceTitle = sourceTitle(src)
		}
		out = append(out, it)
	}
	return out
}

// listing is a page of articles with its navigation.
type listing struct {
	Articles []articleItem
	Pager    pager
}

// listArticles reads page of the articles f selects. It reports false (and
// has answered 404) when the page is past the end.
func (s *UI) listArticles(w http.ResponseWriter, r *http.Request, f store.ArticleFilter) (listing, bool) {
	page, ok := pageParam(r)
	if !ok {
		s.ErrorPage(w, r, http.StatusNotFound, "no such page: "+r.URL.Query().Get("page"))
		return listing{}, false
	}
	ctx := r.Context()
	total, err := s.store.CountArticles(ctx, f)
	if err != nil {
		s.internal(w, r, err)
		return listing{}, false
	}
	f.Limit, f.Offset, f.NoContent = s.pageSize, (page-1)*s.pageSize, true
	if page > 1 && f.Offset >= total {
		s.ErrorPage(w, r, http.StatusNotFound, "there is no page "+strconv.Itoa(page)+" here")
		return listing{}, false
	}
	list, err := s.store.Articles(ctx, f)
	if err != nil {
		s.internal(w, r, err)
		return listing{}, false
	}
	sn, err := s.sourceNames(ctx)
	if err != nil {
		s.internal(w, r, err)
		return listing{}, false
	}
	return listing{Articles: s.items(ctx, sn, list), Pager: newPager(r, page, s.pageSize, total)}, true
}

type homeData struct {
	layout
	listing
}

func (s *UI) HomePage(w http.ResponseWriter, r *http.Request) {
	l, ok := s.listArticles(w, r, store.ArticleFilter{})
	if !ok {
		return
	}
	title := "Latest articles"
	if l.Pager.Page > 1 {
		title += " · page " + strconv.Itoa(l.Pager.Page)
	}
	s.render(w, r, http.StatusOK, "home", &homeData{layout: layout{Title: title, Nav: "home"}, listing: l})
}

// sourceView is a source as the sources pages show it.
type sourceView struct {
	ID           int64
	Title        string
	Kind         string
	IsFeed       bool
	FeedURL      string
	SiteURL      string
	Mode         string
	Render       string
	Watch        string
	TimeZone     string
	Interval     string
	ArticleCount int
	LastPolled   timeView
	NextPoll     timeView
	Status       string // ok, not modified, error, never polled
	Failing      bool
	Error        string
	ErrorCount   int
	// What the last poll could not archive.
	ItemsFailed  int
	ItemErrors   []string
	ItemsSkipped int
}

func (s *UI) sourceView(src archive.Source) sourceView {
	v := sourceView{ID: src.ID, Title: sourceTitle(src), Kind: string(src.Kind), IsFeed: src.Kind == archive.KindFeed,
		SiteURL: archive.Redact(src.SiteURL), Mode: string(src.Mode), Render: string(src.Render), Watch: src.Watch, TimeZone: src.TimeZone, ArticleCount: src.ArticleCount,
		LastPolled: s.localTime(src.LastPolledAt), NextPoll: s.localTime(src.NextPollAt), Error: archive.Redact(src.LastError), ErrorCount: src.ErrorCount,
		ItemsFailed: src.LastItemsFailed, ItemErrors: archive.RedactAll(src.LastItemErrors), ItemsSkipped: src.LastItemsSkipped}
	if v.IsFeed {
		// Feed URLs may carry the operator's credentials (user:password@,
		// ?apikey=): readers see them masked.
		v.FeedURL = archive.Redact(src.FeedURL)
		v.Interval = input.FormatInterval(src.Interval)
	}
	switch src.LastStatus {
	case "":
		v.Status = "never polled"
	case archive.PollNotModified:
		v.Status = "not modified"
	default:
		v.Status = src.LastStatus
	}
	v.Failing = src.LastStatus == archive.PollError || src.LastItemsFailed > 0
	if v.Render == "" {
		v.Render = string(archive.RenderAuto)
	}
	return v
}

type sourcesData struct {
	layout
	Feeds, Others []sourceView
}

func (s *UI) SourcesPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.store.Sources(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	d := sourcesData{layout: layout{Title: "Sources", Nav: "sources"}}
	for _, src := range list {
		if src.Kind == archive.KindFeed {
			d.Feeds = append(d.Feeds, s.sourceView(src))
		} else {
			d.Others = append(d.Others, s.sourceView(src))
		}
	}
	s.render(w, r, http.StatusOK, "sources", &d)
}

// pathID reads a positive integer path value; false means "no such page".
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

type sourceData struct {
	layout
	Source sourceView
	// Form is the settings form (feeds, for the signed-in).
	Form *sourceForm
	listing
}

func (s *UI) SourcePage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.ErrorPage(w, r, http.StatusNotFound, "no source "+r.PathValue("id"))
		return
	}
	src, err := s.store.Source(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.ErrorPage(w, r, http.StatusNotFound, "no source with id "+strconv.FormatInt(id, 10))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var form *sourceForm
	if src.Kind == archive.KindFeed {
		form = newSourceForm(src)
	}
	s.sourcePage(w, r, http.StatusOK, src, form)
}

// sourcePage shows src with its articles and, for feeds, form.
func (s *UI) sourcePage(w http.ResponseWriter, r *http.Request, code int, src archive.Source, form *sourceForm) {
	l, ok := s.listArticles(w, r, store.ArticleFilter{SourceID: src.ID})
	if !ok {
		return
	}
	src.ArticleCount = l.Pager.Total
	v := s.sourceView(src)
	d := sourceData{layout: layout{Title: v.Title, Nav: "sources"}, Source: v, Form: form, listing: l}
	if l.Pager.Page > 1 {
		d.Title += " · page " + strconv.Itoa(l.Pager.Page)
	}
	if v.IsFeed {
		// Until newsvault publishes its own per-source feeds, announce the
		// feed we follow.
		d.Feed, d.FeedTitle = v.FeedURL, v.Title
	}
	s.render(w, r, code, "source", &d)
}

// articleData is the article page, for the latest version or an older one.
type articleData struct {
	layout
	ID           int64
	Heading      string
	Author       string
	SiteName     string
	SourceID     int64
	SourceTitle  string
	Published    timeView
	Updated      timeView
	URL          string
	OriginalURL  string
	FirstSeen    timeView
	LastSeen     timeView
	VersionCount int
	// Version is set when an older (or explicitly chosen) version is shown.
	Version *versionItem
	Content template.HTML
	// Copies are the article's other copies; Story the other articles of
	// its story (latest version only).
	Copies []copyItem
	Story  *storyBox
	// Watch is the article's watch status, checks and evidence (latest
	// version's page only); nil when it is not watched.
	Watch *watchView
	// Rendered links the screenshot and PDF the headless browser kept of
	// the version shown; nil when it was not rendered.
	Rendered *apijson.Rendered
}

// rendered links what the headless browser kept of a version.
func (s *UI) rendered(ctx context.Context, versionID int64) (*apijson.Rendered, error) {
	if versionID == 0 {
		return nil, nil
	}
	refs, err := s.store.VersionAssets(ctx, versionID)
	if err != nil {
		return nil, fmt.Errorf("assets of version %d: %w", versionID, err)
	}
	return apijson.RenderedFrom(refs, assetPrefix), nil
}

// article loads the article named by the {id} path value, answering 404
// itself when there is none.
func (s *UI) article(w http.ResponseWriter, r *http.Request) (archive.Article, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		s.ErrorPage(w, r, http.StatusNotFound, "no article "+r.PathValue("id"))
		return archive.Article{}, false
	}
	a, err := s.store.Article(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.ErrorPage(w, r, http.StatusNotFound, "no article with id "+strconv.FormatInt(id, 10))
		return a, false
	}
	if err != nil {
		s.internal(w, r, err)
		return a, false
	}
	return a, true
}

func (s *UI) articleData(ctx context.Context, a archive.Article) articleData {
	d := articleData{
		ID: a.ID, Heading: displayTitle(a.Title, a.URL), Author: a.Author, SiteName: a.SiteName,
		Published: originalTime(a.Published), Updated: originalTime(a.Updated), URL: a.URL, OriginalURL: a.OriginalURL,
		FirstSeen: s.localTime(a.FirstSeenAt), LastSeen: s.localTime(a.LastSeenAt), VersionCount: a.VersionCount,
		Content: s.contentHTML(a.HTML, a.Sanitizer), SourceID: a.SourceID,
	}
	if !isWebURL(d.URL) {
		// The article's key is not an address (an item without a link,
		// a source's copy of another's article): link what it linked.
		d.URL = ""
		if isWebURL(d.OriginalURL) {
			d.URL = d.OriginalURL
		}
	}
	if d.OriginalURL == d.URL || !isWebURL(d.OriginalURL) {
		d.OriginalURL = ""
	}
	if a.SourceID != 0 {
		if src, err := s.store.Source(ctx, a.SourceID); err == nil {
			d.SourceTitle = sourceTitle(src)
		}
	}
	d.layout = layout{Title: d.Heading, Lang: langOf(a.Language, a.Title+a.Text[:min(len(a.Text), 300)])}
	if d.SourceTitle != "" {
		d.Title += " · " + d.SourceTitle
	}
	return d
}

func (s *UI) ArticlePage(w http.ResponseWriter, r *http.Request) {
	a, ok := s.article(w, r)
	if !ok {
		return
	}
	d := s.articleData(r.Context(), a)
	if err := s.related(r.Context(), &d); err != nil {
		s.internal(w, r, err)
		return
	}
	wv, err := s.watchView(r.Context(), a.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	d.Watch = wv
	if d.Rendered, err = s.rendered(r.Context(), a.VersionID); err != nil {
		s.internal(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "article", &d)
}

// versionItem is one version in the versions list.
type versionItem struct {
	Seq       int
	Of        int
	Title     string
	Published timeView
	Created   timeView
	LastSeen  timeView
	Hash      string
	Latest    bool
}

type versionsData struct {
	layout
	ID       int64
	Heading  string
	Versions []versionItem
}

func (s *UI) versionItems(vs []archive.Version) []versionItem {
	out := make([]versionItem, 0, len(vs))
	for i, v := range vs {
		out = append(out, versionItem{Seq: v.Seq, Of: len(vs), Title: v.Title, Published: originalTime(v.Published),
			Created: s.localTime(v.CreatedAt), LastSeen: s.localTime(v.LastSeenAt), Hash: v.Hash, Latest: i == len(vs)-1})
	}
	return out
}

func (s *UI) VersionsPage(w http.ResponseWriter, r *http.Request) {
	a, ok := s.article(w, r)
	if !ok {
		return
	}
	vs, err := s.store.Versions(r.Context(), a.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	heading := displayTitle(a.Title, a.URL)
	d := versionsData{layout: layout{Title: "Versions of " + heading, Lang: langOf(a.Language, a.Title)}, ID: a.ID, Heading: heading,
		Versions: s.versionItems(vs)}
	// Newest first, as everywhere else.
	for i, j := 0, len(d.Versions)-1; i < j; i, j = i+1, j-1 {
		d.Versions[i], d.Versions[j] = d.Versions[j], d.Versions[i]
	}
	s.render(w, r, http.StatusOK, "versions", &d)
}

func (s *UI) VersionPage(w http.ResponseWriter, r *http.Request) {
	a, ok := s.article(w, r)
	if !ok {
		return
	}
	seq, err := strconv.Atoi(r.PathValue("seq"))
	if err != nil || seq < 1 {
		s.ErrorPage(w, r, http.StatusNotFound, "no version "+r.PathValue("seq"))
		return
	}
	vs, err := s.store.Versions(r.Context(), a.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	items := s.versionItems(vs)
	for i, v := range vs {
		if v.Seq != seq {
			continue
		}
		va := a
		va.Title, va.Author, va.Published, va.Updated, va.SiteName, va.Language, va.HTML, va.Text =
			v.Title, v.Author, v.Published, v.Updated, v.SiteName, v.Language, v.HTML, v.Text
		d := s.articleData(r.Context(), va)
		d.Version = &items[i]
		if d.Rendered, err = s.rendered(r.Context(), v.ID); err != nil {
			s.internal(w, r, err)
			return
		}
		d.Title = "Version " + strconv.Itoa(seq) + " of " + d.Title
		s.render(w, r, http.StatusOK, "article", &d)
		return
	}
	s.ErrorPage(w, r, http.StatusNotFound, "article "+strconv.FormatInt(a.ID, 10)+" has no version "+strconv.Itoa(seq))
}

// isWebURL reports whether u is an http(s) address a reader can follow.
func isWebURL(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")
}
