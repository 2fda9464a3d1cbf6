package mirror

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/shareddata"
)

// manifestLine is one line of news-md.manifest.jsonl or
// news-md-jekyll.manifest.jsonl. Null fields decode as nil.
type manifestLine struct {
	File   string  `json:"file"`
	Site   string  `json:"site"`
	Format string  `json:"format"`
	PubMs  *int64  `json:"pub_ms"`
	Date   *string `json:"date"`
	Title  *string `json:"title"`
	URL    *string `json:"url"`
}

func readManifest(t testing.TB, dataDir, name string) []manifestLine {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, name))
	if err != nil {
		t.Skipf("manifest %s: %v", name, err)
	}
	defer f.Close()
	var out []manifestLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m manifestLine
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("manifest %s: %v", name, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("manifest %s: %v", name, err)
	}
	return out
}

// roundTrip writes e, parses the result and checks the Write invariant; it
// returns the written bytes.
func roundTrip(t *testing.T, name string, e *Entry) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, e); err != nil {
		t.Fatalf("%s: Write: %v", name, err)
	}
	back, err := ParseNamed(name, b.Bytes())
	if err != nil {
		t.Fatalf("%s: Parse(Write): %v", name, err)
	}
	if back.Title != NormalizeTitle(e.Title) {
		t.Errorf("%s: title after the round trip %q, want %q", name, back.Title, NormalizeTitle(e.Title))
	}
	if back.Link != EscapeLink(e.Link) {
		t.Errorf("%s: link after the round trip %q, want %q", name, back.Link, EscapeLink(e.Link))
	}
	if !back.Published.Equal(truncateMilli(e.Published)) {
		t.Errorf("%s: published after the round trip %v, want %v", name, back.Published, e.Published)
	}
	if back.HTML != e.HTML {
		t.Errorf("%s: HTML changed in the round trip (%d bytes, want %d)", name, len(back.HTML), len(e.HTML))
	}
	return b.Bytes()
}

