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

// This file holds the generic, language-aware boilerplate filter that runs
// on every candidate article tree. It splits the tree into text blocks
// (paragraphs, list items, headings, runs of inline content), scores each
// block by how much it reads like running text — counting CJK characters
// and other words as tokens, sentence punctuation of both scripts, and the
// share of linked text — and keeps the contiguous run of blocks with the
// best total score (the article), minus the blocks inside it that are
// clearly not article text (link lists, share bars, copyright lines,
// "related reading" headings).

// textBlock is one block of a content tree.
type textBlock struct {
	nodes   []*html.Node // the block element, or a run of inline siblings
	text    string       // its text, whitespace collapsed
	tokens  int          // CJK characters plus runs of other letters and digits
	cjk     int          // CJK characters
	links   int          // tokens inside <a>
	punct   int          // sentence punctuation marks
	media   bool         // holds an image, video or figure
	caption bool         // inside a <figcaption> or an element classed as a caption
	aside   bool         // inside navigation, related links, comments or the like

	classified bool // the flags of blockClass are set
	blockClass
	cache map[string]blockClass // classifications by text, shared by the blocks of one page; may be nil
	tag   atom.Atom             // the block element's tag, 0 for an inline run
	score float64
}

// blockClass is what a block's text alone says it is.
type blockClass struct {
	marker      bool // a related-reading, comments or copyright heading
	notice      bool // a copyright or disclaimer notice, share bar, page tools, credit
	captionLine bool // reads as an image caption or credit
	byline      bool // reads as a byline (date, source, author)
	menu        bool // a language menu or a keyword list (SEO footer, tag cloud)
}

// blockAtoms are elements that start a block of their own.
var blockTags = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Header: true, atom.Footer: true, atom.Aside: true, atom.Nav: true, atom.Ul: true,
	atom.Ol: true, atom.Li: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.Table: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true, atom.Tr: true,
	atom.Td: true, atom.Th: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Blockquote: true, atom.Pre: true, atom.Figure: true,
	atom.Figcaption: true, atom.Form: true, atom.Fieldset: true, atom.Address: true,
	atom.Center: true, atom.Hr: true, atom.Details: true, atom.Summary: true, atom.Caption: true,
	atom.Hgroup: true, atom.Menu: true,
}

// skippedTags hold no readable text.
var skippedTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Select: true, atom.Button: true, atom.Textarea: true, atom.Iframe: true,
	atom.Object: true, atom.Embed: true, atom.Svg: true, atom.Canvas: true, atom.Head: true,
}

// mediaTags make a block worth keeping without text.
var mediaTags = map[atom.Atom]bool{
	atom.Img: true, atom.Picture: true, atom.Video: true, atom.Audio: true, atom.Figure: true,
}

// collectBlocks splits root's content into blocks in document order. An
// element that holds block elements is a container and is split further;
// consecutive inline children of a container form one block.
func collectBlocks(root *html.Node) []*textBlock {
	return splitBlocks(root, false)
}

// firstTextBlock returns the first block of root that has text, as
// collectBlocks would split it, or nil.
func firstTextBlock(root *html.Node) *textBlock {
	blocks := splitBlocks(root, true)
	if len(blocks) == 0 || blocks[len(blocks)-1].tokens == 0 {
		return nil
	}
	return blocks[len(blocks)-1]
}

// splitBlocks is collectBlocks; with firstText, it stops after the first
// block that has text.
func splitBlocks(root *html.Node, firstText bool) []*textBlock {
	hasBlock := make(map[*html.Node]bool)
	asideTokens := make(map[*html.Node]int) // tokens below each aside-like element
	var mark func(*html.Node) (bool, int)
	mark = func(n *html.Node) (found bool, tokens int) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				cjk, words := zh.CountHanAndWords(c.Data)
				tokens += cjk + words
			case c.Type != html.ElementNode || skippedTags[c.DataAtom]:
			default:
				f, t := mark(c)
				if f || blockTags[c.DataAtom] {
					found = true
				}
				tokens += t
			}
		}
		if found {
			hasBlock[n] = true
		}
		if n.Type == html.ElementNode && isAsideElement(n) {
			asideTokens[n] = tokens
		}
		return found, tokens
	}
	_, total := mark(root)

	var blocks []*textBlock
	done := false
	add := func(nodes []*html.Node, tag atom.Atom, fl blockFlags) {
		if done {
			return
		}
		if b := measureBlock(nodes, tag); b != nil {
			b.caption, b.aside = fl.caption, fl.aside
			blocks = append(blocks, b)
			done = firstText && b.tokens > 0
		}
	}
	var walk func(n *html.Node, fl blockFlags)
	walk = func(n *html.Node, fl blockFlags) {
		var run []*html.Node
		flush := func() {
			if len(run) > 0 {
				add(run, 0, fl)
				run = nil
			}
		}
		for c := n.FirstChild; c != nil && !done; c = c.NextSibling {
			if c.Type == html.ElementNode && skippedTags[c.DataAtom] {
				continue
			}
			cfl := fl
			if c.Type == html.ElementNode {
				cfl.caption = cfl.caption || isCaptionElement(c)
				// An aside-like element is boilerplate unless it holds
				// much of the content: then its name misleads.
				if t, ok := asideTokens[c]; ok && t*3 <= total {
					cfl.aside = true
				}
			}
			switch {
			case c.Type == html.ElementNode && c.DataAtom == atom.Table && isDataTable(c):
				// A table of data reads as a whole, not row by row.
				flush()
				add([]*html.Node{c}, atom.Table, cfl)
			case c.Type == html.ElementNode && blockTags[c.DataAtom]:
				flush()
				if hasBlock[c] {
					walk(c, cfl)
				} else {
					add([]*html.Node{c}, c.DataAtom, cfl)
				}
			case c.Type == html.ElementNode && hasBlock[c]:
				// An inline element wrapping blocks (<a><div>…</div></a>,
				// <font><p>…</p></font>) is a container too.
				flush()
				walk(c, cfl)
			case c.Type == html.ElementNode || c.Type == html.TextNode:
				if cfl != fl {
					// An inline caption or aside is a block of its own.
					flush()
					add([]*html.Node{c}, 0, cfl)
					continue
				}
				run = append(run, c)
			}
		}
		flush()
	}
	walk(root, blockFlags{})
	return blocks
}

