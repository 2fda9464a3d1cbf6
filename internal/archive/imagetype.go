package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"mime"
	"strings"
)

// ErrNotImage is wrapped when fetched bytes are not an image type we keep.
var ErrNotImage = errors.New("not an image")

// ImageTypes are the only media types stored and served as images. SVG is
// not one: an SVG document can carry script and markup, so it is refused
// when fetched (the article keeps the remote link) and any stored one is
// served as a download.
var ImageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"}

// IsImageType reports whether ct is exactly one of ImageTypes: what
// /assets/ may send as the Content-Type of stored bytes.
func IsImageType(ct string) bool {
	for _, t := range ImageTypes {
		if ct == t {
			return true
		}
	}
	return false
}

// ImageType decides what fetched image bytes are from the Content-Type the
// server declared and the bytes themselves. The type is the one the bytes'
// signature says (PNG, JPEG, GIF, WebP, AVIF), never the declared string;
// the declared type must parse as one media type and be an image (or say
// nothing, or application/octet-stream). Anything else — an HTML page
// dressed as a GIF ("image/gif, text/html"), SVG, bytes of no known image
// format — is an error wrapping ErrNotImage that says why.
func ImageType(declared string, body []byte) (string, error) {
	sniffed := sniffImage(body)
	if sniffed == "" {
		return "", fmt.Errorf("%w: the bytes are not PNG, JPEG, GIF, WebP or AVIF (declared %q)", ErrNotImage, short(declared))
	}
	if strings.TrimSpace(declared) == "" {
		return sniffed, nil
	}
	mt, _, err := mime.ParseMediaType(declared)
	if err != nil {
		return "", fmt.Errorf("%w: Content-Type %q is not one media type", ErrNotImage, short(declared))
	}
	if mt != "application/octet-stream" && !strings.HasPrefix(mt, "image/") {
		return "", fmt.Errorf("%w: declared %s", ErrNotImage, mt)
	}
	if mt == "image/svg+xml" {
		return "", fmt.Errorf("%w: SVG can carry script and is not kept", ErrNotImage)
	}
	return sniffed, nil
}

func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// sniffImage names the image format by its signature, or "".
func sniffImage(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif"
	case len(b) >= 12 && bytes.Equal(b[0:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return "image/webp"
	case isAVIF(b):
		return "image/avif"
	}
	return ""
}

// isAVIF reports whether b starts with an ISO-BMFF ftyp box whose major or
// a compatible brand is avif or avis.
func isAVIF(b []byte) bool {
	if len(b) < 16 || !bytes.Equal(b[4:8], []byte("ftyp")) {
		return false
	}
	size := int(binary.BigEndian.Uint32(b[0:4]))
	if size < 16 || size > len(b) || size > 4096 {
		return false
	}
	for i := 8; i+4 <= size; i += 4 {
		if i == 12 {
			continue // the minor version, not a brand
		}
		if brand := string(b[i : i+4]); brand == "avif" || brand == "avis" {
			return true
		}
	}
	return false
}
