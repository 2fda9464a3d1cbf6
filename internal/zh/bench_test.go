package zh

import (
	"strings"
	"testing"
	"time"
)

// The inputs of these benchmarks are those the copies in feed, extract and
// search were measured with before they moved here.

func BenchmarkParseFeedDate(b *testing.B) {
	dates := []string{"Tue, 28 Feb 2023 14:12:24 +0800", "Tue, 28 Feb 2023 14:12:24 CST", "2023-02-28T14:12:24+08:00",
		"2023年2月28日 14:12", "2023-02-28 14:12:24", "garbage text"}
	z := RulesFor("zh-CN", nil, false)
	for b.Loop() {
		for _, s := range dates {
			z.Parse(s, nil)
		}
	}
}

func BenchmarkFindDate(b *testing.B) {
	dates := []string{"发布时间：2023-02-28 14:12", "2023年2月28日 下午3点20分", "Tue, 28 Feb 2023 14:12:24 +0800",
		"2023-02-28T14:12:24+08:00", "Feb 28, 2023", "来源：新华社 记者 张三"}
	for b.Loop() {
		for _, s := range dates {
			FindDate(s, time.UTC)
		}
	}
}

func BenchmarkDecodeXML(b *testing.B) {
	d := []byte(`<?xml version="1.0" encoding="gb2312"?><rss><channel><title>` + "\xd6\xd0\xce\xc4\xd0\xc2\xce\xc5" + `</title></channel></rss>`)
	for b.Loop() {
		DecodeXML(d, "")
	}
}

func BenchmarkDecodeHTML(b *testing.B) {
	d := []byte(`<html><head><meta charset="utf-8"></head><body>` + strings.Repeat("中文新闻内容，", 2000) + `</body></html>`)
	for b.Loop() {
		DecodeHTML(d, "text/html")
	}
}

func BenchmarkLooksChinese(b *testing.B) {
	s := strings.Repeat("中文新闻内容，English words ", 500)
	for b.Loop() {
		LooksChinese(s)
	}
}

func BenchmarkFold(b *testing.B) {
	f, err := NewFolder()
	if err != nil {
		b.Fatal(err)
	}
	s := strings.Repeat("臺灣總統選舉，ＡＢＣ English Words 美國", 200)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		f.String(s)
	}
}
