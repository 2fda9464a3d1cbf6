package web

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// site is a small archive for the page tests: a healthy feed, a failing
// feed, an import pseudo-source, and articles in simplified and
// traditional Chinese and English, one with two versions and an image.
type site struct {
	*env
	feed, failing, imported                  archive.Source
	lukashenko, traditional, english, edited int64
	img                                      store.AssetRef
}

func newSite(t *testing.T, o envOptions) *site {
	t.Helper()
	e := newEnv(t, o)
	s := &site{env: e}
	s.feed = e.source(archive.Source{Kind: archive.KindFeed, FeedURL: "https://www.voachinese.com/api/zmgqoe$mqo", Title: "美国之音", Mode: archive.ModeAuto, TimeZone: "Asia/Shanghai"})
	s.failing = e.source(archive.Source{Kind: archive.KindFeed, FeedURL: "https://broken.example.com/rss.xml", Title: "坏掉的源", Mode: archive.ModeFeed})
	s.failing.LastPolledAt = time.Date(2023, 3, 1, 2, 0, 0, 0, time.UTC)
	s.failing.LastStatus, s.failing.LastError, s.failing.ErrorCount = archive.PollError, "unexpected HTTP status 503", 3
	if err := e.store.UpdateSource(t.Context(), &s.failing); err != nil {
		t.Fatal(err)
	}
	s.imported = e.source(archive.Source{Kind: archive.KindImport, FeedURL: "import:BBC", Title: "BBC", Mode: archive.ModeFeed})

	cst := time.FixedZone("+08:00", 8*3600)
	s.img = e.image(200)
	s.lukashenko = e.write(article{
		url: "https://www.voachinese.com/a/6982259.html", source: s.feed.ID, lang: "zh-CN", author: "美国之音中文网",
		title:     "普京密友白俄总统卢卡申科抵达北京",
		html:      `<p>白俄罗斯总统亚历山大·卢卡申科星期二抵达北京，对中国进行为期三天的国事访问。</p><img src="/assets/` + s.img.Asset.Hash + `" data-original-src="https://gdb.voanews.com/a.jpg" alt="资料照"><p>第二段。</p>`,
		text:      "白俄罗斯总统亚历山大·卢卡申科星期二抵达北京，对中国进行为期三天的国事访问。\n\n第二段。",
		published: time.Date(2023, 2, 28, 22, 12, 24, 0, cst),
		assets:    []store.AssetRef{s.img},
	})
	s.traditional = e.write(article{
		url: "https://www.cna.com.tw/news/1.aspx", source: s.imported.ID, lang: "zh-TW",
		title: "盧卡申科訪問北京", html: "<p>白俄羅斯總統盧卡申科抵達北京。</p>",
		published: time.Date(2023, 3, 1, 9, 0, 0, 0, cst),
	})
	s.english = e.write(article{
		url: "https://www.bbc.com/news/world-1", source: s.imported.ID, lang: "en",
		title: "Lukashenko arrives in Beijing", html: "<p>The Belarusian president arrived in Beijing on Tuesday.</p>",
		published: time.Date(2023, 2, 28, 6, 0, 0, 0, time.UTC),
	})
	s.edited = e.write(article{url: "https://www.bbc.com/zhongwen/simp/1", source: s.imported.ID, title: "初稿标题",
		html: "<p>第一版的正文。</p>", published: time.Date(2023, 1, 5, 8, 0, 0, 0, cst)})
	e.write(article{url: "https://www.bbc.com/zhongwen/simp/1", source: s.imported.ID, title: "修改后的标题",
		html: "<p>第二版的正文，改过了。</p>", published: time.Date(2023, 1, 5, 8, 0, 0, 0, cst)})
	return s
}

