package warc

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the Reader: it must end with io.EOF or
// an error, never panic, never return a body over the limit, and never loop.
func FuzzReader(f *testing.F) {
	f.Add(wgetStyle())
	f.Add(browsertrixStyle())
	f.Add(record("WARC/1.1", "metadata", "http://x/", "application/warc-fields", []byte("a: b\r\n")))
	f.Add([]byte("WARC/1.0\r\nContent-Length: 5\r\n\r\nabc"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), ReaderOptions{MaxRecord: 1 << 16, MaxBody: 1 << 14})
		for i := 0; i < 1000; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			if rec != nil && len(rec.Body) > 1<<14 {
				t.Fatalf("body of %d bytes over the limit", len(rec.Body))
			}
			if errors.Is(err, ErrMalformed) {
				if _, err2 := r.Next(); err2 == nil {
					t.Fatal("reader went on after a fatal error")
				}
				return
			}
		}
		t.Fatal("more than 1000 records from a small input")
	})
}
