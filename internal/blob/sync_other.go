//go:build !linux

package blob

import (
	"os"
	"path/filepath"
)

// syncPaths makes the given blobs durable by syncing each file and each
// directory holding one.
func syncPaths(dir string, paths []string) error {
	dirs := map[string]bool{}
	for _, p := range paths {
		if err := syncFile(p); err != nil {
			return err
		}
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

func syncFile(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
