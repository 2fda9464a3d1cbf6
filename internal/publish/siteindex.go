package publish

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/newsvault/newsvault/internal/search"
)

// The static site's search index, read by site/search.js with no server:
//
//	search/meta.js      nvMeta({"main":S,"delta":D,"docs":N}) — shard counts
//	search/fold.js      nvFold("…") — pairs of runes: character, its fold
//	                    (traditional→simplified, full-width→half-width, lower case)
//	search/m/<n>.js     nvPost("m",n,{token:"ids",…}) — the main segment
//	search/d/<n>.js     nvPost("d",n,{…}) — the delta segment
//	search/t/<id>.js    nvDoc(id,{t,u,d,s,x}) — title, page, date, source, text
//
// Tokens are package search's (the server's: CJK bigrams and words over
// folded text); a token lives in shard fnv32a(token) mod S of a segment,
// and its posting list is the sorted article IDs, delta-encoded in base 36,
// comma-separated. A query's tokens are looked up in both segments, their
// lists intersected, and each candidate verified by finding every query
// term in its folded text: so every substring of two characters or more
// that the server's search finds is found, and nothing else.
//
// Every file is a script that calls a function the page defines (JSONP
// style), because fetch() of local files is refused on file://.
//
// Incremental runs add new and changed articles to the small delta
// segment, rewriting only the delta shards their tokens fall in (read back
// and merged); the main segment is rebuilt only when the delta outgrows
// deltaLimit. A changed article's stale postings in either segment only
// make it a candidate that its text then rejects.
//
// Why our own index and not Pagefind: measured with scripts/pagefind-compare
// (newsvault-bench site-search for ours; Pagefind 1.6.0's extended build
// and its own search code under node, never part of the product) against
// the server's search, on substrings of 2–6 Chinese characters sampled from
// the articles, each also converted to the other script (2026-12-03):
//
//	news-md, 4,430 articles, 200 substrings:  recall as written / other script, KB per query (median, p90)
//	  ours                                     100.0% / 100.0% (199 of 200 complete each), 170, 497; index 30.9 MB
//	BBC of news-md, 202 articles, 20 substrings:
//	  ours                                     100% / 100%, 208, 264; index 2.6 MB
//	  Pagefind                                 100% / 40% (8 of 20 complete), 97, 176; index 2.9 MB
//
// Pagefind indexes words: a substring that is part of a word or crosses
// two is often not found, and it does not fold traditional and simplified
// script, which is the point of a Chinese archive read on both sides of
// the strait. It would also make publishing depend on npm. Ours finds what
// the server finds (by construction: the server's tokens, then the text)
// at the cost of more bytes for a query whose tokens are common.
type indexState struct {
	Main     int     `json:"main"`      // shards in the main segment
	MainDocs int     `json:"main_docs"` // articles indexed in it
	Delta    []int64 `json:"delta"`     // articles in the delta segment
}

// deltaShards is the number of shards of the delta segment.
const deltaShards = 16

// deltaLimit is how many articles the delta segment may hold before the
// main segment is rebuilt.
func deltaLimit(mainDocs int) int { return max(1000, mainDocs/10) }

// targetShardBytes is the size a main shard aims at.
const targetShardBytes = 48 << 10

// postings accumulates a segment.
type postings map[string][]int32

// addDoc adds the distinct tokens of title and text for article id.
func (p postings) addDoc(an *search.Analyzer, seen map[string]struct{}, id int64, title, text string) {
	clear(seen)
	for _, s := range [2]string{title, text} {
		for _, tok := range an.Tokens(s) {
			if _, ok := seen[tok]; ok {
				continue
			}
			seen[tok] = struct{}{}
			p[tok] = append(p[tok], int32(id))
		}
	}
}

// shardOf is the shard of a token among n; search.js computes the same.
func shardOf(tok string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(tok))
	return int(h.Sum32() % uint32(n))
}

// shardCount picks the number of main shards: a power of two giving
// shards of about targetShardBytes.
func (p postings) shardCount() int {
	total := 0
	for tok, ids := range p {
		total += len(tok) + 4 + 3*len(ids)
	}
	n := 16
	for n < 8192 && total/n > targetShardBytes {
		n *= 2
	}
	return n
}

// shards renders the segment seg as n shard scripts.
func (p postings) shards(seg string, n int) [][]byte {
	toks := make([]map[string]string, n)
	for i := range toks {
		toks[i] = map[string]string{}
	}
	for tok, ids := range p {
		toks[shardOf(tok, n)][tok] = encodeIDs(ids)
	}
	out := make([][]byte, n)
	for i := range n {
		out[i] = renderShard(seg, i, toks[i])
	}
	return out
}

// renderShard is shard i of segment seg holding toks (token → encoded
// posting list), tokens in order.
func renderShard(seg string, i int, toks map[string]string) []byte {
	keys := make([]string, 0, len(toks))
	for tok := range toks {
		keys = append(keys, tok)
	}
	slices.Sort(keys)
	var b bytes.Buffer
	fmt.Fprintf(&b, "nvPost(%q,%d,{", seg, i)
	for j, tok := range keys {
		if j > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(tok)
		b.Write(k)
		b.WriteByte(':')
		v, _ := json.Marshal(toks[tok])
		b.Write(v)
	}
	b.WriteString("});\n")
	return b.Bytes()
}

// parseShard reads back what renderShard wrote.
func parseShard(b []byte) (map[string]string, error) {
	i, j := bytes.IndexByte(b, '{'), bytes.LastIndexByte(b, '}')
	if i < 0 || j < i {
		return nil, fmt.Errorf("not a search shard")
	}
	m := map[string]string{}
	if err := json.Unmarshal(b[i:j+1], &m); err != nil {
		return nil, err
	}
	return m, nil
}

// encodeIDs renders a posting list: the sorted, distinct IDs as
// differences in base 36, comma-separated.
func encodeIDs(ids []int32) string {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var b strings.Builder
	prev := int32(0)
	for x, id := range ids {
		if x > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(int64(id-prev), 36))
		prev = id
	}
	return b.String()
}

// decodeIDs reads a posting list encodeIDs wrote; malformed parts are
// skipped (the page verifies every candidate against its text anyway).
func decodeIDs(s string) []int32 {
	if s == "" {
		return nil
	}
	var out []int32
	prev := int64(0)
	for _, d := range strings.Split(s, ",") {
		v, err := strconv.ParseInt(d, 36, 32)
		if err != nil {
			continue
		}
		prev += v
		out = append(out, int32(prev))
	}
	return out
}

// docScript is the search/t/<id>.js of an article.
func docScript(id int64, title, page, day, source, text string) ([]byte, error) {
	d := struct {
		T string `json:"t"`
		U string `json:"u"`
		D string `json:"d"`
		S string `json:"s"`
		X string `json:"x"`
	}{title, page, day, source, text}
	j, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "nvDoc(%d,%s);\n", id, j), nil
}

// foldScript is search/fold.js: every rune whose fold differs from it
// (beyond ASCII upper case, which the script lowers itself), as a string
// of pairs.
func foldScript(an *search.Analyzer) []byte {
	var b strings.Builder
	for r := rune(0x80); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		f := an.Fold(s)
		if f == s {
			continue
		}
		b.WriteString(s)
		b.WriteString(f)
	}
	j, _ := json.Marshal(b.String())
	return fmt.Appendf(nil, "nvFold(%s);\n", j)
}
