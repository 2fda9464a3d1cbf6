package warc

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/warc/warciotest"
)

type fixture struct {
	c    archive.Capture
	body string
	link *Link
	want string // main record type
}

func fixtures() []fixture {
	t0 := time.Date(2024, 3, 1, 8, 30, 0, 0, time.UTC)
	page := "<html><head><meta charset=utf-8><title>普京密友抵达北京</title></head><body><p>白俄总统卢卡申科抵达北京。</p></body></html>"
	return []fixture{
		{c: archive.Capture{ID: 1, URL: "https://www.example.com/news/a?id=7&b=2", FinalURL: "https://www.example.com/news/a?id=7&b=2", Status: 200,
			Header:    map[string][]string{"Content-Type": {"text/html; charset=utf-8"}, "Content-Encoding": {"gzip"}, "Etag": {`"abc"`}},
			FetchedAt: t0, ContentType: "text/html; charset=utf-8"}, body: page,
			link: &Link{ArticleID: 11, ArticleURL: "https://www.example.com/news/a?id=7&b=2", ArticleTitle: "普京密友抵达北京", VersionID: 21, VersionSeq: 1, VersionHash: "v1hash"}, want: "response"},
		{c: archive.Capture{ID: 2, URL: "https://www.example.com/news/a?id=7&b=2", Status: 200,
			Header:    map[string][]string{"Content-Type": {"text/html; charset=utf-8"}},
			FetchedAt: t0.Add(time.Hour), ContentType: "text/html"}, body: page,
			link: &Link{ArticleID: 11, VersionID: 21, VersionSeq: 1}, want: "revisit"},
		{c: archive.Capture{ID: 3, URL: "file:///import/news-md/2023/a.md", FinalURL: "https://news.example.org/2023/a.html",
			FetchedAt: t0.Add(2 * time.Hour), ContentType: "text/markdown; charset=utf-8"}, body: "# 标题\n\n正文。\n",
			link: &Link{ArticleID: 12, VersionID: 22, VersionSeq: 1}, want: "resource"},
		{c: archive.Capture{ID: 4, URL: "http://example.net:8080/gone", Status: 404,
			Header:    map[string][]string{"Content-Type": {"text/plain"}},
			FetchedAt: t0.Add(3 * time.Hour), ContentType: "text/plain", Error: "HTTP 404"}, body: "not found", want: "response"},
	}
}

