package story

import (
	"fmt"
	"slices"
	"time"
)

// DecisionKind is the kind of a manual correction.
type DecisionKind string

const (
	// Merge: the articles of A and B belong in one story.
	Merge DecisionKind = "merge"
	// Split: no article of A shares a story with an article of B.
	Split DecisionKind = "split"
	// Detach: the article A[0] is a story of its own.
	Detach DecisionKind = "detach"
)

// Decision is an operator's correction, kept as a constraint that every
// later assignment, Refine and Recluster respects.
type Decision struct {
	Kind DecisionKind `json:"kind"`
	A    []string     `json:"a"`
	B    []string     `json:"b,omitempty"`
	At   time.Time    `json:"at"`
}

// constraints indexes the decisions by article.
type constraints struct {
	decisions []Decision
	must      map[string]string   // union-find parent over merged articles
	cannot    map[string][]string // article → articles it may not share a story with
	alone     map[string]bool
}

func newConstraints() constraints {
	return constraints{must: map[string]string{}, cannot: map[string][]string{}, alone: map[string]bool{}}
}

func (k *constraints) add(d Decision) {
	k.decisions = append(k.decisions, d)
	switch d.Kind {
	case Merge:
		all := append(slices.Clone(d.A), d.B...)
		for _, id := range all[1:] {
			k.union(all[0], id)
		}
	case Split:
		for _, a := range d.A {
			for _, b := range d.B {
				k.cannot[a] = append(k.cannot[a], b)
				k.cannot[b] = append(k.cannot[b], a)
			}
		}
	case Detach:
		for _, a := range d.A {
			k.alone[a] = true
		}
	}
}

func (k *constraints) find(id string) string {
	for {
		p, ok := k.must[id]
		if !ok || p == id {
			return id
		}
		id = p
	}
}

func (k *constraints) union(a, b string) {
	for _, x := range []string{a, b} {
		if _, ok := k.must[x]; !ok {
			k.must[x] = x
		}
	}
	ra, rb := k.find(a), k.find(b)
	if ra != rb {
		k.must[rb] = ra
	}
}

// partners returns the articles a manual merge ties id to.
func (k *constraints) partners(id string) []string {
	if _, ok := k.must[id]; !ok {
		return nil
	}
	r := k.find(id)
	var out []string
	for x := range k.must {
		if x != id && k.find(x) == r {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// allowed reports whether article id may join story sid (the lock held).
func (c *Clusterer) allowed(id string, sid int64) bool {
	if c.cons.alone[id] {
		return false
	}
	for _, other := range c.cons.cannot[id] {
		if a, ok := c.arts[other]; ok && a.story == sid {
			return false
		}
	}
	return true
}

// storiesAllowed reports whether two stories may become one.
func (c *Clusterer) storiesAllowed(a, b *story) bool {
	if a.closed || b.closed || len(a.members)+len(b.members) > c.cfg.MaxStory {
		return false
	}
	for _, id := range a.members {
		if !c.allowed(id, b.id) {
			return false
		}
	}
	return true
}

// MergeStories merges story b into a and records the decision.
func (c *Clusterer) MergeStories(a, b int64, at time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	sa, sb := c.stories[a], c.stories[b]
	if sa == nil || sb == nil || a == b {
		return fmt.Errorf("merge stories %d and %d: not two existing stories", a, b)
	}
	c.cons.add(Decision{Kind: Merge, A: slices.Clone(sa.members), B: slices.Clone(sb.members), At: at})
	c.absorb(sa, sb)
	return nil
}

// absorb moves every article of b into a (the lock held).
func (c *Clusterer) absorb(a, b *story) {
	c.unindex(b)
	for _, id := range b.members {
		c.join(a, c.arts[id])
	}
	delete(c.stories, b.id)
}

// SplitStory moves the given articles of a story into a new story, records
// that they may not share a story with the rest, and returns the new ID.
func (c *Clusterer) SplitStory(id int64, articles []string, at time.Time) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stories[id]
	if s == nil {
		return 0, fmt.Errorf("split story %d: not found", id)
	}
	var moved, rest []string
	for _, m := range s.members {
		if slices.Contains(articles, m) {
			moved = append(moved, m)
		} else {
			rest = append(rest, m)
		}
	}
	if len(moved) == 0 || len(rest) == 0 {
		return 0, fmt.Errorf("split story %d: the articles must be some but not all of its members", id)
	}
	c.cons.add(Decision{Kind: Split, A: moved, B: rest, At: at})
	ns := c.carve(s, moved)
	return ns.id, nil
}

// carve moves the given members of s into a new story (the lock held).
func (c *Clusterer) carve(s *story, moved []string) *story {
	keep := s.members[:0:0]
	for _, m := range s.members {
		if !slices.Contains(moved, m) {
			keep = append(keep, m)
		}
	}
	c.rebuild(s, keep)
	var ns *story
	for _, m := range moved {
		if ns == nil {
			ns = c.newStory(c.arts[m])
		} else {
			c.join(ns, c.arts[m])
		}
	}
	return ns
}

// rebuild recomputes s from the given members.
func (c *Clusterer) rebuild(s *story, members []string) {
	c.unindex(s)
	*s = story{id: s.id, sum: map[uint32]float64{}}
	for i, m := range members {
		a := c.arts[m]
		if i == 0 {
			s.first, s.last = a.time, a.time
		}
		c.join(s, a)
	}
	if len(members) == 1 && c.cons.alone[members[0]] {
		s.closed = true
		c.unindex(s)
	}
}

// DetachArticle makes an article a story of its own for good.
func (c *Clusterer) DetachArticle(id string, at time.Time) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.arts[id]
	if a == nil {
		return 0, fmt.Errorf("detach %s: unknown article", id)
	}
	c.cons.add(Decision{Kind: Detach, A: []string{id}, At: at})
	s := c.stories[a.story]
	if len(s.members) == 1 {
		s.closed = true
		c.unindex(s)
		return s.id, nil
	}
	ns := c.carve(s, []string{id})
	ns.closed = true
	c.unindex(ns)
	return ns.id, nil
}

// Decisions returns the manual corrections recorded, oldest first.
func (c *Clusterer) Decisions() []Decision {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.cons.decisions)
}
