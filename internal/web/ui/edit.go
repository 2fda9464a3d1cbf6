package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/web/input"
)

var renderOptions = []option{
	{"auto", "auto: only pages built by JavaScript, or whose site rules ask", false},
	{"always", "always: render every page, keep a screenshot", false},
	{"never", "never: archive pages as served", false},
}

// selected is opts with the one whose value is v marked.
func selected(opts []option, v string) []option {
	out := make([]option, len(opts))
	for i, o := range opts {
		o.Selected = o.Value == v
		out[i] = o
	}
	return out
}

// sourceForm is the settings form of a followed feed, as stored or as
// typed when it was refused.
type sourceForm struct {
	Title, TimeZone, Interval, Watch string
	Modes, Renders                   []option
	Error                            string
}

func newSourceForm(src archive.Source) *sourceForm {
	render := string(src.Render)
	if render == "" {
		render = string(archive.RenderAuto)
	}
	return &sourceForm{Title: src.Title, TimeZone: src.TimeZone, Interval: input.FormatInterval(src.Interval), Watch: src.Watch,
		Modes: selected(modeOptions, string(src.Mode)), Renders: selected(renderOptions, render)}
}

// EditSourceForm changes a followed feed's settings (title, where its text
// comes from, the headless browser, time zone, poll interval, re-checks)
// and shows its page; a setting that does not check out shows the page
// again with what was typed and why.
func (s *UI) EditSourceForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.ErrorPage(w, r, http.StatusNotFound, "no source "+r.PathValue("id"))
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	src, err := s.store.Source(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && src.Kind != archive.KindFeed {
		s.ErrorPage(w, r, http.StatusNotFound, "no followed feed with id "+strconv.FormatInt(id, 10))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	f := r.PostForm
	field := func(name string) *string {
		if !f.Has(name) {
			return nil
		}
		v := f.Get(name)
		return &v
	}
	set := input.FeedSettings{Title: field("title"), Mode: field("mode"), Render: field("render"),
		TimeZone: field("time_zone"), Interval: field("interval"), Watch: field("watch")}
	edited := src
	if err := set.Apply(&edited); err != nil {
		form := &sourceForm{Title: f.Get("title"), TimeZone: f.Get("time_zone"), Interval: f.Get("interval"), Watch: f.Get("watch"),
			Modes: selected(modeOptions, f.Get("mode")), Renders: selected(renderOptions, f.Get("render")), Error: input.Message(err)}
		s.sourcePage(w, r, http.StatusBadRequest, src, form)
		return
	}
	if err := s.store.UpdateSource(r.Context(), &edited); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.ErrorPage(w, r, http.StatusNotFound, "no followed feed with id "+strconv.FormatInt(id, 10))
			return
		}
		s.internal(w, r, err)
		return
	}
	s.log.Info("feed settings changed", "id", id, "render", edited.Render)
	http.Redirect(w, r, "/sources/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
