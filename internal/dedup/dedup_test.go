package dedup

import (
	"strings"
	"sync"
	"testing"
	"time"
)

const para = "美国国务院周二要求中国在七十二小时内关闭驻休斯顿总领事馆，称此举是为了保护美国的知识产权和美国人的私人信息。中国外交部发言人汪文斌表示，这是对中方的政治挑衅，严重违反国际法和国际关系基本准则，中方对此予以强烈谴责。\n"

func TestCopiesAreFoundAndDifferencesNamed(t *testing.T) {
	cfg := DefaultConfig()
	g := NewGrouper(cfg, nil)
	t0 := time.Date(2020, 7, 22, 0, 0, 0, 0, time.UTC)
	g.Add(Doc{ID: "rfa", Source: "RFA", Title: "美国关闭休斯顿领馆", Text: para + para, Seen: t0})
	links := g.Add(Doc{ID: "cdt", Source: "CDT", Origin: "RFA", Title: "自由亚洲 | 美国关闭休斯顿领馆",
		Text: "中国数字时代转载自由亚洲电台的报道，以下为全文，读者可对照原文阅读并留言讨论。\n" + para + para, Seen: t0.Add(-time.Hour)})
	if len(links) != 1 || links[0].Match.Kind != NearCopy || !links[0].Match.HeaderAdded || !links[0].Match.TitleChanged {
		t.Fatalf("repost with header: %+v", links)
	}
	if grp := g.Groups(); len(grp) != 1 || grp[0].Original != "rfa" {
		t.Fatalf("groups %+v, want one group whose original is the named origin rfa", grp)
	}
	if l := g.Add(Doc{ID: "same", Title: "美国关闭休斯顿领馆", Text: para + "\n" + para + "版权所有 © 2020\n"}); len(l) != 2 || l[0].Match.Kind == NotCopy {
		t.Fatalf("copy with a copyright footer: %+v", l)
	}
}

func TestShortTextsNeverMatch(t *testing.T) {
	g := NewGrouper(DefaultConfig(), nil)
	for _, id := range []string{"a", "b", "c"} {
		if l := g.Add(Doc{ID: id, Title: "图片", Text: "图为示威现场。（美联社）"}); len(l) != 0 {
			t.Fatalf("caption %s linked: %+v", id, l)
		}
	}
	if l := g.Add(Doc{ID: "d"}); len(l) != 0 {
		t.Fatalf("empty text linked: %+v", l)
	}
}

func TestSameArticleTwiceAtOnceEndsInOneGroup(t *testing.T) {
	g := NewGrouper(DefaultConfig(), nil)
	var wg sync.WaitGroup
	for _, id := range []string{"feed1", "feed2", "feed1", "feed2"} {
		wg.Go(func() { g.Add(Doc{ID: id, Title: "t", Text: strings.Repeat(para, 3)}) })
	}
	wg.Wait()
	if grp := g.Groups(); len(grp) != 1 || len(grp[0].Members) != 2 {
		t.Fatalf("groups %+v, want one group of feed1 and feed2", grp)
	}
}

func TestURLKeyJoinsLayoutVariants(t *testing.T) {
	same := []string{
		"https://www.example.com/news/2020/abc.html",
		"http://m.example.com/news/2020/abc.html?utm_source=x",
		"https://amp.example.com/news/2020/abc.html",
		"https://www.example.com/amp/news/2020/abc.html",
		"https://www.example.com/news/2020/abc.html?output=amp#top",
		"https://www.example.com/news/2020/abc.html/print",
	}
	want, _ := URLKey(same[0])
	for _, u := range same[1:] {
		if got, err := URLKey(u); err != nil || got != want {
			t.Errorf("URLKey(%s) = %q, %v; want %q", u, got, err, want)
		}
	}
	if other, _ := URLKey("https://www.example.com/news/2020/abd.html"); other == want {
		t.Error("different articles got one key")
	}
	id, err := Resolve("https://m.example.com/a?id=1", "https://partner.org/story/9", "")
	if err != nil || id.Certain || len(id.Aliases) != 1 {
		t.Errorf("cross-site canonical: %+v %v, want an uncertain alias", id, err)
	}
}

func FuzzCompare(f *testing.F) {
	f.Add("标题", para, "另一个", para+"尾")
	f.Add("", "", "a", "\xff\xfe")
	cfg := DefaultConfig()
	f.Fuzz(func(t *testing.T, t1, b1, t2, b2 string) {
		a, b := cfg.Fingerprint(nil, t1, b1), cfg.Fingerprint(nil, t2, b2)
		m := cfg.Compare(a, b)
		if m.Jaccard < 0 || m.Jaccard > 1 || m.Containment < 0 || m.Containment > 1 {
			t.Fatalf("similarity out of range: %+v", m)
		}
		if m.Kind != NotCopy && (a.Empty(cfg) || b.Empty(cfg)) {
			t.Fatal("a near-empty text matched")
		}
		if self := cfg.Compare(a, a); !a.Empty(cfg) && self.Kind != ExactCopy {
			t.Fatalf("a text is not an exact copy of itself: %+v", self)
		}
	})
}

func FuzzURLKey(f *testing.F) {
	f.Add("https://m.example.com/amp/a.html?amp=1")
	f.Add("http://[::1]:80/%zz")
	f.Fuzz(func(t *testing.T, u string) {
		k, err := URLKey(u)
		if err == nil && k == "" {
			t.Fatal("empty key without error")
		}
	})
}
