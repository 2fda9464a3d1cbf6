package story

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// words returns n distinct Latin words with the given prefix.
func words(prefix string, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return strings.Join(w, " ")
}

func assign(t *testing.T, c *Clusterer, id, title, text string, at time.Time) Assignment {
	t.Helper()
	a, err := c.Assign(Article{ID: id, Source: "s-" + id, Title: title, Text: text, Time: at})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func storyOf(t *testing.T, c *Clusterer, id string) int64 {
	t.Helper()
	s, ok := c.StoryOf(id)
	if !ok {
		t.Fatalf("%s has no story", id)
	}
	return s
}

// background gives the document frequencies something to learn from, so
// that a story's own words are rare as in a real archive.
func background(t *testing.T, c *Clusterer, n int) {
	for i := range n {
		assign(t, c, fmt.Sprint("bg", i), words(fmt.Sprintf("bg%dt", i), 4), words(fmt.Sprintf("bg%dw", i), 40), t0)
	}
}

// Two stories of one event written in different words start apart; later
// articles using both vocabularies bridge them, and Refine merges them.
func TestRefineMergesBridgedStories(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Threshold, cfg.MergeThreshold = 0.45, 0.4
	c := New(cfg, nil)
	background(t, c, 30)
	for i := range 3 {
		assign(t, c, fmt.Sprint("a", i), "alpha", words("alpha", 30)+" "+words(fmt.Sprintf("ua%d", i), 8), t0.Add(time.Duration(i)*time.Hour))
		assign(t, c, fmt.Sprint("b", i), "beta", words("beta", 30)+" "+words(fmt.Sprintf("ub%d", i), 8), t0.Add(time.Duration(i)*time.Hour))
	}
	if storyOf(t, c, "a0") == storyOf(t, c, "b0") {
		t.Fatal("fixture: the two vocabularies should start in two stories")
	}
	if _, merged := c.Refine(); merged != 0 {
		t.Fatalf("Refine merged %d stories before any bridge", merged)
	}
	for i := range 6 {
		assign(t, c, fmt.Sprint("x", i), "alpha beta", words("alpha", 30)+" "+words("beta", 30), t0.Add(time.Duration(3+i)*time.Hour))
	}
	if storyOf(t, c, "a0") == storyOf(t, c, "b0") {
		t.Fatal("fixture: the bridges should not merge the stories by themselves")
	}
	if _, merged := c.Refine(); merged == 0 {
		t.Fatal("Refine merged nothing after the bridges")
	}
	for _, id := range []string{"a1", "b0", "b2", "x0", "x5"} {
		if storyOf(t, c, id) != storyOf(t, c, "a0") {
			t.Errorf("%s not in the merged story", id)
		}
	}
	if storyOf(t, c, "bg0") == storyOf(t, c, "a0") {
		t.Error("an unrelated article was merged in")
	}
}

// A story joined by an article that fit only its first member, then grown
// by articles that share nothing with it, loses that article in Refine;
// the rest stay together.
func TestRefineSplitsOverBroadStory(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Threshold, cfg.SplitThreshold, cfg.TitleShare = 0.2, 0.15, 0 // bodies only
	c := New(cfg, nil)
	background(t, c, 30)
	assign(t, c, "x0", "gamma", words("gamma", 30)+" "+words("shared", 12), t0)
	if a := assign(t, c, "o", "other", words("shared", 12)+" "+words("other", 30), t0.Add(time.Hour)); a.New {
		t.Fatal("fixture: the outlier should join the first article's story")
	}
	for i := 1; i < 7; i++ {
		assign(t, c, fmt.Sprint("x", i), "gamma", words("gamma", 30)+" "+words(fmt.Sprintf("ux%d", i), 8), t0.Add(time.Duration(1+i)*time.Hour))
	}
	if storyOf(t, c, "o") != storyOf(t, c, "x6") {
		t.Fatal("fixture: the outlier should still share the story before Refine")
	}
	moved, _ := c.Refine()
	if moved == 0 || storyOf(t, c, "o") == storyOf(t, c, "x0") {
		t.Fatalf("Refine moved %d articles and left the outlier in the story", moved)
	}
	for i := 1; i < 7; i++ {
		if storyOf(t, c, fmt.Sprint("x", i)) != storyOf(t, c, "x0") {
			t.Errorf("x%d left the story with the outlier", i)
		}
	}
}

// One very long article covering fifty events (a digest, or a page of
// boilerplate and links) must not become a story that swallows them.
func TestLongArticleCannotMakeGiantStory(t *testing.T) {
	c := New(DefaultConfig(), nil)
	background(t, c, 30)
	const topics = 50
	var all strings.Builder
	for k := range 200 {
		all.WriteString(words(fmt.Sprintf("t%d", k%topics), 30) + " ")
	}
	assign(t, c, "digest", "daily digest", all.String(), t0)
	for k := range topics {
		assign(t, c, fmt.Sprint("t", k), fmt.Sprintf("t%d00 t%d01", k, k), words(fmt.Sprintf("t%d", k), 30)+" "+words(fmt.Sprintf("u%d", k), 10), t0.Add(time.Minute))
	}
	c.Refine()
	digest, err := c.Story(storyOf(t, c, "digest"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(digest.Articles); n > 3 {
		t.Fatalf("the long article's story took %d of %d articles", n, topics+1)
	}
	for _, s := range c.Stories(2) {
		if len(s.Articles) > 3 {
			t.Fatalf("story %d has %d articles: %v", s.ID, len(s.Articles), s.Articles)
		}
	}
}

// An empty or near-empty article never joins a story, even one whose
// words it repeats, and Refine never merges it in.
func TestThinArticlesNeverJoinAStory(t *testing.T) {
	c := New(DefaultConfig(), nil)
	background(t, c, 10)
	for i := range 3 {
		assign(t, c, fmt.Sprint("s", i), "delta event", words("delta", 40), t0.Add(time.Duration(i)*time.Minute))
	}
	for i, a := range []Article{
		{ID: "empty", Time: t0},
		{ID: "title-only", Title: "delta00 delta01 delta02", Time: t0},
		{ID: "caption", Title: "delta event", Text: "delta00 delta01 delta02 delta03 photo", Time: t0},
		{ID: "spaces", Title: " ", Text: strings.Repeat("。 \n", 5000), Time: t0},
	} {
		got, err := c.Assign(a)
		if err != nil {
			t.Fatal(err)
		}
		if !got.New || !got.Thin {
			t.Errorf("article %d (%s): %+v, want a thin story of its own", i, a.ID, got)
		}
	}
	c.Refine()
	main := storyOf(t, c, "s0")
	for _, id := range []string{"empty", "title-only", "caption", "spaces"} {
		s, err := c.Story(storyOf(t, c, id))
		if err != nil {
			t.Fatal(err)
		}
		if s.ID == main || len(s.Articles) != 1 {
			t.Errorf("%s shares a story after Refine: %+v", id, s)
		}
	}
}
