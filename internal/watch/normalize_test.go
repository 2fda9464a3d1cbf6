package watch

import (
	"strings"
	"testing"
)

// counterLines are lines with and without counters, in the forms the
// prefilter of dropCounters has to let through.
var counterLines = []string{
	"阅读量 1234", "閱讀 10萬+", "浏览次数：10万+", "点赞 5", "在看 3", "1,234 views", "12 Likes", "3小时前", "5 分钟前", "2天前",
	"10 minutes ago", "刚刚", "剛剛", "JUST NOW", "Just Now 发布", "2 LIKES", "2 li\u212Aes", "3 \u017Fhares", "\u017Fhare 4",
	"将在3月底前公布详细方案", "第1段：记者了解到，第42号工程附近的居民", "共有120位居民提交了书面意见", "Read 5 times", "no digits 阅读",
	"评论(12)", "转发 1.2k", "人气：3w", "", "2024年5月1日", "views 7 ago", "1 read", "3 天前",
}

// dropCounters gives exactly what the counter regexp gives on every line:
// its prefilter only skips lines the regexp cannot match.
func TestDropCountersIsTheRegexp(t *testing.T) {
	for _, l := range counterLines {
		if got, want := dropCounters(l), reCounter.ReplaceAllString(l, ""); got != want {
			t.Errorf("dropCounters(%q) = %q; the regexp gives %q", l, got, want)
		}
	}
	// The prefilter is not letting everything through.
	for _, l := range []string{"将在3月底前公布详细方案", "共有120位居民提交了书面意见", "no digits 阅读"} {
		if f := foldCase(l); containsAny(f, nowWords) || strings.ContainsAny(f, "0123456789") && containsAny(f, counterWords) {
			t.Errorf("%q passes the prefilter", l)
		}
	}
}

func FuzzDropCounters(f *testing.F) {
	for _, l := range counterLines {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, l string) {
		if got, want := dropCounters(l), reCounter.ReplaceAllString(l, ""); got != want {
			t.Errorf("dropCounters(%q) = %q; the regexp gives %q", l, got, want)
		}
	})
}

func BenchmarkNormalText(b *testing.B) {
	var sb strings.Builder
	for i := range 12 {
		sb.WriteString("第1段：记者了解到，第42号工程附近的居民对这次改造的意见不一，有人认为道路拓宽以后出行更加方便，也有人担心施工期间的噪音和灰尘影响生活。相关部门表示，将在3月底前公布详细方案。\n")
		if i%4 == 0 {
			sb.WriteString("阅读量 1234  点赞 5\n")
		}
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		NormalText(text)
	}
}
