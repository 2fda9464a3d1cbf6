package watcher

import (
	"sync"

	"github.com/newsvault/newsvault/internal/watch"
)

// Stats counts the checks a Watcher ran since it started.
type Stats struct {
	mu       sync.Mutex
	outcomes map[watch.Outcome]int64
	failures int64
}

func newStats() *Stats { return &Stats{outcomes: map[watch.Outcome]int64{}} }

func (s *Stats) done(o watch.Outcome) {
	s.mu.Lock()
	s.outcomes[o]++
	s.mu.Unlock()
}

func (s *Stats) failed() {
	s.mu.Lock()
	s.failures++
	s.mu.Unlock()
}

// Outcomes returns the checks recorded, by outcome, and the checks that
// failed to be recorded.
func (s *Stats) Outcomes() (map[watch.Outcome]int64, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[watch.Outcome]int64, len(s.outcomes))
	for k, v := range s.outcomes {
		out[k] = v
	}
	return out, s.failures
}