// blockFlags are what a block inherits from its ancestors.
type blockFlags struct {
	caption bool // inside an image caption or credit
	aside   bool // inside navigation, a share bar, related links, comments…
}

// asideWords are the class and id words of elements that hold
// boilerplate: navigation, share bars, related links, comments, ads, and
// the login, VIP and red-packet pop-ups laid over an article. A class or
// id token names one when one of its parts between "-" and "_" is one of
// these words ("post-share-bar", "related_news", "login-popup").
var asideWords = wordSet(`breadcrumb breadcrumbs crumb crumbs share sharing social related recommend recommended
	recommendation recommendations comment comments footer nav navbar navigation menu sidebar toolbar subscribe
	subscription newsletter promo ad ads advert advertisement sponsor sponsored copyright tags keywords pagination
	pager popup modal dialog overlay login signin vip hongbao redpacket`)

// wordSet returns the set of the space-separated words of s.
func wordSet(s string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// isAsideElement reports whether n is navigation, a share bar, related
// links, comments, an ad or a pop-up, by its tag, role, class or id.
func isAsideElement(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Nav, atom.Aside, atom.Footer, atom.Menu:
		return true
	}
	for _, a := range n.Attr {
		switch a.Key {
		case "role":
			switch strings.ToLower(a.Val) {
			case "navigation", "complementary", "contentinfo", "menu", "menubar", "dialog":
				return true
			}
		case "class", "id":
			if hasWordIn(a.Val, asideWords) && !hasWordIn(a.Val, embedWords) {
				return true
			}
		}
	}
	return false
}

// embedWords name, in a class or id, a post embedded in the article (a
// quoted tweet in "social-media-embed"): the article's, whatever other
// words the name has.
var embedWords = wordSet("embed embedded tweet")

// hasWordIn reports whether one of the "-" and "_" separated parts of a
// token of the space-separated list v, lower-cased, is in words.
func hasWordIn(v string, words map[string]bool) bool {
	start := -1
	lower := false
	for i := 0; i <= len(v); i++ {
		var c byte = ' '
		if i < len(v) {
			c = v[i]
		}
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '-' || c == '_':
			if start >= 0 {
				w := v[start:i]
				if lower {
					w = strings.ToLower(w)
				}
				if words[w] {
					return true
				}
				start, lower = -1, false
			}
		default:
			if start < 0 {
				start = i
			}
			if c >= 'A' && c <= 'Z' || c >= 0x80 {
				lower = true
			}
		}
	}
	return false
}

// captionMarks are what the class or id of a caption element contains.
var captionMarks = []string{"caption", "credit", "pic-txt", "pictxt", "pic-text", "pictext", "img-desc", "imgdesc", "photo-desc", "photodesc", "imgtxt"}

// isCaptionElement reports whether n holds an image caption or credit.
func isCaptionElement(n *html.Node) bool {
	if n.DataAtom == atom.Figcaption {
		return true
	}
	for _, a := range n.Attr {
		if a.Key != "class" && a.Key != "id" || a.Val == "" {
			continue
		}
		v := strings.ToLower(a.Val)
		for _, m := range captionMarks {
			if strings.Contains(v, m) {
				return true
			}
		}
	}
	return false
}

// isDataTable reports whether table holds data rather than page layout:
// at least two rows, and no cell holding block elements.
func isDataTable(table *html.Node) bool {
	rows := 0
	ok := true
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && ok; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Tr:
				rows++
				walk(c)
			case atom.Tbody, atom.Thead, atom.Tfoot, atom.Td, atom.Th, atom.Caption, atom.Colgroup, atom.Col:
				walk(c)
			default:
				if blockTags[c.DataAtom] && c.DataAtom != atom.P {
					ok = false
				}
				walk(c)
			}
		}
	}
	walk(table)
	return ok && rows >= 2
}

// measureBlock computes a block's text and counts, or returns nil for a
// block with neither text nor media.
func measureBlock(nodes []*html.Node, tag atom.Atom) *textBlock {
	if t := onlyText(nodes); t != nil {
		// The commonest block, <p>text</p>: its text as it is.
		text := collapseSpace(t.Data)
		if text == "" {
			return nil
		}
		b := &textBlock{nodes: nodes, tag: tag, text: text}
		b.cjk, b.tokens = zh.CountHanAndWords(text)
		b.tokens += b.cjk
		if insideLink(t) {
			b.links = b.tokens
		}
		b.punct = countSentencePunct(text)
		return b
	}
	b := &textBlock{nodes: nodes, tag: tag}
	var sb strings.Builder
	var walk func(n *html.Node, inLink bool)
	walk = func(n *html.Node, inLink bool) {
		switch n.Type {
		case html.TextNode:
			sb.WriteString(n.Data)
			if !inLink {
				return
			}
			cjk, words := zh.CountHanAndWords(n.Data)
			b.links += cjk + words
			return
		case html.ElementNode:
			if skippedTags[n.DataAtom] {
				return
			}
			if mediaTags[n.DataAtom] {
				b.media = true
			}
			switch n.DataAtom {
			case atom.A:
				inLink = inLink || attr(n, "href") != ""
			case atom.Br:
				sb.WriteByte('\n')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLink)
		}
	}
	// A block inside a link (a teaser card: <a><h3>…</h3><p>…</p></a>)
	// is linked text throughout.
	linked := len(nodes) > 0 && insideLink(nodes[0])
	for _, n := range nodes {
		walk(n, linked)
	}
	// collapseSpace counts the ideographic and no-break spaces as spaces.
	b.text = collapseSpace(sb.String())
	if b.text == "" && !b.media {
		return nil
	}
	b.cjk, b.tokens = zh.CountHanAndWords(b.text)
	b.tokens += b.cjk
	b.links = min(b.links, b.tokens)
	b.punct = countSentencePunct(b.text)
	return b
}

