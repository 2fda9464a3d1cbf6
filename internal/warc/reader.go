package warc

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/http/httputil"
	"os"
	"strings"
	"time"

	gowarc "github.com/nlnwa/gowarc/v3"
)

// Errors a Reader returns, wrapped with the record's offset.
var (
	// ErrTooLarge: a record or body is over the configured limit. The
	// reader skips that record and can go on.
	ErrTooLarge = errors.New("over the size limit")
	// ErrDigest: the payload does not match its WARC-Payload-Digest (or
	// WARC-Block-Digest). The record is returned with the error.
	ErrDigest = errors.New("payload digest mismatch")
	// ErrMalformed: the file cannot be parsed past this point (truncated,
	// wrong Content-Length, not WARC). Every later Next returns it too.
	ErrMalformed = errors.New("malformed WARC")
)

// ReaderOptions bound what a Reader accepts.
type ReaderOptions struct {
	MaxRecord int64 // WARC headers + block, after gzip; default 512 MiB
	MaxBody   int64 // payload after transfer and content decoding; default 64 MiB
}

// Record is one WARC record as the importer needs it.
type Record struct {
	Offset        int64  // where it starts in the file
	Version       string // "WARC/1.0" or "WARC/1.1"
	Type          string // warcinfo, request, response, revisit, resource, metadata…
	ID            string // WARC-Record-ID without angle brackets
	TargetURI     string
	Date          time.Time
	ContentType   string // the WARC Content-Type
	WARC          http.Header
	ConcurrentTo  []string
	RefersTo      string
	RefersToURI   string
	RefersToDate  string
	Profile       string
	PayloadDigest string

	// For HTTP request/response blocks.
	Status     int
	HTTPHeader http.Header
	RequestURL string // request line target of a request record

	// Body is the payload: for HTTP records after the headers, with
	// chunked transfer coding and gzip/deflate content coding removed; for
	// resource and metadata records the whole block. Nil for revisits.
	Body []byte
	// Fields holds application/warc-fields blocks (warcinfo, metadata).
	Fields map[string][]string
	// Warnings are non-fatal findings (syntax slips, header oddities).
	Warnings []string
}

// Reader reads WARC records from one stream.
type Reader struct {
	opts   ReaderOptions
	cnt    *countReader
	br     *bufio.Reader
	un     gowarc.Unmarshaler
	gz     *gzip.Reader
	closer io.Closer
	fatal  error
}

type countReader struct {
	r      io.Reader
	n      int64
	budget int64 // Read fails past this absolute position
}

var errBudget = errors.New("budget exhausted")

func (c *countReader) Read(p []byte) (int, error) {
	if c.n >= c.budget {
		return 0, errBudget
	}
	if rem := c.budget - c.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

const readBuf = 64 << 10

// NewReader reads WARC records from r, compressed per record or not.
func NewReader(r io.Reader, opts ReaderOptions) *Reader {
	if opts.MaxRecord <= 0 {
		opts.MaxRecord = 512 << 20
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 64 << 20
	}
	c := &countReader{r: r}
	return &Reader{
		opts: opts, cnt: c, br: bufio.NewReaderSize(c, readBuf),
		un: gowarc.NewUnmarshaler(
			gowarc.WithSyntaxErrorPolicy(gowarc.ErrWarn),
			gowarc.WithSpecViolationPolicy(gowarc.ErrWarn), // makes the reader cache each block
			gowarc.WithUnknownRecordTypePolicy(gowarc.ErrIgnore),
			gowarc.WithBlockErrorPolicy(gowarc.ErrWarn),
			gowarc.WithBufferMaxMemBytes(1<<20),
		),
	}
}

// Open reads the WARC file at path; Close the reader when done.
func Open(path string, opts ReaderOptions) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("warc: %w", err)
	}
	r := NewReader(f, opts)
	r.closer = f
	return r, nil
}

