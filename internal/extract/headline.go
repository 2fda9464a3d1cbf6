package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsvault/newsvault/internal/zh"
)

// Headline lengths, in runes, that findHeadline accepts from the page.
const (
	minHeadlineRunes = 4
	maxHeadlineRunes = 120
)

// findHeadline returns the page's visible headline: the longest <h1>–<h3>
// (or element whose class or id names a title) that one of the declared
// titles (og:title, <title>, …) contains, and that is at least half as
// long as that title without its site and channel suffixes (so that a
// site logo's "某某网" is not taken for the headline). The declared titles usually add
// a channel and site name ("标题_财经_某某网"), and the visible headline
// is the part a reader sees above the article. It returns "" when no
// element matches.
func findHeadline(doc *html.Node, declared ...string) string {
	type ref struct {
		text    string // squashed
		minimum int    // runes a headline must have: half the title without its suffixes
	}
	var refs []ref
	for _, d := range declared {
		if sq := squash(d); sq != "" {
			refs = append(refs, ref{sq, (utf8.RuneCountInString(squash(stripTitleSuffixes(collapseSpace(d)))) + 1) / 2})
		}
	}
	if len(refs) == 0 {
		return ""
	}
	best, bestLen := "", 0
	var walk func(*html.Node, int)
	walk = func(n *html.Node, depth int) {
		if n.Type == html.ElementNode {
			if skippedTags[n.DataAtom] {
				return
			}
			if isHeadlineElement(n) {
				t := collapseSpace(textOf(n))
				l := utf8.RuneCountInString(t)
				if l >= minHeadlineRunes && l <= maxHeadlineRunes && l > bestLen {
					st := squash(t)
					for _, r := range refs {
						if utf8.RuneCountInString(st) >= r.minimum && strings.Contains(r.text, st) {
							best, bestLen = t, l
							break
						}
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(doc, 0)
	return best
}

// isHeadlineElement reports whether n may hold the headline.
func isHeadlineElement(n *html.Node) bool {
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3:
		return true
	case atom.Div, atom.Span, atom.P, atom.Td, atom.Strong, atom.B, atom.Font, atom.Header:
		cls := strings.ToLower(attr(n, "class") + " " + attr(n, "id"))
		return strings.Contains(cls, "title") || strings.Contains(cls, "headline") ||
			strings.Contains(cls, "biaoti") || strings.Contains(cls, "tit")
	}
	return false
}

// dropLeadingHeadline removes the first block of the content tree root
// when it repeats the headline: Result.Title holds it, and Result.Text is
// the body.
func dropLeadingHeadline(root *html.Node, headline string) {
	h := squash(headline)
	if h == "" {
		return
	}
	if b := firstTextBlock(root); b != nil && squash(b.text) == h {
		for _, n := range b.nodes {
			if n.Parent != nil {
				n.Parent.RemoveChild(n)
			}
		}
		removeEmpty(root)
	}
}

// squash removes all whitespace from s, so that titles compare regardless
// of spacing.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// chooseTitle returns the first non-empty title candidate, cleaned of a
// site-name suffix. When a later candidate extends it past a quotation
// mark, the first was cut short by an unescaped quote inside a <meta>
// content attribute (content="龙湖集团"暗伤"曝露？"), and the longer one is
// used.
func chooseTitle(site string, candidates ...string) string {
	var cleaned []string
	for _, c := range candidates {
		if c = cleanTitle(c, site); c != "" {
			cleaned = append(cleaned, c)
		}
	}
	if len(cleaned) == 0 {
		return ""
	}
	title := cleaned[0]
	for _, c := range cleaned[1:] {
		if rest, ok := strings.CutPrefix(c, title); ok && rest != "" && strings.ContainsRune(`"'“”「`, []rune(rest)[0]) {
			title += cutSiteSuffix(rest)
		}
	}
	return title
}

// cutSiteSuffix removes a short trailing "_网易新闻"-style segment from s.
func cutSiteSuffix(s string) string {
	cut := -1
	for _, sep := range titleSeparators {
		if i := strings.LastIndex(s, sep); i > cut && utf8.RuneCountInString(s[i+len(sep):]) <= maxSiteSuffixRunes {
			cut = i
		}
	}
	if cut < 0 {
		return s
	}
	return strings.TrimSpace(s[:cut])
}

// maxSiteSuffixRunes bounds the site or channel name cutSiteSuffix removes.
const maxSiteSuffixRunes = 20

// cleanTitle collapses a title's whitespace and strips what follows the
// headline: " - Site", " | Site", "_Site" when Site is the site name, and
// then trailing channel and site segments (see stripTitleSuffixes).
func cleanTitle(title, site string) string {
	title = collapseSpace(title)
	site = collapseSpace(site)
	if site != "" {
		for _, sep := range titleSeparators {
			i := strings.LastIndex(title, sep)
			if i <= 0 {
				continue
			}
			if strings.EqualFold(strings.TrimSpace(title[i+len(sep):]), site) {
				if t := strings.TrimSpace(title[:i]); t != "" {
					title = t
					break
				}
			}
		}
	}
	return stripTitleSuffixes(title)
}

// titleSeparators divide a <title> into headline, channel and site, the
// spaced ones first.
var titleSeparators = []string{" - ", " | ", " – ", " — ", " · ", " _ ", "_", "｜", "|", "-", "—", "–", "·"}

// stripTitleSuffixes removes the channel and site names that follow the
// headline in a <title>: "标题_要闻_某某网", "標題 - 自由電子報 即時新聞",
// "Headline | The Site". A segment after a spaced separator, "_", "|" or
// "｜" goes when it is short and not a sentence; one after a bare "-" or
// "—" (which headlines use too: "1900万-2900万") only when it reads as
// the name of a site or channel. What remains must be at least as long as
// the segment removed.
func stripTitleSuffixes(t string) string {
	for range maxTitleSegments {
		i, sep := lastTitleSeparator(t)
		if i < 0 {
			break
		}
		head := strings.TrimSpace(t[:i])
		seg := strings.TrimSpace(t[i+len(sep):])
		if !removableSuffix(head, seg, sep) {
			break
		}
		t = head
	}
	return t
}

// maxTitleSegments bounds how many segments stripTitleSuffixes removes.
const maxTitleSegments = 4

// lastTitleSeparator returns the position of the title separator that
// ends last in t (the longer one when two end together, so that " - " is
// not taken for "-"), or -1.
func lastTitleSeparator(t string) (int, string) {
	best, bestSep, bestEnd := -1, "", -1
	for _, sep := range titleSeparators {
		i := strings.LastIndex(t, sep)
		if i <= 0 {
			continue
		}
		if end := i + len(sep); end > bestEnd || end == bestEnd && len(sep) > len(bestSep) {
			best, bestSep, bestEnd = i, sep, end
		}
	}
	return best, bestSep
}

// removableSuffix reports whether seg, found after sep at the end of a
// title, is not part of the headline: a site or channel name, a keyword
// list, or a description appended after a spaced dash.
func removableSuffix(head, seg, sep string) bool {
	if seg == "" {
		return head != ""
	}
	headCJK, headWords := zh.CountHanAndWords(head)
	segCJK, segWords := zh.CountHanAndWords(seg)
	if utf8.RuneCountInString(head) < minHeadlineRunes {
		return false
	}
	if isKeywordList(seg) {
		return true
	}
	loose := strings.Contains(sep, " ") || sep == "_" || sep == "|" || sep == "｜"
	if loose && countSentencePunct(seg) >= 2 && segCJK+segWords > 2*(headCJK+headWords) {
		return true // "标题 - 正文第一段……"
	}
	if headCJK+headWords < segCJK+segWords || utf8.RuneCountInString(seg) > maxSiteSuffixRunes {
		return false
	}
	if looksLikeSiteName(seg) {
		return true
	}
	if r, _ := utf8.DecodeRuneInString(seg); unicode.IsDigit(r) {
		return false
	}
	return loose && countSentencePunct(seg) == 0 && !strings.ContainsAny(seg, ",，、")
}

// isKeywordList reports whether s is a list of three or more short
// keywords ("茅台酒,公款消费,公款吃喝"), as sites append to titles.
func isKeywordList(s string) bool {
	items, runes := 0, 0
	for _, it := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(",，、|｜;；", r) }) {
		if it = strings.TrimSpace(it); it != "" {
			items++
			runes += utf8.RuneCountInString(it)
		}
	}
	return items >= 3 && runes <= maxKeywordRunes*items
}

// maxKeywordRunes bounds the average item of a keyword list.
const maxKeywordRunes = 10

// siteNameEndings end the names of Chinese sites, papers and channels.
var siteNameEndings = []string{
	"网", "網", "站", "报", "報", "台", "社", "刊", "频道", "頻道", "新闻", "新聞", "中心", "首页", "首頁",
	"在线", "在線", "资讯", "資訊", "论坛", "論壇", "博客", "部落格", "要闻", "要聞", "国内", "國內",
	"国际", "國際", "财经", "財經", "娱乐", "娛樂", "体育", "體育", "科技", "健康", "社会", "社會",
	"军事", "軍事", "汽车", "汽車", "房产", "房產", "教育", "旅游", "旅遊", "时尚", "時尚", "评论", "評論",
	"快讯", "快訊", "直播", "正文",
}

// reSiteDomain matches a host name in a title segment.
var reSiteDomain = regexp.MustCompile(`(?i)(?:www\.|\.(?:com|cn|net|org|tw|hk)\b)`)

// looksLikeSiteName reports whether s reads as the name of a site or a
// channel: it ends like one (网, 报, 频道, 新闻…, ignoring a trailing
// parenthesis), or holds a host name.
func looksLikeSiteName(s string) bool {
	if i := strings.IndexAny(s, "(（"); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	for _, e := range siteNameEndings {
		if strings.HasSuffix(s, e) {
			return true
		}
	}
	return reSiteDomain.MatchString(s)
}