// onlyText returns the text node that is all of nodes — the one node, or
// the one child of a plain element (not a link, media, a line break or a
// skipped element) — or nil.
func onlyText(nodes []*html.Node) *html.Node {
	if len(nodes) != 1 {
		return nil
	}
	n := nodes[0]
	switch {
	case n.Type == html.TextNode:
		return n
	case n.Type != html.ElementNode || n.FirstChild == nil || n.FirstChild != n.LastChild || n.FirstChild.Type != html.TextNode:
		return nil
	case skippedTags[n.DataAtom] || mediaTags[n.DataAtom] || n.DataAtom == atom.A || n.DataAtom == atom.Br:
		return nil
	}
	return n.FirstChild
}

// insideLink reports whether an ancestor of n is a link.
func insideLink(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.DataAtom == atom.A && attr(p, "href") != "" {
			return true
		}
	}
	return false
}

// countSentencePunct counts the punctuation that running text has and
// menus, link lists and labels mostly lack: CJK sentence and clause marks,
// and Latin ones followed by a space or the end of the text (so that the
// dots of "2012.01.17" and "1.28" do not count).
func countSentencePunct(s string) int {
	n := 0
	for i, r := range s {
		switch r {
		case '。', '，', '！', '？', '；', '、', '：', '…', '．':
			n++
		case '.', ',', '!', '?', ';', ':':
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if i+1 >= len(s) || unicode.IsSpace(next) || next == '"' || next == '\'' || next == '”' || next == '’' {
				n++
			}
		}
	}
	return n
}

// Block scoring weights. A block's score is its unlinked tokens (at full
// weight when it reads as prose, at half otherwise) minus a penalty for
// linked tokens (light in prose that links a few words, heavy in link
// lists) and a fixed cost per block, so that runs of short menu items,
// labels and link lists sum to a loss and paragraphs to a gain.
const (
	blockCost       = 4.0
	linkPenalty     = 1.5
	proseLinkWeight = 0.5
	labelWeight     = 0.5
	markerPenalty   = 40.0 // a "相关阅读" / "Related articles" heading
	bylinePenalty   = 10.0
	junkLinkRatio   = 0.6 // link share above which a block is a link list
	minProseTokens  = 8
)

// isProse reports whether b reads as running text: enough tokens and
// sentence punctuation.
func (b *textBlock) isProse() bool {
	return b.tokens >= minProseTokens && b.punct > 0
}

// linkRatio is the share of b's tokens that are linked.
func (b *textBlock) linkRatio() float64 {
	if b.tokens == 0 {
		return 0
	}
	return float64(b.links) / float64(b.tokens)
}

// scoreBlock sets b.score.
func scoreBlock(b *textBlock) {
	if b.tokens == 0 {
		b.score = 0 // an image or an empty wrapper: neutral
		return
	}
	plain, links := float64(b.tokens-b.links), float64(b.links)
	if b.isProse() && b.linkRatio() <= junkLinkRatio {
		b.score = plain - proseLinkWeight*links - blockCost
	} else {
		b.score = labelWeight*plain - linkPenalty*links - blockCost
	}
	b.classify()
	switch {
	case b.marker:
		b.score -= markerPenalty
	case b.notice, b.menu:
		b.score = -blockCost - float64(b.tokens)
	case b.byline:
		b.score -= bylinePenalty
	case b.tag == atom.Li && b.links == 0 && !b.captionLine:
		// An item of a list of plain text (steps, ingredients, a
		// feature list, a table of results) is short but no
		// boilerplate: menus and link lists are links. It neither
		// pulls the article towards it nor breaks it.
		b.score = max(b.score, 0)
	case b.tag == atom.P && b.isLinkedProse():
		// A paragraph of sentences that links many of its names
		// (people, places, companies) is still the article's: its
		// links are neutral.
		b.score = float64(b.tokens-b.links) - blockCost
	}
}

// isLinkedProse reports whether b is a long paragraph of sentences in which
// most words are links: prose that links its names, not a link list.
func (b *textBlock) isLinkedProse() bool {
	return b.tokens > maxLinkListTokens && b.punct >= minLinkedProsePunct && b.linkRatio() > junkLinkRatio
}

// A link-heavy block longer than maxLinkListTokens, with at least
// minLinkedProsePunct sentence marks, is prose rather than a link list.
const (
	maxLinkListTokens   = 40
	minLinkedProsePunct = 3
)

