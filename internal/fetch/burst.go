package fetch

import (
	"context"
	"sync/atomic"
)

// Burst is an allowance for the sub-requests of one page load (the images,
// scripts, styles and XHR of a page rendered in the browser): up to N of
// them on the page's own host go without waiting for that host's
// rate-limit turns. A browser loads those all at once for any visitor; at
// one request a second a page with 30 of them would pass its time limit.
//
// Everything else stays as it is: the page itself takes its turn like any
// request (so pages of one host are still fetched no faster than the
// host's rate, whoever asks), the requests in flight to the host are still
// capped (Config.HostConns), every address is still checked, and requests
// to other hosts, and those past the allowance, wait their turns.
type Burst struct {
	host string
	left atomic.Int64
}

// NewBurst returns an allowance of n requests to host (a host name as
// HostOf gives it). n <= 0 allows none.
func NewBurst(host string, n int) *Burst {
	b := &Burst{host: normHost(host)}
	b.left.Store(int64(max(n, 0)))
	return b
}

// Left is how many requests the allowance still lets through.
func (b *Burst) Left() int {
	if b == nil {
		return 0
	}
	return int(max(b.left.Load(), 0))
}

// take uses one request of the allowance for host, reporting whether
// there was one.
func (b *Burst) take(host string) bool {
	if b == nil || b.host == "" || host != b.host {
		return false
	}
	return b.left.Add(-1) >= 0
}

type burstKey struct{}

// WithBurst returns a context whose requests may use b.
func WithBurst(ctx context.Context, b *Burst) context.Context {
	return context.WithValue(ctx, burstKey{}, b)
}

// BurstFrom returns the allowance ctx carries, nil when none.
func BurstFrom(ctx context.Context) *Burst {
	b, _ := ctx.Value(burstKey{}).(*Burst)
	return b
}
