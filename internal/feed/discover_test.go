package feed

import (
	"slices"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

const discoverPage = `<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>示例新闻</title>
  <link rel="stylesheet" href="/style.css">
  <link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">
  <link rel="alternate" type="application/atom+xml" title="Atom" href="https://news.example.cn/atom.xml">
  <link rel="alternate" type="text/html" hreflang="en" href="/en/">
  <link rel="alternate" type="application/rss+xml" href="/rss.xml#dup">
  <LINK REL="Alternate Feed" TYPE="Application/Feed+JSON; charset=utf-8" HREF="feed.json">
  <link rel="alternate" type="application/json" href="//cdn.example.cn/feed.json">
  <link rel="alternate" type="application/rss+xml" href="javascript:void(0)">
  <link rel="alternate" type="application/rss+xml" href="">
  <link rel="alternate" type="application/rss+xml" href="ftp://files.example.cn/rss.xml">
  <link rel="alternative" type="application/rss+xml" href="/not-alternate.xml">
</head>
<body>
  <a href="/other.xml" type="application/rss+xml">not a link element</a>
  <link rel="alternate" type="application/rss+xml" href="/body-feed.xml">
</body>
</html>`

func TestDiscoverFindsFeedLinks(t *testing.T) {
	gbkPage, err := simplifiedchinese.GBK.NewEncoder().String(`<html><head><meta charset="gbk"><title>新闻</title>` +
		`<link rel="alternate" type="application/rss+xml" href="/新闻.xml"></head></html>`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		page string
		base string
		want []string
	}{
		{"a page with many kinds of link", discoverPage, "https://news.example.cn/section/index.html", []string{
			"https://news.example.cn/rss.xml",
			"https://news.example.cn/atom.xml",
			"https://news.example.cn/section/feed.json",
			"https://cdn.example.cn/feed.json",
			"https://news.example.cn/body-feed.xml",
		}},
		{"relative links without a base are dropped", discoverPage, "", []string{
			"https://news.example.cn/atom.xml",
		}},
		{"a base element overrides the page URL", `<html><head><base href="https://mirror.example/m/"><link rel="alternate" type="application/rss+xml" href="rss.xml"></head></html>`,
			"https://news.example.cn/", []string{"https://mirror.example/m/rss.xml"}},
		{"a relative base element resolves against the page URL", `<base href="/m/"><link rel="alternate" type="application/atom+xml" href="atom.xml">`,
			"https://news.example.cn/a/b.html", []string{"https://news.example.cn/m/atom.xml"}},
		{"a GBK page", gbkPage, "https://gbk.example.cn/", []string{"https://gbk.example.cn/%E6%96%B0%E9%97%BB.xml"}},
		{"a page without feeds", `<html><head><title>x</title></head></html>`, "https://x.example/", nil},
		{"not HTML at all", "\x00\xff garbage <<<>>>", "https://x.example/", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Discover([]byte(tc.page), tc.base)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Discover =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}
