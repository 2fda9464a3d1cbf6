package zh

import (
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// encodeWith encodes s with enc, failing the test on unencodable runes.
func encodeWith(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func TestDecodeHTML(t *testing.T) {
	const zh = "<p>中国政府表示，这是一个发展的机会。我们的人民在这里生活。</p>"
	const zhTrad = "<p>中國政府表示，這是一個發展的機會。我們的人民在這裡生活。</p>"
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(zh))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		contentType string
		body        []byte
		want        string
	}{
		{"UTF-8 stays UTF-8 even when meta says gbk", "", []byte(`<meta charset="gbk">` + zh), `<meta charset="gbk">` + zh},
		{"UTF-8 stays UTF-8 even when the header says gb2312", "text/html; charset=gb2312", []byte(zh), zh},
		{"GBK declared in the header", "text/html; charset=gbk", encodeWith(t, simplifiedchinese.GBK, zh), zh},
		{"GBK declared by meta charset", "text/html", encodeWith(t, simplifiedchinese.GBK, `<meta charset="gb2312">`+zh), `<meta charset="gb2312">` + zh},
		{"GBK declared by meta http-equiv", "", encodeWith(t, simplifiedchinese.GBK, `<meta http-equiv="Content-Type" content="text/html; charset=GB2312">`+zh), `<meta http-equiv="Content-Type" content="text/html; charset=GB2312">` + zh},
		{"GB18030-only characters under a GBK label", "text/html; charset=gbk", encodeWith(t, simplifiedchinese.GB18030, "<p>𠀀字€</p>"), "<p>𠀀字€</p>"},
		{"Big5 declared in the header", "text/html; charset=big5", encodeWith(t, traditionalchinese.Big5, zhTrad), zhTrad},
		{"undeclared GBK is guessed", "", encodeWith(t, simplifiedchinese.GBK, zh), zh},
		{"undeclared Big5 is guessed", "", encodeWith(t, traditionalchinese.Big5, zhTrad), zhTrad},
		{"a UTF-8 byte-order mark is dropped", "text/html; charset=gbk", append([]byte("\xef\xbb\xbf"), zh...), zh},
		{"UTF-16 with a byte-order mark", "", utf16, zh},
		{"undeclared Latin-1 falls back to windows-1252", "", []byte("caf\xe9 na\xefve"), "café naïve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DecodeHTML(tt.body, tt.contentType); got != tt.want {
				t.Errorf("decode = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzDecodeHTML(f *testing.F) {
	f.Add("", []byte(`<meta charset="gbk"><p>`+"\xc4\xe3\xba\xc3</p>"))
	f.Add("text/html; charset=big5", []byte("\xa4\xa4\xa4\xe5"))
	f.Add("text/html; charset=utf-16", []byte("\xff\xfeh\x00i\x00"))
	f.Add("text/plain", []byte("<meta http-equiv=content-type content='text/html;charset=x-unknown'>"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		out := DecodeHTML(body, contentType)
		if !utf8.ValidString(out) {
			t.Errorf("DecodeHTML(%q) = %q is not valid UTF-8", body, out)
		}
	})
}

func TestDecodeHTMLRepairsDoubleEncodedChinese(t *testing.T) {
	const page = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>北京西直门购物中心发生火灾</title></head>` +
		`<body><p>中新网北京12月15日电，北京市消防局确认：今天下午位于西直门立交桥畔的购物中心外墙保温材料发生火灾，不到二十分钟火已扑灭，现场无人员伤亡。</p></body></html>`
	gbk := encodeWith(t, simplifiedchinese.GBK, page)
	// A crawler read the GBK bytes as windows-1252 and saved UTF-8…
	once, err := charmap.Windows1252.NewDecoder().Bytes(gbk)
	if err != nil {
		t.Fatal(err)
	}
	// …and another read that as ISO-8859-1 and saved UTF-8 again.
	twice, err := charmap.ISO8859_1.NewDecoder().Bytes(once)
	if err != nil {
		t.Fatal(err)
	}
	// And an ISO-8859-15 reading, which puts € and Ž elsewhere.
	latin9, err := charmap.ISO8859_15.NewDecoder().Bytes(gbk)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		body []byte
	}{
		{"read as windows-1252 once", once},
		{"read as windows-1252, then as ISO-8859-1", twice},
		{"read as ISO-8859-15", latin9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !utf8.Valid(tt.body) {
				t.Fatal("the test page is not UTF-8")
			}
			if got := DecodeHTML(tt.body, ""); got != page {
				t.Errorf("decode = %.120q…, want the Chinese page back", got)
			}
		})
	}
	// Latin text in a page that declares GBK is left alone.
	latin := `<meta charset="gbk"><p>Ã§a c'est très bien, Ãªtre ou ne pas Ãªtre.</p>`
	if got := DecodeHTML([]byte(latin), ""); got != latin {
		t.Errorf("decode changed Latin text: %q", got)
	}
}
