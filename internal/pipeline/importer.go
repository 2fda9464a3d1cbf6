package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/extract"
	"github.com/newsvault/newsvault/internal/mirror"
	"github.com/newsvault/newsvault/internal/store"
)

// MaxImportFile is the largest file an import reads.
const MaxImportFile = 32 << 20

// ErrUnsupportedFile is wrapped for files an import cannot take in.
var ErrUnsupportedFile = errors.New("not a mirror markdown, HTML or text file")

// ImportOptions tune an import.
type ImportOptions struct {
	// Source names the pseudo-source articles are filed under. Empty: the
	// name of each file's parent directory (articles/<outlet>/<id>.md).
	Source string
	// TimeZone is the IANA zone of the import sources, used to show dates
	// and to read zone-less dates in text pages. Empty: Asia/Shanghai.
	TimeZone string
	// Images downloads the images of imported articles. Off by default:
	// imports are often offline and re-pointing images changes the content.
	Images bool
	// Workers parse files (and write their blobs, which waits on the disk)
	// in parallel; 0 means one per CPU.
	Workers int
	// Progress, if set, is called after each file.
	Progress func(done, total int, file string)
}

// ImportReport says what an import did.
type ImportReport struct {
	Files       int
	NewArticles int
	NewVersions int
	Unchanged   int // already in the archive (a re-import)
	Failed      []ImportError
	Skipped     []SkippedFile  // files under the roots not taken in, and why
	PerSource   map[string]int // files taken in (new, changed or unchanged) per source name

	indexBytes int64 // search index text of the new versions
}

// ImportError names a file that could not be imported and why.
type ImportError struct {
	File string
	Err  error
}

func (e ImportError) Error() string { return e.File + ": " + e.Err.Error() }

// SkippedFile is a file (or directory) under an import root that an
// import leaves out, and why.
type SkippedFile struct {
	File   string
	Reason string
}

// ImportFiles lists the importable files under paths (files or directory
// trees) in a stable order.
func ImportFiles(paths []string) ([]string, error) {
	files, _, err := ListImport(paths)
	return files, err
}

// ListImport lists the importable files under paths (files or directory
// trees) in a stable order, and every file or directory it leaves out with
// the reason. Symbolic links inside a tree are followed when they lead to a
// file or directory inside the same root (never outside it, and never
// around a loop).
func ListImport(paths []string) ([]string, []SkippedFile, error) {
	var out []string
	var skipped []SkippedFile
	for _, root := range paths {
		st, err := os.Stat(root)
		if err != nil {
			return nil, nil, fmt.Errorf("import %s: %w", root, err)
		}
		if !st.IsDir() {
			out = append(out, root)
			continue
		}
		real, err := filepath.EvalSymlinks(root)
		if err != nil {
			return nil, nil, fmt.Errorf("import %s: %w", root, err)
		}
		if real, err = filepath.Abs(real); err != nil {
			return nil, nil, fmt.Errorf("import %s: %w", root, err)
		}
		w := importWalk{root: real, visited: map[string]bool{}, seen: map[string]string{}}
		if err := w.dir(root, real); err != nil {
			return nil, nil, fmt.Errorf("import %s: %w", root, err)
		}
		out = append(out, w.files...)
		skipped = append(skipped, w.skipped...)
	}
	sort.Strings(out)
	sort.Slice(skipped, func(i, j int) bool { return skipped[i].File < skipped[j].File })
	return out, skipped, nil
}

// importWalk walks one import root, following symbolic links that stay
// inside it.
type importWalk struct {
	root    string            // the root's real, absolute path
	visited map[string]bool   // real paths of the directories walked
	seen    map[string]string // real path -> path of each file listed
	files   []string
	skipped []SkippedFile
}

func (w *importWalk) skip(path, reason string) {
	w.skipped = append(w.skipped, SkippedFile{File: path, Reason: reason})
}