func TestEveryPageRendersItsKeyContent(t *testing.T) {
	s := newSite(t, envOptions{})
	for _, tc := range []struct {
		name  string
		path  string
		title string // part of <title>
		check func(t *testing.T, doc *html.Node)
	}{
		{"the front page lists the latest articles with a search box", "/", "Latest articles", func(t *testing.T, doc *html.Node) {
			items := queryAll(doc, "ol.articles li.item")
			if len(items) != 4 {
				t.Errorf("%d articles listed, want 4", len(items))
			}
			if got := textOf(query(items[0], "a.title")); got != "盧卡申科訪問北京" {
				t.Errorf("newest first: first is %q", got)
			}
			if query(items[0], "a.title[lang=zh-TW]") == nil {
				t.Error("a traditional-Chinese title is not marked lang=zh-TW")
			}
			mustQuery(t, doc, "form[action=/search] input[name=q]")
		}},
		{"the sources page shows counts, poll times and failures with their reason", "/sources", "Sources", func(t *testing.T, doc *html.Node) {
			ok := mustQuery(t, doc, "#source-"+itoa(s.feed.ID))
			if got := textOf(query(ok, ".article-count")); got != "1" {
				t.Errorf("feed article count %q, want 1", got)
			}
			if got := textOf(query(ok, ".status")); got != "never polled" {
				t.Errorf("feed status %q", got)
			}
			bad := mustQuery(t, doc, "li.source.failing#source-"+itoa(s.failing.ID))
			if got := textOf(query(bad, ".status .error")); got != "unexpected HTTP status 503" {
				t.Errorf("failing feed shows %q, want its reason", got)
			}
			if got := query(bad, ".last-poll time"); got == nil || attr(got, "datetime") != "2023-03-01T10:00:00+08:00" {
				t.Errorf("last poll time is not shown in the display zone: %v", textOf(query(bad, ".last-poll")))
			}
			imp := mustQuery(t, doc, "#source-"+itoa(s.imported.ID))
			if got := textOf(query(imp, ".article-count")); got != "3" {
				t.Errorf("import count %q, want 3", got)
			}
		}},
		{"a feed's page announces the feed and lists its articles", "/sources/" + itoa(s.feed.ID), "美国之音", func(t *testing.T, doc *html.Node) {
			alt := mustQuery(t, doc, "head link[rel=alternate][type=application/rss+xml]")
			if attr(alt, "href") != s.feed.FeedURL {
				t.Errorf("alternate link %q, want the feed URL", attr(alt, "href"))
			}
			if n := len(queryAll(doc, "ol.articles li.item")); n != 1 {
				t.Errorf("%d articles, want 1", n)
			}
			mustQuery(t, doc, "form[action=/sources/"+itoa(s.feed.ID)+"/remove]")
		}},
		{"an article shows its facts in the original zone and our image", "/articles/" + itoa(s.lukashenko), "普京密友", func(t *testing.T, doc *html.Node) {
			if got := textOf(mustQuery(t, doc, "article h1[lang=zh-CN]")); got != "普京密友白俄总统卢卡申科抵达北京" {
				t.Errorf("heading %q", got)
			}
			pub := mustQuery(t, doc, ".published time")
			if textOf(pub) != "2023-02-28 22:12 +08:00" || attr(pub, "datetime") != "2023-02-28T22:12:24+08:00" {
				t.Errorf("published shown as %q (%s), want the original zone with its offset", textOf(pub), attr(pub, "datetime"))
			}
			if got := attr(mustQuery(t, doc, "a.original"), "href"); got != "https://www.voachinese.com/a/6982259.html" {
				t.Errorf("original link %q", got)
			}
			if got := textOf(mustQuery(t, doc, "dd.source a")); got != "美国之音" {
				t.Errorf("source %q", got)
			}
			if got := textOf(mustQuery(t, doc, "dd.author")); got != "美国之音中文网" {
				t.Errorf("author %q", got)
			}
			if n := len(queryAll(doc, ".archived time")); n != 2 {
				t.Errorf("%d archive times (first and last seen), want 2", n)
			}
			img := mustQuery(t, doc, ".content img")
			if attr(img, "src") != "/assets/"+s.img.Asset.Hash || attr(img, "alt") != "资料照" {
				t.Errorf("image %v", img.Attr)
			}
			mustQuery(t, doc, "dd.versions a[href=/articles/"+itoa(s.lukashenko)+"/versions]")
		}},
		{"the versions page lists every version, newest first", "/articles/" + itoa(s.edited) + "/versions", "Versions of 修改后的标题", func(t *testing.T, doc *html.Node) {
			links := queryAll(doc, "ol.versions li a.title")
			if len(links) != 2 || attr(links[0], "href") != "/articles/"+itoa(s.edited)+"/versions/2" {
				t.Fatalf("version links %d", len(links))
			}
			if got := textOf(queryAll(doc, "ol.versions .vtitle")[1]); got != "初稿标题" {
				t.Errorf("first version's title %q", got)
			}
		}},
		{"an older version shows its own content and says which it is", "/articles/" + itoa(s.edited) + "/versions/1", "Version 1 of 初稿标题", func(t *testing.T, doc *html.Node) {
			if got := textOf(mustQuery(t, doc, ".version-notice")); !strings.HasPrefix(got, "Version 1 of 2") {
				t.Errorf("notice %q", got)
			}
			if got := textOf(mustQuery(t, doc, ".content")); got != "第一版的正文。" {
				t.Errorf("content %q", got)
			}
			mustQuery(t, doc, ".version-notice a[href=/articles/"+itoa(s.edited)+"]")
		}},
		{"the search page without a query shows the form and its filters", "/search", "Search", func(t *testing.T, doc *html.Node) {
			mustQuery(t, doc, "form.search-form input[name=q]")
			for _, name := range []string{"source", "lang", "sort"} {
				mustQuery(t, doc, "form.search-form select[name="+name+"]")
			}
			mustQuery(t, doc, "form.search-form input[type=date][name=after]")
			mustQuery(t, doc, "form.search-form input[type=date][name=before]")
			if query(doc, "ol.articles") != nil {
				t.Error("results before anything was asked")
			}
		}},
		{"the add page has the URL, feed and OPML forms", "/add", "Add", func(t *testing.T, doc *html.Node) {
			mustQuery(t, doc, "form[action=/add/url][method=post] textarea[name=urls]")
			mustQuery(t, doc, "form[action=/add/feed][method=post] input[name=feed_url]")
			mustQuery(t, doc, "form[action=/add/feed] select[name=mode] option[value=page]")
			mustQuery(t, doc, "form[action=/add/opml][enctype=multipart/form-data] input[type=file][name=opml]")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, doc := s.page(tc.path)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d", tc.path, resp.StatusCode)
			}
			if title := textOf(mustQuery(t, doc, "head title")); !strings.Contains(title, tc.title) || !strings.HasSuffix(title, "newsvault") {
				t.Errorf("title %q, want it to contain %q", title, tc.title)
			}
			mustQuery(t, doc, "link[rel=stylesheet][href^=/static/style.css?v=]")
			tc.check(t, doc)
		})
	}
}

