package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestParseOPMLReadsFoldersAndSkipsNonFeeds(t *testing.T) {
	got, err := ParseOPML(bytes.NewReader(readTestdata(t, "subscriptions.opml")))
	if err != nil {
		t.Fatal(err)
	}
	want := []Outline{
		{Title: "BBC 中文", FeedURL: "https://feeds.bbci.co.uk/zhongwen/simp/rss.xml", SiteURL: "https://www.bbc.com/zhongwen/simp", Category: "新闻"},
		{Title: "联合早报", FeedURL: "https://www.zaobao.com/rss?a=1&b=2", Category: "新闻"},
		{Title: "DW", FeedURL: "https://rss.dw.com/rdf/rss-chi-all", Category: "新闻/国际"},
		{Title: "少数派", FeedURL: "https://sspai.com/feed", Category: "科技"},
		{Title: "Top level", FeedURL: "https://example.org/feed.xml", Category: "Tech/Go"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("ParseOPML =\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseOPMLToleratesRealWorldVariants(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(`<?xml version="1.0" encoding="GBK"?><opml version="1.0"><body><outline text="新浪新闻" xmlUrl="https://rss.sina.com.cn/news.xml"/></body></opml>`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
		want []Outline
	}{
		{"a feed without type", `<opml version="2.0"><body><outline text="A" xmlUrl="https://a.example/feed"/></body></opml>`,
			[]Outline{{Title: "A", FeedURL: "https://a.example/feed"}}},
		{"title when text is missing", `<opml><body><outline title="B" type="rss" xmlUrl="https://b.example/feed"/></body></opml>`,
			[]Outline{{Title: "B", FeedURL: "https://b.example/feed"}}},
		{"attribute names in another case", `<opml><body><outline TEXT="C" XMLURL="https://c.example/feed" HTMLURL="https://c.example/"/></body></opml>`,
			[]Outline{{Title: "C", FeedURL: "https://c.example/feed", SiteURL: "https://c.example/"}}},
		{"url on an rss outline", `<opml><body><outline text="D" type="rss" url="https://d.example/feed"/></body></opml>`,
			[]Outline{{Title: "D", FeedURL: "https://d.example/feed"}}},
		{"an unescaped ampersand and HTML entities", `<opml><body><outline text="E&nbsp;&amp;&nbsp;F" xmlUrl="https://e.example/?a=1&b=2"/></body></opml>`,
			[]Outline{{Title: "E & F", FeedURL: "https://e.example/?a=1&b=2"}}},
		{"a GBK document", gbk, []Outline{{Title: "新浪新闻", FeedURL: "https://rss.sina.com.cn/news.xml"}}},
		{"an empty body", `<opml version="2.0"><head/><body/></opml>`, []Outline{}},
		{"a folder without a title", `<opml><body><outline><outline text="G" xmlUrl="https://g.example/feed"/></outline></body></opml>`,
			[]Outline{{Title: "G", FeedURL: "https://g.example/feed"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseOPML(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("ParseOPML = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseOPMLRejectsOtherDocuments(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    error
		message string
	}{
		{"an RSS feed", `<rss version="2.0"><channel/></rss>`, ErrNotOPML, "<rss>"},
		{"an HTML page", `<!DOCTYPE html><html><body></body></html>`, ErrNotOPML, "<html>"},
		{"empty input", ``, ErrNotOPML, "no root element"},
		{"JSON", `{"opml": true}`, ErrNotOPML, "no root element"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseOPML(strings.NewReader(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("ParseOPML = %v, %v; want %v", got, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not say %q", err, tc.message)
			}
		})
	}
	t.Run("truncated OPML", func(t *testing.T) {
		if _, err := ParseOPML(strings.NewReader(`<opml><body><outline text="x" xmlUrl="https://x.example/"`)); err == nil {
			t.Error("ParseOPML of truncated OPML succeeded")
		}
	})
	t.Run("folders nested too deep", func(t *testing.T) {
		deep := "<opml><body>" + strings.Repeat(`<outline text="f">`, 1_000_000) + "</body></opml>"
		if _, err := ParseOPML(strings.NewReader(deep)); err == nil || !strings.Contains(err.Error(), "depth") {
			t.Errorf("ParseOPML error = %v, want one about depth", err)
		}
	})
	t.Run("input over the size limit", func(t *testing.T) {
		r := io.MultiReader(strings.NewReader("<opml>"), io.LimitReader(zeros{}, MaxSize))
		if _, err := ParseOPML(r); !errors.Is(err, ErrTooLarge) {
			t.Errorf("ParseOPML error = %v, want ErrTooLarge", err)
		}
	})
}

// zeros is an endless reader of spaces.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestWriteOPMLRoundTrips(t *testing.T) {
	in := []Outline{
		{Title: "BBC 中文 <简体>", FeedURL: "https://feeds.bbci.co.uk/zhongwen/simp/rss.xml", SiteURL: "https://www.bbc.com/zhongwen/simp", Category: "新闻 & 时事"},
		{Title: "联合早报", FeedURL: "https://www.zaobao.com/rss?a=1&b=2&c=\"3\"", Category: "新闻 & 时事"},
		{Title: "Solo", FeedURL: "https://solo.example/feed"},
		{Title: "少数派", FeedURL: "https://sspai.com/feed", SiteURL: "https://sspai.com/", Category: "科技/效率"},
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, "我的订阅 & 收藏", in); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`) || !strings.Contains(out, `<opml version="2.0">`) {
		t.Errorf("output lacks the XML declaration or OPML 2.0 root:\n%s", out)
	}
	if err := xml.Unmarshal(buf.Bytes(), new(struct{})); err != nil {
		t.Errorf("output is not well-formed XML: %v\n%s", err, out)
	}
	for _, s := range []string{"我的订阅 &amp; 收藏", "新闻 &amp; 时事", "&lt;简体&gt;", "a=1&amp;b=2&amp;c=&#34;3&#34;"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	got, err := ParseOPML(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, in) {
		t.Errorf("round trip =\n%+v\nwant\n%+v", got, in)
	}
}

func TestWriteOPMLGroupsByCategory(t *testing.T) {
	in := []Outline{
		{Title: "A", FeedURL: "https://a.example/", Category: "X"},
		{Title: "B", FeedURL: "https://b.example/"},
		{Title: "C", FeedURL: "https://c.example/", Category: "X"},
		{FeedURL: "https://d.example/", Category: "Y"},
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, "t", in); err != nil {
		t.Fatal(err)
	}
	got, err := ParseOPML(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := []Outline{
		{Title: "A", FeedURL: "https://a.example/", Category: "X"},
		{Title: "C", FeedURL: "https://c.example/", Category: "X"},
		{Title: "B", FeedURL: "https://b.example/"},
		{Title: "https://d.example/", FeedURL: "https://d.example/", Category: "Y"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("grouped =\n%+v\nwant\n%+v", got, want)
	}
}

func TestWriteOPMLReportsWriteErrors(t *testing.T) {
	err := WriteOPML(failingWriter{}, "t", []Outline{{Title: "A", FeedURL: "https://a.example/"}})
	if err == nil || !strings.Contains(err.Error(), "write OPML") {
		t.Errorf("WriteOPML error = %v, want a wrapped write error", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
