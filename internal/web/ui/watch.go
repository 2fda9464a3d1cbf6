package ui

import (
	"context"
	"encoding/xml"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/diff"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/watcher"
	"github.com/newsvault/newsvault/internal/web/input"
)

// The watch pages: an article's status, checks and evidence, the diff
// between two versions, and the Removed and Edited lists with their Atom
// feeds. Every text here came from a watched site (titles, notices,
// headers) and is escaped by html/template or encoding/xml; diffs are
// rendered by package diff, which escapes its text.

// Checker re-checks an article now.
type Checker interface {
	CheckNow(ctx context.Context, articleID int64) (watcher.Result, error)
}

type checkView struct {
	At        timeView
	Outcome   string
	Status    string
	Reason    string
	Notice    string
	CaptureID int64
	VersionID int64
}

type exhibitView struct {
	Role      string
	At        timeView
	HTTP      int
	URL       string
	FinalURL  string
	Redirects []string
	Remote    string
	Hash      string
	Size      int64
}

type watchView struct {
	Status    string
	Since     timeView
	Edits     int
	NextCheck timeView
	Removed   bool
	NoticeBy  string
	Platform  string
	Notice    string
	Reason    string
	Checks    []checkView
	Evidence  []exhibitView
	CanCheck  bool
}

// watchView gathers an article's watch status for its page; nil when the
// article is not watched.
func (s *UI) watchView(ctx context.Context, id int64) (*watchView, error) {
	ws, err := s.store.WatchOf(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := &watchView{Status: ws.Status, Since: s.localTime(ws.Since), Edits: ws.Edits, NextCheck: s.localTime(ws.NextCheck),
		Removed: ws.Status == "removed" || ws.Status == "replaced", CanCheck: s.checker != nil}
	cs, err := s.store.Checks(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := len(cs) - 1; i >= 0; i-- { // newest first
		c := cs[i]
		v.Checks = append(v.Checks, checkView{At: s.localTime(c.At), Outcome: c.Outcome, Status: c.Status, Reason: c.Reason,
			Notice: c.Notice.Text, CaptureID: c.CaptureID, VersionID: c.VersionID})
	}
	if v.Removed {
		events, err := s.store.ArticleEvents(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			if e.Kind == "removed" || e.Kind == "replaced" {
				v.NoticeBy, v.Platform, v.Notice, v.Reason = e.Notice.By, e.Notice.Platform, e.Notice.Text, e.Reason
			}
		}
	}
	marks := []struct {
		role string
		m    *store.Mark
	}{{"Last seen alive", &ws.LastAlive}, {"First seen removed", ws.Removal}, {"First seen removed (to be confirmed)", ws.Pending}}
	for _, mk := range marks {
		if mk.m == nil || mk.m.CaptureID == 0 {
			continue
		}
		c, err := s.store.Capture(ctx, mk.m.CaptureID)
		if err != nil {
			return nil, err
		}
		ex := exhibitView{Role: mk.role, At: s.localTime(c.FetchedAt), HTTP: c.Status, URL: c.URL, FinalURL: c.FinalURL,
			Remote: c.RemoteAddr, Hash: c.BodyHash, Size: c.Size}
		for _, h := range c.Redirects {
			ex.Redirects = append(ex.Redirects, strconv.Itoa(h.Status)+" "+h.URL+" → "+h.Location)
		}
		v.Evidence = append(v.Evidence, ex)
	}
	return v, nil
}

// CheckForm re-checks an article at a signed-in reader's request.
func (s *UI) CheckForm(w http.ResponseWriter, r *http.Request) {
	a, ok := s.article(w, r)
	if !ok {
		return
	}
	if s.checker == nil {
		s.ErrorPage(w, r, http.StatusServiceUnavailable, "this server does not re-check articles")
		return
	}
	if _, err := s.checker.CheckNow(r.Context(), a.ID); err != nil {
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/articles/"+strconv.FormatInt(a.ID, 10)+"#watch", http.StatusSeeOther)
}

type diffField struct {
	Field string
	HTML  template.HTML
}

type diffRow struct {
	Old, New template.HTML
	Changed  bool
	Skipped  int
}

type diffData struct {
	layout
	ID            int64
	Heading       string
	From, To      int
	Versions      []int
	Changed       bool
	Fields        []diffField
	ImagesRemoved []string
	ImagesAdded   []string
	Inline        template.HTML
	Rows          []diffRow
}

// DiffPage shows what changed between two versions of an article, inline
// and side by side.
func (s *UI) DiffPage(w http.ResponseWriter, r *http.Request) {
	a, ok := s.article(w, r)
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
		s.ErrorPage(w, r, http.StatusBadRequest, msg)
		return
	}
	res := diff.Versions(diff.FromArchive(&vs[from-1]), diff.FromArchive(&vs[to-1]))
	heading := displayTitle(a.Title, a.URL)
	d := diffData{layout: layout{Title: "Changes to " + heading, Lang: langOf(a.Language, a.Title)}, ID: a.ID, Heading: heading,
		From: from, To: to, Changed: res.Changed(), ImagesRemoved: res.ImagesRemoved, ImagesAdded: res.ImagesAdded,
		Inline: template.HTML(diff.HTML(diff.Elide(res.Body, diff.ElideOptions{})))}
	for i := range vs {
		d.Versions = append(d.Versions, i+1)
	}
	for _, f := range res.Fields {
		d.Fields = append(d.Fields, diffField{Field: f.Field, HTML: template.HTML(diff.HTML(f.Ops))})
	}
	for _, row := range diff.Rows(res.Body, 1) {
		d.Rows = append(d.Rows, diffRow{Old: template.HTML(diff.HTML(row.Old)), New: template.HTML(diff.HTML(row.New)),
			Changed: row.Changed, Skipped: row.Skipped})
	}
	s.render(w, r, http.StatusOK, "diff", &d)
}

type eventView struct {
	ArticleID int64
	Title     string
	URL       string
	At        timeView
	Reason    string
	NoticeBy  string
	Notice    string
}

type changesData struct {
	layout
	Kind     string // removed or edited
	Heading  string
	SourceID int64
	Source   string
	Events   []eventView
}

// ChangesPage lists the removed or the edited articles, newest first,
// for all sources or one (?source=ID).
func (s *UI) ChangesPage(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		events, srcID, srcName, ok := s.changes(w, r, kind)
		if !ok {
			return
		}
		heading := map[string]string{"removed": "Removed articles", "edited": "Edited articles"}[kind]
		if srcName != "" {
			heading += " · " + srcName
		}
		feed := "/" + kind + ".atom"
		if srcID != 0 {
			feed += "?source=" + strconv.FormatInt(srcID, 10)
		}
		d := changesData{layout: layout{Title: heading, Nav: kind, Feed: feed, FeedTitle: heading, FeedType: "application/atom+xml"},
			Kind: kind, Heading: heading, SourceID: srcID, Source: srcName}
		for _, e := range events {
			d.Events = append(d.Events, eventView{ArticleID: e.ArticleID, Title: displayTitle(e.Title, e.URL), URL: e.URL,
				At: s.localTime(e.At), Reason: e.Reason, NoticeBy: e.Notice.By, Notice: e.Notice.Text})
		}
		s.render(w, r, http.StatusOK, "changes", &d)
	}
}

// changes reads ?source= and loads the latest events of kind.
func (s *UI) changes(w http.ResponseWriter, r *http.Request, kind string) ([]store.WatchEvent, int64, string, bool) {
	var srcID int64
	var srcName string
	if v := r.URL.Query().Get("source"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.ErrorPage(w, r, http.StatusBadRequest, "source must be a source id")
			return nil, 0, "", false
		}
		src, err := s.store.Source(r.Context(), id)
		if err != nil {
			s.ErrorPage(w, r, http.StatusNotFound, "no source "+v)
			return nil, 0, "", false
		}
		srcID, srcName = id, sourceTitle(src)
	}
	events, err := s.store.WatchEvents(r.Context(), store.EventQuery{Kind: kind, SourceID: srcID, Limit: 100})
	if err != nil {
		s.internal(w, r, err)
		return nil, 0, "", false
	}
	return events, srcID, srcName, true
}

