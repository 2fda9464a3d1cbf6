package content

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/shareddata"
	"golang.org/x/net/html"
)

// readFixture returns the content of testdata/name.
func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestImages(t *testing.T) {
	tests := []struct {
		name string
		in   string
		base string
		want []Image
	}{
		{"a weserv proxy URL is unwrapped to the original image",
			`<img src="https://images.weserv.nl?url=gdb.voanews.com/1b49-x_w900.jpg" width="100%">`, "",
			[]Image{{"https://gdb.voanews.com/1b49-x_w900.jpg", "https://images.weserv.nl?url=gdb.voanews.com/1b49-x_w900.jpg"}}},
		{"a weserv target with // gets https",
			`<img src="https://images.weserv.nl/?url=//cdn.example.org/a.jpg&w=300">`, "",
			[]Image{{"https://cdn.example.org/a.jpg", "https://images.weserv.nl/?url=//cdn.example.org/a.jpg&w=300"}}},
		{"a wsrv.nl target with its own scheme keeps it",
			`<img src="https://wsrv.nl/?url=http%3A%2F%2Fcdn.example.org%2Fa.jpg%3Fv%3D2">`, "",
			[]Image{{"http://cdn.example.org/a.jpg?v=2", "https://wsrv.nl/?url=http%3A%2F%2Fcdn.example.org%2Fa.jpg%3Fv%3D2"}}},
		{"a weserv ssl: target gets https",
			`<img src="//images.weserv.nl/?url=ssl:cdn.example.org/a.png">`, "https://mirror.example/",
			[]Image{{"https://cdn.example.org/a.png", "//images.weserv.nl/?url=ssl:cdn.example.org/a.png"}}},
		{"a WordPress Photon URL is unwrapped without its resize options",
			`<img src="https://i0.wp.com/blog.example.org/wp-content/uploads/a.jpg?w=640&ssl=1">`, "",
			[]Image{{"https://blog.example.org/wp-content/uploads/a.jpg", "https://i0.wp.com/blog.example.org/wp-content/uploads/a.jpg?w=640&ssl=1"}}},
		{"a Google gadgets proxy URL is unwrapped",
			`<img src="https://images1-focus-opensocial.googleusercontent.com/gadgets/proxy?container=focus&url=https%3A%2F%2Fcdn.example.org%2Fb.jpg">`, "",
			[]Image{{"https://cdn.example.org/b.jpg", "https://images1-focus-opensocial.googleusercontent.com/gadgets/proxy?container=focus&url=https%3A%2F%2Fcdn.example.org%2Fb.jpg"}}},
		{"an ordinary googleusercontent image is not a proxy",
			`<img src="https://lh3.googleusercontent.com/abc=w600">`, "",
			[]Image{{"https://lh3.googleusercontent.com/abc=w600", "https://lh3.googleusercontent.com/abc=w600"}}},
		{"relative URLs are resolved against the base",
			`<img src="../img/a.jpg">`, testBase,
			[]Image{{"https://news.example.com/2023/02/img/a.jpg", "../img/a.jpg"}}},
		{"relative URLs are skipped without a base",
			`<img src="img/a.jpg"><img src="https://x.example/b.jpg">`, "",
			[]Image{{"https://x.example/b.jpg", "https://x.example/b.jpg"}}},
		{"a lazy-load attribute wins over a placeholder src",
			`<img src="/grey.gif" data-src="/real.jpg">`, testBase,
			[]Image{{"https://news.example.com/real.jpg", "/real.jpg"}}},
		{"every lazy-load attribute is understood",
			`<img data-original="/1.jpg"><img data-actualsrc="/2.jpg"><img data-lazy-src="/3.jpg"><img data-echo="/4.jpg"><img file="/5.jpg">`, testBase,
			[]Image{{"https://news.example.com/1.jpg", "/1.jpg"}, {"https://news.example.com/2.jpg", "/2.jpg"},
				{"https://news.example.com/3.jpg", "/3.jpg"}, {"https://news.example.com/4.jpg", "/4.jpg"},
				{"https://news.example.com/5.jpg", "/5.jpg"}}},
		{"the widest srcset candidate is added after src",
			`<img src="/s.jpg" srcset="/s.jpg 320w, /l.jpg 1024w, /m.jpg 640w">`, testBase,
			[]Image{{"https://news.example.com/s.jpg", "/s.jpg"}, {"https://news.example.com/l.jpg", "/l.jpg"}}},
		{"the densest srcset candidate wins without widths",
			`<img srcset="/a.jpg, /a@3x.jpg 3x, /a@2x.jpg 2x">`, testBase,
			[]Image{{"https://news.example.com/a@3x.jpg", "/a@3x.jpg"}}},
		{"picture sources come in document order",
			`<picture><source srcset="/a.webp 1x, /a2.webp 2x" type="image/webp"><img src="/a.jpg"></picture>`, testBase,
			[]Image{{"https://news.example.com/a2.webp", "/a2.webp"}, {"https://news.example.com/a.jpg", "/a.jpg"}}},
		{"images inside noscript are found and deduplicated",
			`<img data-src="/a.jpg" src="data:image/gif;base64,R0"><noscript><img src="/a.jpg"><img src="/b.jpg"></noscript>`, testBase,
			[]Image{{"https://news.example.com/a.jpg", "/a.jpg"}, {"https://news.example.com/b.jpg", "/b.jpg"}}},
		{"data: and blob: URLs are skipped",
			`<img src="data:image/png;base64,AAAA"><img src="blob:https://x.example/123"><img src="javascript:alert(1)">`, testBase,
			nil},
		{"an image used twice is listed once",
			`<img src="/a.jpg"><p><img src="https://news.example.com/a.jpg"></p>`, testBase,
			[]Image{{"https://news.example.com/a.jpg", "/a.jpg"}}},
		{"a source outside a picture is ignored",
			`<video><source src="/v.mp4"></video>`, testBase,
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Images(tt.in, tt.base)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Images(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestImagesOnVOAFixture(t *testing.T) {
	got := Images(readFixture(t, "voa_mirror.html"), "https://www.voachinese.com/a/story.html")
	want := []string{
		"https://gdb.voanews.com/1b4939f3-6712-4ba5-8e4c-443168d28992_r1_s_w900.jpg",
		"https://gdb.voanews.com/95850d21-4ae7-4034-833a-8e2920be1e8a_w900.jpg",
	}
	if len(got) != len(want) {
		t.Fatalf("Images = %q, want URLs %q", got, want)
	}
	for i := range want {
		if got[i].URL != want[i] {
			t.Errorf("image %d URL = %q, want %q", i, got[i].URL, want[i])
		}
	}
}

// seedArticle returns the HTML part of a mirror-format seed file (after its
// "------" header line), skipping the test when shared data is absent.
func seedArticle(t *testing.T, name string) string {
	t.Helper()
	d := shareddata.Find()
	if d == "" {
		t.Skip("shared data not found; set " + shareddata.EnvVar)
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(d), "seeds", name))
	if err != nil {
		t.Skipf("seed %s not available: %v", name, err)
	}
	s := string(b)
	i := strings.Index(s, "\n------\n")
	if i < 0 {
		t.Fatalf("seed %s has no ------ header line", name)
	}
	return s[i+len("\n------\n"):]
}

func TestSeedVOAArticle(t *testing.T) {
	page := seedArticle(t, "000_005cd0b14544140b.txt")
	base := "https://www.voachinese.com/a/china-is-rolling-out-the-red-carpet-for-a-key-putin-ally-022823/6982259.html"

	imgs := Images(page, base)
	if len(imgs) != 2 || imgs[0].URL != "https://gdb.voanews.com/1b4939f3-6712-4ba5-8e4c-443168d28992_r1_s_w900.jpg" {
		t.Fatalf("Images(seed) = %q", imgs)
	}

	m := map[string]string{imgs[0].URL: "/assets/one", imgs[1].URL: "/assets/two"}
	out := NewSanitizer().Sanitize(Rewrite(page, base, m), base)
	for _, want := range []string{
		`src="/assets/one"`, `data-original-src="https://images.weserv.nl?url=gdb.voanews.com/`, `src="/assets/two"`,
		`<small style="color: #999">资料照：`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("sanitised rewrite lacks %q", want)
		}
	}
	if strings.Contains(out, ` src="https://images.weserv.nl`) {
		t.Errorf("sanitised rewrite still shows a proxied image: %.300q", out)
	}

	text := Text(out)
	if !strings.HasPrefix(text, "Tue, 28 Feb 2023 14:12:24 GMT\n\n资料照：") {
		t.Errorf("Text starts %.80q", text)
	}
	if n := strings.Count(text, "\n\n"); n < 15 {
		t.Errorf("Text has %d paragraph breaks, want the <br /><br /> paragraphs (≥15)", n)
	}
	if strings.Contains(text, "\n\n\n") || strings.Contains(text, " \n") {
		t.Errorf("Text has a double blank line or trailing space")
	}
}

func TestRewrite(t *testing.T) {
	m := map[string]string{
		"https://cdn.example.org/a.jpg":    "/assets/aaa",
		"https://news.example.com/l.jpg":   "/assets/lll",
		"https://news.example.com/pic.jpg": "/assets/pic",
	}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"a proxied image gets its local URL and keeps the original",
			`<img src="https://images.weserv.nl?url=cdn.example.org/a.jpg" width="100%">`,
			`<img src="/assets/aaa" width="100%" data-original-src="https://images.weserv.nl?url=cdn.example.org/a.jpg"/>`},
		{"a lazy image's attribute is moved into src",
			`<img src="/grey.gif" data-src="https://cdn.example.org/a.jpg" alt="a">`,
			`<img src="/assets/aaa" alt="a" data-original-src="https://cdn.example.org/a.jpg"/>`},
		{"srcset pointing at the same image is removed",
			`<img src="https://cdn.example.org/a.jpg" srcset="https://cdn.example.org/a.jpg 1x, /a2.jpg 2x" sizes="100vw">`,
			`<img src="/assets/aaa" data-original-src="https://cdn.example.org/a.jpg"/>`},
		{"the largest srcset candidate is used when src is not stored",
			`<img src="/s.jpg" srcset="/s.jpg 320w, /l.jpg 1024w">`,
			`<img src="/assets/lll" data-original-src="https://news.example.com/l.jpg"/>`},
		{"an image not in the map keeps its absolute unwrapped URL",
			`<img src="https://i0.wp.com/b.example.org/x.jpg?w=300" data-original="/other.jpg" srcset="/o.jpg 2x">`,
			`<img src="https://news.example.com/other.jpg" srcset="https://news.example.com/o.jpg 2x"/>`},
		{"picture sources are removed when the image is local",
			`<picture><source srcset="/pic.webp" type="image/webp"><img src="/pic.jpg"></picture>`,
			`<picture><img src="/assets/pic" data-original-src="https://news.example.com/pic.jpg"/></picture>`},
		{"picture sources are made absolute when the image is remote",
			`<picture><source srcset="/p.webp" type="image/webp"><img src="/p.jpg"></picture>`,
			`<picture><source srcset="https://news.example.com/p.webp" type="image/webp"/><img src="https://news.example.com/p.jpg"/></picture>`},
		{"an image inside noscript is rewritten too",
			`<noscript><img src="https://cdn.example.org/a.jpg"></noscript>`,
			`<noscript><img src="/assets/aaa" data-original-src="https://cdn.example.org/a.jpg"/></noscript>`},
		{"rewriting twice with the same map changes nothing more",
			`<img src="/assets/aaa" data-original-src="https://cdn.example.org/a.jpg">`,
			`<img src="/assets/aaa" data-original-src="https://cdn.example.org/a.jpg"/>`},
		{"text and other markup are untouched",
			`<p>中文<a href="/x">链接</a></p>`,
			`<p>中文<a href="/x">链接</a></p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Rewrite(tt.in, testBase, m)
			if got != tt.want {
				t.Errorf("Rewrite(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseSrcset(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []candidate
	}{
		{"widths are read", "a.jpg 100w, b.jpg 200w", []candidate{{"a.jpg", "100w"}, {"b.jpg", "200w"}}},
		{"a bare URL has no descriptor", "a.jpg", []candidate{{"a.jpg", ""}}},
		{"a trailing comma ends a URL", "a.jpg,  b.jpg 2x", []candidate{{"a.jpg", ""}, {"b.jpg", "2x"}}},
		{"commas inside a URL are kept", "https://x.example/w_100,h_50/a.jpg 1x", []candidate{{"https://x.example/w_100,h_50/a.jpg", "1x"}}},
		{"extra whitespace is ignored", "  a.jpg\n 1x ,\tb.jpg   2x  ", []candidate{{"a.jpg", "1x"}, {"b.jpg", "2x"}}},
		{"empty input has no candidates", " , ,", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseSrcset(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseSrcset(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzParseSrcset(f *testing.F) {
	f.Add("a.jpg 100w, b.jpg 2x")
	f.Add("a,b, c (1x, 2x), d")
	f.Fuzz(func(t *testing.T, in string) {
		cs := parseSrcset(in)
		for _, c := range cs {
			if c.URL == "" || strings.ContainsAny(c.URL, " \t\n\r\f") {
				t.Fatalf("parseSrcset(%q) gave bad URL %q", in, c.URL)
			}
		}
		// What we write, we read back the same way.
		again := parseSrcset(formatSrcset(cs))
		if len(again) != len(cs) {
			t.Fatalf("parseSrcset(formatSrcset(%q)) = %q, want %q", in, again, cs)
		}
	})
}

func FuzzImages(f *testing.F) {
	f.Add(`<img src="https://images.weserv.nl?url=gdb.voanews.com/a.jpg">`, testBase)
	f.Add(`<picture><source srcset="a 1x, b 2x"><img data-src=c></picture><noscript><img src=d></noscript>`, testBase)
	f.Add(`<img src="https://i0.wp.com/">`, "")
	f.Fuzz(func(t *testing.T, in, base string) {
		seen := make(map[string]bool)
		for _, img := range Images(in, base) {
			if seen[img.URL] {
				t.Errorf("Images(%q) lists %q twice", in, img.URL)
			}
			seen[img.URL] = true
			if !strings.HasPrefix(img.URL, "http://") && !strings.HasPrefix(img.URL, "https://") {
				t.Errorf("Images(%q) gave non-web URL %q", in, img.URL)
			}
		}
	})
}

func FuzzRewrite(f *testing.F) {
	f.Add(`<img src="https://images.weserv.nl?url=gdb.voanews.com/a.jpg">`, testBase)
	f.Add(`<picture><source srcset="a 1x, b 2x"><img data-src=c srcset="d 1x, e 3x"></picture>`, testBase)
	f.Add(`<noscript><img src=d></noscript><table><img src=e></table>`, testBase)
	s := NewSanitizer()
	f.Fuzz(func(t *testing.T, in, base string) {
		imgs := Images(in, base)
		m := make(map[string]string, len(imgs))
		for i, img := range imgs {
			m[img.URL] = "/assets/" + strings.Repeat("0", i+1)
		}
		out := Rewrite(in, base, m)
		clean := s.Sanitize(out, base)
		// Every local URL that Rewrite placed outside <noscript> survives
		// sanitising.
		walk(parseFragment(out), func(n *html.Node) {
			if !isImg(n) || insideNoscript(n) || insideDropped(n) {
				return
			}
			if src, _ := getAttr(n, "src"); strings.HasPrefix(src, "/assets/") {
				if !strings.Contains(clean, `src="`+src+`"`) {
					t.Errorf("local src %q lost:\nin        %q\nrewritten %q\nclean     %q", src, in, out, clean)
				}
			}
		})
	})
}

// insideDropped reports whether n sits in an element Sanitize removes whole.
func insideDropped(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && (p.Namespace != "" || droppedElements[p.Data]) {
			return true
		}
	}
	return false
}
