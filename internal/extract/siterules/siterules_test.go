package siterules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/antchfx/xpath"
	"golang.org/x/net/html"
)

const sampleRules = `# Example News: articles under /news/
title: //h1[@class="headline"]
title: //meta[@property="og:title"]/@content
body: //div[@id="story"]
author: //span[@class="byline"]
date: //time/@datetime
strip: //div[@class="ad"]
strip_id_or_class: share
strip_id_or_class: 'promo'
strip_image_src: /tracking/
prune: no
tidy: no
autodetect_on_failure: no
test_url: https://news.example.com/news/1.html
test_url: https://news.example.com/news/2.html
# directives this package ignores
single_page_link: //a[@class="print"]
find_string: <br><br>
replace_string: </p><p>
replace_string(<b>): <strong>
http_header(user-agent): Mozilla/5.0
login_uri: https://news.example.com/login
a line without a colon is ignored too
`

func TestParseReadsEveryDirective(t *testing.T) {
	r, err := Parse("News.Example.com", []byte(sampleRules))
	if err != nil {
		t.Fatal(err)
	}
	if r.Pattern != "news.example.com" {
		t.Errorf("Pattern = %q, want lower case", r.Pattern)
	}
	counts := map[string]int{"title": len(r.Title), "body": len(r.Body), "author": len(r.Author), "date": len(r.Date), "strip": len(r.Strip)}
	want := map[string]int{"title": 2, "body": 1, "author": 1, "date": 1, "strip": 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s: %d expressions, want %d", k, counts[k], n)
		}
	}
	if strings.Join(r.StripIDOrClass, ",") != "share,promo" {
		t.Errorf("StripIDOrClass = %q (quotes should go)", r.StripIDOrClass)
	}
	if strings.Join(r.StripImageSrc, ",") != "/tracking/" {
		t.Errorf("StripImageSrc = %q", r.StripImageSrc)
	}
	if r.Prune || r.AutodetectOnFailure {
		t.Errorf("prune: no and autodetect_on_failure: no were not read: %+v", r)
	}
	if len(r.TestURLs) != 2 {
		t.Errorf("TestURLs = %q", r.TestURLs)
	}
}

func TestParseDefaults(t *testing.T) {
	r, err := Parse("example.com", []byte("body: //article\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Prune || !r.AutodetectOnFailure {
		t.Errorf("prune and autodetect_on_failure should default to yes: %+v", r)
	}
}

func TestParseRejectsBadValues(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"an XPath that does not compile", "title: //h1[\nbody: //div", "line 1"},
		{"a yes/no directive with another value", "body: //div\nprune: maybe", "line 2"},
		{"an unbalanced function call", "date: string(//time", "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("example.com", []byte(tt.data))
			if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse = %v, want ErrSyntax naming %s", err, tt.want)
			}
		})
	}
}

