// Package manifest owns the signed inventory of a published directory: a
// MANIFEST file listing the SHA-256 and size of every file in the tree, and a
// MANIFEST.minisig signature over it in minisign's format, so that anyone
// holding the public key can check a downloaded copy with our `verify` or
// with the stock `minisign -Vm MANIFEST -p newsvault.pub`.
//
// The signing key is an ed25519 key kept in the data directory
// (LoadOrCreateKey); its public half is written beside it in minisign's
// public key format. Write lists and signs a directory; Verify checks the
// signature and then names every missing, extra or altered file.
package manifest

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/blake2b"
)

// File names inside a published directory and inside the data directory.
const (
	ManifestName  = "MANIFEST"
	SignatureName = "MANIFEST.minisig"
	// KeyName holds the secret key (ed25519 seed and key id), mode 0600.
	KeyName = "manifest.key"
	// PubName holds the public key in minisign's format.
	PubName = "manifest.pub"

	header = "# newsvault MANIFEST v1: sha256 size path"
	// maxManifest bounds how much of a MANIFEST or signature Verify reads.
	maxManifest = 256 << 20
	maxSigFile  = 64 << 10
)

// Key is a signing key: an ed25519 private key and minisign's 8-byte key id.
type Key struct {
	ID      [8]byte
	Private ed25519.PrivateKey
}

// PublicKey is the verifying half of a Key.
type PublicKey struct {
	ID  [8]byte
	Key ed25519.PublicKey
}

// Public returns the public half of k.
func (k *Key) Public() PublicKey {
	return PublicKey{ID: k.ID, Key: k.Private.Public().(ed25519.PublicKey)}
}

// LoadOrCreateKey reads the signing key from dataDir, or creates one (and its
// minisign public key file) when there is none yet.
func LoadOrCreateKey(dataDir string) (*Key, error) {
	keyPath := filepath.Join(dataDir, KeyName)
	b, err := os.ReadFile(keyPath)
	if err == nil {
		k, err := parseSecret(b)
		if err != nil {
			return nil, fmt.Errorf("manifest key %s: %w", keyPath, err)
		}
		pubPath := filepath.Join(dataDir, PubName)
		if _, err := os.Stat(pubPath); errors.Is(err, fs.ErrNotExist) {
			if err := writeFileAtomic(pubPath, EncodePublicKey(k.Public()), 0o644); err != nil {
				return nil, err
			}
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("manifest key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("manifest key: generate: %w", err)
	}
	k := &Key{Private: priv}
	if _, err := rand.Read(k.ID[:]); err != nil {
		return nil, fmt.Errorf("manifest key: key id: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("manifest key: %w", err)
	}
	sec := "untrusted comment: newsvault manifest signing key (ed25519 seed; keep secret)\n" +
		base64.StdEncoding.EncodeToString(append(k.ID[:], priv.Seed()...)) + "\n"
	if err := writeFileAtomic(keyPath, []byte(sec), 0o600); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(dataDir, PubName), EncodePublicKey(k.Public()), 0o644); err != nil {
		return nil, err
	}
	return k, nil
}

func parseSecret(b []byte) (*Key, error) {
	_, line, err := commentAndLine(b, "untrusted comment: ")
	if err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(line)
	if err != nil || len(raw) != 8+ed25519.SeedSize {
		return nil, errors.New("not a newsvault secret key")
	}
	k := &Key{Private: ed25519.NewKeyFromSeed(raw[8:])}
	copy(k.ID[:], raw[:8])
	return k, nil
}

// EncodePublicKey renders p as a minisign public key file.
func EncodePublicKey(p PublicKey) []byte {
	raw := append([]byte("Ed"), p.ID[:]...)
	raw = append(raw, p.Key...)
	return []byte(fmt.Sprintf("untrusted comment: minisign public key %X\n%s\n",
		binary.LittleEndian.Uint64(p.ID[:]), base64.StdEncoding.EncodeToString(raw)))
}

// ParsePublicKey reads a minisign public key: either a whole key file or just
// its base64 line.
func ParsePublicKey(b []byte) (PublicKey, error) {
	var p PublicKey
	line := strings.TrimSpace(string(b))
	if strings.HasPrefix(line, "untrusted comment:") {
		var err error
		if _, line, err = commentAndLine(b, "untrusted comment: "); err != nil {
			return p, fmt.Errorf("public key: %w", err)
		}
	}
	raw, err := base64.StdEncoding.DecodeString(line)
	if err != nil || len(raw) != 2+8+ed25519.PublicKeySize || string(raw[:2]) != "Ed" {
		return p, errors.New("public key: not a minisign ed25519 public key")
	}
	copy(p.ID[:], raw[2:10])
	p.Key = ed25519.PublicKey(raw[10:])
	return p, nil
}

// LoadPublicKey reads a minisign public key file.
func LoadPublicKey(file string) (PublicKey, error) {
	b, err := readBounded(file, maxSigFile)
	if err != nil {
		return PublicKey{}, err
	}
	p, err := ParsePublicKey(b)
	if err != nil {
		return p, fmt.Errorf("%s: %w", file, err)
	}
	return p, nil
}

// commentAndLine splits "<prefix>comment\nbase64\n..." and returns the comment
// and the base64 line.
func commentAndLine(b []byte, prefix string) (string, string, error) {
	lines := strings.SplitN(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n", 3)
	if len(lines) < 2 || !strings.HasPrefix(lines[0], prefix) {
		return "", "", fmt.Errorf("expected a line starting %q", prefix)
	}
	return strings.TrimPrefix(lines[0], prefix), strings.TrimSpace(lines[1]), nil
}

// Entry is one line of a MANIFEST.
type Entry struct {
	Path   string // slash-separated, relative to the directory
	Size   int64
	SHA256 string // hex
}

// Write lists every regular file under dir (except MANIFEST, MANIFEST.minisig
// and a top-level .git or .newsvault), writes MANIFEST sorted by path and signs it into
// MANIFEST.minisig. It returns the entries written.
func Write(dir string, key *Key) ([]Entry, error) {
	entries, err := Scan(dir)
	if err != nil {
		return nil, err
	}
	body, sig, err := Render(entries, key, time.Now())
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, ManifestName), body, 0o644); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, SignatureName), sig, 0o644); err != nil {
		return nil, err
	}
	return entries, nil
}