// Close closes the file Open opened.
func (r *Reader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// limitedBody fails (rather than truncating) when more than n bytes come.
type limitedBody struct {
	r io.Reader
	n int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		if k, _ := l.r.Read(one[:]); k > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}

// Next returns the next record, or io.EOF after the last. A *Record is
// returned with ErrDigest; with ErrTooLarge the record was skipped; after
// ErrMalformed the stream is abandoned.
func (r *Reader) Next() (*Record, error) {
	if r.fatal != nil {
		return nil, r.fatal
	}
	for {
		start := r.cnt.n - int64(r.br.Buffered())
		// Room for this record plus what the buffer read ahead.
		r.cnt.budget = r.cnt.n + r.opts.MaxRecord + 2*readBuf
		magic, err := r.br.Peek(2)
		if err == io.EOF || (err == nil && len(magic) == 0) {
			return nil, io.EOF
		}
		if err != nil {
			return nil, r.fail(start, err)
		}
		if magic[0] == 0x1f && magic[1] == 0x8b {
			rec, err := r.nextGzip(start)
			if rec == nil && err == nil {
				continue // an empty gzip member
			}
			return rec, err
		}
		if len(bytes.TrimSpace(magic)) == 0 {
			r.br.Discard(1) // stray newlines between records
			continue
		}
		wr, off, val, err := r.un.Unmarshal(r.br)
		if r.cnt.n >= r.cnt.budget { // the parser may take a cut-off read for an end
			if wr != nil {
				wr.Close()
			}
			return nil, r.fail(start, errBudget)
		}
		if err != nil {
			if errors.Is(err, io.EOF) && wr == nil && off > 0 {
				return nil, io.EOF
			}
			return nil, r.fail(start, err)
		}
		return r.convert(wr, start+off, val)
	}
}

func (r *Reader) fail(off int64, err error) error {
	if errors.Is(err, errBudget) {
		err = fmt.Errorf("%w: record is larger than %d bytes", ErrTooLarge, r.opts.MaxRecord)
	} else if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("truncated record: %w", io.ErrUnexpectedEOF)
	}
	r.fatal = fmt.Errorf("%w at offset %d: %w", ErrMalformed, off, err)
	return r.fatal
}

func (r *Reader) nextGzip(start int64) (*Record, error) {
	var err error
	if r.gz == nil {
		r.gz, err = gzip.NewReader(r.br)
	} else {
		err = r.gz.Reset(r.br)
	}
	if err != nil {
		return nil, r.fail(start, fmt.Errorf("gzip: %w", err))
	}
	r.gz.Multistream(false)
	member := &limitedBody{r: r.gz, n: r.opts.MaxRecord}
	inner := bufio.NewReaderSize(member, readBuf)
	if _, err := inner.Peek(1); err == io.EOF {
		return nil, nil
	}
	wr, off, val, uerr := r.un.Unmarshal(inner)
	// Read what is left of the member so the next one starts cleanly.
	_, derr := io.Copy(io.Discard, inner)
	if errors.Is(uerr, ErrTooLarge) || errors.Is(derr, ErrTooLarge) {
		if wr != nil {
			wr.Close()
		}
		// A bomb: skipping the rest would mean inflating it, so stop here.
		return nil, r.fail(start, fmt.Errorf("%w: gzip member inflates past %d bytes", ErrTooLarge, r.opts.MaxRecord))
	}
	if derr != nil {
		if wr != nil {
			wr.Close()
		}
		return nil, r.fail(start, fmt.Errorf("gzip: %w", derr))
	}
	if uerr != nil {
		return nil, r.fail(start, uerr)
	}
	return r.convert(wr, start+off, val)
}