func TestListingsArePaginatedWithStableURLs(t *testing.T) {
	e := newEnv(t, envOptions{pageSize: 2})
	src := e.source(archive.Source{Kind: archive.KindImport, FeedURL: "import:x", Title: "X"})
	for i := range 5 {
		e.write(article{url: fmt.Sprintf("https://x.example/%d", i), source: src.ID, title: fmt.Sprintf("文章%d", i),
			html: "<p>正文</p>", published: time.Date(2023, 1, 1+i, 0, 0, 0, 0, time.UTC)})
	}
	for _, tc := range []struct {
		path  string
		items []string
		next  string
		prev  string
	}{
		{"/", []string{"文章4", "文章3"}, "/?page=2", ""},
		{"/?page=2", []string{"文章2", "文章1"}, "/?page=3", "/"},
		{"/?page=3", []string{"文章0"}, "", "/?page=2"},
		{"/sources/" + itoa(src.ID) + "?page=3", []string{"文章0"}, "", "/sources/" + itoa(src.ID) + "?page=2"},
		{"/search?q=%E6%96%87%E7%AB%A0&source=&lang=&sort=date&page=2", []string{"文章2", "文章1"}, "/search?page=3&q=%E6%96%87%E7%AB%A0&sort=date", "/search?q=%E6%96%87%E7%AB%A0&sort=date"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, doc := e.page(tc.path)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var got []string
			for _, n := range queryAll(doc, "ol.articles a.title") {
				got = append(got, textOf(n))
			}
			if strings.Join(got, ",") != strings.Join(tc.items, ",") {
				t.Errorf("items %v, want %v", got, tc.items)
			}
			if n := query(doc, "nav.pager a[rel=next]"); (n == nil) != (tc.next == "") || (n != nil && attr(n, "href") != tc.next) {
				t.Errorf("next %v, want %q", n, tc.next)
			}
			if n := query(doc, "nav.pager a[rel=prev]"); (n == nil) != (tc.prev == "") || (n != nil && attr(n, "href") != tc.prev) {
				t.Errorf("prev %v, want %q", n, tc.prev)
			}
		})
	}
}

