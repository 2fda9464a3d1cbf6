package content

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

const testBase = "https://news.example.com/2023/02/28/story.html"

func TestSanitizeNeutralisesAttacks(t *testing.T) {
	s := NewSanitizer()
	tests := []struct {
		name    string
		in      string
		absent  []string // substrings (lower-cased comparison) that must not survive
		present []string // substrings that must survive
	}{
		{"a script element is removed with its code", `<p>a</p><script>alert(1)</script><p>b</p>`,
			[]string{"script", "alert"}, []string{"<p>a</p>", "<p>b</p>"}},
		{"an image's onerror handler is dropped", `<img src="x.jpg" onerror="alert(1)">`,
			[]string{"onerror", "alert"}, []string{`src="https://news.example.com/2023/02/28/x.jpg"`}},
		{"a javascript: link loses its href", `<a href="javascript:alert(1)">click</a>`,
			[]string{"javascript", "href"}, []string{"click"}},
		{"a mixed-case javascript: link loses its href", `<a href="jAvAsCrIpT:alert(1)">click</a>`,
			[]string{"javascript", "href"}, []string{"click"}},
		{"a javascript: link hidden by a newline loses its href", "<a href=\"java\nscript:alert(1)\">click</a>",
			[]string{"script", "href"}, []string{"click"}},
		{"an entity-encoded javascript: link loses its href", `<a href="&#106;avascript:alert(1)">click</a>`,
			[]string{"avascript", "href"}, []string{"click"}},
		{"an svg with onload is removed entirely", `<svg onload="alert(1)"><title>t</title></svg><p>ok</p>`,
			[]string{"svg", "onload", "alert"}, []string{"<p>ok</p>"}},
		{"an iframe becomes a link, never a frame", `<iframe src="https://evil.example/" onload="alert(1)"></iframe><p>ok</p>`,
			[]string{"iframe", "onload", "alert"}, []string{`<a href="https://evil.example/" rel="nofollow noopener">[Embedded page (evil.example)]</a>`, "<p>ok</p>"}},
		{"a javascript: iframe gives no link", `<iframe src="javascript:alert(1)">fallback</iframe><p>ok</p>`,
			[]string{"iframe", "javascript", "alert", "href"}, []string{"fallback", "<p>ok</p>"}},
		{"a javascript: video source gives no link", `<video src="jAvAscript:alert(1)"><source src="javascript:alert(2)">old browser</video>`,
			[]string{"video", "source", "javascript", "alert", "href"}, []string{"old browser"}},
		{"a style element is removed with its rules", `<style>body{background:url(javascript:alert(1))}</style><p>ok</p>`,
			[]string{"style", "background"}, []string{"<p>ok</p>"}},
		{"a style attribute is removed", `<p style="position:fixed">ok</p>`,
			[]string{"style", "fixed"}, []string{"<p>ok</p>"}},
		{"layout styles go and meaningful ones stay", `<p style="position:fixed;top:0;color:#999;text-align:center">ok</p>`,
			[]string{"position", "top"}, []string{`color: #999`, `text-align: center`}},
		{"style values cannot carry URLs or expressions", `<p style="color:expression(alert(1));background-color:url(javascript:alert(1))">ok</p>`,
			[]string{"expression", "javascript", "url("}, []string{"<p>ok</p>"}},
		{"a meta refresh is removed", `<meta http-equiv="refresh" content="0;url=https://evil.example/"><p>ok</p>`,
			[]string{"meta", "refresh", "evil"}, []string{"<p>ok</p>"}},
		{"a form is removed with its controls", `<form action="https://evil.example/"><input name="q"><button>Go</button></form><p>ok</p>`,
			[]string{"form", "input", "button", "evil"}, []string{"<p>ok</p>"}},
		{"an object and embed are removed", `<object data="x.swf"><embed src="x.swf"></object><p>ok</p>`,
			[]string{"object", "embed", "swf"}, []string{"<p>ok</p>"}},
		{"a data: image source is dropped", `<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">`,
			[]string{"data:"}, []string{`alt="x"`}},
		{"a data: link is dropped", `<a href="data:text/html,<script>alert(1)</script>">x</a>`,
			[]string{"data:", "script", "href"}, []string{"x"}},
		{"a vbscript: link is dropped", `<a href="vbscript:msgbox(1)">x</a>`,
			[]string{"vbscript", "href"}, []string{"x"}},
		{"data: candidates are dropped from srcset", `<img src="a.jpg" srcset="data:image/png;base64,AAAA 1x, b.jpg 2x">`,
			[]string{"data:"}, []string{`srcset="https://news.example.com/2023/02/28/b.jpg 2x"`}},
		{"a javascript: blockquote cite is dropped", `<blockquote cite="javascript:alert(1)">q</blockquote>`,
			[]string{"javascript", "cite"}, []string{"<blockquote>q</blockquote>"}},
		{"a math element is removed", `<math><mi xlink:href="javascript:alert(1)">x</mi></math><p>ok</p>`,
			[]string{"math", "javascript"}, []string{"<p>ok</p>"}},
		{"a base element cannot redirect relative links", `<base href="https://evil.example/"><a href="x">x</a>`,
			[]string{"evil", "<base"}, []string{`href="https://news.example.com/2023/02/28/x"`}},
		{"comments are removed", `<p>a<!-- <script>alert(1)</script> --></p>`,
			[]string{"<!--", "script"}, []string{"<p>a</p>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := s.Sanitize(tt.in, testBase)
			low := strings.ToLower(out)
			for _, a := range tt.absent {
				if strings.Contains(low, strings.ToLower(a)) {
					t.Errorf("Sanitize(%q) = %q, contains %q", tt.in, out, a)
				}
			}
			for _, p := range tt.present {
				if !strings.Contains(out, p) {
					t.Errorf("Sanitize(%q) = %q, lacks %q", tt.in, out, p)
				}
			}
		})
	}
}

