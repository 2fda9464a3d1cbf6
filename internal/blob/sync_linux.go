package blob

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncPaths makes the given blobs (and their directory entries) durable.
// On Linux one syncfs(2) of the store's file system does it for all of them
// at once, whatever their number.
func syncPaths(dir string, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}