// dir walks the directory path, whose real path is real.
func (w *importWalk) dir(path, real string) error {
	if w.visited[real] {
		w.skip(path, "directory already walked through another path (a symbolic link or a loop)")
		return nil
	}
	w.visited[real] = true
	entries, err := os.ReadDir(path)
	if err != nil {
		return err
	}
	for _, d := range entries {
		name := d.Name()
		p := filepath.Join(path, name)
		if strings.HasPrefix(name, ".") {
			if d.IsDir() {
				w.skip(p, "hidden directory")
			} else {
				w.skip(p, "hidden file")
			}
			continue
		}
		mode := d.Type()
		if mode&fs.ModeSymlink != 0 {
			if err := w.link(p, name); err != nil {
				return err
			}
			continue
		}
		switch {
		case mode.IsDir():
			if err := w.dir(p, filepath.Join(real, name)); err != nil {
				return err
			}
		case !mode.IsRegular():
			w.skip(p, "not a regular file ("+mode.Type().String()+")")
		case !importable(name):
			w.skip(p, "not a .md, .markdown, .html, .htm or .txt file")
		default:
			w.file(p, filepath.Join(real, name))
		}
	}
	return nil
}

// file lists p, whose real path is real, unless it is listed already.
func (w *importWalk) file(p, real string) {
	if first, ok := w.seen[real]; ok {
		w.skip(p, "same file as "+first+", listed already")
		return
	}
	w.seen[real] = p
	w.files = append(w.files, p)
}

// link follows the symbolic link p when it leads inside the root.
func (w *importWalk) link(p, name string) error {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		w.skip(p, "broken symbolic link")
		return nil
	}
	if target, err = filepath.Abs(target); err != nil {
		w.skip(p, "symbolic link: "+err.Error())
		return nil
	}
	if rel, err := filepath.Rel(w.root, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		w.skip(p, "symbolic link to "+target+", outside the import root")
		return nil
	}
	st, err := os.Stat(target)
	if err != nil {
		w.skip(p, "symbolic link: "+err.Error())
		return nil
	}
	switch {
	case st.IsDir():
		return w.dir(p, target)
	case !st.Mode().IsRegular():
		w.skip(p, "symbolic link to something not a regular file")
	case !importable(name):
		w.skip(p, "not a .md, .markdown, .html, .htm or .txt file")
	default:
		w.file(p, target)
	}
	return nil
}

func importable(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".md", ".markdown", ".html", ".htm", ".txt":
		return true
	}
	return false
}

// prepared is one file made ready for the store by a worker.
type prepared struct {
	file    string
	source  string
	url     string
	version archive.Version
	capture *archive.Capture
	blobSeq uint64 // the capture's blob is durable once blobs.SyncTo(blobSeq)
	index   *store.IndexDoc
	skip    bool
	err     error
}

