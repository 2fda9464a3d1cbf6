package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/publish"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/store/sqlite"
)

// siteQuery is one measured query: a substring of an article's text, as
// written there or converted to the other script.
type siteQuery struct {
	Text  string
	Other bool // converted: simplified ↔ traditional
}

// siteResult is what one search engine found for a query and what the
// reader downloaded for its first page.
type siteResult struct {
	found map[int64]bool
	bytes int64
}

func newBenchSiteSearchCmd(cfg *cli.Config) *cobra.Command {
	var n int
	var pagefindOut string
	var seed uint64
	cmd := &cobra.Command{
		Use:   "site-search [PATH]",
		Short: "Compare the static site's own search index with Pagefind on recall and bytes per query",
		Long: `site-search stores PATH (default: the shared news-md corpus), publishes it
as a static site, and samples --queries substrings of 2 to 6 Chinese
characters from the articles' text, each also converted to the other script
(simplified ↔ traditional). The server's search (the store's full-text index)
gives the expected articles of each; the site's own index (replayed as
search.js runs it) is measured on recall against it and on the bytes a
reader downloads for one query (the index files it loads and its first page
of results).

scripts/pagefind-compare measures Pagefind (npm package pagefind, whose
extended build segments Chinese) on the same sample and queries, from what
--pagefind-out writes; Pagefind is only measured, never used by the
product.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			w := cmd.OutOrStdout()
			path, err := corpusPath(args)
			if err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "newsvault-bench-site-search-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			st, blobs, an, err := openBenchArchive(ctx, dir)
			if err != nil {
				return err
			}
			defer st.Close()
			docs, _, err := storeCorpus(ctx, st, an, path, 1, true)
			if err != nil {
				return err
			}
			site := publish.Target{Name: "site", Kind: publish.KindSite, Dir: filepath.Join(dir, "site")}
			rep, err := (&publish.Publisher{Store: st, Blobs: blobs, Analyzer: an}).Run(ctx, site)
			if err != nil {
				return err
			}
			queries := sampleQueries(docs, an, n, seed)
			fmt.Fprintf(w, "sample:     %d articles published; %d queries of 2–6 characters, each as in the text and in the other script\n", rep.Articles, len(queries)/2)

			truth := make([]map[int64]bool, len(queries))
			ours := make([]siteResult, len(queries))
			for i, q := range queries {
				if truth[i], err = serverHits(ctx, st, an, q.Text); err != nil {
					return err
				}
				b, _, all, err := searchDownload(site.Dir, an, q.Text)
				if err != nil {
					return err
				}
				ours[i] = siteResult{found: map[int64]bool{}, bytes: b}
				for _, id := range all {
					ours[i].found[id] = true
				}
			}
			searchBytes, _ := dirBytes(filepath.Join(site.Dir, "search"))
			report := func(name string, res []siteResult, indexBytes int64) {
				misses := 0
				for _, other := range []bool{false, true} {
					var sum float64
					full, counted := 0, 0
					for i, q := range queries {
						if q.Other != other || len(truth[i]) == 0 {
							continue
						}
						hit := 0
						for id := range truth[i] {
							if res[i].found[id] {
								hit++
							}
						}
						if hit < len(truth[i]) && misses < 5 {
							misses++
							var ids []int64
							for id := range truth[i] {
								if !res[i].found[id] {
									ids = append(ids, id)
								}
							}
							slices.Sort(ids)
							fmt.Fprintf(w, "%-9s   missed %q: %d of %d server hits, e.g. articles %v\n", name+":", q.Text, len(truth[i])-hit, len(truth[i]), ids[:min(5, len(ids))])
						}
						r := float64(hit) / float64(len(truth[i]))
						sum += r
						counted++
						if hit == len(truth[i]) {
							full++
						}
					}
					label := "as written"
					if other {
						label = "other script"
					}
					if counted > 0 {
						fmt.Fprintf(w, "%-9s   recall %-13s %5.1f%% (all found for %d of %d queries)\n", name+":", label+":", 100*sum/float64(counted), full, counted)
					}
				}
				var bs []int64
				for _, r := range res {
					bs = append(bs, r.bytes)
				}
				slices.Sort(bs)
				fmt.Fprintf(w, "%-9s   bytes per query: median %.0f KB, 90th percentile %.0f KB, max %.0f KB; index on disk %.1f MB\n", name+":",
					float64(bs[len(bs)/2])/1024, float64(bs[len(bs)*9/10])/1024, float64(bs[len(bs)-1])/1024, float64(indexBytes)/1e6)
			}
			report("ours", ours, searchBytes)

			if pagefindOut != "" {
				if err := exportForPagefind(site.Dir, pagefindOut, queries, truth); err != nil {
					return err
				}
				fmt.Fprintf(w, "pagefind:   sample and queries written to %s for scripts/pagefind_search.mjs\n", pagefindOut)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&n, "queries", 200, "how many substrings to sample (each is also measured in the other script)")
	cmd.Flags().StringVar(&pagefindOut, "pagefind-out", "", "write the article pages and the queries with the server's hits here, for scripts/pagefind-compare")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "the seed of the query sample")
	return cmd
}

// sampleQueries picks n runs of 2–6 Han characters from the documents' text
// and pairs each with its form in the other script, when that differs.
func sampleQueries(docs []benchDoc, an *search.Analyzer, n int, seed uint64) []siteQuery {
	toTrad := map[rune]rune{}
	for r := rune(0x4E00); r <= 0x9FFF; r++ {
		f := an.Fold(string(r))
		if s, size := utf8.DecodeRuneInString(f); size == len(f) && s != r {
			if _, ok := toTrad[s]; !ok {
				toTrad[s] = r
			}
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	var out []siteQuery
	for tries := 0; len(out) < 2*n && tries < 100*n; tries++ {
		text := []rune(docs[rng.IntN(len(docs))].w.Version.Text)
		l := 2 + rng.IntN(5)
		if len(text) < l {
			continue
		}
		at := rng.IntN(len(text) - l + 1)
		run := text[at : at+l]
		if slices.ContainsFunc(run, func(r rune) bool { return !unicode.Is(unicode.Han, r) }) {
			continue
		}
		q := string(run)
		other := an.Fold(q)
		if other == q {
			conv := slices.Clone(run)
			for i, r := range conv {
				if t, ok := toTrad[r]; ok {
					conv[i] = t
				}
			}
			other = string(conv)
		}
		if other == q {
			continue
		}
		out = append(out, siteQuery{Text: q}, siteQuery{Text: other, Other: true})
	}
	return out
}

// serverHits is every article the server's search finds for q.
func serverHits(ctx context.Context, st *sqlite.Store, an *search.Analyzer, q string) (map[int64]bool, error) {
	m := an.Parse(q, time.UTC).Match
	out := map[int64]bool{}
	for off := 0; ; off += 100 {
		hits, total, err := st.Search(ctx, store.SearchQuery{Match: m, Limit: 100, Offset: off})
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", q, err)
		}
		for _, h := range hits {
			out[h.Article.ID] = true
		}
		if len(hits) == 0 || off+len(hits) >= total {
			return out, nil
		}
	}
}

// exportForPagefind links the site's article pages into out/site/a (as a
// site would mark them with data-pagefind-body: lists would otherwise be
// hits too) and writes out/queries.json with the server's hits of each
// query, for scripts/pagefind_search.mjs.
func exportForPagefind(site, out string, queries []siteQuery, truth []map[int64]bool) error {
	pages, err := filepath.Glob(filepath.Join(site, "a", "*.html"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "site", "a"), 0o755); err != nil {
		return err
	}
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "site", "a", filepath.Base(p)), b, 0o644); err != nil {
			return err
		}
	}
	type query struct {
		Q     string  `json:"q"`
		Other bool    `json:"other"`
		Truth []int64 `json:"truth"`
	}
	qs := make([]query, len(queries))
	for i, q := range queries {
		qs[i] = query{Q: q.Text, Other: q.Other, Truth: []int64{}}
		for id := range truth[i] {
			qs[i].Truth = append(qs[i].Truth, id)
		}
		slices.Sort(qs[i].Truth)
	}
	b, err := json.Marshal(map[string]any{"queries": qs, "page": 20})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "queries.json"), b, 0o644)
}
