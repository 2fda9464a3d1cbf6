package publish

import (
	"testing"

	"github.com/newsvault/newsvault/internal/archive"
)

func TestRewriteImagesTouchesOnlyImages(t *testing.T) {
	in := `<p>正文 <a href="/assets/x">link</a></p><img src="/assets/abc" alt="图" data-original-src="https://images.weserv.nl?url=a.com/1.jpg"/><img src="https://b.com/2.jpg">`
	got := rewriteImages(in, func(src, orig string) (string, string) {
		if src == "/assets/abc" {
			return "../../assets/abc.jpg", ""
		}
		return src, orig
	})
	want := `<p>正文 <a href="/assets/x">link</a></p><img src="../../assets/abc.jpg" alt="图"/><img src="https://b.com/2.jpg">`
	if got != want {
		t.Errorf("rewriteImages:\n got %s\nwant %s", got, want)
	}
}

func TestSourceDirectoryNamesAreSafeAndUnique(t *testing.T) {
	used := map[string]bool{}
	a := dirName(archive.Source{ID: 1, Title: "BBC/中文"}, used)
	b := dirName(archive.Source{ID: 2, Title: "BBC/中文"}, used)
	c := dirName(archive.Source{ID: 3, FeedURL: "import:x"}, used)
	if a == b || a == "" || c == "" {
		t.Fatalf("names %q %q %q", a, b, c)
	}
	for _, n := range []string{a, b, c} {
		for _, r := range n {
			if r == '/' || r == '\\' || r == 0 {
				t.Errorf("unsafe directory name %q", n)
			}
		}
	}
}

func TestExtensionsFollowTheStoredContentType(t *testing.T) {
	for ct, want := range map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/x-unknown-thing": ".bin"} {
		if got := extFor(ct); got != want {
			t.Errorf("extFor(%q) = %q, want %q", ct, got, want)
		}
	}
}
