package story

import (
	"fmt"
	"strings"
	"time"
)

// State is the whole clusterer as plain data, for a store to persist
// (encoding/json works on it) and Restore to load.
type State struct {
	Config    Config         `json:"config"`
	Terms     []string       `json:"terms"` // term ID i is Terms[i]
	DF        []int32        `json:"df"`
	N         int            `json:"n"`
	Clock     time.Time      `json:"clock"`
	NextID    int64          `json:"next_id"`
	Articles  []ArticleState `json:"articles"`
	Stories   []StoryState   `json:"stories"`
	Decisions []Decision     `json:"decisions"`
}

// ArticleState is one article's vector and story.
type ArticleState struct {
	ID     string    `json:"id"`
	Source string    `json:"source"`
	Title  string    `json:"title"`
	Time   time.Time `json:"time"`
	Story  int64     `json:"story"`
	Thin   bool      `json:"thin,omitempty"`
	Vec    []tw      `json:"vec"`
}

// StoryState is one story's members in the order they joined.
type StoryState struct {
	ID      int64    `json:"id"`
	Members []string `json:"members"`
	Closed  bool     `json:"closed,omitempty"`
}

// Snapshot returns the clusterer's state.
func (c *Clusterer) Snapshot() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := State{Config: c.cfg, Terms: make([]string, len(c.df)), DF: append([]int32(nil), c.df...),
		N: c.n, Clock: c.clock, NextID: c.nextID, Decisions: append([]Decision(nil), c.cons.decisions...)}
	for t, id := range c.terms {
		st.Terms[id] = t
	}
	for k, id := range c.bigrams {
		if k&titleBit != 0 {
			st.Terms[id] = string(titleMark) + bigramString(k&^titleBit)
		} else {
			st.Terms[id] = bigramString(k)
		}
	}
	for id := int64(1); id < c.nextID; id++ {
		s, ok := c.stories[id]
		if !ok {
			continue
		}
		st.Stories = append(st.Stories, StoryState{ID: s.id, Members: append([]string(nil), s.members...), Closed: s.closed})
		for _, m := range s.members {
			a := c.arts[m]
			st.Articles = append(st.Articles, ArticleState{ID: a.id, Source: a.source, Title: a.title,
				Time: a.time, Story: a.story, Thin: a.thin, Vec: append([]tw(nil), a.vec...)})
		}
	}
	return st
}

// Restore builds a clusterer from a snapshot. It fails when the snapshot
// is inconsistent (a member without its article).
func Restore(st State, fold Folder) (*Clusterer, error) {
	c := New(st.Config, fold)
	if len(st.Terms) != len(st.DF) {
		return nil, fmt.Errorf("restore stories: %d terms but %d frequencies", len(st.Terms), len(st.DF))
	}
	for i, t := range st.Terms {
		var mark uint64
		if rest, ok := strings.CutPrefix(t, string(titleMark)); ok {
			mark = titleBit
			if r := []rune(rest); len(r) != 2 || !isCJK(r[0]) || !isCJK(r[1]) {
				c.terms[t] = uint32(i) // a title word keeps its mark
				continue
			}
			t = rest
		}
		if r := []rune(t); len(r) == 2 && isCJK(r[0]) && isCJK(r[1]) {
			c.bigrams[bigram(r[0], r[1])|mark] = uint32(i)
		} else {
			c.terms[t] = uint32(i)
		}
	}
	c.df, c.n, c.clock, c.nextID = st.DF, st.N, st.Clock, st.NextID
	for _, d := range st.Decisions {
		c.cons.add(d)
	}
	arts := map[string]ArticleState{}
	for _, a := range st.Articles {
		arts[a.ID] = a
	}
	for _, ss := range st.Stories {
		s := &story{id: ss.ID, sum: map[uint32]float64{}}
		c.stories[s.id] = s
		for i, m := range ss.Members {
			as, ok := arts[m]
			if !ok {
				return nil, fmt.Errorf("restore story %d: member %q has no article", ss.ID, m)
			}
			a := &article{id: as.ID, source: as.Source, title: as.Title, time: as.Time, vec: vector(as.Vec), story: s.id, thin: as.Thin}
			c.arts[a.id] = a
			if i == 0 {
				s.first, s.last = a.time, a.time
			}
			c.join(s, a)
		}
		if ss.Closed {
			s.closed = true
			c.unindex(s)
		}
	}
	c.expire()
	return c, nil
}
