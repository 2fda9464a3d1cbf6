// Package eval measures article extraction: it loads the shared benchmark
// pages with their reference texts and answers, runs newsvault's extractor
// and its Go peers over them in one process, and scores body text
// (Score: shingle precision, recall and F1), title, author and date, and
// speed. The newsvault eval command prints its report.
//
// It reads the data it is given and nothing else: no network, no store.
package eval

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/newsvault/newsvault/internal/extract"
)

// Tally counts right answers among the pages that have one.
type Tally struct{ Right, Of int }

func (t Tally) String() string {
	if t.Of == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", t.Right, t.Of)
}

// PageResult is one extractor's outcome on one page.
type PageResult struct {
	Page  *Page
	Out   Output
	Score PageScore // zero unless the page has a reference
}

// Result is one extractor's outcome on one set.
type Result struct {
	Extractor     string
	Corpus        Corpus // pages with a reference only
	Pages, Failed int
	Elapsed       time.Duration
	CPU           time.Duration // process CPU time (all threads, GC included) spent in the extractor
	Kinds         map[string]int
	// TimingOnly marks a reference point that extracts nothing (the bare
	// parse): only its speed is reported.
	TimingOnly          bool
	Title, Author, Date Tally
	PageResults         []PageResult
}

// PagesPerSecond is the extractor's throughput on the set.
func (r *Result) PagesPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Pages) / r.Elapsed.Seconds()
}

// PagesPerCPUSecond is the extractor's throughput per second of CPU time
// on the set: with GOMAXPROCS 1, its single-core speed.
func (r *Result) PagesPerCPUSecond() float64 {
	if r.CPU <= 0 {
		return 0
	}
	return float64(r.Pages) / r.CPU.Seconds()
}

// SetReport is every extractor's outcome on one set.
type SetReport struct {
	Set     *Set
	Results []*Result
}

// Run runs every extractor over every page of every set, one page at a
// time, and scores the outputs. The time of each extraction call (decoding
// and parsing included) is what PagesPerSecond reports. It stops with ctx's
// error when ctx ends.
func Run(ctx context.Context, sets []*Set, extractors []Extractor) ([]*SetReport, error) {
	var reports []*SetReport
	for _, s := range sets {
		rep := &SetReport{Set: s}
		for _, x := range extractors {
			r := &Result{Extractor: x.Name(), Kinds: make(map[string]int)}
			if t, ok := x.(interface{ TimingOnly() bool }); ok {
				r.TimingOnly = t.TimingOnly()
			}
			for _, p := range s.Pages {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				start, cpu := time.Now(), processCPU()
				out := x.Extract(ctx, p)
				r.Elapsed += time.Since(start)
				r.CPU += processCPU() - cpu
				r.Pages++
				if out.Err != nil {
					r.Failed++
				}
				if out.Kind != "" {
					r.Kinds[out.Kind]++
				}
				pr := PageResult{Page: p, Out: out}
				if p.HasRef {
					pr.Score = Score(ScoredText(p, out), p.Ref)
					r.Corpus.Add(pr.Score)
				}
				tallyMeta(r, p, out)
				r.PageResults = append(r.PageResults, pr)
			}
			rep.Results = append(rep.Results, r)
		}
		reports = append(reports, rep)
	}
	return reports, nil
}

// ScoredText is the text of out that is compared with p's reference: the
// body, after the title when the reference starts with the headline.
func ScoredText(p *Page, out Output) string {
	if p.TitleFirst && out.Title != "" {
		return out.Title + "\n\n" + out.Text
	}
	return out.Text
}

// tallyMeta scores the title, author and date of out against p's answers.
func tallyMeta(r *Result, p *Page, out Output) {
	if p.Title != "" {
		r.Title.Of++
		if squash(p.Title) == squash(out.Title) {
			r.Title.Right++
		}
	}
	if p.Author != "" {
		r.Author.Of++
		if squash(p.Author) == squash(out.Author) {
			r.Author.Right++
		}
	}
	if p.Date != "" {
		r.Date.Of++
		if SameDay(p.Date, out.Published) {
			r.Date.Right++
		}
	}
}

// squash removes all whitespace, so that answers compare regardless of
// spacing.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// SameDay reports whether got falls on the day of the answer want, read on
// got's own wall clock. A partial answer ("2018", "1998-3") only needs the
// parts it has to match.
func SameDay(want string, got time.Time) bool {
	if got.IsZero() || strings.TrimSpace(want) == "" {
		return false
	}
	if w, ok := extract.ParseDate(want, time.UTC); ok {
		return w.Format("2006-01-02") == got.Format("2006-01-02")
	}
	parts := strings.Split(strings.Fields(want)[0], "-")
	if len(parts) > 2 || parts[0] != got.Format("2006") {
		return false
	}
	return len(parts) == 1 || strings.TrimLeft(parts[1], "0") == got.Format("1")
}

