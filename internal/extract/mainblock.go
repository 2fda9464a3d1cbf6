package extract

import (
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// This file finds the article's block in a whole page without a second
// parser or a second pass of another extractor: the page's body is split
// into text blocks once (collectBlocks), the blocks are scored as
// pruneBoilerplate scores them, with navigation, share bars, related
// links and other aside-like elements counting against, and the best run
// of blocks — anchored after the headline when the page shows one — is
// the article. Its nearest common ancestor, copied without the blocks
// outside the run and the junk inside it (keepRun, as pruneBoilerplate
// keeps), is the candidate tree: the page is split into blocks only once.

// mainBlockCandidate returns the candidate the block scan finds in doc,
// or nil when no run of blocks reads as text. headline is the visible
// headline's text ("" when unknown).
func mainBlockCandidate(doc *html.Node, headline string) *candidate {
	body := findElement(doc, atom.Body)
	if body == nil {
		body = doc
	}
	blocks := scanBlocks(body)
	if len(blocks) == 0 {
		return nil
	}
	from, to := anchoredRun(blocks, headlineBlock(blocks, headline))
	if to <= from {
		return nil
	}
	to = extendAcrossGaps(blocks, from, to)
	to = cutAtEndMarker(blocks, from, to)
	to = cutAtNextArticle(blocks, from, to)
	to = extendOverList(blocks, from, to)
	from = extendOverBox(blocks, from, to)
	from = extendBackOverList(blocks, from, to)
	var lca *html.Node
	for _, b := range blocks[from:to] {
		if b.tokens == 0 {
			continue
		}
		for _, n := range b.nodes {
			lca = commonAncestor(lca, n)
		}
	}
	if lca == nil {
		return nil
	}
	if lca.Type != html.ElementNode {
		lca = lca.Parent
	}
	// The blocks below lca are a range around the run: keep the run's,
	// drop the others, and copy lca without them.
	lo, hi := from, to
	for lo > 0 && isBelow(blocks[lo-1].nodes[0], lca) {
		lo--
	}
	for hi < len(blocks) && isBelow(blocks[hi].nodes[0], lca) {
		hi++
	}
	st, keep := keepRun(blocks[lo:hi], from-lo, to-lo)
	drop := make(map[*html.Node]bool)
	for i, k := range keep {
		if !k {
			for _, n := range blocks[lo+i].nodes {
				drop[n] = true
			}
		}
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	if lca == body || lca.DataAtom == atom.Body || lca.DataAtom == atom.Html {
		for c := lca.FirstChild; c != nil; c = c.NextSibling {
			if !drop[c] {
				root.AppendChild(cloneWithout(c, drop))
			}
		}
	} else {
		root.AppendChild(cloneWithout(lca, drop))
	}
	removeEmpty(root)
	c := &candidate{source: "blocks", root: root, title: headingBefore(blocks, from)}
	c.stats = st
	c.tokens = c.stats.kept
	if c.stats.longest < maxTeaserTokens && c.stats.proseTokens < 2*maxTeaserTokens {
		// The best the page has is a teaser or two: whether it is an
		// index page is for the page as a whole to tell.
		c.listing = pageListingStats(blocks)
	} else {
		c.listing = &c.stats
	}
	return c
}

// isBelow reports whether n is a descendant of anc.
func isBelow(n, anc *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p == anc {
			return true
		}
	}
	return false
}

// cloneWithout returns a deep copy of n leaving out the nodes in drop and
// everything below them.
func cloneWithout(n *html.Node, drop map[*html.Node]bool) *html.Node {
	c := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace}
	c.Attr = append([]html.Attribute(nil), n.Attr...)
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		if !drop[k] {
			c.AppendChild(cloneWithout(k, drop))
		}
	}
	return c
}

// scanBlocks splits the page body into blocks and scores them for the
// page-wide scan. Blocks of the same text share one classification.
func scanBlocks(body *html.Node) []*textBlock {
	blocks := collectBlocks(body)
	cache := make(map[string]blockClass)
	for i, b := range blocks {
		b.cache = cache
		if b.aside && b.tokens > 0 {
			// Boilerplate by its element, whatever its text says.
			b.score = -blockCost - float64(b.tokens)
			continue
		}
		scoreBlock(b)
		switch {
		case b.score > 0 && i > 0 && isHeadlineLink(blocks[i-1]):
			// A summary under a link to another article: an index's or
			// a "more for you" list's teaser, not the article.
			b.score *= teaserWeight
		}
	}
	return blocks
}

