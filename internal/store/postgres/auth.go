package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsvault/newsvault/internal/store"
)

// Authentication: users' password hashes, sessions and API tokens. Secrets
// are never stored, only their hashes (see package auth).

// PasswordHash returns user's stored password hash, or store.ErrNotFound
// when user has no password yet.
func (s *Store) PasswordHash(ctx context.Context, user string) (string, error) {
	var h string
	if err := s.pool.QueryRow(ctx, `SELECT password_hash FROM users WHERE name = $1`, user).Scan(&h); err != nil {
		return "", notFound(err, "password of "+user)
	}
	return h, nil
}

// SetPassword stores hash as user's password, creating the user if needed,
// and ends every session of user in the same transaction.
func (s *Store) SetPassword(ctx context.Context, user, hash string) error {
	now := time.Now().UnixMilli()
	return s.inTx(ctx, "set password of "+user, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (name, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $3)
			ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`, user, hash, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_name = $1`, user)
		return err
	})
}

// SetPasswordIfNone stores hash as user's password unless user has one,
// and reports whether it did.
func (s *Store) SetPasswordIfNone(ctx context.Context, user, hash string) (bool, error) {
	now := time.Now().UnixMilli()
	tag, err := s.pool.Exec(ctx, `INSERT INTO users (name, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (name) DO NOTHING`, user, hash, now)
	if err != nil {
		return false, fmt.Errorf("set first password of %s: %w", user, err)
	}
	return tag.RowsAffected() == 1, nil
}

// CreateSession stores a new session. Its user must exist.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (id_hash, user_name, csrf_token, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
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
	err := s.pool.QueryRow(ctx, `SELECT user_name, csrf_token, created_at, last_seen_at, expires_at
		FROM sessions WHERE id_hash = $1 AND expires_at > $2`, idHash, now.UnixMilli()).
		Scan(&sess.User, &sess.CSRFToken, &created, &seen, &expires)
	if err != nil {
		return sess, notFound(err, "session")
	}
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = store.FromUnixMS(created), store.FromUnixMS(seen), store.FromUnixMS(expires)
	return sess, nil
}

// TouchSession records that the session was used at seen and moves its
// expiry to expires.
func (s *Store) TouchSession(ctx context.Context, idHash string, seen, expires time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3`,
		store.UnixMS(seen), store.UnixMS(expires), idHash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session. Ending one that does not exist is not an
// error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions that expired before now and
// returns how many there were.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}

// CreateAPIToken stores a new token and sets its ID and, when zero, its
// creation time. A name already used by a live token fails with
// store.ErrConflict (the partial unique index decides, also between
// processes).
func (s *Store) CreateAPIToken(ctx context.Context, tok *store.APIToken) error {
	if tok.CreatedAt.IsZero() {
		tok.CreatedAt = time.Now().UTC()
	}
	err := s.pool.QueryRow(ctx, `INSERT INTO api_tokens (name, token_hash, created_at) VALUES ($1, $2, $3) RETURNING id`,
		tok.Name, tok.Hash, store.UnixMS(tok.CreatedAt)).Scan(&tok.ID)
	if isUniqueViolation(err) {
		return fmt.Errorf("create token %s: %w", tok.Name, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create token %s: %w", tok.Name, err)
	}
	return nil
}

const tokenCols = `id, name, token_hash, created_at, last_used_at, revoked_at`

func scanToken(row pgx.Row) (store.APIToken, error) {
	var t store.APIToken
	var created, used, revoked sql.NullInt64
	err := row.Scan(&t.ID, &t.Name, &t.Hash, &created, &used, &revoked)
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = store.FromUnixMS(created), store.FromUnixMS(used), store.FromUnixMS(revoked)
	return t, err
}

// APITokens lists every token, revoked ones too, oldest first.
func (s *Store) APITokens(ctx context.Context) ([]store.APIToken, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenCols+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.APIToken, error) { return scanToken(r) })
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// APITokenByHash returns the live (not revoked) token whose hash is hash,
// else store.ErrNotFound.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (store.APIToken, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`, hash))
	if err != nil {
		return t, notFound(err, "token")
	}
	return t, nil
}

// TouchAPIToken records that token id was used at at.
func (s *Store) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, store.UnixMS(at), id); err != nil {
		return fmt.Errorf("touch token %d: %w", id, err)
	}
	return nil
}

// RevokeAPIToken revokes the live token id at at; it fails with
// store.ErrNotFound when there is no such live token.
func (s *Store) RevokeAPIToken(ctx context.Context, id int64, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, store.UnixMS(at), id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("revoke token %d: %w", id, store.ErrNotFound)
	}
	return nil
}