// Print writes the report as one table per set.
func Print(w io.Writer, reports []*SetReport) {
	for i, rep := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		scored := 0
		for _, p := range rep.Set.Pages {
			if p.HasRef {
				scored++
			}
		}
		fmt.Fprintf(w, "%s: %d pages, %d scored; reference: %s\n", rep.Set.Name, len(rep.Set.Pages), scored, rep.Set.Note)
		if rep.Set.MetaNote != "" {
			fmt.Fprintf(w, "  answers: %s\n", rep.Set.MetaNote)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "  extractor\tprecision\trecall\tF1\tempty\tfailed\tpages/s\tpages/CPU-s\ttitle\tauthor\tdate\t\n")
		for _, r := range rep.Results {
			if r.TimingOnly {
				fmt.Fprintf(tw, "  %s\t-\t-\t-\t-\t%d\t%.1f\t%.1f\t-\t-\t-\t\n", r.Extractor, r.Failed, r.PagesPerSecond(), r.PagesPerCPUSecond())
				continue
			}
			fmt.Fprintf(tw, "  %s\t%.3f\t%.3f\t%.3f\t%d\t%d\t%.1f\t%.1f\t%s\t%s\t%s\t\n",
				r.Extractor, r.Corpus.Precision(), r.Corpus.Recall(), r.Corpus.F1(), r.Corpus.EmptyOnText,
				r.Failed, r.PagesPerSecond(), r.PagesPerCPUSecond(), r.Title, r.Author, r.Date)
		}
		tw.Flush()
		printSplit(w, rep)
		if len(rep.Results) > 0 {
			if k := kindsLine(rep.Results[0].Kinds); k != "" {
				fmt.Fprintf(w, "  %s page kinds: %s\n", rep.Results[0].Extractor, k)
			}
		}
	}
}

// printSplit writes the by-site split of rep: each extractor's scores on
// the tune part and on the measure-only part, side by side.
func printSplit(w io.Writer, rep *SetReport) {
	ts, tp, ms, mp := splitSites(rep.Set)
	if tp == 0 || mp == 0 {
		return
	}
	fmt.Fprintf(w, "  by site: tune %d sites, %d pages | measure-only %d sites, %d pages\n", ts, tp, ms, mp)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "  extractor\ttune P\tR\tF1\tmeasure P\tR\tF1\tgap F1\t\n")
	for _, r := range rep.Results {
		if r.TimingOnly {
			continue
		}
		t, m := SplitScores(r)
		fmt.Fprintf(tw, "  %s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%+.3f\t\n", r.Extractor,
			t.Precision(), t.Recall(), t.F1(), m.Precision(), m.Recall(), m.F1(), m.F1()-t.F1())
	}
	tw.Flush()
}

// kindsLine formats page-kind counts, most frequent first.
func kindsLine(kinds map[string]int) string {
	type kc struct {
		k string
		n int
	}
	var ks []kc
	for k, n := range kinds {
		ks = append(ks, kc{k, n})
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].n > ks[j].n || ks[i].n == ks[j].n && ks[i].k < ks[j].k })
	var parts []string
	for _, x := range ks {
		parts = append(parts, fmt.Sprintf("%s %d", x.k, x.n))
	}
	return strings.Join(parts, ", ")
}

// PrintWorst writes, for the first extractor of each set, the n scored
// pages with the lowest F1, with their precision, recall and any error.
func PrintWorst(w io.Writer, reports []*SetReport, n int) {
	for _, rep := range reports {
		if len(rep.Results) == 0 {
			continue
		}
		r := rep.Results[0]
		var prs []PageResult
		for _, pr := range r.PageResults {
			if pr.Page.HasRef {
				prs = append(prs, pr)
			}
		}
		sort.SliceStable(prs, func(i, j int) bool { return prs[i].Score.F1() < prs[j].Score.F1() })
		fmt.Fprintf(w, "\n%s: the %d worst pages for %s\n", rep.Set.Name, min(n, len(prs)), r.Extractor)
		for _, pr := range prs[:min(n, len(prs))] {
			line := fmt.Sprintf("  F1 %.3f  P %.3f  R %.3f  %s", pr.Score.F1(), pr.Score.Precision, pr.Score.Recall, pr.Page.ID)
			if pr.Out.Err != nil {
				line += "  (" + pr.Out.Err.Error() + ")"
			}
			fmt.Fprintln(w, line)
		}
	}
}

// Dump writes every output and reference under dir, for reading side by
// side: dir/<set>/<page>.ref.txt and dir/<set>/<page>.<extractor>.txt,
// each output headed by its scores, kind, title, author and date.
func Dump(dir string, reports []*SetReport) error {
	for _, rep := range reports {
		sdir := filepath.Join(dir, rep.Set.Name)
		if err := os.MkdirAll(sdir, 0o755); err != nil {
			return err
		}
		for _, p := range rep.Set.Pages {
			if !p.HasRef {
				continue
			}
			if err := os.WriteFile(filepath.Join(sdir, dumpName(p.ID)+".ref.txt"), []byte(p.Ref), 0o644); err != nil {
				return err
			}
		}
		for _, r := range rep.Results {
			for _, pr := range r.PageResults {
				var b strings.Builder
				fmt.Fprintf(&b, "F1 %.3f P %.3f R %.3f kind %s err %v\ntitle: %s\nauthor: %s\ndate: %s\n\n%s\n",
					pr.Score.F1(), pr.Score.Precision, pr.Score.Recall, pr.Out.Kind, pr.Out.Err,
					pr.Out.Title, pr.Out.Author, pr.Out.Published.Format(time.RFC3339), pr.Out.Text)
				name := dumpName(pr.Page.ID) + "." + strings.ReplaceAll(r.Extractor, "/", "_") + ".txt"
				if err := os.WriteFile(filepath.Join(sdir, name), []byte(b.String()), 0o644); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// dumpName turns a page ID into a file name.
func dumpName(id string) string {
	id = strings.TrimSuffix(filepath.Base(filepath.Dir(id))+"_"+filepath.Base(id), ".html.gz")
	return strings.NewReplacer("/", "_", "+", "_").Replace(id)
}
