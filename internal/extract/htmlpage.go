package extract

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	htmldate "github.com/markusmobius/go-htmldate"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/htmlparse"
	"github.com/newsvault/newsvault/internal/zh"
)

// extractHTML is the HTML path of Extract.
func (e *Extractor) extractHTML(ctx context.Context, pageURL *url.URL, text string) (*Result, error) {
	doc, err := htmlparse.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("parse html: %w", err)
	}
	head := readHead(doc)
	base := pageURL
	if head.Base != "" {
		if u := resolveURL(pageURL, head.Base); u != nil && u.IsAbs() {
			base = u
		}
	}
	scan := scanPage(doc)
	pageText := strings.Join(scan.lines, "\n")
	chinese := strings.HasPrefix(strings.ToLower(head.Lang), "zh") || zh.LooksChinese(pageText)
	loc := e.location(chinese, ruleHost(pageURL, head))
	declaredTitle := firstNonEmpty(head.Title, head.OGTitle)
	earlyHeadline := findHeadline(doc, head.OGTitle, head.Title)
	if kind, reason := classifyBefore(declaredTitle, scan, earlyHeadline != ""); kind != "" {
		return nil, notArticle(kind, "%s", reason)
	}

	rule := e.rules.Match(ruleHost(pageURL, head))
	if rule != nil {
		stripByRule(doc, rule)
	}
	splitDoubleBreaks(doc)
	promoteLazyImages(doc)
	revealHiddenContent(doc)

	var (
		rr ruleResult
		c  *candidate
	)
	if rule != nil {
		rr = applyRule(doc, rule)
		c = rr.content
	}
	pageHeadline := earlyHeadline
	if rule != nil {
		// The rule may have stripped or picked the headline's element.
		pageHeadline = findHeadline(doc, head.OGTitle, head.Title)
	}
	if c == nil && (rule == nil || rule.AutodetectOnFailure) {
		if c, err = e.chooseContent(ctx, doc, pageURL, pageHeadline); err != nil {
			return nil, err
		}
		if c != nil && c.listing == nil {
			c.listing = &c.stats
		}
	}
	var headline, contentHTML, contentText string
	var contentRoot *html.Node
	tokens := 0
	if c != nil && c.tokens > 0 {
		headline = collapseSpace(rr.title)
		if headline == "" {
			headline = pageHeadline
		}
		dropLeadingHeadline(c.root, headline)
		if chinese && (rule == nil || c != rr.content) {
			// Chinese templates often set the lede (导语, 摘要) apart from
			// the body; on English pages what sits there is more often a
			// photo caption.
			recoverLede(c.root, scan, headline)
		}
		absolutize(c.root, base)
		contentHTML = renderChildren(c.root)
		contentRoot = c.root
		contentText = content.NodeText(c.root)
		if !tooShort(contentText) {
			cjk, words := zh.CountHanAndWords(contentText)
			tokens = cjk + words
		}
	}
	if kind, reason := classifyAfter(declaredTitle, scan, c, tokens); kind != "" {
		return nil, notArticle(kind, "%s", reason)
	}

	bl := findHTMLByline(scan.lines, []string{headline, head.OGTitle, head.Title}, contentText)
	closingAuthor, closingEditor := findClosingCredit(scan.lines, contentText)
	published := ruleDate(rr.date, loc)
	if published.IsZero() {
		published = chooseDate(bl, head.Published, loc)
	}
	if published.IsZero() {
		if dr, err := runHTMLDate(ctx, doc, pageURL); err == nil {
			published = htmlDateTime(dr, loc)
		}
	}
	r := &Result{
		HTML:      contentHTML,
		Root:      contentRoot,
		Text:      contentText,
		Published: published,
		Updated:   firstDate(head.Modified, loc),
		SiteName:  head.SiteName,
		// The visible credit first: Chinese sites often put the site or
		// its software in <meta name=author>.
		Author: firstNonEmpty(cleanAuthor(rr.author), bl.Author, closingAuthor, notSiteName(head.Author, head),
			notSiteName(c.author, head), closingEditor),
		Language: head.Lang,
	}
	r.Language = checkLanguage(r.Language, contentText)
	r.Title = headline
	if r.Title == "" {
		r.Title = chooseTitle(r.SiteName, head.OGTitle, head.Title, c.title)
	}
	if u := resolveURL(base, head.Image); u != nil && isWeb(u) {
		r.Image = u.String()
	}
	for _, c := range []string{head.Canonical, head.OGURL} {
		if u := resolveURL(base, c); u != nil && isWeb(u) {
			r.Canonical = u.String()
			break
		}
	}
	return r, nil
}

// notSiteName returns the author a <meta> tag or a byline element
// declares, cleaned, unless it is the site's name (Chinese portals put
// "网易" or "新浪网" there): the og:site_name, or a segment of the <title>
// after the headline.
func notSiteName(author string, head headInfo) string {
	a := cleanAuthor(author)
	if a == "" || strings.EqualFold(a, head.SiteName) {
		return ""
	}
	if t := collapseSpace(head.Title); strings.Contains(t, a) && !strings.HasPrefix(t, a) {
		if i := strings.LastIndex(t, a); i > 0 && strings.ContainsAny(t[:i], "_-|｜–—·") {
			return ""
		}
	}
	return a
}