// classify sets the flags that depend on b's text alone, once.
func (b *textBlock) classify() {
	if b.classified {
		return
	}
	b.classified = true
	if c, ok := b.cache[b.text]; ok {
		b.blockClass = c
		return
	}
	defer func() {
		if b.cache != nil {
			b.cache[b.text] = b.blockClass
		}
	}()
	b.marker = isEndMarker(b.text)
	b.notice = !b.marker && isBoilerplateLine(b.text)
	b.captionLine = isCaptionLine(b.text)
	// A block as long as maxBylineTokens is no byline to the scoring or
	// the pruning, and dates are dear to look for.
	b.byline = b.tokens < maxBylineTokens && isBylineLine(b.text)
	b.menu = isLanguageMenu(b.text) || isKeywordBlock(b.text)
}

// isJunk reports whether b is to be removed even inside the article: a
// link list or share bar, a copyright or disclaimer line, or a "related
// reading" heading.
func (b *textBlock) isJunk() bool {
	if b.tokens == 0 {
		return false
	}
	if b.caption || b.aside {
		return true
	}
	if b.linkRatio() > junkLinkRatio && !(b.isProse() && b.tokens > maxLinkListTokens) {
		return true
	}
	b.classify()
	return b.marker || b.notice || b.caption || b.aside || b.captionLine || b.menu ||
		b.byline && b.tokens < 40 && !strings.ContainsAny(b.text, "。！？!?")
}

// isStoryCaption reports whether b is a caption that says what a picture
// shows (not a bare credit such as "记者 张三 摄"), and nothing else
// that is junk.
func (b *textBlock) isStoryCaption() bool {
	b.classify()
	return (b.caption || b.captionLine) && b.tokens >= minCaptionProse && !b.aside && !b.notice && !b.marker && !b.menu &&
		b.linkRatio() <= junkLinkRatio
}

// Captions stay in articles whose other prose is under maxPhotoStoryTokens
// (photo stories, galleries: the captions are the story), when they have
// minCaptionProse tokens.
const (
	minCaptionProse         = 8
	maxPhotoStoryTokens     = 200
	maxPhotoStoryParagraphs = 2
)

// languageNames are how language menus name their languages.
var languageNames = []string{
	"english", "简体", "繁體", "繁体", "中文", "日本語", "한국어", "français", "español", "deutsch", "русский",
	"português", "italiano", "العربية", "tiếng việt", "bahasa", "ไทย",
}

// isLanguageMenu reports whether s is a menu of languages ("English |
// 简体 | 繁體 | 日本語"): short, without sentence punctuation, and naming
// three or more.
func isLanguageMenu(s string) bool {
	if len(s) > maxMenuBytes || strings.ContainsAny(s, "。，！？；.!?;") {
		return false
	}
	ls := strings.ToLower(s)
	n := 0
	for _, name := range languageNames {
		if strings.Contains(ls, name) {
			n++
		}
	}
	return n >= 3
}

// reKeywordLabel starts a keyword or tag list.
var reKeywordLabel = regexp.MustCompile(`(?i)^\s*[【\[]?(?:关键词|关键字|關鍵詞|關鍵字|标签|標籤|热门搜索|熱門搜尋|热门关键词|相关搜索|相關搜尋|tags?|keywords?|topics?)[】\]]?\s*[:：]`)

// isKeywordBlock reports whether s is a keyword or tag list, as SEO
// footers and tag clouds are: labelled ("关键词：…", "Tags: …"), or six or
// more short items between commas or bars with no sentence punctuation.
func isKeywordBlock(s string) bool {
	if len(s) > maxMenuBytes {
		return false
	}
	if mayMatch(s, keywordLabelWords) && reKeywordLabel.MatchString(s) {
		return true
	}
	if strings.ContainsAny(s, "。，！？；：、") {
		return false
	}
	items, runes := 0, 0
	for len(s) > 0 {
		i := strings.IndexAny(s, ",|｜/")
		it := s
		if i >= 0 {
			it = s[:i]
			_, w := utf8.DecodeRuneInString(s[i:])
			s = s[i+w:]
		} else {
			s = ""
		}
		if it = strings.TrimSpace(it); it != "" {
			items++
			runes += utf8.RuneCountInString(it)
		}
	}
	return items >= minKeywordItems && runes <= maxKeywordRunes*items
}

// Bounds of language menus and keyword blocks.
const (
	maxMenuBytes    = 600
	minKeywordItems = 6
)

// reImageCaption matches image captions and credits: "图为：…", "（李敏摄）",
// "(Image: Getty)", "Photo: Jane Doe / AP", "Image 1 of 9".
var reImageCaption = regexp.MustCompile(`(?i)^(?:图|圖)(?:为|為|片|示|注|说|說)?\s*[:：]|^(?:图|圖)\s*\d+|[(（][^()（）]{0,30}(?:摄|攝)(?:影)?\s*[)）]\s*$|(?:摄影|攝影|图片|圖片)\s*[:：／/]|` +
	`^(?:image|photo|picture|graphic|illustration|video)s?\s*(?:\d+\s*(?:of|/)\s*\d+|credits?\s*:|:)|` +
	`\((?:image|photo|picture|pictured|credit)s?(?: credit)?\s*:[^)]*\)\s*$|^(?:caption|close|expand|enlarge|view (?:gallery|slideshow)|advert|advertisement|sponsored)$|` +
	`(?:getty images|associated press|reuters|afp|shutterstock|istock)\s*\)?\s*$|^\d+\s*of\s*\d+`)

// isCaptionLine reports whether s is an image caption or credit.
func isCaptionLine(s string) bool {
	n := utf8.RuneCountInString(s)
	return n <= maxCaptionRunes && mayMatch(s, captionWords) && reImageCaption.MatchString(s) ||
		n <= maxPhotoCreditRunes && isShortCredit(s)
}