func TestSanitizeKeepsArticleStructure(t *testing.T) {
	s := NewSanitizer()
	tests := []struct {
		name string
		in   string
		base string
		want string
	}{
		{"links get nofollow noopener and lose target",
			`<a href="/x" target="_blank" rel="author">x</a>`, testBase,
			`<a href="https://news.example.com/x" rel="nofollow noopener">x</a>`},
		{"relative links stay relative without a base",
			`<a href="../x">x</a>`, "",
			`<a href="../x" rel="nofollow noopener">x</a>`},
		{"mailto links are kept",
			`<a href="mailto:news@example.com">mail</a>`, testBase,
			`<a href="mailto:news@example.com" rel="nofollow noopener">mail</a>`},
		{"figures with captions are kept",
			`<figure><img src="/a.jpg" alt="图" title="t" width="600" height="400" class="c"><figcaption>说明</figcaption></figure>`, testBase,
			`<figure><img src="https://news.example.com/a.jpg" alt="图" title="t" width="600" height="400"/><figcaption>说明</figcaption></figure>`},
		{"pictures keep their sources' srcset",
			`<picture><source srcset="/a.webp 1x, /a2.webp 2x" type="image/webp"><img src="/a.jpg"></picture>`, testBase,
			`<picture><source srcset="https://news.example.com/a.webp 1x, https://news.example.com/a2.webp 2x" type="image/webp"/><img src="https://news.example.com/a.jpg"/></picture>`},
		{"tables keep their parts",
			`<table><caption>c</caption><thead><tr><th>h</th></tr></thead><tbody><tr><td colspan="2">d</td></tr></tbody></table>`, testBase,
			`<table><caption>c</caption><thead><tr><th>h</th></tr></thead><tbody><tr><td colspan="2">d</td></tr></tbody></table>`},
		{"headings, quotes, lists and code are kept",
			`<h2>h</h2><blockquote>q</blockquote><ul><li>i</li></ul><ol><li>j</li></ol><pre><code>x := 1</code></pre>`, testBase,
			`<h2>h</h2><blockquote>q</blockquote><ul><li>i</li></ul><ol><li>j</li></ol><pre><code>x := 1</code></pre>`},
		{"small print, sub, sup and ruby are kept",
			`<p><small>注</small>H<sub>2</sub>O x<sup>2</sup><ruby>漢<rp>(</rp><rt>hàn</rt><rp>)</rp></ruby></p>`, testBase,
			`<p><small>注</small>H<sub>2</sub>O x<sup>2</sup><ruby>漢<rp>(</rp><rt>hàn</rt><rp>)</rp></ruby></p>`},
		{"a lazy image gets its real URL in src",
			`<img src="data:image/gif;base64,R0lGOD" data-src="/real.jpg" alt="a">`, testBase,
			`<img src="https://news.example.com/real.jpg" alt="a"/>`},
		{"a noscript image that duplicates a lazy image is dropped",
			`<img data-original="/real.jpg"><noscript><img src="/real.jpg"></noscript>`, testBase,
			`<img src="https://news.example.com/real.jpg"/>`},
		{"a noscript-only image is kept without the noscript text",
			`<noscript>Enable JavaScript <img src="/only.jpg"></noscript>`, testBase,
			`<img src="https://news.example.com/only.jpg"/>`},
		{"a localised image keeps its local src and original URL",
			`<img src="/assets/abc" data-original-src="https://cdn.example.org/a.jpg">`, testBase,
			`<img src="/assets/abc" data-original-src="https://cdn.example.org/a.jpg"/>`},
		{"CJK text and entities survive untouched",
			`<p>“中文”&amp;&lt;テスト&gt;</p>`, testBase,
			`<p>“中文”&amp;&lt;テスト&gt;</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Sanitize(tt.in, tt.base)
			if got != tt.want {
				t.Errorf("Sanitize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if again := s.Sanitize(got, tt.base); again != got {
				t.Errorf("Sanitize is not idempotent:\nonce  %q\ntwice %q", got, again)
			}
		})
	}
}

func TestSanitizeIsDeterministic(t *testing.T) {
	s := NewSanitizer()
	in := readFixture(t, "voa_mirror.html")
	first := s.Sanitize(in, testBase)
	for range 20 {
		if got := s.Sanitize(in, testBase); got != first {
			t.Fatalf("Sanitize gave different outputs for the same input:\n%q\n%q", first, got)
		}
	}
	if !strings.Contains(first, `<small style="color: #999">资料照：两国领导人在北京会面。（2017年6月16日）</small>`) {
		t.Errorf("Sanitize lost the caption: %q", first)
	}
}

func FuzzSanitize(f *testing.F) {
	f.Add(`<p>hi<script>x</script></p>`, testBase)
	f.Add(`<a href="javascript:x" target=_blank>y</a>`, "")
	f.Add(`<img data-src="a.jpg" srcset="b.jpg 2x, c.jpg 100w"><noscript><img src=a.jpg></noscript>`, testBase)
	f.Add(`<table><tr><td>x<p>y</table>`, testBase)
	f.Add(`<picture><source srcset="a.webp"><img src="/assets/x" data-original-src="https://a.example/x.jpg"></picture>`, testBase)
	f.Add("<svg><p>x</p></svg><math><p>y", "https://x.example/")
	s := NewSanitizer()
	f.Fuzz(func(t *testing.T, in, base string) {
		out := s.Sanitize(in, base)
		if again := s.Sanitize(out, base); again != out {
			t.Errorf("Sanitize is not idempotent for %q (base %q):\nonce  %q\ntwice %q", in, base, out, again)
		}
		if why := unsafeMarkup(out); why != "" {
			t.Errorf("Sanitize(%q) = %q: %s", in, out, why)
		}
	})
}

// unsafeMarkup parses sanitised output and describes the first thing in it
// that could execute or load a non-web URL, or returns "".
func unsafeMarkup(out string) string {
	why := ""
	walk(parseFragment(out), func(n *html.Node) {
		if why != "" || n.Type != html.ElementNode || n.Data == "body" {
			return
		}
		if n.Namespace != "" || droppedElements[n.Data] || n.Data == "noscript" {
			why = "element " + n.Data
			return
		}
		for _, a := range n.Attr {
			k := strings.ToLower(a.Key)
			if strings.HasPrefix(k, "on") || k == "style" || k == "target" {
				why = "attribute " + a.Key
				return
			}
			switch k {
			case "href", "src", "cite", OriginalSrcAttr:
				if u, ok := resolve(nil, a.Val); ok && !allowedURL(u, k == "href") {
					why = "URL " + a.Key + "=" + a.Val
				}
			case "srcset":
				for _, c := range parseSrcset(a.Val) {
					if u, ok := resolve(nil, c.URL); ok && !allowedURL(u, false) {
						why = "srcset URL " + c.URL
					}
				}
			}
		}
	})
	return why
}

func TestChineseAltTextAndTitlesAreKept(t *testing.T) {
	in := `<img src="https://example.com/a.jpg" alt="普京与卢卡申科会谈。（2023年2月17日）" title="「会谈」" border="0">`
	got := NewSanitizer().Sanitize(in, "")
	for _, want := range []string{`alt="普京与卢卡申科会谈。（2023年2月17日）"`, `title="「会谈」"`, `border="0"`} {
		if !strings.Contains(got, want) {
			t.Errorf("Sanitize(%q) = %q, lacks %s", in, got, want)
		}
	}
	if got := NewSanitizer().Sanitize(`<img src="https://example.com/a.jpg" alt="x&quot;><script>alert(1)</script>">`, ""); strings.Contains(got, "<script") {
		t.Errorf("alt broke out: %q", got)
	}
}

// Embeds are kept as what a reader can follow: a link to the embedded
// address and the fallback text the author wrote for browsers that cannot
// play it, in the order they appear; nothing is embedded.
func TestSanitizeKeepsEmbedsAsLinksWithTheirFallback(t *testing.T) {
	s := NewSanitizer()
	tests := []struct{ name, in, want string }{
		{"an iframe with fallback text",
			`<p>a</p><iframe src="https://www.facebook.com/plugins/video.php?href=x&amp;w=1" width="622">Watch <b>on Facebook</b></iframe><p>b</p>`,
			`<p>a</p><a href="https://www.facebook.com/plugins/video.php?href=x&amp;w=1" rel="nofollow noopener">[Embedded video (www.facebook.com)]</a> Watch on Facebook<p>b</p>`},
		{"an iframe of a page, relative to the article",
			`<iframe src="/graphics/map.html"></iframe>`,
			`<a href="https://news.example.com/graphics/map.html" rel="nofollow noopener">[Embedded page (news.example.com)]</a>`},
		{"a video with its src and fallback",
			`<video poster="p.jpg" src="https://av.example.org/v.mp4" controls>您的浏览器不支持视频。</video>`,
			`<a href="https://av.example.org/v.mp4" rel="nofollow noopener">[Embedded video (av.example.org)]</a> 您的浏览器不支持视频。`},
		{"an audio with a source child",
			`<p>听：<audio controls><source src="javascript:x"><source src="https://av.example.org/a.mp3" type="audio/mpeg">不支持</audio></p>`,
			`<p>听：<a href="https://av.example.org/a.mp3" rel="nofollow noopener">[Embedded audio (av.example.org)]</a> 不支持</p>`},
		{"an embed inside a link gets no nested link",
			`<a href="https://example.com/">see <video src="https://av.example.org/v.mp4">clip</video></a>`,
			`<a href="https://example.com/" rel="nofollow noopener">see [Embedded video (av.example.org)] clip</a>`},
		{"an embed with nothing to show leaves nothing",
			`<p>a<iframe src="about:blank"></iframe>b</p>`, `<p>ab</p>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Sanitize(tc.in, testBase)
			if got != tc.want {
				t.Errorf("Sanitize:\n got %s\nwant %s", got, tc.want)
			}
			if again := s.Sanitize(got, testBase); again != got {
				t.Errorf("not idempotent:\n once  %s\n twice %s", got, again)
			}
		})
	}
}