// chooseContent finds the article's content tree in doc with the generic
// algorithms: go-readability's candidate, pruned of boilerplate, unless it
// fails or keeps almost nothing; then go-trafilatura's too, and the one
// that keeps more text wins. (Running trafilatura on every page would
// double the time for a small gain: readability's pruned candidate is the
// better one on most pages, and on short ones trafilatura's more often
// brings boilerplate along.)
func (e *Extractor) chooseContent(ctx context.Context, doc *html.Node, pageURL *url.URL, headline string) (c *candidate, err error) {
	rc := mainBlockCandidate(doc, headline)
	if rc != nil && rc.tokens >= minConfidentTokens {
		return rc, nil
	}
	defer func() {
		// Whichever wins, readability's view of the page's main block
		// tells an index page best.
		if c != nil && rc != nil {
			c.listing = rc.listing
		}
	}()
	tc, err := trafilaturaCandidate(ctx, doc, pageURL)
	if err != nil {
		return nil, err
	}
	switch {
	case tc == nil:
		return rc, nil
	case rc == nil || tc.tokens > rc.tokens:
		if rc != nil && tc.title == "" {
			tc.title = rc.title
		}
		return tc, nil
	}
	return rc, nil
}

// minConfidentTokens is the pruned readability text below which
// chooseContent asks trafilatura too.
const minConfidentTokens = 30

// runHTMLDate runs go-htmldate in extensive mode, guarding against panics.
func runHTMLDate(ctx context.Context, doc *html.Node, pageURL *url.URL) (res htmldate.Result, err error) {
	if err := ctx.Err(); err != nil {
		return res, err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("htmldate: panic: %v", p)
		}
	}()
	opts := htmldate.Options{ExtractTime: true, UseOriginalDate: true, SkipExtensiveSearch: true}
	if pageURL != nil {
		opts.URL = pageURL.String()
	}
	return htmldate.FromDocument(doc, opts)
}

// htmlDateTime returns go-htmldate's date, moving a zone-less date and time
// to loc: go-htmldate reports those in UTC. go-htmldate also misses zones
// such as the "GMT" of "Tue, 28 Feb 2023 14:12:24 GMT"; when the text it
// read the date from has the same date and time with a zone, that zone is
// used.
func htmlDateTime(r htmldate.Result, loc *time.Location) time.Time {
	t := r.DateTime
	if t.IsZero() || r.HasTimezone {
		return t
	}
	if r.HasTime {
		src := r.SrcString
		if len(src) > maxZoneSearch {
			src = src[:maxZoneSearch]
		}
		for _, m := range zh.FindDates(src, loc) {
			w := m.Time
			if m.Zoned && w.Year() == t.Year() && w.YearDay() == t.YearDay() &&
				w.Hour() == t.Hour() && w.Minute() == t.Minute() {
				return w
			}
		}
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc)
}

// maxZoneSearch bounds the text htmlDateTime searches for a zone.
const maxZoneSearch = 256 << 10

// chooseDate picks the publication date from the visible byline and the
// <meta> values. On Chinese pages the byline is the better source: metadata
// often has only the day, or a day that differs from the one shown. A meta
// date wins only when it has a time and a zone and is within a day of the
// byline's, because then it pins the instant the byline shows in an unknown
// zone.
func chooseDate(bl byline, metaValues []string, loc *time.Location) time.Time {
	var meta zh.Date
	var haveMeta bool
	for _, v := range metaValues {
		if meta, haveMeta = zh.FindDate(v, loc); haveMeta {
			break
		}
	}
	shown := bl.Published(loc)
	switch {
	case shown.IsZero() && haveMeta:
		return meta.Time
	case shown.IsZero():
		return time.Time{}
	case haveMeta && meta.Zoned && meta.Timed && absDuration(meta.Time.Sub(shown)) <= 24*time.Hour:
		return meta.Time
	}
	return shown
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// firstDate returns the first of values that ParseDate reads, or zero.
func firstDate(values []string, loc *time.Location) time.Time {
	for _, v := range values {
		if t, ok := ParseDate(v, loc); ok {
			return t
		}
	}
	return time.Time{}
}

// firstNonEmpty returns the first of vs that is not blank, trimmed.
func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// resolveURL resolves ref against base (which may be nil), or returns nil.
func resolveURL(base *url.URL, ref string) *url.URL {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil
	}
	u, err := url.Parse(ref)
	if err != nil {
		return nil
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	return u
}

// isWeb reports whether u is an absolute http(s) URL.
func isWeb(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// urlAttrs are the attributes absolutize resolves.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true, "poster": true}

// absolutize resolves the URLs in the content tree against base.
func absolutize(n *html.Node, base *url.URL) {
	if base == nil {
		return
	}
	if n.Type == html.ElementNode {
		for i, a := range n.Attr {
			switch {
			case urlAttrs[a.Key]:
				if u := resolveURL(base, a.Val); u != nil {
					n.Attr[i].Val = u.String()
				}
			case a.Key == "srcset":
				n.Attr[i].Val = absSrcset(base, a.Val)
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		absolutize(c, base)
	}
}

// absSrcset resolves each URL of a srcset value.
func absSrcset(base *url.URL, v string) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		if u := resolveURL(base, f[0]); u != nil {
			f[0] = u.String()
		}
		parts[i] = strings.Join(f, " ")
	}
	return strings.Join(parts, ", ")
}

// renderChildren serialises n's children.
func renderChildren(n *html.Node) string {
	var buf bytes.Buffer
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		_ = html.Render(&buf, c) // bytes.Buffer does not fail
	}
	return buf.String()
}

// renderBody serialises the children of doc's <body>, or "" without one.
func renderBody(doc *html.Node) string {
	if b := findElement(doc, atom.Body); b != nil {
		return renderChildren(b)
	}
	return ""
}

// findElement returns the first element below n with tag a, or nil.
func findElement(n *html.Node, a atom.Atom) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == a {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findElement(c, a); f != nil {
			return f
		}
	}
	return nil
}