// isShortCredit reports whether s ends as a photo credit line does:
// "记者 张三 摄", "…摄影".
func isShortCredit(s string) bool {
	s = strings.TrimRight(s, " \t\n\f\r")
	s = strings.TrimSuffix(s, "影")
	return strings.HasSuffix(s, "摄") || strings.HasSuffix(s, "攝")
}

// maxPhotoCreditRunes bounds the lines reShortCredit is tried on.
const maxPhotoCreditRunes = 30

// maxCaptionRunes bounds the lines isCaptionLine considers.
const maxCaptionRunes = 120

var (
	// reEndMarker matches the heading of a block that follows an article:
	// related and recommended reading, most-read lists, comments, the
	// site's copyright notice.
	reEndMarker = regexp.MustCompile(`(?i)^[\s【\[「『《<(（■▲▼●◆★☆>»·•-]*(?:最|本(?:版|站|网|網|周|週|日)|今日|24小时|24小時)?(?:` +
		`相关(?:阅读|新闻|文章|链接|报道|推荐|专题|内容|资讯|稿件|搜索|图片|视频)|相關(?:閱讀|新聞|文章|連結|報導|推薦|專題|內容|搜尋|圖片|影音)|` +
		`推荐阅读|推薦閱讀|延伸阅读|延伸閱讀|扩展阅读|擴展閱讀|猜你喜欢|猜你喜歡|你(?:可能|也许|或许)?(?:还)?(?:感兴趣|喜欢|會喜歡)|` +
		`热门|熱門|热点|熱點|热读|热文|热帖|人气|人氣|排行|点击排行|精彩(?:推荐|图片|专题)|更多(?:新闻|阅读|精彩|文章|相关|新聞|閱讀|內容|内容|报道|報導)?|` +
		`网友(?:评论|回应|回應|评论仅供)|網友(?:評論|回應)|最新评论|最新評論|发表评论|發表評論|我要评论|评论区|跟贴|跟帖|留言板|` +
		`版权声明|版權聲明|免责声明|免責聲明|` +
		`related(?: articles?| stories| posts| content| coverage| reading| news| links| topics)?|read (?:more|next|also)|more (?:from|stories|on this|news|in)|` +
		`recommended(?: for you| stories| reading| articles)?|you (?:may|might) also (?:like|enjoy)|most (?:popular|read|viewed|shared)|trending(?: now)?|` +
		`(?:\d+ )?comments?|leave a (?:comment|reply)|share this(?: article| story| post)?|about the author|popular (?:posts|stories)` +
		`)(?:新闻|新聞|文章|推荐|推薦|阅读|閱讀|排行榜?|评论|評論|资讯|資訊|话题|話題|图片|圖片|视频|視頻|专题|專題|报道|報導|内容|內容|链接|連結|榜)?\s*[】\]」』》>)）:：»›]*\s*(?:[:：]|\.{3}|…|>>|》)?\s*$`)
	// reBoilerplate matches copyright, reprint and disclaimer notices,
	// share bars, page tools (font size, print, close) and the source and
	// editor credits that close a Chinese article.
	reBoilerplate = regexp.MustCompile(`(?i)版权所有|版權所有|copyright\s*(?:©|\(c\)|[0-9])|©\s*[0-9]{4}|all rights reserved|` +
		`(?:版权|版權).{0,30}(?:转载|轉載|授权|授權|归|歸|属于|屬於|均属|均屬)|(?:转载|轉載).{0,30}(?:版权|版權|注明|註明|出处|出處)|` +
		// "未经许可" alone is in news prose too ("未经许可，擅自…"): a
		// notice goes on to forbid a reuse.
		`(?:未经|未經).{0,12}(?:授权|许可|同意|授權|許可).{0,16}(?:转载|轉載|复制|複製|使用|摘编|摘編|镜像|鏡像|链接|連結|引用|刊登|刊用|不得|禁止|严禁|嚴禁)|` +
		`不代表本(?:网|站|报|台|網|報|刊)|与本(?:网|站)立场无关|與本(?:網|站)立場無關|` +
		`(?:并|並)?不(?:意味着|意味著|表明|代表)(?:本(?:网|站|網))?.{0,6}(?:赞同|讚同|同意|证实|證實)|` +
		`(?:据此|據此)操作.{0,4}风险自担|風險自負|风险自负|` +
		`(?:版权|版權|免责|免責|严正|嚴正|郑重|鄭重)(?:与|與|及|和)?(?:免责|免責)?(?:声明|聲明|申明)|^.{0,12}(?:网|網|站)(?:声明|聲明)\s*[:：]|^\s*(?:分享到|分享至|分享|转发到|轉發到|share (?:on|this|to)|follow us)\s*[:：]?|` +
		`字号\s*[:：]|字號\s*[:：]|文字大小|打印本(?:页|文)|列印|关闭窗口|關閉視窗|[【\[](?:关闭|關閉|打印|列印)[】\]]|复制链接|複製連結|` +
		`收藏本文|推荐给(?:朋友|好友)|快速翻页|返回(?:首页|顶部|頂部)|回到顶部|` +
		`^[(（【\[]?\s*(?:本文|文章|稿件|新闻|新聞)?(?:来源|來源|稿源|出处|出處|责任编辑|責任編輯|编辑|編輯|责编|責編|校对|校對)\s*[:：]`)
)

