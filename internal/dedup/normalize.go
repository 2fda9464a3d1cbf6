package dedup

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Folder folds text to the form search compares (traditional to simplified
// Chinese, variants to one character, lower case), rune for rune. The
// analyzer in internal/search (moving to internal/zh) provides one; nil
// means no folding beyond width and case.
type Folder func(string) string

// boilerplateMarks are phrases that mark a whole line as outlet furniture
// rather than article text: subscription prompts, copyright notices,
// "read more" links, repost notes. Lines are short, so a line containing one
// of these is dropped; the article sentences around it are kept.
var boilerplateMarks = []string{
	"版权所有", "版權所有", "copyright", "all rights reserved", "©",
	"点击订阅", "點擊訂閱", "订阅", "訂閱", "关注我们", "關注我們",
	"欢迎转载", "歡迎轉載", "转载请注明", "轉載請註明", "未经授权", "未經授權",
	"阅读全文", "閱讀全文", "点击阅读", "點擊閱讀", "阅读原文", "閱讀原文",
	"原文链接", "原文鏈接", "本文链接", "本文網址", "原标题", "原標題",
	"责任编辑", "責任編輯", "编辑：", "編輯：", "图片来源", "圖片來源",
	"下载app", "下載app", "扫描二维码", "掃描二維碼", "分享到", "相关新闻", "相關新聞",
	"免责声明", "免責聲明", "广告", "廣告", "read more", "subscribe",
}

// maxBoilerplateLine is the longest line (in runes) that a boilerplate mark
// can condemn; a longer line is a paragraph that merely mentions the word.
const maxBoilerplateLine = 60

// isBoilerplateLine reports whether a folded line is outlet furniture.
func isBoilerplateLine(line string) bool {
	if n := len([]rune(line)); n == 0 || n > maxBoilerplateLine {
		return false
	}
	l := strings.ToLower(line)
	for _, m := range boilerplateMarks {
		if strings.Contains(l, m) {
			return true
		}
	}
	return false
}

// Normalize returns the comparable form of an article's plain text: every
// line folded (script, width, case), boilerplate lines dropped, and only
// letters, digits and ideographs kept — punctuation, symbols and white
// space carry no identity and differ between outlets' typesetting.
func Normalize(fold Folder, text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for line := range strings.Lines(text) {
		line = foldLine(fold, line)
		if isBoilerplateLine(strings.TrimSpace(line)) {
			continue
		}
		for _, r := range line {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// foldLine applies width folding, case folding and the script folder.
func foldLine(fold Folder, line string) string {
	line = width.Fold.String(line)
	if fold != nil {
		line = fold(line)
	}
	return strings.ToLower(line)
}

// tradSample is how many Han runes tradShare looks at: enough to tell the
// script apart, few enough that a long article costs little.
const tradSample = 400

// tradShare is the share of the Han runes in text that the folder changes:
// near 0 for simplified text, well above it for traditional text.
func tradShare(fold Folder, text string) float64 {
	if fold == nil {
		return 0
	}
	han, changed := 0, 0
	for _, r := range text {
		if !unicode.Is(unicode.Han, r) {
			continue
		}
		han++
		if han > tradSample {
			han--
			break
		}
		s := string(r)
		if fold(s) != s {
			changed++
		}
	}
	if han == 0 {
		return 0
	}
	return float64(changed) / float64(han)
}
