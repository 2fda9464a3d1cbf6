package eval

import (
	"fmt"
	"os"
	"testing"

	"github.com/newsvault/newsvault/internal/story"
)

// TestDumpCandidates prints candidate stories for hand-checking when
// NEWSVAULT_DUMP_STORIES is set; the labels in testdata were made from its
// output, read and corrected by hand.
func TestDumpCandidates(t *testing.T) {
	if os.Getenv("NEWSVAULT_DUMP_STORIES") == "" {
		t.Skip("set NEWSVAULT_DUMP_STORIES=1 to print candidate stories")
	}
	docs := corpus(t)
	cfg := story.DefaultConfig()
	cfg.Threshold = 0.2
	c := story.New(cfg, folder(t))
	byID := map[string]doc{}
	for _, d := range docs {
		byID[d.ID] = d
		if _, err := c.Assign(story.Article{ID: d.ID, Source: d.Source, Title: d.Title, Text: d.Text, Time: d.Time}); err != nil {
			t.Fatal(err)
		}
	}
	c.Refine()
	for _, s := range c.Stories(3) {
		if len(s.Sources) < 2 {
			continue
		}
		fmt.Printf("== %d %q %d\n", s.ID, s.Title, len(s.Articles))
		for _, a := range s.Articles {
			fmt.Printf("  %s\t%s\n", byID[a].Time.Format("01-02"), a)
		}
	}
}
