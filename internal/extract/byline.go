package extract

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The labels of a Chinese (or English) news byline, the line under the
// headline that carries the date, source and author, are what the
// regexp `发布时间|发表时间|发布日期|更新时间|时间|日期|来源|作者|记者|编辑|责编|发布者|发布于|发表|出处|稿源|浏览|点击|人气|字号|(?i:\b(?:published|posted|updated|by)\b)`
// matches (byline_test.go holds hasBylineLabel to it).

// bylineLabels and bylineWords are the byline labels: the Chinese ones
// (the longer labels hold these), and English words, whole and in any
// ASCII case.
var (
	bylineLabels = newLiterals("时间", "日期", "来源", "作者", "记者", "编辑", "责编", "发布者", "发布于", "发表", "出处", "稿源", "浏览", "点击", "人气", "字号")
	bylineWords  = []string{"published", "posted", "updated", "by"}
)

// hasBylineLabel reports whether s holds a byline label.
func hasBylineLabel(s string) bool {
	if bylineLabels.in(s) {
		return true
	}
	for _, w := range bylineWords {
		for i := 0; i+len(w) <= len(s); i++ {
			if !asciiEqualFold(s[i:i+len(w)], w) {
				continue
			}
			if (i == 0 || !isASCIIWordByte(s[i-1])) && (i+len(w) == len(s) || !isASCIIWordByte(s[i+len(w)])) {
				return true
			}
		}
	}
	return false
}

// asciiEqualFold reports whether s equals the lower-case ASCII word w
// regardless of ASCII case.
func asciiEqualFold(s, w string) bool {
	for i := 0; i < len(w); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

// isASCIIWordByte reports whether c is a character of \w.
func isASCIIWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// reAuthorLabel matches a label an author's name follows: 作者, 撰文,
// 执笔(人) and 记者 followed by a colon or space ("本报记者张三" needs no
// separator), "文/" and English "By".
var reAuthorLabel = regexp.MustCompile(`(?:作者|撰文|执笔人?|记者)\s*(?:[:：/|]|\s)\s*|[报社台网刊]记者\s*|(?:^|[\s(（])文\s*[:：/|]\s*|(?i:(?:^|\s)by\s+)`)

// reReporterNote is the reporter credit inside a dateline:
// "新华社北京2月13日电（记者 张三）".
var reReporterNote = regexp.MustCompile(`[（(]记者\s*([^（()）]{2,30})[）)]`)

// reAuthorStop marks where an author value ends: the next label, a date,
// a bracket, or words that follow a name in a credit (发自, 报道, 摄).
var reAuthorStop = regexp.MustCompile(`发布时间|发表时间|发布日期|更新时间|时间|日期|来源|出处|编辑|责编|责任编辑|浏览|点击|人气|阅读|字号|评论|分享|发自|发表|出自|我来说|报道|摄|[【\[(（)）|｜/<》]|(?:19|20)[0-9]{2}\s*[-/.年]`)

// reDomain matches a host name, which is a site, not an author.
var reDomain = regexp.MustCompile(`(?i)\b[a-z0-9-]+\.(?:com|cn|net|org|gov|edu|info|tv|cc)\b`)

// maxBylineRunes bounds the length of a byline line, and maxBareDateRunes
// that of an unlabelled one ("2005年03月31日03:18 北京娱乐信报").
const (
	maxBylineRunes   = 150
	maxBareDateRunes = 60
)

// isBylineLine reports whether line looks like a byline: short, holding a
// date, and either labelled (时间:, 来源:, 作者:) or little more than the
// date.
func isBylineLine(line string) bool {
	n := utf8.RuneCountInString(line)
	if n > maxBylineRunes || !hasTwoDigits(line) {
		return false
	}
	// The labels first: parsing a date is the dearer test.
	if (n > maxBareDateRunes || strings.ContainsAny(line, "。！？")) && !hasBylineLabel(line) {
		return false
	}
	_, ok := ParseDate(line, time.UTC)
	return ok
}

// hasTwoDigits reports whether s holds two or more ASCII or full-width
// digits, as every date ParseDate reads does: lines without are not
// bylines, and most lines a page has are let go without parsing.
func hasTwoDigits(s string) bool {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' || r >= '０' && r <= '９' {
			if n++; n >= 2 {
				return true
			}
		}
	}
	return false
}

