package store

import "time"

// Session is a signed-in browser. The store keeps only the hash of its ID:
// the ID itself lives in the browser's cookie.
type Session struct {
	IDHash     string // hex SHA-256 of the session ID
	User       string
	CSRFToken  string // the token every state-changing form of this session carries
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// APIToken is a bearer token for the API. The store keeps only the hash of
// the token; it is shown once, when it is made.
type APIToken struct {
	ID         int64
	Name       string
	Hash       string // hex SHA-256 of the token
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: live
}
