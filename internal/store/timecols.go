package store

import (
	"database/sql"
	"fmt"
	"time"
)

// How both stores keep times in columns: Unix milliseconds (NULL for the
// zero time), plus, for article dates, the zone offset in seconds so that
// the original zone can be shown again.

// UnixMS is t as a column value: Unix milliseconds, or nil for the zero time.
func UnixMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// ZoneOffset is t's zone offset in seconds as a column value, or nil for
// the zero time.
func ZoneOffset(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	_, o := t.Zone()
	return o
}

// FromUnixMS reads a UnixMS column back (in UTC).
func FromUnixMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

// FromUnixMSOffset reads a UnixMS column back in the fixed zone a
// ZoneOffset column recorded; UTC when there is none.
func FromUnixMSOffset(v, o sql.NullInt64) time.Time {
	t := FromUnixMS(v)
	if t.IsZero() || !o.Valid || o.Int64 == 0 {
		return t
	}
	sec := int(o.Int64)
	sign, abs := '+', sec
	if sec < 0 {
		sign, abs = '-', -sec
	}
	return t.In(time.FixedZone(fmt.Sprintf("%c%02d:%02d", sign, abs/3600, abs%3600/60), sec))
}

// LimitOr is n, or def when n is not positive.
func LimitOr(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}