func (r *Reader) convert(wr gowarc.WarcRecord, off int64, val []error) (*Record, error) {
	defer wr.Close()
	h := wr.WarcHeader()
	rec := &Record{
		Offset:        off,
		Version:       wr.Version().String(),
		Type:          h.Get(gowarc.WarcType),
		ID:            h.GetId(gowarc.WarcRecordID),
		TargetURI:     strings.Trim(h.Get(gowarc.WarcTargetURI), "<>"),
		ContentType:   h.Get(gowarc.ContentType),
		WARC:          http.Header{},
		RefersTo:      h.GetId(gowarc.WarcRefersTo),
		RefersToURI:   h.Get(gowarc.WarcRefersToTargetURI),
		RefersToDate:  h.Get(gowarc.WarcRefersToDate),
		Profile:       h.Get(gowarc.WarcProfile),
		PayloadDigest: h.Get(gowarc.WarcPayloadDigest),
	}
	if !h.Has(gowarc.ContentLength) {
		return nil, r.fail(off, fmt.Errorf("record %s: header truncated or without Content-Length", rec.Type))
	}
	for _, v := range val {
		if strings.Contains(v.Error(), "too few bytes in end of record marker") {
			return nil, r.fail(off, fmt.Errorf("record %s (%s): truncated: %w", rec.Type, rec.TargetURI, v))
		}
		var cl *gowarc.ContentLengthError
		if errors.As(v, &cl) {
			return nil, r.fail(off, fmt.Errorf("record %s (%s): truncated or wrong Content-Length: %w", rec.Type, rec.TargetURI, v))
		}
		var de *gowarc.DigestError
		if errors.As(v, &de) {
			continue // checked below, accepting either side of transfer coding
		}
		rec.Warnings = append(rec.Warnings, v.Error())
	}
	for _, name := range []string{gowarc.WarcType, gowarc.WarcTargetURI, gowarc.WarcDate, gowarc.ContentType,
		gowarc.WarcPayloadDigest, gowarc.WarcBlockDigest, gowarc.WarcIPAddress, gowarc.WarcFilename,
		gowarc.WarcPageID, gowarc.WarcResourceType, gowarc.WarcJSONMetadata, gowarc.WarcTruncated} {
		for _, v := range h.GetAll(name) {
			rec.WARC.Add(name, v)
		}
	}
	for _, v := range h.GetAll(gowarc.WarcConcurrentTo) {
		rec.ConcurrentTo = append(rec.ConcurrentTo, strings.Trim(v, "<>"))
	}
	if d, err := h.GetTime(gowarc.WarcDate); err == nil {
		rec.Date = d
	} else {
		rec.Warnings = append(rec.Warnings, "bad WARC-Date: "+h.Get(gowarc.WarcDate))
	}
	where := func(err error) error {
		return fmt.Errorf("warc record %s at offset %d (%s): %w", rec.Type, off, rec.TargetURI, err)
	}
	if rec.Type == "revisit" {
		return rec, nil
	}
	var raw io.Reader
	chunked := false
	digestField := rec.PayloadDigest
	switch blk := wr.Block().(type) {
	case gowarc.HttpResponseBlock:
		rec.Status = blk.HttpStatusCode()
		chunked = isChunked(blk.ProtocolHeaderBytes())
		if hh := blk.HttpHeader(); hh != nil {
			rec.HTTPHeader = hh.Clone()
		}
		p, err := blk.PayloadBytes()
		if err != nil {
			return nil, where(err)
		}
		raw = p
	case gowarc.HttpRequestBlock:
		head := string(blk.ProtocolHeaderBytes())
		first, _, _ := strings.Cut(head, "\n")
		if line := strings.Fields(first); len(line) >= 2 {
			rec.RequestURL = line[1]
		}
		if hh := blk.HttpHeader(); hh != nil {
			rec.HTTPHeader = hh.Clone()
		} else {
			rec.HTTPHeader = http.Header{}
		}
		for _, line := range strings.Split(head, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Host") {
				rec.HTTPHeader.Set("Host", strings.TrimSpace(v))
			}
		}
		p, err := blk.PayloadBytes()
		if err != nil {
			return nil, where(err)
		}
		raw = p
	case gowarc.WarcFieldsBlock:
		fb, err := blk.RawBytes()
		if err != nil {
			return nil, where(err)
		}
		b, err := io.ReadAll(&limitedBody{r: fb, n: r.opts.MaxBody})
		if err != nil {
			return nil, where(err)
		}
		rec.Body = b
		rec.Fields = parseFields(b)
		return rec, nil
	default:
		p, err := wr.Block().RawBytes()
		if err != nil {
			return nil, where(err)
		}
		raw = p
		if digestField == "" {
			digestField = h.Get(gowarc.WarcBlockDigest)
		}
	}
	payload, err := io.ReadAll(&limitedBody{r: raw, n: r.opts.MaxBody})
	if err != nil {
		return nil, where(fmt.Errorf("body: %w (limit %d bytes)", err, r.opts.MaxBody))
	}
	body := payload
	var chunkedErr error
	if chunked {
		body, chunkedErr = io.ReadAll(&limitedBody{r: httputil.NewChunkedReader(bytes.NewReader(payload)), n: r.opts.MaxBody})
		if chunkedErr != nil {
			body = payload
			rec.Warnings = append(rec.Warnings, "chunked body did not decode: "+chunkedErr.Error())
		}
	}
	// Some writers digest the transfer-encoded bytes, some the decoded ones.
	if digestField != "" {
		ok, known := checkDigest(digestField, payload)
		if known && !ok && chunkedErr == nil {
			ok, _ = checkDigest(digestField, body)
		}
		if known && !ok {
			return rec, where(fmt.Errorf("%w: %s", ErrDigest, digestField))
		}
		if !known {
			rec.Warnings = append(rec.Warnings, "unknown digest "+digestField)
		}
	}
	if rec.HTTPHeader != nil {
		decoded, err := decodeContent(rec.HTTPHeader.Get("Content-Encoding"), body, r.opts.MaxBody)
		if err != nil {
			return nil, where(err)
		}
		body = decoded
	}
	rec.Body = body
	return rec, nil
}

