package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/store/postgres"
	"github.com/newsvault/newsvault/internal/store/sqlite"
)

// benchEdgeQueries are worst cases reported apart from the percentiles: a
// single character matches every bigram it starts (an FTS5 prefix query
// over thousands of terms), and very common words match most articles, all
// of which are ranked.
var benchEdgeQueries = []string{"港", "疫", "的", "中国 美国", "新冠 疫情 美国 中国"}

func newBenchSearchCmd(cfg *cli.Config) *cobra.Command {
	var copies, rounds int
	var keep bool
	cmd := &cobra.Command{
		Use:   "search [PATH]",
		Short: "Index a corpus several times over and measure indexing speed, index size and query latency",
		Long: `search imports the markdown mirror files under PATH (default: the
shared news-md corpus found at ../shared/data/news-md) --copies times, each
copy under different URLs, into a new, empty store in a temporary directory,
indexing every article as the pipeline does. It then runs a fixed list of
100 queries --rounds times each, as the web search does (parse, match, one
page of 20 hits with highlighted snippets), and prints the indexing
throughput, the size of the index against the text it indexes, and the
query latency percentiles.

The store is a new SQLite file unless --store names a PostgreSQL database
(postgres://…), which must be empty: the same corpus, writes and queries
then measure the PostgreSQL store.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if copies < 1 || rounds < 1 {
				return cli.Usagef("--copies and --rounds must be at least 1")
			}
			path := ""
			if len(args) == 1 {
				path = args[0]
			} else if d := shareddata.Find(); d != "" {
				path = filepath.Join(d, "news-md")
			} else {
				return cli.Usagef("no PATH given and no shared data found (set %s)", shareddata.EnvVar)
			}
			an, err := search.NewAnalyzer()
			if err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "newsvault-bench-")
			if err != nil {
				return err
			}
			if !keep {
				defer os.RemoveAll(dir)
			}
			st, err := openBenchStore(ctx, cfg.Store, filepath.Join(dir, "newsvault.db"))
			if err != nil {
				return err
			}
			defer st.Close()
			log := cfg.Logger()
			w := cmd.OutOrStdout()

			files, err := pipeline.ImportFiles([]string{path})
			if err != nil {
				return err
			}
			start := time.Now()
			docs := prepareBenchDocs(an, files)
			prepared := time.Since(start)
			var textBytes int
			for _, d := range docs {
				textBytes += len(d.w.Version.Title) + len(d.w.Version.Text)
			}
			fmt.Fprintf(w, "corpus:          %d files, %d articles, %.1f MB of text\n", len(files), len(docs), float64(textBytes)/1e6)
			fmt.Fprintf(w, "tokenising:      %s for parse + sanitize + plain text + tokens (%.0f articles/s on %d CPUs)\n",
				prepared.Round(time.Millisecond), float64(len(docs))/prepared.Seconds(), runtime.GOMAXPROCS(0))

			prog := cli.NewProgress(log, "indexing", copies*len(docs))
			start = time.Now()
			written := 0
			for c := 0; c < copies; c++ {
				sources := map[string]int64{}
				for _, d := range docs {
					src, ok := sources[d.outlet]
					if !ok {
						s, err := st.EnsureSource(ctx, &archive.Source{Kind: archive.KindImport, FeedURL: "import:" + d.outlet, Title: d.outlet})
						if err != nil {
							return err
						}
						src, sources[d.outlet] = s.ID, s.ID
					}
					aw := *d.w
					aw.Article.URL = copyURL(d.w.Article.URL, c)
					aw.Article.SourceID = src
					if _, err := st.SaveArticle(ctx, &aw); err != nil {
						return err
					}
					written++
					prog.Set(written, copies*len(docs))
				}
			}
			prog.Finish()
			indexing := time.Since(start)
			is, err := benchIndexStats(ctx, st)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "stored:          %d article writes in %s: %.0f articles/s (one transaction each, index included)\n",
				written, indexing.Round(time.Millisecond), float64(written)/indexing.Seconds())
			fmt.Fprintf(w, "index:           %d articles, %.1f MB as written; indexed text %.1f MB (index/text %.2f)\n",
				is.Entries, float64(is.IndexBytes)/1e6, float64(is.TextBytes)/1e6, float64(is.IndexBytes)/float64(is.TextBytes))
			if err := runBenchQueries(ctx, w, st, an, rounds, "as written"); err != nil {
				return err
			}
			start = time.Now()
			if err := st.OptimizeIndex(ctx); err != nil {
				return err
			}
			optimizing := time.Since(start)
			if is, err = benchIndexStats(ctx, st); err != nil {
				return err
			}
			fmt.Fprintf(w, "optimized:       %.1f MB after merging into one segment in %s (index/text %.2f)\n",
				float64(is.IndexBytes)/1e6, optimizing.Round(time.Millisecond), float64(is.IndexBytes)/float64(is.TextBytes))

			if err := runBenchQueries(ctx, w, st, an, rounds, "optimized"); err != nil {
				return err
			}
			if keep {
				fmt.Fprintf(w, "store kept in:   %s\n", dir)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&copies, "copies", 10, "how many times the corpus is indexed, under different URLs")
	cmd.Flags().IntVar(&rounds, "rounds", 5, "how many times each query runs")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary store and print where it is")
	return cmd
}

// benchDoc is one corpus article ready to store.
type benchDoc struct {
	outlet string
	w      *store.ArticleWrite
}

// prepareBenchDocs parses, sanitizes and tokenises the mirror files in
// parallel; files that are not mirror files with a link are left out.
func prepareBenchDocs(an *search.Analyzer, files []string) []benchDoc {
	san := content.NewSanitizer()
	out := make([]*benchDoc, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = prepareBenchDoc(an, san, files[i])
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	var docs []benchDoc
	for _, d := range out {
		if d != nil {
			docs = append(docs, *d)
		}
	}
	return docs
}

func prepareBenchDoc(an *search.Analyzer, san *content.Sanitizer, file string) *benchDoc {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	u, v, err := pipeline.MirrorArticle(filepath.Base(file), data, san, nil)
	if err != nil {
		return nil
	}
	w := &store.ArticleWrite{Article: archive.Article{URL: u}, Version: v}
	w.Version.Hash = archive.ContentHash(&w.Version)
	doc := an.Index(w.Version.Title, w.Version.Text)
	w.Index = &doc
	return &benchDoc{outlet: filepath.Base(filepath.Dir(file)), w: w}
}

// copyURL gives copy n of an article its own URL. A query parameter, since
// canonical URLs drop fragments.
func copyURL(u string, n int) string {
	if n == 0 {
		return u
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return fmt.Sprintf("%s%snewsvault-copy=%d", u, sep, n)
}

// queryTiming is one run of one query.
type queryTiming struct {
	query        string
	store, total time.Duration // the store's search; the whole request
	hits         int
}

// timeQuery runs one query as the web search does: parse, build the match
// expression, search one page of 20, highlight each hit.
func timeQuery(ctx context.Context, st benchStore, an *search.Analyzer, raw string) (queryTiming, error) {
	t0 := time.Now()
	q := an.Parse(raw, time.UTC)
	sq := store.SearchQuery{Match: q.Match, After: q.After, Before: q.Before, Limit: 20}
	t1 := time.Now()
	hits, total, err := st.Search(ctx, sq)
	if err != nil {
		return queryTiming{}, fmt.Errorf("query %q: %w", raw, err)
	}
	t2 := time.Now()
	for _, h := range hits {
		an.Highlight(h.Article.Text, q, 200)
	}
	return queryTiming{query: raw, store: t2.Sub(t1), total: time.Since(t0), hits: total}, nil
}

// runBenchQueries runs every bench query rounds times and prints latency
// percentiles, of the store's search alone and of the whole request, then
// the slowest queries and the edge queries. label names the index's state.
func runBenchQueries(ctx context.Context, w io.Writer, st benchStore, an *search.Analyzer, rounds int, label string) error {
	var all []queryTiming
	for r := 0; r < rounds; r++ {
		for _, raw := range shareddata.SearchQueries {
			t, err := timeQuery(ctx, st, an, raw)
			if err != nil {
				return err
			}
			all = append(all, t)
		}
	}
	pcts := func(get func(queryTiming) time.Duration) string {
		ds := make([]time.Duration, len(all))
		for i, t := range all {
			ds[i] = get(t)
		}
		slices.Sort(ds)
		at := func(p float64) time.Duration {
			return ds[min(len(ds)-1, int(p*float64(len(ds))))].Round(10 * time.Microsecond)
		}
		return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s", at(.5), at(.9), at(.99), at(1))
	}
	fmt.Fprintf(w, "queries (%s): %d distinct × %d rounds\n", label, len(shareddata.SearchQueries), rounds)
	fmt.Fprintf(w, "store search:    %s\n", pcts(func(t queryTiming) time.Duration { return t.store }))
	fmt.Fprintf(w, "with snippets:   %s\n", pcts(func(t queryTiming) time.Duration { return t.total }))
	slices.SortFunc(all, func(a, b queryTiming) int { return int(b.total - a.total) })
	seen := map[string]bool{}
	fmt.Fprintf(w, "slowest:        ")
	for _, t := range all {
		if len(seen) == 5 {
			break
		}
		if !seen[t.query] {
			seen[t.query] = true
			fmt.Fprintf(w, " %s (%d hits, %s)", t.query, t.hits, t.total.Round(100*time.Microsecond))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "edge queries:   ")
	for _, raw := range benchEdgeQueries {
		var best queryTiming
		for r := 0; r < rounds; r++ {
			t, err := timeQuery(ctx, st, an, raw)
			if err != nil {
				return err
			}
			if r == 0 || t.total < best.total {
				best = t
			}
		}
		fmt.Fprintf(w, " %s (%d hits, %s)", raw, best.hits, best.total.Round(100*time.Microsecond))
	}
	fmt.Fprintln(w, " (fastest of the rounds)")
	return nil
}

// benchStore is what the search bench writes to and queries: either store.
type benchStore interface {
	EnsureSource(ctx context.Context, src *archive.Source) (archive.Source, error)
	SaveArticle(ctx context.Context, w *store.ArticleWrite) (store.SaveResult, error)
	Search(ctx context.Context, q store.SearchQuery) ([]store.SearchHit, int, error)
	OptimizeIndex(ctx context.Context) error
	Stats(ctx context.Context) (store.Stats, error)
	Close() error
}

// openBenchStore opens a new SQLite store at path, or the PostgreSQL
// database dsn names, which must hold no articles.
func openBenchStore(ctx context.Context, dsn, path string) (benchStore, error) {
	if !postgres.IsDSN(dsn) {
		return sqlite.Open(ctx, path)
	}
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if n, err := st.Stats(ctx); err != nil || n.Articles > 0 {
		st.Close()
		if err == nil {
			err = cli.Usagef("--store: the bench needs an empty database; this one holds %d articles", n.Articles)
		}
		return nil, err
	}
	return st, nil
}

// benchIndexStats measures either store's search index.
func benchIndexStats(ctx context.Context, st benchStore) (sqlite.IndexStats, error) {
	switch st := st.(type) {
	case *sqlite.Store:
		return st.IndexStats(ctx)
	case *postgres.Store:
		is, err := st.IndexStats(ctx)
		return sqlite.IndexStats{Entries: is.Entries, IndexBytes: is.IndexBytes, TextBytes: is.TextBytes}, err
	}
	return sqlite.IndexStats{}, fmt.Errorf("index stats of %T", st)
}
