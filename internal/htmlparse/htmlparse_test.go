package htmlparse

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// deepPage is an ordinary page whose middle nests depth <div>s deep.
func deepPage(depth int) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><head><title>t</title></head><body><p>First paragraph stays.</p>")
	for range depth {
		b.WriteString("<div>")
	}
	b.WriteString("deep text")
	for range depth {
		b.WriteString("</div>")
	}
	b.WriteString("<p>Last paragraph stays.</p><script>var x = '<p>not text</p>';</script></body></html>")
	return b.String()
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode && (n.Parent == nil || n.Parent.DataAtom != atom.Script) {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func maxDepth(n *html.Node) int {
	d := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		d = max(d, maxDepth(c))
	}
	return d + 1
}

func TestParseDeepDocument(t *testing.T) {
	for _, depth := range []int{600, 5000} {
		page := deepPage(depth)
		if _, err := html.Parse(strings.NewReader(page)); err == nil {
			t.Fatalf("depth %d: x/net/html accepted it; the test no longer tests anything", depth)
		}
		doc, err := Parse(page)
		if err != nil {
			t.Fatalf("depth %d: %v", depth, err)
		}
		text := textOf(doc)
		for _, want := range []string{"First paragraph stays.", "deep text", "Last paragraph stays."} {
			if !strings.Contains(text, want) {
				t.Errorf("depth %d: text lost %q: %.200q", depth, want, text)
			}
		}
		if strings.Contains(text, "not text") {
			t.Errorf("depth %d: script content became text", depth)
		}
		if d := maxDepth(doc); d > 300 {
			t.Errorf("depth %d: tree still %d deep", depth, d)
		}
	}
}

func TestParseFragmentDeep(t *testing.T) {
	frag := strings.Repeat("<span>", 3000) + "x" + "<p>after</p>"
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := ParseFragment("<p>before</p>"+frag, body, html.ParseOptionEnableScripting(false))
	if err != nil {
		t.Fatal(err)
	}
	var text string
	for _, n := range nodes {
		text += textOf(n)
	}
	if text != "beforexafter" {
		t.Errorf("text %q, want beforexafter", text)
	}
}

// Formatting elements closed by another end tag are reopened by the parser
// at the next paragraph, beyond any count of open tags: the last retry
// drops them.
func TestParseReopenedFormatting(t *testing.T) {
	var b strings.Builder
	for i := range 40 {
		b.WriteString("<div>")
		for j := range 60 {
			b.WriteString(`<b class="c` + string(rune('a'+i%26)) + string(rune('a'+j%26)) + `">`)
		}
		b.WriteString("</div><p>para</p>")
	}
	doc, err := Parse(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(textOf(doc), "para"); got != 40 {
		t.Errorf("%d paragraphs kept, want 40", got)
	}
}

func TestFlattenKeepsShallowInput(t *testing.T) {
	in := `<p>a <b>b</b> <img src="x.png"> c</p><ul><li>1<li>2</ul>`
	if got := Flatten(in, 64); got != in {
		t.Errorf("Flatten changed shallow input:\n got %q\nwant %q", got, in)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(deepPage(600))
	f.Add(strings.Repeat("<table><tr><td>", 300) + "x")
	f.Add(strings.Repeat("<svg><div/>", 700))
	f.Add(strings.Repeat("<div><b>", 300) + strings.Repeat("</div><p>p", 300))
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1<<16 {
			return
		}
		doc, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if d := maxDepth(doc); d > 513 {
			t.Fatalf("depth %d", d)
		}
		body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
		if _, err := ParseFragment(s, body, html.ParseOptionEnableScripting(false)); err != nil {
			t.Fatalf("ParseFragment: %v", err)
		}
	})
}
