package watch

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/diff"
)

func TestParseLadder(t *testing.T) {
	l, err := ParseLadder("1h,6h,1d,3d,7d,30d,90d,365d")
	if err != nil || l.String() != DefaultLadder.String() || len(l) != len(DefaultLadder) {
		t.Fatalf("ParseLadder = %v, %v", l, err)
	}
	if l, _ := ParseLadder("off"); !l.Off() || l.String() != "off" {
		t.Errorf("off = %v", l)
	}
	if l, _ := ParseLadder("sensitive"); len(l) <= len(DefaultLadder) || l[0] >= time.Hour {
		t.Errorf("sensitive ladder %v is not denser than the default", l)
	}
	if l, _ := ParseLadder("30m,2w"); l.String() != "30m,2w" {
		t.Errorf("round trip = %s", l)
	}
	for _, bad := range []string{"1h,1h", "6h,1h", "1x", "h", "0d", "-1d", "1d,,2d", "99999999w"} {
		if _, err := ParseLadder(bad); !errors.Is(err, ErrBadLadder) {
			t.Errorf("ParseLadder(%q) error = %v, want ErrBadLadder", bad, err)
		}
	}
}

func TestLadderNextSkipsMissedRungs(t *testing.T) {
	seen := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if n, ok := DefaultLadder.Next(seen, seen); !ok || !n.Equal(seen.Add(time.Hour)) {
		t.Errorf("first check at %v", n)
	}
	// Down for two days: the next check is the 3-day rung, not the missed ones.
	if n, _ := DefaultLadder.Next(seen, seen.Add(50*time.Hour)); !n.Equal(seen.Add(3 * day)) {
		t.Errorf("after a gap the next check is %v", n)
	}
	if _, ok := DefaultLadder.Next(seen, seen.Add(400*day)); ok {
		t.Error("the ladder never ends")
	}
	if _, ok := (Ladder{}).Next(seen, seen); ok {
		t.Error("an off ladder schedules a check")
	}
}

func TestDetectNotice(t *testing.T) {
	tests := []struct {
		title, text string
		platform    string
		by          Remover
	}{
		{"", "该微博因被多人投诉，根据《微博社区公约》，已被删除。", "weibo", RemoverComplaint},
		{"微博", "该微博已被删除", "weibo", RemoverUnknown},
		{"", "此内容被多人投诉，相关的内容无法进行查看。", "wechat", RemoverComplaint},
		{"知乎", "你似乎来到了没有知识存在的荒原", "zhihu", RemoverUnknown},
		{"", "内容已删除", "", RemoverUnknown},
		{"404 Not Found", "", "", RemoverUnknown},
		{"Page not found", "Sorry, this page isn't available.", "", RemoverUnknown},
		{"", "This article was removed by the author.", "", RemoverPublisher},
		{"", "根据相关法律法规和政策，该内容无法显示", "", RemoverPlatform},
	}
	for _, tt := range tests {
		n, ok := DetectNotice(tt.title, tt.text)
		if !ok || n.Platform != tt.platform || n.By != tt.by {
			t.Errorf("DetectNotice(%q, %q) = %+v, %v; want %s by %s", tt.title, tt.text, n, ok, tt.platform, tt.by)
		}
	}
	long := strings.Repeat("记者调查发现，这些帖子很快被清理，网友截图显示“该微博已被删除”的提示。", 60)
	if n, ok := DetectNotice("微博删帖调查", long); ok {
		t.Errorf("an article quoting a notice is taken for one: %+v", n)
	}
	if _, ok := DetectNotice("市政府召开会议", "会议讨论了明年的预算安排。"); ok {
		t.Error("an ordinary short page is taken for a notice")
	}
}

func TestNormalizeIgnoresNoise(t *testing.T) {
	const sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	a := diff.Version{Title: "标题 ", Text: "第一段 正文。\n阅读量 1234 点赞 56\n分享到：微信 微博",
		Images: []string{"https://mmbiz.qpic.cn/mmbiz_jpg/abc/640?wx_fmt=jpeg&tp=webp&wxfrom=5"}}
	b := diff.Version{Title: "标题", Text: "第一段正文。\n阅读量 99999 点赞 1万+\n3小时前",
		Images: []string{"http://mmbiz.qpic.cn/mmbiz_jpg/abc/640?wx_fmt=jpeg"}}
	if ch := Normalize(a).Changes(Normalize(b)); ch != nil {
		t.Errorf("noise counted as changes: %v\n%q\n%q", ch, Normalize(a).Text, Normalize(b).Text)
	}
	c := b
	c.Images = []string{"/assets/" + sha}
	if ch := Normalize(b).Changes(Normalize(c)); len(ch) != 1 || ch[0] != "images" {
		t.Errorf("a different image is not a change: %v", ch)
	}
	if got := diff.Images(`<img src="/assets/` + sha + `" data-original-src="https://mmbiz.qpic.cn/mmbiz_jpg/abc/640?wx_fmt=jpeg">`); Normalize(diff.Version{Images: got}).Changes(Normalize(diff.Version{Images: a.Images})) != nil {
		t.Errorf("our own re-pointed image counts as a change: %v", got)
	}
	d := a
	d.Text = strings.Replace(a.Text, "第一段", "第二段", 1)
	if ch := Normalize(a).Changes(Normalize(d)); len(ch) != 1 || ch[0] != "text" {
		t.Errorf("a one-character text change = %v", ch)
	}
}

