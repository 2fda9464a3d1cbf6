package watch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/diff"
	"github.com/newsvault/newsvault/internal/extract"
)

const storyURL = "https://news.example.cn/society/2024/05/01/123.html"
const storyHome = "https://news.example.cn/"

// story is an article's text as paragraphs, with its title and images.
type story struct {
	title  string
	paras  []string
	images []string
}

func baseStory() story {
	var paras []string
	places := []string{"城东", "城西", "城南", "城北", "新区", "老城"}
	for i := range 8 {
		paras = append(paras, fmt.Sprintf("第%d段：记者从%s了解到，当地居民对这次改造的意见不一，有人认为道路拓宽以后出行更加方便，也有人担心施工期间的噪音和灰尘影响生活。相关部门表示，将在%d月底前公布详细方案，并听取各方意见。", i+1, places[i%len(places)], i+3))
	}
	paras[4] = "警方表示，事故共造成三人受伤，目前均已送医，伤者情况稳定，事故原因仍在调查之中。"
	return story{title: "城区道路改造工程今日启动", paras: paras,
		images: []string{"https://img.example.cn/2024/05/road.jpg", "https://img.example.cn/2024/05/map.png"}}
}

func (s story) page() []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>` + s.title + ` - 示例新闻网</title>`)
	b.WriteString(`<meta name="author" content="李明"></head><body><nav><a href="/">首页</a> <a href="/society/">社会</a></nav><article><h1>` + s.title + `</h1><p class="info">作者：李明 阅读量 1234</p>`)
	for i, p := range s.paras {
		b.WriteString("<p>" + p + "</p>")
		if i < len(s.images) {
			b.WriteString(`<figure><img src="` + s.images[i] + `"></figure>`)
		}
	}
	b.WriteString(`</article><footer>Copyright 示例新闻网 版权所有</footer></body></html>`)
	return []byte(b.String())
}

// fetched turns a response into a Check the way the integration will:
// extraction runs on the body, and its article (with the images the page
// shows) or its verdict on the page goes into the Check.
func fetched(t *testing.T, status int, final string, body []byte, ctype string) Check {
	t.Helper()
	c := Check{URL: storyURL, Home: storyHome, Status: status, FinalURL: final, ContentType: ctype, Body: body}
	if final != storyURL {
		c.Redirects = []string{final}
	}
	res, err := extract.New(extract.Options{}).Extract(context.Background(), extract.Page{URL: final, ContentType: ctype, Body: body})
	var na *extract.NotArticleError
	switch {
	case errors.As(err, &na):
		c.PageKind, c.PageReason = na.Kind, na.Reason
	case err != nil:
		t.Fatalf("extract: %v", err)
	default:
		c.PageKind = extract.KindArticle
		c.Article = &diff.Version{Title: res.Title, Author: res.Author, Published: res.Published, Text: res.Text, Images: diff.Images(res.HTML)}
	}
	return c
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var t0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// live runs the checks of one article from t0 to t0+8 days, each at the
// time Step scheduled, answering each with respond(check number, time),
// and returns "offset outcome/status" per check plus the final state and
// all events.
func live(t *testing.T, respond func(n int, at time.Time) Check) ([]string, State, []Event) {
	t.Helper()
	prevCheck := fetched(t, 200, storyURL, baseStory().page(), "text/html; charset=utf-8")
	if prevCheck.Article == nil {
		t.Fatalf("the base story does not extract: %s", prevCheck.PageReason)
	}
	prev := *prevCheck.Article
	p := DefaultPolicy()
	s := State{FirstSeen: t0, LastAlive: Mark{At: t0, CaptureID: 1}}
	at, _ := p.Ladder.Next(t0, t0)
	var hist []string
	var events []Event
	for n := 1; !at.IsZero() && at.Before(t0.Add(8*day)); n++ {
		c := respond(n, at)
		v := Classify(c, prev)
		tr := Step(p, s, v, Mark{At: at, CaptureID: int64(n + 1)})
		hist = append(hist, fmt.Sprintf("%s %s/%s", offset(at), tr.Outcome, tr.State.Status))
		events = append(events, tr.Events...)
		if v.Outcome == OutcomeEdited && c.Article != nil {
			prev = *c.Article
		}
		s, at = tr.State, tr.Next
	}
	return hist, s, events
}

func offset(at time.Time) string {
	d := at.Sub(t0)
	if d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return fmt.Sprintf("%dh", d/time.Hour)
}

// serve answers every check with the same page.
func serve(t *testing.T, status int, final string, body []byte, ctype string) func(int, time.Time) Check {
	return func(int, time.Time) Check { return fetched(t, status, final, body, ctype) }
}

const utf8HTML = "text/html; charset=utf-8"

func edited(mod func(*story)) story {
	s := baseStory()
	mod(&s)
	return s
}

// regular are the ladder's checks within eight days.
func alwaysAlive(first string) []string {
	return []string{"1h " + first + "/alive", "6h unchanged/alive", "1d unchanged/alive", "3d unchanged/alive", "7d unchanged/alive"}
}

func removedAt1h() []string {
	return []string{"1h removed/alive", "2h removed/removed", "6h removed/removed", "1d removed/removed", "3d removed/removed", "7d removed/removed"}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestLifeStories(t *testing.T) {
	oneChar := edited(func(s *story) { s.paras[4] = strings.Replace(s.paras[4], "三人", "五人", 1) })
	headline := edited(func(s *story) { s.title = "城区道路改造工程今日暂停" })
	cut := edited(func(s *story) { s.paras = append(s.paras[:4:4], s.paras[5:]...) })
	noImage := edited(func(s *story) { s.images = s.images[:1] })
	other := story{title: "本市举办春季马拉松比赛", paras: []string{
		"本报讯 上周日，本市春季马拉松比赛在滨江公园鸣枪开跑，来自全国各地的两万多名选手参加了比赛。",
		"男子组冠军由一名来自云南的选手获得，他以两小时十一分的成绩刷新了赛会纪录。赛后他说，沿途观众的加油声让他忘记了疲劳。",
		"组委会介绍，今年比赛首次设置了家庭跑项目，吸引了不少市民带着孩子一起参加，现场气氛热烈。"}}
	timeoutUntil := t0.Add(3*day + 2*time.Hour)

	tests := []struct {
		name    string
		respond func(n int, at time.Time) Check
		want    []string
		events  []EventKind
		by      Remover
		notice  string
	}{
		{"one character changed in the body is one edit", serve(t, 200, storyURL, oneChar.page(), utf8HTML),
			alwaysAlive("edited"), []EventKind{EventEdited}, "", ""},
		{"a headline word swapped is an edit", serve(t, 200, storyURL, headline.page(), utf8HTML),
			alwaysAlive("edited"), []EventKind{EventEdited}, "", ""},
		{"a paragraph cut is an edit", serve(t, 200, storyURL, cut.page(), utf8HTML),
			alwaysAlive("edited"), []EventKind{EventEdited}, "", ""},
		{"an image removed is an edit", serve(t, 200, storyURL, noImage.page(), utf8HTML),
			alwaysAlive("edited"), []EventKind{EventEdited}, "", ""},
		{"the same page with a new counter is unchanged", serve(t, 200, storyURL, []byte(strings.Replace(string(baseStory().page()), "阅读量 1234", "阅读量 98765", 1)), utf8HTML),
			alwaysAlive("unchanged"), nil, "", ""},
		{"404 is a removal, confirmed an hour later", serve(t, 404, storyURL, []byte("<h1>Not Found</h1>"), utf8HTML),
			removedAt1h(), []EventKind{EventRemoved}, "", ""},
		{"410 is a removal", serve(t, 410, storyURL, nil, ""),
			removedAt1h(), []EventKind{EventRemoved}, "", ""},
		{"301 to the home page is a removal", func(int, time.Time) Check {
			c := fetched(t, 200, storyHome, homePage(), utf8HTML)
			c.Redirects = []string{storyHome}
			return c
		}, removedAt1h(), []EventKind{EventRemoved}, "", ""},
		{"302 to a login page is a removal", serve(t, 200, "https://passport.example.cn/login?next=%2Fsociety%2F2024%2F05%2F01%2F123.html", fixture(t, "login.html"), utf8HTML),
			removedAt1h(), []EventKind{EventRemoved}, "", ""},
		{"a 200 soft 404 in Chinese (GB2312) is a removal", serve(t, 200, storyURL, fixture(t, "soft404_zh.html"), "text/html"),
			removedAt1h(), []EventKind{EventRemoved}, RemoverUnknown, "对不起，您访问的页面不存在或已被删除！"},
		{"a WeChat violation notice is a removal after a complaint", serve(t, 200, storyURL, fixture(t, "wechat_violation.html"), utf8HTML),
			removedAt1h(), []EventKind{EventRemoved}, RemoverComplaint, "此内容因违规无法查看\n由用户投诉并经平台审核，涉嫌违反相关法律法规和政策，查看对应规则"},
		{"a WeChat author deletion notice is a removal by the publisher", serve(t, 200, storyURL, fixture(t, "wechat_deleted.html"), utf8HTML),
			removedAt1h(), []EventKind{EventRemoved}, RemoverPublisher, "该内容已被发布者删除"},
		{"a Weibo deletion notice is a removal by the author", serve(t, 200, storyURL, fixture(t, "weibo_deleted.html"), utf8HTML),
			removedAt1h(), []EventKind{EventRemoved}, RemoverPublisher, "抱歉，此微博已被作者删除。查看帮助：微博帮助"},
		{"a captcha page is not a removal", serve(t, 200, storyURL, fixture(t, "challenge.html"), utf8HTML),
			append(append(repeat("unavailable/unavailable", 12), "unavailable/unreachable"), "unavailable/unreachable"), []EventKind{EventUnreachable}, "", ""},
		{"timeouts for three days, then back", func(_ int, at time.Time) Check {
			if at.Before(timeoutUntil) {
				return Check{URL: storyURL, Err: ErrTimeout}
			}
			return fetched(t, 200, storyURL, baseStory().page(), utf8HTML)
		}, append(append(repeat("unavailable/unavailable", 12), "unavailable/unreachable"), "unchanged/alive"),
			[]EventKind{EventUnreachable, EventReachable}, "", ""},
		{"a DNS failure never becomes a removal", func(int, time.Time) Check { return Check{URL: storyURL, Err: ErrDNS} },
			append(append(repeat("unavailable/unavailable", 12), "unavailable/unreachable"), "unavailable/unreachable"),
			[]EventKind{EventUnreachable}, "", ""},
		{"503 on every other check never becomes a removal", func(n int, _ time.Time) Check {
			if n%2 == 1 {
				return Check{URL: storyURL, Status: 503, Body: []byte("<h1>503 Service Unavailable</h1>")}
			}
			return fetched(t, 200, storyURL, baseStory().page(), utf8HTML)
		}, []string{"1h unavailable/unavailable", "7h unchanged/alive", "1d unavailable/unavailable", "30h unchanged/alive",
			"3d unavailable/unavailable", "78h unchanged/alive", "7d unavailable/unavailable", "174h unchanged/alive"}, nil, "", ""},
		{"removed, then restored", func(_ int, at time.Time) Check {
			if at.Before(t0.Add(day)) {
				return Check{URL: storyURL, Status: 404}
			}
			return fetched(t, 200, storyURL, baseStory().page(), utf8HTML)
		}, []string{"1h removed/alive", "2h removed/removed", "6h removed/removed", "1d restored/alive", "3d unchanged/alive", "7d unchanged/alive"},
			[]EventKind{EventRemoved, EventRestored}, "", ""},
		{"a 404 that is back within the hour is not announced", func(n int, _ time.Time) Check {
			if n == 1 {
				return Check{URL: storyURL, Status: 404}
			}
			return fetched(t, 200, storyURL, baseStory().page(), utf8HTML)
		}, []string{"1h removed/alive", "2h unchanged/alive", "6h unchanged/alive", "1d unchanged/alive", "3d unchanged/alive", "7d unchanged/alive"}, nil, "", ""},
		{"the URL reused for another article", serve(t, 200, storyURL, other.page(), utf8HTML),
			[]string{"1h replaced/alive", "2h replaced/replaced", "6h replaced/replaced", "1d replaced/replaced", "3d replaced/replaced", "7d replaced/replaced"},
			[]EventKind{EventReplaced}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hist, _, events := live(t, tt.respond)
			want := tt.want
			if !strings.Contains(want[0], " ") {
				want = withOffsets(want)
			}
			if strings.Join(hist, "\n") != strings.Join(want, "\n") {
				t.Errorf("history:\n%s\nwant:\n%s", strings.Join(hist, "\n"), strings.Join(want, "\n"))
			}
			var kinds []EventKind
			for _, e := range events {
				kinds = append(kinds, e.Kind)
			}
			if fmt.Sprint(kinds) != fmt.Sprint(tt.events) {
				t.Errorf("events = %v, want %v", kinds, tt.events)
			}
			for _, e := range events {
				if e.Kind == EventRemoved {
					if !e.At.Equal(t0.Add(time.Hour)) || e.Evidence.CaptureID != 2 || e.Alive.CaptureID != 1 {
						t.Errorf("removal event %+v: want it dated at the first 404 check with that capture as evidence and the archiving capture as the last alive", e)
					}
					if tt.notice != "" {
						if e.Verdict.Notice == nil || e.Verdict.Notice.Text != tt.notice || e.Verdict.Notice.By != tt.by {
							t.Errorf("notice = %+v, want %q by %s", e.Verdict.Notice, tt.notice, tt.by)
						}
					}
				}
			}
		})
	}
}

// withOffsets adds the times of the checks of an article that is
// unavailable from its first check (retried every 6 hours: 1h, 7h … 73h)
// and unreachable after three days; after that the ladder resumes at 7d.
func withOffsets(states []string) []string {
	out := make([]string, len(states))
	for i, s := range states {
		at := "7d"
		if h := 1 + 6*i; h <= 73 {
			at = fmt.Sprintf("%dh", h)
		}
		out[i] = at + " " + s
	}
	return out
}

func homePage() []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例新闻网 - 首页</title></head><body><ul>`)
	for i := range 20 {
		fmt.Fprintf(&b, `<li><a href="/society/2024/05/%02d/%d.html">今日要闻标题第%d条</a></li>`, i+1, 100+i, i+1)
	}
	b.WriteString(`</ul></body></html>`)
	return []byte(b.String())
}

func TestTheOneCharacterEditDiffShowsTheCharacter(t *testing.T) {
	a := fetched(t, 200, storyURL, baseStory().page(), utf8HTML)
	b := fetched(t, 200, storyURL, edited(func(s *story) { s.paras[4] = strings.Replace(s.paras[4], "三人", "五人", 1) }).page(), utf8HTML)
	out := diff.Terminal(diff.Versions(*a.Article, *b.Article), diff.TerminalOptions{})
	if !strings.Contains(out, "事故共造成[-三-]{+五+}人受伤") {
		t.Errorf("diff:\n%s", out)
	}
}
