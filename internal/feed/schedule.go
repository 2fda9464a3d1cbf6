package feed

import (
	"hash/fnv"
	"time"
)

// Poll schedule limits.
const (
	// DefaultInterval is the poll interval used when none is set.
	DefaultInterval = 30 * time.Minute
	// MaxBackoff caps the delay after errors (unless the interval itself is
	// longer).
	MaxBackoff = 24 * time.Hour
	// MaxRetryAfter caps how long a server's Retry-After can defer a poll.
	MaxRetryAfter = 7 * 24 * time.Hour
)

// NextPoll returns when to poll a feed next. interval is the feed's normal
// poll interval (DefaultInterval when <= 0). After errorCount consecutive
// failures the delay is interval * 2^errorCount, capped at MaxBackoff (or at
// interval, when that is longer, so that backing off never polls sooner than
// normal). A server's retryAfter wins when it is longer than that delay; it
// is capped at MaxRetryAfter. The result is deterministic: spread feeds that
// share a schedule with Jitter.
func NextPoll(now time.Time, interval time.Duration, errorCount int, retryAfter time.Duration) time.Time {
	if interval <= 0 {
		interval = DefaultInterval
	}
	delay := interval
	if errorCount > 0 {
		limit := max(MaxBackoff, interval)
		for i := 0; i < errorCount && delay < limit; i++ {
			delay *= 2
		}
		delay = min(delay, limit)
	}
	if retryAfter > delay {
		delay = min(retryAfter, max(MaxRetryAfter, delay))
	}
	return now.Add(delay)
}

// Jitter returns d lengthened by up to 10%, by an amount fixed by key (a
// feed's URL or ID), so that feeds polled on the same schedule spread out
// while each feed's own schedule stays reproducible.
func Jitter(d time.Duration, key string) time.Duration {
	if d <= 0 {
		return d
	}
	h := fnv.New64a()
	h.Write([]byte(key)) // never fails
	span := uint64(d / 10)
	if span == 0 {
		return d
	}
	return d + time.Duration(h.Sum64()%(span+1))
}
