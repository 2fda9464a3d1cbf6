package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/mirror"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/store"
)

// scaleQueryGroups is the fixed query list of the scale bench, by kind;
// the shared list (simplified, traditional, English, filters) is added as
// its own group.
var scaleQueryGroups = []struct {
	name    string
	queries []string
}{
	{"single characters", []string{"的", "中", "港", "疫", "國"}},
	{"common bigrams", []string{"中国", "美国", "政府", "香港", "经济", "中國", "臺灣"}},
	{"rare phrases", []string{"卢卡申科", "盧卡申科", "林郑月娥", "核废水排海", "新冠疫苗 接种", "蓬佩奥 访华"}},
}

func newBenchScaleCmd(cfg *cli.Config) *cobra.Command {
	var sizesFlag string
	var rounds int
	var keep bool
	cmd := &cobra.Command{
		Use:   "scale [PATH]",
		Short: "Build archives of 100,000 and 1,000,000 articles and measure import, size, search and listing",
		Long: `scale copies the markdown mirror files under PATH (default: the shared
news-md corpus) with distinct URLs (and dates moved back a day per copy)
into a temporary directory until it holds each --sizes articles, imports
them into a new data directory as "newsvault import" does, imports them
again, and prints for each size: import articles/s, CPU and disk bytes
written, re-import time and CPU, store size against the input, search
p50/p99 over a fixed query list (single characters, common bigrams, rare
phrases, traditional forms and the shared 100 queries) beside a plain
FTS5 trigram index over the same texts, deep-listing latency and the
resident memory while searching. Nothing generated is kept unless --keep.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var sizes []int
			for _, f := range strings.Split(sizesFlag, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(f))
				if err != nil || n < 1 {
					return cli.Usagef("--sizes: %q is not a number of articles", f)
				}
				sizes = append(sizes, n)
			}
			if rounds < 1 {
				return cli.Usagef("--rounds must be at least 1")
			}
			path := ""
			if len(args) == 1 {
				path = args[0]
			} else if d := shareddata.Find(); d != "" {
				path = filepath.Join(d, "news-md")
			} else {
				return cli.Usagef("no PATH given and no shared data found (set %s)", shareddata.EnvVar)
			}
			entries, err := loadScaleEntries(path)
			if err != nil {
				return err
			}
			for _, n := range sizes {
				if err := runScale(cmd.Context(), cfg, entries, n, rounds, keep, cmd.OutOrStdout()); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&sizesFlag, "sizes", "100000,1000000", "archive sizes to build, comma-separated")
	cmd.Flags().IntVar(&rounds, "rounds", 3, "how many times each query runs")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the generated archive and data directory and print where")
	return cmd
}

// scaleEntry is one corpus article to copy.
type scaleEntry struct {
	outlet, name string
	e            mirror.Entry
}

func loadScaleEntries(path string) ([]scaleEntry, error) {
	files, err := pipeline.ImportFiles([]string{path})
	if err != nil {
		return nil, err
	}
	var out []scaleEntry
	for _, f := range files {
		e, err := mirror.ReadFile(f)
		if err != nil || e.Link == "" {
			continue
		}
		out = append(out, scaleEntry{outlet: filepath.Base(filepath.Dir(f)), name: filepath.Base(f), e: *e})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no mirror files with a link under %s", path)
	}
	return out, nil
}

// writeScaleArchive writes n articles under dir: copy c of corpus entry i
// as <outlet>/<c>-<name>, with its own URL and published c days earlier.
// It returns the bytes written.
func writeScaleArchive(dir string, entries []scaleEntry, n int) (int64, error) {
	var total int64
	made := map[string]bool{}
	for i := range n {
		se := entries[i%len(entries)]
		c := i / len(entries)
		e := se.e
		e.Link = copyURL(e.Link, c)
		if !e.Published.IsZero() {
			e.Published = e.Published.AddDate(0, 0, -c)
		}
		d := filepath.Join(dir, se.outlet)
		if !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return 0, err
			}
			made[d] = true
		}
		f, err := os.Create(filepath.Join(d, fmt.Sprintf("%d-%s", c, se.name)))
		if err != nil {
			return 0, err
		}
		err = mirror.Write(f, &e)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, err
		}
		st, err := os.Stat(f.Name())
		if err != nil {
			return 0, err
		}
		total += st.Size()
	}
	return total, nil
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// runScale builds, imports and measures one archive size.
func runScale(ctx context.Context, cfg *cli.Config, entries []scaleEntry, n, rounds int, keep bool, w io.Writer) error {
	dir, err := os.MkdirTemp("", "newsvault-scale-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintf(w, "kept in:         %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	in := filepath.Join(dir, "in")
	start := time.Now()
	inputBytes, err := writeScaleArchive(in, entries, n)
	if err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	fmt.Fprintf(w, "\n== %d articles (%d corpus files copied; %.0f MB of input written in %s)\n",
		n, len(entries), float64(inputBytes)/1e6, time.Since(start).Round(time.Second))

	c := *cfg
	c.DataDir = filepath.Join(dir, "data")
	a, err := cli.Open(ctx, &c)
	if err != nil {
		return err
	}
	defer a.Close()

	// Fresh import, then the same files again.
	type run struct {
		rep        *pipeline.ImportReport
		wall, cpu  time.Duration
		diskWrites int64
	}
	importOnce := func() (run, error) {
		w0, c0, t0 := diskWritten(), processCPU(), time.Now()
		rep, err := a.Pipe.Import(ctx, []string{in}, pipeline.ImportOptions{})
		return run{rep: rep, wall: time.Since(t0), cpu: processCPU() - c0, diskWrites: diskWritten() - w0}, err
	}
	fresh, err := importOnce()
	if err != nil {
		return err
	}
	again, err := importOnce()
	if err != nil {
		return err
	}
	kept := dirSize(c.DataDir)
	dbBytes := dirSize(c.DataDir) - dirSize(filepath.Join(c.DataDir, "blobs"))

	// Search, ours and the trigram baseline over the same texts.
	tri, triBuild, err := buildTrigram(ctx, filepath.Join(c.DataDir, "newsvault.db"), filepath.Join(dir, "trigram.db"))
	if err != nil {
		return err
	}
	defer tri.Close()
	groups := append(scaleQueryGroups[:len(scaleQueryGroups):len(scaleQueryGroups)], struct {
		name    string
		queries []string
	}{"shared 100 queries", shareddata.SearchQueries})
	type groupTimes struct{ ours, multi, oursTri, tri []time.Duration }
	var all groupTimes
	lines := []string{}
	for _, g := range groups {
		var gt groupTimes
		for r := 0; r < rounds; r++ {
			for _, raw := range g.queries {
				t, err := timeQuery(ctx, a.Store, a.Search, raw)
				if err != nil {
					return err
				}
				gt.ours = append(gt.ours, t.store)
				if g.name != "single characters" {
					all.multi = append(all.multi, t.store)
				}
				if expr, ok := trigramMatch(raw); ok {
					d, err := timeTrigram(ctx, tri, expr)
					if err != nil {
						return err
					}
					gt.tri = append(gt.tri, d)
					gt.oursTri = append(gt.oursTri, t.store)
				}
			}
		}
		all.ours = append(all.ours, gt.ours...)
		all.oursTri = append(all.oursTri, gt.oursTri...)
		all.tri = append(all.tri, gt.tri...)
		line := fmt.Sprintf("  %-20s ours %s", g.name, p50p99(gt.ours))
		if len(gt.tri) > 0 {
			line += fmt.Sprintf(" | 3+ char subset: ours %s, trigram %s", p50p99(gt.oursTri), p50p99(gt.tri))
		}
		lines = append(lines, line)
	}
	runtime.GC()
	debug.FreeOSMemory()
	rss := residentBytes()

	// Deep listings, as the home page and the API page through them.
	listing, err := timeDeepListing(ctx, a.Store)
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "| measure | %d articles |\n|---|---|\n", n)
	fmt.Fprintf(w, "| fresh import | %d files in %s: %.0f articles/s; CPU %s; %d new, %d failed, %d skipped |\n",
		fresh.rep.Files, fresh.wall.Round(time.Millisecond), float64(fresh.rep.NewVersions)/fresh.wall.Seconds(), fresh.cpu.Round(time.Millisecond),
		fresh.rep.NewVersions, len(fresh.rep.Failed), len(fresh.rep.Skipped))
	fmt.Fprintf(w, "| disk written by the import | %.0f MB (%.2f× what is kept) |\n", float64(fresh.diskWrites)/1e6, float64(fresh.diskWrites)/float64(kept))
	fmt.Fprintf(w, "| re-import (adds nothing) | %s, CPU %s = %.1f%% of the fresh import's CPU; %d new, %d unchanged |\n",
		again.wall.Round(time.Millisecond), again.cpu.Round(time.Millisecond), 100*again.cpu.Seconds()/fresh.cpu.Seconds(), again.rep.NewVersions, again.rep.Unchanged)
	fmt.Fprintf(w, "| store vs input | database %.0f MB = %.2f× the input; data directory (raw file blobs included) %.0f MB = %.2f× |\n",
		float64(dbBytes)/1e6, float64(dbBytes)/float64(inputBytes), float64(kept)/1e6, float64(kept)/float64(inputBytes))
	fmt.Fprintf(w, "| search, all queries | ours %s |\n", p50p99(all.ours))
	fmt.Fprintf(w, "| search, multi-character | ours %s |\n", p50p99(all.multi))
	fmt.Fprintf(w, "| search, 3+ character queries | ours %s; plain FTS5 trigram %s (built in %s) |\n", p50p99(all.oursTri), p50p99(all.tri), triBuild.Round(time.Second))
	fmt.Fprintf(w, "| deep listing (count + page) | %s |\n", listing)
	fmt.Fprintf(w, "| memory while searching | %.0f MB resident (the bench process, after GC) |\n", float64(rss)/1e6)
	fmt.Fprintln(w, "search by group (store search, first page of 20):")
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	return nil
}

// pct formats p50 and p99 of ds.
func p50p99(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration {
		return s[min(len(s)-1, int(p*float64(len(s))))].Round(10 * time.Microsecond)
	}
	return fmt.Sprintf("p50 %s p99 %s", at(.5), at(.99))
}

// buildTrigram fills a plain FTS5 trigram index at path with the title and
// text of every article's latest version in the store at storePath.
func buildTrigram(ctx context.Context, storePath, path string) (*sql.DB, time.Duration, error) {
	start := time.Now()
	src, err := sql.Open("sqlite", "file:"+storePath+"?mode=ro")
	if err != nil {
		return nil, 0, err
	}
	defer src.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, 0, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `PRAGMA journal_mode=WAL; CREATE VIRTUAL TABLE tri USING fts5(title, body, tokenize='trigram')`); err != nil {
		db.Close()
		return nil, 0, err
	}
	rows, err := src.QueryContext(ctx, `SELECT a.id, v.title, v.text FROM articles a JOIN versions v ON v.id = a.version_id`)
	if err != nil {
		db.Close()
		return nil, 0, err
	}
	defer rows.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		db.Close()
		return nil, 0, err
	}
	for i := 0; rows.Next(); i++ {
		var id int64
		var title, text string
		if err := rows.Scan(&id, &title, &text); err != nil {
			tx.Rollback()
			db.Close()
			return nil, 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tri (rowid, title, body) VALUES (?, ?, ?)`, id, title, text); err != nil {
			tx.Rollback()
			db.Close()
			return nil, 0, err
		}
		if i%20000 == 19999 {
			if err := tx.Commit(); err != nil {
				db.Close()
				return nil, 0, err
			}
			if tx, err = db.BeginTx(ctx, nil); err != nil {
				db.Close()
				return nil, 0, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		db.Close()
		return nil, 0, err
	}
	return db, time.Since(start), rows.Err()
}

// trigramMatch renders a query for the trigram baseline: every term a
// quoted string of at least three characters, all required. Queries with
// filters, exclusions or shorter terms have no trigram form.
func trigramMatch(raw string) (string, bool) {
	terms := strings.Fields(raw)
	if len(terms) == 0 {
		return "", false
	}
	for i, t := range terms {
		if strings.ContainsAny(t, `:"-*()`) || utf8.RuneCountInString(t) < 3 || strings.EqualFold(t, "OR") || strings.EqualFold(t, "NOT") {
			return "", false
		}
		terms[i] = `"` + t + `"`
	}
	return strings.Join(terms, " AND "), true
}

// timeTrigram runs the baseline's first page: ranked, counted, 20 hits.
func timeTrigram(ctx context.Context, db *sql.DB, match string) (time.Duration, error) {
	start := time.Now()
	rows, err := db.QueryContext(ctx, `SELECT rowid, count(*) OVER () FROM tri WHERE tri MATCH ? ORDER BY rank LIMIT 20`, match)
	if err != nil {
		return 0, fmt.Errorf("trigram %q: %w", match, err)
	}
	for rows.Next() {
	}
	rows.Close()
	return time.Since(start), rows.Err()
}

// timeDeepListing times the count and one page of 20 at the first, the
// middle and the last page of all articles (the median of five runs
// each), as the home page and the API list them.
func timeDeepListing(ctx context.Context, st interface {
	CountArticles(context.Context, store.ArticleFilter) (int, error)
	Articles(context.Context, store.ArticleFilter) ([]archive.Article, error)
}) (string, error) {
	total, err := st.CountArticles(ctx, store.ArticleFilter{})
	if err != nil {
		return "", err
	}
	var parts []string
	for _, off := range []int{0, total / 2, max(total-20, 0)} {
		var ds []time.Duration
		for range 5 {
			t0 := time.Now()
			if _, err := st.CountArticles(ctx, store.ArticleFilter{}); err != nil {
				return "", err
			}
			if _, err := st.Articles(ctx, store.ArticleFilter{Offset: off, Limit: 20, NoContent: true}); err != nil {
				return "", err
			}
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		parts = append(parts, fmt.Sprintf("offset %d: %s", off, ds[len(ds)/2].Round(10*time.Microsecond)))
	}
	return strings.Join(parts, "; "), nil
}
