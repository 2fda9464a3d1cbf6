package story

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2020, 7, 1, 8, 0, 0, 0, time.UTC)

func body(topic string, i int) string {
	return strings.Repeat(topic+"。", 5) + fmt.Sprintf("第%d段补充内容各不相同%s。", i, strings.Repeat(string(rune(0x4e00+i*7)), 3))
}

func TestNearEmptyArticlesNeverJoin(t *testing.T) {
	c := New(DefaultConfig(), nil)
	for i := range 5 {
		a, _ := c.Assign(Article{ID: fmt.Sprint("cap", i), Title: "图片", Text: "新华社图片", Time: t0})
		if !a.New || !a.Thin {
			t.Fatalf("caption %d: %+v, want a thin story of its own", i, a)
		}
	}
	if got := len(c.Stories(2)); got != 0 {
		t.Fatalf("%d stories of two or more near-empty articles", got)
	}
}

func TestGiantStoryIsCapped(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxStory = 20
	c := New(cfg, nil)
	boiler := strings.Repeat("本网站版权所有未经许可不得转载请关注我们的官方账号获取更多新闻资讯下载应用程序", 50)
	for i := range 200 {
		if _, err := c.Assign(Article{ID: fmt.Sprint("b", i), Title: "新闻", Text: boiler + body("某地发生事件", i), Time: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	c.Refine()
	for _, s := range c.Stories(1) {
		if len(s.Articles) > cfg.MaxStory {
			t.Fatalf("story %d has %d articles, over the cap of %d", s.ID, len(s.Articles), cfg.MaxStory)
		}
	}
}

func TestSameArticleAddedConcurrentlyEndsInOneStory(t *testing.T) {
	c := New(DefaultConfig(), nil)
	a := Article{ID: "x", Title: "美国要求中国关闭驻休斯顿总领馆", Text: body("美国国务院要求中国七十二小时内关闭驻休斯顿总领馆中方强烈谴责", 1), Time: t0}
	var wg sync.WaitGroup
	res := make([]Assignment, 8)
	for i := range res {
		wg.Go(func() { res[i], _ = c.Assign(a) })
	}
	wg.Wait()
	for _, r := range res {
		if r.Story != res[0].Story {
			t.Fatalf("one article in two stories: %+v", res)
		}
	}
	if n := len(c.Stories(1)); n != 1 {
		t.Fatalf("%d stories, want 1", n)
	}
}

func TestManualSplitSurvivesRecluster(t *testing.T) {
	c := New(DefaultConfig(), nil)
	var arts []Article
	for i := range 4 {
		arts = append(arts, Article{ID: fmt.Sprint("h", i), Source: fmt.Sprint("s", i), Title: "美国要求中国关闭驻休斯顿总领馆",
			Text: body("美国国务院要求中国七十二小时内关闭驻休斯顿总领馆中方强烈谴责", i), Time: t0.Add(time.Duration(i) * time.Hour)})
	}
	for _, a := range arts {
		c.Assign(a)
	}
	sid, _ := c.StoryOf("h0")
	if s3, _ := c.StoryOf("h3"); s3 != sid {
		t.Fatalf("fixture: the four articles should start in one story")
	}
	if _, err := c.SplitStory(sid, []string{"h3"}, t0); err != nil {
		t.Fatal(err)
	}
	seq := func(yield func(Article) bool) {
		for _, a := range arts {
			if !yield(a) {
				return
			}
		}
	}
	if err := c.Recluster(t.Context(), seq, nil); err != nil {
		t.Fatal(err)
	}
	s0, _ := c.StoryOf("h0")
	s3, _ := c.StoryOf("h3")
	if s0 == s3 {
		t.Fatal("re-clustering undid the manual split")
	}
	st := c.Snapshot()
	r, err := Restore(st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := r.StoryOf("h1"); a != s0 {
		t.Fatalf("restored state moved h1 from %d to %d", s0, a)
	}
}
