package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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

//go:embed pagefind_search.mjs
var pagefindSearchJS []byte

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
	var pagefindDir string
	var seed uint64
	cmd := &cobra.Command{
		Use:   "site-search [PATH]",
		Short: "Compare the static site's own search index with Pagefind on recall and bytes per query",
		Long: `site-search stores PATH (default: the shared news-md corpus), publishes it
as a static site, and samples --queries substrings of 2 to 6 Chinese
characters from the articles' text, each also converted to the other script
(simplified ↔ traditional). The server's search (the store's full-text index)
gives the expected articles of each; the site's own index (replayed as
search.js runs it) and, when it is installed, Pagefind (npm package
pagefind, whose extended build segments Chinese, run on the site's article
pages) are measured on recall against it and on the bytes a reader
downloads for one query (the index files it loads and its first page of
results).

Pagefind is only measured, never used by the product: install it with
"npm install pagefind" in a directory and pass that directory as --pagefind
(default: the working directory); without node or the package it is
skipped with a message.`,
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

			pf, pfBytes, err := runPagefind(ctx, w, pagefindDir, site.Dir, filepath.Join(dir, "pagefind-site"), queries)
			if err != nil {
				return err
			}
			if pf != nil {
				report("pagefind", pf, pfBytes)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&n, "queries", 200, "how many substrings to sample (each is also measured in the other script)")
	cmd.Flags().StringVar(&pagefindDir, "pagefind", ".", "a directory where \"npm install pagefind\" was run")
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

var pagePathRE = regexp.MustCompile(`a/(\d+)\.html`)

// runPagefind indexes the site's article pages with Pagefind's extended
// build and runs every query through its own search code under Node. It
// returns nil results, after saying why, when node or the package is
// missing.
func runPagefind(ctx context.Context, w io.Writer, pkgDir, site, work string, queries []siteQuery) ([]siteResult, int64, error) {
	runner := filepath.Join(pkgDir, "node_modules", "pagefind", "lib", "runner", "bin.cjs")
	node, err := exec.LookPath("node")
	if err != nil {
		fmt.Fprintf(w, "pagefind:   skipped: node is not installed\n")
		return nil, 0, nil
	}
	if _, err := os.Stat(runner); err != nil {
		fmt.Fprintf(w, "pagefind:   skipped: no %s (run \"npm install pagefind\" there, or pass --pagefind DIR)\n", runner)
		return nil, 0, nil
	}
	// Only the article pages, as a site would mark them with
	// data-pagefind-body: lists would otherwise be hits too.
	pages, err := filepath.Glob(filepath.Join(site, "a", "*.html"))
	if err != nil {
		return nil, 0, err
	}
	if err := os.MkdirAll(filepath.Join(work, "a"), 0o755); err != nil {
		return nil, 0, err
	}
	for _, p := range pages {
		if err := os.Link(p, filepath.Join(work, "a", filepath.Base(p))); err != nil {
			return nil, 0, err
		}
	}
	t0 := time.Now()
	build := exec.CommandContext(ctx, node, runner, "--site", work)
	if out, err := build.CombinedOutput(); err != nil {
		return nil, 0, fmt.Errorf("pagefind: %w\n%s", err, out)
	}
	fmt.Fprintf(w, "pagefind:   indexed %d pages in %s\n", len(pages), time.Since(t0).Round(time.Millisecond))
	script := filepath.Join(work, "search.mjs")
	if err := os.WriteFile(script, pagefindSearchJS, 0o644); err != nil {
		return nil, 0, err
	}
	qs := make([]string, len(queries))
	for i, q := range queries {
		qs[i] = q.Text
	}
	in, _ := json.Marshal(map[string]any{"dir": filepath.Join(work, "pagefind"), "queries": qs, "page": 20})
	run := exec.CommandContext(ctx, node, script)
	run.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	run.Stderr = &stderr
	out, err := run.Output()
	if err != nil {
		return nil, 0, fmt.Errorf("pagefind search: %w\n%s", err, stderr.Bytes())
	}
	var got []struct {
		URLs  []string `json:"urls"`
		Bytes int64    `json:"bytes"`
	}
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(queries) {
		return nil, 0, fmt.Errorf("pagefind search: %d results for %d queries: %v", len(got), len(queries), err)
	}
	res := make([]siteResult, len(got))
	for i, g := range got {
		res[i] = siteResult{found: map[int64]bool{}, bytes: g.Bytes}
		for _, u := range g.URLs {
			if m := pagePathRE.FindStringSubmatch(u); m != nil {
				id, _ := strconv.ParseInt(m[1], 10, 64)
				res[i].found[id] = true
			}
		}
	}
	size, _ := dirBytes(filepath.Join(work, "pagefind"))
	return res, size, nil
}