func TestClassifyOutcomes(t *testing.T) {
	prev := diff.Version{Title: "标题", Text: "正文"}
	tests := []struct {
		name string
		c    Check
		want Outcome
	}{
		{"429 is unavailable", Check{URL: storyURL, Status: 429}, OutcomeUnavailable},
		{"403 proves nothing", Check{URL: storyURL, Status: 403}, OutcomeUnavailable},
		{"TLS failure is unavailable", Check{URL: storyURL, Err: ErrTLS}, OutcomeUnavailable},
		{"a redirect loop is unavailable", Check{URL: storyURL, Err: ErrRedirectLoop}, OutcomeUnavailable},
		{"a redirect to a private address is unavailable", Check{URL: storyURL, Err: ErrBlocked}, OutcomeUnavailable},
		{"a huge body is unavailable", Check{URL: storyURL, Err: ErrTooLarge}, OutcomeUnavailable},
		{"a binary body is unavailable", Check{URL: storyURL, Status: 200, ContentType: "application/octet-stream", Body: []byte{0, 1, 2}, PageKind: "other"}, OutcomeUnavailable},
		{"304 is unchanged", Check{URL: storyURL, Status: 304}, OutcomeUnchanged},
		{"Weibo's visitor system is not a login page", Check{URL: storyURL, Status: 200, FinalURL: "https://passport.weibo.com/visitor/visitor?entry=miniblog", PageKind: "empty"}, OutcomeUnavailable},
		{"a redirect to the section front is a removal", Check{URL: storyURL, Status: 200, FinalURL: "https://news.example.cn/society/", PageKind: "listing"}, OutcomeRemoved},
		{"a moved article is not a removal", Check{URL: storyURL, Status: 200, FinalURL: "https://www.example.cn/a/123", Article: &prev}, OutcomeUnchanged},
		{"http to https is not a redirect away", Check{URL: storyURL, Status: 200, FinalURL: strings.Replace(storyURL, "https", "http", 1), Article: &prev}, OutcomeUnchanged},
	}
	for _, tt := range tests {
		if v := Classify(tt.c, prev); v.Outcome != tt.want || v.Reason == "" {
			t.Errorf("%s: got %s (%s)", tt.name, v.Outcome, v.Reason)
		}
	}
}

func FuzzDetectNotice(f *testing.F) {
	f.Add("微信公众平台", "此内容因违规无法查看\n由用户投诉并经平台审核")
	f.Add("", "抱歉，此微博已被作者删除。")
	f.Add("404", "page not found")
	f.Fuzz(func(t *testing.T, title, text string) {
		n, ok := DetectNotice(title, text)
		if ok && n.Text == "" {
			t.Fatalf("a notice without text: %+v", n)
		}
		if ok && !strings.Contains(title+"\n"+text, strings.Split(n.Text, "\n")[0]) {
			t.Fatalf("notice text %q is not verbatim from the page", n.Text)
		}
	})
}

func FuzzClassify(f *testing.F) {
	f.Add(200, "https://a.example/x/1.html", "https://a.example/", []byte("<title>微博</title><p>该微博已被删除</p>"), "article", "标题", "正文内容")
	f.Add(404, "https://a.example/x/1.html", "", []byte(""), "", "", "")
	f.Add(200, "https://a.example/login", "https://a.example/", []byte("<form><input type=password></form>"), "login", "", "")
	f.Fuzz(func(t *testing.T, status int, final, home string, body []byte, kind, title, text string) {
		prev := diff.Version{Title: "标题", Text: "正文内容"}
		c := Check{URL: "https://a.example/x/1.html", Home: home, Status: status, FinalURL: final, Body: body, PageKind: kind}
		if kind == "article" {
			c.Article = &diff.Version{Title: title, Text: text}
		}
		v := Classify(c, prev)
		switch v.Outcome {
		case OutcomeUnchanged, OutcomeEdited, OutcomeRemoved, OutcomeUnavailable, OutcomeReplaced:
		default:
			t.Fatalf("outcome %q", v.Outcome)
		}
		if v.Reason == "" {
			t.Fatal("no reason")
		}
		if (status == 429 || status >= 500) && v.Outcome != OutcomeUnavailable {
			t.Fatalf("HTTP %d gave %s", status, v.Outcome)
		}
		s := Step(DefaultPolicy(), State{FirstSeen: time.Unix(0, 0)}, v, Mark{At: time.Unix(3600, 0)})
		if s.State.Status == StatusRemoved {
			t.Fatal("a single check confirmed a removal")
		}
	})
}

func FuzzParseLadder(f *testing.F) {
	f.Add("1h,6h,1d,3d,7d,30d,90d,365d")
	f.Add("off")
	f.Add("15m,2w")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLadder(s)
		if err != nil {
			return
		}
		again, err := ParseLadder(l.String())
		if err != nil || again.String() != l.String() {
			t.Fatalf("%q -> %q does not round-trip: %v", s, l.String(), err)
		}
	})
}
