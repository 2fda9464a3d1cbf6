package extract

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsvault/newsvault/internal/extract/siterules"
	"github.com/newsvault/newsvault/internal/zh"
)

// builtinRules is loaded once: every Extractor shares the embedded rules.
var builtinRules = sync.OnceValue(siterules.Builtin)

// loadRules returns the built-in rules, overridden by those in dir.
func loadRules(dir string) (*siterules.Set, error) {
	if dir == "" {
		return builtinRules(), nil
	}
	own := &siterules.Set{}
	err := own.LoadDir(dir)
	return siterules.Merge(builtinRules(), own), err
}

// ruleHost returns the host whose rules apply to a page: the page URL's,
// else that of its canonical or og:url link (a saved page without its
// URL still names its site).
func ruleHost(pageURL *url.URL, head headInfo) string {
	if pageURL != nil && pageURL.Hostname() != "" {
		return pageURL.Hostname()
	}
	for _, c := range []string{head.Canonical, head.OGURL} {
		if u := resolveURL(nil, c); u != nil && isWeb(u) {
			return u.Hostname()
		}
	}
	return ""
}

// ruleResult is what a site's rules found on a page.
type ruleResult struct {
	title, author, date string
	content             *candidate // nil when the body expressions matched nothing
}

// stripByRule removes what the rule's strip, strip_id_or_class and
// strip_image_src directives name from doc.
func stripByRule(doc *html.Node, r *siterules.Rule) {
	var doomed []*html.Node
	for _, expr := range r.Strip {
		doomed = append(doomed, siterules.Nodes(doc, expr)...)
	}
	if len(r.StripIDOrClass) > 0 || len(r.StripImageSrc) > 0 {
		var walk func(*html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				if matchesIDOrClass(n, r.StripIDOrClass) || n.DataAtom == atom.Img && srcContains(n, r.StripImageSrc) {
					doomed = append(doomed, n)
					return
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
	}
	for _, n := range doomed {
		if n.Type == html.ElementNode && n.Parent != nil && n.DataAtom != atom.Html && n.DataAtom != atom.Body {
			n.Parent.RemoveChild(n)
		}
	}
}

// matchesIDOrClass reports whether n's id or class contains one of subs,
// as FiveFilters' strip_id_or_class does.
func matchesIDOrClass(n *html.Node, subs []string) bool {
	id, class := attr(n, "id"), attr(n, "class")
	for _, s := range subs {
		if strings.Contains(id, s) || strings.Contains(class, s) {
			return true
		}
	}
	return false
}

// srcContains reports whether an image's src (or lazy-loading attribute)
// contains one of subs.
func srcContains(n *html.Node, subs []string) bool {
	for _, k := range append([]string{"src"}, lazyAttrs...) {
		v := attr(n, k)
		if v == "" {
			continue
		}
		for _, s := range subs {
			if strings.Contains(v, s) {
				return true
			}
		}
	}
	return false
}

// applyRule evaluates a site's rules on doc (already stripped, with lazy
// images promoted). The body is a copy of the matched nodes, so doc stays
// whole for the byline and date search; it is pruned of boilerplate when
// the rule says prune: yes.
func applyRule(doc *html.Node, r *siterules.Rule) ruleResult {
	var res ruleResult
	for _, expr := range r.Title {
		if t := siterules.Text(doc, expr, " "); t != "" {
			res.title = t
			break
		}
	}
	var authors []string
	for _, expr := range r.Author {
		if a := siterules.Text(doc, expr, ", "); a != "" {
			authors = append(authors, a)
			break
		}
	}
	res.author = strings.Join(authors, ", ")
	for _, expr := range r.Date {
		if d := siterules.Text(doc, expr, " "); d != "" {
			res.date = d
			break
		}
	}
	for _, expr := range r.Body {
		nodes := siterules.Nodes(doc, expr)
		if len(nodes) == 0 {
			continue
		}
		root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
		for _, n := range outermost(nodes) {
			root.AppendChild(cloneNode(n))
		}
		c := &candidate{source: "site rules", root: root}
		if r.Prune {
			c.stats = pruneBoilerplate(root)
		} else {
			removeEmpty(root)
			c.stats = pruneStats{kept: countTokens(root), total: countTokens(root)}
			c.stats.proseTokens = c.stats.kept
		}
		c.tokens = c.stats.kept
		if c.tokens > 0 {
			res.content = c
			break
		}
	}
	return res
}

// outermost drops the nodes that lie inside another node of nodes.
func outermost(nodes []*html.Node) []*html.Node {
	in := make(map[*html.Node]bool, len(nodes))
	for _, n := range nodes {
		in[n] = true
	}
	var out []*html.Node
	for _, n := range nodes {
		inside := false
		for p := n.Parent; p != nil; p = p.Parent {
			if in[p] {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, n)
		}
	}
	return out
}

// cloneNode returns a deep copy of n, detached.
func cloneNode(n *html.Node) *html.Node {
	c := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace}
	c.Attr = append([]html.Attribute(nil), n.Attr...)
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		c.AppendChild(cloneNode(k))
	}
	return c
}

// countTokens counts the tokens of the text below n.
func countTokens(n *html.Node) int {
	cjk, words := zh.CountHanAndWords(textOf(n))
	return cjk + words
}

// reScriptTimestamp finds a Unix time assigned to a publication-time
// variable in an inline script: var ct = "1677595144" (WeChat),
// create_time: 1677595144, "publish_time":"1677595144000".
var reScriptTimestamp = regexp.MustCompile(`(?i)\b(?:ct|create_?time|publish_?time|pub_?time|publish_?timestamp|ori_create_time)["']?\s*[:=]\s*["']?([0-9]{10})(?:[0-9]{3})?\b`)

// ruleDate reads the date a rule selected: a Unix time assigned in a
// script (the most precise), a date as pages write them, or a Unix time on
// its own.
func ruleDate(s string, loc *time.Location) time.Time {
	if m := reScriptTimestamp.FindStringSubmatch(s); m != nil {
		if t := unixIn(m[1], loc); !t.IsZero() {
			return t
		}
	}
	if m, ok := zh.FindDate(s, loc); ok && len(s) < maxRuleDateText {
		return m.Time
	}
	if t := strings.TrimSpace(s); len(t) == 10 || len(t) == 13 {
		if _, err := strconv.ParseInt(t, 10, 64); err == nil {
			return unixIn(t[:10], loc)
		}
	}
	return time.Time{}
}

// maxRuleDateText bounds the selected text read as a written date: a
// longer one is a script, read for a timestamp only.
const maxRuleDateText = 200

// unixIn returns the Unix time in seconds s, in loc.
func unixIn(s string, loc *time.Location) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	t := time.Unix(n, 0)
	if !zh.ValidYear(t.Year()) {
		return time.Time{}
	}
	if loc != nil {
		t = t.In(loc)
	}
	return t
}
