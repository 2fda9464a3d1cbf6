package zh

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/width"
)

func TestRuneClasses(t *testing.T) {
	tests := []struct {
		r                       rune
		han, kana, hanKana, cjk bool
		cjkOrPunct              bool
	}{
		{'中', true, false, true, true, true},
		{'の', false, true, true, true, true},
		{'カ', false, true, true, true, true},
		{'한', false, false, false, true, true},
		{'。', false, false, false, false, true},
		{'Ａ', false, false, false, false, true},
		{'a', false, false, false, false, false},
		{'é', false, false, false, false, false},
	}
	for _, tc := range tests {
		if IsHan(tc.r) != tc.han || IsKana(tc.r) != tc.kana || IsHanOrKana(tc.r) != tc.hanKana ||
			IsCJK(tc.r) != tc.cjk || IsCJKOrPunct(tc.r) != tc.cjkOrPunct {
			t.Errorf("%q: IsHan %v IsKana %v IsHanOrKana %v IsCJK %v IsCJKOrPunct %v; want %v %v %v %v %v",
				tc.r, IsHan(tc.r), IsKana(tc.r), IsHanOrKana(tc.r), IsCJK(tc.r), IsCJKOrPunct(tc.r),
				tc.han, tc.kana, tc.hanKana, tc.cjk, tc.cjkOrPunct)
		}
	}
}

