package publish

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/newsvault/newsvault/internal/manifest"
)

// isManifest reports whether rel is the signed manifest or its signature,
// which a run lists last and moves into place last.
func isManifest(rel string) bool {
	return rel == manifest.ManifestName || rel == manifest.SignatureName
}

// stageManifest stages MANIFEST (SHA-256 and size of every file the target
// will hold once this run is applied) and MANIFEST.minisig signed with key.
// Both are moved into place after every other file of the run, so a reader
// who sees the new manifest sees the files it lists. When the list did not
// change the old signature stays, so an idle run writes nothing.
func (t *tree) stageManifest(key *manifest.Key, now time.Time) error {
	paths := make([]string, 0, len(t.next.Files))
	for rel := range t.next.Files {
		if !isManifest(rel) {
			paths = append(paths, rel)
		}
	}
	sort.Strings(paths)
	entries := make([]manifest.Entry, 0, len(paths))
	for _, rel := range paths {
		p := filepath.Join(t.dir, filepath.FromSlash(rel))
		if t.isStage[rel] {
			p = filepath.Join(t.dir, metaDir, stagingDir, filepath.FromSlash(rel))
		}
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("manifest: %w", err)
		}
		entries = append(entries, manifest.Entry{Path: rel, Size: fi.Size(), SHA256: t.next.Files[rel]})
	}
	body, sig, err := manifest.Render(entries, key, now)
	if err != nil {
		return err
	}
	wrote, err := t.put(manifest.ManifestName, body)
	if err != nil {
		return err
	}
	_, has := t.next.Files[manifest.SignatureName]
	if _, err := os.Lstat(filepath.Join(t.dir, manifest.SignatureName)); err != nil {
		has = false
	}
	if wrote || !has {
		if _, err := t.put(manifest.SignatureName, sig); err != nil {
			return err
		}
	}
	return nil
}
