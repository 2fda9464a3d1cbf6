package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rivo/uniseg"
)

// Columns after a Chinese title start at the same terminal column as after
// a Latin one: each row's cells begin at equal display widths.
func TestTableAlignsColumnsByDisplayWidth(t *testing.T) {
	var b strings.Builder
	tw := NewTable(&b)
	fmt.Fprintln(tw, "ID\tTITLE\tURL")
	fmt.Fprintln(tw, "1\t美国之音中文网\thttps://www.voachinese.com/feed")
	fmt.Fprintln(tw, "22\tBBC News\thttps://feeds.bbci.co.uk/news/rss.xml")
	fmt.Fprintln(tw, "3\t聯合報 ｜ 即時\thttps://udn.com/rss")
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	col := func(line, cell string) int {
		i := strings.Index(line, cell)
		if i < 0 {
			t.Fatalf("%q not in %q", cell, line)
		}
		return uniseg.StringWidth(line[:i])
	}
	want := col(lines[0], "URL")
	for _, l := range lines[1:] {
		if got := col(l, "http"); got != want {
			t.Errorf("URL column at %d, want %d:\n%s", got, want, b.String())
		}
	}
	if strings.HasSuffix(lines[1], " ") {
		t.Errorf("trailing space: %q", lines[1])
	}
}
