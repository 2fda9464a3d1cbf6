package watch

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// Remover says who removed an article, as far as the page tells.
type Remover string

// Removers. A notice that names nobody leaves RemoverUnknown.
const (
	RemoverUnknown   Remover = "unknown"
	RemoverPublisher Remover = "publisher" // the author, the account or the site's editors
	RemoverPlatform  Remover = "platform"  // the platform, for breaking its rules or the law
	RemoverComplaint Remover = "complaint" // after a complaint (by users, a rights holder, a court)
)

// Notice is a removal notice found in a page that answered in place of an
// article.
type Notice struct {
	Platform string  // "wechat", "weibo", "zhihu", "douyin", "toutiao" or "" for a generic page
	By       Remover // who removed the article
	Text     string  // the lines of the page that say so, verbatim, one per line
}

// noticeRule is one phrase removal pages use. The rules are tried in order
// and the first one that matches a line decides Platform and By, so the
// most specific phrases (a complaint, an author's deletion) come first.
type noticeRule struct {
	platform string
	by       Remover
	re       *regexp.Regexp
}

// noticeRules are the phrases of removal notices. Each is matched against
// one line of a short page. Platform phrases are checked before generic
// not-found phrases, and who removed an article before "removed" alone.
var noticeRules = []noticeRule{
	// WeChat official-account articles (mp.weixin.qq.com).
	{"wechat", RemoverComplaint, regexp.MustCompile(`此内容被(?:多人)?投诉|经用户投诉|由用户投诉并经平台审核|接到(?:权利人|相关)?投诉|因(?:被)?投诉`)},
	{"wechat", RemoverPublisher, regexp.MustCompile(`该内容已被发布者删除|此内容已被发布者删除|该文章已被作者删除|此帐号已自主注销|此账号已自主注销`)},
	{"wechat", RemoverPlatform, regexp.MustCompile(`此内容因违规无法查看|该内容因违规无法查看|此帐号已被屏蔽|此账号已被屏蔽|该公众号已被(?:封禁|屏蔽)|涉嫌违反相关法律法规和政策`)},
	// Weibo.
	{"weibo", RemoverComplaint, regexp.MustCompile(`该微博因被(?:多人)?投诉|此微博因被(?:多人)?投诉`)},
	{"weibo", RemoverPublisher, regexp.MustCompile(`此微博已被(?:作者|原作者|博主)删除|该微博已被(?:作者|原作者|博主)删除|由于作者设置.{0,12}(?:查看权限|无法查看)`)},
	{"weibo", RemoverPlatform, regexp.MustCompile(`该微博(?:内容)?因违反|此微博(?:内容)?因违反|根据《微博社区公约》|已被(?:微博)?管理员删除`)},
	{"weibo", RemoverUnknown, regexp.MustCompile(`(?:该|此)(?:条)?微博已(?:被)?删除|(?:该|此)(?:条)?微博不存在|微博不存在或暂无查看权限`)},
	// Zhihu, Douyin, Toutiao.
	{"zhihu", RemoverPublisher, regexp.MustCompile(`(?:该|此)(?:回答|文章|内容)已被作者删除|作者已删除(?:该|此)?(?:回答|文章)`)},
	{"zhihu", RemoverPlatform, regexp.MustCompile(`(?:该|此)(?:回答|文章|内容)(?:因|由于).{0,10}(?:违反|违规).{0,30}(?:删除|无法查看|不予显示)`)},
	{"zhihu", RemoverUnknown, regexp.MustCompile(`你似乎来到了没有知识存在的荒原`)},
	{"douyin", RemoverUnknown, regexp.MustCompile(`(?:该|此)?(?:作品|视频)(?:已删除|已被删除|不存在|已下架)|你要观看的视频不存在`)},
	{"toutiao", RemoverUnknown, regexp.MustCompile(`(?:该|此)?(?:内容|文章)(?:已下架|已被下架)`)},
	// Any platform or site: who, when the page says so.
	{"", RemoverComplaint, regexp.MustCompile(`(?i)(?:因|由于|经)(?:用户|权利人|网友)?(?:投诉|举报)|\b(?:due to|following|after) an? (?:legal |copyright |dmca )?(?:complaint|takedown)|\bdmca\b`)},
	{"", RemoverPublisher, regexp.MustCompile(`(?i)(?:已被|已由)(?:作者|发布者|发布人|博主|原作者|编辑)(?:删除|撤回|撤下)|\b(?:removed|deleted|withdrawn) by (?:the )?(?:author|publisher|editors?|owner|user)\b`)},
	{"", RemoverPlatform, regexp.MustCompile(`(?i)(?:根据|依据)(?:相关)?法律法规(?:和政策)?|因违规|违反(?:了)?(?:相关)?(?:规定|法律法规|社区公约|用户协议)|\bviolat(?:es|ed|ing|ion of) (?:our |the )?(?:community |content )?(?:guidelines|rules|policy|policies|terms)\b`)},
	// Generic not-found and deleted pages.
	{"", RemoverUnknown, regexp.MustCompile(`(?i)页面不存在|页面已(?:被)?删除|页面未找到|页面找不到|网页不存在|網頁不存在|頁面不存在|找不到(?:该|此|您(?:要|所)?(?:访问|请求)?的)?(?:页面|网页|網頁|頁面|文章|内容)|` +
		`(?:您|你)(?:所|要)?(?:访问|訪問|请求|查看|找)的(?:页面|网页|網頁|頁面|内容|文章|新闻|信息)(?:不存在|已(?:被)?删除|已下线|不见了|找不到)|` +
		`(?:该|此|本)?(?:文章|内容|信息|新闻|稿件|页面|網頁|頁面|內容|帖子)(?:已经|已被|已經|已)(?:被)?(?:删除|刪除|下线|下線|撤销|撤下|撤稿|移除|屏蔽|失效|过期|過期)|` +
		`(?:内容|文章|信息|新闻)不存在|` +
		`\b(?:page|article|story|post|content)s? (?:was |is |has been )?(?:not found|does not exist|doesn't exist|no longer (?:exists|available)|(?:has been |was )?(?:removed|deleted))\b|` +
		`\bthis (?:page|content|post|article|story) (?:isn't|is not) available\b|^\s*(?:404|410)?\s*(?:error\s*)?[-:]?\s*not found\s*$|^\s*(?:404|410)\b`)},
}