// boilerplateWords, endMarkerWords, keywordLabelWords and captionWords are
// literals of which every match of reBoilerplate, reEndMarker,
// reKeywordLabel, respectively reImageCaption, holds one (lower-cased): a
// line without any is let go without running the regexp.
var (
	boilerplateWords = newLiterals("版权", "版權", "copyright", "©", "rights", "转载", "轉載", "转发", "轉發", "未经", "未經",
		"不代表", "不意味", "不表明", "立场", "立場", "据此", "據此", "風險", "风险", "声明", "聲明", "申明", "分享", "share",
		"follow", "字号", "字號", "文字大小", "打印", "列印", "关闭", "關閉", "复制", "複製", "收藏", "推荐给", "推薦給", "翻页",
		"返回", "回到", "来源", "來源", "稿源", "出处", "出處", "编辑", "編輯", "责编", "責編", "校对", "校對")
	endMarkerWords = newLiterals("相关", "相關", "推荐", "推薦", "延伸", "扩展", "擴展", "你", "热", "熱", "人气", "人氣",
		"排行", "精彩", "更多", "网友", "網友", "评论", "評論", "跟贴", "跟帖", "留言", "版权", "版權", "免责", "免責",
		"related", "read ", "more", "recommended", "you ", "most ", "trending", "comment", "leave a ", "share this",
		"about the author", "popular ")
	keywordLabelWords = newLiterals("关键", "關鍵", "标签", "標籤", "热门", "熱門", "相关搜索", "相關搜尋", "tag", "keyword", "topic")
	captionWords      = newLiterals("图", "圖", "摄", "攝", "image", "photo", "picture", "graphic", "illustration", "video",
		"credit", "caption", "close", "expand", "enlarge", "view", "advert", "sponsored", "getty", "associated press",
		"reuters", "afp", "shutterstock", "istock", "of")
)

// literals is a set of lower-case strings to look for in a text, indexed
// by their first rune so that one pass over the text finds any of them.
type literals struct {
	byFirst map[rune][]string
	ascii   [utf8.RuneSelf]bool // an ASCII first rune
	han     []uint64            // bit r-0x4e00: a first rune among the common ideographs
	other   bool                // a first rune that is neither
}

// newLiterals returns the set of words.
func newLiterals(words ...string) *literals {
	l := &literals{byFirst: make(map[rune][]string), han: make([]uint64, (0x9fff-0x4e00)/64+1)}
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		l.byFirst[r] = append(l.byFirst[r], w)
		switch {
		case r < utf8.RuneSelf:
			l.ascii[r] = true
		case r >= 0x4e00 && r <= 0x9fff:
			l.han[(r-0x4e00)/64] |= 1 << ((r - 0x4e00) % 64)
		default:
			l.other = true
		}
	}
	return l
}

// in reports whether s contains one of l's words.
func (l *literals) in(s string) bool {
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if !l.ascii[r] {
				continue
			}
		case r >= 0x4e00 && r <= 0x9fff:
			if l.han[(r-0x4e00)/64]&(1<<((r-0x4e00)%64)) == 0 {
				continue
			}
		case !l.other:
			continue
		}
		for _, w := range l.byFirst[r] {
			if strings.HasPrefix(s[i:], w) {
				return true
			}
		}
	}
	return false
}

// inWords is in, but a word of l that starts and ends with an ASCII
// letter matches only as a whole word of s: not next to other ASCII
// letters or digits.
func (l *literals) inWords(s string) bool {
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if !l.ascii[r] || i > 0 && isASCIIAlnum(s[i-1]) {
				continue
			}
		case r >= 0x4e00 && r <= 0x9fff:
			if l.han[(r-0x4e00)/64]&(1<<((r-0x4e00)%64)) == 0 {
				continue
			}
		case !l.other:
			continue
		}
		for _, w := range l.byFirst[r] {
			if !strings.HasPrefix(s[i:], w) {
				continue
			}
			if r >= utf8.RuneSelf || i+len(w) == len(s) || !isASCIIAlnum(s[i+len(w)]) || !isASCIIAlnum(w[len(w)-1]) {
				return true
			}
		}
	}
	return false
}

// isASCIIAlnum reports whether c is an ASCII letter or digit.
func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// mayMatchWord is mayMatch with inWords.
func mayMatchWord(s string, words *literals) bool {
	return words.inWords(strings.ToLower(s))
}

// mayMatch reports whether s, lower-cased, contains one of words.
func mayMatch(s string, words *literals) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			s = strings.ToLower(s)
			break
		}
	}
	return words.in(s)
}

// isEndMarker reports whether s is the heading of a related-reading or
// comments block (short, and nothing but the heading).
func isEndMarker(s string) bool {
	return utf8.RuneCountInString(s) <= 24 && mayMatch(s, endMarkerWords) && reEndMarker.MatchString(s)
}

// isBoilerplateLine reports whether s is a copyright, reprint or
// disclaimer notice, a share bar, a page-tools line or a source or editor
// credit. Long text never is: prose may quote such words.
func isBoilerplateLine(s string) bool {
	n := utf8.RuneCountInString(s)
	switch {
	case n <= maxBoilerplateRunes:
		return mayMatch(s, boilerplateWords) && reBoilerplate.MatchString(s)
	case n <= maxNoticeRunes && (strings.Contains(s, "权") || strings.Contains(s, "權")):
		// A whole copyright and disclaimer notice in one block.
		return len(reBoilerplate.FindAllStringIndex(s, minNoticeMatches)) >= minNoticeMatches
	}
	return false
}

// A block of up to maxNoticeRunes with minNoticeMatches boilerplate
// phrases is a notice.
const (
	maxNoticeRunes   = 1000
	minNoticeMatches = 3
)

// maxBoilerplateRunes bounds the lines isBoilerplateLine considers.
const maxBoilerplateRunes = 160