func writeFixtures(t *testing.T, opts WriterOptions) (string, []string) {
	t.Helper()
	store, err := blob.Open(t.TempDir(), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	opts.Now = func() time.Time { return time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC) }
	opts.UserAgent = "newsvault/test"
	w, err := NewWriter(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures() {
		c := f.c
		if c.BodyHash, err = store.Put(t.Context(), []byte(f.body)); err != nil {
			t.Fatal(err)
		}
		res, err := w.WriteCapture(context.Background(), &c, store, f.link)
		if err != nil {
			t.Fatal(err)
		}
		if res.Type != f.want {
			t.Errorf("capture %d written as %s, want %s", c.ID, res.Type, f.want)
		}
	}
	files, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	return opts.Dir, files
}

func readAll(t *testing.T, path string) []*Record {
	t.Helper()
	r, err := Open(path, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []*Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, rec)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	dir, files := writeFixtures(t, WriterOptions{})
	if len(files) != 1 || !strings.HasSuffix(files[0], ".warc.gz") {
		t.Fatalf("files %v", files)
	}
	recs := readAll(t, filepath.Join(dir, files[0]))
	var types []string
	for _, r := range recs {
		types = append(types, r.Type)
		if r.Version != "WARC/1.1" {
			t.Errorf("%s record version %q", r.Type, r.Version)
		}
	}
	want := "warcinfo response request metadata revisit request metadata resource metadata response request metadata"
	if got := strings.Join(types, " "); got != want {
		t.Fatalf("record types\n got %s\nwant %s", got, want)
	}
	fx := fixtures()
	resp := recs[1]
	if resp.TargetURI != fx[0].c.FinalURL || resp.Status != 200 || string(resp.Body) != fx[0].body {
		t.Errorf("response: %q %d %q", resp.TargetURI, resp.Status, resp.Body)
	}
	if !resp.Date.Equal(fx[0].c.FetchedAt) {
		t.Errorf("date %v", resp.Date)
	}
	if resp.HTTPHeader.Get("Content-Encoding") != "" || resp.HTTPHeader.Get("Etag") != `"abc"` ||
		resp.HTTPHeader.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("response headers %v", resp.HTTPHeader)
	}
	req := recs[2]
	if req.RequestURL != "/news/a?id=7&b=2" || req.HTTPHeader.Get("Host") != "www.example.com" ||
		req.HTTPHeader.Get("User-Agent") != "newsvault/test" || len(req.ConcurrentTo) != 1 || req.ConcurrentTo[0] != resp.ID {
		t.Errorf("request: %q %v concurrent %v (response %s)", req.RequestURL, req.HTTPHeader, req.ConcurrentTo, resp.ID)
	}
	meta := recs[3]
	if meta.RefersTo != resp.ID || meta.Fields[FieldArticleID][0] != "11" || meta.Fields[FieldVersionSeq][0] != "1" ||
		meta.Fields[FieldArticleTitle][0] != "普京密友抵达北京" || meta.Fields[FieldCaptureID][0] != "1" {
		t.Errorf("metadata %+v", meta.Fields)
	}
	rev := recs[4]
	if rev.RefersTo != resp.ID || rev.RefersToURI != resp.TargetURI || rev.PayloadDigest != resp.PayloadDigest ||
		!strings.Contains(rev.Profile, "identical-payload-digest") || rev.Body != nil {
		t.Errorf("revisit %+v", rev)
	}
	res := recs[7]
	if res.TargetURI != "https://news.example.org/2023/a.html" || string(res.Body) != fx[2].body || !strings.HasPrefix(res.ContentType, "text/markdown") {
		t.Errorf("resource %q %q %q", res.TargetURI, res.ContentType, res.Body)
	}
	if recs[8].Fields[FieldRequestedURL][0] != "file:///import/news-md/2023/a.md" {
		t.Errorf("resource metadata %v", recs[8].Fields)
	}
	if recs[9].Status != 404 || recs[11].Fields[FieldError][0] != "HTTP 404" {
		t.Errorf("404 capture: %d %v", recs[9].Status, recs[11].Fields)
	}
	for _, r := range recs[1:] {
		if r.WARC.Get("WARC-Type") == "" || r.ID == "" {
			t.Errorf("record without type or id: %+v", r)
		}
	}
}

