package auth

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter is a token bucket per client address and, optionally, one more
// that all clients share. It is safe for concurrent use; buckets idle long
// enough to be full again are forgotten.
type limiter struct {
	every time.Duration // one event per every…
	burst int           // …after a burst of this many

	mu      sync.Mutex
	clients map[string]*clientBucket
	global  *rate.Limiter // nil: no shared limit
	added   int           // buckets made since the last sweep
}

type clientBucket struct {
	lim      *rate.Limiter
	seen     time.Time
	inFlight int // attempts begun and not yet done
}

// newLimiter allows each client burst events, then one every every. A
// positive globalEvery adds a limit all clients share.
func newLimiter(every time.Duration, burst int, globalEvery time.Duration, globalBurst int) *limiter {
	l := &limiter{every: every, burst: burst, clients: make(map[string]*clientBucket)}
	if globalEvery > 0 {
		l.global = rate.NewLimiter(rate.Every(globalEvery), globalBurst)
	}
	return l
}

// take uses n events of client's bucket (and of the shared one) at now.
// When there are not that many, it uses none and returns how long until
// there would be.
func (l *limiter) take(client string, n int, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[client]
	if b == nil {
		l.sweep(now)
		b = &clientBucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.clients[client] = b
	}
	b.seen = now
	if n > l.burst {
		return false, l.every * time.Duration(l.burst)
	}
	res := b.lim.ReserveN(now, n)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	if l.global != nil {
		g := l.global.ReserveN(now, n)
		if !g.OK() || g.DelayFrom(now) > 0 {
			d := g.DelayFrom(now)
			if !g.OK() {
				d = time.Minute
			}
			g.CancelAt(now)
			res.CancelAt(now)
			return false, d
		}
	}
	return true, 0
}

// attempt reserves one event of client's bucket for an attempt that counts
// only if it fails: done(false) keeps it used and also uses one of the
// shared bucket; done(true) gives it back. A client with no failures
// always gets a turn, however empty the shared bucket, so failures
// elsewhere never lock out a right password from a fresh address; a client
// that has failed is refused while its own bucket, or the shared one, is
// empty. When refused, attempt says how long until a turn.
func (l *limiter) attempt(client string, now time.Time) (done func(ok bool), wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[client]
	if b == nil {
		l.sweep(now)
		b = &clientBucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.clients[client] = b
	}
	b.seen = now
	// Attempts in flight count as failures until they are done, so that
	// concurrent guesses cannot overshoot the bucket.
	tokens := b.lim.TokensAt(now) - float64(b.inFlight)
	if tokens < 1 {
		return nil, lackWait(b.lim, tokens)
	}
	if l.global != nil && tokens < float64(l.burst) {
		if g := l.global.TokensAt(now); g < 1 {
			return nil, lackWait(l.global, g)
		}
	}
	b.inFlight++
	return func(ok bool) {
		l.mu.Lock()
		defer l.mu.Unlock()
		b.inFlight--
		if !ok {
			now := time.Now()
			b.lim.AllowN(now, 1)
			if l.global != nil {
				l.global.AllowN(now, 1)
			}
		}
	}, 0
}

// lackWait is how long until lim, holding tokens, holds one (at least a
// second, for Retry-After).
func lackWait(lim *rate.Limiter, tokens float64) time.Duration {
	return max(time.Duration((1-tokens)/float64(lim.Limit())*float64(time.Second)), time.Second)
}

// sweep forgets buckets that have refilled, every 1024 new buckets. l.mu
// is held.
func (l *limiter) sweep(now time.Time) {
	if l.added++; l.added < 1024 {
		return
	}
	l.added = 0
	full := l.every * time.Duration(l.burst)
	for k, b := range l.clients {
		if now.Sub(b.seen) > full {
			delete(l.clients, k)
		}
	}
}

// ClientAddr is the address rate limits and logs name a client by: its
// IP, or for IPv6 its /64, since one host usually holds a whole /64. It
// is the connection's peer: behind a reverse proxy that is the proxy.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return (&net.IPNet{IP: ip.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
}
