package dedup

import (
	"hash/fnv"
	"slices"
	"unicode/utf8"
)

// Config holds the shingle, signature and decision parameters. The values in
// DefaultConfig were chosen on the labelled set (see the package comment);
// change them only with that evaluation at hand.
type Config struct {
	// Shingle is the number of normalised runes per shingle.
	Shingle int
	// Bands and Rows shape the MinHash signature: Bands*Rows hash
	// functions, and two texts become candidates when all Rows values of
	// any one band agree.
	Bands, Rows int
	// MinRunes is the shortest normalised text that can match anything.
	// A photo caption or a video page is shorter and never joins a group.
	MinRunes int
	// NearJaccard is the shingle Jaccard similarity from which two texts
	// are near copies.
	NearJaccard float64
	// NearContainment and MinLengthRatio accept a text with a header or
	// footer added: the shorter text's shingles contained in the longer
	// one at NearContainment or more, the shorter at least MinLengthRatio
	// of the longer's length.
	NearContainment, MinLengthRatio float64
	// MaxBucket caps the entries of one LSH bucket, so that a flood of
	// identical boilerplate cannot make every lookup slow.
	MaxBucket int
}

// DefaultConfig returns the parameters chosen on the labelled set.
func DefaultConfig() Config {
	return Config{
		Shingle: 5, Bands: 32, Rows: 4, MinRunes: 80,
		NearJaccard: 0.6, NearContainment: 0.85, MinLengthRatio: 0.5,
		MaxBucket: 2000,
	}
}

// Fingerprint is what dedup keeps of a text to find and verify its copies.
type Fingerprint struct {
	// Runes is the length of the normalised text.
	Runes int
	// Hash identifies the normalised text exactly.
	Hash uint64
	// Title is the normalised title.
	Title string
	// Trad is the share of Han runes the folder changed (traditional script).
	Trad float64
	// Seq is the shingle hashes in text order; Set the same, sorted and
	// without repeats.
	Seq, Set []uint64
	// Sig is the MinHash signature (Bands*Rows values).
	Sig []uint32
}

// Empty reports whether the text is too short to be compared at all.
func (f *Fingerprint) Empty(c Config) bool { return f.Runes < c.MinRunes }

// Fingerprint computes the fingerprint of an article's title and plain text.
func (c Config) Fingerprint(fold Folder, title, text string) *Fingerprint {
	norm := Normalize(fold, text)
	fp := &Fingerprint{
		Runes: utf8.RuneCountInString(norm),
		Title: Normalize(fold, title),
		Trad:  tradShare(fold, text),
	}
	h := fnv.New64a()
	h.Write([]byte(norm))
	fp.Hash = h.Sum64()
	fp.Seq = shingles(norm, c.Shingle)
	fp.Set = slices.Clone(fp.Seq)
	slices.Sort(fp.Set)
	fp.Set = slices.Compact(fp.Set)
	fp.Sig = c.minhash(fp.Set)
	return fp
}

// shingles hashes every run of k runes of s, in order.
func shingles(s string, k int) []uint64 {
	starts := make([]int, 0, len(s)/2)
	for i := range s {
		starts = append(starts, i)
	}
	n := len(starts)
	if n < k {
		if n == 0 {
			return nil
		}
		return []uint64{hashString(s)}
	}
	out := make([]uint64, 0, n-k+1)
	for i := 0; i+k <= n; i++ {
		end := len(s)
		if i+k < n {
			end = starts[i+k]
		}
		out = append(out, hashString(s[starts[i]:end]))
	}
	return out
}

func hashString(s string) uint64 {
	// FNV-1a, inlined to avoid an allocation per shingle.
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix is a 64-bit finaliser (splitmix64); seeded with the hash function's
// index it gives the independent permutations MinHash needs.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// minhash computes the signature of a shingle set.
func (c Config) minhash(set []uint64) []uint32 {
	n := c.Bands * c.Rows
	sig := make([]uint32, n)
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = mix(uint64(i) + 1)
	}
	for _, s := range set {
		for i, seed := range seeds {
			if v := uint32(mix(s^seed) >> 32); v < sig[i] {
				sig[i] = v
			}
		}
	}
	return sig
}

// intersect counts the common elements of two sorted sets.
func intersect(a, b []uint64) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}
