package extract

import (
	"reflect"
	"strings"
	"testing"
)

func TestAuthorFrom(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string
	}{
		{"an author glued to the previous label", "时间:2025-06-04人气:作者: 小编", "小编"},
		{"an author before a source label", "2023年02月28日 14:12　来源：示例日报　作者：李明远", "李明远"},
		{"several authors up to the next label", "作者：王建宏 张文攀 来源：光明日报", "王建宏 张文攀"},
		{"a newspaper reporter without a separator", "本报记者罗科苏盈发自北京", "罗科苏盈"},
		{"a reporter credit ending in a place and 报道", "新京报记者 彭冲 山东冠县报道", "彭冲"},
		{"a dateline reporter note", "新华社拉萨2月13日电（记者 格桑边觉）记者近日从自治区农业农村厅了解到。", "格桑边觉"},
		{"a 文/ credit", "文/张三", "张三"},
		{"an English byline", "By Jane Doe | Feb 28, 2023", "Jane Doe"},
		{"a mid-line by in a byline names the poster", "〓 明星话题 发布时间 2005/03/15 22:36:13 by duscha 〓", "duscha"},
		{"a mid-line by in prose is not a credit", "Flights were cancelled by the airline", ""},
		{"a press conference is not a credit", "外交部发言人在记者会上说，双方将继续沟通。", ""},
		{"the author of a comment is not taken from prose", "本文仅代表作者个人观点，与本站无关。", ""},
		{"a host name is not an author", "作者：www.example.com", ""},
		{"a line without a credit", "来源：新华社", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := authorFrom(tt.line); got != tt.want {
				t.Errorf("authorFrom(%q) = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}

func TestIsBylineLine(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"时间:2025-06-04人气:作者: 小编", true},
		{"发布时间：2023-02-28 14:12 来源：新华网", true},
		{"2023/02/28 14:12", true},
		{"http://house.sina.com.cn 2005年03月31日03:18 北京娱乐信报", true},
		{"白俄罗斯总统卢卡申科访华意欲何为", false},
		{"2022年，中白关系升级为“全天候全面战略伙伴关系”。因此，此次访问也是在这一新方向下的首次国事访问。", false},
	}
	for _, tt := range tests {
		if got := isBylineLine(tt.line); got != tt.want {
			t.Errorf("isBylineLine(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}

func TestCleanTitle(t *testing.T) {
	tests := []struct {
		name, title, site, want string
	}{
		{"a dash suffix equal to the site is stripped", "卢卡申科抵达北京 - 美国之音", "美国之音", "卢卡申科抵达北京"},
		{"a bar suffix is stripped case-insensitively", "Lukashenko arrives | VOA", "voa", "Lukashenko arrives"},
		{"an underscore site suffix goes, and the channel before it", "儿歌被改编_科技_腾讯网", "腾讯网", "儿歌被改编"},
		{"a suffix that is not the site stays", "标题 - 专题报道", "示例网", "标题 - 专题报道"},
		{"without a site name nothing is stripped", "标题 - 示例网", "", "标题 - 示例网"},
		{"a title that is only the site stays", "示例网", "示例网", "示例网"},
		{"whitespace is collapsed", "  标题 \n 副题  ", "", "标题 副题"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanTitle(tt.title, tt.site); got != tt.want {
				t.Errorf("cleanTitle(%q, %q) = %q, want %q", tt.title, tt.site, got, tt.want)
			}
		})
	}
}

func TestChooseTitleRepairsATitleCutAtAQuote(t *testing.T) {
	got := chooseTitle("", `多地项目连环爆雷 狂奔的龙湖集团`, "", `多地项目连环爆雷 狂奔的龙湖集团"暗伤"曝露？_网易财经`)
	if want := `多地项目连环爆雷 狂奔的龙湖集团"暗伤"曝露？`; got != want {
		t.Errorf("chooseTitle = %q, want %q", got, want)
	}
}

func TestAnalyseLines(t *testing.T) {
	prose1 := "新学期开始后，全市中小学统一调整了作息时间，学生早上到校时间推迟了半小时。"
	prose2 := "教育部门表示，这一调整是在广泛听取家长和教师意见的基础上作出的，目的是保证学生睡眠。"
	tests := []struct {
		name  string
		lines []string
		want  textArticle
	}{
		{"the headline above the byline and its repeat below are handled",
			[]string{"首页 新闻 教育 登录", "中小学调整作息时间", "发布时间：2023年2月28日 14:12 来源：本地教育网", "中小学调整作息时间", prose1, prose2, "教育,学校,中小学,作息,家长,睡眠"},
			textArticle{title: "中小学调整作息时间", byline: "发布时间：2023年2月28日 14:12 来源：本地教育网", body: []string{prose1, prose2}}},
		{"captions in the body are kept, image file names dropped",
			[]string{"中小学调整作息时间", "日期：2023/02/28", prose1, "（学生在操场上晨练）", "photo_001.jpg", prose2, "(图)", "（操场）photo_002.jpg", prose1},
			textArticle{title: "中小学调整作息时间", byline: "日期：2023/02/28", body: []string{prose1, "（学生在操场上晨练）", prose2, "（操场）", prose1}}},
		{"a short subheading followed by prose is kept",
			[]string{"中小学调整作息时间", "2023-02-28", prose1, "家长反应", prose2, "返回顶部"},
			textArticle{title: "中小学调整作息时间", byline: "2023-02-28", body: []string{prose1, "家长反应", prose2}}},
		{"Latin keyword spam ends the body",
			[]string{"中小学调整作息时间", "时间:2023-02-28", prose1, "turnstile gate, speed gate, barrier gate, access control system", prose2},
			textArticle{title: "中小学调整作息时间", byline: "时间:2023-02-28", body: []string{prose1}}},
		{"without a byline the longest prose run is the body",
			[]string{"网站导航", "中小学调整作息时间", prose1, prose2, "友情链接"},
			textArticle{title: "中小学调整作息时间", body: []string{prose1, prose2}}},
		{"a page without prose has no body",
			[]string{"首页", "新闻", "2023-02-28", "联系我们"},
			textArticle{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := analyseLines(tt.lines, true)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("analyseLines =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestSplitDoubleBreaks(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"a paragraph is split at <br><br>", "<p>一<br/><br />二<br>三</p>", "<p>一</p><p>二<br/>三</p>"},
		{"a text-only div gets paragraphs", "<div>一<br> <br>二</div>", "<div><p>一</p><p>二</p></div>"},
		{"a div with block children is left alone", "<div><p>一</p>二<br><br>三</div>", "<div><p>一</p>二<br/><br/>三</div>"},
		{"single breaks stay", "<p>一<br>二</p>", "<p>一<br/>二</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := parseTestDoc(t, tt.in)
			splitDoubleBreaks(doc)
			if got := renderBody(doc); got != tt.want {
				t.Errorf("splitDoubleBreaks(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzAnalyseLines(f *testing.F) {
	f.Add("标题\n时间:2025-06-04 作者: 小编\n标题\n" + strings.Repeat("正文句子，", 8) + "。\n(图)\na.png\n关键词,关键词,关键词,关键词,关键词")
	f.Add("Title\nBy Someone, Feb 28, 2023\nThis is a sentence of a news article, with enough words to look like prose.")
	f.Fuzz(func(t *testing.T, s string) {
		for _, chinese := range []bool{true, false} {
			a := analyseLines(nonEmptyLines(s), chinese)
			for _, l := range a.body {
				if l == "" || reImageFile.MatchString(l) || l == "(图)" {
					t.Errorf("analyseLines(%q) kept line %q", s, l)
				}
			}
			authorFrom(a.byline)
		}
	})
}

func TestStripTitleSuffixes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"内蒙古确保两节前农牧民工工资基本无拖欠_要闻_正北方网（原北方新闻网）", "内蒙古确保两节前农牧民工工资基本无拖欠"},
		{"天冷抵抗力弱 齒源膿瘍患者多 - 自由電子報 即時新聞", "天冷抵抗力弱 齒源膿瘍患者多"},
		{"成都12只大熊猫幼仔开始群体生活-中新网", "成都12只大熊猫幼仔开始群体生活"},
		{"[公司]绿景控股料2011年扭亏 净利1900万-2900万-财经频道-千华网", "[公司]绿景控股料2011年扭亏 净利1900万-2900万"},
		{"明年合同电煤涨价禁超5% - 宏观经济 - 21CN.COM", "明年合同电煤涨价禁超5%"},
		{"治公款消费 莫患“茅台焦虑症”-茅台酒,公款消费,公款吃喝,人大代表,五粮液", "治公款消费 莫患“茅台焦虑症”"},
		{"勾結醫師病患詐保險金 男遭訴 - Taiwan News Online", "勾結醫師病患詐保險金 男遭訴"},
		{"Lukashenko arrives in Beijing | VOA", "Lukashenko arrives in Beijing"},
		{"标题 - 专题报道", "标题 - 专题报道"},
		{"中美元首会晤 - 双方同意加强沟通", "中美元首会晤 - 双方同意加强沟通"},
		{"A-B testing explained", "A-B testing explained"},
	}
	for _, tt := range tests {
		if got := stripTitleSuffixes(tt.in); got != tt.want {
			t.Errorf("stripTitleSuffixes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFindHeadline(t *testing.T) {
	doc := parseTestDoc(t, `<html><body><div class="logo"><h1>经济参考网</h1></div>
<div class="article"><div class="art-title">中国iPad商标侵权纠纷案一审审结 苹果败诉</div><p>正文</p></div></body></html>`)
	got := findHeadline(doc, "", "中国iPad商标侵权纠纷案一审审结 苹果败诉-经济参考网")
	if got != "中国iPad商标侵权纠纷案一审审结 苹果败诉" {
		t.Errorf("findHeadline = %q: want the title element, not the logo's site name", got)
	}
}

func TestCheckLanguage(t *testing.T) {
	zh := strings.Repeat("这是一段中文新闻的正文内容。", 10)
	ja := strings.Repeat("これは日本語のニュース記事です。東京で会議が開かれました。", 5)
	tests := []struct{ declared, text, want string }{
		{"en", zh, "zh"},
		{"", zh, "zh"},
		{"zh-TW", zh, "zh-TW"},
		{"ja", ja, "ja"},
		{"en", "An English article about Beijing and Shanghai.", "en"},
		{"", "short", ""},
	}
	for _, tt := range tests {
		if got := checkLanguage(tt.declared, tt.text); got != tt.want {
			t.Errorf("checkLanguage(%q, %.20q) = %q, want %q", tt.declared, tt.text, got, tt.want)
		}
	}
}

func TestZoneLessDatesUseTheSitesZone(t *testing.T) {
	e := New(Options{})
	tests := []struct {
		chinese bool
		host    string
		want    string
	}{
		{true, "news.example.cn", "Asia/Shanghai"},
		{true, "news.example.com", "Asia/Shanghai"},
		{true, "www.example.com.tw", "Asia/Taipei"},
		{false, "www.example.co.jp", "Asia/Tokyo"},
		{false, "www.example.com", "UTC"},
	}
	for _, tt := range tests {
		loc := e.location(tt.chinese, tt.host)
		if got := loc.String(); got != tt.want && !(tt.want == "Asia/Shanghai" && got == "CST") {
			t.Errorf("location(%v, %q) = %s, want %s", tt.chinese, tt.host, got, tt.want)
		}
	}
}

func TestClosingCredits(t *testing.T) {
	tests := []struct {
		name           string
		lines          []string
		author, editor string
	}{
		{"a reporter note after the last paragraph", []string{"为昆剧剧目作出突出贡献。", "（总台记者 张倩）", "最新"}, "张倩", ""},
		{"a name and a place before 报道", []string{"所有的改革难道不都是利益再分配的过程吗？”（姚峰 上海报道）"}, "姚峰", ""},
		{"a newspaper reporter line", []string{"经历了一次折叠。", "新京报记者 彭冲 山东冠县报道", "【编辑:刘欢】"}, "彭冲", "刘欢"},
		{"an editor with a staff number", []string{"正在悄悄的进行。", "（ 责任编辑：刘林源 ）", "责任编辑：杨倩_NF4425"}, "", "刘林源"},
		{"nothing after the article", []string{"正在悄悄的进行。", "精彩推荐"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, e := findClosingCredit(tt.lines, "第一段。\n\n"+tt.lines[0])
			if a != tt.author || e != tt.editor {
				t.Errorf("findClosingCredit = %q, %q; want %q, %q", a, e, tt.author, tt.editor)
			}
		})
	}
	if got := cleanAuthor("[责任编辑：韩保林 PK155]"); got != "韩保林" {
		t.Errorf("cleanAuthor kept a label or staff number: %q", got)
	}
	if got := cleanAuthor("该作者文章"); got != "" {
		t.Errorf("cleanAuthor accepted a link text: %q", got)
	}
}

func TestNotSiteName(t *testing.T) {
	head := headInfo{Title: `多地项目连环爆雷 狂奔的龙湖集团_网易财经`, SiteName: "新浪网"}
	for author, want := range map[string]string{"网易": "", "新浪网": "", "李明远": "李明远"} {
		if got := notSiteName(author, head); got != want {
			t.Errorf("notSiteName(%q) = %q, want %q", author, got, want)
		}
	}
}