// headingBefore returns the text of the nearest heading (<h1>-<h3>, not a
// link) at most anchorWindow blocks before block i, or "": the title of a
// page that declares none.
func headingBefore(blocks []*textBlock, i int) string {
	for j := i - 1; j >= 0 && j >= i-anchorWindow; j-- {
		b := blocks[j]
		if (b.tag == atom.H1 || b.tag == atom.H2 || b.tag == atom.H3) && b.tokens > 0 && b.links == 0 {
			return b.text
		}
	}
	return ""
}

// pageListingStats counts, over the whole page, what isListing judges:
// headline links, the teasers under them and prose, leaving out asides
// and the lists under related-reading headings (an article's "more
// stories" list does not make it an index page).
func pageListingStats(blocks []*textBlock) *pruneStats {
	st := &pruneStats{}
	related := false
	for i, b := range blocks {
		switch {
		case b.tokens == 0 || b.aside:
			continue
		case isEndMarker(b.text):
			related = true
			continue
		case b.tag == atom.H1 || b.tag == atom.H2:
			related = false
		}
		if related {
			continue
		}
		st.total += b.tokens
		if isHeadlineLink(b) {
			st.linkHeads++
		} else if b.isProse() {
			st.proseBlocks++
			st.proseTokens += b.tokens
			st.longest = max(st.longest, b.tokens)
			if i > 0 && isHeadlineLink(blocks[i-1]) {
				st.teasers++
			}
		}
	}
	return st
}

// teaserWeight scales a teaser's score in the page-wide scan.
const teaserWeight = 0.5

// isHeadlineLink reports whether b is one link long enough to be another
// article's headline.
func isHeadlineLink(b *textBlock) bool {
	return b.tokens >= headlineLinkTokens && b.linkRatio() > junkLinkRatio
}

// headlineBlock returns the index of the block that is the page's
// headline, or -1.
func headlineBlock(blocks []*textBlock, headline string) int {
	h := squash(headline)
	if h == "" {
		return -1
	}
	for i, b := range blocks {
		if b.tokens > 0 && b.links == 0 && squash(b.text) == h {
			return i
		}
	}
	return -1
}

// anchoredRun returns the run of blocks with the best total score. When
// the page's headline is block h and the best run does not start soon
// after it, the best run starting soon after the headline wins instead if
// it holds some prose: a short article (a photo story, a one-paragraph
// brief) under its headline beats a longer teaser list or promo box
// elsewhere on the page.
func anchoredRun(blocks []*textBlock, h int) (from, to int) {
	from, to = bestRun(blocks)
	if h < 0 || to > from && from > h && from <= h+anchorWindow {
		return from, to
	}
	best, body := 0.0, 0
	for i := from; i < to; i++ {
		best += blocks[i].score
		if blocks[i].isProse() && !blocks[i].isJunk() && (i == 0 || !isHeadlineLink(blocks[i-1])) {
			body++
		}
	}
	// The best run starting in (h, h+anchorWindow]: for each start, the
	// best end is where the running sum peaks.
	bestSum := 0.0
	af, at := 0, 0
	for s := h + 1; s <= h+anchorWindow && s < len(blocks); s++ {
		if blocks[s].score <= 0 {
			continue
		}
		sum := 0.0
		for e := s; e < len(blocks); e++ {
			sum += blocks[e].score
			if sum > bestSum {
				bestSum, af, at = sum, s, e+1
			}
			if sum < -maxAnchorDip {
				break
			}
		}
	}
	// A run of paragraphs far below the headline (a video player or a
	// gallery between them) is the article unless the run under the
	// headline is worth a good share of it or reaches it.
	if at > af && bestSum >= minAnchoredScore && (body < minBodyParagraphs || bestSum*anchorShare >= best || at >= to) {
		return af, at
	}
	return from, to
}

// The headline anchor: how many blocks after the headline the article
// may start, the score a run there needs, and how deep a dip in the
// running sum it may cross.
const (
	anchorWindow     = 20
	minAnchoredScore = 12.0
	maxAnchorDip     = 200.0
	// The best run wins over the anchored one when it holds
	// minBodyParagraphs paragraphs that are not teasers and scores more
	// than anchorShare times the anchored run.
	minBodyParagraphs = 4
	anchorShare       = 3.0
)

