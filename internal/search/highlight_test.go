package search_test

import (
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/search"
)

func TestHighlight(t *testing.T) {
	a := newAnalyzer(t)
	long := strings.Repeat("无关的句子。", 40)
	tests := []struct {
		name, text, query string
		max               int
		want              string
	}{
		{"a simplified query marks traditional text in its own script", "盧卡申科訪華。", "卢卡申科", 50, "<mark>盧卡申科</mark>訪華。"},
		{"a traditional query marks simplified text", "卢卡申科访华。", "盧卡申科", 50, "<mark>卢卡申科</mark>访华。"},
		{"every term is marked, each time it occurs", "美国制裁新疆。美国说。", "美国 新疆", 50, "<mark>美国</mark>制裁<mark>新疆</mark>。<mark>美国</mark>说。"},
		{"one character is marked where the index finds it", "北京下雪了，大雪", "雪", 50, "北京下<mark>雪</mark>了，大雪"},
		{"word order matters as in the index", "申科卢卡和卢卡申科", "卢卡申科", 50, "申科卢卡和<mark>卢卡申科</mark>"},
		{"English words are marked whole and in their own case", "Lukashenko's visit; lukashenkoism", "LUKASHENKO", 50, "<mark>Lukashenko</mark>&#39;s visit; lukashenkoism"},
		{"full-width text is marked for a half-width query", "ＷＨＯ表示", "who", 50, "<mark>ＷＨＯ</mark>表示"},
		{"a phrase across punctuation is marked as one", "美国，总统说", `"美国 总统"`, 50, "<mark>美国，总统</mark>说"},
		{"excluded terms are not marked", "北京和上海", "北京 -上海", 50, "<mark>北京</mark>和上海"},
		{"HTML in the text is escaped", "<b>北京</b> & 上海", "北京", 50, "&lt;b&gt;<mark>北京</mark>&lt;/b&gt; &amp; 上海"},
		{"whitespace runs become one space", "北京\n\n  上海", "上海", 50, "北京 <mark>上海</mark>"},
		{"without a match the snippet is the start of the text", "第一句。第二句。", "伦敦", 4, "第一句。…"},
		{"without terms the snippet is the start of the text", "第一句。第二句。", "site:voa", 100, "第一句。第二句。"},
		{"the snippet moves to the first match and says it was cut", long + "重要的卢卡申科消息" + long, "卢卡申科", 20, "…重要的<mark>卢卡申科</mark>消息无关的句子。无关的句子…"},
		{"the snippet starts at the line of a match near it", "很长的前面一段文字\n卢卡申科来了。" + long, "卢卡申科", 30, "…<mark>卢卡申科</mark>来了。无关的句子。无关的句子。无关的句子。无关的句子…"},
		{"the snippet keeps the start of the text when it fits", "前面。卢卡申科来了。" + long, "卢卡申科", 30, "前面。<mark>卢卡申科</mark>来了。无关的句子。无关的句子。无关的句子。无关…"},
		{"empty text gives an empty snippet", "", "北京", 50, ""},
		{"whitespace around the text is no cut", "\n\n  北京  \n", "北京", 50, "<mark>北京</mark>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := a.Highlight(tc.text, search.ParseQuery(tc.query, nil), tc.max)
			if got != tc.want {
				t.Errorf("Highlight(%q, %q, %d)\n got %s\nwant %s", tc.text, tc.query, tc.max, got, tc.want)
			}
		})
	}
}
