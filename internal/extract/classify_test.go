package extract

import (
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		want        pageKind
	}{
		{"declared HTML is HTML", "text/html; charset=utf-8", "<p>x</p>", kindHTML},
		{"declared XHTML is HTML", "application/xhtml+xml", "<?xml version='1.0'?><html/>", kindHTML},
		{"declared text is text", "text/plain", "标题\n正文", kindText},
		{"declared text that sniffs as HTML is HTML", "text/plain", "<!DOCTYPE html><html><body>x</body></html>", kindHTML},
		{"undeclared HTML is HTML", "", "<html><body>x</body></html>", kindHTML},
		{"undeclared HTML behind a wrapper element is HTML", "", `<text id="1" encoding="gb2312">` + "\n<html><body><p>x</p></body></html>", kindHTML},
		{"undeclared text is text", "", "标题\n正文，正文。", kindText},
		{"HTML with stray control bytes in a comment is HTML", "", "<text>\n<!-- a\x02b\x02c -->" + strings.Repeat("<p>正文</p>", 50), kindHTML},
		{"a PNG is not an article", "", "\x89PNG\r\n\x1a\n\x00\x00", kindOther},
		{"a GIF served as HTML is not an article", "text/html", "GIF89a\x01\x00\x01\x00", kindOther},
		{"CSS is not an article", "text/css", "body{}", kindOther},
		{"a malformed content type falls back to its first part", "text/html;;charset", "<p>x</p>", kindHTML},
		{"NUL bytes make a body binary", "", "ab\x00cd", kindOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, mt := classify(tt.contentType, []byte(tt.body)); got != tt.want {
				t.Errorf("classify(%q, %q) = %v (%s), want %v", tt.contentType, tt.body, got, mt, tt.want)
			}
		})
	}
}

func FuzzClassify(f *testing.F) {
	f.Add("", []byte(`<meta charset="gbk"><p>`+"\xc4\xe3\xba\xc3</p>"))
	f.Add("text/html; charset=big5", []byte("\xa4\xa4\xa4\xe5"))
	f.Add("text/html; charset=utf-16", []byte("\xff\xfeh\x00i\x00"))
	f.Add("text/plain", []byte("<meta http-equiv=content-type content='text/html;charset=x-unknown'>"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		kind, _ := classify(contentType, body)
		if kind != kindOther && kind != kindHTML && kind != kindText {
			t.Errorf("classify(%q, %q) = %v, not a page kind", contentType, body, kind)
		}
		hasMarkup(string(body))
	})
}
