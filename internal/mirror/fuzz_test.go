package mirror

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// addTestdataSeeds adds every file under testdata as a fuzz seed.
func addTestdataSeeds(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.md"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no testdata seeds: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// inlineSeeds are small hand-written inputs for the fuzzers.
func inlineSeeds() []string {
	return []string{
		"",
		"<!--1-->\n[t](l)\n------\n\nx\n",
		"<!---5-->\r\n[a](b) c](d(e))\r\n------\r\n\r\n\r\n",
		"[t](l)\n------\n日期：Sat, 27 Jun 2020 13:30:55 +0000\n\nx",
		"[t](l)\n------\n日期:2020-01-02\n",
		"[a\n\n](l)\n---\n",
		"\ufeff---\ntitle: \"\\u00e9\\x41\\\"\"\ndate: 2020-01-02 03:04:05 +0800\ntags: [ a, 'b''c', \"d\" ]\n---\n<!--1-->\n[t](l)\n------\n\nx\n",
		"---\nauthor:\n  - a\n- b\nsummary: |-\n  x\n\n  y\nk: v # c\n...\n",
		"---\nx: {a: b}\nlist: [a,\n b]\nn:\n  k: v\n---\n",
		"---\ndate: 0001-01-01T00:00:00.0001Z\n---\n",
		"<!-- 9223372036854775807 -->\n[](  )\n---\n",
	}
}

// FuzzParse checks that Parse never panics, and that whatever it accepts
// survives Write: Parse(Write(e)) succeeds with Title ==
// NormalizeTitle(e.Title), Link == EscapeLink(e.Link), HTML == e.HTML and
// Published == e.Published at millisecond precision, and writing that entry
// again gives the same bytes.
func FuzzParse(f *testing.F) {
	addTestdataSeeds(f)
	for _, s := range inlineSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse(data)
		kind := Sniff("x.txt", data)
		if err != nil {
			if !errors.Is(err, ErrNotMirror) {
				t.Fatalf("error %v does not wrap ErrNotMirror", err)
			}
			if kind == KindMirror || kind == KindJekyll {
				t.Fatalf("Sniff = %q for data Parse rejects", kind)
			}
			return
		}
		if want := map[string]string{FormatMirror: KindMirror, FormatMirrorV0: KindMirror, FormatJekyll: KindJekyll}[e.Format]; kind != want {
			t.Fatalf("Sniff = %q for a %s file", kind, e.Format)
		}
		var out bytes.Buffer
		if err := Write(&out, e); err != nil {
			t.Fatal(err)
		}
		back, err := Parse(out.Bytes())
		if err != nil {
			t.Fatalf("Parse(Write(e)) = %v\nentry %+v\nwritten %q", err, e, out.String())
		}
		if back.Title != NormalizeTitle(e.Title) {
			t.Fatalf("title %q, want %q", back.Title, NormalizeTitle(e.Title))
		}
		if back.Link != EscapeLink(e.Link) {
			t.Fatalf("link %q, want %q", back.Link, EscapeLink(e.Link))
		}
		if back.HTML != e.HTML {
			t.Fatalf("HTML %q, want %q", back.HTML, e.HTML)
		}
		if want := truncateMilli(e.Published); !back.Published.Equal(want) {
			t.Fatalf("published %v, want %v", back.Published, want)
		}
		var again bytes.Buffer
		if err := Write(&again, back); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatalf("second Write differs:\n%q\n%q", again.String(), out.String())
		}
	})
}

// FuzzFileName checks that FileName gives a short, valid UTF-8 name with no
// separator, NUL or character Windows refuses, ending in ".md".
func FuzzFileName(f *testing.F) {
	for _, s := range []string{"", "普通标题", "a/b\\c", "x\x00y", "\xff\xfe", "...", " . ", strings.Repeat("长", 100), strings.Repeat("a", 300), "德语媒体：北京的快速回应\n\n"} {
		f.Add(int64(1048198), s)
	}
	f.Add(int64(-9223372036854775808), strings.Repeat("é", 150))
	f.Fuzz(func(t *testing.T, id int64, title string) {
		name := FileName(id, title)
		if len(name) > MaxFileNameBytes {
			t.Fatalf("FileName is %d bytes: %q", len(name), name)
		}
		if !utf8.ValidString(name) {
			t.Fatalf("FileName is not UTF-8: %q", name)
		}
		if strings.ContainsAny(name, "/\\\x00<>:\"|?*") {
			t.Fatalf("FileName holds a refused character: %q", name)
		}
		if !strings.HasSuffix(name, ".md") {
			t.Fatalf("FileName lost its extension: %q", name)
		}
		stem := strings.TrimSuffix(name, ".md")
		if strings.HasSuffix(stem, ".") || strings.HasSuffix(stem, " ") {
			t.Fatalf("FileName stem ends in a dot or space: %q", name)
		}
		for _, r := range name {
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
				t.Fatalf("FileName holds control character %U: %q", r, name)
			}
		}
	})
}

// FuzzSniff checks that Sniff never panics and returns a known kind.
func FuzzSniff(f *testing.F) {
	for _, s := range inlineSeeds() {
		f.Add("a.txt", []byte(s))
	}
	f.Add("a.html", []byte("<!DOCTYPE html><html>"))
	f.Add("gb.txt", []byte{0xd6, 0xd0, 0xce, 0xc4})
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		switch k := Sniff(name, data); k {
		case "", KindMirror, KindJekyll, KindHTML, KindText:
		default:
			t.Fatalf("Sniff = %q", k)
		}
	})
}
