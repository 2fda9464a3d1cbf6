package content

import (
	"regexp"
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/content/xsscorpus"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// xssPayload is one payload of the shared corpus (package xsscorpus).
type xssPayload = xsscorpus.Payload

func loadXSSPayloads(t testing.TB) []xssPayload {
	t.Helper()
	ps, err := xsscorpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestXSSCorpusIsWellFormed(t *testing.T) {
	ps := loadXSSPayloads(t)
	if len(ps) < 60 {
		t.Fatalf("%d payloads, want at least 60", len(ps))
	}
	seen := map[string]bool{}
	for i, p := range ps {
		if p.Name == "" || p.Class == "" || p.Payload == "" {
			t.Errorf("payload %d has an empty field: %+v", i+1, p)
		}
		if seen[p.Name] {
			t.Errorf("payload name %q is used twice", p.Name)
		}
		seen[p.Name] = true
	}
}

// xssContexts are the places in an article a payload is put: alone, in
// the middle of a paragraph, in a table cell (foster parenting), inside a
// link and after an unclosed formatting element.
var xssContexts = []struct{ name, before, after string }{
	{"alone", "", ""},
	{"in a paragraph", "<p>Lead paragraph ", " closing words.</p>"},
	{"in a table cell", "<table><tr><td>", "</td></tr></table>"},
	{"in a link", `<a href="https://example.com/">`, "</a>"},
	{"after an open formatting element", "<b><i>", ""},
}

func TestSanitizeStopsEveryXSSPayload(t *testing.T) {
	s := NewSanitizer()
	for _, p := range loadXSSPayloads(t) {
		t.Run(p.Name, func(t *testing.T) {
			for _, c := range xssContexts {
				in := c.before + p.Payload + c.after
				for _, base := range []string{testBase, ""} {
					out := s.Sanitize(in, base)
					for _, why := range xssFindings(out) {
						t.Errorf("%s, base %q: %s\n in  %q\n out %q", c.name, base, why, in, out)
					}
					if again := s.Sanitize(out, base); again != out {
						t.Errorf("%s, base %q: not idempotent\n once  %q\n twice %q", c.name, base, out, again)
					}
				}
			}
		})
	}
}

// Browsers parse the page with scripting on, the sanitiser with it off (so
// that <noscript> images can be rescued). The output must mean the same
// in both, or a <noscript> difference could turn text into markup.
func TestSanitizedXSSPayloadsParseTheSameWithScripting(t *testing.T) {
	s := NewSanitizer()
	for _, p := range loadXSSPayloads(t) {
		out := s.Sanitize(p.Payload, testBase)
		off := renderChildren(parseFragment(out))
		on := renderChildren(parseFragmentScripting(t, out))
		if on != off {
			t.Errorf("%s: the output parses differently with scripting on\n out %q\n off %q\n on  %q", p.Name, out, off, on)
		}
		if off != out {
			t.Errorf("%s: the output is not stable under a parse and render\n out %q\n got %q", p.Name, out, off)
		}
	}
}

func parseFragmentScripting(t *testing.T, s string) *html.Node {
	t.Helper()
	root := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragmentWithOptions(strings.NewReader(s), ctx, html.ParseOptionEnableScripting(true))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
		root.AppendChild(n)
	}
	return root
}

// xssForbiddenElements may not appear in sanitised output at all.
var xssForbiddenElements = map[string]bool{
	"script": true, "iframe": true, "frame": true, "frameset": true, "object": true, "embed": true,
	"applet": true, "form": true, "base": true, "meta": true, "link": true, "style": true,
	"template": true, "noscript": true, "input": true, "button": true, "textarea": true, "select": true,
	"svg": true, "math": true, "portal": true, "dialog": true, "video": true, "audio": true,
	"xmp": true, "plaintext": true, "listing": true, "noembed": true, "noframes": true, "marquee": true,
	"title": true, "image": true,
}

// xssURLAttrs hold URLs that a browser loads or follows.
var xssURLAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "data": true, "cite": true,
	"background": true, "poster": true, "ping": true, "lowsrc": true, "dynsrc": true, "codebase": true,
	"xlink:href": true, "srcdoc": true, "usemap": true, OriginalSrcAttr: true,
}

var (
	// reBadScheme is a script-capable or inline-document scheme at the start
	// of a URL, once whitespace and control characters are gone (browsers
	// strip them before reading the scheme).
	reBadScheme = regexp.MustCompile(`(?i)^(?:javascript|vbscript|livescript|mocha|data|blob|filesystem):`)
	reCtlSpace  = regexp.MustCompile(`[\x00-\x20\x7f\x{200b}\x{feff}]+`)
	reBadStyle  = regexp.MustCompile(`(?i)url\s*\(|expression|binding|@import|behavior|position|javascript|\\`)
)

// xssFindings parses sanitised output as a browser would (scripting on,
// inside a <div>) and lists everything in it that could run script, load a
// resource from a non-web URL or leave the page: forbidden elements, event
// handler attributes, script-capable URLs and style values that load or
// position things. Markup that only appears as text (escaped) is harmless
// and not reported.
func xssFindings(out string) []string {
	var found []string
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Namespace != "" {
				found = append(found, "foreign element "+n.Namespace+":"+n.Data)
			}
			if xssForbiddenElements[n.Data] {
				found = append(found, "element <"+n.Data+">")
			}
			for _, a := range n.Attr {
				k := strings.ToLower(a.Key)
				if a.Namespace != "" {
					k = a.Namespace + ":" + k
				}
				v := html.UnescapeString(a.Val)
				switch {
				case strings.HasPrefix(k, "on"):
					found = append(found, "event handler "+k)
				case k == "srcdoc" || k == "formaction" || k == "ping" || k == "target":
					found = append(found, "attribute "+k)
				case xssURLAttrs[k] && reBadScheme.MatchString(reCtlSpace.ReplaceAllString(v, "")):
					found = append(found, "URL "+k+"="+v)
				case k == "srcset" && strings.Contains(strings.ToLower(reCtlSpace.ReplaceAllString(v, "")), "script:"):
					found = append(found, "srcset "+v)
				case k == "style" && reBadStyle.MatchString(v):
					found = append(found, "style "+v)
				}
			}
			if n.Data == "a" && attrOf(n, "href") != "" && attrOf(n, "rel") != linkRel {
				found = append(found, "link without rel="+linkRel)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragmentWithOptions(strings.NewReader(out), root, html.ParseOptionEnableScripting(true))
	if err != nil {
		return []string{err.Error()}
	}
	for _, n := range nodes {
		visit(n)
	}
	if strings.Contains(strings.ToLower(out), "<script") {
		found = append(found, "a literal <script")
	}
	return found
}

func attrOf(n *html.Node, key string) string {
	v, _ := getAttr(n, key)
	return v
}
