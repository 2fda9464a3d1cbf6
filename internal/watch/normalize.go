package watch

import (
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/newsvault/newsvault/internal/diff"
	"github.com/newsvault/newsvault/internal/zh"
)

// Normalisation removes what changes between two fetches of an unchanged
// article: counters, relative times, share and boilerplate lines,
// whitespace, tracking parameters and the re-pointing of images at our own
// copies. Two versions whose normalised forms are equal are the same
// version as far as watching is concerned.

// reCounter matches view, like, comment and share counters and relative
// times ("阅读量 1234", "点赞 5", "浏览次数：10万+", "1,234 views", "3小时前").
var reCounter = regexp.MustCompile(`(?i)(?:阅读量|阅读数|阅读|閱讀|浏览量|浏览次数|浏览|瀏覽|点击量|点击数|点击|點擊|点赞数|点赞|點讚|赞|讚|在看|评论数|评论|評論|转发|轉發|分享|收藏|喜欢|人气|热度|播放量|播放)\s*[:：]?\s*\(?\d[\d,.]*\s*(?:万|萬|亿|k|w)?\+?\)?|` +
	`\d[\d,.]*\s*(?:万|萬|k|w)?\+?\s*(?:次阅读|人阅读|次浏览|人浏览|人看过|次播放|人点赞|条评论|人评论|次转发|人喜欢|人在看|views?|likes?|comments?|shares?|reads?)\b|` +
	`\d+\s*(?:秒|分钟|分鐘|小时|小時|天)前|\b\d+\s*(?:seconds?|minutes?|mins?|hours?|days?)\s+ago\b|刚刚|剛剛|just now`)

// counterWords are the words of which every match of reCounter holds
// one, in a line lowered by foldCase; every match but "just now" and its
// Chinese forms (nowWords) also holds an ASCII digit.
var (
	counterWords = []string{"阅读", "閱讀", "浏览", "瀏覽", "点击", "點擊", "赞", "讚", "在看", "评论", "評論", "转发", "轉發",
		"分享", "收藏", "喜欢", "人气", "热度", "播放", "看过", "秒前", "钟前", "鐘前", "时前", "時前", "天前",
		"view", "like", "comment", "share", "read", "ago"}
	nowWords = []string{"刚刚", "剛剛", "just now"}
)

// dropCounters removes what reCounter matches from a line. Most lines
// hold none of its words, and running the regexp on them was most of the
// cost of a check: they are passed by first.
func dropCounters(l string) string {
	f := foldCase(l)
	if !containsAny(f, nowWords) && (!strings.ContainsAny(f, "0123456789") || !containsAny(f, counterWords)) {
		return l
	}
	return reCounter.ReplaceAllString(l, "")
}

// foldCase lowers ASCII letters and maps the two non-ASCII letters that
// (?i) matches to ASCII ones (the Kelvin sign, the long s) to them.
func foldCase(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		case r == '\u212A':
			return 'k'
		case r == '\u017F':
			return 's'
		}
		return r
	}, s)
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// reBoilerplateLine matches whole lines that frame an article rather than
// belong to it: share prompts, follow-us lines, print/close links,
// copyright and editor lines.
var reBoilerplateLine = regexp.MustCompile(`(?i)^(?:分享到|分享至|分享|扫一扫|扫码|掃碼|长按(?:识别)?二维码|长按关注|关注我们|點擊關注|点击关注|点击(?:上方|下方|蓝字)|返回(?:顶部|首页|搜狐)|打印(?:本页)?|关闭(?:窗口)?|【?纠错】?|责任编辑|責任編輯|编辑[:：]|来源[:：]|來源[:：]|版权(?:声明|所有)|copyright|©|all rights reserved|share (?:this|on)|follow us|print|related articles?|相关(?:阅读|新闻|文章|推荐)|推荐阅读|热门推荐|上一篇|下一篇)`)

// maxBoilerplateLine is the longest line reBoilerplateLine may drop.
const maxBoilerplateLine = 60

// NormalText returns text as it is compared: counters and relative times
// removed, boilerplate lines dropped, whitespace collapsed and removed
// next to CJK characters, full-width ASCII folded.
func NormalText(text string) string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if len([]rune(l)) <= maxBoilerplateLine && reBoilerplateLine.MatchString(l) {
			continue
		}
		l = dropCounters(foldWidth(l))
		if l = collapseSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// foldWidth maps full-width ASCII forms and the ideographic space to their
// ASCII counterparts.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u3000':
			return ' '
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		}
		return r
	}, s)
}

// collapseSpace collapses runs of whitespace to one space and drops the
// spaces that touch a CJK character or punctuation, which layout adds and
// removes at will.
func collapseSpace(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if !unicode.IsSpace(r) {
			b.WriteRune(r)
			continue
		}
		j := i
		for j < len(rs) && unicode.IsSpace(rs[j]) {
			j++
		}
		if i > 0 && j < len(rs) && !tight(rs[i-1]) && !tight(rs[j]) {
			b.WriteByte(' ')
		}
		i = j - 1
	}
	return b.String()
}