// extendAcrossGaps returns the new end of the run [from, to): when, after
// a gap of at most maxBoxBlocks blocks that are no prose (embedded posts,
// an ad, a pull quote, a related card), paragraphs resume in the element
// that holds the run's last paragraph, the article goes on there, and the
// run takes in the gap and the best run of blocks that follows.
func extendAcrossGaps(blocks []*textBlock, from, to int) int {
	for {
		last := -1
		for i := to - 1; i >= from; i-- {
			if blocks[i].tokens > 0 && blocks[i].isProse() && !blocks[i].isJunk() {
				last = i
				break
			}
		}
		if last < 0 {
			return to
		}
		parent := blocks[last].nodes[0].Parent
		next := -1
		for j := to; j < len(blocks) && j < to+maxBoxBlocks; j++ {
			b := blocks[j]
			if b.tokens > 0 && b.isProse() && !b.isJunk() {
				if b.nodes[0].Parent == parent {
					next = j
				}
				break
			}
		}
		if next < 0 {
			return to
		}
		sum, best, end := 0.0, 0.0, -1
		for j := next; j < len(blocks); j++ {
			sum += blocks[j].score
			if sum > best {
				best, end = sum, j+1
			}
			if sum < 0 {
				break
			}
		}
		if end < 0 {
			return to
		}
		to = end
	}
}

// cutAtNextArticle returns the new end of the run [from, to): the start
// of a second article when the run runs into one (an infinite-scroll page
// appends the next story, headline first, often in an <article> of its
// own), else to.
func cutAtNextArticle(blocks []*textBlock, from, to int) int {
	var first, proseParent *html.Node
	firstSet := false
	before := 0
	for i := from; i < to; i++ {
		b := blocks[i]
		if b.tokens == 0 {
			continue
		}
		art := enclosingArticle(b.nodes[0])
		if !firstSet {
			first, firstSet = art, true
		} else if before >= minArticleTokens && (b.tag == atom.H1 && b.nodes[0].Parent != proseParent ||
			art != nil && first != nil && art != first || isPager(b)) {
			// A second headline or a pagination bar ends the article;
			// an <h1> among the article's own paragraphs is a section
			// heading (or an in-body link box's) of a multi-section
			// page.
			return i
		}
		if !b.isJunk() {
			before += b.tokens
			if b.isProse() {
				proseParent = b.nodes[0].Parent
			}
		}
	}
	return to
}

// pagerWords name the links of a pagination bar; the English ones are
// whole words ("prev", not the start of "prevent").
var pagerWords = newLiterals("下一页", "上一页", "下页", "上页", "末页", "首页", "next", "prev", "previous", "older", "newer")

// isPager reports whether b is a pagination bar: a short run of links
// naming pages.
func isPager(b *textBlock) bool {
	return b.tokens <= maxPagerTokens && b.linkRatio() > junkLinkRatio && hasTwoDigits(b.text) && mayMatchWord(b.text, pagerWords)
}

// maxPagerTokens bounds a pagination bar.
const maxPagerTokens = 40

// minArticleTokens is the text before a second headline that makes it
// the start of another article rather than the page's own headline.
const minArticleTokens = 50

// enclosingArticle returns the nearest <article> element holding n, or
// nil.
func enclosingArticle(n *html.Node) *html.Node {
	for p := n; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.DataAtom == atom.Article {
			return p
		}
	}
	return nil
}

// extendOverBox returns the new start of the run [from, to): when the run
// starts right after an in-body box (a "推荐阅读" / "Related" heading and
// its links) that has paragraphs of prose before it, those paragraphs are
// the article's lead and the run starts with them.
func extendOverBox(blocks []*textBlock, from, to int) int {
	i := from - 1
	marker := false
	for gap := 0; i >= 0 && gap < maxBoxBlocks; gap++ {
		b := blocks[i]
		if b.tag == atom.H1 {
			return from
		}
		if b.tokens > 0 && b.isProse() && !b.isJunk() && !b.aside {
			break
		}
		if isEndMarker(b.text) {
			marker = true
		}
		i--
	}
	if !marker || i < 0 {
		return from
	}
	start, lead := from, 0
	for ; i >= 0; i-- {
		b := blocks[i]
		if b.tokens == 0 || b.tag == atom.H1 || !b.isProse() || b.isJunk() || b.aside {
			break
		}
		start, lead = i, lead+b.tokens
	}
	if lead < minLeadTokens {
		return from
	}
	return start
}

// An in-body box spans at most maxBoxBlocks blocks, and the lead before
// it needs minLeadTokens.
const (
	maxBoxBlocks  = 12
	minLeadTokens = 20
)

// commonAncestor returns the nearest node holding both a and b (either
// may be nil: then the other).
func commonAncestor(a, b *html.Node) *html.Node {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	da, db := depth(a), depth(b)
	for ; da > db; da-- {
		a = a.Parent
	}
	for ; db > da; db-- {
		b = b.Parent
	}
	for a != b {
		a, b = a.Parent, b.Parent
	}
	return a
}

// depth is n's number of ancestors.
func depth(n *html.Node) int {
	d := 0
	for p := n.Parent; p != nil; p = p.Parent {
		d++
	}
	return d
}
