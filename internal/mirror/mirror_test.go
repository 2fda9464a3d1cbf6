package mirror

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		file string // testdata file, or
		in   string // inline input
		want Entry
	}{
		{
			name: "a mirror file keeps brackets in the title and the percent-escaped link verbatim",
			file: "mirror.md",
			want: Entry{
				Title:     "[测试]示例标题（一）：括号(A)与[B]",
				Link:      "https://news.example.org/a/%E7%A4%BA%E4%BE%8B/123.html?x=1&y=2",
				Published: ms(1700000000123),
				HTML:      `<div><i>Tue, 14 Nov 2023 22:13:20 GMT</i></div><p>这是一段虚构的正文，用于测试。</p><p>第二段 with <a href="https://example.org/x">link</a>.</p>`,
				Format:    FormatMirror,
			},
		},
		{
			name: "a v0 file takes its date from the 日期 line",
			file: "mirror_v0.md",
			want: Entry{
				Title:     "旧格式的虚构标题",
				Link:      "https://news.example.org/chinese/2020/06/%e6%97%a7/",
				Published: time.Date(2020, 6, 27, 13, 30, 55, 0, time.UTC),
				HTML:      "<p>旧版镜像文件的虚构内容。</p>",
				Format:    FormatMirrorV0,
			},
		},
		{
			name: "a title spread over several lines keeps its line breaks",
			file: "multiline_title.md",
			want: Entry{
				Title:     "多行标题的虚构例子\n\n",
				Link:      "https://news.example.org/zh/%E5%A4%9A/a-1",
				Published: ms(1600000000000),
				HTML:      "<div>正文</div>",
				Format:    FormatMirror,
			},
		},
		{
			name: "a jekyll file with a mirror body takes its metadata from the front matter",
			file: "jekyll_header.md",
			want: Entry{
				Title:     `  虚构新闻：标题里有冒号 "引号"  `,
				Link:      "https://news.example.org/firstnews/202008060001.aspx",
				Published: time.Date(2020, 8, 6, 7, 56, 19, 0, time.UTC),
				Author:    "虚构通讯社",
				Tags:      []string{"虚构通讯社"},
				HTML:      "<div>\n<p>第一行。</p>\n<p>第二行。</p>\n</div>",
				Format:    FormatJekyll,
				Front: map[string]string{
					"layout": "post", "title": `  虚构新闻：标题里有冒号 "引号"  `, "date": "2020-08-06T07:56:19.000Z",
					"author": "虚构通讯社", "from": "https://news.example.org/firstnews/202008060001.aspx",
					"tags": "[ 虚构通讯社 ]", "categories": "[ 虚构通讯社 ]",
				},
				Mirror: &Header{
					Title:     `虚构新闻：标题里有冒号 "引号"`,
					Link:      "https://news.example.org/firstnews/202008060001.aspx",
					Published: ms(1596700579000),
					Format:    FormatMirror,
				},
			},
		},
		{
			name: "a jekyll file with a raw HTML body keeps the body after the blank line",
			file: "jekyll_raw.md",
			want: Entry{
				Title:     "挑战：一个虚构的长篇报道",
				Link:      "https://example.site/medium/made-up-story",
				Published: time.Date(2019, 7, 26, 12, 17, 47, 0, time.UTC),
				Author:    "Example.site",
				Tags:      []string{"Example.site"},
				HTML:      "<article class=\"post\">\n <header>\n  <h1>挑战：一个虚构的长篇报道</h1>\n </header>\n <p>虚构的正文。</p>\n</article>\n",
				Format:    FormatJekyll,
				Front: map[string]string{
					"layout": "post", "title": "挑战：一个虚构的长篇报道", "date": "2019-07-26T13:17:47+01:00",
					"author": "Example.site", "from": "https://example.site/medium/made-up-story",
					"tags": "[ Example.site ]", "categories": "[ Example.site ]",
				},
			},
		},
		{
			name: "the front matter reader handles quotes, escapes, comments and block values",
			file: "jekyll_yaml.md",
			want: Entry{
				Title:     "It's a made-up title # not a comment",
				Link:      "https://example.org/path?a=b#frag",
				Published: time.Date(2021, 3, 3, 21, 6, 7, 0, time.UTC),
				Author:    "作者甲, 作者乙",
				Tags:      []string{"标签一", "标签 二"},
				HTML:      "<p>body without a mirror header</p>",
				Format:    FormatJekyll,
				Front: map[string]string{
					"title":   "It's a made-up title # not a comment",
					"date":    "2021-03-04 05:06:07 +0800",
					"author":  "- 作者甲\n- \"作者乙\"",
					"from":    "https://example.org/path?a=b#frag",
					"tags":    "- 标签一\n- '标签 二'",
					"summary": "folded summary over two lines\nnew paragraph\n",
					"escaped": "tab\there\u00e9A\U0001F600 \\",
					"nested":  "key: value",
					"flow":    `[ a, "b, c", d ]`,
				},
			},
		},
		{
			name: "a quoted title over several lines, even unindented, is one title",
			file: "jekyll_multiline_title.md",
			want: Entry{
				Title:     `虚构的长标题：第一部分 说明在第二行，「引号」在这里 第三行缩进`,
				Link:      "https://news.example.org/long/1",
				Published: time.Date(2022, 5, 5, 23, 8, 9, 0, time.UTC),
				HTML:      "<p>正文。</p>",
				Format:    FormatJekyll,
				Front: map[string]string{
					"layout": "post", "title": `虚构的长标题：第一部分 说明在第二行，「引号」在这里 第三行缩进`,
					"date": "2022-05-06 07:08:09 +0800", "from": "https://news.example.org/long/1",
				},
			},
		},
		{
			name: "CRLF header lines and a byte order mark are accepted",
			in:   "\ufeff<!--5-->\r\n[t](l)\r\n------\r\n\r\nbody\r\n",
			want: Entry{Title: "t", Link: "l", Published: ms(5), HTML: "body\r", Format: FormatMirror},
		},
		{
			name: "a link holding parentheses is what lies inside the last ]( pair",
			in:   "<!--1-->\n[a](b) c](https://x.example/wiki/Foo_(bar))\n------\n\n<p/>\n",
			want: Entry{Title: "a](b) c", Link: "https://x.example/wiki/Foo_(bar)", Published: ms(1), HTML: "<p/>", Format: FormatMirror},
		},
		{
			name: "a file without the blank line or the final newline still parses",
			in:   "[t](l)\n------\n<p>x</p>",
			want: Entry{Title: "t", Link: "l", HTML: "<p>x</p>", Format: FormatMirrorV0},
		},
		{
			name: "a v0 date with an ASCII colon and a named zone is read",
			in:   "[t](l)\n------\n日期: Mon, 29 Jun 2020 08:00:00 GMT\n\nx\n",
			want: Entry{Title: "t", Link: "l", Published: time.Date(2020, 6, 29, 8, 0, 0, 0, time.UTC), HTML: "x", Format: FormatMirrorV0},
		},
		{
			name: "a jekyll date with only a day is midnight UTC",
			in:   "---\ntitle: x\ndate: 2020-01-02\n---\n<p>y</p>\n",
			want: Entry{Title: "x", Published: time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC), HTML: "<p>y</p>", Format: FormatJekyll,
				Front: map[string]string{"title": "x", "date": "2020-01-02"}},
		},
		{
			name: "a jekyll file without front-matter metadata falls back to its mirror header",
			in:   "---\nlayout: post\n---\n<!--7-->\n[t](l)\n------\n\nz\n",
			want: Entry{Title: "t", Link: "l", Published: ms(7), HTML: "z", Format: FormatJekyll,
				Front:  map[string]string{"layout": "post"},
				Mirror: &Header{Title: "t", Link: "l", Published: ms(7), Format: FormatMirror}},
		},
		{
			name: "an empty content is an empty string",
			in:   "<!--1-->\n[t](l)\n------\n\n\n",
			want: Entry{Title: "t", Link: "l", Published: ms(1), Format: FormatMirror},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.in)
			if tt.file != "" {
				data = readTestdata(t, tt.file)
			}
			got, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("Parse =\n%#v\nwant\n%#v", *got, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	random := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	tests := []struct {
		name   string
		in     string
		line   int
		reason string
	}{
		{"an empty file is rejected", "", 0, "empty input"},
		{"a blank file is rejected", " \n\n", 0, "empty input"},
		{"random bytes are rejected", string(random), 1, "expected a [title](link) line"},
		{"a non-numeric published comment is rejected", "<!--16775951x4000-->\n[t](l)\n------\n\nx\n", 1, "not a whole number"},
		{"an empty published comment is rejected", "<!---->\n[t](l)\n------\n\nx\n", 1, "holds no number"},
		{"an overflowing published comment is rejected", "<!--99999999999999999999-->\n[t](l)\n------\n\nx\n", 1, "out of range"},
		{"an unclosed published comment is rejected", "<!--123\n[t](l)\n------\n", 1, "not closed"},
		{"a comment alone is rejected", "<!--1-->\n", 2, "missing [title](link) line"},
		{"a header without ------ is rejected", "<!--1-->\n[t](l)\n\n<p>x</p>\n", 2, "missing ------"},
		{"a header line without a link is rejected", "<!--1-->\n[title only\n------\n\nx\n", 2, "does not end in"},
		{"a never ending title is rejected", "[a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", 1, "within 8 lines"},
		{"a bad 日期 line is rejected", "[t](l)\n------\n日期：yesterday\n\nx\n", 3, "unrecognised date"},
		{"a front matter never closed is rejected", "---\ntitle: x\n\n<p>body</p>\n", 1, "never closed"},
		{"an empty front matter is rejected", "---\n---\nbody\n", 1, "no key: value"},
		{"a front-matter line without a key is rejected", "---\ntitle x\n---\nbody\n", 2, "expected \"key: value\""},
		{"an unterminated quoted title is rejected", "---\ntitle: \"x\n---\nbody\n", 3, "unexpected end"},
		{"an unknown escape is rejected", "---\ntitle: \"\\q\"\n---\nbody\n", 2, "unknown escape"},
		{"a bad front-matter date is rejected", "---\ntitle: x\ndate: soon\n---\nbody\n", 3, "unrecognised date"},
		{"a nested flow list is rejected", "---\ntags: [a, [b]]\n---\nbody\n", 2, "nested lists"},
		{"an HTML page is rejected", "<!doctype html>\n<html></html>\n", 1, "expected a [title](link) line"},
		{"an HTML comment is not a published comment", "<!-- generated -->\n<html></html>\n", 1, "not a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", e)
			}
			if !errors.Is(err, ErrNotMirror) {
				t.Errorf("error %v does not wrap ErrNotMirror", err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.Line != tt.line || !strings.Contains(pe.Reason, tt.reason) {
				t.Errorf("error line %d reason %q, want line %d reason containing %q", pe.Line, pe.Reason, tt.line, tt.reason)
			}
		})
	}
}