func TestMissingThingsGetANotFoundPage(t *testing.T) {
	s := newSite(t, envOptions{pageSize: 2})
	for _, path := range []string{
		"/nothing/here", "/articles/999999", "/articles/abc", "/articles/" + itoa(s.edited) + "/versions/9",
		"/articles/999999/versions", "/sources/999999", "/sources/x", "/?page=99", "/?page=0", "/?page=x",
		"/jobs/0123456789abcdef", "/static/nope.css", "/sources/",
	} {
		t.Run(path, func(t *testing.T) {
			resp, doc := s.page(path)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("status %d, want 404", resp.StatusCode)
			}
			if got := textOf(mustQuery(t, doc, "main h1")); got != "Not found" {
				t.Errorf("heading %q", got)
			}
			if textOf(mustQuery(t, doc, ".error-message")) == "" {
				t.Error("no explanation")
			}
			mustQuery(t, doc, "form.search-box")
		})
	}
}

func TestEveryResponseCarriesTheSecurityHeaders(t *testing.T) {
	s := newSite(t, envOptions{})
	for _, path := range []string{"/", "/articles/" + itoa(s.lukashenko), "/search?q=x", "/nothing", "/api/v1/articles", "/static/style.css", "/healthz"} {
		resp, _ := s.do("GET", path, nil)
		csp := resp.Header.Get("Content-Security-Policy")
		directives := map[string]string{}
		for _, d := range strings.Split(csp, ";") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), " ")
			directives[name] = val
		}
		if directives["default-src"] != "'none'" || directives["img-src"] != "'self'" || directives["script-src"] != "'self'" ||
			directives["style-src"] != "'self'" || directives["frame-ancestors"] != "'none'" {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s: headers %v", path, resp.Header)
		}
	}
	// Archived bytes are served inert.
	resp, _ := s.do("GET", "/assets/"+s.img.Asset.Hash, nil)
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("asset CSP %q", resp.Header.Get("Content-Security-Policy"))
	}
}

func TestPagesHaveNoInlineScript(t *testing.T) {
	s := newSite(t, envOptions{})
	_, doc := s.page("/articles/" + itoa(s.lukashenko))
	for _, n := range queryAll(doc, "script") {
		if attr(n, "src") == "" || textOf(n) != "" {
			t.Errorf("inline script: %v %q", n.Attr, textOf(n))
		}
	}
	for _, n := range queryAll(doc, "*") {
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("event handler attribute %s on <%s>", a.Key, n.Data)
			}
		}
	}
}

