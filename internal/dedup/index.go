package dedup

import (
	"encoding/binary"
	"hash/fnv"
	"sync"
)

// Index finds candidate copies by MinHash signature with LSH banding: each
// band of Rows values is hashed to a bucket, and two texts that share any
// bucket are candidates. A lookup reads Bands buckets, so its cost depends on
// how many near-identical texts exist, not on the size of the archive. It
// keeps only IDs (no texts, no shingles); verify candidates with
// Config.Compare before linking. Index is safe for concurrent use.
type Index struct {
	cfg   Config
	mu    sync.RWMutex
	bands []map[uint64][]string
}

// NewIndex returns an empty index for signatures made with cfg.
func NewIndex(cfg Config) *Index {
	ix := &Index{cfg: cfg, bands: make([]map[uint64][]string, cfg.Bands)}
	for i := range ix.bands {
		ix.bands[i] = map[uint64][]string{}
	}
	return ix
}

func (ix *Index) key(sig []uint32, band int) uint64 {
	h := fnv.New64a()
	var b [4]byte
	for _, v := range sig[band*ix.cfg.Rows : (band+1)*ix.cfg.Rows] {
		binary.LittleEndian.PutUint32(b[:], v)
		h.Write(b[:])
	}
	return h.Sum64()
}

// Add files id under its signature. A bucket already holding cfg.MaxBucket
// IDs takes no more (the others bands still find the text).
func (ix *Index) Add(id string, sig []uint32) {
	if len(sig) != ix.cfg.Bands*ix.cfg.Rows {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for band := range ix.bands {
		k := ix.key(sig, band)
		if b := ix.bands[band][k]; len(b) < ix.cfg.MaxBucket {
			ix.bands[band][k] = append(b, id)
		}
	}
}

// Candidates returns the IDs sharing at least one bucket with sig, each once.
func (ix *Index) Candidates(sig []uint32) []string {
	if len(sig) != ix.cfg.Bands*ix.cfg.Rows {
		return nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	seen := map[string]bool{}
	var out []string
	for band := range ix.bands {
		for _, id := range ix.bands[band][ix.key(sig, band)] {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}
