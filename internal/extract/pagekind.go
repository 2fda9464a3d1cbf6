package extract

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/newsvault/newsvault/internal/zh"
)

// This file tells articles from the pages that stand in for them: error
// pages served with status 200 ("soft 404s"), captcha and bot walls, login
// and paywalls, index pages, and script shells without text. Each check
// needs two kinds of evidence — what the page says (title, phrases) and
// how little article text it has — so that an article about a 404 error
// or a captcha is still an article.

var (
	// reErrorPage matches the titles and messages of not-found, removed and
	// failed pages.
	reErrorPage = regexp.MustCompile(`(?i)^\s*(?:error\s*)?(?:400|403|404|410|500|502|503)(?:\s|$|[:：\-_|!！.])|` +
		`\b(?:page|file|article|content|post)s? (?:was |is )?(?:not found|does not exist|doesn't exist|no longer (?:exists|available)|has been (?:removed|deleted)|cannot be found|could not be found|unavailable)\b|` +
		`^\s*not found\s*$|\bnot found\b.{0,20}$|^\s*(?:error|oops)[!！.]*\s*$|service (?:temporarily )?unavailable|bad gateway|internal server error|` +
		`页面不存在|页面未找到|页面找不到|找不到(?:该|此|您(?:要|所)?(?:访问|请求)?的)?(?:页面|网页|文章|内容)|網頁不存在|頁面不存在|找不到(?:網頁|頁面)|無法找到(?:網頁|頁面|該頁)|` +
		`(?:文章|内容|信息|新闻|稿件|页面|網頁|頁面|內容|文章)(?:已经|已被|已|不|已經)(?:被)?(?:删除|刪除|下线|下線|撤销|撤下|存在|移除|屏蔽|失效|过期|過期)|` +
		`该内容已被发布者删除|此内容因违规无法查看|此内容被(?:多人)?投诉|该公众号已(?:迁移|被封)|` +
		`(?:您|你)(?:所)?(?:访问|訪問|请求|要找)的(?:页面|網頁|頁面|内容|文章)|出错了|出錯了|发生错误|系统错误|系統錯誤|服务器错误|伺服器錯誤`)

	// reChallenge matches the titles and messages of captcha and bot walls.
	reChallenge = regexp.MustCompile(`(?i)just a moment|attention required|verify(?:ing)? (?:that )?you are (?:a )?human|are you (?:a )?(?:robot|human)|` +
		`checking (?:your browser|if the site connection is secure)|enable javascript and cookies to continue|ddos protection|` +
		`bot (?:check|protection|verification)|human verification|security check|access denied|unusual traffic|press (?:&|and) hold|` +
		`人机验证|人機驗證|安全验证|安全驗證|请完成(?:安全)?验证|請完成(?:安全)?驗證|请输入验证码|請輸入驗證碼|滑动(?:滑块|验证)|拖动滑块|向右滑动|` +
		`访问验证|验证您(?:是否)?(?:是)?真人|请证明你不是机器人|异常访问|访问过于频繁|操作过于频繁|访问受限|系统检测到您的.{0,12}异常|环境异常`)

	// reLoginWall matches the messages of login and paywalls: the rest of
	// the article is there for those who log in, subscribe or pay.
	reLoginWall = regexp.MustCompile(`(?i)(?:登录|登入|订阅|訂閱|付费|付費|购买|購買|开通会员|開通會員|成为会员|成為會員)(?:后|後|即可|才能|以|之后|之後)(?:继续|繼續)?(?:阅读|閱讀|查看|浏览|瀏覽|观看|觀看)(?:全文|完整|剩余|剩餘|更多|本文)?|` +
		`(?:阅读|閱讀|查看)(?:全文|完整内容|完整內容|剩余内容)(?:需|需要|请|請)(?:先)?(?:登录|登入|订阅|訂閱|付费|付費)|剩余\s*\d+%\s*未读|付费(?:阅读|文章)|會員專屬文章|会员专享(?:内容|文章)|` +
		`\bsubscribe (?:now )?to (?:continue|read|keep reading|unlock)|\bto continue reading,? (?:please )?(?:subscribe|sign in|log ?in|register)|` +
		`\b(?:sign|log) ?in to (?:continue|read|keep reading|view this)|create a free account to (?:continue|read)|` +
		`this (?:article|content|story) is (?:only )?(?:for|available (?:only )?to|reserved for|exclusive to) (?:paid )?(?:subscribers|members)|` +
		`\bsubscribers? only\b`)
)

// Limits, in tokens, below which a page with the matching signs is taken
// for that kind of page rather than for an article about it.
const (
	minPageTokens       = 10  // a page with less visible text is a shell
	maxWallTokens       = 300 // challenge and login pages are short
	maxErrorPageTokens  = 500 // a soft 404 may still carry menus and links
	maxErrorContent     = 300 // …and its "article" is a short message
	maxPaywallContent   = 200 // a paywalled article shows a teaser at most
	minListingLinks     = 6   // headline links in a listing's main block
	minListingTeasers   = 4   // prose teasers following headline links
	maxListingProseToks = 40  // a listing without teasers has no prose
	maxTeaserTokens     = 80  // a teaser is a short paragraph
)

