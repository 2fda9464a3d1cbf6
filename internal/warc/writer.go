// Package warc owns newsvault's WARC 1.1 files: Writer turns raw captures
// into gzip-per-record WARC files (warcinfo first; request/response pairs,
// identical-payload revisits, resources for imported files, and metadata
// records tying each capture to its article and version) with a sorted CDXJ
// index, rotating files at a size limit; Reader reads WARC files written by
// us or by other crawlers (wget, ArchiveBox, Browsertrix; WARC/1.0 and 1.1,
// compressed per record or not) into bounded, digest-checked records the
// importer turns into captures. Records are built and parsed with
// github.com/nlnwa/gowarc/v3; framing, limits and indexing are ours.
package warc

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	gowarc "github.com/nlnwa/gowarc/v3"

	"github.com/newsvault/newsvault/internal/archive"
)

// BodySource opens a stored body by its SHA-256 hex; the blob stores are.
type BodySource interface {
	Open(ctx context.Context, hash string) (io.ReadCloser, error)
}

// Link ties a capture to the article and version extracted from it. It
// becomes a metadata record beside the capture's response.
type Link struct {
	ArticleID    int64
	ArticleURL   string
	ArticleTitle string
	VersionID    int64
	VersionSeq   int
	VersionHash  string
}

// WriterOptions configure a Writer.
type WriterOptions struct {
	Dir         string           // where WARC files and the index go; must exist
	Prefix      string           // file name prefix, default "newsvault"
	MaxFileSize int64            // rotate when a file reaches this many bytes; default 1 GiB
	MaxBody     int64            // refuse bodies larger than this; default 256 MiB
	UserAgent   string           // put in reconstructed requests
	Software    string           // warcinfo "software"; default "newsvault"
	Now         func() time.Time // clock for warcinfo and file names; default time.Now
}

// Writer writes captures to WARC files. It is not safe for concurrent use.
type Writer struct {
	opts    WriterOptions
	f       *os.File
	name    string
	size    int64
	serial  int
	infoID  string
	files   []string
	index   []string
	seen    map[string]seenPayload // payload digest → first response with it
	recOpts []gowarc.WarcRecordOption
	mar     gowarc.Marshaler
	gz      *gzip.Writer
}

type seenPayload struct {
	id, uri, date string
}

// Result says where a capture's main record went.
type Result struct {
	Type     string // "response", "revisit" or "resource"
	File     string
	Offset   int64
	RecordID string
}

