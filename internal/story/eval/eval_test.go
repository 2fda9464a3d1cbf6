package eval

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/dedup"
	"github.com/newsvault/newsvault/internal/story"
)

type labels struct {
	Stories   map[string][]string          `json:"stories"`
	Copies    []struct{ A, B, Why string } `json:"copies"`
	NonCopies []struct{ A, B, Why string } `json:"non_copies"`
}

func loadLabels(t *testing.T) labels {
	var l labels
	b, err := os.ReadFile("testdata/labels.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// bcubed scores a predicted clustering against gold over the gold items.
func bcubed(gold, pred map[string]string) (p, r, f float64) {
	gm, pm := map[string][]string{}, map[string][]string{}
	for id, g := range gold {
		gm[g] = append(gm[g], id)
		pm[pred[id]] = append(pm[pred[id]], id)
	}
	for id := range gold {
		same := 0
		for _, o := range pm[pred[id]] {
			if gold[o] == gold[id] {
				same++
			}
		}
		p += float64(same) / float64(len(pm[pred[id]]))
		r += float64(same) / float64(len(gm[gold[id]]))
	}
	n := float64(len(gold))
	p, r = p/n, r/n
	return p, r, 2 * p * r / (p + r)
}

func TestStoriesOnLabelledSet(t *testing.T) {
	docs := corpus(t)
	l := loadLabels(t)
	gold := map[string]string{}
	for name, ms := range l.Stories {
		for _, m := range ms {
			gold[m] = name
		}
	}
	fold := folder(t)
	byID := map[string]doc{}
	for _, d := range docs {
		byID[d.ID] = d
	}
	for id := range gold {
		if _, ok := byID[id]; !ok {
			t.Fatalf("labelled article %s not in the corpus", id)
		}
	}
	run := func(cfg story.Config) map[string]string {
		c := story.New(cfg, fold)
		for i, d := range docs {
			if _, err := c.Assign(story.Article{ID: d.ID, Source: d.Source, Title: d.Title, Text: d.Text, Time: d.Time}); err != nil {
				t.Fatal(err)
			}
			if (i+1)%story.RefineEvery == 0 {
				c.Refine()
			}
		}
		c.Refine()
		pred := map[string]string{}
		for id := range gold {
			s, _ := c.StoryOf(id)
			pred[id] = fmt.Sprint(s)
		}
		return pred
	}
	if testing.Verbose() {
		for _, th := range []float64{0.15, 0.2, 0.25, 0.3, 0.35, 0.45} {
			cfg := story.DefaultConfig()
			cfg.Threshold = th
			p, r, f := bcubed(gold, run(cfg))
			t.Logf("sweep threshold %.2f: B-cubed P %.3f R %.3f F1 %.3f", th, p, r, f)
		}
	}
	p, r, f := bcubed(gold, run(story.DefaultConfig()))
	t.Logf("stories (%d articles, %d stories): B-cubed P %.3f R %.3f F1 %.3f", len(gold), len(l.Stories), p, r, f)

	// Baseline 1: same normalised title.
	title := map[string]string{}
	for id := range gold {
		title[id] = dedup.Normalize(fold, byID[id].Title)
	}
	bp, br, bf := bcubed(gold, title)
	t.Logf("baseline same title: B-cubed P %.3f R %.3f F1 %.3f", bp, br, bf)

	// Baseline 2: TF-IDF single link over the labelled articles, one threshold.
	ids := make([]string, 0, len(gold))
	for id := range gold {
		ids = append(ids, id)
	}
	vecs := tfidf(fold, ids, byID)
	for _, th := range []float64{0.2, 0.3, 0.4} {
		sp, sr, sf := bcubed(gold, singleLink(ids, vecs, th))
		t.Logf("baseline TF-IDF single link %.1f: B-cubed P %.3f R %.3f F1 %.3f", th, sp, sr, sf)
	}
	if f < 0.85 {
		t.Errorf("story B-cubed F1 %.3f below the 0.85 target", f)
	}
}

func tfidf(fold func(string) string, ids []string, byID map[string]doc) []map[string]float64 {
	df := map[string]int{}
	tfs := make([]map[string]float64, len(ids))
	for i, id := range ids {
		d := byID[id]
		tf := map[string]float64{}
		text := []rune(fold(d.Title + "\n" + d.Text))
		for j := 0; j+1 < len(text); j++ {
			if text[j] > 0x2e80 && text[j+1] > 0x2e80 {
				tf[string(text[j:j+2])]++
			}
		}
		for k := range tf {
			df[k]++
		}
		tfs[i] = tf
	}
	for _, tf := range tfs {
		n := 0.0
		for k, v := range tf {
			w := (1 + math.Log(v)) * math.Log(float64(len(ids))/float64(df[k]))
			tf[k] = w
			n += w * w
		}
		for k := range tf {
			tf[k] /= math.Sqrt(n)
		}
	}
	return tfs
}

func singleLink(ids []string, vecs []map[string]float64, th float64) map[string]string {
	parent := make([]int, len(ids))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			a, b := vecs[i], vecs[j]
			if len(b) < len(a) {
				a, b = b, a
			}
			s := 0.0
			for k, v := range a {
				s += v * b[k]
			}
			if s >= th {
				parent[find(i)] = find(j)
			}
		}
	}
	out := map[string]string{}
	for i, id := range ids {
		out[id] = fmt.Sprint(find(i))
	}
	return out
}

