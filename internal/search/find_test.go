package search_test

import (
	"reflect"
	"testing"
)

func TestSearchFindsWhatTheQueryMeans(t *testing.T) {
	ix := newIndex(t,
		"白俄罗斯总统亚历山大·卢卡申科（Alexander Lukashenko）星期二抵达北京。",  // 0
		"盧卡申科訪華，與中國領導人會面。",                               // 1: traditional
		"申科卢卡是一个虚构的名字。",                                  // 2: the same characters, another order
		"中国外交部发言人在例行记者会上回答了问题。",                          // 3
		"新冠疫苗的接种率在上升，世界卫生组织（WHO）表示欢迎。",                   // 4
		"Hong Kong's national security law: 香港国安法实施三周年。", // 5
		"美国总统拜登宣布对新疆实施新的制裁。",                             // 6
		"美国，总统选举将在明年举行。",                                 // 7
		"北京下雪", // 8: 雪 at the very end
		"ＷＨＯ警告：COVID-19仍是威胁。", // 9: full-width
		"东京タワーは高い。",           // 10
		"서울시청 앞 광장",           // 11
	)
	tests := []struct {
		name  string
		query string
		want  []int
	}{
		{"a name finds both scripts", "卢卡申科", []int{0, 1}},
		{"a traditional query finds both scripts", "盧卡申科", []int{0, 1}},
		{"word order inside a Chinese term matters", "申科卢卡", []int{2}},
		{"a two-character word matches", "北京", []int{0, 8}},
		{"a two-character word in traditional script matches", "中國", []int{1, 3}},
		{"one character matches inside a run", "俄", []int{0}},
		{"one character at the very end of a run is not indexed alone", "雪", nil},
		{"one character matches as a whole run", "与", []int{1}},
		{"terms are ANDed", "美国 制裁 新疆", []int{6}},
		{"a quoted phrase across punctuation matches", `"美国 总统"`, []int{7}},
		{"an unquoted pair of terms matches either layout", "美国 总统", []int{6, 7}},
		{"an English name matches case-insensitively", "lukashenko", []int{0}},
		{"a phrase of English words matches", `"Hong Kong"`, []int{5}},
		{"full-width and half-width letters match each other", "who", []int{4, 9}},
		{"a hyphenated word matches", "covid-19", []int{9}},
		{"an excluded term removes articles", "who -疫苗", []int{9}},
		{"kana are searchable", "タワー", []int{10}},
		{"hangul is searchable", "서울", []int{11}},
		{"a sequence that never occurs finds nothing", "卡申科卢", nil},
		{"FTS5 syntax typed by a reader is harmless", `卢卡申科 OR NEAR(北京) "*" ^ title:x`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, expr, err := ix.find(tc.query)
			if err != nil {
				t.Fatalf("%q → %v: %v", tc.query, expr, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%q → %v found %v, want %v", tc.query, expr, got, tc.want)
			}
		})
	}
}

func TestUserInputNeverBreaksTheMatchExpression(t *testing.T) {
	ix := newIndex(t, `他说："AND" OR (NOT) NEAR/3 * ^ col:x {a b} - + 's`)
	for _, in := range []string{
		`"`, `""`, `"""`, `'`, `(`, `)`, `()`, `(北京`, `北京)`, `AND`, `OR`, `NOT`, `NEAR`, `NEAR(`, `near/3`,
		`*`, `北*`, `*北`, `^`, `^北京`, `col:x`, `title:`, `{title}:北京`, `{`, `}`, `-`, `--x`, `+`, `a + b`,
		`\`, `\"`, `x"y"z`, `"unclosed`, `“`, `”`, `「`, `-"`, `- "`, "\x00", "北\x00京", "\xff\xfe", `:`, `：`,
		`AND AND`, `NOT NOT x`, `OR x`, `x OR`, `"AND"`, `"OR" "NOT"`,
	} {
		if _, expr, err := ix.find(in); err != nil {
			t.Errorf("%q → %v: %v", in, expr, err)
		}
	}
}
