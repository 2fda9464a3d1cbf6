package story

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// Config holds the clustering parameters. DefaultConfig's values were chosen
// by a sweep on the labelled set (see the package comment).
type Config struct {
	// Threshold is the decayed cosine from which an article joins a story.
	Threshold float64 `json:"threshold"`
	// MergeThreshold is the centroid cosine from which Refine merges two
	// stories; SplitThreshold the cosine to the rest of its story under
	// which Refine takes an article out.
	MergeThreshold float64 `json:"merge_threshold"`
	SplitThreshold float64 `json:"split_threshold"`
	// Window: a story whose newest article is older than this (relative to
	// the newest article seen) accepts no more articles.
	Window time.Duration `json:"window"`
	// HalfLife halves a story's score per this much time between the
	// article and the story's time span.
	HalfLife time.Duration `json:"half_life"`
	// TitleWeight multiplies the counts of title terms in the body part.
	TitleWeight float64 `json:"title_weight"`
	// TitleShare is the share of an article's vector given to its title
	// alone: title terms also form a part of their own (with their own
	// document frequencies), scaled so that the cosine of two articles is
	// TitleShare×(title cosine) + (1−TitleShare)×(body cosine). Headlines
	// name the event's actors and act; bodies written by different outlets
	// share much less. 0 leaves the title in the body part only.
	TitleShare float64 `json:"title_share"`
	// Span is how long an event lasts: an article later than Span after a
	// story's first article is decayed (per HalfLife) for the excess, and
	// Refine merges no two stories whose joint span exceeds it by much.
	// This keeps a person or a topic in the news for weeks from chaining
	// its successive events into one story. 0 turns it off.
	Span time.Duration `json:"span"`
	// BodyRunes caps how much of an article's text is read, and
	// ArticleTerms how many terms its vector keeps: a very long article
	// weighs no more than a normal one.
	BodyRunes    int `json:"body_runes"`
	ArticleTerms int `json:"article_terms"`
	// CentroidTerms is how many of a story's heaviest terms are indexed.
	CentroidTerms int `json:"centroid_terms"`
	// MaxPosting caps a term's posting list: it keeps the MaxPosting
	// stories most recently updated, so a common term costs no more to
	// look up at ten million articles than at ten thousand.
	MaxPosting int `json:"max_posting"`
	// MaxStory caps a story's size; a full story takes no more articles.
	MaxStory int `json:"max_story"`
	// MinTerms: an article with fewer distinct terms (a photo caption, a
	// video page) is thin: it gets a story of its own and joins nothing.
	MinTerms int `json:"min_terms"`
}

// DefaultConfig returns the parameters chosen on the labelled set.
func DefaultConfig() Config {
	return Config{
		Threshold: 0.15, MergeThreshold: 0.12, SplitThreshold: 0.08,
		Window: 4 * 24 * time.Hour, HalfLife: 3 * 24 * time.Hour, Span: 2 * 24 * time.Hour,
		TitleWeight: 3, TitleShare: 0.3, BodyRunes: 1500, ArticleTerms: 60, CentroidTerms: 120,
		MaxPosting: 64, MaxStory: 300, MinTerms: 25,
	}
}

// Article is what the clusterer needs of an arriving article.
type Article struct {
	ID, Source, Title, Text string
	Time                    time.Time
}

type article struct {
	id, source, title string
	time              time.Time
	vec               vector
	story             int64
	thin              bool
}

type story struct {
	id          int64
	members     []string
	sum         map[uint32]float64
	first, last time.Time
	closed      bool // no more joins: thin, detached, or full
	indexed     vector
	// acc and mark are best's scratch: the score accumulated in lookup
	// number mark.
	acc  float64
	mark uint64
}

// posting is one story under a term, with the term's centroid weight.
type posting struct {
	s *story
	w float32
}

// Assignment is where an arriving article went.
type Assignment struct {
	Story int64
	Score float64 // decayed cosine to the story joined; 0 for a new story
	New   bool
	Thin  bool
}

// Clusterer assigns articles to stories online. It is safe for concurrent
// use; calls run one at a time, so the same article added twice at once
// ends in one story.
type Clusterer struct {
	cfg  Config
	fold Folder

	mu         sync.Mutex
	terms      map[string]uint32 // words to term IDs
	bigrams    map[uint64]uint32 // CJK bigrams (see bigram) to term IDs
	df         []int32
	n          int
	clock      time.Time
	nextID     int64
	stories    map[int64]*story
	arts       map[string]*article
	post       map[uint32][]posting
	indexedSet map[int64]*story // the stories in the index
	cons       constraints

	// Scratch reused by every call, so assignment allocates little.
	tf      []float64 // by term ID; zero outside vectorize
	touched []uint32
	termBuf []byte
	keyBuf  []byte
	vecBuf  vector
	cands   []*story
	epoch   uint64
}

