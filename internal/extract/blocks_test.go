package extract

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/zh"
)

// TestBoilerplateIsRemoved runs the page in testdata/boilerplate_page.html,
// which carries one of each kind of boilerplate the block filter knows,
// and checks each is gone while the article is whole.
func TestBoilerplateIsRemoved(t *testing.T) {
	r, err := New(Options{}).Extract(context.Background(), Page{
		URL: "https://city.example.cn/2023/0305/walkway.html", ContentType: "text/html", Body: readTestdata(t, "boilerplate_page.html"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"记者昨日从市园林部门获悉", "十二处休息驿站", "市民陈先生说", "一年四季都能在江边休闲"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("the article lost %q", want)
		}
	}
	gone := []struct{ rule, text string }{
		{"language menu", "日本語"},
		{"navigation", "首页"},
		{"headline repeated in the body", "江边步道全线贯通"},
		{"byline line", "发布时间"},
		{"share bar", "分享到"},
		{"image caption", "图为改造后的沿江步道"},
		{"editor credit", "责任编辑"},
		{"keyword line", "关键词"},
		{"related reading heading", "相关阅读"},
		{"related reading links", "共享单车新规下月实施"},
		{"popular articles", "地铁三号线开通运营"},
		{"copyright line", "版权所有"},
		{"keyword-stuffed SEO footer", "骑行攻略"},
	}
	for _, g := range gone {
		if strings.Contains(r.Text, g.text) {
			t.Errorf("%s kept: %q in\n%s", g.rule, g.text, r.Text)
		}
	}
	if got := strings.Count(r.Text, "\n\n") + 1; got != 4 {
		t.Errorf("text has %d paragraphs, want 4:\n%s", got, r.Text)
	}
	if !strings.Contains(r.HTML, "walkway.jpg") {
		t.Errorf("the article's image was dropped with its caption:\n%s", r.HTML)
	}
	if r.Title != "江边步道全线贯通 市民可沿江骑行二十公里" || r.Author != "周晓雨" {
		t.Errorf("title %q, author %q", r.Title, r.Author)
	}
	if got := r.Published.Format(time.RFC3339); got != "2023-03-05T09:30:00+08:00" {
		t.Errorf("published %s", got)
	}
}

func TestBlockPredicates(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) bool
		in   string
		want bool
	}{
		{"相关阅读 heading ends the article", isEndMarker, "相关阅读", true},
		{"a bracketed 推荐阅读 heading", isEndMarker, "【推荐阅读】", true},
		{"热门文章 with a colon", isEndMarker, "热门文章：", true},
		{"Traditional 最熱門新聞", isEndMarker, "最熱門新聞", true},
		{"English related stories", isEndMarker, "Related Stories", true},
		{"a sentence mentioning related news", isEndMarker, "他说相关阅读材料已经发给了学生。", false},
		{"a copyright line", isBoilerplateLine, "Copyright © 2023 示例网 版权所有", true},
		{"a reprint notice", isBoilerplateLine, "未经授权禁止转载、摘编、复制及建立镜像", true},
		{"a site disclaimer", isBoilerplateLine, "网易声明：网易转载上述内容出于传递更多信息之目的，不表明证实其描述。", true},
		{"a share bar", isBoilerplateLine, "分享到：微博 微信 QQ空间", true},
		{"page tools", isBoilerplateLine, "打印本页 字号：大 中 小 【关闭】", true},
		{"an editor credit", isBoilerplateLine, "责任编辑：王海", true},
		{"a source credit in brackets", isBoilerplateLine, "(本文来源：中国证券报)", true},
		{"a written-permission notice", isBoilerplateLine, "本网站所有内容，未经书面许可，任何单位及个人不得转载", true},
		{"news prose that says 未经许可", isBoilerplateLine, "船长未经许可，擅自使游轮偏离既定航线，导致触礁搁浅。", false},
		{"prose that quotes a statement", isBoilerplateLine, "外交部发言人当天发表谈话，重申了中方的一贯立场。", false},
		{"a 图为 caption", isCaptionLine, "图为：改造后的沿江步道。", true},
		{"a photo credit", isCaptionLine, "记者 李青 摄", true},
		{"an English image credit", isCaptionLine, "The protests began in June (Image: GETTY)", true},
		{"a gallery counter", isCaptionLine, "Image 1 of 9", true},
		{"a paragraph ending in a credit stays", isCaptionLine, "12月6日，安徽省蜀山区二里街社区为农民工开设“农民工维权绿色通道”，及时、高效地提高农民工的维权效率，确保农民工的血汗钱得到保障。韩苏原 摄", false},
		{"a language menu", isLanguageMenu, "English | 简体 | 繁體 | 日本語", true},
		{"a sentence naming languages", isLanguageMenu, "游戏支持英文、日文，暂时没有简体中文。", false},
		{"a labelled keyword line", isKeywordBlock, "关键词：步道，骑行，滨江", true},
		{"an SEO keyword footer", isKeywordBlock, "江边步道,骑行路线,滨江公园,城市绿道,骑行攻略,周末去哪儿", true},
		{"an enumeration in prose", isKeywordBlock, "生命科学奖：卢煜明(2016年)、施一公(2017年)，李家洋、袁隆平、张启发(2018年);", false},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("%s: got %v, want %v for %q", tt.name, got, tt.want, tt.in)
		}
	}
}

