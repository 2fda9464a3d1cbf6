package feed

import (
	"testing"
	"time"
)

func TestNextPollSchedules(t *testing.T) {
	now := time.Date(2023, 2, 28, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		interval   time.Duration
		errors     int
		retryAfter time.Duration
		want       time.Duration
	}{
		{"a healthy feed waits one interval", time.Hour, 0, 0, time.Hour},
		{"no interval means 30 minutes", 0, 0, 0, 30 * time.Minute},
		{"a negative interval means 30 minutes", -time.Hour, 0, 0, 30 * time.Minute},
		{"a negative error count counts as none", time.Hour, -3, 0, time.Hour},
		{"one error doubles the delay", 30 * time.Minute, 1, 0, time.Hour},
		{"two errors quadruple it", 30 * time.Minute, 2, 0, 2 * time.Hour},
		{"five errors multiply it by 32", 30 * time.Minute, 5, 0, 16 * time.Hour},
		{"six errors hit the 24 hour cap", 30 * time.Minute, 6, 0, 24 * time.Hour},
		{"many errors stay at the cap", 30 * time.Minute, 1000, 0, 24 * time.Hour},
		{"errors never poll sooner than a long interval", 48 * time.Hour, 3, 0, 48 * time.Hour},
		{"a longer Retry-After wins", time.Hour, 0, 3 * time.Hour, 3 * time.Hour},
		{"a longer Retry-After wins over backoff", 30 * time.Minute, 2, 5 * time.Hour, 5 * time.Hour},
		{"a shorter Retry-After loses", time.Hour, 2, 10 * time.Minute, 4 * time.Hour},
		{"Retry-After is capped at 7 days", time.Hour, 0, 30 * 24 * time.Hour, 7 * 24 * time.Hour},
		{"a negative Retry-After is ignored", time.Hour, 0, -time.Hour, time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NextPoll(now, tc.interval, tc.errors, tc.retryAfter)
			if d := got.Sub(now); d != tc.want {
				t.Errorf("NextPoll(now, %v, %d, %v) = now+%v, want now+%v", tc.interval, tc.errors, tc.retryAfter, d, tc.want)
			}
		})
	}
}

func TestNextPollIsDeterministic(t *testing.T) {
	now := time.Date(2023, 2, 28, 14, 0, 0, 0, time.UTC)
	if a, b := NextPoll(now, time.Hour, 3, 0), NextPoll(now, time.Hour, 3, 0); !a.Equal(b) {
		t.Errorf("NextPoll gave %v then %v", a, b)
	}
}

func TestJitterSpreadsFeedsByUpToTenPercent(t *testing.T) {
	const d = time.Hour
	seen := make(map[time.Duration]bool)
	for _, key := range []string{"https://a.example/feed", "https://b.example/feed", "https://c.example/feed", "https://d.example/feed"} {
		j := Jitter(d, key)
		if j < d || j > d+d/10 {
			t.Errorf("Jitter(%v, %q) = %v, want within [%v, %v]", d, key, j, d, d+d/10)
		}
		if j != Jitter(d, key) {
			t.Errorf("Jitter(%v, %q) is not stable", d, key)
		}
		seen[j] = true
	}
	if len(seen) < 2 {
		t.Errorf("Jitter gave the same delay for every key")
	}
	for _, d := range []time.Duration{0, -time.Second, 5 * time.Nanosecond} {
		if got := Jitter(d, "k"); got != d {
			t.Errorf("Jitter(%v) = %v, want it unchanged", d, got)
		}
	}
}
