package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// TestEachCaptureWalksEveryCaptureInOrderWithItsArticle stores more
// captures than one page holds, two of them with articles (one of those
// with two versions from the same capture's URL), and walks them: every
// capture once, in stored order, the linked ones naming the latest version
// extracted from them.
func TestEachCaptureWalksEveryCaptureInOrderWithItsArticle(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	at := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	n := capturePage + 37
	for i := range n {
		c := &archive.Capture{URL: fmt.Sprintf("https://example.com/raw/%d", i), Status: 200, FetchedAt: at, BodyHash: fmt.Sprintf("%064x", i), Size: 10}
		if _, err := s.SaveCapture(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	w := write("https://example.com/a", "第一版", "<p>第一版</p>", at)
	w.Capture = &archive.Capture{URL: "https://example.com/a", Status: 200, FetchedAt: at, BodyHash: fmt.Sprintf("%064x", n+1), Size: 5}
	r, err := s.SaveArticle(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	w2 := write("https://example.com/a", "第二版", "<p>第二版</p>", at)
	w2.Capture = &archive.Capture{URL: "https://example.com/a", Status: 200, FetchedAt: at, BodyHash: fmt.Sprintf("%064x", n+2), Size: 5}
	r2, err := s.SaveArticle(ctx, w2)
	if err != nil {
		t.Fatal(err)
	}
	var seen int
	var last int64
	links := map[string]*store.CaptureLink{}
	err = s.EachCapture(ctx, func(c archive.Capture, l *store.CaptureLink) error {
		if c.ID <= last {
			t.Fatalf("capture %d after %d", c.ID, last)
		}
		last = c.ID
		seen++
		if l != nil {
			links[c.BodyHash] = l
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != n+2 || len(links) != 2 {
		t.Fatalf("walked %d captures (want %d), %d linked (want 2)", seen, n+2, len(links))
	}
	first, second := links[fmt.Sprintf("%064x", n+1)], links[fmt.Sprintf("%064x", n+2)]
	if first == nil || second == nil || first.VersionID != r.VersionID || second.VersionID != r2.VersionID ||
		second.VersionSeq != 2 || second.ArticleURL != "https://example.com/a" || second.ArticleTitle != "第二版" || second.ArticleID != r.ArticleID {
		t.Errorf("links %+v %+v", first, second)
	}
}

// TestHasImportedFileFindsImportedFilesByHashAlone: an imported file (a
// capture of file://) is found by its body hash whatever its article URL;
// the same bytes fetched over HTTP, or a failed capture, are not an
// imported file; and the question is one search of the partial index.
func TestHasImportedFileFindsImportedFilesByHashAlone(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	at := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	hash := func(i int) string { return fmt.Sprintf("%064x", i) }
	for _, c := range []archive.Capture{
		{URL: "https://example.com/a", FinalURL: "file:///in/a.md", FetchedAt: at, BodyHash: hash(1)},
		{URL: "https://example.com/b", FinalURL: "https://example.com/b", Status: 200, FetchedAt: at, BodyHash: hash(2)},
		{URL: "https://example.com/c", FinalURL: "file:///in/c.md", FetchedAt: at, BodyHash: hash(3), Error: "read failed"},
	} {
		if _, err := s.SaveCapture(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range map[int]bool{1: true, 2: false, 3: false, 4: false} {
		got, err := s.HasImportedFile(ctx, hash(i))
		if err != nil || got != want {
			t.Errorf("HasImportedFile(%d) = %v, %v; want %v", i, got, err, want)
		}
	}
	var id, parent, unused int
	var detail string
	err := s.db.QueryRowContext(ctx, `EXPLAIN QUERY PLAN `+importedFileQuery, hash(1)).
		Scan(&id, &parent, &unused, &detail)
	if err != nil || !strings.Contains(detail, "captures_file_hash") {
		t.Errorf("imported-file plan %q (%v), want a search of captures_file_hash", detail, err)
	}
}