func TestParseNamedPutsTheNameInTheError(t *testing.T) {
	_, err := ParseNamed("BBC/1_x.md", []byte("nope"))
	if err == nil || !strings.Contains(err.Error(), `"BBC/1_x.md"`) || !errors.Is(err, ErrNotMirror) {
		t.Fatalf("ParseNamed error = %v, want one naming the file and wrapping ErrNotMirror", err)
	}
	want := `parse mirror "BBC/1_x.md": not a markdown mirror file: line 1: expected a [title](link) line, got "nope"`
	if err.Error() != want {
		t.Errorf("error text\n%s\nwant\n%s", err, want)
	}
}

func TestReadFile(t *testing.T) {
	e, err := ReadFile(filepath.Join("testdata", "mirror.md"))
	if err != nil || e.Published != ms(1700000000123) {
		t.Fatalf("ReadFile = %+v, %v", e, err)
	}
	if _, err := ReadFile(filepath.Join("testdata", "absent.md")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: %v, want os.ErrNotExist", err)
	}
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name string
		in   *Entry
		want string
	}{
		{
			name: "an entry is written in the mirror format",
			in:   &Entry{Title: "标题", Link: "https://x.example/a", Published: ms(1677595144000), HTML: "<p>x</p>"},
			want: "<!--1677595144000-->\n[标题](https://x.example/a)\n------\n\n<p>x</p>\n",
		},
		{
			name: "an entry without a time has no published comment",
			in:   &Entry{Title: "t", Link: "l", HTML: "h"},
			want: "[t](l)\n------\n\nh\n",
		},
		{
			name: "line breaks in the title fold to spaces",
			in:   &Entry{Title: "a\r\nb\nc\rd", Link: "l", Published: ms(1)},
			want: "<!--1-->\n[a b c d](l)\n------\n\n\n",
		},
		{
			name: "spaces, parentheses and controls in the link are percent-escaped",
			in:   &Entry{Title: "t", Link: "https://x.example/wiki/A (b)\n%E4", Published: ms(-5)},
			want: "<!---5-->\n[t](https://x.example/wiki/A%20%28b%29%0A%E4)\n------\n\n\n",
		},
		{
			name: "sub-millisecond precision is dropped",
			in:   &Entry{Title: "t", Link: "l", Published: time.Date(2020, 1, 1, 0, 0, 0, 999999, time.FixedZone("x", 3600))},
			want: "<!--1577833200000-->\n[t](l)\n------\n\n\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tt.in); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("Write =\n%q\nwant\n%q", b.String(), tt.want)
			}
			back, err := Parse(b.Bytes())
			if err != nil {
				t.Fatalf("Parse(Write) = %v", err)
			}
			if back.Title != NormalizeTitle(tt.in.Title) || back.Link != EscapeLink(tt.in.Link) || back.HTML != tt.in.HTML ||
				!back.Published.Equal(truncateMilli(tt.in.Published)) {
				t.Errorf("Parse(Write) = %+v, want the normalised %+v", back, tt.in)
			}
		})
	}
}