func TestCDXJIndex(t *testing.T) {
	dir, files := writeFixtures(t, WriterOptions{Prefix: "idx"})
	b, err := os.ReadFile(filepath.Join(dir, "idx.cdxj"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 || !sort.StringsAreSorted(lines) {
		t.Fatalf("index not 4 sorted lines:\n%s", b)
	}
	wantKeys := map[string]string{
		"com,example)/news/a?b=2&id=7 20240301083000":  "response",
		"com,example)/news/a?b=2&id=7 20240301093000":  "revisit",
		"org,example,news)/2023/a.html 20240301103000": "resource",
		"net,example:8080)/gone 20240301113000":        "response",
	}
	f, err := os.Open(filepath.Join(dir, files[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		i := strings.Index(l, " {")
		typ, ok := wantKeys[l[:i]]
		if !ok {
			t.Errorf("unexpected key in %q", l)
			continue
		}
		var j struct{ URL, Mime, Status, Digest, Length, Offset, Filename string }
		if err := json.Unmarshal([]byte(l[i+1:]), &j); err != nil {
			t.Fatal(err)
		}
		if j.Filename != files[0] || j.Digest == "" || j.URL == "" {
			t.Errorf("index line %q", l)
		}
		// the offset and length must cut out exactly the record
		var off, n int64
		fmt.Sscan(j.Offset, &off)
		fmt.Sscan(j.Length, &n)
		r := NewReader(io.NewSectionReader(f, off, n), ReaderOptions{})
		rec, err := r.Next()
		if err != nil || rec.Type != typ || rec.TargetURI != j.URL {
			t.Errorf("record at %d: %v %+v, want %s", off, err, rec, typ)
		}
		if _, err := r.Next(); err != io.EOF {
			t.Errorf("length %d does not end at the record: %v", n, err)
		}
		if typ == "revisit" && j.Mime != "warc/revisit" {
			t.Errorf("revisit mime %q", j.Mime)
		}
	}
}

func TestSURT(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.Example.com/A/b?z=1&a=2#frag": "com,example)/a/b?a=2&z=1",
		"http://example.com":                       "com,example)/",
		"http://www2.example.co.uk:80/x":           "uk,co,example)/x",
		"https://example.com:8443/":                "com,example:8443)/",
		"http://192.168.1.1/p":                     "192.168.1.1)/p",
		"http://www.com/":                          "com,www)/",
		"https://news.example.org/%E4%B8%AD":       "org,example,news)/%e4%b8%ad",
	} {
		got, err := SURT(in)
		if err != nil || got != want {
			t.Errorf("SURT(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := SURT("not a url"); err == nil {
		t.Error("SURT accepted a URL without a host")
	}
}

func TestRotation(t *testing.T) {
	dir, files := writeFixtures(t, WriterOptions{MaxFileSize: 1500})
	if len(files) < 2 {
		t.Fatalf("no rotation at 1500 bytes: %v", files)
	}
	total := 0
	for _, f := range files {
		st, _ := os.Stat(filepath.Join(dir, f))
		recs := readAll(t, filepath.Join(dir, f))
		if recs[0].Type != "warcinfo" || recs[0].Fields["software"][0] != "newsvault" {
			t.Errorf("%s does not start with our warcinfo", f)
		}
		if st.Size() > 4000 {
			t.Errorf("%s is %d bytes", f, st.Size())
		}
		total += len(recs) - 1
	}
	if total != 11 {
		t.Errorf("%d records over %d files, want 11", total, len(files))
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.open")); len(left) > 0 {
		t.Errorf("open files left: %v", left)
	}
}

func TestWarcioReadsOurFile(t *testing.T) {
	bin := warciotest.Bin(t)
	dir, files := writeFixtures(t, WriterOptions{})
	path := filepath.Join(dir, files[0])
	out, err := exec.Command(bin, "index", path, "--fields", "warc-type,warc-target-uri,warc-payload-digest,http:status").Output()
	if err != nil {
		t.Fatalf("warcio index: %v", err)
	}
	ours := readAll(t, path)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(ours) {
		t.Fatalf("warcio lists %d records, we wrote %d:\n%s", len(lines), len(ours), out)
	}
	for i, l := range lines {
		var j map[string]any
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("warcio line %q: %v", l, err)
		}
		if j["warc-type"] != ours[i].Type {
			t.Errorf("record %d: warcio type %v, ours %s", i, j["warc-type"], ours[i].Type)
		}
		if ours[i].TargetURI != "" && j["warc-target-uri"] != ours[i].TargetURI {
			t.Errorf("record %d: warcio uri %v, ours %s", i, j["warc-target-uri"], ours[i].TargetURI)
		}
		if ours[i].Type == "response" && fmt.Sprint(j["http:status"]) != fmt.Sprint(ours[i].Status) {
			t.Errorf("record %d: warcio status %v, ours %d", i, j["http:status"], ours[i].Status)
		}
	}
	// warcio's CDXJ indexer must find the same captures at the same places.
	out, err = exec.Command(bin, "cdx-index", path).Output()
	if err != nil {
		t.Fatalf("warcio cdx-index: %v", err)
	}
	idx, _ := os.ReadFile(filepath.Join(dir, "newsvault.cdxj"))
	theirs := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var j struct{ Offset, Length string }
		k := strings.SplitN(l, " ", 3)
		json.Unmarshal([]byte(k[2]), &j)
		theirs[k[0]+" "+k[1]+" "+j.Offset+" "+j.Length] = true
	}
	for _, l := range strings.Split(strings.TrimSpace(string(idx)), "\n") {
		var j struct{ Offset, Length string }
		k := strings.SplitN(l, " ", 3)
		json.Unmarshal([]byte(k[2]), &j)
		if !theirs[k[0]+" "+k[1]+" "+j.Offset+" "+j.Length] {
			t.Errorf("our index line has no match in warcio's cdx-index:\n ours %s\n theirs:\n%s", l, out)
		}
	}
}

// Hand-made records in the styles of other crawlers.

func sha1b32(b []byte) string {
	s := sha1.Sum(b)
	return "sha1:" + base32.StdEncoding.EncodeToString(s[:])
}

func record(version, typ, uri, ct string, block []byte, extra ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\r\nWARC-Type: %s\r\n", version, typ)
	if uri != "" {
		fmt.Fprintf(&b, "WARC-Target-URI: %s\r\n", uri)
	}
	fmt.Fprintf(&b, "WARC-Date: 2023-02-28T14:12:24Z\r\nWARC-Record-ID: <urn:uuid:%08x-0000-4000-8000-000000000000>\r\n", len(block)*7+len(typ))
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	if ct != "" {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", ct)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(block))
	b.Write(block)
	b.WriteString("\r\n\r\n")
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// wgetStyle: uncompressed WARC/1.0, a chunked response whose digest covers
// the chunked bytes, a request, and the crawl log as a resource.
func wgetStyle() []byte {
	part := "<html>中文内容 wget</html>"
	chunked := fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(part), part)
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
	var b bytes.Buffer
	b.Write(record("WARC/1.0", "warcinfo", "", "application/warc-fields", []byte("software: Wget/1.21.3 (linux-gnu)\r\nformat: WARC File Format 1.0\r\n"), "WARC-Filename: site.warc"))
	b.Write(record("WARC/1.0", "request", "http://example.cn/a.html", "application/http;msgtype=request",
		[]byte("GET /a.html HTTP/1.1\r\nUser-Agent: Wget/1.21.3\r\nHost: example.cn\r\n\r\n")))
	b.Write(record("WARC/1.0", "response", "http://example.cn/a.html", "application/http;msgtype=response", resp,
		"WARC-Payload-Digest: "+sha1b32([]byte(chunked)), "WARC-IP-Address: 127.0.0.1"))
	b.Write(record("WARC/1.0", "resource", "metadata://gnu.org/software/wget/warc/wget.log", "text/plain", []byte("wget log line\n")))
	return b.Bytes()
}

// browsertrixStyle: gzip per record, WARC/1.1, page ids, a revisit and a
// resource for a page's text.
func browsertrixStyle() []byte {
	body := []byte("<!doctype html><p>Browsertrix 抓取</p>")
	resp := append([]byte(fmt.Sprintf("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: %d\r\n\r\n", len(body))), body...)
	var b bytes.Buffer
	b.Write(gz(record("WARC/1.1", "warcinfo", "", "application/warc-fields", []byte("software: Browsertrix-Crawler 1.0 (with warcio.js 2.2)\r\n"))))
	b.Write(gz(record("WARC/1.1", "response", "https://example.tw/p", "application/http; msgtype=response", resp,
		"WARC-Payload-Digest: "+sha1b32(body), "WARC-Page-ID: abc", "WARC-Resource-Type: document")))
	b.Write(gz(record("WARC/1.1", "revisit", "https://example.tw/p", "application/http; msgtype=response",
		[]byte("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n\r\n"),
		"WARC-Payload-Digest: "+sha1b32(body), "WARC-Profile: http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
		"WARC-Refers-To-Target-URI: https://example.tw/p", "WARC-Refers-To-Date: 2023-02-28T14:12:24Z")))
	b.Write(gz(record("WARC/1.1", "resource", "urn:text:https://example.tw/p", "text/plain", []byte("Browsertrix 抓取"))))
	return b.Bytes()
}

func readBytes(t *testing.T, data []byte, opts ReaderOptions) ([]*Record, error) {
	t.Helper()
	r := NewReader(bytes.NewReader(data), opts)
	var out []*Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

func TestReadWgetStyle(t *testing.T) {
	recs, err := readBytes(t, wgetStyle(), ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || recs[0].Version != "WARC/1.0" {
		t.Fatalf("%d records", len(recs))
	}
	resp := recs[2]
	if resp.Type != "response" || resp.Status != 200 || string(resp.Body) != "<html>中文内容 wget</html>" {
		t.Errorf("chunked response: %d %q", resp.Status, resp.Body)
	}
	if recs[0].Fields["software"][0] != "Wget/1.21.3 (linux-gnu)" || recs[1].RequestURL != "/a.html" {
		t.Errorf("warcinfo %v request %q", recs[0].Fields, recs[1].RequestURL)
	}
	if string(recs[3].Body) != "wget log line\n" {
		t.Errorf("resource %q", recs[3].Body)
	}
}

func TestReadBrowsertrixStyle(t *testing.T) {
	recs, err := readBytes(t, browsertrixStyle(), ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("%d records", len(recs))
	}
	if string(recs[1].Body) != "<!doctype html><p>Browsertrix 抓取</p>" || recs[1].WARC.Get("WARC-Page-ID") != "abc" {
		t.Errorf("response %q %v", recs[1].Body, recs[1].WARC)
	}
	if recs[2].Type != "revisit" || recs[2].RefersToURI != "https://example.tw/p" || recs[2].PayloadDigest != recs[1].PayloadDigest {
		t.Errorf("revisit %+v", recs[2])
	}
	if recs[3].Type != "resource" || string(recs[3].Body) != "Browsertrix 抓取" {
		t.Errorf("resource %+v", recs[3])
	}
}

func TestHostileInput(t *testing.T) {
	good := browsertrixStyle()
	body := []byte("<p>x</p>")
	respBlock := append([]byte("HTTP/1.1 200 OK\r\n\r\n"), body...)
	bomb := func() []byte { // one member claiming 64 MiB of zeros, tiny on disk
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		fmt.Fprintf(w, "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Target-URI: http://x/\r\nWARC-Date: 2023-02-28T14:12:24Z\r\nWARC-Record-ID: <urn:uuid:1>\r\nContent-Length: %d\r\n\r\n", 64<<20)
		w.Write(make([]byte, 64<<20))
		w.Close()
		return b.Bytes()
	}()
	cases := []struct {
		name string
		data []byte
		opts ReaderOptions
		want error
		text string
	}{
		{"truncated gzip record", good[:len(good)-30], ReaderOptions{}, ErrMalformed, "offset"},
		{"truncated plain record", wgetStyle()[:len(wgetStyle())-60], ReaderOptions{}, ErrMalformed, "truncated"},
		{"content-length too long", bytes.Replace(record("WARC/1.1", "resource", "http://x/", "text/plain", []byte("abc")), []byte("Content-Length: 3"), []byte("Content-Length: 9000"), 1), ReaderOptions{}, ErrMalformed, ""},
		{"gzip bomb", bomb, ReaderOptions{MaxRecord: 1 << 20}, ErrTooLarge, "inflates past"},
		{"huge header", append([]byte("WARC/1.1\r\nWARC-Type: resource\r\nX-Long: "), bytes.Repeat([]byte("a"), 3<<20)...), ReaderOptions{MaxRecord: 1 << 20}, ErrTooLarge, ""},
		{"body over limit", record("WARC/1.1", "resource", "http://x/", "text/plain", bytes.Repeat([]byte("b"), 5000)), ReaderOptions{MaxBody: 1000}, ErrTooLarge, "limit 1000"},
		{"digest mismatch", record("WARC/1.1", "response", "http://x/", "application/http;msgtype=response", respBlock, "WARC-Payload-Digest: "+sha1b32([]byte("other"))), ReaderOptions{}, ErrDigest, "http://x/"},
		{"not a warc", []byte("<html>hello</html>"), ReaderOptions{}, ErrMalformed, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readBytes(t, c.data, c.opts)
			if !errors.Is(err, c.want) || !strings.Contains(fmt.Sprint(err), c.text) {
				t.Fatalf("err = %v, want %v containing %q", err, c.want, c.text)
			}
		})
	}
	// a good record after a digest mismatch is still read
	data := append(record("WARC/1.1", "response", "http://x/", "application/http;msgtype=response", respBlock, "WARC-Payload-Digest: "+sha1b32([]byte("other"))), wgetStyle()...)
	r := NewReader(bytes.NewReader(data), ReaderOptions{})
	if rec, err := r.Next(); !errors.Is(err, ErrDigest) || rec == nil {
		t.Fatalf("first: %v", err)
	}
	if rec, err := r.Next(); err != nil || rec.Type != "warcinfo" {
		t.Fatalf("after a digest mismatch: %v", err)
	}
}
