// Package warciotest gives tests webrecorder's warcio, an outside WARC
// reader to check the files we write against: installed once per machine
// with npm into the user cache directory, and a skip with the reason when
// node or npm are missing or the install fails.
package warciotest

//newsvault:direct-client test-only helper: runs npm to install warcio for tests; never linked into the product

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Bin returns the path of the warcio command, installing it when needed,
// or skips t.
func Bin(t testing.TB) string {
	t.Helper()
	npm, err := exec.LookPath("npm")
	if _, nerr := exec.LookPath("node"); err != nil || nerr != nil {
		t.Skip("node/npm missing: install them and `npm install warcio` to check our WARC files with an outside reader")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "newsvault-test", "warcio")
	bin := filepath.Join(dir, "node_modules", ".bin", "warcio")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Skipf("warcio cache %s: %v", dir, err)
	}
	cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "warcio")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("npm install warcio failed (%v); skipping the outside-reader check:\n%s", err, out)
	}
	return bin
}
