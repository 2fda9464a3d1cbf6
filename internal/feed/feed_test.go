package feed

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/zh"
)

// mustLoad loads a zone for a test, failing it when the zone database is
// missing.
func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("zone database lacks %s: %v", name, err)
	}
	return loc
}

// readTestdata reads a fixture under testdata/.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hasMojibake reports replacement characters or the typical signs of UTF-8
// read as Latin-1 or GBK read as Latin-1.
func hasMojibake(s string) bool {
	return !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) ||
		strings.Contains(s, "Ã") || strings.Contains(s, "Â") || strings.Contains(s, "æ") && strings.Contains(s, "å")
}

// sharedFeedOutcome is what Parse must make of one file of the shared feeds.
type sharedFeedOutcome struct {
	file       string
	err        error  // nil: parses
	items      int    // item count when it parses
	title      string // feed title, when checked
	firstTitle string // first item's title, when checked
}

var sharedFeedOutcomes = []sharedFeedOutcome{
	{"Bruce2012_rss-feeds__sspai.xml", nil, 11, "少数派首页", "线下活动｜Echoes Remain：迈克尔杰克逊 68 周年诞辰唱片展"},
	{"Bruce2012_rss-feeds__wechat-jiege.xml", nil, 9, "杰哥的精致语文（公众号）", ""},
	{"C4droid_rss__1024.xml", nil, 0, "1024 新闻聚合", ""},
	{"C4droid_rss__voa.xml", nil, 48, "VOA Special English", "Wilbur and Orville Wright: The First Airplane (2025/3/18)"},
	{"Ranchero-Software_RSParser__3960.json", nil, 20, "fboës - Der Blog | Startseite", "Lecker, lecker"},
	{"Ranchero-Software_RSParser__DaringFireball.json", nil, 48, "Daring Fireball", "The Talk Show: ‘I Do Like Throwing a Baby’"},
	{"Ranchero-Software_RSParser__allthis-partial.json", ErrMalformed, 0, "", ""},
	{"Ranchero-Software_RSParser__bio.rdf", nil, 30, "bioRxiv Subject Collection: Plant Biology", ""},
	{"Ranchero-Software_RSParser__donthitsave.xml", nil, 10, "Don't Hit Save", "Skipping Around"},
	{"Ranchero-Software_RSParser__kc0011.rss", nil, 20, "投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文", "建国35周年纪念，华表，和平鸽"},
	{"Ranchero-Software_RSParser__macworld.rss", nil, 30, "Macworld", "Best smart lock"},
	{"Ranchero-Software_RSParser__phpxml.rss", nil, 20, "www.fcutrecht.net voetbalnieuws", "Serdar Gözübüyük scheidsrechter bij FC Twente - FC Utrecht"},
	{"Ranchero-Software_RSParser__russcox.atom", nil, 19, "research!rsc", "Transparent Logs for Skeptical Clients"},
	{"Ranchero-Software_RSParser__scriptingNews.rss", nil, 50, "Scripting News", ""},
	{"greatfire_feeds__bbc.xml", nil, 66, "bbcchinese.com | 新闻主页", "萨达姆之墓在反“伊斯兰国”战事中被毁"},
	{"greatfire_feeds__cdt.xml", nil, 15, "中国数字时代 » Level 2 Article", "中国军网 | 徐才厚在病榻上结束了可悲可耻的一生"},
	{"greatfire_feeds__dw.xml", nil, 85, "Deutsche Welle: DW-WORLD.DE", "格林沃尔德获德国新闻记者奖"},
	{"greatfire_feeds__nyt.xml", nil, 22, "纽约时报中文网 国际纵览", "回收场一瞥：北京的碎片，在此重生"},
	{"greatfire_feeds__paopao.xml", nil, 30, "泡泡", "从中国到全球：“依附的自由”网站解封升级"},
	{"greatfire_feeds__programthink.xml", nil, 5, "编程随想的博客", "扫盲 Arm——Tor 的界面前端（替代已死亡的 Vidalia）"},
	{"liuerfire_sieve__cnbeta.xml", nil, 13, "cnBeta.com - 中文业界资讯站", ""},
	{"miniflux_v2__encoding_WINDOWS-1251.xml", nil, 50, "iBash.Org.Ru", "Цитата #17703"},
	{"miniflux_v2__invalid-prolog.xml", nil, 1, "테스트 피드", "Café"},
	{"miniflux_v2__iso88591_utf8_mismatch.xml", ErrNotFeed, 0, "", ""},
	{"miniflux_v2__no_encoding_ISO-8859-1.xml", nil, 10, "Flux RSS du magazine de psychologie Le Cercle Psy", "Perturbateurs endocriniens : quels effets sur le cerveau ?"},
	{"miniflux_v2__rdf_UTF8.xml", nil, 60, "heise online News", "OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen"},
	{"miniflux_v2__urdu_UTF8.xml", nil, 26, "BBC News اردو - پاکستان کے لیے امریکی امداد کی بہار و خزاں", ""},
	{"silent123126_feeds__ifengculture.xml", nil, 23, "凤凰文化", ""},
	{"silent123126_feeds__jiemian.json", ErrNotFeed, 0, "", ""},
	{"silent123126_feeds__jiemian.xml", nil, 20, "界面文化", "化妆是件衣服，男女也是件衣服｜专访"},
	{"silent123126_feeds__thepaper_1.xml", nil, 10, "澎湃思想 私家历史", "历史剧｜《太平年》的历史虚构与历史真实"},
}