func TestCountSentencePunct(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"今天，北京晴。明天呢？", 3},
		{"Hello, world. It works!", 3},
		{"2012.01.17 and 1.28 and 3,000", 0},
		{"首页 新闻 视频", 0},
	}
	for _, tt := range tests {
		if got := countSentencePunct(tt.in); got != tt.want {
			t.Errorf("countSentencePunct(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestBestRunFindsTheDensestStretch(t *testing.T) {
	scores := []float64{-5, -3, 40, -2, 60, -30, -10, 8}
	var blocks []*textBlock
	for _, s := range scores {
		blocks = append(blocks, &textBlock{score: s})
	}
	if from, to := bestRun(blocks); from != 2 || to != 5 {
		t.Errorf("bestRun = [%d, %d), want [2, 5)", from, to)
	}
	if from, to := bestRun([]*textBlock{{score: -1}}); from != to {
		t.Errorf("bestRun of all-negative blocks = [%d, %d), want empty", from, to)
	}
}

func TestDataTablesAreKeptWhole(t *testing.T) {
	rows := ""
	for i := range 12 {
		rows += "<tr><td>" + string(rune('A'+i)) + " 队</td><td>" + strings.Repeat("3", i%3+1) + "</td><td>胜</td></tr>"
	}
	page := `<html><head><title>联赛积分榜</title></head><body><article><h1>联赛积分榜</h1>
<p>本赛季联赛已经进行了十二轮，以下是截至本周日的积分情况，排名前四的球队将获得下赛季的洲际比赛资格。</p>
<table>` + rows + `</table>
<p>下一轮比赛将于下周六进行，积分榜前两名的球队将在主场迎来直接对话，这场比赛很可能决定冠军的归属。</p>
</article></body></html>`
	r, err := New(Options{}).Extract(context.Background(), Page{URL: "https://sports.example.cn/table.html", ContentType: "text/html", Body: []byte(page)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Text, "A 队") || !strings.Contains(r.Text, "L 队") {
		t.Errorf("the table's rows were dropped:\n%s", r.Text)
	}
}

func TestLedeOutsideTheBodyIsRecovered(t *testing.T) {
	page := `<html lang="zh-TW"><head><title>寒流來襲 醫師提醒長者注意保暖 - 示例新聞網</title></head><body>
<div class="nav"><a href="/">首頁</a> <a href="/health/">健康</a></div>
<div class="head"><h1>寒流來襲 醫師提醒長者注意保暖</h1><p class="time">2012年1月17日 21:51</p></div>
<div class="summary"><p>寒流今天抵達，氣溫明顯下降，醫師提醒家中長者和慢性病患者外出時務必做好保暖，避免心血管疾病發作。</p></div>
<div class="photo"><img src="/p.jpg"><p class="pic-txt">圖為：民眾穿上厚外套出門。</p></div>
<div class="body">
<p>記者王小明／台北報導</p>
<p>中央氣象局表示，這波寒流將持續到週末，北部平地最低氣溫可能降到攝氏八度左右，山區則有機會出現結冰現象。</p>
<p>心臟內科醫師指出，低溫會讓血管收縮、血壓上升，有高血壓或心臟病的民眾，早上起床時不要立刻下床，應先在床上活動手腳。</p>
<p>醫師也建議，外出時要戴帽子、圍巾和手套，特別注意頭頸部保暖，若出現胸悶、胸痛等症狀應儘快就醫。</p>
</div></body></html>`
	r, err := New(Options{}).Extract(context.Background(), Page{URL: "https://health.example.com.tw/a.html", ContentType: "text/html", Body: []byte(page)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Text, "寒流今天抵達") {
		t.Errorf("the lede was not recovered before the body:\n%s", r.Text)
	}
	if strings.Contains(r.Text, "民眾穿上厚外套") || strings.Contains(r.Text, "21:51") {
		t.Errorf("a caption or the byline came back with the lede:\n%s", r.Text)
	}
	if !strings.Contains(r.Text, "儘快就醫") {
		t.Errorf("the body was lost:\n%s", r.Text)
	}
}

// TestPagerAndNumberedItems: a pagination bar is told by whole pager
// words, and numbered short paragraphs are list items.
func TestPagerAndNumberedItems(t *testing.T) {
	linked := func(s string) *textBlock {
		b := &textBlock{text: s}
		b.cjk, b.tokens = zh.CountHanAndWords(s)
		b.tokens += b.cjk
		b.links = b.tokens
		return b
	}
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"上一页 1 2 3 4 下一页", true},
		{"« Prev 1 2 3 Next »", true},
		{"Lottery ticket holder in the north wins 12m jackpot", false},
		{"New rules to prevent flooding on 40 streets", false},
	} {
		if got := isPager(linked(tt.in)); got != tt.want {
			t.Errorf("isPager(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"1、香港", true},
		{"12. Add the eggs", true},
		{"（3）加盐", true},
		{"二、运动", true},
		{"2023年，全市新增绿道三百公里，串联起主要公园和滨水空间。", false},
	} {
		b := linked(tt.in)
		b.links = 0
		if got := isNumberedItem(b); got != tt.want {
			t.Errorf("isNumberedItem(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