func TestRemoteImagesNeverReachThePage(t *testing.T) {
	e := newEnv(t, envOptions{})
	local := e.image(10)
	id := e.write(article{url: "https://x.example/remote", title: "远程图片",
		html: `<p>一</p><img src="https://remote.example/hotlink.jpg" alt="远程">` +
			`<picture><source srcset="https://remote.example/big.webp 2x"><img src="/assets/` + local.Asset.Hash + `"></picture>` +
			`<img src="/assets/` + local.Asset.Hash + `" srcset="https://remote.example/huge.jpg 3x">` +
			`<img src="//remote.example/protocol-relative.png">` +
			`<img src="relative/path.png">` +
			`<img src="data:image/png;base64,iVBORw0KGgo=">` +
			`<p style="background-image:url(https://remote.example/bg.png)">二</p>`,
		assets: []store.AssetRef{local}})
	resp, body := e.do("GET", "/articles/"+itoa(id), nil)
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	imgs := queryAll(doc, "img")
	if len(imgs) != 2 {
		t.Errorf("%d images on the page, want our 2 copies", len(imgs))
	}
	for _, img := range imgs {
		if !strings.HasPrefix(attr(img, "src"), "/assets/") {
			t.Errorf("remote image reaches the page: %v", img.Attr)
		}
		if attr(img, "srcset") != "" {
			t.Errorf("srcset reaches the page: %v", img.Attr)
		}
	}
	if n := queryAll(doc, "source"); len(n) != 0 {
		t.Errorf("<source> reaches the page: %v", n[0].Attr)
	}
	link := mustQuery(t, doc, ".content a.remote-image")
	if attr(link, "href") != "https://remote.example/hotlink.jpg" || !strings.Contains(textOf(link), "远程") {
		t.Errorf("the remote image is not offered as a link: %v %q", link.Attr, textOf(link))
	}
	if bytes.Contains(body, []byte("url(")) {
		t.Error("a CSS url() reaches the page")
	}
}