func TestParseGivesTheExpectedOutcomeForEverySharedFeed(t *testing.T) {
	dir := shareddata.Dir(t, "feeds")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := make(map[string]sharedFeedOutcome, len(sharedFeedOutcomes))
	for _, o := range sharedFeedOutcomes {
		want[o.file] = o
	}
	for _, e := range entries {
		if _, ok := want[e.Name()]; !ok {
			t.Errorf("shared feed %s has no expected outcome in the table", e.Name())
		}
	}
	for _, tc := range sharedFeedOutcomes {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(data, "", ParseOptions{})
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Parse error = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(f.Items) != tc.items {
				t.Errorf("items = %d, want %d", len(f.Items), tc.items)
			}
			if tc.title != "" && f.Title != tc.title {
				t.Errorf("feed title = %q, want %q", f.Title, tc.title)
			}
			if tc.firstTitle != "" && (len(f.Items) == 0 || f.Items[0].Title != tc.firstTitle) {
				got := ""
				if len(f.Items) > 0 {
					got = f.Items[0].Title
				}
				t.Errorf("first item title = %q, want %q", got, tc.firstTitle)
			}
			if hasMojibake(f.Title) {
				t.Errorf("feed title %q looks mis-decoded", f.Title)
			}
			for i, it := range f.Items {
				if hasMojibake(it.Title) {
					t.Errorf("item %d title %q looks mis-decoded", i, it.Title)
				}
				if it.Title != strings.TrimSpace(it.Title) {
					t.Errorf("item %d title %q is not trimmed", i, it.Title)
				}
			}
		})
	}
}

