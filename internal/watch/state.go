package watch

import "time"

// Status is where an article stands after its latest checks.
type Status string

// Statuses. An article starts Alive when it is archived.
const (
	StatusAlive       Status = "alive"       // the last judged check saw the article
	StatusUnavailable Status = "unavailable" // the latest checks got no usable answer
	StatusUnreachable Status = "unreachable" // no usable answer for days: the site is down or blocked
	StatusRemoved     Status = "removed"     // gone from its URL, confirmed by a second check
	StatusReplaced    Status = "replaced"    // another article lives at its URL, confirmed
)

// Policy holds the rules Step applies. The zero value is not useful; start
// from DefaultPolicy.
type Policy struct {
	// Ladder schedules the regular checks.
	Ladder Ladder
	// ConfirmAfter is how long after a first removal a second check
	// confirms it. The removal is announced only then.
	ConfirmAfter time.Duration
	// RetryAfter is how soon an unavailable article is checked again.
	RetryAfter time.Duration
	// UnreachableAfter and UnreachableChecks: an article unavailable for at
	// least this long and this many checks in a row is unreachable.
	UnreachableAfter  time.Duration
	UnreachableChecks int
}

// DefaultPolicy returns the default ladder, confirmation an hour after a
// first removal, retries every 6 hours while unavailable, and "site
// unreachable" after 3 days and 4 failed checks in a row.
func DefaultPolicy() Policy {
	return Policy{
		Ladder:            DefaultLadder,
		ConfirmAfter:      time.Hour,
		RetryAfter:        6 * time.Hour,
		UnreachableAfter:  3 * day,
		UnreachableChecks: 4,
	}
}

// Mark points at one check: when it ran and the capture it stored (0 when
// none, as for a check that got no response).
type Mark struct {
	At        time.Time
	CaptureID int64
}

// State is what Step remembers about an article between checks. The zero
// value with FirstSeen set is the state of a freshly archived article.
type State struct {
	Status    Status    // "" reads as StatusAlive
	Since     time.Time // when Status was entered
	FirstSeen time.Time // when the article was first archived: the ladder's origin
	// LastAlive is the latest check that saw the article (its capture is
	// the evidence that it was still there).
	LastAlive Mark
	// Pending is the first check that found the article removed or
	// replaced, awaiting confirmation; nil when there is none.
	Pending *Mark
	// Removal is the check that first showed the confirmed removal (the
	// evidence), set while the status is Removed or Replaced.
	Removal *Mark
	// Failures counts unavailable checks in a row since FailingSince.
	Failures     int
	FailingSince time.Time
	// Edits counts the edits seen.
	Edits int
}

// EventKind names a change worth announcing.
type EventKind string

// Events Step emits.
const (
	EventEdited      EventKind = "edited"      // a new version was seen
	EventRemoved     EventKind = "removed"     // a removal was confirmed
	EventReplaced    EventKind = "replaced"    // another article at the URL was confirmed
	EventRestored    EventKind = "restored"    // the article answers again after a removal
	EventUnreachable EventKind = "unreachable" // no usable answer for days
	EventReachable   EventKind = "reachable"   // an answer again after being unreachable
)

// Event is one announced change with the evidence for it.
type Event struct {
	Kind EventKind
	// At is when the change happened: for a removal, the first check that
	// saw it, not the one that confirmed it.
	At      time.Time
	Verdict Verdict // the verdict of the check that triggered the event
	// Alive is the last check that saw the article; Evidence the check
	// whose capture shows the change (for a removal, the first check that
	// found it removed).
	Alive    Mark
	Evidence Mark
}

// Transition is what Step decides.
type Transition struct {
	State State
	// Outcome is the check's outcome as recorded: the verdict's, except
	// that an article seen again after a removal is OutcomeRestored.
	Outcome Outcome
	Events  []Event
	// Next is when to check again; zero when no check is scheduled (the
	// ladder is finished or off).
	Next time.Time
}

// Step applies one check to an article's state: the verdict v of the check
// at m. It is a pure function; the caller stores the new state, the check
// and the events, and schedules Next.
func Step(p Policy, s State, v Verdict, m Mark) Transition {
	if s.Status == "" {
		s.Status = StatusAlive
	}
	t := Transition{Outcome: v.Outcome}
	now := m.At
	setStatus := func(st Status, since time.Time) {
		if s.Status != st {
			s.Status, s.Since = st, since
		}
	}
	event := func(k EventKind, at time.Time, evidence Mark) {
		t.Events = append(t.Events, Event{Kind: k, At: at, Verdict: v, Alive: s.LastAlive, Evidence: evidence})
	}
	gone := s.Status == StatusRemoved || s.Status == StatusReplaced

	switch v.Outcome {
	case OutcomeUnchanged, OutcomeEdited:
		switch {
		case gone:
			t.Outcome = OutcomeRestored
			event(EventRestored, now, m)
			s.Removal = nil
		case s.Status == StatusUnreachable:
			event(EventReachable, now, m)
		}
		if v.Outcome == OutcomeEdited {
			s.Edits++
			event(EventEdited, now, m)
		}
		s.Pending, s.Failures, s.FailingSince = nil, 0, time.Time{}
		s.LastAlive = m
		setStatus(StatusAlive, now)

	case OutcomeRemoved, OutcomeReplaced:
		s.Failures, s.FailingSince = 0, time.Time{}
		switch {
		case gone:
			// Still gone: nothing new.
		case s.Pending != nil && !now.Before(s.Pending.At.Add(p.ConfirmAfter)):
			first := *s.Pending
			s.Pending, s.Removal = nil, &first
			st, ev := StatusRemoved, EventRemoved
			if v.Outcome == OutcomeReplaced {
				st, ev = StatusReplaced, EventReplaced
			}
			event(ev, first.At, first)
			setStatus(st, first.At)
		case s.Pending != nil:
			// Too soon to confirm: the confirming check stays due.
		default:
			pm := m
			s.Pending = &pm
			if s.Status == StatusUnavailable || s.Status == StatusUnreachable {
				setStatus(StatusAlive, now)
			}
		}

	case OutcomeUnavailable:
		if s.Failures == 0 {
			s.FailingSince = now
		}
		s.Failures++
		if !gone {
			if s.Status == StatusAlive {
				setStatus(StatusUnavailable, now)
			}
			if s.Status == StatusUnavailable && s.Failures >= p.UnreachableChecks && now.Sub(s.FailingSince) >= p.UnreachableAfter {
				setStatus(StatusUnreachable, s.FailingSince)
				event(EventUnreachable, s.FailingSince, m)
			}
		}
	}

	t.Next = next(p, s, now)
	t.State = s
	return t
}

// next picks the time of the next check.
func next(p Policy, s State, now time.Time) time.Time {
	if s.Pending != nil {
		if c := s.Pending.At.Add(p.ConfirmAfter); c.After(now) {
			return c
		}
		return now.Add(p.ConfirmAfter)
	}
	if s.Status == StatusUnavailable && !p.Ladder.Off() {
		return now.Add(p.RetryAfter)
	}
	n, _ := p.Ladder.Next(s.FirstSeen, now)
	return n
}
