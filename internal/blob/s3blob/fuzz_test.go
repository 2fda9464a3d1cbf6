package s3blob_test

import (
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/blob/s3blob"
)

// FuzzParseURL: any accepted blob URL names a bucket, carries no
// credentials, and reads back to the same configuration from its String.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"s3://archive/news/blobs?endpoint=http://127.0.0.1:8333&region=us-east-1",
		"s3://b", "s3://b/p/?style=path", "s3://u:p@b/x", "s3://b?endpoint=h:1&endpoint=http://x",
		"s3://b/%2e%2e/?region=%00", "s3://b?endpoint=https://x/y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := s3blob.ParseURL(raw)
		if err != nil {
			return
		}
		if c.Bucket == "" || strings.Contains(c.Bucket, "@") {
			t.Fatalf("ParseURL(%q) accepted bucket %q", raw, c.Bucket)
		}
		back, err := s3blob.ParseURL(c.String())
		if err != nil {
			t.Fatalf("String %q of an accepted URL does not parse: %v", c.String(), err)
		}
		back.Style = c.Style
		if back != c {
			t.Fatalf("ParseURL(%q) = %+v; its String %q reads back as %+v", raw, c, c.String(), back)
		}
	})
}