// bestRun returns the bounds [from, to) of the contiguous run of blocks
// with the highest total score (Kadane's algorithm), or 0, 0 when no run
// has a positive total.
func bestRun(blocks []*textBlock) (from, to int) {
	best, cur, start := 0.0, 0.0, 0
	for i, b := range blocks {
		if cur <= 0 {
			cur, start = 0, i
		}
		cur += b.score
		if cur > best {
			best, from, to = cur, start, i+1
		}
	}
	return from, to
}

// pruneStats describes a content tree before and after pruneBoilerplate.
type pruneStats struct {
	kept, total int // tokens kept, tokens there were
	proseTokens int // kept tokens in prose blocks
	linkHeads   int // blocks that are one headline link (a link to another article)
	teasers     int // prose blocks right after a headline link: an index page's summaries
	proseBlocks int // prose blocks, kept or not
	longest     int // tokens of the longest prose block
}

// pruneBoilerplate removes from the content tree root every block outside
// the best-scoring run and every junk block inside it, then the elements
// left empty.
func pruneBoilerplate(root *html.Node) pruneStats {
	return pruneBoilerplateWith(root, nil)
}

// pruneBoilerplateWith is pruneBoilerplate reusing the classifications in
// cache (nil for none), and adding its own.
func pruneBoilerplateWith(root *html.Node, cache map[string]blockClass) pruneStats {
	blocks := collectBlocks(root)
	for _, b := range blocks {
		b.cache = cache
		scoreBlock(b)
	}
	from, to := bestRun(blocks)
	to = cutAtEndMarker(blocks, from, to)
	to = extendOverList(blocks, from, to)
	from = extendOverBox(blocks, from, to)
	st, keep := keepRun(blocks, from, to)
	for i, b := range blocks {
		if keep[i] {
			continue
		}
		for _, n := range b.nodes {
			if n.Parent != nil {
				n.Parent.RemoveChild(n)
			}
		}
	}
	removeEmpty(root)
	return st
}

// keepRun returns which of blocks the article keeps when its text is the
// run [from, to) — the run's blocks that are not junk, the captions of a
// photo story, and the pictures right before and after the run — with
// the statistics of blocks.
func keepRun(blocks []*textBlock, from, to int) (pruneStats, []bool) {
	var st pruneStats
	for i, b := range blocks {
		st.total += b.tokens
		if isHeadlineLink(b) {
			st.linkHeads++
		} else if b.isProse() {
			st.proseBlocks++
			st.longest = max(st.longest, b.tokens)
			if i > 0 && isHeadlineLink(blocks[i-1]) {
				st.teasers++
			}
		}
	}
	// Images right before or after the text belong to the article (a lead
	// picture above the first paragraph).
	for from > 0 && from < to && blocks[from-1].tokens == 0 && blocks[from-1].media {
		from--
	}
	for to > from && to < len(blocks) && blocks[to].tokens == 0 && blocks[to].media {
		to++
	}
	story, paragraphs := 0, 0
	for _, b := range blocks[from:to] {
		if b.isProse() && !b.isJunk() {
			story += b.tokens
			paragraphs++
		}
	}
	photoStory := story < maxPhotoStoryTokens && paragraphs <= maxPhotoStoryParagraphs
	keep := make([]bool, len(blocks))
	for i, b := range blocks {
		if i >= from && i < to && (!b.isJunk() || photoStory && b.isStoryCaption()) {
			keep[i] = true
			st.kept += b.tokens
			if b.isProse() {
				st.proseTokens += b.tokens
			}
		}
	}
	return st, keep
}

// cutAtEndMarker returns the new end of the run [from, to): the first
// related-reading, comments or copyright heading inside it when at least
// as much text comes before the heading as after it (it is then the start
// of what follows the article, and everything after it goes), else to.
func cutAtEndMarker(blocks []*textBlock, from, to int) int {
	total := 0
	for _, b := range blocks[from:to] {
		if !b.isJunk() {
			total += b.tokens
		}
	}
	before := 0
	for i := from; i < to; i++ {
		b := blocks[i]
		if isEndMarker(b.text) && before > 0 && before >= total-before && !resumesAfterBox(blocks, i, to) {
			return i
		}
		if !b.isJunk() {
			before += b.tokens
		}
	}
	return to
}

// resumesAfterBox reports whether the related-reading heading at block i
// opens a box inside the article (a "Read more" card, an in-body 相关阅读
// list) rather than what follows it: the article's prose resumes within
// maxBoxBlocks blocks, before the end of the run at to — a paragraph that
// is not junk and not a teaser under a headline link.
func resumesAfterBox(blocks []*textBlock, i, to int) bool {
	if !mayMatch(blocks[i].text, boxMarkerWords) {
		return false // a comments or copyright heading ends the article
	}
	for j := i + 1; j < to && j <= i+maxBoxBlocks; j++ {
		b := blocks[j]
		switch {
		case b.tokens == 0:
			continue
		case isEndMarker(b.text):
			return false
		case b.tag != atom.Li && b.tokens >= minLeadTokens && b.isProse() && !b.isJunk() && !isHeadlineLink(blocks[j-1]):
			return true
		}
	}
	return false
}

// boxMarkerWords are in the headings of related-reading boxes that sit
// inside an article.
var boxMarkerWords = newLiterals("相关", "相關", "推荐阅读", "推薦閱讀", "延伸", "扩展", "擴展", "related", "read ", "recommended", "more on", "more from")

