package content

import (
	"strings"
	"testing"
	"unicode"
)

func TestText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"paragraphs are separated by one blank line",
			`<p>一</p><p>二</p>`, "一\n\n二"},
		{"a br is a newline and two are a blank line",
			`<p>a<br>b<br/><br />c<br><br><br>d</p>`, "a\nb\n\nc\n\nd"},
		{"whitespace inside a line collapses to one space",
			"<p>  a \t b\u00a0\u00a0c  </p>", "a b c"},
		{"a source line break between CJK characters disappears",
			"<p>中国\n  官方表示</p>", "中国官方表示"},
		{"a source line break next to Latin text becomes a space",
			"<p>CNN\n报道</p>", "CNN 报道"},
		{"an explicit space between CJK characters is kept",
			"<p>习近平 和</p>", "习近平 和"},
		{"ideographic indentation is trimmed",
			"<p>\u3000\u3000第一段。</p><p>\u3000\u3000第二段。</p>", "第一段。\n\n第二段。"},
		{"scripts, styles and noscript contribute nothing",
			`<p>a<script>var x = 1;</script><style>p{}</style><noscript>enable js</noscript>b</p>`, "ab"},
		{"figure captions are their own lines",
			`<figure><img src="a.jpg"><figcaption>图：说明</figcaption></figure><p>正文</p>`, "图：说明\n\n正文"},
		{"small captions in divs are their own lines",
			`<img src="a.jpg"><div><small style="color:#999">说明</small></div><p>正文</p>`, "说明\n\n正文"},
		{"list items are single lines",
			`<p>前</p><ul><li>一</li><li>二</li></ul><p>后</p>`, "前\n\n一\n二\n\n后"},
		{"table cells are separated by spaces and rows by newlines",
			`<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>`, "a b\nc d"},
		{"preformatted line breaks are kept",
			"<pre>line 1\nline 2</pre>", "line 1\nline 2"},
		{"inline elements do not break lines",
			`<p>这是<b>重点</b>和<a href="#">链接</a>。</p>`, "这是重点和链接。"},
		{"nested blocks do not stack blank lines",
			`<div><div><p>a</p></div></div><div><p>b</p></div>`, "a\n\nb"},
		{"ruby annotations are left out",
			`<ruby>漢<rp>(</rp><rt>hàn</rt><rp>)</rp></ruby>字`, "漢字"},
		{"zero-width characters are dropped",
			"<p>a\u200bb\ufeffc</p>", "abc"},
		{"entities are decoded",
			`<p>&lt;a&gt; &amp; &quot;b&quot;</p>`, `<a> & "b"`},
		{"empty input gives empty text",
			``, ""},
		{"leading breaks are not emitted",
			`<br><br><p></p><p>x</p><br>`, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTextOnVOAFixture(t *testing.T) {
	got := Text(readFixture(t, "voa_mirror.html"))
	want := strings.Join([]string{
		"Tue, 28 Feb 2023 14:12:24 GMT",
		"资料照：两国领导人在北京会面。（2017年6月16日）",
		"这是一段测试用的新闻正文，描述一次国事访问的开始。",
		"第二段说明访问的背景，并引用了官方的说法。",
		"第三段提到“全天候合作关系”等用语。",
		"两国领导人在莫斯科会谈。（2023年2月17日）",
		"最后一段总结了双边贸易的数据，增长了33%。",
		"全文完。",
	}, "\n\n")
	if got != want {
		t.Errorf("Text(fixture) =\n%s\nwant\n%s", got, want)
	}
}

func FuzzText(f *testing.F) {
	f.Add(`<p>中国<br>官方</p><pre> x
 y</pre>`)
	f.Add("<table><tr><td>a<td>b</table>\u3000")
	f.Fuzz(func(t *testing.T, in string) {
		out := Text(in)
		if strings.Contains(out, "\n\n\n") {
			t.Errorf("Text(%q) = %q has two blank lines in a row", in, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if line == "" {
				continue
			}
			first, last := []rune(line)[0], []rune(line)[len([]rune(line))-1]
			if unicode.IsSpace(first) || unicode.IsSpace(last) {
				t.Errorf("Text(%q) has line %q with surrounding space", in, line)
			}
		}
		if strings.HasPrefix(out, "\n") || strings.HasSuffix(out, "\n") {
			t.Errorf("Text(%q) = %q starts or ends with a newline", in, out)
		}
	})
}