// maxNoticeRunes bounds the visible text of a page taken for a removal
// notice: notices are short, and an article quoting one is long.
const maxNoticeRunes = 1500

// maxNoticeLine bounds one line quoted from a notice.
const maxNoticeLine = 300

// DetectNotice looks for a removal notice in a page's title and visible
// text, one line at a time. It returns false when the page is too long to
// be a notice (an article may quote one) or no line matches.
func DetectNotice(title, text string) (Notice, bool) {
	if utf8.RuneCountInString(text) > maxNoticeRunes {
		return Notice{}, false
	}
	lines := append([]string{title}, strings.Split(text, "\n")...)
	best := -1
	var quoted []string
	seen := map[string]bool{}
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || utf8.RuneCountInString(l) > maxNoticeLine {
			continue
		}
		for i, r := range noticeRules {
			if !r.re.MatchString(l) {
				continue
			}
			if best < 0 || i < best {
				best = i
			}
			if !seen[l] {
				seen[l] = true
				quoted = append(quoted, l)
			}
			break
		}
	}
	if best < 0 {
		return Notice{}, false
	}
	n := Notice{Platform: noticeRules[best].platform, By: noticeRules[best].by, Text: strings.Join(quoted, "\n")}
	if n.Platform == "" {
		n.Platform = platformOf(quoted)
	}
	return n, true
}

// platformOf names the platform of a notice matched only by a generic rule
// when one of its lines matched a platform rule.
func platformOf(lines []string) string {
	for _, l := range lines {
		for _, r := range noticeRules {
			if r.platform != "" && r.re.MatchString(l) {
				return r.platform
			}
		}
	}
	return ""
}

// maxPageBytes bounds how much of a body PageText reads.
const maxPageBytes = 2 << 20

// PageText returns the title and the visible text of an HTML page, one
// line per block, decoding the charset the Content-Type header or the page
// declares. Scripts, styles and templates contribute nothing. Only the
// first 2 MiB of the body are read.
func PageText(body []byte, contentType string) (title, text string) {
	if len(body) > maxPageBytes {
		body = body[:maxPageBytes]
	}
	r, err := charset.NewReader(bytes.NewReader(body), contentType)
	if err != nil {
		r = bytes.NewReader(body)
	}
	doc, err := html.Parse(io.LimitReader(r, 4*maxPageBytes))
	if err != nil {
		return "", ""
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Head:
				if n.DataAtom == atom.Head {
					if t := findTitle(n); t != "" {
						title = t
					}
				}
				return
			case atom.Title:
				title = strings.TrimSpace(nodeText(n))
				return
			}
		}
		block := n.Type == html.ElementNode && blockElements[n.DataAtom]
		if block {
			b.WriteByte('\n')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			b.WriteByte('\n')
		}
	}
	walk(doc)
	var lines []string
	for _, l := range strings.Split(b.String(), "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(strings.Fields(title), " "), strings.Join(lines, "\n")
}

var blockElements = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Section: true,
	atom.Article: true, atom.Header: true, atom.Footer: true, atom.Main: true, atom.Nav: true,
	atom.Tr: true, atom.Table: true, atom.Ul: true, atom.Ol: true, atom.Blockquote: true,
	atom.Figure: true, atom.Figcaption: true, atom.Aside: true, atom.Form: true, atom.Span: false,
	atom.Pre: true, atom.Hr: true, atom.Dt: true, atom.Dd: true, atom.Button: true,
}

func findTitle(head *html.Node) string {
	for c := head.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Title {
			return strings.TrimSpace(nodeText(c))
		}
	}
	return ""
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}