// Render returns the MANIFEST body listing entries (sorted by path, as
// Scan returns them) and its signature, timestamped now. A caller that
// stages files itself (publish) writes both beside the files it lists.
func Render(entries []Entry, key *Key, now time.Time) (body, sig []byte, err error) {
	var buf bytes.Buffer
	buf.WriteString(header + "\n")
	for _, e := range entries {
		if strings.ContainsAny(e.Path, "\n\r") {
			return nil, nil, fmt.Errorf("manifest: %q: newline in file name", e.Path)
		}
		fmt.Fprintf(&buf, "%s %d %s\n", e.SHA256, e.Size, e.Path)
	}
	body = buf.Bytes()
	sig, err = Sign(body, key, fmt.Sprintf("timestamp:%d\tfile:%s\tfiles:%d", now.Unix(), ManifestName, len(entries)))
	if err != nil {
		return nil, nil, err
	}
	return body, sig, nil
}

// skipDir reports whether a directory at rel is left out of a manifest:
// a top-level .git (a mirror's repository) and .newsvault (a publish
// target's own bookkeeping, which is not published).
func skipDir(rel string) bool { return rel == ".git" || rel == ".newsvault" }

// Scan hashes every file under dir the way Write lists them, sorted by path.
// A symlink, device or other non-regular file is an error: a published tree
// holds only plain files.
func Scan(dir string) ([]Entry, error) {
	var entries []Entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if skipDir(rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == ManifestName || rel == SignatureName {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", rel)
		}
		if strings.ContainsAny(rel, "\n\r") {
			return fmt.Errorf("%q: newline in file name", rel)
		}
		e, err := hashFile(p)
		if err != nil {
			return err
		}
		e.Path = rel
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("manifest scan %s: %w", dir, err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
	return entries, nil
}

func hashFile(p string) (Entry, error) {
	f, err := os.Open(p)
	if err != nil {
		return Entry{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Entry{}, fmt.Errorf("hash %s: %w", p, err)
	}
	return Entry{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Sign returns a minisign signature file (prehashed, algorithm "ED") over
// data, with trusted as its trusted comment.
func Sign(data []byte, key *Key, trusted string) ([]byte, error) {
	if strings.ContainsAny(trusted, "\r\n") {
		return nil, errors.New("sign: trusted comment has a newline")
	}
	sum := blake2b.Sum512(data)
	sig := ed25519.Sign(key.Private, sum[:])
	global := ed25519.Sign(key.Private, append(append([]byte{}, sig...), trusted...))
	raw := append([]byte("ED"), key.ID[:]...)
	raw = append(raw, sig...)
	out := fmt.Sprintf("untrusted comment: signature from newsvault key %X\n%s\ntrusted comment: %s\n%s\n",
		binary.LittleEndian.Uint64(key.ID[:]), base64.StdEncoding.EncodeToString(raw),
		trusted, base64.StdEncoding.EncodeToString(global))
	return []byte(out), nil
}

// VerifySignature checks a minisign signature file sigFile over data against
// pub, accepting both the prehashed ("ED") and legacy ("Ed") forms, and
// returns the trusted comment.
func VerifySignature(data, sigFile []byte, pub PublicKey) (string, error) {
	lines := strings.Split(strings.ReplaceAll(string(sigFile), "\r\n", "\n"), "\n")
	if len(lines) < 4 || !strings.HasPrefix(lines[0], "untrusted comment:") ||
		!strings.HasPrefix(lines[2], "trusted comment: ") {
		return "", errors.New("signature: not a minisign signature file")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(lines[1]))
	if err != nil || len(raw) != 2+8+ed25519.SignatureSize {
		return "", errors.New("signature: malformed signature line")
	}
	global, err := base64.StdEncoding.DecodeString(strings.TrimSpace(lines[3]))
	if err != nil || len(global) != ed25519.SignatureSize {
		return "", errors.New("signature: malformed global signature line")
	}
	if !bytes.Equal(raw[2:10], pub.ID[:]) {
		return "", fmt.Errorf("signature: made by key %X, not by key %X",
			binary.LittleEndian.Uint64(raw[2:10]), binary.LittleEndian.Uint64(pub.ID[:]))
	}
	sig := raw[10:]
	msg := data
	switch string(raw[:2]) {
	case "ED":
		sum := blake2b.Sum512(data)
		msg = sum[:]
	case "Ed":
	default:
		return "", fmt.Errorf("signature: unknown algorithm %q", raw[:2])
	}
	if !ed25519.Verify(pub.Key, msg, sig) {
		return "", errors.New("signature: does not match the file")
	}
	trusted := strings.TrimPrefix(lines[2], "trusted comment: ")
	if !ed25519.Verify(pub.Key, append(append([]byte{}, sig...), trusted...), global) {
		return "", errors.New("signature: trusted comment was altered")
	}
	return trusted, nil
}

// Report is what Verify found. OK is true only when the signature is good and
// every file matches.
type Report struct {
	SignatureErr error    // nil when MANIFEST.minisig verifies
	Trusted      string   // the signature's trusted comment
	Missing      []string // listed but absent
	Extra        []string // present but not listed
	Altered      []string // present with another size or hash
	Checked      int      // files listed in MANIFEST
}

// OK reports whether the copy is genuine and complete.
func (r *Report) OK() bool {
	return r.SignatureErr == nil && len(r.Missing) == 0 && len(r.Extra) == 0 && len(r.Altered) == 0
}

// String renders the report one problem a line.
func (r *Report) String() string {
	var b strings.Builder
	if r.SignatureErr != nil {
		fmt.Fprintf(&b, "BAD SIGNATURE: %v\n", r.SignatureErr)
	}
	for _, p := range r.Missing {
		fmt.Fprintf(&b, "missing: %s\n", p)
	}
	for _, p := range r.Extra {
		fmt.Fprintf(&b, "extra: %s\n", p)
	}
	for _, p := range r.Altered {
		fmt.Fprintf(&b, "altered: %s\n", p)
	}
	if r.OK() {
		fmt.Fprintf(&b, "ok: %d files match the signed manifest\n", r.Checked)
	}
	return b.String()
}

// Verify checks dir against its MANIFEST and MANIFEST.minisig. An error means
// the check could not be made (no manifest, unreadable tree); everything
// found wrong with the copy is in the report.
func Verify(dir string, pub PublicKey) (*Report, error) {
	body, err := readBounded(filepath.Join(dir, ManifestName), maxManifest)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", dir, err)
	}
	sig, err := readBounded(filepath.Join(dir, SignatureName), maxSigFile)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", dir, err)
	}
	rep := &Report{}
	rep.Trusted, rep.SignatureErr = VerifySignature(body, sig, pub)
	listed, err := parseManifest(body)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", dir, err)
	}
	rep.Checked = len(listed)
	seen := make(map[string]bool, len(listed))
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if skipDir(rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == ManifestName || rel == SignatureName {
			return nil
		}
		want, ok := listed[rel]
		if !ok {
			rep.Extra = append(rep.Extra, rel)
			return nil
		}
		seen[rel] = true
		if !d.Type().IsRegular() {
			rep.Altered = append(rep.Altered, rel)
			return nil
		}
		got, err := hashFile(p)
		if err != nil {
			return err
		}
		if got.Size != want.Size || got.SHA256 != want.SHA256 {
			rep.Altered = append(rep.Altered, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", dir, err)
	}
	for p := range listed {
		if !seen[p] {
			rep.Missing = append(rep.Missing, p)
		}
	}
	sort.Strings(rep.Missing)
	sort.Strings(rep.Extra)
	sort.Strings(rep.Altered)
	return rep, nil
}

func parseManifest(body []byte) (map[string]Entry, error) {
	out := make(map[string]Entry)
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 64<<10)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, " ", 3)
		if len(parts) != 3 || len(parts[0]) != 64 {
			return nil, fmt.Errorf("MANIFEST line %d: malformed", n)
		}
		if _, err := hex.DecodeString(parts[0]); err != nil {
			return nil, fmt.Errorf("MANIFEST line %d: bad hash", n)
		}
		size, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("MANIFEST line %d: bad size", n)
		}
		p := parts[2]
		if p != path.Clean(p) || path.IsAbs(p) || strings.HasPrefix(p, "../") {
			return nil, fmt.Errorf("MANIFEST line %d: unsafe path %q", n, p)
		}
		out[p] = Entry{Path: p, Size: size, SHA256: parts[0]}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("MANIFEST line %d: %w", n+1, err)
	}
	return out, nil
}

func readBounded(file string, limit int64) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, limit)
	}
	return b, nil
}

func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
