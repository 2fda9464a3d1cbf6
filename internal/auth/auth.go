// Package auth is the part of newsvault's authentication that is not HTTP:
// the admin password, hashed with argon2id into a PHC string, and the random
// secrets behind sessions and API tokens, with the hashes stored in their
// place. It keeps nothing and serves nothing: the store keeps the hashes,
// package web checks requests, cmd/newsvault sets passwords and makes
// tokens.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Admin is the name of the one user newsvault has.
const Admin = "admin"

// MinPasswordLength is the fewest characters a password may have.
const MinPasswordLength = 12

// maxPasswordLength bounds the work one login attempt can ask for.
const maxPasswordLength = 1024

// Params are the argon2id cost parameters and sizes. They are stored in each
// hash, so they can change without invalidating older hashes.
type Params struct {
	Time    uint32 // passes over memory
	Memory  uint32 // KiB
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are the parameters new passwords are hashed with: OWASP's
// first argon2id configuration (46 MiB, one pass, one lane), a few tenths
// of a second on a small server. Every guess costs an attacker with a copy
// of the database as much; RFC 9106's 64 MiB and three passes would take
// seconds on the small machines newsvault runs on.
func DefaultParams() Params {
	return Params{Time: 1, Memory: 46 * 1024, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// ErrWeakPassword is returned for a password newsvault will not store.
var ErrWeakPassword = errors.New("password too weak")

// ErrBadHash is returned for a stored hash that is not an argon2id PHC
// string this package can read.
var ErrBadHash = errors.New("not an argon2id password hash")

// CheckPassword reports whether password may be stored: at least
// MinPasswordLength characters and at most 1024 bytes.
func CheckPassword(password string) error {
	if n := utf8.RuneCountInString(password); n < MinPasswordLength {
		return fmt.Errorf("%w: %d characters, want at least %d", ErrWeakPassword, n, MinPasswordLength)
	}
	if len(password) > maxPasswordLength {
		return fmt.Errorf("%w: longer than %d bytes", ErrWeakPassword, maxPasswordLength)
	}
	return nil
}

// HashPassword hashes password with argon2id under p and a fresh random
// salt, and returns the PHC string
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key> (unpadded
// standard base64), which carries everything VerifyPassword needs.
func HashPassword(password string, p Params) (string, error) {
	if p.Time == 0 || p.Memory == 0 || p.Threads == 0 || p.SaltLen < 8 || p.KeyLen < 16 {
		return "", fmt.Errorf("hash password: parameters %+v are too small", p)
	}
	salt := make([]byte, p.SaltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password is the one encoded was made
// from, comparing the keys in constant time. It fails only when encoded
// cannot be read.
func VerifyPassword(password, encoded string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	if len(password) > maxPasswordLength {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// HashParams returns the parameters encoded was made with.
func HashParams(encoded string) (Params, error) {
	p, _, _, err := decodeHash(encoded)
	return p, err
}

func decodeHash(encoded string) (Params, []byte, []byte, error) {
	var p Params
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrBadHash
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: version %q", ErrBadHash, parts[2])
	}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrBadHash, kv)
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrBadHash, kv)
			}
			p.Threads = uint8(n)
		default:
			return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrBadHash, kv)
		}
	}
	if p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrBadHash, parts[3])
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrBadHash)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return p, nil, nil, fmt.Errorf("%w: key", ErrBadHash)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// NewPassword returns a random password of 26 base32 characters (130
// bits), for the first run.
func NewPassword() string { return rand.Text() }

// NewSecret returns 256 random bits as unpadded URL-safe base64: a session
// ID or a CSRF token.
func NewSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// TokenPrefix starts every API token, so that secret scanners and people
// can tell one when they see it.
const TokenPrefix = "nvt_"

// NewToken returns a new API token: TokenPrefix and 256 random bits.
func NewToken() string { return TokenPrefix + NewSecret() }

// HashSecret returns the hex SHA-256 of a session ID or API token, which is
// what the store keeps. A fast hash is enough: the secrets are 256 random
// bits, so there is nothing to guess.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