// New returns an empty clusterer.
func New(cfg Config, fold Folder) *Clusterer {
	c := &Clusterer{cfg: cfg, fold: fold}
	c.reset()
	c.cons = newConstraints()
	return c
}

func (c *Clusterer) reset() {
	c.terms = map[string]uint32{}
	c.bigrams = map[uint64]uint32{}
	c.df = nil
	c.n = 0
	c.clock = time.Time{}
	c.nextID = 1
	c.stories = map[int64]*story{}
	c.arts = map[string]*article{}
	c.post = map[uint32][]posting{}
	c.indexedSet = map[int64]*story{}
	c.tf = nil
}

// titleBit marks a CJK bigram key of the title part; titleMark starts a
// title word's key (and its text in a snapshot).
const (
	titleBit  = uint64(1) << 63
	titleMark = '\x01'
)

// vectorize turns an article into its TF-IDF vector, learning document
// frequencies as it goes: a title part (weight TitleShare) and a body part
// (title and text), each unit length before scaling. It returns the number
// of distinct terms of the body part.
func (c *Clusterer) vectorize(a Article) (vector, int) {
	title, body := a.Title, truncate(a.Text, c.cfg.BodyRunes)
	if c.fold != nil {
		title, body = c.fold(title), c.fold(body)
	}
	title, body = strings.ToLower(title), strings.ToLower(body)
	if n := len(c.df) - len(c.tf); n > 0 {
		c.tf = append(c.tf, make([]float64, n)...)
	}
	c.touched = c.touched[:0]
	weight, inTitle := 0.0, false
	add := func(pair uint64, word []byte) {
		if inTitle {
			if word == nil {
				pair |= titleBit
			} else {
				c.keyBuf = append(append(c.keyBuf[:0], titleMark), word...)
				word = c.keyBuf
			}
		}
		var id uint32
		var ok bool
		if word == nil {
			id, ok = c.bigrams[pair]
		} else {
			id, ok = c.terms[string(word)]
		}
		if !ok {
			id = uint32(len(c.df))
			if word == nil {
				c.bigrams[pair] = id
			} else {
				c.terms[string(word)] = id
			}
			c.df = append(c.df, 0)
			c.tf = append(c.tf, 0)
		}
		if c.tf[id] == 0 {
			c.touched = append(c.touched, id)
		}
		c.tf[id] += weight
	}
	if c.cfg.TitleShare > 0 {
		inTitle, weight = true, 1
		c.termBuf = eachTerm(title, c.cfg.BodyRunes, c.termBuf, add)
		inTitle = false
	}
	nTitle := len(c.touched)
	weight = c.cfg.TitleWeight
	c.termBuf = eachTerm(title, c.cfg.BodyRunes, c.termBuf, add)
	weight = 1
	c.termBuf = eachTerm(body, c.cfg.BodyRunes, c.termBuf, add)
	c.n++
	v := c.vecBuf[:0]
	for _, id := range c.touched {
		c.df[id]++
		idf := math.Log(1 + float64(c.n)/float64(c.df[id]))
		v = append(v, tw{id, float32((1 + math.Log(max(c.tf[id], 1))) * idf)})
		c.tf[id] = 0
	}
	c.vecBuf = v
	bodyPart := topUnit(v[nTitle:], c.cfg.ArticleTerms)
	if nTitle == 0 || len(bodyPart) == 0 {
		return bodyPart, len(c.touched) - nTitle
	}
	titlePart := topUnit(v[:nTitle], c.cfg.ArticleTerms)
	out := make(vector, 0, len(titlePart)+len(bodyPart))
	ts, bs := math.Sqrt(c.cfg.TitleShare), math.Sqrt(1-min(c.cfg.TitleShare, 1))
	for _, e := range titlePart {
		out = append(out, tw{e.T, float32(float64(e.W) * ts)})
	}
	for _, e := range bodyPart {
		out = append(out, tw{e.T, float32(float64(e.W) * bs)})
	}
	slices.SortFunc(out, func(a, b tw) int { return cmp.Compare(a.T, b.T) })
	return out, len(c.touched) - nTitle
}