// NewWriter prepares a writer; the first file is created on the first write.
func NewWriter(opts WriterOptions) (*Writer, error) {
	if opts.Dir == "" {
		return nil, errors.New("warc writer: no directory")
	}
	if st, err := os.Stat(opts.Dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("warc writer: %s is not a directory", opts.Dir)
	}
	if opts.Prefix == "" {
		opts.Prefix = "newsvault"
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = 1 << 30
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 256 << 20
	}
	if opts.Software == "" {
		opts.Software = "newsvault"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Writer{
		opts: opts,
		seen: make(map[string]seenPayload),
		recOpts: []gowarc.WarcRecordOption{
			gowarc.WithVersion(gowarc.V1_1),
			gowarc.WithAddMissingRecordId(true),
			gowarc.WithAddMissingContentLength(true),
			gowarc.WithAddMissingDigest(true),
			gowarc.WithFixContentLength(true),
			gowarc.WithFixDigest(true),
			gowarc.WithDefaultDigestAlgorithm("sha1"),
		},
		mar: gowarc.NewMarshaler(),
		gz:  gzip.NewWriter(io.Discard),
	}, nil
}

// WriteCapture writes one capture. An HTTP capture (Status > 0) becomes a
// request/response pair, or a request/revisit pair when an earlier response
// in this export had the same payload; an imported file (Status 0) becomes a
// resource record. With a link, a metadata record follows, naming the
// article and version. A capture with no stored body is skipped with an error.
func (w *Writer) WriteCapture(ctx context.Context, c *archive.Capture, bodies BodySource, link *Link) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	target := c.FinalURL
	if target == "" {
		target = c.URL
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return Result{}, fmt.Errorf("warc capture %d: bad URL %q", c.ID, target)
	}
	if c.BodyHash == "" {
		return Result{}, fmt.Errorf("warc capture %d %s: no stored body", c.ID, target)
	}
	body, err := w.readBody(ctx, bodies, c.BodyHash)
	if err != nil {
		return Result{}, fmt.Errorf("warc capture %d %s: %w", c.ID, target, err)
	}
	date := c.FetchedAt.UTC()
	if date.IsZero() {
		date = w.opts.Now().UTC()
	}

	var main gowarc.WarcRecord
	var req gowarc.WarcRecord
	res := Result{}
	if c.Status == 0 {
		rb := gowarc.NewRecordBuilder(gowarc.Resource, w.recOpts...)
		rb.AddWarcHeader(gowarc.WarcTargetURI, target)
		rb.AddWarcHeaderTime(gowarc.WarcDate, date)
		ct := c.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		rb.AddWarcHeader(gowarc.ContentType, ct)
		rb.Write(body)
		main, err = build(rb)
		res.Type = "resource"
	} else {
		rb := gowarc.NewRecordBuilder(gowarc.Response, w.recOpts...)
		rb.AddWarcHeader(gowarc.WarcTargetURI, target)
		rb.AddWarcHeaderTime(gowarc.WarcDate, date)
		rb.AddWarcHeader(gowarc.ContentType, "application/http;msgtype=response")
		rb.Write(responseHead(c, len(body)))
		rb.Write(body)
		main, err = build(rb)
		if err == nil {
			digest := main.WarcHeader().Get(gowarc.WarcPayloadDigest)
			if prev, ok := w.seen[digest]; ok {
				rev, rerr := main.ToRevisitRecord(&gowarc.RevisitRef{
					Profile: gowarc.ProfileIdenticalPayloadDigestV1_1, TargetRecordId: prev.id,
					TargetUri: prev.uri, TargetDate: prev.date,
				})
				main.Close()
				main, err = rev, rerr
				res.Type = "revisit"
			} else {
				w.seen[digest] = seenPayload{id: main.WarcHeader().GetId(gowarc.WarcRecordID), uri: target, date: main.WarcHeader().Get(gowarc.WarcDate)}
				res.Type = "response"
			}
		}
		if err == nil {
			qb := gowarc.NewRecordBuilder(gowarc.Request, w.recOpts...)
			qb.AddWarcHeader(gowarc.WarcTargetURI, target)
			qb.AddWarcHeaderTime(gowarc.WarcDate, date)
			qb.AddWarcHeader(gowarc.ContentType, "application/http;msgtype=request")
			qb.AddWarcHeader(gowarc.WarcConcurrentTo, "<"+main.WarcHeader().GetId(gowarc.WarcRecordID)+">")
			qb.Write(w.requestHead(u))
			req, err = build(qb)
		}
	}
	if err != nil {
		return Result{}, fmt.Errorf("warc capture %d %s: %w", c.ID, target, err)
	}
	mainID := main.WarcHeader().GetId(gowarc.WarcRecordID)
	res.RecordID = mainID

	// Rotate before the group so a capture's records share one file.
	if w.f != nil && w.size+int64(len(body))/2 > w.opts.MaxFileSize {
		if err := w.closeFile(); err != nil {
			return Result{}, err
		}
	}
	file, off, n, err := w.writeRecord(main)
	if err != nil {
		return Result{}, fmt.Errorf("warc capture %d %s: %w", c.ID, target, err)
	}
	res.File, res.Offset = file, off
	w.addIndex(main, target, date, c, res.Type, file, off, n)
	if req != nil {
		if _, _, _, err := w.writeRecord(req); err != nil {
			return Result{}, fmt.Errorf("warc capture %d %s: %w", c.ID, target, err)
		}
	}
	if link != nil || c.ID != 0 {
		mb := gowarc.NewRecordBuilder(gowarc.Metadata, w.recOpts...)
		mb.AddWarcHeader(gowarc.WarcTargetURI, target)
		mb.AddWarcHeaderTime(gowarc.WarcDate, date)
		mb.AddWarcHeader(gowarc.ContentType, gowarc.ApplicationWarcFields)
		mb.AddWarcHeader(gowarc.WarcConcurrentTo, "<"+mainID+">")
		mb.AddWarcHeader(gowarc.WarcRefersTo, "<"+mainID+">")
		mb.Write(metadataFields(c, link))
		meta, err := build(mb)
		if err == nil {
			_, _, _, err = w.writeRecord(meta)
		}
		if err != nil {
			return Result{}, fmt.Errorf("warc capture %d %s: metadata: %w", c.ID, target, err)
		}
	}
	return res, nil
}

