package publish

import (
	"context"
	"time"
)

// Auto runs publishing in the background for serve: Kick asks for a run
// (after a poll round) and never blocks; runs happen one at a time, at
// most once per Interval, and kicks that arrive while one waits or runs
// fold into the next.
type Auto struct {
	Publisher *Publisher
	Targets   []Target
	Interval  time.Duration
	// After is the clock's timer (tests); nil means time.After.
	After func(time.Duration) <-chan time.Time
	// Done, if set, is called after each round with its reports and error.
	Done func([]Report, error)

	kick chan struct{}
}

// NewAuto returns an Auto for targets.
func NewAuto(p *Publisher, targets []Target, interval time.Duration) *Auto {
	return &Auto{Publisher: p, Targets: targets, Interval: interval, kick: make(chan struct{}, 1)}
}

// Kick asks for a publish run soon.
func (a *Auto) Kick() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// Run publishes on kicks until ctx ends.
func (a *Auto) Run(ctx context.Context) {
	after := a.After
	if after == nil {
		after = time.After
	}
	first := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.kick:
		}
		if !first {
			// Wait out the interval since the last run started.
			select {
			case <-ctx.Done():
				return
			case <-after(a.Interval):
			}
		}
		first = false
		var reps []Report
		var err error
		for _, t := range a.Targets {
			rep, e := a.Publisher.Run(ctx, t)
			reps = append(reps, rep)
			if e != nil {
				if a.Publisher.Log != nil {
					a.Publisher.Log.Error("publish", "target", t.Name, "err", e)
				}
				err = e
			}
		}
		if a.Done != nil {
			a.Done(reps, err)
		}
	}
}