func TestParseReadsTheGB2312FeedAsChinese(t *testing.T) {
	dir := shareddata.Dir(t, "feeds")
	data, err := os.ReadFile(filepath.Join(dir, "Ranchero-Software_RSParser__kc0011.rss"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(data, "text/xml", ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) == 0 {
		t.Fatal("no items")
	}
	first := f.Items[0]
	if first.Title != "建国35周年纪念，华表，和平鸽" {
		t.Errorf("first title = %q", first.Title)
	}
	if first.Author != "大鱼儿" {
		t.Errorf("first author = %q", first.Author)
	}
	// "2020/1/10 14:33:00" has no zone and gofeed cannot read it: the feed
	// is zh-cn, so it is Beijing time.
	if want := time.Date(2020, 1, 10, 6, 33, 0, 0, time.UTC); !first.Published.Equal(want) {
		t.Errorf("first published = %v, want %v", first.Published, want)
	}
	if first.URL != "http://www.kc0011.net/dispbbs.asp?BoardID=10&ID=25164257&Page=1" {
		t.Errorf("first URL = %q", first.URL)
	}
}

func TestParseGivesAtomRDFAndJSONItemsWithLinksAndDates(t *testing.T) {
	dir := shareddata.Dir(t, "feeds")
	tests := []struct {
		file      string
		firstURL  string
		firstDate time.Time
	}{
		{"Ranchero-Software_RSParser__russcox.atom", "http://research.swtch.com/tlog", time.Date(2019, 3, 1, 16, 0, 0, 0, time.UTC)},
		{"greatfire_feeds__bbc.xml", "https://dm44143bsn99b.cloudfront.net/zhongwen/simp/world/2015/03/150316_saddam_tomb_tikrit", time.Date(2015, 3, 16, 7, 32, 23, 0, time.UTC)},
		{"greatfire_feeds__dw.xml", "http://www.dw.de/格林沃尔德获德国新闻记者奖/a-18317568?maca=chi-rss-chi-all-1127-rdf", time.Date(2015, 3, 15, 16, 44, 0, 0, time.UTC)},
		{"Ranchero-Software_RSParser__bio.rdf", "http://biorxiv.org/cgi/content/short/743294v1?rss=1", time.Date(2019, 8, 27, 0, 0, 0, 0, time.UTC)},
		{"Ranchero-Software_RSParser__DaringFireball.json", "https://daringfireball.net/linked/2017/06/26/the-talk-show-195", time.Date(2017, 6, 27, 0, 54, 17, 0, time.UTC)},
		{"Ranchero-Software_RSParser__3960.json", "https://journal.3960.org/posts/2020-02-21-lecker-lecker/", time.Date(2020, 2, 21, 17, 8, 6, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(data, "", ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) == 0 {
				t.Fatal("no items")
			}
			if got := f.Items[0].URL; got != tc.firstURL {
				t.Errorf("first URL = %q, want %q", got, tc.firstURL)
			}
			if got := f.Items[0].Published; !got.Equal(tc.firstDate) {
				t.Errorf("first published = %v, want %v", got, tc.firstDate)
			}
			for i, it := range f.Items {
				if it.URL == "" {
					t.Errorf("item %d has no URL", i)
				}
				if it.Published.IsZero() {
					t.Errorf("item %d has no date", i)
				}
			}
		})
	}
}

func TestParseDecodesTheMisdeclaredMinifluxFixtures(t *testing.T) {
	dir := shareddata.Dir(t, "feeds")
	tests := []struct {
		name        string
		file        string
		contentType string
		feedTitle   string
		itemTitle   string // some item has this title
		itemText    string // some item summary contains this
	}{
		{"Windows-1251 declared in the prolog", "miniflux_v2__encoding_WINDOWS-1251.xml", "", "iBash.Org.Ru", "Цитата #17703", "Диссоциативное Расстройство"},
		{"ISO-8859-1 without a prolog or header", "miniflux_v2__no_encoding_ISO-8859-1.xml", "", "Flux RSS du magazine de psychologie Le Cercle Psy", "La criminalité liée surtout à... l'ennui ?", "L'oisiveté est mère de tous les vices"},
		{"ISO-8859-1 named only by the HTTP header", "miniflux_v2__no_encoding_ISO-8859-1.xml", "application/rss+xml; charset=ISO-8859-1", "Flux RSS du magazine de psychologie Le Cercle Psy", "La criminalité liée surtout à... l'ennui ?", ""},
		{"an invalid prolog over UTF-8", "miniflux_v2__invalid-prolog.xml", "", "테스트 피드", "Café", ""},
		{"a wrong HTTP charset over a UTF-8 feed", "miniflux_v2__rdf_UTF8.xml", "text/xml; charset=iso-8859-1", "heise online News", "OLED-TVs: Vorsichtsmaßnahmen gegen Einbrennen", ""},
		{"Urdu in UTF-8", "miniflux_v2__urdu_UTF8.xml", "", "BBC News اردو - پاکستان کے لیے امریکی امداد کی بہار و خزاں", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(data, tc.contentType, ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Title != tc.feedTitle {
				t.Errorf("feed title = %q, want %q", f.Title, tc.feedTitle)
			}
			foundTitle, foundText := tc.itemTitle == "", tc.itemText == ""
			for _, it := range f.Items {
				foundTitle = foundTitle || it.Title == tc.itemTitle
				foundText = foundText || strings.Contains(it.Summary, tc.itemText)
			}
			if !foundTitle {
				t.Errorf("no item titled %q", tc.itemTitle)
			}
			if !foundText {
				t.Errorf("no item summary contains %q", tc.itemText)
			}
		})
	}
	t.Run("a Latin-1 document declared UTF-8 is decoded but is no feed", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(dir, "miniflux_v2__iso88591_utf8_mismatch.xml"))
		if err != nil {
			t.Fatal(err)
		}
		body := zh.DecodeXML(data, "")
		if !bytes.Contains(body, []byte("Anaïs")) || !bytes.Contains(body, []byte("Jürgen")) {
			t.Errorf("decoded body = %q", body)
		}
		if _, err := Parse(data, "", ParseOptions{}); !errors.Is(err, ErrNotFeed) || !strings.Contains(err.Error(), "<note>") {
			t.Errorf("Parse error = %v, want ErrNotFeed naming <note>", err)
		}
	})
}