// classifyBefore decides from the page alone, before any extraction,
// whether it is clearly not an article. It returns "" when it may be one.
//
// A page that shows a headline (headlined) and a paragraph of prose is
// not taken for a challenge or a login page for its captcha, password
// field or "enter the code" line alone: those sit in comment forms and
// site headers above short articles too.
func classifyBefore(title string, s *pageScan, headlined bool) (kind, reason string) {
	article := func() bool { return headlined && hasProseLine(s) }
	switch {
	case s.tokens < minPageTokens && isErrorTitle(title):
		return KindError, "error page: title " + quote(title)
	case s.tokens < minPageTokens:
		if l := firstMatch(s.lines, reErrorPage); l != "" {
			return KindError, "error page: " + quote(l)
		}
		return KindEmpty, "no article content: the page has no visible text (a script-rendered shell?)"
	case s.tokens < maxWallTokens && isShortTitle(title) && reChallenge.MatchString(title):
		return KindChallenge, "bot check: title " + quote(title)
	case s.tokens < maxWallTokens && s.captcha && !article():
		return KindChallenge, "bot check: a captcha and little text"
	case s.tokens < maxWallTokens && s.passwords > 0 && !article():
		return KindLogin, "login form and little text"
	case s.tokens < maxErrorPageTokens && isErrorTitle(title):
		return KindError, "error page: title " + quote(title)
	}
	if s.tokens < maxWallTokens && !article() {
		if l := firstMatch(s.lines, reChallenge); l != "" {
			return KindChallenge, "bot check: " + quote(l)
		}
	}
	return "", ""
}

// classifyAfter decides, once the content is known (nil when none was
// found), whether the page is an article. It returns "" for an article.
func classifyAfter(title string, s *pageScan, c *candidate, contentTokens int) (kind, reason string) {
	if c != nil && contentTokens > 0 {
		switch {
		case contentTokens < maxErrorContent && isErrorTitle(title):
			return KindError, "error page: title " + quote(title)
		case contentTokens < maxPaywallContent:
			if l := firstMatch(s.lines, reLoginWall); l != "" {
				return KindLogin, "paywall or login wall: " + quote(l)
			}
		}
		if st := c.listing; st != nil && isListing(*st) {
			return KindListing, "index page: " + strconv.Itoa(st.linkHeads) + " headline links and no article text"
		}
		return "", ""
	}
	// Nothing that reads as an article: say what the page is instead.
	if l := firstMatch(s.lines, reErrorPage); l != "" && s.tokens < maxErrorPageTokens {
		return KindError, "error page: " + quote(l)
	}
	if l := firstMatch(s.lines, reLoginWall); l != "" {
		return KindLogin, "paywall or login wall: " + quote(l)
	}
	switch {
	case s.captcha:
		return KindChallenge, "bot check: a captcha and no article text"
	case s.passwords > 0:
		return KindLogin, "login form and no article text"
	case s.headlineLinks >= minListingLinks:
		return KindListing, "index page: " + strconv.Itoa(s.headlineLinks) + " headline links and no article text"
	}
	return KindEmpty, "no article content"
}

// isListing reports whether a content tree with these statistics is an
// index page's list of articles: many headline links, and either no prose
// at all or only short teasers, about one per link. (News articles also
// carry headline links between their paragraphs, but fewer, and longer
// paragraphs.)
func isListing(st pruneStats) bool {
	if st.linkHeads < minListingLinks {
		return false
	}
	if st.proseTokens < maxListingProseToks {
		return true
	}
	return st.teasers >= minListingTeasers && st.teasers*2 >= st.proseBlocks &&
		st.linkHeads*2 >= st.proseBlocks && st.longest < maxTeaserTokens
}

// isErrorTitle reports whether title, without its site name, is an error
// message ("页面不存在 - 某某网", "404 Not Found | Site") rather than a
// headline that mentions one.
func isErrorTitle(title string) bool {
	return isShortTitle(title) && reErrorPage.MatchString(stripTitleSuffixes(collapseSpace(title)))
}

// isShortTitle reports whether title, without its site name, is short
// enough to be a status message.
func isShortTitle(title string) bool {
	return utf8.RuneCountInString(stripTitleSuffixes(collapseSpace(title))) <= maxStatusTitleRunes
}

// maxStatusTitleRunes bounds the titles read as status messages.
const maxStatusTitleRunes = 24

// hasProseLine reports whether the page has a line of prose outside
// navigation, captions and the like: minProseLineTokens tokens or more,
// with a sentence's end.
func hasProseLine(s *pageScan) bool {
	for i, l := range s.lines {
		if s.aside[i] || !strings.ContainsAny(l, "。！？.!?") {
			continue
		}
		if cjk, words := zh.CountHanAndWords(l); cjk+words >= minProseLineTokens {
			return true
		}
	}
	return false
}

// minProseLineTokens is the length of a line hasProseLine takes for prose.
const minProseLineTokens = 20

// firstMatch returns the first short line that re matches, or "".
func firstMatch(lines []string, re *regexp.Regexp) string {
	for _, l := range lines {
		if len(l) <= maxSignLineBytes && re.MatchString(l) {
			return l
		}
	}
	return ""
}

// maxSignLineBytes bounds the lines firstMatch looks at: messages are
// short, and prose that mentions them is not one.
const maxSignLineBytes = 240

// quote shortens s for an error message.
func quote(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "…"
	}
	return `"` + strings.TrimSpace(s) + `"`
}
