package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/store"
)

func TestAPasswordChangeEndsTheUsersSessions(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	if _, err := s.PasswordHash(ctx, "admin"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no password yet: %v", err)
	}
	if set, err := s.SetPasswordIfNone(ctx, "admin", "$first"); !set || err != nil {
		t.Fatalf("first password: %v %v", set, err)
	}
	if set, err := s.SetPasswordIfNone(ctx, "admin", "$second"); set || err != nil {
		t.Fatalf("a second first password: %v %v", set, err)
	}
	now := time.Now()
	for _, id := range []string{"a", "b"} {
		if err := s.CreateSession(ctx, store.Session{IDHash: id, User: "admin", CSRFToken: "csrf-" + id, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Session(ctx, "a", now)
	if err != nil || got.User != "admin" || got.CSRFToken != "csrf-a" || !got.ExpiresAt.Equal(now.Add(time.Hour).Truncate(time.Millisecond)) {
		t.Fatalf("session: %+v %v", got, err)
	}
	if err := s.SetPassword(ctx, "admin", "$changed"); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.PasswordHash(ctx, "admin"); h != "$changed" {
		t.Errorf("hash %q", h)
	}
	for _, id := range []string{"a", "b"} {
		if _, err := s.Session(ctx, id, now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("session %s after a password change: %v", id, err)
		}
	}
	// It survives reopening.
	s.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if h, _ := s2.PasswordHash(ctx, "admin"); h != "$changed" {
		t.Errorf("hash after reopening %q", h)
	}
}

func TestSessionsExpireSlideAndEnd(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	if err := s.SetPassword(ctx, "admin", "$h"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := s.CreateSession(ctx, store.Session{IDHash: "old", User: "admin", CSRFToken: "x", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, store.Session{IDHash: "nobody", User: "root", CSRFToken: "x", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Minute)}); err == nil {
		t.Error("a session of a user that does not exist was stored")
	}
	if _, err := s.Session(ctx, "old", now.Add(2*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an expired session: %v", err)
	}
	if err := s.TouchSession(ctx, "old", now.Add(30*time.Second), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, "old", now.Add(2*time.Minute)); err != nil || got.LastSeenAt.Before(now) {
		t.Errorf("a touched session: %+v %v", got, err)
	}
	if n, err := s.DeleteExpiredSessions(ctx, now.Add(2*time.Hour)); n != 1 || err != nil {
		t.Errorf("expired sessions deleted: %d %v", n, err)
	}
	if err := s.CreateSession(ctx, store.Session{IDHash: "new", User: "admin", CSRFToken: "x", CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, "new"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "new", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted session: %v", err)
	}
}

func TestTokensAreFoundByHashUntilRevoked(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	a := store.APIToken{Name: "ci", Hash: "hash-a"}
	if err := s.CreateAPIToken(ctx, &a); err != nil || a.ID == 0 || a.CreatedAt.IsZero() {
		t.Fatalf("create: %+v %v", a, err)
	}
	if err := s.CreateAPIToken(ctx, &store.APIToken{Name: "ci", Hash: "hash-b"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second live token named ci: %v", err)
	}
	got, err := s.APITokenByHash(ctx, "hash-a")
	if err != nil || got.ID != a.ID || got.Name != "ci" || !got.LastUsedAt.IsZero() {
		t.Fatalf("by hash: %+v %v", got, err)
	}
	used := time.Now()
	if err := s.TouchAPIToken(ctx, a.ID, used); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.APITokenByHash(ctx, "hash-a"); !got.LastUsedAt.Equal(used.Truncate(time.Millisecond)) {
		t.Errorf("last used %v, want %v", got.LastUsedAt, used)
	}
	if err := s.RevokeAPIToken(ctx, a.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAPIToken(ctx, a.ID, time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking twice: %v", err)
	}
	if _, err := s.APITokenByHash(ctx, "hash-a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a revoked token is found: %v", err)
	}
	// Its name is free again; the list keeps both.
	if err := s.CreateAPIToken(ctx, &store.APIToken{Name: "ci", Hash: "hash-c"}); err != nil {
		t.Errorf("reusing a revoked name: %v", err)
	}
	list, err := s.APITokens(ctx)
	if err != nil || len(list) != 2 || list[0].RevokedAt.IsZero() || !list[1].RevokedAt.IsZero() {
		t.Errorf("list: %+v %v", list, err)
	}
}