func TestMatchLikeFiveFilters(t *testing.T) {
	s := &Set{}
	for _, p := range []string{"news.example.com", ".example.com", ".sina.com.cn", "example.org"} {
		s.Add(&Rule{Pattern: p})
	}
	tests := []struct{ host, want string }{
		{"news.example.com", "news.example.com"},
		{"NEWS.Example.COM", "news.example.com"},
		{"www.news.example.com", "news.example.com"},
		{"news.example.com:8080", "news.example.com"},
		{"sports.example.com", ".example.com"},
		{"a.b.example.com", ".example.com"},
		{"example.com", ".example.com"},
		{"finance.sina.com.cn", ".sina.com.cn"},
		{"www.example.org", "example.org"},
		{"sub.example.org", ""},
		{"example.net", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got := ""
		if r := s.Match(tt.host); r != nil {
			got = r.Pattern
		}
		if got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
	var empty *Set
	if empty.Match("example.com") != nil {
		t.Error("a nil Set matched")
	}
}

func TestLoadFSAndMerge(t *testing.T) {
	fsys := fstest.MapFS{
		"news.example.com.txt": {Data: []byte("body: //div[@id='own']\n")},
		".example.org.txt":     {Data: []byte("body: //article\n")},
		"README.md":            {Data: []byte("not a rules file")},
		"broken.example.txt":   {Data: []byte("body: //div[\n")},
	}
	own := &Set{}
	err := own.LoadFS(fsys)
	if err == nil || !strings.Contains(err.Error(), "broken.example") {
		t.Errorf("LoadFS error = %v, want one naming the broken file", err)
	}
	if own.Len() != 2 {
		t.Errorf("loaded %d rules, want the 2 good ones", own.Len())
	}
	base := &Set{}
	base.Add(&Rule{Pattern: "news.example.com"})
	base.Add(&Rule{Pattern: "other.example.com"})
	m := Merge(base, own)
	if m.Len() != 3 {
		t.Errorf("merged %d rules, want 3: %v", m.Len(), m.Hosts())
	}
	if r := m.Match("news.example.com"); r == nil || len(r.Body) != 1 {
		t.Errorf("the operator's rule did not replace the built-in one: %+v", r)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "news.example.com.txt"), []byte("body: //main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Set{}
	if err := s.LoadDir(dir); err != nil || s.Match("news.example.com") == nil {
		t.Errorf("LoadDir = %v, rules %v", err, s.Hosts())
	}
	if err := (&Set{}).LoadDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("LoadDir of a missing directory succeeded")
	}
}

func TestBuiltinRulesLoad(t *testing.T) {
	s := Builtin()
	for _, host := range []string{"mp.weixin.qq.com", "news.sina.com.cn", "finance.sina.com.cn", "news.163.com", "culture.people.com.cn"} {
		if r := s.Match(host); r == nil || len(r.Body) == 0 {
			t.Errorf("no built-in body rule for %s", host)
		}
	}
}

func TestNodesAndText(t *testing.T) {
	doc, err := html.Parse(strings.NewReader(`<html><head><meta property="og:title" content="元标题"></head><body>
<h1 class="headline">  新闻  标题 </h1><span class="byline">张三</span><span class="byline">李四</span>
<time datetime="2023-02-28T14:12:00+08:00">2月28日</time><div id="story"><p>正文一</p><p>正文二</p></div></body></html>`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ expr, sep, want string }{
		{`//h1[@class="headline"]`, " ", "新闻 标题"},
		{`//meta[@property="og:title"]/@content`, " ", "元标题"},
		{`//time/@datetime`, " ", "2023-02-28T14:12:00+08:00"},
		{`//span[@class="byline"]`, ", ", "张三, 李四"},
		{`string(//h1)`, " ", "新闻  标题"},
		{`count(//p)`, " ", "2"},
		{`//nothing`, " ", ""},
	}
	for _, tt := range tests {
		expr, err := compile(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := Text(doc, expr, tt.sep); got != tt.want {
			t.Errorf("Text(%s) = %q, want %q", tt.expr, got, tt.want)
		}
	}
	expr, _ := compile(`//div[@id="story"]/p`)
	if n := Nodes(doc, expr); len(n) != 2 {
		t.Errorf("Nodes selected %d paragraphs, want 2", len(n))
	}
	// Type errors the XPath package raises as panics while evaluating
	// select nothing instead.
	for _, s := range []string{`starts-with(//p, 1)`, `sum(//p)`, `ends-with(1, 2)`} {
		if bad, err := compile(s); err == nil {
			_ = Text(doc, bad, " ")
			_ = Nodes(doc, bad)
		}
	}
}

// FuzzParse checks that no rules file makes Parse panic or accept an
// expression that then panics when evaluated.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sampleRules))
	f.Add([]byte("body: //div[@id=\"x\"] | //p[1]\nprune: yes"))
	f.Add([]byte("title: string(//h1)\ndate: substring-before(//time, ' ')"))
	f.Add([]byte("strip: //*[contains(@class,'a') or starts-with(@id, 'b')]\n#c\n\nx"))
	f.Add([]byte("body: //div[\ntitle: ]]]]"))
	doc, _ := html.Parse(strings.NewReader(`<html><body><h1>t</h1><div id="x"><p>a</p></div><time>2023</time></body></html>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("fuzz.example", data)
		if err != nil {
			if r != nil {
				t.Errorf("Parse returned a rule with an error")
			}
			return
		}
		for _, list := range [][]*xpath.Expr{r.Title, r.Body, r.Author, r.Date, r.Strip} {
			for _, e := range list {
				_ = Text(doc, e, " ")
				_ = Nodes(doc, e)
			}
		}
	})
}
