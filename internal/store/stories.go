package store

import (
	"time"

	"github.com/newsvault/newsvault/internal/archive"
)

// ArticleText is what copy finding and story clustering read of an
// article: its latest version's title and plain text, its outlet and when
// it happened.
type ArticleText struct {
	ID, VersionID int64
	SourceID      int64
	Source        string // the source's title
	Title, Text   string
	// At is the published time, or the first-seen time when unknown.
	At        time.Time
	FirstSeen time.Time
	// URL is the article's canonical URL; Canonical the rel=canonical or
	// og:url its page declared, when known (only on arrival).
	URL, Canonical string
}

// Copy link kinds.
const (
	CopyExact = "exact" // identical normalised text
	CopyNear  = "near"  // the same text with edits, a header or footer, another script
	CopyAlias = "alias" // another URL of the same article (a cross-site canonical)
)

// CopyLink says that Article is a copy of Of, how similar they are and what
// differs ("title", "script", "header", "footer", "body").
type CopyLink struct {
	Article, Of          int64
	Kind                 string
	Jaccard, Containment float64
	Differs              []string
}

// Fingerprint is the MinHash signature a copy finder keeps of an article's
// latest version, so that its index can be rebuilt without re-reading texts.
type Fingerprint struct {
	ArticleID, VersionID int64
	Runes                int
	Sig                  []uint32
}

// CopiesWrite is what finding the copies of one new version changed: its
// fingerprint, its links, and (when it joined one) its copy group's members
// and original after the join. It is written in one transaction.
type CopiesWrite struct {
	Fingerprint Fingerprint
	Links       []CopyLink
	// Aliases are URL keys to file the article under (a key already
	// filed keeps its article).
	Aliases []URLAlias
	// Members of the article's group (the article included), empty when it
	// joined none; the group takes the smallest member ID as its ID.
	Members  []int64
	Original int64
}

// CopyMember is one article of a copy group as readers see it.
type CopyMember struct {
	Article  archive.Article // without content
	Source   string          // the source's title
	Original bool
	// Link is the member's link to another member, when it has one (the
	// original may have none).
	Link *CopyLink
}

// CopyGroup is a set of copies of one article.
type CopyGroup struct {
	ID       int64
	Original int64
	Members  []CopyMember // the original first, then by first seen
}

// GroupMember is what choosing a group's original needs of a member.
type GroupMember struct {
	ID, SourceID int64
	Source       string
	// FirstSeen is the earliest the article is known: published, or first
	// seen when that is earlier or the date is unknown.
	FirstSeen time.Time
}

// URLAlias files an article under another URL key (see dedup.URLKey).
// Certain aliases resolve the key to the article; others only link.
type URLAlias struct {
	Key       string
	ArticleID int64
	Certain   bool
}

// Story is a group of articles about one event, as stored.
type Story struct {
	ID           int64
	Title        string
	TitleArticle int64
	First, Last  time.Time
	Size         int
	Sources      int // how many outlets covered it
	// Members are the article IDs, earliest first (set on write; on read
	// only by StoryMembers).
	Members []int64
}

// StoryMember is one article of a story as readers see it.
type StoryMember struct {
	Article archive.Article // without content
	Source  string
	// Copies is how many other members are copies of this one (same copy
	// group); CopyOf the group's original when this member is a copy.
	CopyOf int64
}

// StoryDecision is an operator's correction of the stories (merge, split,
// detach), kept for good.
type StoryDecision struct {
	ID   int64
	Kind string
	A, B []string
	At   time.Time
}