// Import takes in mirror markdown files (with or without Jekyll front
// matter), HTML pages and plain-text pages. It is idempotent: a file already
// imported is skipped, so an interrupted import is resumed by running it
// again. Files are parsed in parallel and written in order, each article in
// its own transaction. A file that fails is reported and the import goes on.
func (p *Pipeline) Import(ctx context.Context, paths []string, opts ImportOptions) (*ImportReport, error) {
	files, skipped, err := ListImport(paths)
	if err != nil {
		return nil, err
	}
	for _, sk := range skipped {
		p.log.Info("import skips a file", "file", sk.File, "reason", sk.Reason)
	}
	if opts.TimeZone == "" {
		opts.TimeZone = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(opts.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("import: time zone %q: %w", opts.TimeZone, err)
	}
	workers := opts.Workers
	if workers <= 0 {
		// The single writer is what limits an import, and every parser
		// beyond the number of CPUs only takes CPU time from it (measured:
		// 8 parsers on 2 CPUs imported about 10% slower than 2).
		workers = runtime.GOMAXPROCS(0)
	}
	rep := &ImportReport{Files: len(files), Skipped: skipped, PerSource: map[string]int{}}
	sources := map[string]archive.Source{}

	// Workers prepare files; results come back in file order through one
	// channel per file, so versions of the same URL land in a stable order.
	slots := make([]chan prepared, len(files))
	for i := range slots {
		slots[i] = make(chan prepared, 1)
	}
	jobs := make(chan int)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := 0; w < workers; w++ {
		go func() {
			for i := range jobs {
				slots[i] <- p.prepareFile(ctx, files[i], opts, loc)
			}
		}()
	}
	// The parsers may run ahead of the writer by at most importWindow
	// files, which bounds the memory an import holds whatever its size.
	ahead := make(chan struct{}, importWindow)
	go func() {
		defer close(jobs)
		for i := range files {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()

	// Articles are committed in batches: each article stays whole (its
	// capture, version and index entry land together), a batch is one
	// transaction, and a crash loses at most the batch in flight, which the
	// next run redoes. A batch is also flushed whenever the writer would
	// otherwise wait for the parsers, so nothing sits uncommitted for long.
	// A large import merges the search index once at the end rather than
	// as it goes (see SetIndexMerging).
	bulk := p.opts.Indexer != nil && len(files) >= optimizeAfter
	if bulk {
		if err := p.store.SetIndexMerging(ctx, false); err != nil {
			return rep, err
		}
		defer func() {
			if err := p.store.SetIndexMerging(context.WithoutCancel(ctx), true); err != nil {
				p.log.Warn("turning search index merging back on failed; reopening the store does it", "err", err)
			}
		}()
	}
	// Copies and stories of each committed batch are found by one
	// goroutine beside the writer, at most two batches behind it.
	arrived, related := p.relate(ctx)
	defer related()
	var batch []*prepared
	done := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := p.saveBatch(ctx, batch, sources, opts, loc, rep, arrived)
		for _, pr := range batch {
			p.report(pr, rep)
			done++
			if opts.Progress != nil {
				opts.Progress(done, len(files), pr.file)
			}
		}
		batch = batch[:0]
		return err
	}
	for i := range files {
		var pr prepared
		select {
		case pr = <-slots[i]:
		default:
			if err := flush(); err != nil {
				return rep, err
			}
			select {
			case pr = <-slots[i]:
			case <-ctx.Done():
				return rep, ctx.Err()
			}
		}
		<-ahead
		batch = append(batch, &pr)
		if len(batch) >= importBatch {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	if err := flush(); err != nil {
		return rep, err
	}
	related()
	if p.opts.Related != nil && rep.NewVersions > 0 {
		if err := p.opts.Related.Flush(context.WithoutCancel(ctx)); err != nil {
			p.log.Warn("saving stories failed", "err", err)
		}
	}
	if (rep.NewVersions >= optimizeAfter || bulk && rep.NewVersions > 0) && p.opts.Indexer != nil && ctx.Err() == nil {
		// The segments this import wrote are merged with work in
		// proportion to them (twice the pages they take, an index being
		// about the size of its text), not the whole index: merging it
		// all cost 1.45× the import time into a 108k-article store and
		// grew with the archive.
		if err := p.store.MergeIndex(ctx, 2*int(rep.indexBytes/indexPage)+16); err != nil {
			p.log.Warn("merging the search index failed; it stays usable", "err", err)
		}
	}
	return rep, ctx.Err()
}

// indexPage is about how many bytes of index one FTS5 leaf page holds.
const indexPage = 4000

// optimizeAfter is how many new versions make an import merge the search
// index segments it wrote when it ends, and how many files make it a bulk
// import that leaves merging to that end.
const optimizeAfter = 1000

// importBatch is the most articles an import commits in one transaction.
const importBatch = 200

// importWindow is how many files the parsers may have ready, or in hand,
// ahead of the writer.
const importWindow = 2 * importBatch

// report counts one finished file.
func (p *Pipeline) report(pr *prepared, rep *ImportReport) {
	switch {
	case pr.err != nil:
		rep.Failed = append(rep.Failed, ImportError{File: pr.file, Err: pr.err})
		p.log.Warn("import failed", "file", pr.file, "err", pr.err)
	case pr.skip:
		rep.Unchanged++
		rep.PerSource[pr.source]++
	default:
		rep.PerSource[pr.source]++
	}
}

// saveBatch writes the ready files of a batch in one transaction, after
// making their blobs durable. If the transaction fails, the files are
// written one by one so that only the bad one is reported. It returns an
// error only when the store itself is failing (e.g. ctx cancelled).
func (p *Pipeline) saveBatch(ctx context.Context, batch []*prepared, sources map[string]archive.Source, opts ImportOptions, loc *time.Location, rep *ImportReport,
	arrived func([]store.ArticleText)) error {
	var writes []*store.ArticleWrite
	var srcs []*archive.Source
	var owners []*prepared
	var outs []Outcome
	var maxSeq uint64
	for _, pr := range batch {
		if pr.err != nil || pr.skip {
			continue
		}
		src, err := p.importSource(ctx, pr.source, sources, loc)
		if err != nil {
			pr.err = err
			continue
		}
		w, out := p.buildWrite(ctx, versionWrite{src: &src, rawURL: pr.url, canon: pr.url, v: pr.version,
			base: pr.url, capt: pr.capture, images: opts.Images && !p.opts.SkipImages, idx: pr.index})
		writes, owners, outs, srcs = append(writes, w), append(owners, pr), append(outs, out), append(srcs, &src)
		maxSeq = max(maxSeq, pr.blobSeq)
	}
	if len(writes) == 0 {
		return ctx.Err()
	}
	if err := p.blobs.SyncTo(maxSeq); err != nil {
		for _, pr := range owners {
			pr.err = err
		}
		return nil
	}
	results, err := p.store.SaveArticles(ctx, writes)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		results = make([]store.SaveResult, len(writes))
		for i, w := range writes {
			if results[i], err = p.store.SaveArticle(ctx, w); err != nil {
				owners[i].err = err
			}
		}
	}
	var arrivals []store.ArticleText
	for i, r := range results {
		if owners[i].err != nil {
			continue
		}
		if r.NewVersion {
			arrivals = append(arrivals, arrival(writes[i], r, srcs[i], ""))
		}
		out := p.saved(outs[i], r)
		if out.NewArticle {
			rep.NewArticles++
		}
		if out.NewVersion {
			rep.NewVersions++
			if idx := writes[i].Index; idx != nil {
				rep.indexBytes += int64(len(idx.Title) + len(idx.Body))
			}
		} else {
			rep.Unchanged++
		}
	}
	// Copies and stories are found once the batch is committed, for the
	// whole batch at once.
	if len(arrivals) > 0 {
		arrived(arrivals)
	}
	return nil
}

// relate starts the goroutine that hands committed batches to the Related
// service, and returns the function that queues a batch and the one that
// waits for the queue to drain (safe to call twice). Without a Related
// service both do nothing.
func (p *Pipeline) relate(ctx context.Context) (arrived func([]store.ArticleText), wait func()) {
	if p.opts.Related == nil {
		return func([]store.ArticleText) {}, func() {}
	}
	queue := make(chan []store.ArticleText, 2)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for arts := range queue {
			if err := p.opts.Related.Arrived(ctx, arts); err != nil && ctx.Err() == nil {
				p.log.Warn("finding copies and stories failed; they are found again at the next start", "err", err)
			}
		}
	}()
	var once sync.Once
	return func(arts []store.ArticleText) { queue <- arts }, func() {
		once.Do(func() { close(queue); <-done })
	}
}

// importSource returns the pseudo-source an import files articles under.
func (p *Pipeline) importSource(ctx context.Context, name string, sources map[string]archive.Source, loc *time.Location) (archive.Source, error) {
	if src, ok := sources[name]; ok {
		return src, nil
	}
	src, err := p.store.EnsureSource(ctx, &archive.Source{
		Kind: archive.KindImport, FeedURL: "import:" + name, Title: name,
		Mode: archive.ModeFeed, TimeZone: loc.String(),
	})
	if err != nil {
		return src, err
	}
	sources[name] = src
	return src, nil
}

// prepareFile reads and parses one file. It is called from several
// goroutines and must not touch the store except to read.
func (p *Pipeline) prepareFile(ctx context.Context, file string, opts ImportOptions, loc *time.Location) prepared {
	pr := prepared{file: file, source: opts.Source}
	if pr.source == "" {
		pr.source = filepath.Base(filepath.Dir(file))
	}
	data, err := readLimited(file, MaxImportFile)
	if err != nil {
		pr.err = err
		return pr
	}
	// A file taken in before is skipped on its hash alone, before any
	// parsing or sanitizing: a re-import then costs a read and a hash.
	hash := blob.Hash(data)
	if done, err := p.store.HasImportedFile(ctx, hash); err != nil {
		pr.err = err
		return pr
	} else if done {
		pr.skip = true
		return pr
	}
	kind := mirror.Sniff(file, data)
	switch strings.ToLower(filepath.Ext(file)) {
	case ".md", ".markdown":
		// A markdown file claims to be a mirror file: if it is not one,
		// say why rather than import it as a text page.
		if kind != mirror.KindJekyll {
			kind = mirror.KindMirror
		}
	}
	ct := ""
	switch kind {
	case "mirror", "jekyll":
		pr.url, pr.version, err = MirrorArticle(filepath.Base(file), data, p.sanitizer, loc)
		if err != nil {
			pr.err = err
			return pr
		}
		ct = "text/markdown; charset=utf-8"
	case "html", "text":
		ct = "text/html"
		if kind == "text" {
			ct = "text/plain"
		}
		if len(data) > p.opts.MaxPageSize {
			pr.err = fmt.Errorf("%w: %d bytes, over the %d-byte limit (--max-page-size)", ErrPageTooLarge, len(data), p.opts.MaxPageSize)
			return pr
		}
		res, err := p.extractor.Extract(ctx, extract.Page{ContentType: ct, Body: data, Location: loc})
		if err != nil {
			pr.err = err
			return pr
		}
		if res.Canonical != "" {
			pr.url, _ = archive.CanonicalURL(res.Canonical)
		}
		if pr.url == "" {
			// A page with no address of its own is identified by its bytes.
			pr.url = "urn:sha256:" + blob.Hash(data)
		}
		art := p.article(res, res.Canonical)
		text := strings.TrimSpace(res.Text)
		if text == "" {
			text = art.Text()
		}
		pr.version = archive.Version{Title: res.Title, Author: res.Author, Published: res.Published, Updated: res.Updated,
			SiteName: res.SiteName, Language: res.Language, Image: res.Image,
			HTML: art.HTML(), Sanitizer: content.SanitizerVersion, Text: text}
	default:
		pr.err = ErrUnsupportedFile
		return pr
	}
	abs, _ := filepath.Abs(file)
	done, err := p.store.HasCapture(ctx, pr.url, hash)
	if err != nil {
		pr.err = err
		return pr
	}
	if done {
		pr.skip = true
		return pr
	}
	// The raw file is kept, like every response we archive. Writing it here,
	// in the workers, lets blob writes run in parallel; the writer makes them
	// durable (one flush for many) before the article that needs them is
	// committed. A blob whose article never lands (a crash) is harmless and
	// reused by the next run.
	if _, pr.blobSeq, err = p.blobs.PutDeferred(ctx, data); err != nil {
		pr.err = err
		return pr
	}
	if p.opts.Indexer != nil {
		pr.version.Title = oneLine(pr.version.Title)
		doc := p.opts.Indexer.Index(pr.version.Title, pr.version.Text)
		pr.index = &doc
	}
	pr.capture = &archive.Capture{
		URL: pr.url, FinalURL: "file://" + filepath.ToSlash(abs), ContentType: ct,
		FetchedAt: p.opts.Now(), BodyHash: hash, Size: int64(len(data)),
	}
	return pr
}

// MirrorArticle turns a file in the markdown mirror format (with or without
// Jekyll front matter) into what an import stores for it: the article's
// canonical URL and its version, with sanitized content, plain text, and
// the published time shown in loc (when not nil). The version has no hash
// yet. name is used in errors.
func MirrorArticle(name string, data []byte, san *content.Sanitizer, loc *time.Location) (string, archive.Version, error) {
	e, err := mirror.ParseNamed(name, data)
	if err != nil {
		return "", archive.Version{}, err
	}
	if e.Link == "" {
		return "", archive.Version{}, fmt.Errorf("%s: %w: no article link", name, mirror.ErrNotMirror)
	}
	u, err := archive.CanonicalURL(e.Link)
	if err != nil {
		return "", archive.Version{}, err
	}
	art := san.Article(e.HTML, e.Link)
	v := archive.Version{Title: e.Title, Author: e.Author, Published: e.Published,
		HTML: art.HTML(), Sanitizer: content.SanitizerVersion, Text: art.Text()}
	if !e.Published.IsZero() && loc != nil {
		v.Published = e.Published.In(loc)
	}
	return u, v, nil
}

func readLimited(file string, max int64) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("file larger than %d bytes", max)
	}
	return data, nil
}