func build(rb gowarc.WarcRecordBuilder) (gowarc.WarcRecord, error) {
	rec, _, err := rb.Build()
	return rec, err
}

func (w *Writer) readBody(ctx context.Context, bodies BodySource, hash string) ([]byte, error) {
	rc, err := bodies.Open(ctx, hash)
	if err != nil {
		return nil, fmt.Errorf("open body %s: %w", hash, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, w.opts.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body %s: %w", hash, err)
	}
	if int64(len(b)) > w.opts.MaxBody {
		return nil, fmt.Errorf("body %s is larger than %d bytes", hash, w.opts.MaxBody)
	}
	return b, nil
}

// hopHeaders are dropped from stored responses: the body we keep is decoded
// and whole, so its framing and coding headers no longer describe it.
var hopHeaders = map[string]bool{
	"Content-Length": true, "Transfer-Encoding": true, "Content-Encoding": true,
	"Connection": true, "Keep-Alive": true,
}

func responseHead(c *archive.Capture, bodyLen int) []byte {
	var b bytes.Buffer
	text := http.StatusText(c.Status)
	if text == "" {
		text = "Unknown"
	}
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", c.Status, text)
	keys := make([]string, 0, len(c.Header))
	for k := range c.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	hasCT := false
	for _, k := range keys {
		ck := http.CanonicalHeaderKey(k)
		if hopHeaders[ck] {
			continue
		}
		if ck == "Content-Type" {
			hasCT = true
		}
		for _, v := range c.Header[k] {
			fmt.Fprintf(&b, "%s: %s\r\n", ck, strings.NewReplacer("\r", " ", "\n", " ").Replace(v))
		}
	}
	if !hasCT && c.ContentType != "" {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", c.ContentType)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", bodyLen)
	return b.Bytes()
}

func (w *Writer) requestHead(u *url.URL) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\n", u.RequestURI(), u.Host)
	if w.opts.UserAgent != "" {
		fmt.Fprintf(&b, "User-Agent: %s\r\n", w.opts.UserAgent)
	}
	b.WriteString("Accept-Language: zh-CN,zh;q=0.9,en;q=0.8\r\nAccept-Encoding: gzip, br\r\n\r\n")
	return b.Bytes()
}

// Metadata field names in our metadata records.
const (
	FieldCaptureID    = "newsvault-capture-id"
	FieldRequestedURL = "newsvault-requested-url"
	FieldArticleID    = "newsvault-article-id"
	FieldArticleURL   = "newsvault-article-url"
	FieldArticleTitle = "newsvault-article-title"
	FieldVersionID    = "newsvault-version-id"
	FieldVersionSeq   = "newsvault-version-seq"
	FieldVersionHash  = "newsvault-version-hash"
	FieldBodySHA256   = "newsvault-body-sha256"
	FieldError        = "newsvault-error"
)

func metadataFields(c *archive.Capture, l *Link) []byte {
	var b bytes.Buffer
	add := func(k, v string) {
		if v != "" && v != "0" {
			fmt.Fprintf(&b, "%s: %s\r\n", k, strings.NewReplacer("\r", " ", "\n", " ").Replace(v))
		}
	}
	add(FieldCaptureID, strconv.FormatInt(c.ID, 10))
	if c.FinalURL != "" && c.FinalURL != c.URL {
		add(FieldRequestedURL, c.URL)
	}
	add(FieldBodySHA256, c.BodyHash)
	add(FieldError, c.Error)
	if l != nil {
		add(FieldArticleID, strconv.FormatInt(l.ArticleID, 10))
		add(FieldArticleURL, l.ArticleURL)
		add(FieldArticleTitle, l.ArticleTitle)
		add(FieldVersionID, strconv.FormatInt(l.VersionID, 10))
		add(FieldVersionSeq, strconv.Itoa(l.VersionSeq))
		add(FieldVersionHash, l.VersionHash)
	}
	return b.Bytes()
}

