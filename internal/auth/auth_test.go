package auth

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

var cheap = Params{Time: 1, Memory: 1024, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestAPasswordHashIsAnArgon2idPHCStringThatVerifies(t *testing.T) {
	const pw = "correct horse battery staple 马"
	h, err := HashPassword(pw, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=47104,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h) {
		t.Fatalf("hash %q is not a PHC argon2id string with the default parameters", h)
	}
	if p, err := HashParams(h); err != nil || p != DefaultParams() {
		t.Errorf("parameters read back: %+v %v", p, err)
	}
	if ok, err := VerifyPassword(pw, h); !ok || err != nil {
		t.Errorf("the right password: %v %v", ok, err)
	}
	for _, wrong := range []string{"", "correct horse battery staple", pw + " ", strings.ToUpper(pw), strings.Repeat("x", 2000)} {
		if ok, err := VerifyPassword(wrong, h); ok || err != nil {
			t.Errorf("wrong password %.40q: %v %v", wrong, ok, err)
		}
	}
	// A fresh salt each time: the same password never hashes the same.
	h2, _ := HashPassword(pw, DefaultParams())
	if h2 == h {
		t.Error("two hashes of one password are equal")
	}
	// The parameters travel with the hash: cheap ones verify as well.
	hc, _ := HashPassword(pw, cheap)
	if ok, _ := VerifyPassword(pw, hc); !ok || !strings.HasPrefix(hc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("cheap hash %q", hc)
	}
}

func TestUnreadableHashesAreErrorsNotMatches(t *testing.T) {
	good, _ := HashPassword("a password long enough", cheap)
	parts := strings.Split(good, "$")
	for _, h := range []string{
		"", "plain text", "$2a$10$abcdefghijklmnopqrstuv", // bcrypt
		strings.Replace(good, "argon2id", "argon2i", 1),
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Replace(good, "m=1024", "m=0", 1),
		strings.Replace(good, "p=1", "p=300", 1),
		strings.Replace(good, "t=1", "x=1", 1),
		strings.Join(append(parts[:4:4], "!!!", parts[5]), "$"),
		strings.Join(append(parts[:4:4], parts[4], "c2hvcnQ"), "$"),
	} {
		ok, err := VerifyPassword("a password long enough", h)
		if ok || !errors.Is(err, ErrBadHash) {
			t.Errorf("%q: %v %v, want ErrBadHash", h, ok, err)
		}
	}
	if _, err := HashPassword("x", Params{Time: 1, Memory: 8, Threads: 1, SaltLen: 4, KeyLen: 32}); err == nil {
		t.Error("a 4-byte salt was accepted")
	}
}

func TestPasswordsShorterThan12CharactersAreRefused(t *testing.T) {
	for _, tc := range []struct {
		pw string
		ok bool
	}{
		{"", false}, {"elevenchars", false}, {"twelve chars", true},
		{"十一个汉字的口令不够长", false}, {"十二个汉字的口令就够长了", true},
		{strings.Repeat("a", 1025), false},
	} {
		err := CheckPassword(tc.pw)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrWeakPassword)) {
			t.Errorf("CheckPassword(%.20q) = %v", tc.pw, err)
		}
	}
}

func TestSecretsAreRandom256BitsAndStoredAsTheirHash(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := NewSecret()
		if len(s) != 43 || seen[s] {
			t.Fatalf("secret %q (len %d, seen %v)", s, len(s), seen[s])
		}
		seen[s] = true
	}
	tok := NewToken()
	if !strings.HasPrefix(tok, TokenPrefix) || len(tok) != len(TokenPrefix)+43 {
		t.Errorf("token %q", tok)
	}
	if h := HashSecret(tok); len(h) != 64 || h == HashSecret(NewToken()) || h != HashSecret(tok) {
		t.Errorf("hash %q", h)
	}
	if pw := NewPassword(); len(pw) != 26 || CheckPassword(pw) != nil {
		t.Errorf("first password %q", pw)
	}
}
