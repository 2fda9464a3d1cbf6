// Package stories keeps the archive's copies and stories up to date and
// durable. It is the one writer in front of internal/dedup's copy finding
// and internal/story's clusterer: the pipeline tells it about every new
// version once the version is committed (Arrived), and it finds the
// version's copies (MinHash LSH candidates verified with exact shingle
// similarity), files its URL aliases, assigns its story, and writes all of
// that to the store. Readers (web, CLI) read the store through it;
// operators' corrections (Merge, Split, Detach) go through it and are kept
// for good, so that Restory (re-clustering everything) respects them.
//
// What is kept where: each article's MinHash signature is stored, so the
// in-memory LSH index is rebuilt at Open from signatures alone; candidate
// texts are read back from the store to verify a match. The clusterer's
// snapshot is saved on Close, after Restory and after every correction;
// articles that arrived after the last snapshot are assigned again at Open.
// Nothing is merged away: a copy keeps its article row, captures, versions
// and status; it only gains a link and a group.
package stories

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/newsvault/newsvault/internal/dedup"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/story"
)

// Store is what the service keeps its results in and reads texts from.
// *sqlite.Store satisfies it.
type Store interface {
	ArticleText(ctx context.Context, id int64) (store.ArticleText, error)
	ArticleTexts(ctx context.Context, after int64, limit int) ([]store.ArticleText, error)
	ArticleVersionIDs(ctx context.Context, fn func(id, versionID int64) error) error
	Fingerprints(ctx context.Context, fn func(store.Fingerprint) error) error
	SaveCopies(ctx context.Context, ws []store.CopiesWrite) error
	GroupMembers(ctx context.Context, ids []int64) ([]store.GroupMember, error)
	CopyGroup(ctx context.Context, articleID int64) (store.CopyGroup, error)
	CopyGroupsOf(ctx context.Context, ids []int64) (map[int64]int64, error)
	URLAlias(ctx context.Context, key string) (store.URLAlias, error)
	SaveStories(ctx context.Context, stories []store.Story, remove []int64, full bool) error
	Stories(ctx context.Context, minSize, limit, offset int) ([]store.Story, int, error)
	Story(ctx context.Context, id int64) (store.Story, error)
	StoryOf(ctx context.Context, articleID int64) (store.Story, error)
	StoriesOf(ctx context.Context, ids []int64) (map[int64]int64, error)
	StoryMembers(ctx context.Context, storyID int64) ([]store.StoryMember, error)
	AddStoryDecision(ctx context.Context, d store.StoryDecision) (int64, error)
	StoryDecisions(ctx context.Context) ([]store.StoryDecision, error)
	SaveStoryState(ctx context.Context, state []byte) error
	StoryState(ctx context.Context) ([]byte, error)
}

// Options tune the service; zero values take the packages' defaults.
type Options struct {
	Copies  *dedup.Config
	Stories *story.Config
	Logger  *slog.Logger
	// Now returns the current time (decisions are stamped with it).
	Now func() time.Time
}

// Service finds copies and assigns stories. It is safe for concurrent use:
// arrivals, corrections and re-clustering run one at a time, so the same
// article archived twice at once ends in one group.
type Service struct {
	st       Store
	fold     func(string) string
	dcfg     dedup.Config
	scfg     story.Config
	log      *slog.Logger
	now      func() time.Time
	mu       sync.Mutex
	ix       *dedup.Index
	printed  map[int64]int64 // article → the version fingerprinted
	cl       *story.Clusterer
	since    int  // arrivals since the last refining pass
	refines  int  // refining passes since Open
	unsaved  bool // the snapshot is behind the clusterer
	textPage int
}

