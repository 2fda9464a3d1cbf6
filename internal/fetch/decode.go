package fetch

// Content decoding.
//
// The client asks for gzip, br and zstd itself (net/http's transparent gzip
// is off) and undoes them, and deflate, which servers send unasked, while
// the body streams: the decoded bytes are counted against MaxBodySize, so a
// small compressed body that expands to gigabytes (a "zip bomb") is cut off
// once MaxBodySize bytes have come out of the decoder. The compressed bytes
// are counted too (wireLimit), because a compressed stream can also produce
// nothing at all, forever: empty gzip members, zstd skippable frames, brotli
// metadata blocks. Decoder memory is bounded by each format's window: 32 KiB
// for gzip and deflate, 16 MiB for brotli, and 8 MiB for zstd (the limit RFC
// 9659 sets for HTTP; frames asking for more are refused).

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// acceptEncoding is the Accept-Encoding sent with every request: the
// encodings decoder undoes, in order of preference.
const acceptEncoding = "gzip, br, zstd"

// maxEncodings is how many stacked content codings decoder undoes.
const maxEncodings = 3

// zstdMaxWindow is the largest zstd window accepted (RFC 9659 §3).
const zstdMaxWindow = 8 << 20

// wireLimit is how many compressed bytes a body limited to limit decoded
// bytes may take on the wire: compressing incompressible data adds a little,
// never more than this slack.
func wireLimit(limit int64) int64 {
	return limit + limit/64 + 4<<10
}

// wireLimiter passes at most left bytes of r through; reading past them
// fails with ErrTooLarge, which it also keeps in err, since a decoder may
// wrap or replace its source's errors.
type wireLimiter struct {
	r    io.Reader
	left int64
	read int64
	err  error
}

func (w *wireLimiter) Read(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		n, err := w.r.Read(one[:])
		if n == 0 {
			return 0, err
		}
		w.err = fmt.Errorf("%w: more than %d compressed bytes", ErrTooLarge, w.read)
		return 0, w.err
	}
	if int64(len(p)) > w.left {
		p = p[:w.left]
	}
	n, err := w.r.Read(p)
	w.left -= int64(n)
	w.read += int64(n)
	return n, err
}

// decoder returns a reader of body with the content codings named by the
// Content-Encoding value enc undone, last applied first, and a func to
// release it. ok is false, and body should be read as it is, when enc names
// a coding it does not know (or more than maxEncodings of them): those bytes
// are of no use decoded or not, and reading them raw still counts them. An
// empty body decodes to nothing whatever its header says.
func decoder(body io.Reader, enc string) (r io.Reader, release func(), ok bool, err error) {
	var codings []string
	for c := range strings.SplitSeq(enc, ",") {
		c = strings.ToLower(strings.TrimSpace(c))
		switch c {
		case "", "identity":
			continue
		case "gzip", "x-gzip", "br", "zstd", "deflate":
			codings = append(codings, c)
		default:
			return nil, nil, false, nil
		}
	}
	if len(codings) > maxEncodings {
		return nil, nil, false, nil
	}
	if len(codings) == 0 {
		return body, func() {}, true, nil
	}
	peek := bufio.NewReader(body)
	if _, err := peek.Peek(1); err == io.EOF {
		return strings.NewReader(""), func() {}, true, nil
	} else if err != nil {
		return nil, nil, false, fmt.Errorf("read body: %w", err)
	}
	r = peek
	var closers []func()
	release = func() {
		for _, c := range closers {
			c()
		}
	}
	for i := len(codings) - 1; i >= 0; i-- {
		var closer func()
		r, closer, err = decodeOne(r, codings[i])
		if errors.Is(err, io.EOF) {
			// Nothing to decode (a HEAD-like empty body): net/http
			// treats an empty gzip body the same.
			release()
			return strings.NewReader(""), func() {}, true, nil
		}
		if err != nil {
			release()
			return nil, nil, false, fmt.Errorf("decode %s body: %w", codings[i], err)
		}
		if closer != nil {
			closers = append(closers, closer)
		}
	}
	return r, release, true, nil
}

func decodeOne(r io.Reader, coding string) (io.Reader, func(), error) {
	switch coding {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return zr, func() { zr.Close() }, nil
	case "br":
		return brotli.NewReader(r), nil, nil
	case "zstd":
		zr, err := zstd.NewReader(r,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, nil, err
		}
		return zr, zr.Close, nil
	case "deflate":
		// RFC 9110 deflate is zlib-wrapped, but many servers send raw
		// deflate; a zlib header tells them apart.
		br := bufio.NewReader(r)
		hdr, err := br.Peek(2)
		if len(hdr) == 0 && err != nil {
			return nil, nil, err
		}
		if len(hdr) == 2 && hdr[0]&0x0f == 8 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, nil, err
			}
			return zr, func() { zr.Close() }, nil
		}
		fr := flate.NewReader(br)
		return fr, func() { fr.Close() }, nil
	}
	return nil, nil, fmt.Errorf("unknown content coding %q", coding)
}
