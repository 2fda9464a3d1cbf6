package manifest

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// tree writes a small published directory, with nested dirs and CJK names.
func tree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"index.html":                 "<!doctype html><title>首页</title>",
		"articles/2024/01/a.html":    "<p>第一篇</p>",
		"articles/2024/01/b.html":    "<p>第二篇 edited</p>",
		"assets/img/文件 名.png":        "\x89PNG\r\n\x1a\n",
		"feeds/atom.xml":             "<feed/>",
		".newsvault-target":          "static",
		".git/HEAD":                  "ref: refs/heads/main\n",
		"articles/2024/02/empty.txt": "",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func keyAndTree(t *testing.T) (*Key, string, string) {
	t.Helper()
	data := t.TempDir()
	k, err := LoadOrCreateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	dir := tree(t)
	if _, err := Write(dir, k); err != nil {
		t.Fatal(err)
	}
	return k, data, dir
}

func TestKeyPersists(t *testing.T) {
	data := t.TempDir()
	k1, err := LoadOrCreateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreateKey(data)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Private.Equal(k2.Private) || k1.ID != k2.ID {
		t.Fatal("second LoadOrCreateKey made a new key")
	}
	st, err := os.Stat(filepath.Join(data, KeyName))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("secret key mode %v, want 0600", st.Mode().Perm())
	}
	pub, err := LoadPublicKey(filepath.Join(data, PubName))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pub, k1.Public()) {
		t.Error("public key file does not hold the key's public half")
	}
}

