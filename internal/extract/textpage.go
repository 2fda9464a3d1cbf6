package extract

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsvault/newsvault/internal/zh"
)

// extractText is the plain-text path of Extract, for scraped pages that
// are a flat run of lines: site menus, then the headline, a byline, the
// article, and finally link and keyword lists.
func (e *Extractor) extractText(pageURL *url.URL, text string) (*Result, error) {
	lines := nonEmptyLines(strings.ReplaceAll(text, "\r", "\n"))
	chinese := zh.LooksChinese(text)
	a := analyseLines(lines, chinese)
	if len(a.body) == 0 {
		return nil, errNoContent
	}
	body := strings.Join(a.body, "\n\n")
	if tooShort(body) {
		return nil, errNoContent
	}
	host := ""
	if pageURL != nil {
		host = pageURL.Hostname()
	}
	loc := e.location(chinese, host)
	r := &Result{
		Title:     a.title,
		Author:    authorFrom(a.byline),
		Published: byline{Line: a.byline}.Published(loc),
		Text:      body,
	}
	if chinese {
		r.Language = "zh"
	}
	var b strings.Builder
	for i, l := range a.body {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("<p>")
		b.WriteString(html.EscapeString(l))
		b.WriteString("</p>")
	}
	r.HTML = b.String()
	return r, nil
}

// textArticle is what analyseLines finds.
type textArticle struct {
	title  string
	byline string
	body   []string
}

// titleWindow is how far above the byline the headline may be.
const titleWindow = 3

// analyseLines finds the headline, byline and body among lines. It looks for
// the first byline line (a date with 时间/来源/作者-style labels) that is
// followed by prose; the headline is the nearest title-like line above it
// (or, failing that, just below it), a repeat of the headline after the
// byline is skipped, and the body runs while lines read as prose. Without a
// byline the body is the longest run of prose and the headline the nearest
// title-like line above it.
func analyseLines(lines []string, chinese bool) textArticle {
	for i, l := range lines {
		if !isBylineLine(l) {
			continue
		}
		title := ""
		for j := i - 1; j >= max(0, i-titleWindow); j-- {
			if isTitleLike(lines[j], chinese) {
				title = lines[j]
				break
			}
		}
		k := i + 1
		for k < len(lines) && (lines[k] == title || isBylineLine(lines[k]) || isPlaceholder(lines[k])) {
			k++
		}
		if title == "" && k+1 < len(lines) && isTitleLike(lines[k], chinese) && isProse(lines[k+1], chinese) {
			title = lines[k]
			k++
		}
		if body, _ := collectBody(lines, k, chinese); len(body) > 0 {
			return textArticle{title: title, byline: l, body: body}
		}
	}

	// No byline: the longest prose run.
	bestStart, bestBody, bestLen := -1, []string(nil), 0
	for k := 0; k < len(lines); k++ {
		if !isProse(lines[k], chinese) {
			continue
		}
		body, end := collectBody(lines, k, chinese)
		n := 0
		for _, l := range body {
			n += utf8.RuneCountInString(l)
		}
		if n > bestLen {
			bestStart, bestBody, bestLen = k, body, n
		}
		// A run starting inside this one is a shorter copy of it: skip it
		// (and keep this loop linear).
		k = max(k, end-1)
	}
	if bestStart < 0 {
		return textArticle{}
	}
	a := textArticle{body: bestBody}
	for j := bestStart - 1; j >= 0; j-- {
		if isTitleLike(lines[j], chinese) {
			a.title = lines[j]
			break
		}
	}
	return a
}

// collectBody returns the prose lines from lines[k:], and the index where
// it stopped: it keeps the captions of pictures inside the body, skips
// other image placeholders, keeps a short line only when prose follows it (a
// subheading), and stops at keyword spam or at a short line that is not
// followed by prose.
func collectBody(lines []string, k int, chinese bool) (body []string, end int) {
	for ; k < len(lines); k++ {
		l := lines[k]
		switch {
		case len(body) > 0 && reCaption.MatchString(l):
			// A photo's caption inside the article is part of it; the
			// image file name the scraper left after it is not, nor is
			// a bare "(图)".
			if c := strings.TrimSpace(reCaptionFile.ReplaceAllString(l, "")); countTextTokens(c) >= minCaptionTokens {
				body = append(body, c)
			}
			continue
		case isPlaceholder(l):
			continue
		case isSpamLine(l, chinese):
			return body, k
		case isProse(l, chinese):
			body = append(body, l)
			continue
		}
		next := k + 1
		for next < len(lines) && isPlaceholder(lines[next]) {
			next++
		}
		if utf8.RuneCountInString(l) > maxSubheadingRunes || next >= len(lines) || !isProse(lines[next], chinese) {
			return body, k
		}
		body = append(body, l)
	}
	return body, k
}

