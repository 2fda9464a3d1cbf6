package eval

import (
	"math"
	"reflect"
	"testing"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"every Han character is a token", "中国人", []string{"中", "国", "人"}},
		{"Latin words and numbers are runs", "Hello, world 2023!", []string{"Hello", "world", "2023"}},
		{"a run stops at a Han character", "GDP增长5.2%", []string{"GDP", "增", "长", "5", "2"}},
		{"kana and hangul are one token per character", "ニュース 뉴스", []string{"ニ", "ュ", "ー", "ス", "뉴", "스"}},
		{"punctuation, full-width included, separates", "“你好”，世界。a-b", []string{"你", "好", "世", "界", "a", "b"}},
		{"accented letters stay in their word", "café naïve", []string{"café", "naïve"}},
		{"full-width digits are digits", "２０２３年", []string{"２０２３", "年"}},
		{"empty text has no tokens", " \n\t ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tokens(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestShingles(t *testing.T) {
	got := Shingles("a b c d a b c d")
	want := map[string]int{"a\x00b\x00c\x00d": 2, "b\x00c\x00d\x00a": 1, "c\x00d\x00a\x00b": 1, "d\x00a\x00b\x00c": 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Shingles counts repeats: got %v, want %v", got, want)
	}
	if got := Shingles("你好"); !reflect.DeepEqual(got, map[string]int{"你\x00好": 1}) {
		t.Errorf("a text shorter than a shingle is one shingle: %v", got)
	}
	if got := Shingles("。"); len(got) != 0 {
		t.Errorf("a text without tokens has no shingles: %v", got)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestScore(t *testing.T) {
	tests := []struct {
		name       string
		ours, ref  string
		tp, fp, fn int
		p, r       float64
	}{
		{"identical texts score 1", "今天北京天气晴朗", "今天北京天气晴朗", 5, 0, 0, 1, 1},
		{"whitespace and punctuation do not matter", "今天 北京，天气晴朗。", "今天北京天气晴朗", 5, 0, 0, 1, 1},
		{"extra text is a false positive", "今天北京天气晴朗", "今天北京天", 2, 3, 0, 0.4, 1},
		{"missing text is a false negative", "今天北京天", "今天北京天气晴朗", 2, 0, 3, 1, 0.4},
		{"a repeated paragraph counts twice", "a b c d a b c d", "a b c d", 1, 4, 0, 0.2, 1},
		{"both empty is perfect", "", "", 0, 0, 0, 1, 1},
		{"ours empty is a failed page", "", "今天北京天气晴朗", 0, 0, 5, 0, 0},
		{"text where there is none is all extra", "今天北京天气晴朗", "", 0, 5, 0, 0, 1},
		{"disjoint texts score 0", "甲乙丙丁", "子丑寅卯", 0, 1, 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Score(tt.ours, tt.ref)
			if s.TP != tt.tp || s.FP != tt.fp || s.FN != tt.fn || !near(s.Precision, tt.p) || !near(s.Recall, tt.r) {
				t.Errorf("Score = %+v, want TP %d FP %d FN %d P %v R %v", s, tt.tp, tt.fp, tt.fn, tt.p, tt.r)
			}
		})
	}
}

func TestCorpusAveragesPagesThenTakesTheHarmonicMean(t *testing.T) {
	var c Corpus
	c.Add(PageScore{TP: 1, Precision: 1, Recall: 0.5})
	c.Add(PageScore{TP: 100, FP: 100, Precision: 0.5, Recall: 1})
	c.Add(PageScore{FN: 10}) // a failed page
	if c.Pages != 3 || !near(c.Precision(), 0.5) || !near(c.Recall(), 0.5) || !near(c.F1(), 0.5) {
		t.Errorf("corpus = %d pages, P %v R %v F1 %v; want 3, 0.5, 0.5, 0.5", c.Pages, c.Precision(), c.Recall(), c.F1())
	}
	if c.EmptyOnText != 1 {
		t.Errorf("EmptyOnText = %d, want 1", c.EmptyOnText)
	}
	var empty Corpus
	if empty.F1() != 0 || empty.Precision() != 0 {
		t.Errorf("an empty corpus scores %v", empty.F1())
	}
}
