package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestTheProductLinksNoMeasuringCode checks what the newsvault binary is
// built from: not package testing, and not the evaluation that runs the
// peer extractors side by side, nor the benchmarks' data and news site.
// (go-trafilatura, which the extractor uses, itself imports go-domdistiller
// and go-shiori/go-readability for its fallback, so those stay linked.)
func TestTheProductLinksNoMeasuringCode(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the packages with")
	}
	out, err := exec.Command(goCmd, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps listed only %d packages:\n%s", len(deps), out)
	}
	for _, pkg := range deps {
		switch {
		case pkg == "testing", strings.HasPrefix(pkg, "testing/"), strings.HasSuffix(pkg, "/internal/extract/eval"),
			strings.HasSuffix(pkg, "/internal/shareddata"), strings.HasSuffix(pkg, "/internal/newssite"):
			t.Errorf("the product binary links %s", pkg)
		}
	}
}
