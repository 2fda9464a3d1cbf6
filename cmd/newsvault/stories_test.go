package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/apijson"
)

// TestStoriesAndRestory imports the stories package's hand-written mirror
// files, lists the stories as JSON, shows one, and re-clusters.
func TestStoriesAndRestory(t *testing.T) {
	ctx, data := context.Background(), t.TempDir()
	if out, err := run(t, ctx, data, "import", "../../internal/stories/testdata/mirror"); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err := run(t, ctx, data, "stories", "--json")
	if err != nil {
		t.Fatalf("stories --json: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var st apijson.Story
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &st) != nil || st.Size != 3 || st.SourceCount != 3 {
		t.Fatalf("stories --json: want one story of 3 articles from 3 outlets:\n%s", out)
	}
	show, err := run(t, ctx, data, "stories", strconv.FormatInt(st.ID, 10))
	if err != nil || !strings.Contains(show, "copy of") || strings.Count(show, "\n") < 5 {
		t.Fatalf("stories %d: %v\n%s", st.ID, err, show)
	}
	re, err := run(t, ctx, data, "restory")
	if err != nil || !strings.Contains(re, "re-clustered 6 articles in ") {
		t.Fatalf("restory: %v\n%s", err, re)
	}
}
