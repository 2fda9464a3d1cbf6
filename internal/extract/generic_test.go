package extract

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenericFailureKinds pins the generic algorithm's behaviour on the
// kinds of pages it used to get wrong (issue 14), one small page of each
// kind under testdata/generic.
func TestGenericFailureKinds(t *testing.T) {
	tests := []struct {
		file      string
		want, not []string
	}{
		{"photo_story.html", // a short story under its headline beats a longer teaser list
			[]string{"市民在公园里观赏盛开的樱花", "园内樱花进入盛花期"},
			[]string{"推荐新闻的摘要", "更多推荐", "版权所有"}},
		{"popup_after.html", // the login / VIP / red-packet pop-ups after the body stay out
			[]string{"据气象部门预报", "今年的赏花季", "为了缓解客流压力"},
			[]string{"红包", "开通会员", "登录"}},
		{"next_article.html", // the next story of an infinite scroll is not appended
			[]string{"今年的赏花季", "市民在公园里观赏盛开的樱花"},
			[]string{"全市新增三百公里绿道", "绿道串联起主要公园"}},
		{"inbody_box.html", // the lead before an in-body 推荐阅读 box is kept, the box is not
			[]string{"为了缓解客流压力", "据气象部门预报"},
			[]string{"推荐阅读", "地铁三号线"}},
	}
	e := New(Options{})
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "generic", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			r, err := e.Extract(context.Background(), Page{URL: "https://news.example.cn/a/1.html", ContentType: "text/html", Body: b})
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, r.Text)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(r.Text, n) {
					t.Errorf("text holds %q:\n%s", n, r.Text)
				}
			}
		})
	}
}