func TestWriteReproducesTestdataMirrorFiles(t *testing.T) {
	for _, name := range []string{"mirror.md", "multiline_title.md"} {
		data := readTestdata(t, name)
		e, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := Write(&b, e); err != nil {
			t.Fatal(err)
		}
		same := bytes.Equal(b.Bytes(), data)
		if wantSame := !strings.Contains(e.Title, "\n"); same != wantSame {
			t.Errorf("%s: Write reproduces the file: %v, want %v\n%q", name, same, wantSame, b.String())
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	if err := Write(&bytes.Buffer{}, nil); !errors.Is(err, ErrNilEntry) {
		t.Errorf("Write(nil) = %v, want ErrNilEntry", err)
	}
	if err := Write(failingWriter{}, &Entry{Title: "t"}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Write to a failing writer = %v", err)
	}
	if err := WriteList(failingWriter{}, "o", nil, nil); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteList to a failing writer = %v", err)
	}
}

func TestEscapeLinkIsIdempotent(t *testing.T) {
	for _, s := range []string{"", "a b", "(x)", "%28", "\x00\x7f", "https://例子.example/路径?q=一 二"} {
		once := EscapeLink(s)
		if twice := EscapeLink(once); twice != once {
			t.Errorf("EscapeLink(EscapeLink(%q)) = %q, want %q", s, twice, once)
		}
	}
}

func TestWriteList(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	items := []ListItem{
		{Title: "无日期B", Path: "无日期B.md"},
		{Title: "早", Path: "1_早.md", Published: time.Date(2020, 6, 23, 1, 0, 0, 0, time.UTC)},
		{Title: "无日期A", Path: "无日期A.md"},
		{Title: "晚 B", Path: "3_晚 B (x).md", Published: time.Date(2020, 7, 20, 16, 30, 0, 0, time.UTC)},
		{Title: "晚 A", Path: "sub/2_晚 A#1?.md", Published: time.Date(2020, 7, 20, 16, 30, 0, 0, time.UTC)},
		{Title: "多\n行", Path: "100%.md", Published: time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC)},
	}
	orig := append([]ListItem(nil), items...)
	tests := []struct {
		name string
		loc  *time.Location
		want string
	}{
		{
			name: "items are listed newest first with dates in UTC by default",
			want: "法广\n------\n\n" +
				"[晚 A](sub/2_晚%20A%231%3F.md) 2020-07-20 16:30\n\n" +
				"[晚 B](3_晚%20B%20%28x%29.md) 2020-07-20 16:30\n\n" +
				"[多 行](100%25.md) 2020-07-01 00:00\n\n" +
				"[早](1_早.md) 2020-06-23 01:00\n\n" +
				"[无日期A](无日期A.md)\n\n" +
				"[无日期B](无日期B.md)\n\n",
		},
		{
			name: "dates are shown in the location given",
			loc:  shanghai,
			want: "法广\n------\n\n" +
				"[晚 A](sub/2_晚%20A%231%3F.md) 2020-07-21 00:30\n\n" +
				"[晚 B](3_晚%20B%20%28x%29.md) 2020-07-21 00:30\n\n" +
				"[多 行](100%25.md) 2020-07-01 08:00\n\n" +
				"[早](1_早.md) 2020-06-23 09:00\n\n" +
				"[无日期A](无日期A.md)\n\n" +
				"[无日期B](无日期B.md)\n\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteList(&b, "法广", items, tt.loc); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("WriteList =\n%s\nwant\n%s", b.String(), tt.want)
			}
			if !reflect.DeepEqual(items, orig) {
				t.Error("WriteList reordered the caller's slice")
			}
		})
	}
}

