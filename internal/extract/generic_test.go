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
		{"photo_gallery.html", // a gallery's captions after its one paragraph are the story
			[]string{"油菜花陆续进入盛花期", "远处是古镇的石拱桥", "记录花海中的古镇风光"},
			[]string{"推荐新闻的摘要", "版权所有"}},
		{"no_block.html", // a table-and-<br> page without blocks: the body, not the whole page
			[]string{"城东老街改造工程", "青石板路", "王阿姨", "焕发新的活力"},
			[]string{"热点新闻", "地铁五号线", "发表评论", "用户名", "关于我们", "注册"}},
		{"short_article.html", // a one-paragraph brief beside a longer link list is an article
			[]string{"人民路中山路口至解放路口路段禁止机动车通行"},
			[]string{"快讯列表", "地铁五号线"}},
		{"recipe_steps.html", // short list items (ingredients, steps) are kept
			[]string{"番茄炒蛋是一道简单又下饭的家常菜", "鸡蛋三个", "葱花少许", "番茄洗净切块", "倒回鸡蛋加糖翻匀", "撒葱花出锅"},
			[]string{"红烧肉", "版权所有"}},
		{"pagination_teasers.html", // a pagination bar and a photo-teaser list after the body stay out
			[]string{"第十届春季花展今天在市植物园开幕", "园方在各展区设置了讲解牌"},
			[]string{"下一页", "郁金香花海吸引游客", "夜间灯光秀"}},
		{"multi_section.html", // every section of a page under <h1> section headings, not one of them
			[]string{"专家建议从饮食、运动和睡眠三个方面调整作息", "早餐不要省略", "运动前一定要充分热身", "建议晚上十一点前入睡", "午睡时间不宜过长"},
			[]string{"热门文章", "夏季防暑降温", "版权所有", "广告"}},
		{"inbody_links_en.html", // in-body link boxes (a linked <h1>, headlines with "holder", "prevent") do not end the article
			[]string{"ending a debate", "This is a park for everyone", "The park will cost about 14 million", "Station Road"},
			[]string{"Lottery ticket holder", "prevent flooding", "Residents asked for their views", "All rights reserved"}},
		{"numbered_list.html", // a list written as numbered short paragraphs after its label is the article's end
			[]string{"从空气质量、公共交通", "宜居城市排名", "1、青岛", "5、昆明", "其他城市名次", "27、长沙"},
			[]string{"去年宜居城市报告引发热议", "多地出台政策"}},
		{"embedded_post.html", // a quoted post in a "social-media-embed" box is the article's; a share bar is not
			[]string{"hardly anyone could say", "We paid eighty thousand dollars for three words", "The mayor defended the slogan", "edge of town"},
			[]string{"Share on X", "Share on Facebook", "© 2024"}},
		{"list_first.html", // a plain list (with its label) right before the body's paragraphs opens the article
			[]string{"先调这几项", "屏幕亮度 自动", "定位服务 使用期间", "续航能延长两到三个小时", "更换电池"},
			[]string{"热门攻略", "旧手机数据", "电脑"}},
		{"font_menu.html", // a menu of one-word buttons before the body is no list of the article's
			[]string{"新建五处口袋公园", "首批两处预计六月底前开放"},
			[]string{"超大", "标准"}},
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
