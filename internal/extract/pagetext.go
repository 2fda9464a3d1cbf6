package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsvault/newsvault/internal/zh"
)

// pageScan is what one pass over a whole page finds: its visible text as
// lines, and the signs that tell an article from other kinds of pages.
type pageScan struct {
	// lines is the visible text, one line per block element or <br>,
	// whitespace collapsed, empty lines dropped: the page as a reader
	// scans it, used to find bylines and to classify the page.
	lines []string
	// aside[i] tells that lines[i] is inside an image caption,
	// navigation, a share bar or the like (see isCaptionElement and
	// isAsideElement).
	aside []bool

	tokens        int  // visible tokens (CJK characters and other words)
	linkTokens    int  // of which inside links
	headlineLinks int  // links whose text is long enough to be a headline
	passwords     int  // password inputs
	captcha       bool // a captcha or bot-check widget or script
}

// headlineLinkTokens is the link text length, in tokens, from which a link
// counts as a headline (a link to another article).
const headlineLinkTokens = 8

// scanPage walks the document once and returns its pageScan.
func scanPage(doc *html.Node) *pageScan {
	s := &pageScan{}
	var cur strings.Builder
	asideDepth := 0
	flush := func() {
		if cur.Len() == 0 {
			return
		}
		if l := trimLine(collapseSpace(cur.String())); l != "" {
			s.lines = append(s.lines, l)
			s.aside = append(s.aside, asideDepth > 0)
		}
		cur.Reset()
	}
	linkDepth, linkText := 0, 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			cur.WriteString(n.Data)
			cjk, words := zh.CountHanAndWords(n.Data)
			s.tokens += cjk + words
			if linkDepth > 0 {
				s.linkTokens += cjk + words
				linkText += cjk + words
			}
			return
		case html.ElementNode:
			if n.DataAtom == atom.Script || n.DataAtom == atom.Iframe || n.DataAtom == atom.Div || n.DataAtom == atom.Form {
				if hasCaptchaSign(n) {
					s.captcha = true
				}
			}
			if n.DataAtom == atom.Input && strings.EqualFold(attr(n, "type"), "password") {
				s.passwords++
			}
			if skippedTags[n.DataAtom] || n.DataAtom == atom.Title {
				return
			}
			if n.DataAtom == atom.Br {
				flush()
				return
			}
		}
		block := n.Type == html.ElementNode && blockTags[n.DataAtom]
		if block {
			flush()
		}
		aside := n.Type == html.ElementNode && (isCaptionElement(n) || isAsideElement(n))
		if aside {
			flush()
			asideDepth++
		}
		isLink := n.Type == html.ElementNode && n.DataAtom == atom.A
		if isLink {
			if linkDepth == 0 {
				linkText = 0
			}
			linkDepth++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if isLink {
			linkDepth--
			if linkDepth == 0 && linkText >= headlineLinkTokens {
				s.headlineLinks++
			}
		}
		if block || aside || n.Type == html.ElementNode && (n.DataAtom == atom.Td || n.DataAtom == atom.Th) {
			flush()
		}
		if aside {
			asideDepth--
		}
	}
	walk(doc)
	flush()
	return s
}

// captchaSigns appear in the script URLs, ids and classes of captcha and
// bot-check widgets (reCAPTCHA, hCaptcha, Cloudflare Turnstile and
// challenge pages, GeeTest, Tencent and Aliyun captchas).
var captchaSigns = newLiterals(
	"recaptcha", "hcaptcha", "h-captcha", "turnstile", "cf-challenge", "cf_chl", "challenge-platform",
	"cf-browser-verification", "geetest", "gt_captcha", "tencentcaptcha", "tcaptcha", "nocaptcha", "nc_1_wrapper",
	"captcha",
)

// hasCaptchaSign reports whether the element's src, id, class or action
// names a captcha or bot check.
func hasCaptchaSign(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "src", "id", "class", "action":
			if mayMatch(a.Val, captchaSigns) {
				return true
			}
		}
	}
	return false
}