func TestWriteListOfNothingIsJustTheHeading(t *testing.T) {
	var b bytes.Buffer
	if err := WriteList(&b, "BBC", nil, nil); err != nil || b.String() != "BBC\n------\n\n" {
		t.Errorf("WriteList = %q, %v", b.String(), err)
	}
}

func TestFileName(t *testing.T) {
	long := strings.Repeat("长", 100) // 300 bytes
	tests := []struct {
		name  string
		id    int64
		title string
		want  string
	}{
		{"a plain title is kept", 1048026, "英国指责中国“严重”侵犯新疆维族人权 中国称指控不实", "1048026_英国指责中国“严重”侵犯新疆维族人权 中国称指控不实.md"},
		{"separators and characters Windows refuses become underscores", 7, `a/b\c<d>e:f"g|h?i*j`, "7_a_b_c_d_e_f_g_h_i_j.md"},
		{"line breaks become spaces and trailing ones are trimmed", 1048198, "德语媒体：北京的快速回应\n\n", "1048198_德语媒体：北京的快速回应.md"},
		{"control characters, NUL and invalid UTF-8 become underscores", 3, "a\x00b\x1fc\x7fd\u0085e\xfff", "3_a_b_c_d_e_f.md"},
		{"trailing dots and spaces are trimmed", 4, "etc. ... ", "4_etc.md"},
		{"an empty title gives the id alone", 5, "", "5.md"},
		{"a title of only dots gives the id alone", 6, "...", "6.md"},
		{"a long title is cut on a character boundary to 200 bytes", 123456, long, "123456_" + strings.Repeat("长", 63) + ".md"},
		{"a negative id is kept", -1, "x", "-1_x.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FileName(tt.id, tt.title)
			if got != tt.want {
				t.Errorf("FileName(%d, %q) = %q, want %q", tt.id, tt.title, got, tt.want)
			}
			if len(got) > MaxFileNameBytes {
				t.Errorf("FileName is %d bytes", len(got))
			}
		})
	}
}