func TestCopiesOnLabelledSet(t *testing.T) {
	docs := corpus(t)
	l := loadLabels(t)
	fold := folder(t)
	byID := map[string]doc{}
	for _, d := range docs {
		byID[d.ID] = d
	}
	type pair struct{ a, b string }
	pos := map[pair]bool{}
	for _, c := range l.Copies {
		pos[pair{c.A, c.B}] = true
	}
	neg := map[pair]bool{}
	for _, c := range l.NonCopies {
		neg[pair{c.A, c.B}] = true
	}
	// Same story, same day, different outlets (no reposting outlet), different
	// titles: the look-alike non-copies.
	for _, ms := range l.Stories {
		for i, a := range ms {
			for _, b := range ms[i+1:] {
				da, db := byID[a], byID[b]
				if da.Source == db.Source || strings.Contains(a+b, "中国数字时代") || da.Time.YearDay() != db.Time.YearDay() {
					continue
				}
				if !pos[pair{a, b}] && !pos[pair{b, a}] {
					neg[pair{a, b}] = true
				}
			}
		}
	}
	cfg := dedup.DefaultConfig()
	fps := map[string]*dedup.Fingerprint{}
	fp := func(id string) *dedup.Fingerprint {
		if f, ok := fps[id]; ok {
			return f
		}
		d, ok := byID[id]
		if !ok {
			t.Fatalf("labelled article %s not in the corpus", id)
		}
		f := cfg.Fingerprint(fold, d.Title, d.Text)
		fps[id] = f
		return f
	}
	// Candidates come from the LSH index over the whole corpus, so recall
	// includes what banding misses.
	ix := dedup.NewIndex(cfg)
	for _, d := range docs {
		if f := fp(d.ID); !f.Empty(cfg) {
			ix.Add(d.ID, f.Sig)
		}
	}
	found := func(a, b string) bool {
		fa := fp(a)
		cand := false
		for _, c := range ix.Candidates(fa.Sig) {
			if c == b {
				cand = true
			}
		}
		return cand && cfg.Compare(fa, fp(b)).Kind != dedup.NotCopy
	}
	tp, fn, fpos := 0, 0, 0
	for p := range pos {
		if found(p.a, p.b) {
			tp++
		} else {
			fn++
			t.Logf("missed copy: %s | %s (%+v)", p.a, p.b, cfg.Compare(fp(p.a), fp(p.b)))
		}
	}
	for p := range neg {
		if found(p.a, p.b) {
			fpos++
			t.Logf("false copy: %s | %s (%+v)", p.a, p.b, cfg.Compare(fp(p.a), fp(p.b)))
		}
	}
	prec := float64(tp) / float64(max(tp+fpos, 1))
	rec := float64(tp) / float64(tp+fn)
	t.Logf("copies: %d copy pairs, %d look-alike non-copy pairs: P %.3f R %.3f", len(pos), len(neg), prec, rec)
	// Baseline: same normalised title.
	btp, bfp := 0, 0
	for p := range pos {
		if dedup.Normalize(fold, byID[p.a].Title) == dedup.Normalize(fold, byID[p.b].Title) {
			btp++
		}
	}
	for p := range neg {
		if dedup.Normalize(fold, byID[p.a].Title) == dedup.Normalize(fold, byID[p.b].Title) {
			bfp++
		}
	}
	t.Logf("baseline same title: P %.3f R %.3f", float64(btp)/float64(max(btp+bfp, 1)), float64(btp)/float64(len(pos)))
	if prec < 0.99 || rec < 0.95 {
		t.Errorf("copies P %.3f R %.3f below the 0.99/0.95 targets", prec, rec)
	}
}