func TestWriteVerifyOK(t *testing.T) {
	k, _, dir := keyAndTree(t)
	body, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")[1:]
	if len(lines) != 7 { // 8 files minus .git/HEAD
		t.Fatalf("manifest has %d entries, want 7:\n%s", len(lines), body)
	}
	for i := 1; i < len(lines); i++ {
		if strings.SplitN(lines[i-1], " ", 3)[2] >= strings.SplitN(lines[i], " ", 3)[2] {
			t.Errorf("manifest not sorted at %q", lines[i])
		}
	}
	if !strings.Contains(string(body), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 articles/2024/02/empty.txt\n") {
		t.Errorf("empty file line wrong:\n%s", body)
	}
	rep, err := Verify(dir, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Checked != 7 {
		t.Fatalf("fresh copy does not verify: %s", rep)
	}
}

func TestVerifyNamesAlteredMissingExtra(t *testing.T) {
	k, _, dir := keyAndTree(t)
	// change one byte of one file, keeping its size
	p := filepath.Join(dir, "articles", "2024", "01", "b.html")
	b, _ := os.ReadFile(p)
	b[3] ^= 1
	os.WriteFile(p, b, 0o644)
	os.Remove(filepath.Join(dir, "feeds", "atom.xml"))
	os.WriteFile(filepath.Join(dir, "assets", "img", "new.js"), []byte("alert(1)"), 0o644)

	rep, err := Verify(dir, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.SignatureErr != nil {
		t.Fatalf("want a good signature and file problems, got %s", rep)
	}
	if !reflect.DeepEqual(rep.Altered, []string{"articles/2024/01/b.html"}) ||
		!reflect.DeepEqual(rep.Missing, []string{"feeds/atom.xml"}) ||
		!reflect.DeepEqual(rep.Extra, []string{"assets/img/new.js"}) {
		t.Fatalf("report: %+v", rep)
	}
	s := rep.String()
	for _, want := range []string{"altered: articles/2024/01/b.html", "missing: feeds/atom.xml", "extra: assets/img/new.js"} {
		if !strings.Contains(s, want) {
			t.Errorf("report text lacks %q:\n%s", want, s)
		}
	}
}

func TestVerifyBadSignature(t *testing.T) {
	k, _, dir := keyAndTree(t)
	sigPath := filepath.Join(dir, SignatureName)
	orig, _ := os.ReadFile(sigPath)

	// an edited MANIFEST (hiding an altered file) breaks the signature
	mp := filepath.Join(dir, ManifestName)
	body, _ := os.ReadFile(mp)
	os.WriteFile(mp, append(body, []byte("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 planted\n")...), 0o644)
	os.WriteFile(filepath.Join(dir, "planted"), nil, 0o644)
	rep, err := Verify(dir, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.SignatureErr == nil || !strings.Contains(rep.String(), "BAD SIGNATURE") {
		t.Fatalf("edited manifest passed: %s", rep)
	}
	os.WriteFile(mp, body, 0o644)
	os.Remove(filepath.Join(dir, "planted"))

	// an altered trusted comment breaks the global signature
	tampered := strings.Replace(string(orig), "trusted comment: timestamp:", "trusted comment: timestamp:1", 1)
	os.WriteFile(sigPath, []byte(tampered), 0o644)
	rep, err = Verify(dir, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if rep.SignatureErr == nil || !strings.Contains(rep.SignatureErr.Error(), "trusted comment") {
		t.Fatalf("tampered trusted comment passed: %v", rep.SignatureErr)
	}

	// another key's public key is refused by key id
	other, err := LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(sigPath, orig, 0o644)
	rep, err = Verify(dir, other.Public())
	if err != nil {
		t.Fatal(err)
	}
	if rep.SignatureErr == nil {
		t.Fatal("signature verified under another key")
	}
	// a forged signature with the right key id but other key material
	forged := *other
	forged.ID = k.ID
	if _, err := Write(dir, &forged); err != nil {
		t.Fatal(err)
	}
	rep, _ = Verify(dir, k.Public())
	if rep.SignatureErr == nil {
		t.Fatal("forged signature verified")
	}
	// garbage signature file
	os.WriteFile(sigPath, []byte("hello\n"), 0o644)
	rep, _ = Verify(dir, k.Public())
	if rep.SignatureErr == nil {
		t.Fatal("garbage signature verified")
	}
}

func TestVerifyRefusesUnsafeManifestPath(t *testing.T) {
	k, _, dir := keyAndTree(t)
	body := []byte(header + "\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0 ../../etc/passwd\n")
	sig, _ := Sign(body, k, "x")
	os.WriteFile(filepath.Join(dir, ManifestName), body, 0o644)
	os.WriteFile(filepath.Join(dir, SignatureName), sig, 0o644)
	if _, err := Verify(dir, k.Public()); err == nil || !strings.Contains(err.Error(), "unsafe path") {
		t.Fatalf("err = %v, want unsafe path", err)
	}
}

// TestMinisignVerifies checks our files with the real minisign tool.
func TestMinisignVerifies(t *testing.T) {
	bin, err := exec.LookPath("minisign")
	if err != nil {
		t.Skip("minisign not installed (apt-get install minisign); cannot cross-check the signature format")
	}
	_, data, dir := keyAndTree(t)
	pub := filepath.Join(data, PubName)
	out, err := exec.Command(bin, "-Vm", filepath.Join(dir, ManifestName), "-p", pub).CombinedOutput()
	if err != nil {
		t.Fatalf("minisign -V failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Signature and comment signature verified") ||
		!strings.Contains(string(out), "files:7") {
		t.Errorf("minisign output: %s", out)
	}
	// minisign must also refuse a changed manifest
	mp := filepath.Join(dir, ManifestName)
	b, _ := os.ReadFile(mp)
	b[len(b)-2] ^= 1
	os.WriteFile(mp, b, 0o644)
	if out, err := exec.Command(bin, "-Vm", mp, "-p", pub).CombinedOutput(); err == nil {
		t.Fatalf("minisign accepted a changed manifest: %s", out)
	}
}

// TestMinisignSignatureAccepted checks that a signature made by the real
// minisign tool verifies with our code.
func TestMinisignSignatureAccepted(t *testing.T) {
	bin, err := exec.LookPath("minisign")
	if err != nil {
		t.Skip("minisign not installed (apt-get install minisign); cannot cross-check the signature format")
	}
	d := t.TempDir()
	pubF, secF := filepath.Join(d, "k.pub"), filepath.Join(d, "k.key")
	if out, err := exec.Command(bin, "-G", "-W", "-p", pubF, "-s", secF).CombinedOutput(); err != nil {
		t.Fatalf("minisign -G: %v\n%s", err, out)
	}
	msg := filepath.Join(d, "m")
	os.WriteFile(msg, []byte("hello 你好\n"), 0o644)
	for _, legacy := range []bool{false, true} {
		args := []string{"-S", "-s", secF, "-m", msg, "-t", "tc"}
		if legacy {
			args = append(args, "-l")
		}
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("minisign -S: %v\n%s", err, out)
		}
		pub, err := LoadPublicKey(pubF)
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := os.ReadFile(msg + ".minisig")
		data, _ := os.ReadFile(msg)
		tc, err := VerifySignature(data, sig, pub)
		if err != nil || tc != "tc" {
			t.Fatalf("legacy=%v: our verify of minisign's signature: %q %v", legacy, tc, err)
		}
	}
}
