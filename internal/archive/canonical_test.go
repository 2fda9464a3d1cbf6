package archive

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCanonicalURL(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"scheme and host are lower-cased", "HTTPS://WWW.Example.COM/A/B", "https://www.example.com/A/B"},
		{"default ports are dropped", "http://example.com:80/x", "http://example.com/x"},
		{"default https port is dropped", "https://example.com:443/x", "https://example.com/x"},
		{"other ports stay", "http://example.com:8080/x", "http://example.com:8080/x"},
		{"fragments are dropped", "https://example.com/a#comments", "https://example.com/a"},
		{"an empty path becomes a slash", "https://example.com", "https://example.com/"},
		{"utm parameters are removed", "https://example.com/a?utm_source=rss&id=3&utm_medium=feed", "https://example.com/a?id=3"},
		{"spm is removed", "https://m.example.cn/n/1.html?spm=a2c4g.11186623", "https://m.example.cn/n/1.html"},
		{"WeChat share markers are removed", "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=ab&from=timeline&isappinstalled=0", "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=ab"},
		{"other values of from stay", "https://example.com/list?from=2020", "https://example.com/list?from=2020"},
		{"parameter order is kept", "https://example.com/a?b=2&a=1", "https://example.com/a?b=2&a=1"},
		{"a query left empty is dropped", "https://example.com/a?utm_campaign=x", "https://example.com/a"},
		{"credentials are dropped", "https://user:pw@example.com/a", "https://example.com/a"},
		{"percent-escaped Chinese paths are kept", "https://chinadigitaltimes.net/chinese/2020/07/%e9%9d%9e/", "https://chinadigitaltimes.net/chinese/2020/07/%e9%9d%9e/"},
		{"a trailing dot on the host is dropped", "https://example.com./a", "https://example.com/a"},
		{"stray percent signs are escaped", "https://www.dw.com/zh/80%%20x/a-1", "https://www.dw.com/zh/80%25%20x/a-1"},
		{"IPv6 hosts keep their brackets", "http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CanonicalURL(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("CanonicalURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
			again, _ := CanonicalURL(got)
			if again != got {
				t.Errorf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestCanonicalURLRejectsWhatCannotIdentifyAnArticle(t *testing.T) {
	for _, in := range []string{"", "/relative/path", "ftp://example.com/x", "javascript:alert(1)", "mailto:a@example.com", "http://"} {
		if _, err := CanonicalURL(in); !errors.Is(err, ErrBadURL) && err == nil {
			t.Errorf("CanonicalURL(%q) accepted", in)
		}
	}
}

func TestSameSite(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"https://www.bbc.com/zhongwen/a", "https://bbc.com/zhongwen/a", true},
		{"https://m.voachinese.com/a/1.html", "https://www.voachinese.com/a/1.html", true},
		{"https://example.com/a", "https://evil.com/a", false},
		{"https://news.example.com/a", "https://example.com/a", false},
	} {
		if got := SameSite(tc.a, tc.b); got != tc.want {
			t.Errorf("SameSite(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestContentHashChangesOnlyWithWhatReadersSee(t *testing.T) {
	v := Version{Title: "标题", HTML: "<p>正文</p>", Published: time.Unix(1677595144, 0)}
	h := ContentHash(&v)
	same := v
	same.Text = "derived text does not count"
	same.CaptureID = 42
	if ContentHash(&same) != h {
		t.Error("hash depends on fields readers do not see")
	}
	for name, change := range map[string]func(*Version){
		"title":     func(v *Version) { v.Title += "（更新）" },
		"content":   func(v *Version) { v.HTML = "<p>正文。</p>" },
		"published": func(v *Version) { v.Published = v.Published.Add(time.Minute) },
		"author":    func(v *Version) { v.Author = "记者" },
	} {
		c := v
		change(&c)
		if ContentHash(&c) == h {
			t.Errorf("a change of %s keeps the hash", name)
		}
	}
	// Field boundaries matter: moving text between fields changes the hash.
	a := Version{Title: "ab", HTML: "c"}
	b := Version{Title: "a", HTML: "bc"}
	if ContentHash(&a) == ContentHash(&b) {
		t.Error("fields are not delimited in the hash")
	}
}

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{"https://example.com/a?utm_source=x#f", "HTTP://A.B:80", "http://[::1]:443/", "https://x.cn/?from=timeline&a=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := CanonicalURL(in)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "http://") && !strings.HasPrefix(got, "https://") {
			t.Fatalf("CanonicalURL(%q) = %q: not http(s)", in, got)
		}
		again, err := CanonicalURL(got)
		if err != nil {
			t.Fatalf("canonical form %q does not parse again: %v", got, err)
		}
		if again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, got, again)
		}
	})
}