// truncate returns the first n runes of s.
func truncate(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// ErrNoID is returned for an article without an ID.
var ErrNoID = errors.New("story: article has no ID")

// Assign puts an arriving article in a story: the live story whose centroid
// is most similar (cosine, decayed by the time between them) if that reaches
// the threshold and no manual decision forbids it, else a new story. An
// article assigned before keeps its story.
func (c *Clusterer) Assign(a Article) (Assignment, error) {
	if a.ID == "" {
		return Assignment{}, ErrNoID
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.arts[a.ID]; ok {
		return Assignment{Story: old.story, Thin: old.thin}, nil
	}
	vec, distinct := c.vectorize(a)
	art := &article{id: a.ID, source: a.Source, title: a.Title, time: a.Time, vec: vec,
		thin: distinct < c.cfg.MinTerms}
	return c.place(art), nil
}

// place assigns a vectorised article (the lock held).
func (c *Clusterer) place(art *article) Assignment {
	if art.time.After(c.clock) {
		c.clock = art.time
	}
	c.arts[art.id] = art
	if art.thin || c.cons.alone[art.id] {
		s := c.newStory(art)
		s.closed = true
		return Assignment{Story: s.id, New: true, Thin: art.thin}
	}
	// A manual merge ties this article to one already placed.
	for _, p := range c.cons.partners(art.id) {
		if pa, ok := c.arts[p]; ok && pa != art && c.allowed(art.id, pa.story) {
			c.join(c.stories[pa.story], art)
			return Assignment{Story: pa.story}
		}
	}
	best, score := c.best(art.vec, art.time, art.id, 0)
	if best != nil && score >= c.cfg.Threshold {
		c.join(best, art)
		return Assignment{Story: best.id, Score: score}
	}
	s := c.newStory(art)
	return Assignment{Story: s.id, New: true}
}

// best finds the live story most similar to vec through the inverted index
// over story centroids; it reads at most len(vec)×MaxPosting postings.
// skip excludes one story (for merging).
func (c *Clusterer) best(vec vector, at time.Time, artID string, skip int64) (*story, float64) {
	c.epoch++
	cands := c.cands[:0]
	for _, e := range vec {
		for _, p := range c.post[e.T] {
			s := p.s
			if s.mark != c.epoch {
				s.mark, s.acc = c.epoch, 0
				cands = append(cands, s)
			}
			s.acc += float64(e.W) * float64(p.w)
		}
	}
	var best *story
	bestScore := 0.0
	for _, s := range cands {
		if s.id == skip || !c.open(s) {
			continue
		}
		score := s.acc * c.decay(s, at)
		if score > bestScore || (score == bestScore && best != nil && s.id < best.id) {
			if artID != "" && !c.allowed(artID, s.id) {
				continue
			}
			best, bestScore = s, score
		}
	}
	clear(cands)
	c.cands = cands[:0]
	return best, bestScore
}

// open reports whether s takes articles: not closed, and not older than
// the window.
func (c *Clusterer) open(s *story) bool {
	return !s.closed && c.clock.Sub(s.last) <= c.cfg.Window
}

// decay is 1 inside the story's time span and halves per HalfLife outside
// it, and per HalfLife by which the span with the article would exceed
// Span.
func (c *Clusterer) decay(s *story, at time.Time) float64 {
	var d time.Duration
	switch {
	case at.Before(s.first):
		d = s.first.Sub(at)
	case at.After(s.last):
		d = at.Sub(s.last)
	}
	if c.cfg.Span > 0 {
		first, last := s.first, s.last
		if at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
		d = max(d, last.Sub(first)-c.cfg.Span)
	}
	return c.halve(d)
}

// halve is 2^(−d/HalfLife), 1 for d ≤ 0.
func (c *Clusterer) halve(d time.Duration) float64 {
	if d <= 0 || c.cfg.HalfLife <= 0 {
		return 1
	}
	return math.Exp2(-float64(d) / float64(c.cfg.HalfLife))
}

func (c *Clusterer) newStory(art *article) *story {
	s := &story{id: c.nextID, sum: map[uint32]float64{}, first: art.time, last: art.time}
	c.nextID++
	c.stories[s.id] = s
	c.join(s, art)
	return s
}

// join adds art to s and re-indexes s's centroid.
func (c *Clusterer) join(s *story, art *article) {
	s.members = append(s.members, art.id)
	art.story = s.id
	for _, e := range art.vec {
		s.sum[e.T] += float64(e.W)
	}
	if art.time.Before(s.first) {
		s.first = art.time
	}
	if art.time.After(s.last) {
		s.last = art.time
	}
	// Keep the centroid's memory bounded: prune to its heaviest terms
	// when it grows well past what is indexed.
	if len(s.sum) > 8*c.cfg.CentroidTerms {
		v := appendMap(c.vecBuf[:0], s.sum)
		k := 4 * c.cfg.CentroidTerms
		selectTop(v, k)
		clear(s.sum)
		for _, e := range v[:min(k, len(v))] {
			s.sum[e.T] = float64(e.W)
		}
		c.vecBuf = v
	}
	if len(s.members) >= c.cfg.MaxStory {
		s.closed = true
	}
	c.reindex(s)
}

func vectorMap(v vector) map[uint32]float64 {
	m := make(map[uint32]float64, len(v))
	for _, e := range v {
		m[e.T] = float64(e.W)
	}
	return m
}

// centroid is s's unit centroid over its CentroidTerms heaviest terms.
func (c *Clusterer) centroid(s *story) vector {
	c.vecBuf = appendMap(c.vecBuf[:0], s.sum)
	return topUnit(c.vecBuf, c.cfg.CentroidTerms)
}

// reindex replaces s's postings with its current centroid's top terms. A
// full posting list first drops stories that take no more articles, then
// the one least recently updated.
func (c *Clusterer) reindex(s *story) {
	c.unindex(s)
	if s.closed || len(s.members) == 0 {
		return
	}
	s.indexed = c.centroid(s)
	c.indexedSet[s.id] = s
	for _, e := range s.indexed {
		p := c.post[e.T]
		if len(p) >= c.cfg.MaxPosting {
			p = slices.DeleteFunc(p, func(q posting) bool { return !c.open(q.s) })
		}
		if len(p) >= max(c.cfg.MaxPosting, 1) {
			p = append(p[:0], p[1:]...)
		}
		c.post[e.T] = append(p, posting{s, e.W})
	}
}

func (c *Clusterer) unindex(s *story) {
	for _, e := range s.indexed {
		p := c.post[e.T]
		if i := slices.IndexFunc(p, func(q posting) bool { return q.s == s }); i >= 0 {
			p = slices.Delete(p, i, i+1)
			if len(p) == 0 {
				delete(c.post, e.T)
			} else {
				c.post[e.T] = p
			}
		}
	}
	s.indexed = nil
	delete(c.indexedSet, s.id)
}

// Expire takes stories whose newest article is older than the window out
// of the index, so lookups only ever see recent stories. Call it now and
// then (Refine does); its cost is the number of live stories.
func (c *Clusterer) Expire() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.expire()
}

func (c *Clusterer) expire() int {
	n := 0
	for _, s := range c.indexedSet {
		if c.clock.Sub(s.last) > c.cfg.Window {
			c.unindex(s)
			n++
		}
	}
	return n
}

// StoryOf returns the story of an article.
func (c *Clusterer) StoryOf(articleID string) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.arts[articleID]
	if !ok {
		return 0, false
	}
	return a.story, true
}