func tight(r rune) bool { return zh.IsCJKOrPunct(r) || unicode.IsPunct(r) }

// NormalTitle returns a title as it is compared.
func NormalTitle(title string) string { return collapseSpace(foldWidth(strings.TrimSpace(title))) }

// reAsset matches the path of our own copy of an image.
var reAsset = regexp.MustCompile(`^/assets/([0-9a-f]{64})$`)

// imageExts are file extensions of image files, whose query string only
// resizes, converts or tracks.
var imageExts = []string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp", ".svg"}

// imageParams are query parameters that resize, convert or track an image
// without choosing it (WeChat's tp/wxfrom/wx_lazy, Aliyun's x-oss-process,
// Qiniu's imageView2, generic sizes).
var imageParams = map[string]bool{
	"tp": true, "wxfrom": true, "wx_lazy": true, "wx_co": true, "wx_fmt": true, "from": true,
	"x-oss-process": true, "imageview2": true, "imagemogr2": true, "w": true, "h": true,
	"width": true, "height": true, "quality": true, "q": true, "format": true, "fmt": true,
	"size": true, "resize": true, "fit": true, "auto": true, "dpr": true, "v": true, "t": true,
}

// NormalImage returns the key under which an image URL is compared: host
// and path without scheme, and only the query parameters that may choose
// the image (none for a path ending in an image extension). Our own
// /assets/<sha256> copies keep their hash.
func NormalImage(raw string) string {
	raw = strings.TrimSpace(raw)
	if m := reAsset.FindStringSubmatch(raw); m != nil {
		return "asset:" + m[1]
	}
	if strings.HasPrefix(raw, "//") {
		raw = "https:" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	key := strings.ToLower(u.Host) + u.EscapedPath()
	if slices.Contains(imageExts, strings.ToLower(path.Ext(u.Path))) {
		return key
	}
	q := u.Query()
	for k := range q {
		if imageParams[strings.ToLower(k)] || isTrackingParam(k) {
			q.Del(k)
		}
	}
	if len(q) > 0 {
		key += "?" + q.Encode()
	}
	return key
}

// Normal is a version reduced to what decides whether it was edited.
type Normal struct {
	Title     string
	Author    string
	Published int64 // Unix seconds, 0 when unknown
	Text      string
	Images    []string // sorted, without repeats
}

// Normalize reduces a version to its Normal form. The Updated date is
// left out: many pages stamp it with the time they were served.
func Normalize(v diff.Version) Normal {
	n := Normal{Title: NormalTitle(v.Title), Author: collapseSpace(strings.TrimSpace(v.Author)), Text: NormalText(v.Text)}
	if !v.Published.IsZero() {
		n.Published = v.Published.Unix()
	}
	for _, im := range v.Images {
		n.Images = append(n.Images, NormalImage(im))
	}
	slices.Sort(n.Images)
	n.Images = slices.Compact(n.Images)
	return n
}

// Changes lists the fields in which b differs from a: "title", "author",
// "published", "text", "images". Nil means the same version.
func (a Normal) Changes(b Normal) []string {
	var out []string
	if a.Title != b.Title {
		out = append(out, "title")
	}
	if a.Author != b.Author {
		out = append(out, "author")
	}
	if a.Published != b.Published && a.Published != 0 && b.Published != 0 {
		out = append(out, "published")
	}
	if a.Text != b.Text {
		out = append(out, "text")
	}
	if !slices.Equal(a.Images, b.Images) {
		out = append(out, "images")
	}
	return out
}

// shingles returns the set of token pairs of s (Han characters and Latin
// words as tokens, whitespace and punctuation ignored).
func shingles(s string) map[string]bool {
	var toks []string
	var word []rune
	flush := func() {
		if len(word) > 0 {
			toks = append(toks, strings.ToLower(string(word)))
			word = word[:0]
		}
	}
	for _, r := range s {
		switch {
		case zh.IsCJKOrPunct(r) && !unicode.IsPunct(r) && !unicode.IsSymbol(r):
			flush()
			toks = append(toks, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word = append(word, r)
		default:
			flush()
		}
	}
	flush()
	set := make(map[string]bool, len(toks))
	if len(toks) == 1 {
		set[toks[0]] = true
	}
	for i := 1; i < len(toks); i++ {
		set[toks[i-1]+" "+toks[i]] = true
	}
	return set
}

// overlap returns how much of the smaller of two texts' shingle sets is in
// the other, from 0 (nothing shared) to 1; 1 when either is empty.
func overlap(a, b string) float64 {
	sa, sb := shingles(a), shingles(b)
	if len(sa) == 0 || len(sb) == 0 {
		return 1
	}
	if len(sa) > len(sb) {
		sa, sb = sb, sa
	}
	n := 0
	for k := range sa {
		if sb[k] {
			n++
		}
	}
	return float64(n) / float64(len(sa))
}