// TestCorpusNewsMD parses every file of the shared news-md corpus, checks it
// against its manifest line and round-trips it through Write.
func TestCorpusNewsMD(t *testing.T) {
	shareddata.Dir(t, "news-md")
	dataDir := shareddata.Dir(t)
	lines := readManifest(t, dataDir, "news-md.manifest.jsonl")
	formats := map[string]int{}
	identical, differ := 0, []string{}
	for _, m := range lines {
		data, err := os.ReadFile(filepath.Join(dataDir, m.File))
		if err != nil {
			t.Fatal(err)
		}
		e, err := ParseNamed(m.File, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		formats[e.Format]++
		if m.Title != nil && e.Title != *m.Title {
			t.Errorf("%s: title %q, manifest %q", m.File, e.Title, *m.Title)
		}
		if m.URL != nil && e.Link != *m.URL {
			t.Errorf("%s: link %q, manifest %q", m.File, e.Link, *m.URL)
		}
		switch {
		case m.PubMs != nil && e.Published.UnixMilli() != *m.PubMs:
			t.Errorf("%s: published %d ms, manifest %d", m.File, e.Published.UnixMilli(), *m.PubMs)
		case m.PubMs == nil && e.Format != FormatMirrorV0 && m.Format != "other":
			t.Errorf("%s: format %s but the manifest has no pub_ms", m.File, e.Format)
		case strings.HasPrefix(m.Format, "duty-machine-v0") && (e.Format != FormatMirrorV0 || e.Published.IsZero()):
			t.Errorf("%s: format %s published %v, want a dated %s", m.File, e.Format, e.Published, FormatMirrorV0)
		}
		written := roundTrip(t, m.File, e)
		if e.Format != FormatMirror {
			continue
		}
		if bytes.Equal(written, data) {
			identical++
		} else {
			differ = append(differ, m.File)
		}
	}
	if len(formats) == 0 {
		t.Fatal("no files parsed")
	}
	t.Logf("news-md: %d files: %v; %d mirror files rewritten byte for byte, %d not: %v",
		len(lines), formats, identical, len(differ), differ)
	// The one known difference is the file whose title spans three lines
	// ("[德语媒体：北京的快速回应\n\n](…)"): Write folds the line breaks.
	for _, f := range differ {
		data, _ := os.ReadFile(filepath.Join(dataDir, f))
		if e, _ := Parse(data); e == nil || !strings.Contains(e.Title, "\n") {
			t.Errorf("%s: Write does not reproduce the file and its title has no line break", f)
		}
	}
}

// TestCorpusJekyll parses every file of the shared news-md-jekyll corpus and
// checks it against its manifest line: title, link ("from") and date come
// from the front matter, pub_ms from the embedded mirror header.
func TestCorpusJekyll(t *testing.T) {
	shareddata.Dir(t, "news-md-jekyll")
	dataDir := shareddata.Dir(t)
	lines := readManifest(t, dataDir, "news-md-jekyll.manifest.jsonl")
	withHeader, escaped := 0, 0
	for _, m := range lines {
		data, err := os.ReadFile(filepath.Join(dataDir, m.File))
		if err != nil {
			t.Fatal(err)
		}
		e, err := ParseNamed(m.File, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if e.Format != FormatJekyll {
			t.Errorf("%s: format %s", m.File, e.Format)
		}
		if m.Title != nil && e.Title != *m.Title {
			t.Errorf("%s: title %q, manifest %q", m.File, e.Title, *m.Title)
		}
		if m.URL != nil && e.Link != *m.URL {
			t.Errorf("%s: link %q, manifest %q", m.File, e.Link, *m.URL)
		}
		if m.Date != nil {
			want, err := time.Parse(time.RFC3339, *m.Date)
			if err != nil {
				t.Fatalf("%s: manifest date: %v", m.File, err)
			}
			if !e.Published.Equal(want) {
				t.Errorf("%s: published %v, manifest %v", m.File, e.Published, want)
			}
		}
		if m.PubMs != nil {
			if e.Mirror == nil || e.Mirror.Published.UnixMilli() != *m.PubMs {
				t.Errorf("%s: embedded header %+v, manifest pub_ms %d", m.File, e.Mirror, *m.PubMs)
			}
		}
		if e.Mirror != nil {
			withHeader++
		}
		if len(e.Tags) != 1 || e.Tags[0] != m.Site || e.Front["layout"] != "post" {
			t.Errorf("%s: tags %q layout %q, want [%s] and post", m.File, e.Tags, e.Front["layout"], m.Site)
		}
		if strings.Contains(e.HTML, "\n------\n") && e.Mirror != nil {
			t.Errorf("%s: the embedded header leaked into the content", m.File)
		}
		if EscapeLink(e.Link) != e.Link {
			escaped++
		}
		roundTrip(t, m.File, e)
	}
	t.Logf("news-md-jekyll: %d files, %d with an embedded mirror header, %d with a raw HTML body, %d links escaped by Write",
		len(lines), withHeader, len(lines)-withHeader, escaped)
}

// TestSeedFile parses the seed kept beside the shared data.
func TestSeedFile(t *testing.T) {
	d := shareddata.Find()
	if d == "" {
		t.Skip("shared data not found")
	}
	path := filepath.Join(filepath.Dir(d), "seeds", "000_005cd0b14544140b.txt")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("seed file: %v", err)
	}
	e, err := ParseNamed(path, data)
	if err != nil {
		t.Fatal(err)
	}
	want := Entry{
		Title:     "普京密友白俄总统卢卡申科抵达北京，中俄白小圈子加紧活动",
		Link:      "https://www.voachinese.com/a/china-is-rolling-out-the-red-carpet-for-a-key-putin-ally-022823/6982259.html",
		Published: time.UnixMilli(1677595144000).UTC(),
		Format:    FormatMirror,
	}
	if e.Title != want.Title || e.Link != want.Link || !e.Published.Equal(want.Published) || e.Format != want.Format {
		t.Errorf("seed = %q %q %v %s, want %q %q %v %s", e.Title, e.Link, e.Published, e.Format,
			want.Title, want.Link, want.Published, want.Format)
	}
	if !strings.HasPrefix(e.HTML, "<div><i>Tue, 28 Feb 2023 14:12:24 GMT</i></div>") {
		t.Errorf("seed HTML starts %q", e.HTML[:min(len(e.HTML), 60)])
	}
	if Sniff(filepath.Base(path), data) != KindMirror {
		t.Errorf("seed sniffed as %q", Sniff(filepath.Base(path), data))
	}
	if written := roundTrip(t, path, e); !bytes.Equal(written, data) {
		t.Error("Write does not reproduce the seed file")
	}
}

// BenchmarkParseCorpus parses the shared news-md corpus, one file per
// iteration, and reports files per second.
func BenchmarkParseCorpus(b *testing.B) {
	root := shareddata.Dir(b, "news-md")
	var files [][]byte
	var total int64
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".md") {
			return err
		}
		data, err := os.ReadFile(path)
		files = append(files, data)
		total += int64(len(data))
		return err
	})
	if err != nil || len(files) == 0 {
		b.Fatalf("reading %s: %d files, %v", root, len(files), err)
	}
	b.SetBytes(total / int64(len(files)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := Parse(files[i]); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(files) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
}
