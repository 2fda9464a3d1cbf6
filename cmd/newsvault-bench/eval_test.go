package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/shareddata"
)

// run executes one newsvault-bench command line and returns its output and
// error.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd(func(string) (string, bool) { return "", false })
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(append([]string{"--log-level", "error"}, args...))
	err := cmd.Execute()
	return out.String(), err
}

func TestEveryMeasurementExplainsItself(t *testing.T) {
	for _, verb := range []string{"import", "search", "load", "eval", "stories"} {
		out, err := run(t, verb, "--help")
		if err != nil || !strings.Contains(out, "Usage:") || !strings.Contains(out, "newsvault-bench "+verb) {
			t.Errorf("%s --help: %v\n%s", verb, err, out)
		}
	}
}

func TestEvalOnTheReadabilityTestPages(t *testing.T) {
	data := shareddata.Dir(t, "zh-pages", "mozilla_readability")
	out, err := run(t, "eval", "--shared-data", filepath.Dir(filepath.Dir(data)), "--set", "zh-readability", "--worst", "2")
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, out)
	}
	for _, want := range []string{"zh-readability: 4 pages", "precision", "newsvault", "worst pages"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	if _, err := run(t, "eval", "--set", "no-such-set"); err == nil {
		t.Error("an unknown --set was accepted")
	}
}
