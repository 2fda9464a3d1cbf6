package extract

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// reBylineLabel is what hasBylineLabel finds, as a regexp.
var reBylineLabel = regexp.MustCompile(`发布时间|发表时间|发布日期|更新时间|时间|日期|来源|作者|记者|编辑|责编|发布者|发布于|发表|出处|稿源|浏览|点击|人气|字号|(?i:\b(?:published|posted|updated|by)\b)`)

// TestHasBylineLabel holds hasBylineLabel to the regexp on lines made of
// labels, words that hold or resemble them, and the characters around
// word boundaries.
func TestHasBylineLabel(t *testing.T) {
	parts := []string{" ", "By", "by", "BY", "x", "_", "1", "时间", "发表", "发", "post", "posted", "Published", "中",
		"UPDATED", "s", "ab", "来源", "é", "：", "2023年", "nearby", "byline"}
	rng := rand.New(rand.NewSource(14))
	for range 50000 {
		var b strings.Builder
		for range rng.Intn(6) {
			b.WriteString(parts[rng.Intn(len(parts))])
		}
		s := b.String()
		if got, want := hasBylineLabel(s), reBylineLabel.MatchString(s); got != want {
			t.Fatalf("hasBylineLabel(%q) = %v, the regexp says %v", s, got, want)
		}
	}
}

// TestLiterals checks the one-pass word search against strings.Contains.
func TestLiterals(t *testing.T) {
	words := []string{"版权", "©", "share", "图", "of", "下一页"}
	l := newLiterals(words...)
	parts := []string{"版", "权", "©", "sha", "re", "图", "o", "f", "下一", "页", " ", "x", "中"}
	rng := rand.New(rand.NewSource(14))
	for range 50000 {
		var b strings.Builder
		for range rng.Intn(6) {
			b.WriteString(parts[rng.Intn(len(parts))])
		}
		s := b.String()
		want := false
		for _, w := range words {
			want = want || strings.Contains(s, w)
		}
		if got := l.in(s); got != want {
			t.Fatalf("in(%q) = %v, want %v", s, got, want)
		}
	}
}