// splitDoubleBreaks turns each run of two or more <br> that is a direct
// child of a <p>, or of a <div> holding only inline content, into a
// paragraph boundary. trafilatura keeps a single <br> of such a run, which
// would fold every paragraph of a "<br><br>"-style page into one.
func splitDoubleBreaks(doc *html.Node) {
	var targets []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.DataAtom == atom.P || n.DataAtom == atom.Div && onlyInline(n)) && hasBreakRun(n) {
			targets = append(targets, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, n := range targets {
		splitAtBreakRuns(n)
	}
}

// blockAtoms are the elements that make a <div> more than a text container.
var blockAtoms = map[atom.Atom]bool{
	atom.Div: true, atom.P: true, atom.Table: true, atom.Ul: true, atom.Ol: true,
	atom.Dl: true, atom.Section: true, atom.Article: true, atom.Blockquote: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Pre: true, atom.Figure: true, atom.Form: true, atom.Header: true,
	atom.Footer: true, atom.Nav: true, atom.Aside: true, atom.Hr: true,
}

// onlyInline reports whether n has no block-level children.
func onlyInline(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && blockAtoms[c.DataAtom] {
			return false
		}
	}
	return true
}

// isBlank reports whether n is a whitespace-only text node.
func isBlank(n *html.Node) bool {
	return n.Type == html.TextNode && strings.TrimSpace(strings.ReplaceAll(n.Data, "\u00a0", " ")) == ""
}

// isBr reports whether n is a <br>.
func isBr(n *html.Node) bool { return n.Type == html.ElementNode && n.DataAtom == atom.Br }

// breakRunEnd returns the node after the <br> run starting at c (blank text
// between the <br>s belongs to the run) and the run's length.
func breakRunEnd(c *html.Node) (*html.Node, int) {
	count := 0
	for c != nil && (isBr(c) || isBlank(c)) {
		if isBr(c) {
			count++
		}
		c = c.NextSibling
	}
	return c, count
}

// hasBreakRun reports whether n has two or more consecutive <br> children.
func hasBreakRun(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if isBr(c) {
			if _, k := breakRunEnd(c); k >= 2 {
				return true
			}
		}
	}
	return false
}

// splitAtBreakRuns rebuilds n's children as <p> elements split at runs of
// two or more <br>. A <p> is replaced by its pieces; a <div> keeps them as
// children.
func splitAtBreakRuns(n *html.Node) {
	var pieces []*html.Node
	cur := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
	flush := func() {
		for cur.FirstChild != nil && (isBlank(cur.FirstChild) || isBr(cur.FirstChild)) {
			cur.RemoveChild(cur.FirstChild)
		}
		for cur.LastChild != nil && (isBlank(cur.LastChild) || isBr(cur.LastChild)) {
			cur.RemoveChild(cur.LastChild)
		}
		if cur.FirstChild != nil {
			pieces = append(pieces, cur)
		}
		cur = &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
	}
	for c := n.FirstChild; c != nil; {
		if isBr(c) {
			if end, k := breakRunEnd(c); k >= 2 {
				for c != end {
					next := c.NextSibling
					n.RemoveChild(c)
					c = next
				}
				flush()
				continue
			}
		}
		next := c.NextSibling
		n.RemoveChild(c)
		cur.AppendChild(c)
		c = next
	}
	flush()
	if n.DataAtom == atom.P && n.Parent != nil {
		for _, p := range pieces {
			n.Parent.InsertBefore(p, n)
		}
		n.Parent.RemoveChild(n)
		return
	}
	for _, p := range pieces {
		n.AppendChild(p)
	}
}
