// Package shareddata locates the real test and benchmark data kept outside the
// repository (../shared/data next to the checkout). Tests that need it call
// Dir, which skips the test with a clear message when the data is absent, so
// the suite passes on a fresh machine from the README alone.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvVar names the environment variable that can point at the data directory
// directly.
const EnvVar = "NEWSVAULT_SHARED_DATA"

// Find returns the shared data directory, or "" when there is none. It looks
// at $NEWSVAULT_SHARED_DATA, then for shared/data in the working directory and
// each of its parents.
func Find() string {
	if d := os.Getenv(EnvVar); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		return ""
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		cand := filepath.Join(dir, "shared", "data")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Dir returns the shared data directory joined with elem, and skips tb when
// it is missing.
func Dir(tb testing.TB, elem ...string) string {
	tb.Helper()
	d := Find()
	if d == "" {
		tb.Skipf("shared test data not found: put it at ../shared/data beside the checkout or set %s", EnvVar)
	}
	p := filepath.Join(append([]string{d}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared test data %s not found: %v", p, err)
	}
	return p
}