// authorFrom returns the author a byline or credit line names, or "".
func authorFrom(line string) string {
	if !mayHaveAuthorLabel(line) {
		return ""
	}
	if m := reReporterNote.FindStringSubmatch(line); m != nil {
		if a := cleanAuthor(m[1]); a != "" {
			return a
		}
	}
	prose := strings.ContainsAny(line, "。！？")
	for _, m := range reAuthorLabel.FindAllStringIndex(line, -1) {
		label := line[m[0]:m[1]]
		switch {
		case prose && !strings.ContainsAny(label, ":：/|"):
			// "记者会上说" in a sentence is not a credit.
			continue
		case m[0] > 0 && strings.EqualFold(strings.TrimSpace(label), "by") && !isBylineLine(line):
			// "caused by the storm" is not a credit either.
			continue
		}
		v := line[m[1]:]
		if loc := reAuthorStop.FindStringIndex(v); loc != nil {
			stop := v[loc[0]:]
			v = v[:loc[0]]
			// "张三 北京报道": the word before 报道 is a place.
			if strings.HasPrefix(stop, "报道") {
				if f := strings.Fields(v); len(f) > 1 {
					v = strings.Join(f[:len(f)-1], " ")
				}
			}
		}
		if a := cleanAuthor(v); a != "" {
			return a
		}
	}
	return ""
}

// authorLabelWords are in every match of reReporterNote and
// reAuthorLabel but those of "文：" / "文/", which mayHaveAuthorLabel
// looks for apart.
var authorLabelWords = newLiterals("作者", "撰文", "执笔", "记者", "by")

// mayHaveAuthorLabel reports whether reReporterNote or reAuthorLabel may
// match line: lines without are let go without running them.
func mayHaveAuthorLabel(line string) bool {
	return mayMatch(line, authorLabelWords) || strings.Contains(line, "文") && strings.ContainsAny(line, ":：/|")
}

// cleanAuthor trims an author value and rejects what cannot be a name:
// empty, too long, a URL or host name, markup, or a phrase with sentence
// punctuation.
func cleanAuthor(s string) string {
	s = strings.TrimLeftFunc(collapseSpace(s), notNameRune)
	if m := reAuthorPrefix.FindStringIndex(s); m != nil {
		s = s[m[1]:]
	}
	s = reStaffCode.ReplaceAllString(s, "")
	s = strings.TrimLeftFunc(s, notNameRune)
	s = strings.TrimRightFunc(s, func(r rune) bool { return notNameRune(r) && r != ')' && r != '）' })
	if s == "" || utf8.RuneCountInString(s) > 40 || strings.Contains(s, "://") || reDomain.MatchString(s) ||
		strings.ContainsAny(s, "，。！？；=<>{}\"") || reNotAName.MatchString(s) {
		return ""
	}
	return s
}

// reAuthorPrefix matches the label before a name in a credit.
var reAuthorPrefix = regexp.MustCompile(`(?i)^(?:作者|撰文|记者|記者|责任编辑|責任編輯|编辑|編輯|责编|責編|文|by)\s*[:：/]?\s+|^(?:作者|撰文|记者|記者|责任编辑|責任編輯|编辑|編輯|责编|責編|文)\s*[:：/]\s*`)

// reStaffCode matches the staff number portals append to an editor's name
// ("杨倩_NF4425", "韩保林 PK155").
var reStaffCode = regexp.MustCompile(`[\s_]+[A-Za-z]{0,4}[0-9]{2,}[\]】)）]*$`)

// reNotAName matches the words of links and labels that sit where a
// byline's name would ("该作者文章", "访问统计", "更多文章").
var reNotAName = regexp.MustCompile(`文章|统计|統計|访问|訪問|点击|點擊|阅读|閱讀|更多|登录|登入|注册|註冊|评论|評論|分享|网友|網友|转载|轉載|^该|^該`)

// reEditorCredit matches an editor's credit: "责任编辑：王海",
// "【编辑:刘欢】", "（责编：汤诗瑶、丁涛）".
var reEditorCredit = regexp.MustCompile(`(?:责任编辑|責任編輯|编辑|編輯|责编|責編)\s*[:：]\s*([^\s:：（）()【】\[\]|｜<>]{2,16})`)

// reTrailingReporter matches the reporter's credit that closes many
// Chinese articles: "（记者 张倩）", "（姚峰 上海报道）",
// "（本报记者 李明 通讯员 王芳）".
var reTrailingReporter = regexp.MustCompile(`[（(]\s*(?:[^（）()]{0,6}记者|[^（）()]{0,6}記者)?\s*([\p{Han}·]{2,4})(?:\s+[\p{Han}]{2,8}(?:报道|報導|报导))?\s*[)）]\s*$`)

// editorFrom returns the editor a credit line names, or "".
func editorFrom(line string) string {
	if m := reEditorCredit.FindStringSubmatch(line); m != nil {
		return cleanAuthor(m[1])
	}
	return ""
}

// findClosingCredit looks for the author in the lines that close the
// article (contentEnd is the article's last paragraph): a reporter's
// credit ("（记者 张倩）", "新京报记者 彭冲 山东冠县报道"), else an
// editor's ("责任编辑：王海"), which archives record when the article
// names nobody else.
func findClosingCredit(lines []string, contentEnd string) (author, editor string) {
	last := lastLineIndex(lines, contentEnd)
	if last < 0 {
		return "", ""
	}
	for _, l := range lines[max(0, last-1):min(len(lines), last+closingWindow)] {
		if author == "" {
			if m := reTrailingReporter.FindStringSubmatch(l); m != nil {
				author = cleanAuthor(m[1])
			} else if utf8.RuneCountInString(l) <= maxCreditRunes {
				author = authorFrom(l)
			}
		}
		if editor == "" {
			editor = editorFrom(l)
		}
	}
	return author, editor
}

