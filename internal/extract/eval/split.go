package eval

import (
	"hash/fnv"
	"net/url"
	"strings"
)

// The by-site split guards against tuning the extractor to the benchmark
// pages: each set's pages are divided by site (host) into a part to tune
// on and a part that is only measured, so that no site is in both, and
// both parts' scores are reported side by side. A site goes to the
// measure-only part when the FNV-1a hash of its host is odd; the split
// does not depend on the extractor or on the order of pages.
const (
	PartTune    = "tune"
	PartMeasure = "measure-only"
)

// Part returns the part of the by-site split page p belongs to.
func Part(p *Page) string {
	h := fnv.New32a()
	h.Write([]byte(Site(p)))
	if h.Sum32()%2 == 1 {
		return PartMeasure
	}
	return PartTune
}

// Site returns the host p comes from, without "www.", or its ID when its
// URL has no host.
func Site(p *Page) string {
	if u, err := url.Parse(p.URL); err == nil && u.Host != "" {
		return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	}
	return p.ID
}

// SplitScores returns r's scores on the tune part and the measure-only
// part of the by-site split.
func SplitScores(r *Result) (tune, measure Corpus) {
	for _, pr := range r.PageResults {
		if !pr.Page.HasRef {
			continue
		}
		if Part(pr.Page) == PartMeasure {
			measure.Add(pr.Score)
		} else {
			tune.Add(pr.Score)
		}
	}
	return tune, measure
}

// splitSites counts the sites and scored pages in each part of s.
func splitSites(s *Set) (tuneSites, tunePages, measureSites, measurePages int) {
	seen := make(map[string]bool)
	for _, p := range s.Pages {
		if !p.HasRef {
			continue
		}
		site, part := Site(p), Part(p)
		if part == PartMeasure {
			measurePages++
		} else {
			tunePages++
		}
		if seen[site] {
			continue
		}
		seen[site] = true
		if part == PartMeasure {
			measureSites++
		} else {
			tuneSites++
		}
	}
	return
}