// Story is a story as readers see it.
type Story struct {
	ID int64
	// Title is the title of the most representative article (the one
	// closest to the centroid), TitleArticle its ID.
	Title, TitleArticle string
	First, Last         time.Time
	// Articles are the members, earliest first.
	Articles []string
	// Sources are the outlets that covered it, by first appearance.
	Sources []string
}

// Story returns one story.
func (c *Clusterer) Story(id int64) (Story, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.stories[id]
	if !ok {
		return Story{}, fmt.Errorf("story %d: not found", id)
	}
	return c.view(s), nil
}

// Stories returns every story with at least min articles, largest first.
func (c *Clusterer) Stories(min int) []Story {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Story
	for _, s := range c.stories {
		if len(s.members) >= min && len(s.members) > 0 {
			out = append(out, c.view(s))
		}
	}
	slices.SortFunc(out, func(a, b Story) int {
		return cmp.Or(cmp.Compare(len(b.Articles), len(a.Articles)), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func (c *Clusterer) view(s *story) Story {
	v := Story{ID: s.id, First: s.first, Last: s.last}
	cen := c.centroid(s)
	best := -1.0
	arts := make([]*article, 0, len(s.members))
	for _, id := range s.members {
		a := c.arts[id]
		arts = append(arts, a)
		if d := a.vec.dot(cen); d > best {
			best, v.Title, v.TitleArticle = d, a.title, a.id
		}
	}
	slices.SortFunc(arts, func(a, b *article) int { return cmp.Or(a.time.Compare(b.time), cmp.Compare(a.id, b.id)) })
	seen := map[string]bool{}
	for _, a := range arts {
		v.Articles = append(v.Articles, a.id)
		if !seen[a.source] {
			seen[a.source] = true
			v.Sources = append(v.Sources, a.source)
		}
	}
	return v
}