func TestSniff(t *testing.T) {
	gb := []byte{0xd6, 0xd0, 0xce, 0xc4, 0xb2, 0xe2, 0xca, 0xd4, '\n'} // "中文测试" in GB18030
	tests := []struct {
		name string
		file string
		data string
		want string
	}{
		{"a mirror file is a mirror by content whatever its name", "x.bin", string(readTestdata(t, "mirror.md")), KindMirror},
		{"a v0 mirror file is a mirror", "x.txt", string(readTestdata(t, "mirror_v0.md")), KindMirror},
		{"a jekyll file is jekyll", "x.md", string(readTestdata(t, "jekyll_raw.md")), KindJekyll},
		{"an HTML page is html by content", "page", "\ufeff  <!DOCTYPE html>\n<html></html>", KindHTML},
		{"an html tag opens an HTML page", "page", "<html lang=zh>", KindHTML},
		{"an .htm file is html by extension", "A.HTM", "<div>片段</div>", KindHTML},
		{"an .html file with NUL bytes is unknown", "a.html", "<\x00d\x00", ""},
		{"a UTF-8 .txt file is text", "notes.txt", "纯文本\r\n第二行\n", KindText},
		{"a GB18030 .txt file is text", "gb.txt", string(gb), KindText},
		{"a .txt file with NUL bytes is unknown", "a.txt", "ab\x00cd", ""},
		{"a .txt file of random high bytes is unknown", "a.txt", "\xff\xfe\xfd\x80", ""},
		{"a .txt file with stray control characters is unknown", "a.txt", "ab\x01cd", ""},
		{"a markdown file that is not a mirror is text", `dir\readme.md`, "# 标题\n\n正文\n", KindText},
		{"an unknown extension is unknown", "a.pdf", "%PDF-1.4", ""},
		{"a name without an extension is unknown", "Makefile", "all:\n", ""},
		{"a dot file has no extension", ".txt", "x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sniff(tt.file, []byte(tt.data)); got != tt.want {
				t.Errorf("Sniff(%q) = %q, want %q", tt.file, got, tt.want)
			}
		})
	}
}

// truncateMilli is what a time becomes after Write and Parse.
func truncateMilli(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}