// Open loads the service's state from st: the LSH index from stored
// signatures, the clusterer from its snapshot, and then assigns whatever
// arrived since. fold folds text as search does (zh.Folder.String).
func Open(ctx context.Context, st Store, fold func(string) string, opts Options) (*Service, error) {
	s := &Service{st: st, fold: fold, dcfg: dedup.DefaultConfig(), scfg: story.DefaultConfig(), log: opts.Logger,
		now: opts.Now, printed: map[int64]int64{}, textPage: 500}
	if opts.Copies != nil {
		s.dcfg = *opts.Copies
	}
	if opts.Stories != nil {
		s.scfg = *opts.Stories
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = func() time.Time { return time.Now().UTC() }
	}
	s.ix = dedup.NewIndex(s.dcfg)
	err := st.Fingerprints(ctx, func(f store.Fingerprint) error {
		s.printed[f.ArticleID] = f.VersionID
		if f.Runes >= s.dcfg.MinRunes {
			s.ix.Add(strconv.FormatInt(f.ArticleID, 10), f.Sig)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open stories: %w", err)
	}
	if s.cl, err = s.restore(ctx); err != nil {
		return nil, fmt.Errorf("open stories: %w", err)
	}
	if err := s.catchUp(ctx); err != nil {
		return nil, fmt.Errorf("open stories: %w", err)
	}
	return s, nil
}

// restore loads the snapshot, or starts empty with the decisions kept.
func (s *Service) restore(ctx context.Context) (*story.Clusterer, error) {
	data, err := s.st.StoryState(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return s.fresh(ctx)
	}
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("story snapshot: %w", err)
	}
	var state story.State
	if err := json.NewDecoder(zr).Decode(&state); err != nil {
		return nil, fmt.Errorf("story snapshot: %w", err)
	}
	return story.Restore(state, s.fold)
}

// fresh is an empty clusterer bound by every decision in the store.
func (s *Service) fresh(ctx context.Context) (*story.Clusterer, error) {
	ds, err := s.st.StoryDecisions(ctx)
	if err != nil {
		return nil, err
	}
	state := story.State{Config: s.scfg, NextID: 1}
	for _, d := range ds {
		state.Decisions = append(state.Decisions, story.Decision{Kind: story.DecisionKind(d.Kind), A: d.A, B: d.B, At: d.At})
	}
	return story.Restore(state, s.fold)
}

// catchUp handles the articles whose latest version has no fingerprint or
// no story yet (they arrived after the last snapshot, or before this
// feature existed).
func (s *Service) catchUp(ctx context.Context) error {
	var todo []int64
	err := s.st.ArticleVersionIDs(ctx, func(id, version int64) error {
		if _, inStory := s.cl.StoryOf(key(id)); s.printed[id] != version || !inStory {
			todo = append(todo, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	caught := len(todo)
	// In batches, as an import hands them over.
	for len(todo) > 0 {
		n := min(len(todo), 200)
		arts := make([]store.ArticleText, 0, n)
		for _, id := range todo[:n] {
			t, err := s.st.ArticleText(ctx, id)
			if err != nil {
				return err
			}
			arts = append(arts, t)
		}
		if err := s.Arrived(ctx, arts); err != nil {
			return err
		}
		todo = todo[n:]
	}
	if caught > 0 {
		s.log.Info("copies and stories caught up", "articles", caught)
		return s.Flush(ctx)
	}
	return nil
}

// texts pages through every article's latest text in arrival order.
func (s *Service) texts(ctx context.Context) iter.Seq2[store.ArticleText, error] {
	return func(yield func(store.ArticleText, error) bool) {
		var after int64
		for {
			page, err := s.st.ArticleTexts(ctx, after, s.textPage)
			if err != nil {
				yield(store.ArticleText{}, err)
				return
			}
			for _, t := range page {
				if !yield(t, nil) {
					return
				}
				after = t.ID
			}
			if len(page) < s.textPage {
				return
			}
		}
	}
}

// snapshotEvery is how many refining passes pass between snapshots.
const snapshotEvery = 5

func key(id int64) string { return strconv.FormatInt(id, 10) }

func unkey(k string) int64 {
	id, _ := strconv.ParseInt(k, 10, 64)
	return id
}

// Arrived finds the copies of newly stored versions and assigns their
// stories, in order, writing the results to the store. A batch (an
// import's) costs a few transactions whatever its size; call it after the
// versions are committed.
func (s *Service) Arrived(ctx context.Context, arts []store.ArticleText) error {
	// Fingerprinting is the costly part and needs no state: do it in
	// parallel, before taking the lock.
	fps := make([]*dedup.Fingerprint, len(arts))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(arts)) {
		wg.Go(func() {
			for i := range next {
				fps[i] = s.dcfg.Fingerprint(s.fold, arts[i].Title, arts[i].Text)
			}
		})
	}
	for i := range arts {
		next <- i
	}
	close(next)
	wg.Wait()

	s.mu.Lock()
	defer s.mu.Unlock()
	touched := map[int64]bool{}
	b := &batch{aliases: map[string]int64{}}
	for i, t := range arts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.copies(ctx, t, fps[i], b); err != nil {
			return fmt.Errorf("copies of article %d: %w", t.ID, err)
		}
		s.printed[t.ID] = t.VersionID
		a, err := s.cl.Assign(story.Article{ID: key(t.ID), Source: t.Source, Title: t.Title, Text: t.Text, Time: t.At})
		if err != nil {
			return fmt.Errorf("story of article %d: %w", t.ID, err)
		}
		touched[a.Story] = true
		s.since++
		s.unsaved = true
	}
	if err := b.flush(ctx, s.st); err != nil {
		return err
	}
	if s.since >= story.RefineEvery {
		// Now and then: refine and rewrite every story; every few times
		// also save the snapshot (it holds every article's vector, so it
		// costs more as the archive grows), so that a crash costs at most
		// snapshotEvery×RefineEvery re-assignments at the next start.
		s.since = 0
		s.cl.Refine()
		if err := s.syncAll(ctx); err != nil {
			return err
		}
		if s.refines++; s.refines%snapshotEvery == 0 {
			return s.saveState(ctx)
		}
		return nil
	}
	return s.sync(ctx, slices.Sorted(mapKeys(touched)), nil)
}

// batch holds copy writes not yet in the store, and the URL keys they file.
type batch struct {
	writes  []store.CopiesWrite
	aliases map[string]int64
}

func (b *batch) flush(ctx context.Context, st Store) error {
	if len(b.writes) == 0 {
		return nil
	}
	if err := st.SaveCopies(ctx, b.writes); err != nil {
		return err
	}
	b.writes = b.writes[:0]
	clear(b.aliases)
	return nil
}

func mapKeys[K comparable, V any](m map[K]V) iter.Seq[K] {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// copies finds what t copies and which URLs it is known by, and adds the
// write to b (the lock held).
func (s *Service) copies(ctx context.Context, t store.ArticleText, fp *dedup.Fingerprint, b *batch) error {
	w := store.CopiesWrite{Fingerprint: store.Fingerprint{ArticleID: t.ID, VersionID: t.VersionID, Runes: fp.Runes, Sig: fp.Sig}}
	if !fp.Empty(s.dcfg) {
		for _, c := range s.ix.Candidates(fp.Sig) {
			cid := unkey(c)
			if cid == t.ID {
				continue
			}
			ct, err := s.st.ArticleText(ctx, cid)
			if err != nil {
				return err
			}
			m := s.dcfg.Compare(fp, s.dcfg.Fingerprint(s.fold, ct.Title, ct.Text))
			if m.Kind == dedup.NotCopy {
				continue
			}
			w.Links = append(w.Links, store.CopyLink{Article: t.ID, Of: cid, Kind: m.Kind.String(),
				Jaccard: m.Jaccard, Containment: m.Containment, Differs: differs(m)})
		}
		s.ix.Add(key(t.ID), fp.Sig)
	}
	if err := s.aliases(ctx, t, &w, b); err != nil {
		return err
	}
	if len(w.Links) > 0 {
		// Choosing the group's original reads the groups stored so far.
		if err := b.flush(ctx, s.st); err != nil {
			return err
		}
		ids := []int64{t.ID}
		for _, l := range w.Links {
			ids = append(ids, l.Of)
		}
		ms, err := s.st.GroupMembers(ctx, ids)
		if err != nil {
			return err
		}
		dm := make([]dedup.Member, len(ms))
		for i, m := range ms {
			dm[i] = dedup.Member{ID: key(m.ID), Source: m.Source, Seen: m.FirstSeen}
			w.Members = append(w.Members, m.ID)
		}
		w.Original = unkey(dedup.Original(dm))
	}
	b.writes = append(b.writes, w)
	return nil
}

// differs names what a match found different.
func differs(m dedup.Match) []string {
	var out []string
	for _, d := range []struct {
		on   bool
		name string
	}{{m.TitleChanged, "title"}, {m.ScriptDiffers, "script"}, {m.HeaderAdded, "header"}, {m.FooterAdded, "footer"}, {m.BodyEdited, "body"}} {
		if d.on {
			out = append(out, d.name)
		}
	}
	return out
}

// aliases files t under its URL keys and links it to another article
// filed under one of them (the lock held).
func (s *Service) aliases(ctx context.Context, t store.ArticleText, w *store.CopiesWrite, b *batch) error {
	if t.URL == "" {
		return nil
	}
	id, err := dedup.Resolve(t.URL, t.Canonical, "")
	if err != nil {
		return nil // an address we cannot key (urn:sha256:…) has no aliases
	}
	for i, k := range append([]string{id.Key}, id.Aliases...) {
		have, ok := b.aliases[k]
		if !ok {
			a, err := s.st.URLAlias(ctx, k)
			switch {
			case err == nil:
				have, ok = a.ArticleID, true
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		if !ok {
			w.Aliases = append(w.Aliases, store.URLAlias{Key: k, ArticleID: t.ID, Certain: i == 0 || id.Certain})
			b.aliases[k] = t.ID
			continue
		}
		if have != t.ID && !slices.ContainsFunc(w.Links, func(l store.CopyLink) bool { return l.Of == have }) {
			w.Links = append(w.Links, store.CopyLink{Article: t.ID, Of: have, Kind: store.CopyAlias})
		}
	}
	return nil
}

// sync writes the given stories as the clusterer has them and deletes the
// removed ones (the lock held).
func (s *Service) sync(ctx context.Context, ids, remove []int64) error {
	rows := make([]store.Story, 0, len(ids))
	for _, id := range ids {
		v, err := s.cl.Story(id)
		if err != nil {
			remove = append(remove, id) // merged away
			continue
		}
		rows = append(rows, row(v))
	}
	return s.st.SaveStories(ctx, rows, remove, false)
}

// syncAll replaces every stored story with the clusterer's (the lock held).
func (s *Service) syncAll(ctx context.Context) error {
	all := s.cl.Stories(1)
	rows := make([]store.Story, len(all))
	for i, v := range all {
		rows[i] = row(v)
	}
	return s.st.SaveStories(ctx, rows, nil, true)
}

func row(v story.Story) store.Story {
	r := store.Story{ID: v.ID, Title: v.Title, TitleArticle: unkey(v.TitleArticle), First: v.First, Last: v.Last,
		Sources: len(v.Sources), Size: len(v.Articles)}
	for _, a := range v.Articles {
		r.Members = append(r.Members, unkey(a))
	}
	return r
}

// Flush runs a refining pass, writes every story and saves the snapshot:
// call it after a bulk import and before closing.
func (s *Service) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flush(ctx)
}

func (s *Service) flush(ctx context.Context) error {
	if !s.unsaved {
		return nil
	}
	s.cl.Refine()
	s.since = 0
	if err := s.syncAll(ctx); err != nil {
		return err
	}
	return s.saveState(ctx)
}

// saveState writes the clusterer's snapshot (the lock held).
func (s *Service) saveState(ctx context.Context) error {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level: no error
	if err := json.NewEncoder(zw).Encode(s.cl.Snapshot()); err != nil {
		return fmt.Errorf("story snapshot: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("story snapshot: %w", err)
	}
	if err := s.st.SaveStoryState(ctx, buf.Bytes()); err != nil {
		return err
	}
	s.unsaved = false
	return nil
}

// Restory re-clusters every article from scratch with the configured
// thresholds, keeping every operator's decision, and replaces the stored
// stories. progress, if set, is called now and then with how many articles
// are done. Arrivals wait while it runs.
func (s *Service) Restory(ctx context.Context, progress func(done int)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl, err := s.fresh(ctx)
	if err != nil {
		return fmt.Errorf("restory: %w", err)
	}
	var iterErr error
	arts := func(yield func(story.Article) bool) {
		for t, err := range s.texts(ctx) {
			if err != nil {
				iterErr = err
				return
			}
			if !yield(story.Article{ID: key(t.ID), Source: t.Source, Title: t.Title, Text: t.Text, Time: t.At}) {
				return
			}
		}
	}
	if err := cl.Recluster(ctx, arts, progress); err != nil {
		return fmt.Errorf("restory: %w", err)
	}
	if iterErr != nil {
		return fmt.Errorf("restory: %w", iterErr)
	}
	s.cl, s.since, s.unsaved = cl, 0, true
	if err := s.syncAll(ctx); err != nil {
		return fmt.Errorf("restory: %w", err)
	}
	return s.saveState(ctx)
}

// ErrBadDecision wraps a correction the stories cannot take (unknown story,
// a split that would leave a side empty).
var ErrBadDecision = errors.New("cannot apply")

// Merge makes stories a and b one (b joins a), for good.
func (s *Service) Merge(ctx context.Context, a, b int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.cl.MergeStories(a, b, s.now()); err != nil {
		return fmt.Errorf("%w: %w", ErrBadDecision, err)
	}
	return s.decided(ctx, []int64{a}, []int64{b})
}

// Split moves some articles of a story into a new story, for good, and
// returns the new story's ID.
func (s *Service) Split(ctx context.Context, storyID int64, articles []int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ks := make([]string, len(articles))
	for i, a := range articles {
		ks[i] = key(a)
	}
	id, err := s.cl.SplitStory(storyID, ks, s.now())
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadDecision, err)
	}
	return id, s.decided(ctx, []int64{storyID, id}, nil)
}

// Detach makes an article a story of its own, for good, and returns that
// story's ID.
func (s *Service) Detach(ctx context.Context, articleID int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, _ := s.cl.StoryOf(key(articleID))
	id, err := s.cl.DetachArticle(key(articleID), s.now())
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadDecision, err)
	}
	return id, s.decided(ctx, []int64{old, id}, nil)
}

// decided stores the decision just made, the stories it changed and the
// snapshot (the lock held).
func (s *Service) decided(ctx context.Context, changed, removed []int64) error {
	ds := s.cl.Decisions()
	d := ds[len(ds)-1]
	if _, err := s.st.AddStoryDecision(ctx, store.StoryDecision{Kind: string(d.Kind), A: d.A, B: d.B, At: d.At}); err != nil {
		return err
	}
	if err := s.sync(ctx, changed, removed); err != nil {
		return err
	}
	return s.saveState(ctx)
}

// Close writes what is not yet written.
func (s *Service) Close(ctx context.Context) error { return s.Flush(ctx) }

// ---- reading, for the web and the command line.

// Stories lists stories of at least minSize articles, most recent first.
func (s *Service) Stories(ctx context.Context, minSize, limit, offset int) ([]store.Story, int, error) {
	return s.st.Stories(ctx, minSize, limit, offset)
}

// Story returns a story and its articles, earliest first.
func (s *Service) Story(ctx context.Context, id int64) (store.Story, []store.StoryMember, error) {
	st, err := s.st.Story(ctx, id)
	if err != nil {
		return st, nil, err
	}
	ms, err := s.st.StoryMembers(ctx, id)
	return st, ms, err
}

// StoryOf returns the story of an article and its articles.
func (s *Service) StoryOf(ctx context.Context, articleID int64) (store.Story, []store.StoryMember, error) {
	st, err := s.st.StoryOf(ctx, articleID)
	if err != nil {
		return st, nil, err
	}
	ms, err := s.st.StoryMembers(ctx, st.ID)
	return st, ms, err
}

// Copies returns the copy group of an article (store.ErrNotFound: none).
func (s *Service) Copies(ctx context.Context, articleID int64) (store.CopyGroup, error) {
	return s.st.CopyGroup(ctx, articleID)
}

// StoriesOf maps articles to their stories.
func (s *Service) StoriesOf(ctx context.Context, ids []int64) (map[int64]int64, error) {
	return s.st.StoriesOf(ctx, ids)
}

// CopyGroupsOf maps articles that have copies to their group's original.
func (s *Service) CopyGroupsOf(ctx context.Context, ids []int64) (map[int64]int64, error) {
	return s.st.CopyGroupsOf(ctx, ids)
}

// ResolveURL returns the URL of an article already archived under the same
// URL key as canon (a mobile, AMP or print variant, or what the page's
// same-site canonical names). Only certain evidence resolves; a
// cross-site canonical is linked as an alias when the version arrives.
func (s *Service) ResolveURL(ctx context.Context, canon, declared string) (string, bool) {
	id, err := dedup.Resolve(canon, declared, "")
	if err != nil || !id.Certain {
		return "", false
	}
	a, err := s.st.URLAlias(ctx, id.Key)
	if err != nil || !a.Certain {
		return "", false
	}
	t, err := s.st.ArticleText(ctx, a.ArticleID)
	if err != nil || t.URL == canon {
		return "", false
	}
	return t.URL, true
}