func TestSearchFindsSimplifiedAndTraditionalAndHighlights(t *testing.T) {
	s := newSite(t, envOptions{})
	results := func(path string) (titles []string, marks []string) {
		t.Helper()
		resp, doc := s.page(path)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		for _, n := range queryAll(doc, ".results ol.articles li.item") {
			titles = append(titles, textOf(query(n, "a.title")))
			for _, m := range queryAll(n, "p.snippet mark") {
				marks = append(marks, textOf(m))
			}
		}
		return titles, marks
	}
	q := func(v url.Values) string { return "/search?" + v.Encode() }
	for _, tc := range []struct {
		name  string
		path  string
		want  []string
		marks bool
	}{
		{"simplified finds both scripts", q(url.Values{"q": {"卢卡申科"}}), []string{"盧卡申科訪問北京", "普京密友白俄总统卢卡申科抵达北京"}, true},
		{"traditional finds both scripts", q(url.Values{"q": {"盧卡申科"}}), []string{"盧卡申科訪問北京", "普京密友白俄总统卢卡申科抵达北京"}, true},
		{"the source filter narrows", q(url.Values{"q": {"卢卡申科"}, "source": {itoa(s.feed.ID)}}), []string{"普京密友白俄总统卢卡申科抵达北京"}, true},
		{"the language filter narrows", q(url.Values{"q": {"卢卡申科"}, "lang": {"zh-TW"}}), []string{"盧卡申科訪問北京"}, true},
		{"a date range narrows", q(url.Values{"q": {"卢卡申科"}, "before": {"2023-03-01"}}), []string{"普京密友白俄总统卢卡申科抵达北京"}, true},
		{"site: in the query narrows", q(url.Values{"q": {"卢卡申科 site:voachinese.com"}}), []string{"普京密友白俄总统卢卡申科抵达北京"}, true},
		{"an unknown site: finds nothing", q(url.Values{"q": {"卢卡申科 site:nowhere.example"}}), nil, false},
		{"site: matches the articles' host and its subdomains", q(url.Values{"q": {"site:bbc.com"}}), []string{"Lukashenko arrives in Beijing", "修改后的标题"}, false},
		{"site: takes a URL too", q(url.Values{"q": {"卢卡申科 site:https://cna.com.tw/news"}}), []string{"盧卡申科訪問北京"}, true},
		{"site: is not a suffix of another name", q(url.Values{"q": {"site:c.com"}}), nil, false},
		{"English words match too", q(url.Values{"q": {"lukashenko"}}), []string{"Lukashenko arrives in Beijing"}, false},
		{"filters alone list newest first", q(url.Values{"source": {itoa(s.imported.ID)}}), []string{"盧卡申科訪問北京", "Lukashenko arrives in Beijing", "修改后的标题"}, false},
		{"sorting by date puts the newest first", q(url.Values{"q": {"北京"}, "sort": {"date"}}), []string{"盧卡申科訪問北京", "普京密友白俄总统卢卡申科抵达北京"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			titles, marks := results(tc.path)
			if strings.Join(titles, "|") != strings.Join(tc.want, "|") {
				// Relevance order between equal hits is the store's business.
				if len(titles) != len(tc.want) || tc.name == "sorting by date puts the newest first" || !sameSet(titles, tc.want) {
					t.Errorf("results %q, want %q", titles, tc.want)
				}
			}
			if tc.marks && len(marks) == 0 {
				t.Error("no highlighted match in the snippets")
			}
		})
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestSearchSnippetsAreEscapedText(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.write(article{url: "https://x.example/xss", title: "注入测试", html: "<p>x</p>", text: `注入测试 <script>alert(1)</script> <b>粗</b>`})
	_, body := e.do("GET", "/search?q="+url.QueryEscape("注入测试"), nil)
	doc, _ := html.Parse(bytes.NewReader(body))
	snip := mustQuery(t, doc, "p.snippet")
	if query(snip, "script") != nil || query(snip, "b") != nil {
		t.Errorf("markup from the text reached the snippet: %s", body)
	}
	if !strings.Contains(textOf(snip), "<script>") {
		t.Errorf("snippet %q should show the text as text", textOf(snip))
	}
}

func TestSearchFilterMistakesAreShown(t *testing.T) {
	e := newEnv(t, envOptions{})
	resp, doc := e.page("/search?q=x&before=yesterday")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
	if got := textOf(mustQuery(t, doc, "p.error")); !strings.Contains(got, "before") {
		t.Errorf("error %q does not name the field", got)
	}
	if attr(mustQuery(t, doc, "input[name=q]"), "value") != "x" {
		t.Error("the query was not kept in the form")
	}
}

func TestTheAddFeedFormFollowsAFeed(t *testing.T) {
	e := newEnv(t, envOptions{})
	post := func(v url.Values, header ...string) (*http.Response, []byte) {
		return e.do("POST", "/add/feed", strings.NewReader(v.Encode()), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
	}
	resp, _ := post(url.Values{"feed_url": {"https://feeds.example.com/rss.xml"}, "mode": {"page"}, "title": {"例子"}, "time_zone": {"Asia/Taipei"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/sources/") {
		t.Fatalf("follow: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(resp.Header.Get("Location"), "/sources/"), 10, 64)
	src, err := e.store.Source(t.Context(), id)
	if err != nil || src.Mode != archive.ModePage || src.Title != "例子" || src.TimeZone != "Asia/Taipei" || src.Interval != defaultInterval {
		t.Errorf("stored %+v %v", src, err)
	}

	// A feed added without a title is named by its host until a poll
	// gives it one, and says it has not been polled.
	resp, _ = post(url.Values{"feed_url": {"https://www.untitled.example/news/rss.xml?x=1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("follow without a title: %d", resp.StatusCode)
	}
	_, doc := e.page(resp.Header.Get("Location"))
	if h := textOf(mustQuery(t, doc, "h1")); h != "untitled.example (not polled yet)" {
		t.Errorf("heading of an untitled feed: %q", h)
	}
	_, doc = e.page("/sources")
	found := false
	for _, h := range queryAll(doc, "li.source h3") {
		found = found || textOf(h) == "untitled.example (not polled yet)"
	}
	if !found {
		t.Errorf("the sources page does not name the untitled feed by its host")
	}

	for _, tc := range []struct {
		name string
		form url.Values
		code int
		want string
	}{
		{"a feed followed twice is refused", url.Values{"feed_url": {"https://feeds.example.com/rss.xml"}}, http.StatusConflict, "already followed"},
		{"a mode that does not exist is refused", url.Values{"feed_url": {"https://b.example.com/rss"}, "mode": {"sometimes"}}, http.StatusBadRequest, "mode"},
		{"a zone that does not exist is refused", url.Values{"feed_url": {"https://b.example.com/rss"}, "time_zone": {"Mars/Olympus"}}, http.StatusBadRequest, "time zone"},
		{"a non-web URL is refused", url.Values{"feed_url": {"file:///etc/passwd"}}, http.StatusBadRequest, "not an http"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(tc.form)
			if resp.StatusCode != tc.code {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.code)
			}
			doc, _ := html.Parse(bytes.NewReader(body))
			if got := textOf(query(doc, "form[action=/add/feed] p.error")); !strings.Contains(got, tc.want) {
				t.Errorf("error %q, want %q", got, tc.want)
			}
			if attr(mustQuery(t, doc, "input[name=feed_url]"), "value") != tc.form.Get("feed_url") {
				t.Error("what was typed is lost")
			}
		})
	}
}

func TestFormPostsFromOtherSitesAreRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	form := url.Values{"feed_url": {"https://feeds.example.com/rss.xml"}}.Encode()
	resp, _ := e.do("POST", "/add/feed", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded",
		"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %d, want 403", resp.StatusCode)
	}
	resp, _ = e.do("DELETE", "/api/v1/sources/1", nil, "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin API delete: %d, want 403", resp.StatusCode)
	}
	srcs, _ := e.store.Sources(t.Context())
	if len(srcs) != 0 {
		t.Errorf("a cross-site post changed the archive: %+v", srcs)
	}
	resp, _ = e.do("POST", "/add/feed", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded",
		"Sec-Fetch-Site", "same-origin", "Origin", e.http.URL)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin post: %d, want 303", resp.StatusCode)
	}
}

func TestRequestsForOtherHostsAreRefused(t *testing.T) {
	e := newEnv(t, envOptions{allowedHosts: []string{"localhost", "127.0.0.1", "::1"}})
	if resp, _ := e.do("GET", "/", nil); resp.StatusCode != 200 {
		t.Errorf("127.0.0.1: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", e.http.URL+"/api/v1/sources", nil)
	req.Host = "rebound.evil.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("foreign Host: %d, want 421", resp.StatusCode)
	}
}

func TestAnOPMLUploadFollowsItsFeeds(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.source(archive.Source{Kind: archive.KindFeed, FeedURL: "https://a.example.com/rss", Title: "A"})
	upload := func(content string) (*http.Response, *html.Node) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("opml", "subs.opml")
		fw.Write([]byte(content))
		mw.WriteField("mode", "feed")
		mw.Close()
		resp, body := e.do("POST", "/add/opml", &buf, "Content-Type", mw.FormDataContentType())
		doc, _ := html.Parse(bytes.NewReader(body))
		return resp, doc
	}
	resp, doc := upload(`<?xml version="1.0"?><opml version="2.0"><body>
		<outline text="A" xmlUrl="https://a.example.com/rss"/>
		<outline text="新闻"><outline text="乙" xmlUrl="https://b.example.com/rss" htmlUrl="https://b.example.com/"/></outline>
		<outline text="bad" xmlUrl="javascript:alert(1)"/>
	</body></opml>`)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	report := mustQuery(t, doc, ".opml-report")
	if got := textOf(query(report, "p")); got != "Followed 1 new feed, skipped 2." {
		t.Errorf("report %q", got)
	}
	if got := textOf(query(report, "ul li a")); got != "乙" {
		t.Errorf("added %q", got)
	}
	srcs, _ := e.store.Sources(t.Context())
	if len(srcs) != 2 || srcs[1].FeedURL != "https://b.example.com/rss" || srcs[1].Mode != archive.ModeFeed || srcs[1].SiteURL != "https://b.example.com/" {
		t.Errorf("sources %+v", srcs)
	}

	resp, doc = upload("<html>not opml</html>")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(textOf(query(doc, "form[action=/add/opml] p.error")), "OPML") {
		t.Errorf("not OPML: %d %q", resp.StatusCode, textOf(query(doc, "p.error")))
	}
	resp, _ = upload(`<opml><body>` + strings.Repeat(`<outline text="x"/>`, maxOPML/18) + `</body></opml>`)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: %d, want 413", resp.StatusCode)
	}
}

func TestStopFollowingKeepsTheArticles(t *testing.T) {
	s := newSite(t, envOptions{})
	resp, _ := s.do("POST", "/sources/"+itoa(s.feed.ID)+"/remove", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sources" {
		t.Fatalf("remove: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, doc := s.page("/sources")
	if query(doc, "#source-"+itoa(s.feed.ID)) != nil {
		t.Error("the removed feed is still listed")
	}
	if resp, _ := s.page("/articles/" + itoa(s.lukashenko)); resp.StatusCode != 200 {
		t.Errorf("its article: %d", resp.StatusCode)
	}
	if resp, _ := s.do("POST", "/sources/"+itoa(s.feed.ID)+"/remove", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("removing twice: %d", resp.StatusCode)
	}
}

func TestStaticFilesAreCachedByContent(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, doc := e.page("/")
	href := attr(mustQuery(t, doc, "link[rel=stylesheet]"), "href")
	resp, body := e.do("GET", href, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s: %d %v", href, resp.StatusCode, resp.Header)
	}
	for _, want := range []string{"Noto Sans CJK SC", "PingFang SC", "prefers-color-scheme: dark", "line-height: 1.85"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("style sheet lacks %q", want)
		}
	}
	if bytes.Contains(body, []byte("justify")) {
		t.Error("style sheet justifies text")
	}
	src := attr(mustQuery(t, doc, "script[src]"), "src")
	if resp, _ := e.do("GET", src, nil); resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("GET %s: %d", src, resp.StatusCode)
	}
}

func TestAnEmptySearchFormShowsNoResults(t *testing.T) {
	s := newSite(t, envOptions{})
	resp, doc := s.page("/search?q=&source=&lang=&after=&before=&sort=relevance")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if query(doc, ".results") != nil {
		t.Error("an empty form listed results")
	}
}

// A new archive's front page says how to fill it, with links to the forms
// that do (which exist on the add page), or to the login that opens them.
func TestTheEmptyFrontPageSaysWhatToDoFirst(t *testing.T) {
	e := newEnv(t, envOptions{})
	_, doc := e.page("/")
	steps := mustQuery(t, doc, "section.first-steps")
	_, add := e.page("/add")
	for _, form := range []string{"add-feed", "add-url", "add-opml"} {
		link := query(steps, `a[href="/add#`+form+`"]`)
		if link == nil {
			t.Errorf("no link to the %s form: %s", form, textOf(steps))
			continue
		}
		if query(add, "#"+form) == nil {
			t.Errorf("the add page has no #%s to land on", form)
		}
	}
	if !strings.Contains(textOf(steps), "newsvault import DIR") {
		t.Errorf("importing a mirror is not mentioned: %s", textOf(steps))
	}

	resp, body := e.anon("GET", "/", nil)
	anon, _ := html.Parse(bytes.NewReader(body))
	if resp.StatusCode != http.StatusOK || query(anon, `section.first-steps a[href="/login"]`) == nil {
		t.Errorf("an anonymous reader is not told to log in: %d %s", resp.StatusCode, body)
	}

	e.write(article{url: "https://a.example/1", title: "第一篇", html: "<p>正文</p>"})
	if _, doc := e.page("/"); query(doc, "section.first-steps") != nil {
		t.Error("the first steps still show once there are articles")
	}
}
