package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/jobs"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/web/auth"
	"github.com/newsvault/newsvault/internal/web/input"
)

// The operator's forms: archive URLs, follow a feed, import OPML; and the
// page that follows an archive job.

type addData struct {
	layout
	URLs       string
	Feed       feedForm
	Modes      []option
	Error      string
	ErrorFor   string // "url", "feed" or "opml": the form Error is about
	OPML       *input.OPMLReport
	Jobs       []jobView
	ArchiveOff bool
	MaxURLs    int
	// Queued is the job an anonymous submission made when the reader may
	// not read job pages (reads are private).
	Queued *jobView
}

type feedForm struct {
	URL, Title, Mode, Render, TimeZone string
	Renders                            []option
}

var modeOptions = []option{
	{"auto", "auto: the feed's text when it is complete, else the page", false},
	{"feed", "feed: always the feed's text", false},
	{"page", "page: always fetch and extract the page", false},
}

// addData is the add page for r: the recent jobs only for the signed-in.
func (s *UI) addData(r *http.Request) addData {
	d := addData{layout: layout{Title: "Add", Nav: "add"}, ArchiveOff: !s.jobs.Enabled(), MaxURLs: s.jobs.MaxURLs()}
	if !auth.IdentityOf(r).SignedIn() {
		d.MaxURLs = min(d.MaxURLs, s.gate.SubmitPerHour())
		return d
	}
	jobs := s.jobs.List()
	if len(jobs) > 10 {
		jobs = jobs[:10]
	}
	for _, j := range jobs {
		d.Jobs = append(d.Jobs, s.jobView(j))
	}
	return d
}

func (d *addData) setModes(mode string) {
	if mode == "" {
		mode = "auto"
	}
	d.Modes = nil
	for _, o := range modeOptions {
		o.Selected = o.Value == mode
		d.Modes = append(d.Modes, o)
	}
	render := d.Feed.Render
	if render == "" {
		render = string(archive.RenderAuto)
	}
	d.Feed.Renders = selected(renderOptions, render)
}

func (s *UI) AddPage(w http.ResponseWriter, r *http.Request) {
	d := s.addData(r)
	d.setModes("")
	s.render(w, r, http.StatusOK, "add", &d)
}

// addFail shows the add page again with what was typed and why it failed.
func (s *UI) addFail(w http.ResponseWriter, r *http.Request, code int, d addData, form, msg string) {
	d.Error, d.ErrorFor = msg, form
	d.setModes(d.Feed.Mode)
	s.render(w, r, code, "add", &d)
}

// ParseForm reads a urlencoded form of limited size; false means it has
// answered.
func (s *UI) ParseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, input.MaxForm)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.ErrorPage(w, r, http.StatusRequestEntityTooLarge, "the form is larger than "+strconv.Itoa(input.MaxForm>>10)+" KiB")
			return false
		}
		s.ErrorPage(w, r, http.StatusBadRequest, "the form could not be read: "+err.Error())
		return false
	}
	return true
}

func (s *UI) AddURL(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	d := s.addData(r)
	d.URLs = r.PostForm.Get("urls")
	urls, err := input.ParseURLs(d.URLs)
	if err != nil {
		s.addFail(w, r, http.StatusBadRequest, d, "url", input.Message(err))
		return
	}
	if len(urls) > s.jobs.MaxURLs() {
		s.addFail(w, r, http.StatusBadRequest, d, "url", fmt.Sprintf("a job archives at most %d URLs", s.jobs.MaxURLs()))
		return
	}
	mode, err := archive.ParseRenderMode(r.PostForm.Get("render"))
	if err != nil {
		s.addFail(w, r, http.StatusBadRequest, d, "url", err.Error())
		return
	}
	if mode == archive.RenderAlways && !auth.IdentityOf(r).SignedIn() {
		s.addFail(w, r, http.StatusForbidden, d, "url", "rendering every page needs a login")
		return
	}
	if mode == archive.RenderAuto {
		mode = ""
	}
	if refused := s.gate.CheckSubmit(r, urls); refused != nil {
		if refused.Wait > 0 {
			w.Header().Set("Retry-After", auth.RetryAfter(refused.Wait))
		}
		s.addFail(w, r, refused.Code, d, "url", refused.Msg)
		return
	}
	job, err := s.jobs.SubmitRender(urls, s.gate.SubmitPolicy(r), mode)
	if err != nil {
		code := http.StatusServiceUnavailable
		if !errors.Is(err, jobs.ErrOff) && !errors.Is(err, jobs.ErrBusy) && !errors.Is(err, jobs.ErrStopping) {
			code = http.StatusBadRequest
		}
		s.addFail(w, r, code, d, "url", err.Error())
		return
	}
	if !auth.IdentityOf(r).SignedIn() && s.readAccess == auth.ReadPrivate {
		// The job page is for readers; say here what was queued.
		v := s.jobView(job)
		d.Queued, d.URLs = &v, ""
		d.setModes("")
		s.render(w, r, http.StatusAccepted, "add", &d)
		return
	}
	http.Redirect(w, r, "/jobs/"+job.ID, http.StatusSeeOther)
}

