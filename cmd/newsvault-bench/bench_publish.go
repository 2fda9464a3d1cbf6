package main

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/manifest"
	"github.com/newsvault/newsvault/internal/pipeline"
	"github.com/newsvault/newsvault/internal/publish"
	"github.com/newsvault/newsvault/internal/search"
	"github.com/newsvault/newsvault/internal/shareddata"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/store/sqlite"
)

func newBenchPublishCmd(cfg *cli.Config) *cobra.Command {
	var copies int
	var keep bool
	var cpuProfile, gitOf string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "publish [PATH]",
		Short: "Publish a large archive to the static site and markdown mirror, then an increment of 10 articles",
		Long: `publish stores PATH (default: the shared news-md corpus) --copies times under
distinct URLs in a temporary store, publishes it in full to a static site and
a markdown mirror (articles/s, peak memory), each with a signed MANIFEST,
commits and pushes the markdown mirror (--git) to a local bare repository,
then adds 10 new articles and publishes again (time and files written per
target, git commit + push time), then edits 3 articles and does it again;
it reports the site's bytes per article and the bytes a reader's browser
downloads for one search.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			path, err := corpusPath(args)
			if err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "newsvault-bench-publish-")
			if err != nil {
				return err
			}
			if !keep {
				defer os.RemoveAll(dir)
			}
			w := cmd.OutOrStdout()
			st, blobs, an, err := openBenchArchive(ctx, dir)
			if err != nil {
				return err
			}
			defer st.Close()
			docs, sources, err := storeCorpus(ctx, st, an, path, copies, false)
			if err != nil {
				return err
			}
			stats, _ := st.Stats(ctx)
			fmt.Fprintf(w, "archive:         %d articles (%d files ×%d)\n", stats.Articles, len(docs), copies)

			// A real publish signs every target's MANIFEST.
			key, err := manifest.LoadOrCreateKey(dir)
			if err != nil {
				return err
			}
			p := &publish.Publisher{Store: st, Blobs: blobs, Analyzer: an, Key: key}
			site := publish.Target{Name: "site", Kind: publish.KindSite, Dir: filepath.Join(dir, "site"), BaseURL: "https://mirror.example.org/news/"}
			md := publish.Target{Name: "md", Kind: publish.KindMarkdown, Dir: filepath.Join(dir, "md")}
			var gits []publish.Target
			for _, src := range []publish.Target{md, site} {
				if gitOf != "both" && gitOf != string(src.Kind) {
					continue
				}
				remote := filepath.Join(dir, "remote-"+src.Name+".git")
				if _, err := git.PlainInit(remote, true); err != nil {
					return err
				}
				gits = append(gits, publish.Target{Name: "git-" + src.Name, Kind: publish.KindGit, Source: src.Name, SourceDir: src.Dir,
					Repo: filepath.Join(dir, "repo-"+src.Name+".git"), Remotes: []publish.Remote{{Name: "local", URL: remote}}})
			}
			for _, t := range []publish.Target{site, md} {
				rep, err := p.Run(ctx, t)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "full %-8s     %d articles, %d files in %s: %.0f articles/s on %d CPUs; peak RSS so far %s\n", t.Kind+":", rep.Articles, rep.Written,
					rep.Duration.Round(time.Millisecond), float64(rep.Articles)/rep.Duration.Seconds(), runtime.GOMAXPROCS(0), peakRSS())
			}
			for _, g := range gits {
				rep, err := p.Run(ctx, g)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "full %-8s     commit + push of %d files in %s (pushed to %v)\n", g.Name+":", rep.Written, rep.Duration.Round(time.Millisecond), rep.Pushed)
			}
			increment := func(what string) error {
				for _, t := range []publish.Target{site, md} {
					rep, err := p.Run(ctx, t)
					if err != nil {
						return err
					}
					fmt.Fprintf(w, "%s %-8s %d articles rendered, %d files written, %d removed in %s\n", what, t.Kind+":", rep.Rendered, rep.Written, rep.Removed, rep.Duration.Round(time.Millisecond))
					if verbose {
						fmt.Fprintf(w, "    written: %s\n", strings.Join(rep.WrittenFiles, " "))
					}
				}
				for _, g := range gits {
					rep, err := p.Run(ctx, g)
					if err != nil {
						return err
					}
					if len(rep.PushErrors) > 0 {
						return fmt.Errorf("push: %s", rep.PushFailures())
					}
					fmt.Fprintf(w, "%s %-8s commit + push of %d changed files in %s\n", what, g.Name+":", rep.Written+rep.Removed, rep.Duration.Round(time.Millisecond))
				}
				return nil
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			// Ten new articles: the first ten of the corpus under new URLs.
			for i, d := range docs[:min(10, len(docs))] {
				aw := *d.w
				aw.Article.URL = copyURL(d.w.Article.URL, copies+i+1)
				aw.Article.SourceID = sources[d.outlet]
				aw.Index = nil
				if _, err := st.SaveArticle(ctx, &aw); err != nil {
					return err
				}
			}
			if err := increment("+10 new:"); err != nil {
				return err
			}
			// Three edits: a paragraph added to three archived articles.
			for _, d := range docs[min(10, len(docs)):min(13, len(docs))] {
				aw := *d.w
				aw.Article.SourceID = sources[d.outlet]
				aw.Index = nil
				aw.Version.HTML += "<p>编者注：本文已更新。</p>"
				aw.Version.Text += "\n\n编者注：本文已更新。"
				aw.Version.Hash = archive.ContentHash(&aw.Version)
				if _, err := st.SaveArticle(ctx, &aw); err != nil {
					return err
				}
			}
			if err := increment("+3 edits:"); err != nil {
				return err
			}
			fmt.Fprintf(w, "peak RSS after increments: %s\n", peakRSS())
			total, n := dirBytes(site.Dir)
			fmt.Fprintf(w, "site:            %.1f MB in %d files, %.1f KB per article\n", float64(total)/1e6, n, float64(total)/1024/float64(stats.Articles+10))
			for _, q := range []string{"卢卡申科", "盧卡申科", "新冠病毒", "香港 国安法", "世界卫生组织", "特朗普", "Huawei"} {
				b, hits, _, err := searchDownload(site.Dir, an, q)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "search %-12s %d hits shown, %.0f KB downloaded\n", q+":", hits, float64(b)/1024)
			}
			fmt.Fprintf(w, "peak RSS:        %s\n", peakRSS())
			if keep {
				fmt.Fprintf(w, "kept in:         %s\n", dir)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&copies, "copies", 10, "how many times the corpus is stored, under different URLs")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the incremental runs to this file")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary store and targets")
	cmd.Flags().StringVar(&gitOf, "git", "markdown", "which targets to commit and push to a local bare repository: markdown, site, both or none")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list the files each incremental run writes")
	return cmd
}

// corpusPath is PATH, or the shared news-md corpus when none is given.
func corpusPath(args []string) (string, error) {
	if len(args) == 1 {
		return args[0], nil
	}
	if d := shareddata.Find(); d != "" {
		return filepath.Join(d, "news-md"), nil
	}
	return "", cli.Usagef("no PATH given and no shared data found (set %s)", shareddata.EnvVar)
}

// openBenchArchive opens a new store and blob store in dir, and the
// analyzer.
func openBenchArchive(ctx context.Context, dir string) (*sqlite.Store, *blob.Store, *search.Analyzer, error) {
	an, err := search.NewAnalyzer()
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "newsvault.db"))
	if err != nil {
		return nil, nil, nil, err
	}
	blobs, err := blob.Open(filepath.Join(dir, "blobs"), blob.Options{})
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	return st, blobs, an, nil
}

// storeCorpus stores the mirror files under path copies times under
// distinct URLs, one source per outlet, with their search index entries
// when index is set. It returns the parsed files and the sources by outlet.
func storeCorpus(ctx context.Context, st *sqlite.Store, an *search.Analyzer, path string, copies int, index bool) ([]benchDoc, map[string]int64, error) {
	files, err := pipeline.ImportFiles([]string{path})
	if err != nil {
		return nil, nil, err
	}
	docs := prepareBenchDocs(an, files)
	sources := map[string]int64{}
	var batch []*store.ArticleWrite
	for c := range copies {
		for _, d := range docs {
			src, ok := sources[d.outlet]
			if !ok {
				s, err := st.EnsureSource(ctx, &archive.Source{Kind: archive.KindImport, FeedURL: "import:" + d.outlet, Title: d.outlet, TimeZone: "Asia/Shanghai"})
				if err != nil {
					return nil, nil, err
				}
				src, sources[d.outlet] = s.ID, s.ID
			}
			aw := *d.w
			aw.Article.URL = copyURL(d.w.Article.URL, c)
			aw.Article.SourceID = src
			if !index {
				aw.Index = nil
			}
			batch = append(batch, &aw)
			if len(batch) == 500 {
				if _, err := st.SaveArticles(ctx, batch); err != nil {
					return nil, nil, err
				}
				batch = batch[:0]
			}
		}
	}
	if _, err := st.SaveArticles(ctx, batch); err != nil {
		return nil, nil, err
	}
	return docs, sources, nil
}

func dirBytes(dir string) (int64, int) {
	var total int64
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if d != nil && d.Name() == ".newsvault" {
				return filepath.SkipDir
			}
			return nil
		}
		if info, err := d.Info(); err == nil {
			total += info.Size()
			n++
		}
		return nil
	})
	return total, n
}

// searchDownload replays what the site's search.js downloads for query q:
// meta.js and fold.js, the shard of each token in each segment, then the
// text files of candidates, newest first in batches of 20, until 50 hits
// (bytes, hits shown); and every article the page would find (all).
func searchDownload(site string, an *search.Analyzer, q string) (int64, int, []int64, error) {
	var bytes int64
	read := func(rel string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(site, filepath.FromSlash(rel)))
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		bytes += int64(len(b))
		return b, nil
	}
	metaJS, err := read("search/meta.js")
	if err != nil {
		return 0, 0, nil, err
	}
	if _, err := read("search/fold.js"); err != nil {
		return 0, 0, nil, err
	}
	var meta struct{ Main, Delta int }
	if err := json.Unmarshal(jsonArg(metaJS), &meta); err != nil {
		return 0, 0, nil, err
	}
	terms := strings.Fields(an.Fold(q))
	var cand []int64
	first := true
	loadedShard := map[string]map[string]string{}
	for _, term := range terms {
		for _, tok := range an.Tokens(term) {
			ids := map[int64]bool{}
			for _, seg := range []struct {
				name string
				n    int
			}{{"m", meta.Main}, {"d", meta.Delta}} {
				if seg.n == 0 {
					continue
				}
				h := fnv.New32a()
				io.WriteString(h, tok)
				rel := "search/" + seg.name + "/" + strconv.Itoa(int(h.Sum32()%uint32(seg.n))) + ".js"
				sh, ok := loadedShard[rel]
				if !ok {
					b, err := read(rel)
					if err != nil {
						return 0, 0, nil, err
					}
					sh = map[string]string{}
					if len(b) > 0 {
						if err := json.Unmarshal(jsonArg(b), &sh); err != nil {
							return 0, 0, nil, fmt.Errorf("%s: %w", rel, err)
						}
					}
					loadedShard[rel] = sh
				}
				prev := int64(0)
				if sh[tok] != "" {
					for _, d := range strings.Split(sh[tok], ",") {
						v, _ := strconv.ParseInt(d, 36, 64)
						prev += v
						ids[prev] = true
					}
				}
			}
			if first {
				for id := range ids {
					cand = append(cand, id)
				}
				first = false
			} else {
				cand = slices.DeleteFunc(cand, func(id int64) bool { return !ids[id] })
			}
		}
	}
	slices.Sort(cand)
	slices.Reverse(cand)
	// What the page downloads: text files newest first, 20 at a time,
	// until 50 hits are shown. Then, not counted, every other candidate,
	// for recall.
	var all []int64
	verify := func(id int64) error {
		b, err := os.ReadFile(filepath.Join(site, "search", "t", strconv.FormatInt(id, 10)+".js"))
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		var d struct{ T, X string }
		json.Unmarshal(jsonArg(b), &d)
		text := an.Fold(d.T + "\n" + d.X)
		for _, t := range terms {
			if !strings.Contains(text, t) {
				return nil
			}
		}
		all = append(all, id)
		return nil
	}
	i := 0
	for ; i < len(cand) && len(all) < 50; i += 20 {
		for _, id := range cand[i:min(i+20, len(cand))] {
			if _, err := read("search/t/" + strconv.FormatInt(id, 10) + ".js"); err != nil {
				return 0, 0, nil, err
			}
			if err := verify(id); err != nil {
				return 0, 0, nil, err
			}
		}
	}
	shown := min(len(all), 50)
	for _, id := range cand[min(i, len(cand)):] {
		if err := verify(id); err != nil {
			return 0, 0, nil, err
		}
	}
	return bytes, shown, all, nil
}

// jsonArg is the last argument of a one-call script such as
// nvPost("m",3,{…}); — its JSON object.
func jsonArg(b []byte) []byte {
	s := strings.TrimSpace(string(b))
	s = strings.TrimSuffix(strings.TrimSuffix(s, ";"), ")")
	if i := strings.Index(s, "{"); i >= 0 {
		return []byte(s[i:])
	}
	return nil
}
