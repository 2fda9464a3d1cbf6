package story

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"
)

// Refine is the periodic pass over live stories: it expires old stories,
// takes out members that no longer fit their story (and places them again),
// and merges stories whose centroids have grown together. Manual decisions
// hold throughout. It returns how many articles moved out and how many
// stories were merged away.
func (c *Clusterer) Refine() (moved, merged int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire()
	return c.splitPass(), c.mergePass()
}

func (c *Clusterer) live() []*story {
	out := make([]*story, 0, len(c.indexedSet))
	for _, s := range c.indexedSet {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *story) int { return cmp.Compare(a.id, b.id) })
	return out
}

func (c *Clusterer) splitPass() int {
	moved := 0
	for _, s := range c.live() {
		if len(s.members) < 3 {
			continue
		}
		var out []string
		for _, m := range s.members {
			if len(c.cons.partners(m)) > 0 {
				continue // a manual merge holds it here
			}
			if c.fitRest(s, c.arts[m]) < c.cfg.SplitThreshold {
				out = append(out, m)
			}
		}
		if len(out) == 0 || len(out) == len(s.members) {
			continue
		}
		keep := s.members[:0:0]
		for _, m := range s.members {
			if !slices.Contains(out, m) {
				keep = append(keep, m)
			}
		}
		c.rebuild(s, keep)
		for _, m := range out {
			a := c.arts[m]
			if b, score := c.best(a.vec, a.time, a.id, s.id); b != nil && score >= c.cfg.Threshold {
				c.join(b, a)
			} else {
				c.newStory(a)
			}
			moved++
		}
	}
	return moved
}

// fitRest is the cosine between a member and the centroid of the others.
func (c *Clusterer) fitRest(s *story, a *article) float64 {
	dot, norm := 0.0, 0.0
	own := vectorMap(a.vec)
	for t, w := range s.sum {
		r := w - own[t]
		norm += r * r
		if aw, ok := own[t]; ok {
			dot += aw * r
		}
	}
	if norm == 0 {
		return 0
	}
	return dot / math.Sqrt(norm)
}

func (c *Clusterer) mergePass() int {
	merged := 0
	for _, s := range c.live() {
		if c.stories[s.id] != s || s.indexed == nil {
			continue // merged away or closed earlier in this pass
		}
		acc := map[*story]float64{}
		for _, e := range s.indexed {
			for _, p := range c.post[e.T] {
				if p.s != s {
					acc[p.s] += float64(e.W) * float64(p.w)
				}
			}
		}
		var best *story
		bestCos := c.cfg.MergeThreshold
		for o, cos := range acc {
			cos *= c.halve(c.jointSpan(s, o) - c.cfg.Span)
			if cos < bestCos || (cos == bestCos && best != nil && o.id > best.id) {
				continue
			}
			if gap(s, o) > c.cfg.Window || !c.storiesAllowed(s, o) {
				continue
			}
			best, bestCos = o, cos
		}
		if best == nil {
			continue
		}
		big, small := s, best
		if len(small.members) > len(big.members) || (len(small.members) == len(big.members) && small.id < big.id) {
			big, small = small, big
		}
		c.absorb(big, small)
		merged++
	}
	return merged
}

// jointSpan is the time from the earlier first article to the later last
// one of two stories, or 0 when Span is off.
func (c *Clusterer) jointSpan(a, b *story) time.Duration {
	if c.cfg.Span <= 0 {
		return 0
	}
	first, last := a.first, a.last
	if b.first.Before(first) {
		first = b.first
	}
	if b.last.After(last) {
		last = b.last
	}
	return last.Sub(first)
}

// gap is the time between two stories' spans (0 when they overlap).
func gap(a, b *story) time.Duration {
	switch {
	case a.last.Before(b.first):
		return b.first.Sub(a.last)
	case b.last.Before(a.first):
		return a.first.Sub(b.last)
	}
	return 0
}

// RefineEvery is how many arrivals Recluster lets pass between Refine
// passes.
const RefineEvery = 250

// Recluster forgets every assignment and document frequency, keeps the
// configuration and the manual decisions, and assigns the articles again in
// the order given (the order they arrived in), refining every RefineEvery
// articles and at the end. progress, if not nil, is called after each
// RefineEvery articles with the count so far. An article listed twice
// counts once.
func (c *Clusterer) Recluster(ctx context.Context, articles iter.Seq[Article], progress func(done int)) error {
	c.mu.Lock()
	c.reset()
	c.mu.Unlock()
	done := 0
	for a := range articles {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("recluster after %d articles: %w", done, err)
		}
		if _, err := c.Assign(a); err != nil {
			return fmt.Errorf("recluster: %w", err)
		}
		done++
		if done%RefineEvery == 0 {
			c.Refine()
			if progress != nil {
				progress(done)
			}
		}
	}
	c.Refine()
	if progress != nil {
		progress(done)
	}
	return nil
}
