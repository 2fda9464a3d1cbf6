package search_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	a := newAnalyzer(t)
	tests := []struct {
		name, in, want string
	}{
		{"traditional characters become simplified one by one", "盧卡申科訪華", "卢卡申科访华"},
		{"a character that is the same in both scripts stays", "卡", "卡"},
		{"both forms of tai fold to one", "臺灣 台灣", "台湾 台湾"},
		{"full-width letters and digits become half-width lower case", "ＡＢＣ１２３ｘ", "abc123x"},
		{"the ideographic space becomes a space", "北京\u3000上海", "北京 上海"},
		{"full-width punctuation becomes half-width", "（ＷＨＯ）！", "(who)!"},
		{"Latin is lower-cased", "Lukashenko COVID-19", "lukashenko covid-19"},
		{"half-width katakana becomes full-width", "ｶﾀｶﾅ", "カタカナ"},
		{"a compatibility ideograph becomes its unified form, then simplified", "\uF900", "岂"},
		{"simplified text is unchanged", "白俄罗斯总统卢卡申科抵达北京", "白俄罗斯总统卢卡申科抵达北京"},
		{"a phrase-dependent traditional form folds with its simplified one", "瞭解 反覆", "了解 反复"},
		{"regional variants of a word fold together", "計畫", "计划"},
		{"invalid UTF-8 becomes one replacement character per bad byte", "a\xffb", "a\uFFFDb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := a.Fold(tc.in)
			if got != tc.want {
				t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if utf8.RuneCountInString(got) != utf8.RuneCountInString(tc.in) {
				t.Errorf("Fold(%q) has %d runes, the input %d", tc.in, utf8.RuneCountInString(got), utf8.RuneCountInString(tc.in))
			}
		})
	}
}

func TestTokens(t *testing.T) {
	a := newAnalyzer(t)
	tests := []struct {
		name, in string
		want     string // space-separated
	}{
		{"a Chinese run gives overlapping bigrams", "卢卡申科", "卢卡 卡申 申科"},
		{"a lone character is a unigram", "在", "在"},
		{"two characters are one bigram", "北京", "北京"},
		{"mixed scripts split into runs", "卢卡申科Lukashenko于2023年访华", "卢卡 卡申 申科 lukashenko 于 2023 年访 访华"},
		{"punctuation separates runs", "美国，总统。", "美国 总统"},
		{"traditional text is folded before it is cut", "盧卡申科", "卢卡 卡申 申科"},
		{"full-width letters and digits are words", "ＷＨＯ　２０２３年", "who 2023 年"},
		{"hyphens and apostrophes split words", "COVID-19 Lukashenko's", "covid 19 lukashenko s"},
		{"kana runs are bigrammed like Han", "東京タワー", "东京 京タ タワ ワー"},
		{"hiragana and kanji form one run", "ひらがな", "ひら らが がな"},
		{"hangul is bigrammed", "서울시", "서울 울시"},
		{"accented Latin keeps its accents", "Café Zürich", "café zürich"},
		{"a combining mark stays in its word", "cafe\u0301", "cafe\u0301"},
		{"Cyrillic is lower-cased", "Лукашенко", "лукашенко"},
		{"emoji and symbols separate", "北京😀上海★", "北京 上海"},
		{"nothing indexable gives nothing", " ，。!? ", ""},
		{"empty text gives nothing", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(a.Tokens(tc.in), " ")
			if got != tc.want {
				t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
			}
			doc := a.Index(tc.in, tc.in+" "+tc.in)
			if doc.Title != tc.want {
				t.Errorf("Index title %q, want %q", doc.Title, tc.want)
			}
			if want := strings.TrimSpace(tc.want + " " + tc.want); doc.Body != want {
				t.Errorf("Index body %q, want %q", doc.Body, want)
			}
		})
	}
}

func TestEveryCharacterOfARunButTheLastStartsOneToken(t *testing.T) {
	a := newAnalyzer(t)
	toks := a.Tokens("白俄罗斯总统")
	var firsts []string
	for _, tok := range toks {
		r, _ := utf8.DecodeRuneInString(tok)
		firsts = append(firsts, string(r))
	}
	if want := []string{"白", "俄", "罗", "斯", "总"}; !reflect.DeepEqual(firsts, want) {
		t.Errorf("tokens %q start with %q, want %q", toks, firsts, want)
	}
}