// rssWithTitle returns a one-item RSS document.
func rssWithTitle(prolog, title string) string {
	return prolog + `<rss version="2.0"><channel><title>` + title + `</title><item><title>` + title + `</title><link>https://example.cn/1</link></item></channel></rss>`
}

func TestParseDecodesLegacyAndMisdeclaredEncodings(t *testing.T) {
	const zh = "朱镕基会见外宾" // 镕 is in GBK but not in GB2312
	gbk := func(s string) []byte {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	utf16 := func(s string) []byte {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cp1251, err := charmap.Windows1251.NewEncoder().Bytes([]byte(rssWithTitle("", "Новости дня")))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		data        []byte
		contentType string
		want        string
	}{
		{"a gb2312 prolog over GBK bytes", gbk(rssWithTitle(`<?xml version="1.0" encoding="gb2312"?>`, zh)), "", zh},
		{"a GBK prolog", gbk(rssWithTitle(`<?xml version="1.0" encoding="GBK"?>`, zh)), "", zh},
		{"a charset named only by the HTTP header", gbk(rssWithTitle(`<?xml version="1.0"?>`, zh)), "text/xml; charset=gbk", zh},
		{"no declaration and no header over GBK bytes", gbk(rssWithTitle("", zh)), "", zh},
		{"a utf-8 prolog over GBK bytes", gbk(rssWithTitle(`<?xml version="1.0" encoding="utf-8"?>`, zh)), "", zh},
		{"a gb2312 prolog over UTF-8 bytes", []byte(rssWithTitle(`<?xml version="1.0" encoding="gb2312"?>`, zh)), "", zh},
		{"a Big5 HTTP header over UTF-8 bytes", []byte(rssWithTitle(`<?xml version="1.0"?>`, zh)), "text/xml; charset=big5", zh},
		{"an unknown encoding label over UTF-8 bytes", []byte(rssWithTitle(`<?xml version="1.0" encoding="x-nonsense"?>`, zh)), "", zh},
		{"a UTF-8 byte order mark", append([]byte{0xEF, 0xBB, 0xBF}, rssWithTitle(`<?xml version="1.0" encoding="utf-8"?>`, zh)...), "", zh},
		{"UTF-16 with a byte order mark", utf16(rssWithTitle(`<?xml version="1.0" encoding="utf-16"?>`, zh)), "", zh},
		{"Windows-1251 named by the HTTP header", cp1251, "application/rss+xml;charset=windows-1251", "Новости дня"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.data, tc.contentType, ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Title != tc.want {
				t.Errorf("feed title = %q, want %q", f.Title, tc.want)
			}
			if len(f.Items) != 1 || f.Items[0].Title != tc.want {
				t.Errorf("items = %+v, want one titled %q", f.Items, tc.want)
			}
		})
	}
}

