package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/fetch"
)

type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

// sql rewrites a statement written with $N parameters and GREATEST for
// the dialect: SQLite numbers parameters ?N and spells GREATEST max.
func (d dialect) sql(s string) string {
	if d == dialectSQLite {
		s = strings.ReplaceAll(s, "$", "?")
		s = strings.ReplaceAll(s, "GREATEST(", "max(")
	}
	return s
}

// createGateTables makes the host gate's two tables: when each host may be
// asked next, and who holds which of its connection slots until when.
// Times are Unix nanoseconds.
func createGateTables(ctx context.Context, db *sql.DB, d dialect) error {
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS newsvault_host_rate (host TEXT PRIMARY KEY, next_at BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS newsvault_host_slot (host TEXT NOT NULL, slot INTEGER NOT NULL,
			holder TEXT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (host, slot))`,
	} {
		if _, err := db.ExecContext(ctx, d.sql(stmt)); err != nil {
			return fmt.Errorf("host gate tables: %w", err)
		}
	}
	return nil
}

// HostGate is the per-host politeness every process sharing the queue's
// database keeps together: at most Rate requests a second and Conns in
// flight to one host, counted across all workers. Each request reserves
// its turn with one atomic statement (the host's next allowed time moves
// on by 1/Rate) and holds one of the host's numbered slots under a lease,
// so a process killed mid-request frees its slot when the lease ends.
type HostGate struct {
	db     *sql.DB
	d      dialect
	rate   float64
	conns  int
	lease  time.Duration
	holder string
	now    func() time.Time
}

func newHostGate(db *sql.DB, d dialect) *HostGate {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return &HostGate{db: db, d: d, lease: 2 * time.Minute, holder: hex.EncodeToString(b[:]), now: time.Now}
}

// Gate returns the shared gate allowing rate requests a second and conns
// at once to any one host (0 is unlimited), or nil when both are
// unlimited. lease bounds how long a slot stays taken by a process that
// died holding it; it should exceed the longest request (0: 2 minutes).
func (q *Queue) Gate(rate float64, conns int, lease time.Duration) *HostGate {
	if rate <= 0 && conns <= 0 {
		return nil
	}
	g := *q.gate
	g.rate, g.conns = rate, conns
	if lease > 0 {
		g.lease = lease
	}
	return &g
}

// Wait takes one of host's slots and its next turn, waiting for both, and
// returns the func that gives the slot back.
func (g *HostGate) Wait(ctx context.Context, host string) (func(), error) {
	release := func() {}
	if g.conns > 0 {
		var err error
		if release, err = g.takeSlot(ctx, host); err != nil {
			return nil, err
		}
	}
	if g.rate > 0 {
		at, err := g.reserve(ctx, host)
		if err != nil {
			release()
			return nil, err
		}
		if err := fetch.Sleep(ctx, at.Sub(g.now())); err != nil {
			release()
			return nil, fmt.Errorf("shared rate limit for %s: %w", host, err)
		}
	}
	return release, nil
}

// reserve moves host's next allowed time on by one interval and returns
// the time this request may start: the later of now and the old next time.
func (g *HostGate) reserve(ctx context.Context, host string) (time.Time, error) {
	step := int64(float64(time.Second) / g.rate)
	now := g.now().UnixNano()
	var next int64
	err := g.db.QueryRowContext(ctx, g.d.sql(`INSERT INTO newsvault_host_rate (host, next_at) VALUES ($1, $2 + $3)
		ON CONFLICT (host) DO UPDATE SET next_at = GREATEST(newsvault_host_rate.next_at, $2) + $3
		RETURNING next_at`), host, now, step).Scan(&next)
	if err != nil {
		return time.Time{}, fmt.Errorf("shared rate limit for %s: %w", host, err)
	}
	return time.Unix(0, next-step), nil
}

// takeSlot waits for a free (or expired) slot of host and takes it.
func (g *HostGate) takeSlot(ctx context.Context, host string) (func(), error) {
	wait := 10 * time.Millisecond
	holder := g.holder + "-" + newJobID()
	for {
		now := g.now()
		for slot := range g.conns {
			res, err := g.db.ExecContext(ctx, g.d.sql(`INSERT INTO newsvault_host_slot (host, slot, holder, expires_at)
				VALUES ($1, $2, $3, $4)
				ON CONFLICT (host, slot) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
				WHERE newsvault_host_slot.expires_at < $5`),
				host, slot, holder, now.Add(g.lease).UnixNano(), now.UnixNano())
			if err != nil {
				return nil, fmt.Errorf("shared connection slots for %s: %w", host, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				return func() { g.freeSlot(host, slot, holder) }, nil
			}
		}
		if err := fetch.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("wait for one of %d shared connections to %s: %w", g.conns, host, err)
		}
		wait = min(wait*2, 200*time.Millisecond)
	}
}

// freeSlot gives a slot back. It runs after the request whatever its
// context; a failure leaves the slot to expire with its lease.
func (g *HostGate) freeSlot(host string, slot int, holder string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = g.db.ExecContext(ctx, g.d.sql(`DELETE FROM newsvault_host_slot WHERE host = $1 AND slot = $2 AND holder = $3`),
		host, slot, holder)
}