// writeRecord gzips rec as one member at the end of the current file,
// opening a file (with its warcinfo) when none is open.
func (w *Writer) writeRecord(rec gowarc.WarcRecord) (file string, off, n int64, err error) {
	defer rec.Close()
	if w.f == nil {
		if err := w.openFile(); err != nil {
			return "", 0, 0, err
		}
	}
	if w.infoID != "" && rec.Type() != gowarc.Warcinfo {
		rec.WarcHeader().SetId(gowarc.WarcWarcinfoID, w.infoID)
	}
	var buf bytes.Buffer
	w.gz.Reset(&buf)
	if _, _, err := w.mar.Marshal(w.gz, rec, 0); err != nil {
		return "", 0, 0, fmt.Errorf("marshal %s: %w", rec.Type(), err)
	}
	if err := w.gz.Close(); err != nil {
		return "", 0, 0, err
	}
	off = w.size
	if _, err := w.f.Write(buf.Bytes()); err != nil {
		return "", 0, 0, fmt.Errorf("write %s: %w", w.name, err)
	}
	w.size += int64(buf.Len())
	return w.name, off, int64(buf.Len()), nil
}

func (w *Writer) openFile() error {
	w.serial++
	now := w.opts.Now().UTC()
	name := fmt.Sprintf("%s-%s-%05d.warc.gz", w.opts.Prefix, now.Format("20060102150405"), w.serial)
	f, err := os.OpenFile(filepath.Join(w.opts.Dir, name+".open"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("warc writer: %w", err)
	}
	w.f, w.name, w.size, w.infoID = f, name, 0, ""
	ib := gowarc.NewRecordBuilder(gowarc.Warcinfo, w.recOpts...)
	ib.AddWarcHeaderTime(gowarc.WarcDate, now)
	ib.AddWarcHeader(gowarc.WarcFilename, name)
	ib.AddWarcHeader(gowarc.ContentType, gowarc.ApplicationWarcFields)
	fmt.Fprintf(ib, "software: %s\r\nformat: WARC File Format 1.1\r\nconformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\ndescription: raw captures exported by newsvault\r\n", w.opts.Software)
	info, err := build(ib)
	if err != nil {
		return fmt.Errorf("warc writer: warcinfo: %w", err)
	}
	id := info.WarcHeader().GetId(gowarc.WarcRecordID)
	if _, _, _, err := w.writeRecord(info); err != nil {
		return err
	}
	w.infoID = id
	return nil
}

func (w *Writer) closeFile() error {
	if w.f == nil {
		return nil
	}
	f := w.f
	w.f = nil
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("warc writer: sync %s: %w", w.name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("warc writer: close %s: %w", w.name, err)
	}
	if err := os.Rename(f.Name(), filepath.Join(w.opts.Dir, w.name)); err != nil {
		return fmt.Errorf("warc writer: %w", err)
	}
	w.files = append(w.files, w.name)
	return nil
}

// cdxjFields is the JSON part of a CDXJ line.
type cdxjFields struct {
	URL      string `json:"url"`
	Mime     string `json:"mime,omitempty"`
	Status   string `json:"status,omitempty"`
	Digest   string `json:"digest"`
	Length   string `json:"length"`
	Offset   string `json:"offset"`
	Filename string `json:"filename"`
}

func (w *Writer) addIndex(rec gowarc.WarcRecord, target string, date time.Time, c *archive.Capture, typ, file string, off, n int64) {
	key, err := SURT(target)
	if err != nil {
		return
	}
	mime := c.ContentType
	if typ == "revisit" {
		mime = "warc/revisit"
	}
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = strings.TrimSpace(mime[:i])
	}
	f := cdxjFields{URL: target, Mime: mime, Digest: rec.WarcHeader().Get(gowarc.WarcPayloadDigest),
		Length: strconv.FormatInt(n, 10), Offset: strconv.FormatInt(off, 10), Filename: file}
	if c.Status > 0 {
		f.Status = strconv.Itoa(c.Status)
	}
	j, _ := json.Marshal(f)
	w.index = append(w.index, key+" "+date.Format("20060102150405")+" "+string(j))
}

// Close finishes the open file and writes the CDXJ index (sorted) as
// <prefix>.cdxj beside the WARC files. It returns the WARC file names.
func (w *Writer) Close() ([]string, error) {
	if err := w.closeFile(); err != nil {
		return w.files, err
	}
	sort.Strings(w.index)
	var b bytes.Buffer
	for _, l := range w.index {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	idx := filepath.Join(w.opts.Dir, w.opts.Prefix+".cdxj")
	if err := os.WriteFile(idx+".tmp", b.Bytes(), 0o644); err != nil {
		return w.files, fmt.Errorf("warc index: %w", err)
	}
	if err := os.Rename(idx+".tmp", idx); err != nil {
		return w.files, fmt.Errorf("warc index: %w", err)
	}
	return w.files, nil
}