// Atom is the Atom feed of the removed or edited articles.
func (s *UI) Atom(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		events, srcID, srcName, ok := s.changes(w, r, kind)
		if !ok {
			return
		}
		base := "http://" + r.Host
		if r.TLS != nil {
			base = "https://" + r.Host
		}
		title := map[string]string{"removed": "Removed articles", "edited": "Edited articles"}[kind]
		if srcName != "" {
			title += " · " + srcName
		}
		self := base + "/" + kind
		if srcID != 0 {
			self += "?source=" + strconv.FormatInt(srcID, 10)
		}
		f := atomFeed{NS: "http://www.w3.org/2005/Atom", ID: self, Title: title + " · newsvault", Link: atomLink{Href: self}}
		f.Updated = time.Unix(0, 0).UTC().Format(time.RFC3339)
		if len(events) > 0 {
			f.Updated = events[0].At.UTC().Format(time.RFC3339)
		}
		for _, e := range events {
			link := base + "/articles/" + strconv.FormatInt(e.ArticleID, 10)
			if kind == "edited" {
				link += "/diff"
			}
			summary := e.Reason
			if e.Notice.Text != "" {
				summary += "\n" + e.Notice.Text
			}
			f.Entries = append(f.Entries, atomEntry{ID: base + "/events/" + strconv.FormatInt(e.ID, 10), Title: displayTitle(e.Title, e.URL),
				Link: atomLink{Href: link}, Updated: e.At.UTC().Format(time.RFC3339), Summary: strings.TrimSpace(summary)})
		}
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		w.Write([]byte(xml.Header))
		enc := xml.NewEncoder(w)
		if err := enc.Encode(f); err != nil {
			s.log.Debug("atom write", "err", err)
		}
	}
}

type atomFeed struct {
	XMLName xml.Name    `xml:"feed"`
	NS      string      `xml:"xmlns,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Link    atomLink    `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Link    atomLink `xml:"link"`
	Updated string   `xml:"updated"`
	Summary string   `xml:"summary"`
}
