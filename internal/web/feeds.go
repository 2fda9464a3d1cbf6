package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/feedout"
	"github.com/newsvault/newsvault/internal/store"
)

// feedItems is how many articles a live feed carries.
const feedItems = 30

// feed answers /feeds/{name}: all.atom, all.json, source-{id}.atom,
// removed.atom, edited.atom (and each as .json): the newest articles with
// their full, sanitised content, our image links made absolute against
// the address the request came to.
func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var format feedout.Format
	switch {
	case strings.HasSuffix(name, ".atom"):
		format, name = feedout.Atom, strings.TrimSuffix(name, ".atom")
	case strings.HasSuffix(name, ".json"):
		format, name = feedout.JSON, strings.TrimSuffix(name, ".json")
	default:
		s.fail(w, r, http.StatusNotFound, "not_found", "no such feed: "+r.URL.Path)
		return
	}
	ctx := r.Context()
	f := store.ArticleFilter{Limit: feedItems}
	title := "newsvault"
	var articles []archive.Article
	var err error
	switch {
	case name == "all":
		articles, err = s.store.Articles(ctx, f)
	case name == "edited":
		title += " · 已修改"
		f.MinVersions = 2
		articles, err = s.store.Articles(ctx, f)
	case name == "removed":
		title += " · 已删除"
		articles, err = s.byStatus(r, "removed")
	case strings.HasPrefix(name, "source-"):
		id, perr := strconv.ParseInt(strings.TrimPrefix(name, "source-"), 10, 64)
		if perr != nil || id <= 0 {
			s.fail(w, r, http.StatusNotFound, "not_found", "no such feed: "+r.URL.Path)
			return
		}
		src, serr := s.store.Source(ctx, id)
		if serr != nil {
			s.fail(w, r, http.StatusNotFound, "not_found", "no such source")
			return
		}
		title += " · " + src.Title
		f.SourceID = id
		articles, err = s.store.Articles(ctx, f)
	default:
		s.fail(w, r, http.StatusNotFound, "not_found", "no such feed: "+r.URL.Path)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	scheme := "http"
	if r.TLS != nil || s.behindTLS {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + "/"
	items := make([]feedout.Item, 0, len(articles))
	updated := time.Unix(0, 0).UTC()
	for _, a := range articles {
		h := feedout.AbsoluteImages(s.san.Servable(a.HTML, a.Sanitizer), func(src string) string {
			if rest, ok := strings.CutPrefix(src, "/assets/"); ok {
				return base + "assets/" + rest
			}
			return src
		})
		items = append(items, feedout.FromArticle(a, base+"articles/"+strconv.FormatInt(a.ID, 10), h))
		if a.LastSeenAt.After(updated) {
			updated = a.LastSeenAt
		}
	}
	var b bytes.Buffer
	info := feedout.Info{Title: title, Self: base + strings.TrimPrefix(r.URL.Path, "/"), Link: base, Updated: updated}
	if err := feedout.Write(&b, format, info, items); err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", format.ContentType())
	w.Write(b.Bytes())
}

// byStatus lists the articles whose watch status is status, the newest
// change first: for "removed", the list of the Removed page.
func (s *Server) byStatus(r *http.Request, status string) ([]archive.Article, error) {
	ws, err := s.store.ArticlesByStatus(r.Context(), status, 0, feedItems, 0)
	if err != nil {
		return nil, err
	}
	out := make([]archive.Article, 0, len(ws))
	for _, w := range ws {
		a, err := s.store.Article(r.Context(), w.ArticleID)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
