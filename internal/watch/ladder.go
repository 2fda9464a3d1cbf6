// Package watch owns the decisions behind re-checking archived articles:
// when to check again (the Ladder), what one check found (Classify: an
// article unchanged, edited, removed, unavailable or replaced by another
// one), and how the article's status moves over many checks (Step: a
// removal is confirmed before it is announced, an outage never becomes a
// removal, a long outage becomes "site unreachable", a removed article can
// be restored).
//
// Everything here is a pure function of its inputs and of the time it is
// given; the package does no I/O. Fetching, extracting, storing the
// captures and versions, and picking due work belong to the callers.
package watch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Ladder is a re-check schedule: the delays after an article was first
// seen at which it is checked again, in increasing order. An empty Ladder
// means the article is not re-checked on a schedule ("off").
type Ladder []time.Duration

const day = 24 * time.Hour

// DefaultLadder checks an article 1 hour, 6 hours, 1, 3, 7, 30, 90 and 365
// days after it was first seen.
var DefaultLadder = Ladder{time.Hour, 6 * time.Hour, day, 3 * day, 7 * day, 30 * day, 90 * day, 365 * day}

// SensitiveLadder is the denser schedule for sources whose articles are
// likely to be edited or removed within hours (as censored posts are).
var SensitiveLadder = Ladder{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour,
	8 * time.Hour, 12 * time.Hour, day, 2 * day, 3 * day, 5 * day, 7 * day, 14 * day, 30 * day, 60 * day,
	90 * day, 180 * day, 365 * day}

// ErrBadLadder is what ParseLadder's errors wrap.
var ErrBadLadder = errors.New("bad re-check ladder")

// ParseLadder reads a ladder: "default", "sensitive", "off" (or ""), or a
// comma-separated list of delays such as "1h,6h,1d,3d,7d,30d,90d,365d".
// A delay is a number followed by m (minutes), h, d or w; the list must be
// strictly increasing and every delay at least one minute.
func ParseLadder(s string) (Ladder, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "off", "none":
		return Ladder{}, nil
	case "default":
		return append(Ladder(nil), DefaultLadder...), nil
	case "sensitive":
		return append(Ladder(nil), SensitiveLadder...), nil
	}
	parts := strings.Split(s, ",")
	l := make(Ladder, 0, len(parts))
	for _, p := range parts {
		d, err := parseDelay(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("%w %q: %v", ErrBadLadder, s, err)
		}
		if n := len(l); n > 0 && d <= l[n-1] {
			return nil, fmt.Errorf("%w %q: %s does not come after %s", ErrBadLadder, s, formatDelay(d), formatDelay(l[n-1]))
		}
		l = append(l, d)
	}
	return l, nil
}

// maxDelay bounds one delay, so that adding it to a time cannot overflow.
const maxDelay = 100 * 365 * day

func parseDelay(p string) (time.Duration, error) {
	if len(p) < 2 {
		return 0, fmt.Errorf("delay %q: want a number and a unit (m, h, d, w)", p)
	}
	unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': day, 'w': 7 * day}[p[len(p)-1]]
	if unit == 0 {
		return 0, fmt.Errorf("delay %q: unknown unit, want m, h, d or w", p)
	}
	n, err := strconv.ParseUint(p[:len(p)-1], 10, 32)
	if err != nil || n == 0 || time.Duration(n) > maxDelay/unit {
		return 0, fmt.Errorf("delay %q: want a whole number between 1 and 100 years", p)
	}
	return time.Duration(n) * unit, nil
}

// String formats l as ParseLadder reads it: "off" when empty, else the
// delays in the largest whole unit ("1h,6h,1d,3d,1w").
func (l Ladder) String() string {
	if len(l) == 0 {
		return "off"
	}
	parts := make([]string, len(l))
	for i, d := range l {
		parts[i] = formatDelay(d)
	}
	return strings.Join(parts, ",")
}

func formatDelay(d time.Duration) string {
	for _, u := range []struct {
		d time.Duration
		s string
	}{{7 * day, "w"}, {day, "d"}, {time.Hour, "h"}} {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.s
		}
	}
	return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
}

// Off reports whether the ladder schedules no checks.
func (l Ladder) Off() bool { return len(l) == 0 }

// Next returns the first rung of the ladder strictly after now for an
// article first seen at firstSeen, and false when the ladder is finished
// (or off). Rungs missed while nothing ran are not caught up one by one:
// a check done late counts for every rung before it.
func (l Ladder) Next(firstSeen, now time.Time) (time.Time, bool) {
	for _, d := range l {
		if t := firstSeen.Add(d); t.After(now) {
			return t, true
		}
	}
	return time.Time{}, false
}
