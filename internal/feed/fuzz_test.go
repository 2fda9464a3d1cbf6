package feed

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newsvault/newsvault/internal/shareddata"
)

// addFileSeeds adds every file under testdata/ with one of exts, and the
// shared feeds when present, to a fuzz corpus.
func addFileSeeds(f *testing.F, add func([]byte), exts ...string) {
	f.Helper()
	var dirs []string
	dirs = append(dirs, "testdata")
	if d := shareddata.Find(); d != "" {
		dirs = append(dirs, filepath.Join(d, "feeds"))
	}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			ok := false
			for _, ext := range exts {
				ok = ok || strings.HasSuffix(e.Name(), ext)
			}
			if !ok || e.IsDir() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			if len(b) <= 64<<10 {
				add(b)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	addFileSeeds(f, func(b []byte) { f.Add(b, "") }, ".xml", ".rss", ".rdf", ".atom", ".json")
	f.Add([]byte(`<rss version="2.0"><channel><title>t</title><item><title>i</title><pubDate>2023-02-28 14:12:24 CST</pubDate></item></channel></rss>`), "text/xml; charset=gbk")
	f.Add([]byte(`<?xml version="1.0" encoding="gb2312"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>\xd6\xd0</title></entry></feed>`), "")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":1,"url":"/x","date_published":"2023"}]}`), "application/feed+json")
	f.Add([]byte("<html><body>x</body></html>"), "text/html")
	f.Fuzz(func(t *testing.T, data []byte, contentType string) {
		feed, err := Parse(data, contentType, ParseOptions{BaseURL: "https://example.com/feed.xml"})
		if err != nil {
			if feed != nil {
				t.Fatalf("Parse returned both a feed and %v", err)
			}
			if !errors.Is(err, ErrNotFeed) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Parse error %v wraps no sentinel", err)
			}
			if strings.Contains(err.Error(), "panic") {
				t.Fatalf("Parse recovered from a panic: %v", err)
			}
			return
		}
		for _, s := range []string{feed.Title, feed.SiteURL, feed.Description} {
			if !utf8.ValidString(s) {
				t.Fatalf("feed field %q is not UTF-8", s)
			}
		}
		for _, it := range feed.Items {
			for _, s := range []string{it.Title, it.URL, it.GUID, it.Author, it.Summary, it.Content, it.Image} {
				if !utf8.ValidString(s) {
					t.Fatalf("item field %q is not UTF-8", s)
				}
			}
			if it.Title != strings.TrimSpace(it.Title) {
				t.Fatalf("item title %q is not trimmed", it.Title)
			}
		}
	})
}

func FuzzParseOPML(f *testing.F) {
	addFileSeeds(f, func(b []byte) { f.Add(b) }, ".opml")
	f.Add([]byte(`<opml><body><outline text="a"><outline text="b" xmlUrl="u"/></outline></body></opml>`))
	f.Add([]byte(`<opml><body><outline xmlUrl="https://x/?a=1&b=2" text="&nbsp;"/></body></opml>`))
	f.Add([]byte(`<rss/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		outlines, err := ParseOPML(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, o := range outlines {
			if o.FeedURL == "" {
				t.Fatalf("outline without feed URL: %+v", o)
			}
		}
		// What was read must survive a round trip (up to tidying).
		var buf bytes.Buffer
		if err := WriteOPML(&buf, "fuzz", outlines); err != nil {
			t.Fatalf("WriteOPML: %v", err)
		}
		again, err := ParseOPML(&buf)
		if err != nil {
			t.Fatalf("ParseOPML of WriteOPML output: %v\n%s", err, buf.String())
		}
		if len(again) != len(outlines) {
			t.Fatalf("round trip gave %d outlines, want %d", len(again), len(outlines))
		}
	})
}

func FuzzDiscover(f *testing.F) {
	f.Add([]byte(discoverPage), "https://news.example.cn/")
	f.Add([]byte(`<base href="//x"><link rel=alternate type=application/rss+xml href=a>`), "")
	f.Fuzz(func(t *testing.T, page []byte, base string) {
		seen := make(map[string]bool)
		for _, u := range Discover(page, base) {
			if seen[u] {
				t.Fatalf("Discover repeated %q", u)
			}
			seen[u] = true
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				t.Fatalf("Discover returned %q, not an absolute http(s) URL", u)
			}
		}
	})
}
