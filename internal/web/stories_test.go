package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/apijson"
	"github.com/newsvault/newsvault/internal/pipeline"
)

// importStories imports the stories package's hand-written mirror files
// (one article in three copies across outlets and scripts, an unrelated
// article whose title is hostile markup, two photo captions) and returns
// article IDs by outlet.
func (e *env) importStories() map[string]int64 {
	e.t.Helper()
	ctx := context.Background()
	rep, err := e.pipe.Import(ctx, []string{"../stories/testdata/mirror"}, pipeline.ImportOptions{})
	if err != nil || len(rep.Failed) > 0 {
		e.t.Fatalf("import: %v %v", err, rep.Failed)
	}
	ids := map[string]int64{}
	for name, u := range map[string]string{"rfa": "https://www.rfa.test/news/2024/07/flood.html",
		"cdt": "https://chinadigitaltimes.test/2024/07/flood-rfa/", "hk": "https://news.hk.test/article/20240724/flood",
		"voa": "https://www.voa.test/a/budget-debate/123.html"} {
		a, err := e.store.ArticleByURL(ctx, u)
		if err != nil {
			e.t.Fatal(err)
		}
		ids[name] = a.ID
	}
	return ids
}

func TestStoriesAPI(t *testing.T) {
	e := newEnv(t, envOptions{})
	ids := e.importStories()

	var g apijson.CopyGroup
	if resp := e.getJSON(fmt.Sprintf("/api/v1/articles/%d/copies", ids["hk"]), &g); resp.StatusCode != 200 {
		t.Fatalf("copies: %d", resp.StatusCode)
	}
	if g.OriginalID != ids["rfa"] || len(g.Members) != 3 {
		t.Fatalf("copies of hk: original %d, %d members; want rfa %d and 3", g.OriginalID, len(g.Members), ids["rfa"])
	}
	for _, m := range g.Members {
		if m.ID == ids["hk"] && (m.Link == nil || m.Link.Kind != "near" || m.Link.OfArticleID != ids["rfa"]) {
			t.Errorf("hk link %+v: want a near copy of rfa", m.Link)
		}
	}
	var none apijson.CopyGroup
	if e.getJSON(fmt.Sprintf("/api/v1/articles/%d/copies", ids["voa"]), &none); len(none.Members) != 0 || none.ArticleID != ids["voa"] {
		t.Errorf("copies of an unrelated article: %+v", none)
	}

	var st apijson.Story
	e.getJSON(fmt.Sprintf("/api/v1/articles/%d/story", ids["cdt"]), &st)
	if len(st.Articles) != 3 || st.Articles[0].ID != ids["rfa"] || st.SourceCount != 3 {
		t.Fatalf("story of cdt: %+v; want 3 articles from 3 outlets, rfa first", st)
	}
	var list struct {
		Stories []apijson.Story `json:"stories"`
		Total   int             `json:"total"`
	}
	e.getJSON("/api/v1/stories", &list)
	if list.Total != 1 || list.Stories[0].ID != st.ID || list.Stories[0].Articles != nil {
		t.Errorf("stories list %+v: want the one story of two or more articles, without its articles", list)
	}
	if resp, _ := e.do("GET", "/api/v1/stories/999999", nil); resp.StatusCode != 404 {
		t.Errorf("unknown story: %d", resp.StatusCode)
	}

	// A split needs authority, and holds across re-clustering.
	body := fmt.Sprintf(`{"article_ids":[%d]}`, ids["hk"])
	if resp, _ := e.anon("POST", fmt.Sprintf("/api/v1/stories/%d/split", st.ID), strings.NewReader(body), "Content-Type", "application/json"); resp.StatusCode != 401 {
		t.Errorf("anonymous split: %d, want 401", resp.StatusCode)
	}
	var out struct{ Stories []apijson.Story }
	if resp := e.sendJSON("POST", fmt.Sprintf("/api/v1/stories/%d/split", st.ID), body, &out); resp.StatusCode != 200 || len(out.Stories) != 2 {
		t.Fatalf("split: %d %+v", resp.StatusCode, out)
	}
	if resp := e.sendJSON("POST", fmt.Sprintf("/api/v1/stories/%d/split", st.ID), `{"article_ids":[424242]}`, nil); resp.StatusCode != 422 {
		t.Errorf("split of a non-member: %d, want 422", resp.StatusCode)
	}
	if err := e.stories.Restory(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	var hk, rfa apijson.Story
	e.getJSON(fmt.Sprintf("/api/v1/articles/%d/story", ids["hk"]), &hk)
	e.getJSON(fmt.Sprintf("/api/v1/articles/%d/story", ids["rfa"]), &rfa)
	if hk.ID == rfa.ID || len(rfa.Articles) != 2 {
		t.Errorf("after restory hk in %d, rfa in %d (%d articles): the split must hold", hk.ID, rfa.ID, len(rfa.Articles))
	}
	// Detach through the API.
	var det struct{ Stories []apijson.Story }
	if resp := e.sendJSON("POST", fmt.Sprintf("/api/v1/articles/%d/detach", ids["cdt"]), nil, &det); resp.StatusCode != 200 ||
		len(det.Stories) != 1 || det.Stories[0].Size != 1 {
		t.Errorf("detach: %d %+v", resp.StatusCode, det)
	}
}

func TestStoryPagesAndForms(t *testing.T) {
	e := newEnv(t, envOptions{})
	ids := e.importStories()

	_, doc := e.page(fmt.Sprintf("/articles/%d", ids["rfa"]))
	copies := queryAll(doc, "section.copies li")
	if len(copies) != 2 {
		t.Fatalf("article page lists %d copies, want 2", len(copies))
	}
	if txt := textOf(mustQuery(t, doc, "section.copies")); !strings.Contains(txt, "other script") || !strings.Contains(txt, "a header added") {
		t.Errorf("copies section does not say what differs: %q", txt)
	}
	also := queryAll(doc, "section.also-in-story li")
	if len(also) != 2 {
		t.Errorf("also in this story: %d articles, want 2", len(also))
	}

	// Titles are hostile input: the unrelated article's title carries a
	// script tag, which every page shows as text (its story is named by it).
	voaStory, _, err := e.stories.StoryOf(context.Background(), ids["voa"])
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fmt.Sprintf("/articles/%d", ids["voa"]), "/search?q=" + url.QueryEscape("预算"),
		fmt.Sprintf("/stories/%d", voaStory.ID)} {
		resp, b := e.do("GET", p, nil)
		if resp.StatusCode != 200 || strings.Contains(string(b), "<script>alert") || !strings.Contains(string(b), "&lt;script&gt;alert") {
			t.Errorf("%s: %d, hostile title not escaped", p, resp.StatusCode)
		}
	}

	story, _, err := e.stories.StoryOf(context.Background(), ids["rfa"])
	if err != nil {
		t.Fatal(err)
	}
	resp, doc := e.page(fmt.Sprintf("/stories/%d", story.ID))
	if resp.StatusCode != 200 || len(queryAll(doc, "table.outlets tbody tr")) != 3 || len(queryAll(doc, "ol.story-articles li")) != 3 {
		t.Fatalf("story page: %d, want 3 outlets and 3 articles", resp.StatusCode)
	}
	if query(doc, `form[action="/stories/`+fmt.Sprint(story.ID)+`/split"]`) == nil {
		t.Error("the signed-in admin gets no split form")
	}
	resp, b := e.anon("GET", fmt.Sprintf("/stories/%d", story.ID), nil)
	if resp.StatusCode != 200 || strings.Contains(string(b), "/split") {
		t.Errorf("anonymous story page: %d, offers corrections: %v", resp.StatusCode, strings.Contains(string(b), "/split"))
	}
	if _, doc := e.page("/stories"); len(queryAll(doc, "ol.stories li")) != 1 {
		t.Error("stories page does not list the story")
	}

	// Search folds copies into one result by default.
	_, doc = e.page("/search?q=" + url.QueryEscape("全线停运"))
	if n := len(queryAll(doc, ".results li")); n != 1 || query(doc, ".copies-folded") == nil {
		t.Errorf("search shows %d results; want the three copies folded into one with a count", n)
	}
	_, doc = e.page("/search?copies=all&q=" + url.QueryEscape("全线停运"))
	if n := len(queryAll(doc, ".results li")); n != 3 {
		t.Errorf("search with every copy shows %d results, want 3", n)
	}
	_, doc = e.page("/search?group=story&copies=all&q=" + url.QueryEscape("全线停运"))
	if n := len(queryAll(doc, "section.story-group")); n != 1 {
		t.Errorf("grouped by story: %d groups, want 1", n)
	}

	// The detach form: CSRF-protected, and the article then stands alone.
	form := strings.NewReader("")
	if resp, _ := e.send(who{cookie: e.admin.cookie}, "POST", fmt.Sprintf("/articles/%d/detach", ids["hk"]), form,
		"Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != 403 {
		t.Errorf("detach without the CSRF token: %d, want 403", resp.StatusCode)
	}
	resp, _ = e.do("POST", fmt.Sprintf("/articles/%d/detach", ids["hk"]), strings.NewReader("csrf_token="+url.QueryEscape(e.admin.csrf)),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 303 {
		t.Fatalf("detach form: %d", resp.StatusCode)
	}
	if s, _, _ := e.stories.StoryOf(context.Background(), ids["hk"]); s.Size != 1 {
		t.Errorf("hk in a story of %d after detaching", s.Size)
	}
}
