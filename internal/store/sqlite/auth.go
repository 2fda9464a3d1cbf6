package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/newsvault/newsvault/internal/store"
)

// Authentication: users' password hashes, sessions and API tokens. Secrets
// are never stored, only their hashes (see package auth).

// PasswordHash returns user's stored password hash, or store.ErrNotFound
// when user has no password yet.
func (s *Store) PasswordHash(ctx context.Context, user string) (string, error) {
	var h string
	err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE name = ?`, user).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("password of %s: %w", user, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("password of %s: %w", user, err)
	}
	return h, nil
}

// SetPassword stores hash as user's password, creating the user if needed,
// and ends every session of user in the same transaction: after a password
// change only the new password signs in.
func (s *Store) SetPassword(ctx context.Context, user, hash string) error {
	now := time.Now().UnixMilli()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", user, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO users (name, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`,
		user, hash, now, now); err != nil {
		return fmt.Errorf("set password of %s: %w", user, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_name = ?`, user); err != nil {
		return fmt.Errorf("set password of %s: end sessions: %w", user, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set password of %s: %w", user, err)
	}
	return nil
}

// SetPasswordIfNone stores hash as user's password unless user has one,
// and reports whether it did. Two servers starting at once on one database
// cannot both set a first password.
func (s *Store) SetPasswordIfNone(ctx context.Context, user, hash string) (bool, error) {
	now := time.Now().UnixMilli()
	res, err := s.db.ExecContext(ctx, `INSERT INTO users (name, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, user, hash, now, now)
	if err != nil {
		return false, fmt.Errorf("set first password of %s: %w", user, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("set first password of %s: %w", user, err)
	}
	return n == 1, nil
}

// CreateSession stores a new session. Its user must exist.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_name, csrf_token, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		sess.IDHash, sess.User, sess.CSRFToken, store.UnixMS(sess.CreatedAt), store.UnixMS(sess.LastSeenAt), store.UnixMS(sess.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session returns the session whose ID hashes to idHash if it has not
// expired at now, else store.ErrNotFound.
func (s *Store) Session(ctx context.Context, idHash string, now time.Time) (store.Session, error) {
	sess := store.Session{IDHash: idHash}
	var created, seen, expires sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT user_name, csrf_token, created_at, last_seen_at, expires_at
		FROM sessions WHERE id_hash = ? AND expires_at > ?`, idHash, now.UnixMilli()).
		Scan(&sess.User, &sess.CSRFToken, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return sess, fmt.Errorf("session: %w", err)
	}
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = store.FromUnixMS(created), store.FromUnixMS(seen), store.FromUnixMS(expires)
	return sess, nil
}

// TouchSession records that the session was used at seen and moves its
// expiry to expires.
func (s *Store) TouchSession(ctx context.Context, idHash string, seen, expires time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?`,
		store.UnixMS(seen), store.UnixMS(expires), idHash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session. Ending one that does not exist is not an
// error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions that expired before now and
// returns how many there were.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// CreateAPIToken stores a new token and sets its ID and, when zero, its
// creation time. A name already used by a live token fails with
// store.ErrConflict.
func (s *Store) CreateAPIToken(ctx context.Context, tok *store.APIToken) error {
	if tok.CreatedAt.IsZero() {
		tok.CreatedAt = time.Now().UTC()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create token %s: %w", tok.Name, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE name = ? AND revoked_at IS NULL`, tok.Name).Scan(&n); err != nil {
		return fmt.Errorf("create token %s: %w", tok.Name, err)
	}
	if n > 0 {
		return fmt.Errorf("create token %s: %w", tok.Name, store.ErrConflict)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (name, token_hash, created_at) VALUES (?, ?, ?)`,
		tok.Name, tok.Hash, store.UnixMS(tok.CreatedAt))
	if err != nil {
		return fmt.Errorf("create token %s: %w", tok.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create token %s: %w", tok.Name, err)
	}
	tok.ID, _ = res.LastInsertId()
	return nil
}

const tokenCols = `id, name, token_hash, created_at, last_used_at, revoked_at`

func scanToken(row interface{ Scan(...any) error }) (store.APIToken, error) {
	var t store.APIToken
	var created, used, revoked sql.NullInt64
	err := row.Scan(&t.ID, &t.Name, &t.Hash, &created, &used, &revoked)
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = store.FromUnixMS(created), store.FromUnixMS(used), store.FromUnixMS(revoked)
	return t, err
}

// APITokens lists every token, revoked ones too, oldest first.
func (s *Store) APITokens(ctx context.Context) ([]store.APIToken, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []store.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// APITokenByHash returns the live (not revoked) token whose hash is hash,
// else store.ErrNotFound.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (store.APIToken, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("token: %w", err)
	}
	return t, nil
}

// TouchAPIToken records that token id was used at at.
func (s *Store) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, store.UnixMS(at), id); err != nil {
		return fmt.Errorf("touch token %d: %w", id, err)
	}
	return nil
}

// RevokeAPIToken revokes the live token id at at; it fails with
// store.ErrNotFound when there is no such live token.
func (s *Store) RevokeAPIToken(ctx context.Context, id int64, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, store.UnixMS(at), id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke token %d: %w", id, store.ErrNotFound)
	}
	return nil
}
