package content

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// bodyOf parses a whole page as package extract does (scripting enabled,
// so <noscript> content is text) and returns its <body>.
func bodyOf(t testing.TB, page string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var body *html.Node
	walk(doc, func(n *html.Node) {
		if body == nil && n.Type == html.ElementNode && n.Data == "body" {
			body = n
		}
	})
	return body
}

// An article sanitised from extract's tree is safe Sanitizer output, and is
// what Sanitize makes of the same markup as text. The exception is markup
// that plays on <noscript> (the tree was parsed with scripting on, as
// browsers do, text parsing has it off): there the two may differ, but
// both are safe.
func TestArticleFromTreeMatchesSanitize(t *testing.T) {
	s := NewSanitizer()
	ins := []string{
		readFixture(t, "voa_mirror.html"),
		`<p>文<img data-src="/a.jpg"><noscript><img src="/b.jpg" alt="图"></noscript></p>`,
	}
	for _, p := range loadXSSPayloads(t) {
		for _, c := range xssContexts {
			ins = append(ins, c.before+p.Payload+c.after)
		}
	}
	for _, in := range ins {
		body := bodyOf(t, "<!doctype html><body>"+in)
		want := s.Sanitize(renderChildren(body), testBase)
		a := s.ArticleFromTree(body, testBase)
		got := a.HTML()
		for _, why := range xssFindings(got) {
			t.Errorf("ArticleFromTree(%.80q): %s\n out %q", in, why, got)
		}
		if again := s.Sanitize(got, ""); again != got {
			t.Errorf("ArticleFromTree(%.80q) is not Sanitizer output:\n got   %q\n again %q", in, got, again)
		}
		if strings.Contains(in, "noscript") && !strings.Contains(in, "<noscript><img") {
			continue
		}
		if got != want {
			t.Errorf("ArticleFromTree(%.80q):\n got  %q\n want %q", in, got, want)
		}
		if got, want := a.Text(), Text(want); got != want {
			t.Errorf("Text of %.80q:\n got  %q\n want %q", in, got, want)
		}
	}
}

// The stored form of an article whose images were re-pointed is Sanitizer
// output, so that the server may serve it without sanitising it again.
func TestArticleRewriteStaysSanitized(t *testing.T) {
	s := NewSanitizer()
	in := readFixture(t, "voa_mirror.html") +
		`<picture><source srcset="/p.webp 2x"><img src="/p.jpg" alt="（图）"></picture>` +
		`<img src="/q'x.jpg"><img src="https://wsrv.nl/?url=r.example/r.jpg" srcset="/r1.jpg 1x, /r2.jpg 2x">`
	a := s.Article(in, testBase)
	imgs := a.Images()
	if len(imgs) < 4 {
		t.Fatalf("found %d images, want at least 4", len(imgs))
	}
	m := make(map[string]string)
	for i, img := range imgs {
		if i%2 == 0 { // leave some remote, as failed downloads are
			m[img.URL] = "/assets/" + strings.Repeat("ab", 32)
		}
	}
	a.Rewrite(m)
	out := a.HTML()
	if !strings.Contains(out, `src="/assets/`) {
		t.Fatalf("no image re-pointed: %q", out)
	}
	if again := s.Sanitize(out, ""); again != out {
		t.Errorf("re-pointed article is not Sanitizer output:\n stored    %q\n sanitised %q", out, again)
	}
	if want := Rewrite(s.Sanitize(in, testBase), testBase, m); out != want && s.Sanitize(want, "") == out {
		// Rewrite on text may keep an attribute the policy drops; the
		// tree form drops it at once. Anything else must agree.
	} else if out != want {
		t.Errorf("Article.Rewrite differs from Rewrite:\n tree %q\n text %q", out, want)
	}
}

func FuzzArticleRewrite(f *testing.F) {
	f.Add(`<img src="https://images.weserv.nl?url=gdb.voanews.com/a.jpg">`, testBase)
	f.Add(`<picture><source srcset="a 1x, b 2x"><img data-src=c srcset="d 1x, e 3x"></picture>`, testBase)
	f.Add(`<noscript><img src=d></noscript><table><img src=e></table>`, testBase)
	f.Add(`<img src="x'y.jpg" data-original-src="https://a.example/x.jpg">`, testBase)
	s := NewSanitizer()
	f.Fuzz(func(t *testing.T, in, base string) {
		a := s.Article(in, base)
		m := make(map[string]string)
		for i, img := range a.Images() {
			m[img.URL] = "/assets/" + strings.Repeat("0", i+1)
		}
		a.Rewrite(m)
		out := a.HTML()
		if again := s.Sanitize(out, ""); again != out {
			t.Errorf("Article.Rewrite left unsanitised markup for %q (base %q):\n stored    %q\n sanitised %q", in, base, out, again)
		}
		if why := unsafeMarkup(out); why != "" {
			t.Errorf("Article(%q) = %q: %s", in, out, why)
		}
	})
}
