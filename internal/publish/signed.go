package publish

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/newsvault/newsvault/internal/manifest"
)

// isManifest reports whether rel is the signed manifest or its signature,
// which a run lists last and moves into place last.
func isManifest(rel string) bool {
	return rel == manifest.ManifestName || rel == manifest.SignatureName
}

// stageManifest stages MANIFEST (SHA-256 and size of every file the target
// will hold once this run is applied, as the state records them: no file
// is read or hashed again) and MANIFEST.minisig signed with key. Both are
// moved into place after every other file of the run, so a reader who sees
// the new manifest sees the files it lists. When the list did not change
// the old signature stays, so an idle run writes nothing.
func (t *tree) stageManifest(key *manifest.Key, now time.Time) error {
	rows, err := t.tx.Query(`SELECT path, size, sha256 FROM files WHERE path NOT IN (?, ?) ORDER BY path`, manifest.ManifestName, manifest.SignatureName)
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	var entries []manifest.Entry
	for rows.Next() {
		var e manifest.Entry
		if err := rows.Scan(&e.Path, &e.Size, &e.SHA256); err != nil {
			rows.Close()
			return fmt.Errorf("manifest: %w", err)
		}
		entries = append(entries, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	body, sig, err := manifest.Render(entries, key, now)
	if err != nil {
		return err
	}
	wrote, err := t.put(manifest.ManifestName, body)
	if err != nil {
		return err
	}
	has, err := t.fileHash(manifest.SignatureName)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(filepath.Join(t.dir, manifest.SignatureName)); err != nil {
		has = ""
	}
	if wrote || has == "" {
		if _, err := t.put(manifest.SignatureName, sig); err != nil {
			return err
		}
	}
	return nil
}