func (s *UI) AddFeed(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	d := s.addData(r)
	f := r.PostForm
	d.Feed = feedForm{URL: f.Get("feed_url"), Title: f.Get("title"), Mode: f.Get("mode"), Render: f.Get("render"), TimeZone: f.Get("time_zone")}
	src, err := input.NewFeed(d.Feed.URL, input.FeedSettings{Title: &d.Feed.Title, Mode: &d.Feed.Mode, Render: &d.Feed.Render, TimeZone: &d.Feed.TimeZone})
	if err == nil {
		err = input.CheckFeed(r.Context(), s.feeds, src)
	}
	if err != nil {
		s.addFail(w, r, http.StatusBadRequest, d, "feed", input.Message(err))
		return
	}
	if err := s.store.CreateSource(r.Context(), src); err != nil {
		if errors.Is(err, store.ErrConflict) {
			s.addFail(w, r, http.StatusConflict, d, "feed", "that feed is already followed")
			return
		}
		s.internal(w, r, err)
		return
	}
	s.log.Info("feed added", "id", src.ID, "url", src.FeedURL)
	http.Redirect(w, r, "/sources/"+strconv.FormatInt(src.ID, 10), http.StatusSeeOther)
}

func (s *UI) AddOPML(w http.ResponseWriter, r *http.Request) {
	d := s.addData(r)
	r.Body = http.MaxBytesReader(w, r.Body, input.MaxOPML+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.addFail(w, r, http.StatusRequestEntityTooLarge, d, "opml", "the OPML file is larger than "+strconv.Itoa(input.MaxOPML>>20)+" MiB")
			return
		}
		s.addFail(w, r, http.StatusBadRequest, d, "opml", "choose an OPML file to upload")
		return
	}
	defer r.MultipartForm.RemoveAll()
	file, _, err := r.FormFile("opml")
	if err != nil {
		s.addFail(w, r, http.StatusBadRequest, d, "opml", "choose an OPML file to upload")
		return
	}
	defer file.Close()
	rep, err := input.ImportOPML(r.Context(), s.store, file, r.FormValue("mode"))
	if errors.Is(err, input.ErrTooLarge) {
		s.addFail(w, r, http.StatusRequestEntityTooLarge, d, "opml", "the OPML file is larger than "+strconv.Itoa(input.MaxOPML>>20)+" MiB")
		return
	}
	if errors.Is(err, input.ErrInvalid) {
		s.addFail(w, r, http.StatusBadRequest, d, "opml", input.Message(err))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.log.Info("OPML imported", "added", len(rep.Added), "skipped", len(rep.Skipped))
	d.OPML = &rep
	d.setModes("")
	s.render(w, r, http.StatusOK, "add", &d)
}

func (s *UI) RemoveSourceForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.ErrorPage(w, r, http.StatusNotFound, "no source "+r.PathValue("id"))
		return
	}
	if err := s.store.RemoveSource(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.ErrorPage(w, r, http.StatusNotFound, "no followed source with id "+strconv.FormatInt(id, 10))
			return
		}
		s.internal(w, r, err)
		return
	}
	s.log.Info("source removed", "id", id)
	http.Redirect(w, r, "/sources", http.StatusSeeOther)
}

// PollSourceForm polls a followed feed now, whatever its schedule or
// back-off (the "poll now" button), and shows its page with the outcome.
func (s *UI) PollSourceForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.ErrorPage(w, r, http.StatusNotFound, "no source "+r.PathValue("id"))
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
	if s.feeds == nil {
		s.ErrorPage(w, r, http.StatusServiceUnavailable, "this server does not poll feeds")
		return
	}
	res := s.feeds.Poll(r.Context(), src)
	s.log.Info("polled on demand", "id", id, "err", res.Err)
	http.Redirect(w, r, "/sources/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// jobView is a job as the pages show it.
type jobView struct {
	ID       string
	State    string
	Pending  bool
	Created  timeView
	Finished timeView
	Items    []jobs.Item
	Archived int
}

func (s *UI) jobView(j jobs.Job) jobView {
	v := jobView{ID: j.ID, State: string(j.State), Pending: j.State == jobs.Queued || j.State == jobs.Running,
		Created: s.localTime(j.CreatedAt), Finished: s.localTime(j.FinishedAt), Items: j.Items}
	for _, it := range j.Items {
		if it.State == jobs.Done {
			v.Archived++
		}
	}
	return v
}

type jobData struct {
	layout
	Job jobView
}

func (s *UI) JobPage(w http.ResponseWriter, r *http.Request) {
	j, ok := s.jobs.Get(r.PathValue("id"))
	if !ok {
		s.ErrorPage(w, r, http.StatusNotFound, "no job "+r.PathValue("id")+": jobs are kept in memory, so they are forgotten when the server restarts, and only the latest ones are kept")
		return
	}
	// A finished job of one URL goes straight to what it archived.
	if j.State == jobs.Done && len(j.Items) == 1 && j.Items[0].ArticleID != 0 {
		http.Redirect(w, r, "/articles/"+strconv.FormatInt(j.Items[0].ArticleID, 10), http.StatusSeeOther)
		return
	}
	v := s.jobView(j)
	d := jobData{layout: layout{Title: "Archive job " + j.ID, Nav: "add"}, Job: v}
	if v.Pending {
		d.Refresh = 2
	}
	s.render(w, r, http.StatusOK, "job", &d)
}
