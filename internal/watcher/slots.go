package watcher

import (
	"context"
	"sync"
)

// hostSlots caps the checks running against each host.
type hostSlots struct {
	n  int
	mu sync.Mutex
	m  map[string]*slot
}

type slot struct {
	sem   chan struct{}
	users int
}

func newHostSlots(n int) *hostSlots { return &hostSlots{n: n, m: map[string]*slot{}} }

// acquire waits for one of host's slots and returns the func that gives
// it back.
func (h *hostSlots) acquire(ctx context.Context, host string) (func(), error) {
	h.mu.Lock()
	s, ok := h.m[host]
	if !ok {
		s = &slot{sem: make(chan struct{}, h.n)}
		h.m[host] = s
	}
	s.users++
	h.mu.Unlock()
	leave := func() {
		h.mu.Lock()
		if s.users--; s.users == 0 {
			delete(h.m, host)
		}
		h.mu.Unlock()
	}
	select {
	case s.sem <- struct{}{}:
		return func() { <-s.sem; leave() }, nil
	case <-ctx.Done():
		leave()
		return nil, context.Cause(ctx)
	}
}