func TestLooksChineseWantsMostlyIdeographs(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"中国政府今天表示这是一个发展的机会", true},
		{"中国 China 政府 government 今天 today 表示 said", false}, // 8 ideographs
		{"The ministry said 中国政府今天表示 in a long statement with many English words in it", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := LooksChinese(tc.in); got != tc.want {
			t.Errorf("LooksChinese(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if han, words := CountHanAndWords("新华社 Xinhua 2023 年"); han != 4 || words != 2 {
		t.Errorf("CountHanAndWords = %d, %d; want 4, 2", han, words)
	}
}

func TestParsePeriodGivesTheStartOfTheDayMonthOrYear(t *testing.T) {
	shanghai := mustLoad(t, "Asia/Shanghai")
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2023-03-05", time.Date(2023, 3, 5, 0, 0, 0, 0, shanghai)},
		{"2023/3/5", time.Date(2023, 3, 5, 0, 0, 0, 0, shanghai)},
		{"2023.03.05", time.Date(2023, 3, 5, 0, 0, 0, 0, shanghai)},
		{"2023年3月5日", time.Date(2023, 3, 5, 0, 0, 0, 0, shanghai)},
		{"2023-03", time.Date(2023, 3, 1, 0, 0, 0, 0, shanghai)},
		{"2023年3月", time.Date(2023, 3, 1, 0, 0, 0, 0, shanghai)},
		{"2023年", time.Date(2023, 1, 1, 0, 0, 0, 0, shanghai)},
		{"2024", time.Date(2024, 1, 1, 0, 0, 0, 0, shanghai)},
	}
	for _, tc := range tests {
		if got, ok := ParsePeriod(tc.in, shanghai); !ok || !got.Equal(tc.want) {
			t.Errorf("ParsePeriod(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
	for _, bad := range []string{"yesterday", "0999", "2023-13-01", "2023-02-30", " 2023", ""} {
		if got, ok := ParsePeriod(bad, shanghai); ok {
			t.Errorf("ParsePeriod(%q) = %v, want no date", bad, got)
		}
	}
	if got, ok := ParsePeriod("2023-01-02", nil); !ok || got.Location() != time.UTC {
		t.Errorf("ParsePeriod with a nil location = %v, %v; want UTC", got, ok)
	}
}

func TestNarrowFoldsFullWidthForms(t *testing.T) {
	for in, want := range map[string]string{
		"２０２３年２月２８日　１４：１２":  "2023年2月28日 14:12",
		"ＡＢＣ，ｘｙｚ！":          "ABC,xyz!",
		"plain ASCII stays": "plain ASCII stays",
		"中文不变":              "中文不变",
	} {
		if got := Narrow(in); got != want {
			t.Errorf("Narrow(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeXMLGuessesUndeclaredChinese(t *testing.T) {
	const title = "中国政府表示，这是一个发展的机会。我们的人民在这里生活。"
	const titleTrad = "中國政府表示，這是一個發展的機會。我們的人民在這裡生活。"
	rss := func(lang, title string) string {
		return `<?xml version="1.0"?><rss><channel><language>` + lang + `</language><title>` + title + `</title></channel></rss>`
	}
	gb, err := simplifiedchinese.GBK.NewEncoder().String(rss("zh-CN", title))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(DecodeXML([]byte(gb), "")); !strings.Contains(got, title) {
		t.Errorf("undeclared GBK feed decoded as %q", got)
	}
	big5, err := traditionalchinese.Big5.NewEncoder().String(rss("zh-TW", titleTrad))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(DecodeXML([]byte(big5), "")); !strings.Contains(got, titleTrad) {
		t.Errorf("undeclared Big5 feed decoded as %q", got)
	}
	// The HTTP header names the charset; the declaration says nothing.
	if got := string(DecodeXML([]byte(gb), "text/xml; charset=gbk;;")); !strings.Contains(got, title) {
		t.Errorf("GBK feed with a broken header decoded as %q", got)
	}
	// A declaration is rewritten once the bytes are UTF-8.
	decl := []byte(`<?xml version="1.0" encoding="gb2312"?><rss/>`)
	if got := DecodeXML(append(decl[:len(decl):len(decl)], 0xd6, 0xd0), ""); !bytes.HasPrefix(got, []byte(`<?xml version="1.0" encoding="utf-8"?>`)) {
		t.Errorf("declaration not rewritten: %q", got)
	}
}

func FuzzDecodeXML(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0" encoding="gb2312"?><rss><title>`+"\xd6\xd0\xce\xc4</title></rss>"), "")
	f.Add([]byte("\xff\xfe<\x00r\x00s\x00s\x00/\x00>\x00"), "text/xml")
	f.Add([]byte("<\x00?\x00x\x00m\x00l\x00"), "")
	f.Add([]byte("\xef\xbb\xbf<rss>\xa4\xa4</rss>"), "application/rss+xml; charset=big5")
	f.Add([]byte(`<?xml version="1.0" encoding="x-unknown"?><rss xml:lang="zh-TW">`+"\xa4\xa4\xa4\xe5"), "text/xml; charset=")
	f.Fuzz(func(t *testing.T, data []byte, contentType string) {
		orig := bytes.Clone(data)
		out := DecodeXML(data, contentType)
		if !utf8.Valid(out) {
			t.Errorf("DecodeXML(%q) = %q is not valid UTF-8", data, out)
		}
		if !bytes.Equal(data, orig) {
			t.Errorf("DecodeXML modified its input")
		}
		if again := DecodeXML(out, ""); !bytes.Equal(again, out) && !bytes.HasPrefix(out, utf8BOM) {
			t.Errorf("DecodeXML is not idempotent: %q then %q", out, again)
		}
	})
}

func FuzzFold(f *testing.F) {
	folder, err := NewFolder()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"臺灣總統選舉", "ＡＢＣ１２３　！", "瞭解 了解 反覆 计划 計畫", "薴", "\xff\xfe", "Ǆ İstanbul", "𠀋𪚲"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := folder.String(s)
		if utf8.RuneCountInString(got) != utf8.RuneCountInString(strings.ToValidUTF8(s, "\uFFFD")) &&
			utf8.RuneCountInString(got) != len([]rune(s)) {
			t.Fatalf("Fold(%q) = %q changed the rune count", s, got)
		}
		if again := folder.String(got); again != got {
			t.Fatalf("Fold(%q) = %q, folded again %q", s, got, again)
		}
		if n := Narrow(s); utf8.ValidString(s) && n != width.Narrow.String(s) {
			t.Fatalf("Narrow(%q) = %q, x/text says %q", s, n, width.Narrow.String(s))
		}
	})
}