// extendOverList returns the new end of the run [from, to): when a list of
// plain text follows it (a heading or label may introduce it), the list
// ends the article — "Qualified teams" and its twenty lines, the steps
// of a recipe — and the run takes it in.
func extendOverList(blocks []*textBlock, from, to int) int {
	if to <= from {
		return to
	}
	j := to
	for j < len(blocks) && blocks[j].tokens == 0 {
		j++
	}
	if j < len(blocks) && blocks[j].tag != atom.Li && blocks[j].tokens <= maxListLabelTokens && blocks[j].links == 0 && !blocks[j].isJunk() {
		j++ // the list's heading or label
	}
	items, end := 0, to
	for ; j < len(blocks); j++ {
		b := blocks[j]
		if b.tokens == 0 {
			continue
		}
		if b.tag != atom.Li && !isNumberedItem(b) || b.links > 0 || b.isJunk() {
			break
		}
		items++
		end = j + 1
	}
	if items < minListItems {
		return to
	}
	return extendOverList(blocks, from, end) // the next list (steps after ingredients)
}

// extendBackOverList returns the new start of the run [from, to): when a
// list of plain text (key points, the codes a guide explains), with the
// label that introduces it, comes right before the run, the article
// starts with it.
func extendBackOverList(blocks []*textBlock, from, to int) int {
	if to <= from {
		return from
	}
	j := from - 1
	for j >= 0 && blocks[j].tokens == 0 {
		j--
	}
	items, tokens, start := 0, 0, from
	for ; j >= 0; j-- {
		b := blocks[j]
		if b.tokens == 0 {
			continue
		}
		if b.tag != atom.Li && !isNumberedItem(b) || b.links > 0 || b.isJunk() {
			break
		}
		items++
		tokens += b.tokens
		start = j
	}
	// A menu of one-word buttons (字号: 大 中 小) is no list of the
	// article's.
	if items < minListItems || tokens < minBackListItemTokens*items {
		return from
	}
	for j >= 0 && blocks[j].tokens == 0 {
		j--
	}
	if j >= 0 && blocks[j].tag != atom.Li && blocks[j].tag != atom.H1 && blocks[j].tokens <= maxListLabelTokens &&
		blocks[j].links == 0 && !blocks[j].isJunk() {
		start = j
	}
	return start
}

// minBackListItemTokens is the mean length of the items of a list that
// extendBackOverList takes in.
const minBackListItemTokens = 3

// isNumberedItem reports whether b is an item of a list written as
// short numbered paragraphs ("1、香港", "2. Add the eggs"), not in <li>.
func isNumberedItem(b *textBlock) bool {
	return b.tokens <= maxNumberedItemTokens && reNumberedItem.MatchString(b.text)
}

// reNumberedItem matches the number that starts a list item.
var reNumberedItem = regexp.MustCompile(`^[(（]?(?:[0-9]{1,3}|[一二三四五六七八九十]{1,3})\s*(?:[、.．)）]|\s)`)

// maxNumberedItemTokens bounds an item isNumberedItem takes for one.
const maxNumberedItemTokens = 40

// A list that extendOverList takes in has at least minListItems items
// after a label of at most maxListLabelTokens.
const (
	minListItems       = 2
	maxListLabelTokens = 16
)

// removeEmpty removes the elements below root that hold neither text nor
// media.
func removeEmpty(root *html.Node) {
	var walk func(n *html.Node) bool // reports whether n holds content
	walk = func(n *html.Node) bool {
		switch n.Type {
		case html.TextNode:
			return strings.TrimSpace(n.Data) != ""
		case html.ElementNode:
			if mediaTags[n.DataAtom] || n.DataAtom == atom.Br || n.DataAtom == atom.Hr {
				return true
			}
		}
		has := false
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if walk(c) {
				has = true
			} else if c.Type == html.ElementNode {
				n.RemoveChild(c)
			}
			c = next
		}
		return has
	}
	walk(root)
}

// recoverLede puts back the paragraphs the content tree root lost between
// the headline and its first paragraph: a lede or summary that sits
// outside the element the algorithms chose (the page's headline, byline,
// lede and body are often siblings). Only lines of the page's text that
// read as sentences come back, and none from captions or asides, so
// bylines, share bars and photo captions between the headline and the
// body stay out.
func recoverLede(root *html.Node, scan *pageScan, headline string) {
	if headline == "" {
		return
	}
	lines := scan.lines
	firstText := firstTextBlock(root)
	if firstText == nil {
		return
	}
	h := headlineIndex(lines, []string{headline})
	first := lineIndex(lines, firstText.text)
	if h < 0 || first <= h+1 || first-h > maxLedeGap {
		return
	}
	var lede []string
	for i, l := range lines[h+1 : first] {
		if !scan.aside[h+1+i] && isLedeLine(l) {
			lede = append(lede, l)
		}
	}
	anchor := firstText.nodes[0]
	for _, l := range lede {
		p := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
		p.AppendChild(&html.Node{Type: html.TextNode, Data: l})
		anchor.Parent.InsertBefore(p, anchor)
	}
}

// maxLedeGap bounds the lines between the headline and the body that
// recoverLede looks at.
const maxLedeGap = 8

// isLedeLine reports whether a line between the headline and the body is
// a sentence of the article rather than a byline, tools or a caption.
func isLedeLine(l string) bool {
	b := &textBlock{text: l}
	b.cjk, b.tokens = zh.CountHanAndWords(l)
	b.tokens += b.cjk
	b.punct = countSentencePunct(l)
	if b.tokens < minLedeTokens || !strings.ContainsAny(l, "。！？!?") && !strings.Contains(l, ". ") {
		return false
	}
	b.classify()
	return !b.marker && !b.notice && !b.captionLine && !isBylineLine(l) && !b.menu
}

// maxBylineTokens bounds the blocks classify looks for a byline in.
const maxBylineTokens = 60

// minLedeTokens is the length a recovered lede needs.
const minLedeTokens = 20