// isChunked reads Transfer-Encoding from raw header bytes: Go's HTTP parser
// moves it out of the header map.
func isChunked(head []byte) bool {
	for _, line := range strings.Split(string(head), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), "Transfer-Encoding") &&
			strings.Contains(strings.ToLower(v), "chunked") {
			return true
		}
	}
	return false
}

func decodeContent(enc string, body []byte, limit int64) ([]byte, error) {
	var rd io.Reader
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		g, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("content-encoding gzip: %w", err)
		}
		rd = g
	case "deflate":
		rd = flate.NewReader(bytes.NewReader(body))
	default:
		return body, nil // br and others: kept as stored; the header says so
	}
	out, err := io.ReadAll(&limitedBody{r: rd, n: limit})
	if err != nil {
		return nil, fmt.Errorf("content-encoding %s: %w (limit %d bytes)", enc, err, limit)
	}
	return out, nil
}

func parseFields(b []byte) map[string][]string {
	out := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), ":")
		if !ok || k == "" {
			continue
		}
		out[strings.ToLower(strings.TrimSpace(k))] = append(out[strings.ToLower(strings.TrimSpace(k))], strings.TrimSpace(v))
	}
	return out
}

// checkDigest reports whether data matches a "algo:value" digest field
// (value in base32, hex or base64), and whether the algorithm is known.
func checkDigest(field string, data []byte) (ok, known bool) {
	algo, val, found := strings.Cut(strings.TrimSpace(field), ":")
	if !found {
		return false, false
	}
	var h hash.Hash
	switch strings.ToLower(strings.ReplaceAll(algo, "-", "")) {
	case "sha1":
		h = sha1.New()
	case "sha256":
		h = sha256.New()
	case "sha512":
		h = sha512.New()
	case "md5":
		h = md5.New()
	default:
		return false, false
	}
	h.Write(data)
	sum := h.Sum(nil)
	for _, enc := range []string{
		base32.StdEncoding.EncodeToString(sum),
		strings.TrimRight(base32.StdEncoding.EncodeToString(sum), "="),
		hex.EncodeToString(sum),
		base64.StdEncoding.EncodeToString(sum),
		base64.RawStdEncoding.EncodeToString(sum),
	} {
		if strings.EqualFold(enc, val) && (enc == val || !strings.ContainsAny(enc, "+/")) {
			return true, true
		}
	}
	return false, true
}