// minCaptionTokens is the text a caption line needs to be kept.
const minCaptionTokens = 2

// countTextTokens counts CJK characters and other words.
func countTextTokens(s string) int {
	cjk, words := zh.CountHanAndWords(s)
	return cjk + words
}

// maxSubheadingRunes bounds a short non-prose line kept inside a body.
const maxSubheadingRunes = 40

var (
	// reImageFile is a line that is only an image file name.
	reImageFile = regexp.MustCompile(`(?i)^\S*\.(?:png|jpe?g|gif|webp|bmp)$`)
	// reCaption is a parenthesised caption line, maybe followed by the file
	// name the scraper left for the image.
	reCaption = regexp.MustCompile(`(?i)^[(（][^()（）]{1,80}[)）]\s*(?:\S*\.(?:png|jpe?g|gif|webp|bmp))?$`)
	// reCaptionFile is the image file name after a caption.
	reCaptionFile = regexp.MustCompile(`(?i)[\w.\-]*\.(?:png|jpe?g|gif|webp|bmp)$`)
	// reListSep splits keyword and link lists.
	reListSep = regexp.MustCompile(`[,，、|｜;；/]+`)
)

// isPlaceholder reports whether l stands for an image: a bare file name or
// a "(caption)" line.
func isPlaceholder(l string) bool {
	return reImageFile.MatchString(l) || reCaption.MatchString(l)
}

// sentencePunct is punctuation that prose has and menus, titles and
// keyword lists lack.
const sentencePunct = "。！？；，,;：:"

// isProse reports whether l reads as a sentence of running text.
func isProse(l string, chinese bool) bool {
	if isSpamLine(l, chinese) {
		return false
	}
	n := utf8.RuneCountInString(l)
	if chinese {
		cjk, _ := zh.CountHanAndWords(l)
		if cjk*2 < n {
			return false
		}
		if strings.ContainsAny(l, "。！？") {
			return n >= 10
		}
		return n >= 20 && strings.ContainsAny(l, sentencePunct)
	}
	_, words := zh.CountHanAndWords(l)
	return words >= 10 && strings.ContainsAny(l, ".!?;,")
}

// isSpamLine reports whether l is a keyword or link list (many short items
// separated by commas or bars), or, on a Chinese page, a run of Latin-script
// keywords.
func isSpamLine(l string, chinese bool) bool {
	if strings.ContainsAny(l, "。！？") {
		return false
	}
	var items, total int
	for _, it := range reListSep.Split(l, -1) {
		if it = strings.TrimSpace(it); it != "" {
			items++
			total += utf8.RuneCountInString(it)
		}
	}
	if items >= 5 && total <= 8*items {
		return true
	}
	if chinese {
		latin, letters := 0, 0
		for _, r := range l {
			if unicode.IsLetter(r) {
				letters++
				if r < 0x250 {
					latin++
				}
			}
		}
		if letters >= 10 && latin*2 > letters {
			return true
		}
	}
	return false
}

// isTitleLike reports whether l could be a headline: short, no sentence
// ending, not a breadcrumb trail, menu row, byline or keyword list.
func isTitleLike(l string, chinese bool) bool {
	n := utf8.RuneCountInString(l)
	if n < 4 || n > 80 || strings.ContainsAny(l, "。") {
		return false
	}
	for _, crumb := range []string{">", "»", "›", "当前位置", "您的位置", "你的位置", "现在位置"} {
		if strings.Contains(l, crumb) {
			return false
		}
	}
	if chinese && strings.Count(l, " ") > 2 {
		return false
	}
	return !isBylineLine(l) && !isSpamLine(l, chinese)
}
