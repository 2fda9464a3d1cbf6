package fetch

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// minSweep is the map size at which idle limiters start being dropped.
const minSweep = 256

// hostLimiters holds one token bucket per host name. A nil *hostLimiters
// means no limit.
type hostLimiters struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	m         map[string]*rate.Limiter
	nextSweep int
}

func newHostLimiters(perSecond float64, burst int) *hostLimiters {
	return &hostLimiters{
		limit:     rate.Limit(perSecond),
		burst:     burst,
		m:         make(map[string]*rate.Limiter),
		nextSweep: minSweep,
	}
}

// reserve takes host's next turn, creating its limiter on first use. When
// the map grows, limiters whose bucket is full are dropped: a fresh one
// behaves the same. Reserving under the lock keeps a sweep from dropping a
// limiter between lookup and reservation.
func (h *hostLimiters) reserve(host string) *rate.Reservation {
	h.mu.Lock()
	defer h.mu.Unlock()
	if l, ok := h.m[host]; ok {
		return l.Reserve()
	}
	if len(h.m) >= h.nextSweep {
		now := time.Now()
		for k, l := range h.m {
			if l.TokensAt(now) >= float64(h.burst) {
				delete(h.m, k)
			}
		}
		h.nextSweep = max(minSweep, 2*len(h.m))
	}
	l := rate.NewLimiter(h.limit, h.burst)
	h.m[host] = l
	return l.Reserve()
}

// wait blocks until host may receive a request. If ctx's deadline comes
// before that, it fails at once with an error wrapping
// context.DeadlineExceeded and gives its turn back.
func (h *hostLimiters) wait(ctx context.Context, host string) error {
	if h == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	if BurstFrom(ctx).take(host) {
		return nil
	}
	r := h.reserve(host)
	delay := r.Delay()
	if delay == 0 {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
		r.Cancel()
		return fmt.Errorf("rate limit for %s: next turn in %s: %w", host, delay.Round(time.Millisecond), context.DeadlineExceeded)
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return fmt.Errorf("rate limit for %s: %w", host, context.Cause(ctx))
	}
}

// hostSlots caps the requests in flight to each host name. A nil
// *hostSlots means no cap. A host's entry lives only while someone holds or
// waits for one of its slots, so the map needs no sweeping.
type hostSlots struct {
	n int

	mu sync.Mutex
	m  map[string]*hostSlot
}

type hostSlot struct {
	sem   chan struct{}
	users int // holders and waiters
}

func newHostSlots(n int) *hostSlots {
	return &hostSlots{n: n, m: make(map[string]*hostSlot)}
}

// acquire waits for one of host's slots and returns the func that gives it
// back. It fails when ctx is done first.
func (h *hostSlots) acquire(ctx context.Context, host string) (release func(), err error) {
	if h == nil {
		return func() {}, nil
	}
	h.mu.Lock()
	s, ok := h.m[host]
	if !ok {
		s = &hostSlot{sem: make(chan struct{}, h.n)}
		h.m[host] = s
	}
	s.users++
	h.mu.Unlock()

	select {
	case s.sem <- struct{}{}:
		return func() {
			<-s.sem
			h.leave(host, s)
		}, nil
	case <-ctx.Done():
		h.leave(host, s)
		return nil, fmt.Errorf("wait for one of %d connections to %s: %w", h.n, host, context.Cause(ctx))
	}
}

func (h *hostSlots) leave(host string, s *hostSlot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s.users--
	if s.users == 0 {
		delete(h.m, host)
	}
}
