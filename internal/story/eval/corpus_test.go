package eval

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/newsvault/newsvault/internal/mirror"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/shareddata"
)

// doc is one corpus article: its path relative to shared/data is its ID.
type doc struct {
	ID, Source, Title, Text string
	Time                    time.Time
}

var (
	foldOnce sync.Once
	foldFn   func(string) string
)

// folder returns search's traditional→simplified fold (internal/zh after
// the move).
func folder(tb testing.TB) func(string) string {
	foldOnce.Do(func() {
		a, err := search.NewAnalyzer()
		if err != nil {
			tb.Fatalf("analyzer: %v", err)
		}
		foldFn = a.Fold
	})
	return foldFn
}

// plainText turns a mirror file's HTML into text, one line per block.
func plainText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "p", "div", "br", "h1", "h2", "h3", "h4", "li", "blockquote", "figcaption", "tr":
				b.WriteByte('\n')
			}
		}
	}
}

type manifestLine struct {
	File  string `json:"file"`
	Site  string `json:"site"`
	PubMS int64  `json:"pub_ms"`
	Title string `json:"title"`
}

var (
	corpusOnce sync.Once
	corpusDocs []doc
	corpusErr  error
)

// corpus loads every article of news-md and news-md-jekyll, in arrival
// (publication) order.
func corpus(tb testing.TB) []doc {
	root := shareddata.Dir(tb)
	shareddata.Dir(tb, "news-md.manifest.jsonl")
	corpusOnce.Do(func() {
		for _, m := range []string{"news-md.manifest.jsonl", "news-md-jekyll.manifest.jsonl"} {
			f, err := os.Open(filepath.Join(root, m))
			if err != nil {
				corpusErr = err
				return
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var ml manifestLine
				if err := json.Unmarshal(sc.Bytes(), &ml); err != nil {
					corpusErr = err
					return
				}
				e, err := mirror.ReadFile(filepath.Join(root, ml.File))
				if err != nil {
					continue // a file the mirror parser rejects is not an article
				}
				corpusDocs = append(corpusDocs, doc{ID: ml.File, Source: ml.Site, Title: e.Title,
					Text: plainText(e.HTML), Time: time.UnixMilli(ml.PubMS).UTC()})
			}
			f.Close()
		}
		slices.SortStableFunc(corpusDocs, func(a, b doc) int {
			if c := a.Time.Compare(b.Time); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
	})
	if corpusErr != nil {
		tb.Fatalf("load corpus: %v", corpusErr)
	}
	return corpusDocs
}
