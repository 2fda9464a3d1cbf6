package extract

import (
	"context"
	"strings"
	"testing"
)

func TestLazyAndNoscriptImagesReachTheContent(t *testing.T) {
	para := strings.Repeat("这是一段足够长的新闻正文，用来让正文提取算法认出文章的主体部分。", 4)
	page := `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>懒加载图片</title></head><body>
<article><h1>懒加载图片</h1>
<p>` + para + `</p>
<p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/lazy.jpg" alt="懒加载"></p>
<p>` + para + `</p>
<p><img class="lazy" src="/img/placeholder.gif" data-original="/img/original.jpg"></p>
<p>` + para + `</p>
<p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><noscript><img src="/img/noscript.jpg" alt="无脚本"></noscript></p>
<p>` + para + `</p>
</article></body></html>`
	res, err := New(Options{}).Extract(context.Background(), Page{URL: "https://news.example.com/a.html", ContentType: "text/html", Body: []byte(page)})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"https://news.example.com/img/lazy.jpg", "https://news.example.com/img/original.jpg", "https://news.example.com/img/noscript.jpg"} {
		if !strings.Contains(res.HTML, `src="`+want+`"`) {
			t.Errorf("content lacks image %s:\n%s", want, res.HTML)
		}
	}
	if strings.Contains(res.HTML, "placeholder.gif") {
		t.Errorf("placeholder kept instead of the real image:\n%s", res.HTML)
	}
}
