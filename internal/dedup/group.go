package dedup

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// Doc is one article as dedup sees it.
type Doc struct {
	ID string
	// Source is the outlet that published this copy.
	Source string
	// Origin is the outlet the article names as its origin ("RFA", from a
	// repost header), or "".
	Origin string
	// Seen is when the archive first saw the article.
	Seen        time.Time
	Title, Text string
}

// Link is a verified copy relation from a new article to one already known.
type Link struct {
	ID    string // the article already known
	Match Match
}

// Member is what original selection needs to know of a group member.
type Member struct {
	ID, Source, Origin string
	Seen               time.Time
}

// Original picks a group's original: the member whose source another
// member names as its origin, else the earliest seen (ties by ID).
func Original(members []Member) string {
	if len(members) == 0 {
		return ""
	}
	named := map[string]bool{}
	for _, m := range members {
		if m.Origin != "" {
			named[m.Origin] = true
		}
	}
	ms := slices.Clone(members)
	slices.SortFunc(ms, func(a, b Member) int {
		return cmp.Or(a.Seen.Compare(b.Seen), cmp.Compare(a.ID, b.ID))
	})
	for _, m := range ms {
		if named[m.Source] && m.Origin == "" {
			return m.ID
		}
	}
	return ms[0].ID
}

// Grouper assigns articles to copy groups as they arrive: candidates from
// the LSH index, verified with Compare, and the new article joins every
// group it verifiably copies (groups are joined transitively). It holds the
// fingerprints of the articles added; a store-backed deployment keeps them
// beside the article. Grouper is safe for concurrent use: Add runs one at a
// time, so two copies added at once always end in one group.
type Grouper struct {
	cfg  Config
	fold Folder

	mu      sync.Mutex
	ix      *Index
	fps     map[string]*Fingerprint
	members map[string]Member
	parent  map[string]string
	links   map[string][]Link
}

// NewGrouper returns an empty grouper.
func NewGrouper(cfg Config, fold Folder) *Grouper {
	return &Grouper{
		cfg: cfg, fold: fold, ix: NewIndex(cfg),
		fps: map[string]*Fingerprint{}, members: map[string]Member{},
		parent: map[string]string{}, links: map[string][]Link{},
	}
}

// Add fingerprints d, links it to the copies already known and returns
// those links. Adding an ID again returns its earlier links and changes
// nothing. Empty and near-empty texts are kept apart: they get no links.
func (g *Grouper) Add(d Doc) []Link {
	fp := g.cfg.Fingerprint(g.fold, d.Title, d.Text)
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.fps[d.ID]; ok {
		return g.links[d.ID]
	}
	g.fps[d.ID] = fp
	g.members[d.ID] = Member{ID: d.ID, Source: d.Source, Origin: d.Origin, Seen: d.Seen}
	g.parent[d.ID] = d.ID
	if fp.Empty(g.cfg) {
		return nil
	}
	var links []Link
	for _, id := range g.ix.Candidates(fp.Sig) {
		if m := g.cfg.Compare(fp, g.fps[id]); m.Kind != NotCopy {
			links = append(links, Link{ID: id, Match: m})
			g.union(d.ID, id)
		}
	}
	slices.SortFunc(links, func(a, b Link) int { return cmp.Compare(a.ID, b.ID) })
	g.links[d.ID] = links
	g.ix.Add(d.ID, fp.Sig)
	return links
}

func (g *Grouper) find(id string) string {
	for g.parent[id] != id {
		g.parent[id] = g.parent[g.parent[id]]
		id = g.parent[id]
	}
	return id
}

func (g *Grouper) union(a, b string) {
	ra, rb := g.find(a), g.find(b)
	if ra != rb {
		if rb < ra {
			ra, rb = rb, ra
		}
		g.parent[rb] = ra
	}
}

// Group is one set of copies with its original.
type Group struct {
	Original string
	Members  []string // sorted, the original included
}

// Groups returns every group of two or more articles, sorted by original.
func (g *Grouper) Groups() []Group {
	g.mu.Lock()
	defer g.mu.Unlock()
	byRoot := map[string][]Member{}
	for id := range g.parent {
		r := g.find(id)
		byRoot[r] = append(byRoot[r], g.members[id])
	}
	var out []Group
	for _, ms := range byRoot {
		if len(ms) < 2 {
			continue
		}
		grp := Group{Original: Original(ms)}
		for _, m := range ms {
			grp.Members = append(grp.Members, m.ID)
		}
		slices.Sort(grp.Members)
		out = append(out, grp)
	}
	slices.SortFunc(out, func(a, b Group) int { return cmp.Compare(a.Original, b.Original) })
	return out
}