// closingWindow is how many lines after the article's last paragraph
// findClosingCredit reads.
const closingWindow = 6

// lastLineIndex returns the index of the line holding the end of the last
// line of text, or -1.
func lastLineIndex(lines []string, text string) int {
	ls := nonEmptyLines(text)
	if len(ls) == 0 {
		return -1
	}
	end := []rune(ls[len(ls)-1])
	if len(end) > 30 {
		end = end[len(end)-30:]
	}
	if len(end) < 5 {
		return -1
	}
	tail := string(end)
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], tail) {
			return i
		}
	}
	return -1
}

// notNameRune reports whether r cannot start or end a name.
func notNameRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// byline is a byline line found on a page.
type byline struct {
	Line   string
	Author string
}

// Published returns the byline's date, or zero.
func (b byline) Published(loc *time.Location) time.Time {
	if b.Line == "" {
		return time.Time{}
	}
	t, _ := ParseDate(b.Line, loc)
	return t
}

// Windows, in lines after the headline, for the byline and for an author
// credit (which may sit at the end of a short article).
const (
	bylineWindow = 8
	authorWindow = 40
	// maxCreditRunes bounds a line searched for an author label.
	maxCreditRunes = 80
)

// findHTMLByline looks for the byline of an HTML page in its text
// (lines, one block per line, trimmed, none empty). It is anchored on the headline: the first
// line of at least five characters that one of titles contains (the <h1>
// is usually the <title> minus the site name); the byline is then among the
// lines below it. Without a headline the anchor is the first line of the
// extracted article (contentStart) and the byline the nearest date line
// above it. Without either it reports nothing: a date elsewhere on a page
// is as likely to belong to a related article. The author comes from the
// byline or from a credit line ("作者：…", "本报记者 …", "（记者 …）") near
// the anchor.
func findHTMLByline(lines []string, titles []string, contentStart string) byline {
	var b byline
	from, to := -1, -1 // the author search window
	if start := headlineIndex(lines, titles); start >= 0 {
		for _, c := range lines[start+1 : min(len(lines), start+1+bylineWindow)] {
			if isBylineLine(c) {
				b.Line = c
				break
			}
		}
		from, to = start+1, min(len(lines), start+1+authorWindow)
	} else if body := lineIndex(lines, contentStart); body >= 0 {
		for i := body - 1; i >= max(0, body-bylineWindow); i-- {
			if isBylineLine(lines[i]) {
				b.Line = lines[i]
				break
			}
		}
		from, to = max(0, body-bylineWindow), min(len(lines), body+authorWindow)
	}
	if b.Line == "" && from >= 0 {
		// Forums and blogs put a labelled date ("发表于 …", "发布时间 …")
		// after the post: the first one near the article will do.
		for _, l := range lines[from:to] {
			if hasBylineLabel(l) && isBylineLine(l) {
				b.Line = l
				break
			}
		}
	}
	b.Author = authorFrom(b.Line)
	if b.Author != "" || from < 0 {
		return b
	}
	for _, l := range lines[from:to] {
		if utf8.RuneCountInString(l) > maxCreditRunes {
			// In prose only the dateline credit counts.
			if m := reReporterNote.FindStringSubmatch(l); m != nil {
				if a := cleanAuthor(m[1]); a != "" {
					b.Author = a
					break
				}
			}
			continue
		}
		if a := authorFrom(l); a != "" {
			b.Author = a
			break
		}
	}
	return b
}

// headlineIndex returns the index of the first line of at least five
// characters that one of titles contains, or -1.
func headlineIndex(lines []string, titles []string) int {
	for i, l := range lines {
		if utf8.RuneCountInString(l) < 5 {
			continue
		}
		for _, t := range titles {
			if t != "" && strings.Contains(collapseSpace(t), l) {
				return i
			}
		}
	}
	return -1
}

// lineIndex returns the index of the line that starts like the first line
// of text, or -1.
func lineIndex(lines []string, text string) int {
	first := ""
	if ls := nonEmptyLines(text); len(ls) > 0 {
		first = ls[0]
	}
	if utf8.RuneCountInString(first) < 5 {
		return -1
	}
	if r := []rune(first); len(r) > 30 {
		first = string(r[:30])
	}
	for i, l := range lines {
		if strings.HasPrefix(l, first) {
			return i
		}
	}
	return -1
}

// nonEmptyLines splits s into lines with surrounding whitespace (including
// ideographic and no-break spaces) trimmed, dropping empty ones.
func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = trimLine(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// trimLine trims Unicode whitespace from both ends of l.
func trimLine(l string) string {
	return strings.TrimSpace(strings.Trim(l, "\u3000\u00a0\ufeff\u200b"))
}
