package archive

import (
	"errors"
	"testing"
)

func TestImageTypeTrustsOnlyAllowedSignaturesUnderAnImageType(t *testing.T) {
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
	gifHTML := "GIF89a<html><body><h1>Sign in</h1></body></html>"
	avif := "\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"
	webp := "RIFF\x10\x00\x00\x00WEBPVP8 "
	tests := []struct {
		declared, body, want string
	}{
		{"image/png", png, "image/png"},
		{"image/jpeg", png, "image/png"},
		{"", png, "image/png"},
		{"application/octet-stream", "\xff\xd8\xff\xe0JFIF", "image/jpeg"},
		{"image/gif", gifHTML, "image/gif"},
		{"image/avif", avif, "image/avif"},
		{"image/webp; q=1", webp, "image/webp"},
		{"image/gif, text/html", gifHTML, ""},
		{"text/html", png, ""},
		{"image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>`, ""},
		{"image/svg+xml", png, ""},
		{"image/png", "<!doctype html><h1>Sign in</h1>", ""},
		{"image/bmp", "BM\x00\x00", ""},
	}
	for _, tt := range tests {
		got, err := ImageType(tt.declared, []byte(tt.body))
		if got != tt.want || (tt.want == "") != errors.Is(err, ErrNotImage) {
			t.Errorf("ImageType(%q, %.12q) = %q, %v; want %q", tt.declared, tt.body, got, err, tt.want)
		}
		if got != "" && !IsImageType(got) {
			t.Errorf("ImageType gave %q, which IsImageType refuses", got)
		}
	}
	for _, ct := range []string{"image/svg+xml", "image/gif, text/html", "text/html", "image/png; x=1", ""} {
		if IsImageType(ct) {
			t.Errorf("IsImageType(%q) = true", ct)
		}
	}
}

func FuzzImageType(f *testing.F) {
	f.Add("image/gif, text/html", []byte("GIF89a<html>"))
	f.Add("image/avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"))
	f.Fuzz(func(t *testing.T, declared string, body []byte) {
		ct, err := ImageType(declared, body)
		if err == nil && !IsImageType(ct) {
			t.Errorf("ImageType(%q) = %q, not an allowed type", declared, ct)
		}
	})
}
