package dedup

import "slices"

// Kind says whether two texts are copies of each other.
type Kind int

const (
	// NotCopy: different texts (or one of them too short to tell).
	NotCopy Kind = iota
	// NearCopy: the same text with edits, an added header or footer, or
	// in another script.
	NearCopy
	// ExactCopy: identical normalised text.
	ExactCopy
)

func (k Kind) String() string {
	switch k {
	case ExactCopy:
		return "exact"
	case NearCopy:
		return "near"
	}
	return "none"
}

// Match is the verified comparison of two fingerprints A and B.
type Match struct {
	Kind Kind
	// Jaccard is |A∩B|/|A∪B| over shingles; Containment is |A∩B| over the
	// smaller set.
	Jaccard, Containment float64
	// TitleChanged: the normalised titles differ.
	TitleChanged bool
	// ScriptDiffers: one text is in traditional script, the other not.
	ScriptDiffers bool
	// HeaderAdded and FooterAdded: the longer text has lines at its start
	// (end) that the shorter lacks; LongerIsB says which one is longer.
	HeaderAdded, FooterAdded, LongerIsB bool
	// BodyEdited: beyond any header and footer the texts differ, which is
	// evidence that one of them was edited.
	BodyEdited bool
}

// tradCut separates traditional from simplified text by the share of Han
// runes folding changes (about 0.3 for traditional text, under 0.02 for
// simplified).
const tradCut = 0.12

// minEdge is how many shingles at the start or end of the longer text must
// be missing from the shorter for it to count as an added header or footer,
// rather than an edit of the first or last sentence.
const minEdge = 12

// Compare verifies a pair with exact shingle similarity and says what
// differs. Texts shorter than c.MinRunes never match.
func (c Config) Compare(a, b *Fingerprint) Match {
	m := Match{
		TitleChanged:  a.Title != b.Title,
		ScriptDiffers: (a.Trad >= tradCut) != (b.Trad >= tradCut),
	}
	if a.Empty(c) || b.Empty(c) || len(a.Set) == 0 || len(b.Set) == 0 {
		return m
	}
	inter := intersect(a.Set, b.Set)
	union := len(a.Set) + len(b.Set) - inter
	small, long := a, b
	if len(b.Set) < len(a.Set) {
		small, long = b, a
	}
	m.LongerIsB = long == b
	m.Jaccard = float64(inter) / float64(union)
	m.Containment = float64(inter) / float64(len(small.Set))
	ratio := float64(len(small.Set)) / float64(len(long.Set))
	switch {
	case a.Hash == b.Hash && a.Runes == b.Runes:
		m.Kind = ExactCopy
		m.Jaccard, m.Containment = 1, 1
		return m
	case m.Jaccard >= c.NearJaccard,
		m.Containment >= c.NearContainment && ratio >= c.MinLengthRatio:
		m.Kind = NearCopy
	default:
		return m
	}
	head := edge(long.Seq, small.Set, false)
	tail := edge(long.Seq, small.Set, true)
	m.HeaderAdded = head >= minEdge
	m.FooterAdded = tail >= minEdge
	// What is left of the longer text once header and footer are cut off
	// should be the shorter text; anything else is an edit.
	core := long.Seq
	if m.HeaderAdded {
		core = core[head:]
	}
	if m.FooterAdded {
		core = core[:len(core)-tail]
	}
	coreSet := slices.Clone(core)
	slices.Sort(coreSet)
	coreSet = slices.Compact(coreSet)
	m.BodyEdited = intersect(coreSet, small.Set) != len(small.Set) || len(coreSet) != len(small.Set)
	return m
}

// edge counts the shingles at the start (or end) of seq absent from set.
func edge(seq, set []uint64, fromEnd bool) int {
	n := 0
	for i := range seq {
		s := seq[i]
		if fromEnd {
			s = seq[len(seq)-1-i]
		}
		if _, found := slices.BinarySearch(set, s); found {
			break
		}
		n++
	}
	return n
}
