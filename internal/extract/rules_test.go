package extract

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSiteRulesFromRulesDir(t *testing.T) {
	e, err := Open(Options{RulesDir: filepath.Join("testdata", "rules")})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Extract(context.Background(), Page{
		URL: "https://www.news.example.org/2023/03/01/market.html", ContentType: "text/html", Body: readTestdata(t, "rules_page.html"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Title != "早市菜价回落 青菜每斤便宜五毛" {
		t.Errorf("title: %q, want the rule's (spaces collapsed)", r.Title)
	}
	if r.Author != "赵一鸣" {
		t.Errorf("author: %q, want the rule's", r.Author)
	}
	if got := r.Published.Format(time.RFC3339); got != "2023-03-01T07:45:00+08:00" {
		t.Errorf("published: %s, want the rule's data-ts in the page's zone", got)
	}
	for _, want := range []string{"随着气温回升", "李师傅说", "公平秤复核"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("text lacks %q (body rule):\n%s", want, r.Text)
		}
	}
	for _, gone := range []string{"下载客户端", "投票", "这一段在正文之外"} {
		if strings.Contains(r.Text, gone) {
			t.Errorf("text keeps %q (strip, strip_id_or_class, body rule):\n%s", gone, r.Text)
		}
	}
	if strings.Contains(r.HTML, "/pixel/") || !strings.Contains(r.HTML, `src="https://www.news.example.org/photos/market.jpg"`) {
		t.Errorf("strip_image_src or URL resolution failed:\n%s", r.HTML)
	}
}

func TestSiteRulesFallBackToGenericExtraction(t *testing.T) {
	e, err := Open(Options{RulesDir: filepath.Join("testdata", "rules")})
	if err != nil {
		t.Fatal(err)
	}
	page := readTestdata(t, "news_page.html")
	// .example.net: the body selector fails and autodetect_on_failure
	// defaults to yes.
	r, err := e.Extract(context.Background(), Page{URL: "https://news.example.net/a.html", ContentType: "text/html", Body: page})
	if err != nil || !strings.Contains(r.Text, "经过三年建设") {
		t.Errorf("generic extraction did not take over: %v", err)
	}
	// .example.edu: autodetect_on_failure: no.
	_, err = e.Extract(context.Background(), Page{URL: "https://news.example.edu/a.html", ContentType: "text/html", Body: page})
	if !errors.Is(err, ErrNotArticle) {
		t.Errorf("Extract with a failing rule and no autodetection = %v, want ErrNotArticle", err)
	}
}

func TestOpenReportsBadRulesDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.example.txt"), []byte("body: //div[\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "good.example.txt"), []byte("body: //article\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := Open(Options{RulesDir: dir})
	if err == nil || !strings.Contains(err.Error(), "bad.example") {
		t.Errorf("Open = %v, want an error naming bad.example", err)
	}
	if e == nil || e.rules.Match("good.example") == nil || e.rules.Match("mp.weixin.qq.com") == nil {
		t.Error("the good and built-in rules should still load")
	}
	if _, err := Open(Options{RulesDir: filepath.Join(dir, "missing")}); err == nil {
		t.Error("Open with a missing RulesDir succeeded")
	}
}

func TestRuleDate(t *testing.T) {
	sh := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name, in, want string
	}{
		{"WeChat's var ct", `var ct = "1677595144"; var publish_time = "2023-02-28" || "";`, "2023-02-28T22:39:04+08:00"},
		{"a create_time field in JSON", `{"title":"x","create_time":1677595144}`, "2023-02-28T22:39:04+08:00"},
		{"milliseconds", `window.publishTime = '1677595144000'`, "2023-02-28T22:39:04+08:00"},
		{"a bare timestamp attribute", "1677595144", "2023-02-28T22:39:04+08:00"},
		{"a written date", "2023年2月28日 14:12", "2023-02-28T14:12:00+08:00"},
		{"nothing", "昨天", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ruleDate(tt.in, sh)
			if s := got.Format(time.RFC3339); (tt.want == "" && !got.IsZero()) || (tt.want != "" && s != tt.want) {
				t.Errorf("ruleDate(%q) = %v, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWeChatArticle(t *testing.T) {
	body := readTestdata(t, "wechat_page.html")
	r, err := New(Options{}).Extract(context.Background(), Page{URL: "https://mp.weixin.qq.com/s/AbCdEf", ContentType: "text/html; charset=utf-8", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if r.Title != "小区里的共享菜园：邻居们一起种出了春天" {
		t.Errorf("title %q", r.Title)
	}
	if r.Author != "林小满" {
		t.Errorf("author %q", r.Author)
	}
	// var ct = "1677595144" in an inline script, in China's zone.
	if got := r.Published.Format(time.RFC3339); got != "2023-02-28T22:39:04+08:00" {
		t.Errorf("published %s, want the time in var ct", got)
	}
	if !strings.HasPrefix(r.Text, "去年秋天") || !strings.Contains(r.Text, "小凉亭") {
		t.Errorf("text is not #js_content:\n%s", r.Text)
	}
	if strings.Contains(r.Text, "扫一扫") || strings.Contains(r.Text, "社区生活观察") {
		t.Errorf("text keeps the QR code box or the account name:\n%s", r.Text)
	}
	for _, img := range []string{"https://mmbiz.qpic.example/garden_1/640?wx_fmt=jpeg", "https://mmbiz.qpic.example/garden_2/640?wx_fmt=png"} {
		if !strings.Contains(r.HTML, `src="`+strings.ReplaceAll(img, "&", "&amp;")+`"`) {
			t.Errorf("image %s (data-src) missing from:\n%s", img, r.HTML)
		}
	}
	if strings.Contains(r.HTML, "data:image/gif") {
		t.Errorf("a placeholder src survived:\n%s", r.HTML)
	}
}

func TestWeChatArticleWithoutItsURLStillExtracts(t *testing.T) {
	// Saved without its URL, the page gets no site rule: the generic path
	// still finds the article, title and images.
	r, err := New(Options{}).Extract(context.Background(), Page{Body: readTestdata(t, "wechat_page.html")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Title != "小区里的共享菜园：邻居们一起种出了春天" || !strings.Contains(r.Text, "共享菜园") ||
		!strings.Contains(r.HTML, "garden_1/640") {
		t.Errorf("generic extraction of the WeChat page failed: %q\n%s", r.Title, r.HTML)
	}
}