func TestParseReadsTheFixtureFormats(t *testing.T) {
	shanghai := mustLoad(t, "Asia/Shanghai")
	tests := []struct {
		file  string
		title string
		site  string
		items []Item
	}{
		{
			file:  "rss2.xml",
			title: "示例新闻 & 评论",
			site:  "https://news.example.cn/",
			items: []Item{
				{
					GUID: "news-1001", URL: "https://news.example.cn/2023/02/28/subway.html",
					Title: `北京：地铁新线开通 "试运营"`, Author: "记者 王小明",
					Published: time.Date(2023, 2, 28, 14, 12, 24, 0, shanghai),
					Content:   "<p>地铁新线今日开通，<b>全长</b>30公里。</p>", Summary: "地铁新线今日开通。",
					Image: "https://news.example.cn/img/subway.jpg", Categories: []string{"城市", "交通"},
				},
				{
					GUID: "https://news.example.cn/2023/02/28/weather.html", URL: "https://news.example.cn/2023/02/28/weather.html",
					Title: "上海：气温回升", Published: time.Date(2023, 2, 28, 9, 30, 0, 0, shanghai),
					Image: "https://img.example.cn/weather.png",
				},
				{
					URL: "https://news.example.cn/2023/02/27/expo.html", Title: "深圳：科技展开幕",
					Published: time.Date(2023, 2, 27, 20, 0, 0, 0, shanghai),
				},
			},
		},
		{
			file:  "atom.xml",
			title: "範例新聞",
			site:  "https://tw.example.org/",
			items: []Item{
				{
					GUID: "urn:example:tw:1", URL: "https://tw.example.org/news/1", Title: "台北：捷運 <新線> 通車", Author: "陳記者",
					Published: time.Date(2023, 2, 28, 6, 12, 24, 0, time.UTC), Updated: time.Date(2023, 2, 28, 7, 0, 0, 0, time.UTC),
					Content: "<p>捷運新線今日通車。</p>", Summary: "捷運新線今日通車。", Categories: []string{"交通"},
				},
				{
					GUID: "urn:example:tw:2", URL: "https://tw.example.org/news/2", Title: "高雄：港口擴建",
					Published: time.Date(2023, 2, 27, 10, 0, 0, 0, time.UTC), Updated: time.Date(2023, 2, 27, 10, 0, 0, 0, time.UTC),
				},
			},
		},
		{
			file:  "rdf.xml",
			title: "RDF 新闻",
			site:  "https://rdf.example.com/",
			items: []Item{
				{
					URL: "https://rdf.example.com/a/1", Title: "香港：渡輪復航", Author: "李記者",
					Published: time.Date(2023, 2, 28, 6, 12, 24, 0, time.UTC), Updated: time.Date(2023, 2, 28, 6, 12, 24, 0, time.UTC),
				},
				{
					URL: "https://rdf.example.com/a/2", Title: "香港：新機場跑道",
					Published: time.Date(2023, 2, 27, 1, 0, 0, 0, time.UTC), Updated: time.Date(2023, 2, 27, 1, 0, 0, 0, time.UTC),
				},
			},
		},
		{
			file:  "feed.json",
			title: "JSON 新闻",
			site:  "https://json.example.com/",
			items: []Item{
				{
					GUID: "1", URL: "https://json.example.com/posts/1", Title: "广州：花市开锣", Author: "张三",
					Published: time.Date(2023, 2, 28, 6, 12, 24, 0, time.UTC), Updated: time.Date(2023, 2, 28, 8, 0, 0, 0, time.UTC),
					Content: "<p>花市开锣。</p>", Summary: "花市", Image: "https://json.example.com/images/flowers.jpg",
					Categories: []string{"城市", "节日"},
				},
				{
					GUID: "2", URL: "https://elsewhere.example.net/story", Title: "外部链接",
					Published: time.Date(2023, 2, 27, 8, 0, 0, 0, time.UTC),
					Content:   "<p>第一段。</p><p>第二段 &lt;不是标签&gt;。</p>",
				},
			},
		},
		{
			file:  "gbk.xml",
			title: "国务院总理朱镕基会见外宾",
			site:  "http://gbk.example.cn/",
			items: []Item{{
				URL: "http://gbk.example.cn/1.html", Title: "朱镕基：改革开放", Summary: "简体中文 GBK 编码",
				Published: time.Date(2023, 2, 28, 6, 12, 24, 0, time.UTC),
			}},
		},
		{
			file:  "big5.xml",
			title: "中央社即時新聞",
			site:  "http://big5.example.tw/",
			items: []Item{{
				URL: "http://big5.example.tw/1.html", Title: "臺灣：颱風警報解除",
				Published: time.Date(2023, 2, 28, 6, 12, 24, 0, time.UTC),
			}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := Parse(readTestdata(t, tc.file), "", ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Title != tc.title || f.SiteURL != tc.site {
				t.Errorf("feed = %q %q, want %q %q", f.Title, f.SiteURL, tc.title, tc.site)
			}
			if len(f.Items) != len(tc.items) {
				t.Fatalf("items = %d, want %d", len(f.Items), len(tc.items))
			}
			for i, want := range tc.items {
				got := f.Items[i]
				if !got.Published.Equal(want.Published) || !got.Updated.Equal(want.Updated) {
					t.Errorf("item %d dates = %v, %v; want %v, %v", i, got.Published, got.Updated, want.Published, want.Updated)
				}
				got.Published, got.Updated, want.Published, want.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
				if !equalItems(got, want) {
					t.Errorf("item %d =\n %+v\nwant\n %+v", i, got, want)
				}
			}
		})
	}
}

// equalItems compares items field by field, nil and empty categories alike.
func equalItems(a, b Item) bool {
	return slices.Equal(a.Categories, b.Categories) &&
		a.GUID == b.GUID && a.URL == b.URL && a.Title == b.Title && a.Author == b.Author &&
		a.Published.Equal(b.Published) && a.Updated.Equal(b.Updated) &&
		a.Content == b.Content && a.Summary == b.Summary && a.Image == b.Image
}

func TestParseReadsDatesInTheFeedsZone(t *testing.T) {
	rss := func(lang, date string) []byte {
		l := ""
		if lang != "" {
			l = "<language>" + lang + "</language>"
		}
		return []byte(`<rss version="2.0"><channel><title>t</title>` + l + `<item><title>i</title><pubDate>` + date + `</pubDate></item></channel></rss>`)
	}
	atom := func(lang, date string) []byte {
		return []byte(`<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="` + lang + `"><title>t</title><entry><title>i</title><updated>` + date + `</updated></entry></feed>`)
	}
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	tokyo := mustLoad(t, "Asia/Tokyo")
	tests := []struct {
		name string
		data []byte
		opts ParseOptions
		want time.Time
	}{
		{"a zone-less ISO date in a zh-CN feed is Beijing time", rss("zh-CN", "2023-02-28 14:12:24"), ParseOptions{}, utc(2023, 2, 28, 6, 12, 24)},
		{"a zone-less RFC 822 date in a zh feed is Beijing time", rss("zh", "Tue, 28 Feb 2023 14:12:24"), ParseOptions{}, utc(2023, 2, 28, 6, 12, 24)},
		{"a zone-less date in a zh-Hans feed is Beijing time", rss("zh-Hans", "2023-02-28 14:12:24"), ParseOptions{}, utc(2023, 2, 28, 6, 12, 24)},
		{"a zone-less date in a zh-TW feed is Taipei time", rss("zh-TW", "2023-02-28 14:12:24"), ParseOptions{}, utc(2023, 2, 28, 6, 12, 24)},
		{"a zone-less date in a zh-Hant feed is Taipei time", rss("zh-Hant", "2023-02-28 14:12:24"), ParseOptions{}, utc(2023, 2, 28, 6, 12, 24)},
		{"a zone-less date in a zh-HK feed is Hong Kong time", rss("zh-HK", "2023-02-28 14:12:24"), ParseOptions{}, utc(2023, 2, 28, 6, 12, 24)},
		{"a zone-less date in an English feed is UTC", rss("en-us", "2023-02-28 14:12:24"), ParseOptions{}, utc(2023, 2, 28, 14, 12, 24)},
		{"a zone-less date in a feed without language or Chinese text is UTC", rss("", "2023-02-28 14:12:24"), ParseOptions{}, utc(2023, 2, 28, 14, 12, 24)},
		{"a zone-less date follows an explicit Location", rss("zh-CN", "2023-02-28 14:12:24"), ParseOptions{Location: tokyo}, utc(2023, 2, 28, 5, 12, 24)},
		{"a zone-less Atom date in a zh-CN feed is Beijing time", atom("zh-CN", "2023-02-28T14:12:24"), ParseOptions{}, utc(2023, 2, 28, 6, 12, 24)},
		{"CST in a Chinese feed is China Standard Time", rss("zh-CN", "Tue, 28 Feb 2023 14:12:24 CST"), ParseOptions{}, utc(2023, 2, 28, 6, 12, 24)},
		{"CST in a Taiwanese feed is China Standard Time", rss("zh-TW", "Tue, 28 Feb 2023 14:12:24 CST"), ParseOptions{}, utc(2023, 2, 28, 6, 12, 24)},
		{"CST in an English feed is US Central Time", rss("en", "Tue, 28 Feb 2023 14:12:24 CST"), ParseOptions{}, utc(2023, 2, 28, 20, 12, 24)},
		{"HKT is +08:00 in any feed", rss("en", "Tue, 28 Feb 2023 14:12:24 HKT"), ParseOptions{}, utc(2023, 2, 28, 6, 12, 24)},
		{"JST is +09:00 in any feed", rss("zh-CN", "Tue, 28 Feb 2023 14:12:24 JST"), ParseOptions{}, utc(2023, 2, 28, 5, 12, 24)},
		{"GMT is exact in a Chinese feed", rss("zh-CN", "Tue, 28 Feb 2023 14:12:24 GMT"), ParseOptions{}, utc(2023, 2, 28, 14, 12, 24)},
		{"a numeric offset is exact in a Chinese feed", rss("zh-CN", "Tue, 28 Feb 2023 14:12:24 +0000"), ParseOptions{}, utc(2023, 2, 28, 14, 12, 24)},
		{"Z is exact in a Chinese feed", atom("zh-CN", "2023-02-28T14:12:24Z"), ParseOptions{}, utc(2023, 2, 28, 14, 12, 24)},
		{"an explicit Location does not override an offset", rss("zh-CN", "2023-02-28T14:12:24-05:00"), ParseOptions{Location: tokyo}, utc(2023, 2, 28, 19, 12, 24)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.data, "", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != 1 {
				t.Fatalf("items = %d, want 1", len(f.Items))
			}
			if got := f.Items[0].Published; !got.Equal(tc.want) {
				t.Errorf("published = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("a feed without language but with Chinese titles counts as Chinese", func(t *testing.T) {
		data := []byte(`<rss version="2.0"><channel><title>中文业界资讯</title><item><title>新闻标题</title><pubDate>Tue, 28 Feb 2023 14:12:24 CST</pubDate></item></channel></rss>`)
		f, err := Parse(data, "", ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := utc(2023, 2, 28, 6, 12, 24); !f.Items[0].Published.Equal(want) {
			t.Errorf("published = %v, want %v", f.Items[0].Published, want)
		}
	})
}

func TestParseFallsBackOnTheUpdateDate(t *testing.T) {
	data := `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title><language>zh-CN</language>` +
		`<item><title>i</title><atom:updated>2023-02-28T14:12:24+08:00</atom:updated></item></channel></rss>`
	f, err := Parse([]byte(data), "", ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2023, 2, 28, 6, 12, 24, 0, time.UTC)
	if it := f.Items[0]; !it.Published.Equal(want) || !it.Updated.Equal(want) {
		t.Errorf("published, updated = %v, %v; want both %v", it.Published, it.Updated, want)
	}
}

func TestParseResolvesLinks(t *testing.T) {
	tests := []struct {
		name string
		data string
		base string
		want string
	}{
		{"a relative link against the site link", `<rss version="2.0"><channel><title>t</title><link>https://site.example/news/</link><item><title>i</title><link>a/1.html</link></item></channel></rss>`, "", "https://site.example/news/a/1.html"},
		{"a root-relative link against BaseURL when there is no site link", `<rss version="2.0"><channel><title>t</title><item><title>i</title><link>/a/1.html</link></item></channel></rss>`, "https://feeds.example/rss.xml", "https://feeds.example/a/1.html"},
		{"a relative site link against BaseURL, then the item link against it", `<rss version="2.0"><channel><title>t</title><link>/news/</link><item><title>i</title><link>1.html</link></item></channel></rss>`, "https://feeds.example/rss.xml", "https://feeds.example/news/1.html"},
		{"a protocol-relative link takes the base scheme", `<rss version="2.0"><channel><title>t</title><link>https://site.example/</link><item><title>i</title><link>//cdn.example/1.html</link></item></channel></rss>`, "", "https://cdn.example/1.html"},
		{"an absolute link is kept as written", `<rss version="2.0"><channel><title>t</title><link>https://site.example/</link><item><title>i</title><link> http://other.example/新闻?a=1&amp;b=2 </link></item></channel></rss>`, "", "http://other.example/新闻?a=1&b=2"},
		{"an unmarked URL guid stands in for a missing link", `<rss version="2.0"><channel><title>t</title><item><title>i</title><guid>https://site.example/p/9</guid></item></channel></rss>`, "", "https://site.example/p/9"},
		{"a permalink guid stands in for a missing link", `<rss version="2.0"><channel><title>t</title><link>https://site.example/</link><item><title>i</title><guid isPermaLink="true">/p/9</guid></item></channel></rss>`, "", "https://site.example/p/9"},
		{"a guid that is not a permalink is no link", `<rss version="2.0"><channel><title>t</title><item><title>i</title><guid isPermaLink="false">https://site.example/p/9</guid></item></channel></rss>`, "", ""},
		{"a JSON Feed item without url uses external_url", `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","external_url":"https://ext.example/x","content_text":"x"}]}`, "", "https://ext.example/x"},
		{"a JSON Feed item prefers url to external_url", `{"version":"https://jsonfeed.org/version/1.1","home_page_url":"https://site.example/","items":[{"id":"1","url":"/p/1","external_url":"https://ext.example/x"}]}`, "", "https://site.example/p/1"},
		{"an Atom link without rel counts as alternate", `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>i</title><link href="/e/1"/></entry></feed>`, "https://atom.example/feed", "https://atom.example/e/1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.data), "", ParseOptions{BaseURL: tc.base})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != 1 {
				t.Fatalf("items = %d, want 1", len(f.Items))
			}
			if got := f.Items[0].URL; got != tc.want {
				t.Errorf("URL = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseTidiesTitles(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"surrounding whitespace and newlines are trimmed", "\n   新闻标题 \t\n", "新闻标题"},
		{"inner runs of whitespace collapse", "新闻\n  标题", "新闻 标题"},
		{"double-escaped entities are decoded", "A &amp;amp; B &amp;quot;C&amp;quot;", `A & B "C"`},
		{"numeric references are decoded", "&#20013;&#25991; &#x4E2D;", "中文 中"},
		{"HTML entities XML does not know are decoded", "a&nbsp;b &amp;mdash; c", "a b — c"},
		{"CDATA is kept as text", "<![CDATA[ <b>粗体</b> ]]>", "<b>粗体</b>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := `<rss version="2.0"><channel><title>t</title><item><title>` + tc.raw + `</title></item></channel></rss>`
			f, err := Parse([]byte(data), "", ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Items[0].Title; got != tc.want {
				t.Errorf("title = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseRejectsWhatIsNotAReadableFeed(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		want    error
		message string // the error names the reason
	}{
		{"an HTML page", []byte("<!DOCTYPE html>\n<html><head><title>新闻</title></head><body></body></html>"), ErrNotFeed, "HTML"},
		{"an HTML page without doctype", []byte("<html><body>hi</body></html>"), ErrNotFeed, "HTML"},
		{"another XML document", []byte(`<?xml version="1.0"?><note><to>x</to></note>`), ErrNotFeed, "<note>"},
		{"an empty body", nil, ErrNotFeed, "empty"},
		{"whitespace only", []byte(" \r\n\t "), ErrNotFeed, "empty"},
		{"plain text", []byte("404 page not found"), ErrNotFeed, "404 page"},
		{"a JSON array", []byte(`[{"title":"x"}]`), ErrNotFeed, "JSON array"},
		{"JSON that is not a JSON Feed", []byte(`{"title":"x","elements":[]}`), ErrNotFeed, "jsonfeed.org"},
		{"truncated RSS", []byte(`<rss version="2.0"><channel><title>x</title><item><title>a</title>`), ErrMalformed, "EOF"},
		{"truncated JSON", []byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":"1"`), ErrMalformed, "JSON"},
		{"an unterminated root tag", []byte(`<rss`), ErrNotFeed, "root element"},
		{"input over the size limit", append([]byte("<rss>"), bytes.Repeat([]byte(" "), MaxSize)...), ErrTooLarge, "limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.data, "", ParseOptions{BaseURL: "https://example.com/feed"})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Parse = %v, %v; want error %v", f, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.message) || !strings.Contains(err.Error(), "https://example.com/feed") {
				t.Errorf("error %q does not name %q and the input", err, tc.message)
			}
		})
	}
}

func TestParseAcceptsAFeedWithoutItems(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{"RSS", `<rss version="2.0"><channel><title>空</title></channel></rss>`},
		{"Atom", `<feed xmlns="http://www.w3.org/2005/Atom"><title>空</title></feed>`},
		{"JSON Feed", `{"version":"https://jsonfeed.org/version/1.1","title":"空","items":[]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.data), "", ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if f.Title != "空" || len(f.Items) != 0 {
				t.Errorf("feed = %+v, want title 空 and no items", f)
			}
		})
	}
}

func TestParseRefusesNestingThatWouldOverflowTheStack(t *testing.T) {
	// gofeed parses extension elements recursively: nested a few million
	// deep, this would be a fatal stack overflow, not an error.
	deep := `<rss version="2.0" xmlns:x="http://x.example/"><channel><title>t</title><item><title>i</title>` +
		strings.Repeat("<x:a>", (MaxSize-200)/5) + `</item></channel></rss>`
	_, err := Parse([]byte(deep), "", ParseOptions{})
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "nest deeper") {
		t.Errorf("Parse error = %v, want ErrMalformed about nesting", err)
	}
}

func TestParseAcceptsUnclosedTagsThatTheirParentCloses(t *testing.T) {
	// Raw, unescaped HTML with unclosed tags: encoding/xml's non-strict
	// mode closes them at the parent's end tag, so they never nest deep,
	// however many items hold them.
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>t</title>`)
	for range 200 {
		b.WriteString(`<item><title>i</title><description>` + strings.Repeat("line<br>", 100) + `</description></item>`)
	}
	b.WriteString(`</channel></rss>`)
	f, err := Parse([]byte(b.String()), "", ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != 200 {
		t.Errorf("items = %d, want 200", len(f.Items))
	}
}

func TestParseFindsTheRootAfterALongPreamble(t *testing.T) {
	preamble := "<!-- " + strings.Repeat("x", 8000) + " -->\n"
	data := `<?xml version="1.0" encoding="utf-8"?>` + preamble + `<rss version="2.0"><channel><title>t</title><item><title>i</title></item></channel></rss>`
	f, err := Parse([]byte(data), "", ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != 1 {
		t.Errorf("items = %d, want 1", len(f.Items))
	}
}
