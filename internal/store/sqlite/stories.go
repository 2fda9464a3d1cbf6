package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// This file holds copies (fingerprints, copy links and groups, URL aliases)
// and stories (their rows, members, operators' decisions and the
// clusterer's snapshot).

const textCols = `a.id, a.version_id, COALESCE(a.source_id, 0), COALESCE(s.title, ''), v.title, v.text, a.sort_at, a.first_seen_at, a.url`

const textFrom = ` FROM articles a JOIN versions v ON v.id = a.version_id LEFT JOIN sources s ON s.id = a.source_id `

func scanText(sc interface{ Scan(...any) error }) (store.ArticleText, error) {
	var t store.ArticleText
	var at, first int64
	err := sc.Scan(&t.ID, &t.VersionID, &t.SourceID, &t.Source, &t.Title, &t.Text, &at, &first, &t.URL)
	t.At, t.FirstSeen = time.UnixMilli(at).UTC(), time.UnixMilli(first).UTC()
	return t, err
}

// ArticleTexts returns up to limit articles with IDs above after, in ID
// (arrival) order, with their latest version's title and text.
func (s *Store) ArticleTexts(ctx context.Context, after int64, limit int) ([]store.ArticleText, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+textCols+textFrom+`WHERE a.id > ? ORDER BY a.id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("article texts: %w", err)
	}
	defer rows.Close()
	var out []store.ArticleText
	for rows.Next() {
		t, err := scanText(rows)
		if err != nil {
			return nil, fmt.Errorf("article texts: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ArticleVersionIDs calls fn with every article's ID and latest version ID,
// in ID order, reading no text.
func (s *Store) ArticleVersionIDs(ctx context.Context, fn func(id, versionID int64) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, version_id FROM articles WHERE version_id IS NOT NULL ORDER BY id`)
	if err != nil {
		return fmt.Errorf("article versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, v int64
		if err := rows.Scan(&id, &v); err != nil {
			return fmt.Errorf("article versions: %w", err)
		}
		if err := fn(id, v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ArticleText returns one article's latest title and text.
func (s *Store) ArticleText(ctx context.Context, id int64) (store.ArticleText, error) {
	t, err := scanText(s.db.QueryRowContext(ctx, `SELECT `+textCols+textFrom+`WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("article %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("article text %d: %w", id, err)
	}
	return t, nil
}

func sigBytes(sig []uint32) []byte {
	b := make([]byte, 4*len(sig))
	for i, v := range sig {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return b
}

// Fingerprints calls fn with every stored fingerprint, in article order.
func (s *Store) Fingerprints(ctx context.Context, fn func(store.Fingerprint) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT article_id, version_id, runes, sig FROM fingerprints ORDER BY article_id`)
	if err != nil {
		return fmt.Errorf("fingerprints: %w", err)
	}
	defer rows.Close()
	var b []byte
	for rows.Next() {
		var f store.Fingerprint
		if err := rows.Scan(&f.ArticleID, &f.VersionID, &f.Runes, &b); err != nil {
			return fmt.Errorf("fingerprints: %w", err)
		}
		f.Sig = make([]uint32, len(b)/4)
		for i := range f.Sig {
			f.Sig[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SaveCopies writes what finding versions' copies changed, in order and
// in one transaction: each one's fingerprint, links, URL aliases and group.
func (s *Store) SaveCopies(ctx context.Context, ws []store.CopiesWrite) error {
	return s.inTx(ctx, "save copies", func(tx *sql.Tx) error {
		stmts := &stmtCache{tx: tx, m: map[string]*sql.Stmt{}}
		defer stmts.close()
		for _, w := range ws {
			if err := saveCopies(ctx, stmts, w); err != nil {
				return err
			}
		}
		return nil
	})
}

func saveCopies(ctx context.Context, tx execer, w store.CopiesWrite) error {
	f := w.Fingerprint
	if _, err := tx.ExecContext(ctx, `INSERT INTO fingerprints (article_id, version_id, runes, sig) VALUES (?, ?, ?, ?)
		ON CONFLICT (article_id) DO UPDATE SET version_id = excluded.version_id, runes = excluded.runes, sig = excluded.sig`,
		f.ArticleID, f.VersionID, f.Runes, sigBytes(f.Sig)); err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	for _, l := range w.Links {
		if _, err := tx.ExecContext(ctx, `INSERT INTO copy_links (article_id, of_article, kind, jaccard, containment, differs, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (article_id, of_article) DO UPDATE SET kind = excluded.kind,
			jaccard = excluded.jaccard, containment = excluded.containment, differs = excluded.differs`,
			l.Article, l.Of, l.Kind, l.Jaccard, l.Containment, strings.Join(l.Differs, ","), now); err != nil {
			return err
		}
	}
	for _, a := range w.Aliases {
		if _, err := tx.ExecContext(ctx, `INSERT INTO url_aliases (key, article_id, certain) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`,
			a.Key, a.ArticleID, a.Certain); err != nil {
			return err
		}
	}
	if len(w.Members) == 0 {
		return nil
	}
	group := slices.Min(w.Members)
	for _, m := range w.Members {
		if _, err := tx.ExecContext(ctx, `INSERT INTO copy_members (article_id, group_id, original) VALUES (?, ?, ?)
			ON CONFLICT (article_id) DO UPDATE SET group_id = excluded.group_id, original = excluded.original`, m, group, m == w.Original); err != nil {
			return err
		}
	}
	return nil
}

// inTx runs fn in a transaction, naming what failed.
func (s *Store) inTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// GroupMembers returns the members of the copy groups the given articles
// are in (each article itself included, grouped or not), for choosing an
// original.
func (s *Store) GroupMembers(ctx context.Context, ids []int64) ([]store.GroupMember, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := inList(ids)
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, COALESCE(a.source_id, 0), COALESCE(s.title, ''), MIN(a.first_seen_at, a.sort_at)
		FROM articles a LEFT JOIN sources s ON s.id = a.source_id
		WHERE a.id IN `+in+` OR a.id IN (SELECT article_id FROM copy_members WHERE group_id IN
			(SELECT group_id FROM copy_members WHERE article_id IN `+in+`)) ORDER BY a.id`, append(args, args...)...)
	if err != nil {
		return nil, fmt.Errorf("copy group members: %w", err)
	}
	defer rows.Close()
	var out []store.GroupMember
	for rows.Next() {
		var m store.GroupMember
		var first int64
		if err := rows.Scan(&m.ID, &m.SourceID, &m.Source, &first); err != nil {
			return nil, fmt.Errorf("copy group members: %w", err)
		}
		m.FirstSeen = time.UnixMilli(first).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")", args
}

const memberCols = `a.id, a.url, a.original_url, COALESCE(a.source_id, 0), a.version_count, a.first_seen_at, a.last_seen_at,
	a.version_id, a.title, a.published_at, a.language, COALESCE(s.title, '')`

func scanMember(sc interface{ Scan(...any) error }, extra ...any) (archive.Article, string, error) {
	var a archive.Article
	var first, last int64
	var pub sql.NullInt64
	var src string
	err := sc.Scan(append([]any{&a.ID, &a.URL, &a.OriginalURL, &a.SourceID, &a.VersionCount, &first, &last,
		&a.VersionID, &a.Title, &pub, &a.Language, &src}, extra...)...)
	a.FirstSeenAt, a.LastSeenAt, a.Published = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC(), store.FromUnixMS(pub)
	return a, src, err
}

// CopyGroup returns the copy group of an article; store.ErrNotFound when
// it has no copies.
func (s *Store) CopyGroup(ctx context.Context, articleID int64) (store.CopyGroup, error) {
	g := store.CopyGroup{}
	err := s.db.QueryRowContext(ctx, `SELECT group_id FROM copy_members WHERE article_id = ?`, articleID).Scan(&g.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return g, fmt.Errorf("copies of %d: %w", articleID, store.ErrNotFound)
	}
	if err != nil {
		return g, fmt.Errorf("copies of %d: %w", articleID, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+memberCols+`, m.original FROM copy_members m JOIN articles a ON a.id = m.article_id
		LEFT JOIN sources s ON s.id = a.source_id WHERE m.group_id = ? ORDER BY m.original DESC, a.first_seen_at, a.id`, g.ID)
	if err != nil {
		return g, fmt.Errorf("copies of %d: %w", articleID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var orig bool
		a, src, err := scanMember(rows, &orig)
		if err != nil {
			return g, fmt.Errorf("copies of %d: %w", articleID, err)
		}
		if orig {
			g.Original = a.ID
		}
		g.Members = append(g.Members, store.CopyMember{Article: a, Source: src, Original: orig})
	}
	if err := rows.Err(); err != nil {
		return g, fmt.Errorf("copies of %d: %w", articleID, err)
	}
	rows.Close()
	links, err := s.links(ctx, g.ID)
	if err != nil {
		return g, fmt.Errorf("copies of %d: %w", articleID, err)
	}
	for i := range g.Members {
		m := &g.Members[i]
		if !m.Original {
			m.Link = store.PickLink(links, m.Article.ID, g.Original)
		}
	}
	return g, nil
}

func (s *Store) links(ctx context.Context, group int64) ([]store.CopyLink, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT l.article_id, l.of_article, l.kind, l.jaccard, l.containment, l.differs
		FROM copy_links l JOIN copy_members m ON m.article_id = l.article_id WHERE m.group_id = ? ORDER BY l.article_id, l.of_article`, group)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.CopyLink
	for rows.Next() {
		var l store.CopyLink
		var differs string
		if err := rows.Scan(&l.Article, &l.Of, &l.Kind, &l.Jaccard, &l.Containment, &differs); err != nil {
			return nil, err
		}
		if differs != "" {
			l.Differs = strings.Split(differs, ",")
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// CopyGroupsOf maps each of the given articles that has copies to its
// group's original (itself for an original).
func (s *Store) CopyGroupsOf(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(ids)
	rows, err := s.db.QueryContext(ctx, `SELECT m.article_id, o.article_id FROM copy_members m
		JOIN copy_members o ON o.group_id = m.group_id AND o.original = 1 WHERE m.article_id IN `+in, args...)
	if err != nil {
		return nil, fmt.Errorf("copy groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a, o int64
		if err := rows.Scan(&a, &o); err != nil {
			return nil, fmt.Errorf("copy groups: %w", err)
		}
		out[a] = o
	}
	return out, rows.Err()
}

// URLAlias returns the article filed under a URL key.
func (s *Store) URLAlias(ctx context.Context, key string) (store.URLAlias, error) {
	a := store.URLAlias{Key: key}
	err := s.db.QueryRowContext(ctx, `SELECT article_id, certain FROM url_aliases WHERE key = ?`, key).Scan(&a.ArticleID, &a.Certain)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("url alias %s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("url alias %s: %w", key, err)
	}
	return a, nil
}

// SaveStories writes stories and their members in one transaction. full
// replaces every story (after a re-cluster or a refining pass); otherwise
// the given stories are written over and those in remove deleted.
func (s *Store) SaveStories(ctx context.Context, stories []store.Story, remove []int64, full bool) error {
	return s.inTx(ctx, "save stories", func(tx *sql.Tx) error {
		stmts := &stmtCache{tx: tx, m: map[string]*sql.Stmt{}}
		defer stmts.close()
		if full {
			if _, err := tx.ExecContext(ctx, `DELETE FROM story_members`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM stories`); err != nil {
				return err
			}
		}
		for _, id := range remove {
			if _, err := stmts.ExecContext(ctx, `DELETE FROM stories WHERE id = ?`, id); err != nil {
				return err
			}
			if _, err := stmts.ExecContext(ctx, `DELETE FROM story_members WHERE story_id = ?`, id); err != nil {
				return err
			}
		}
		for _, st := range stories {
			if _, err := stmts.ExecContext(ctx, `INSERT INTO stories (id, title, title_article, first_at, last_at, size, sources)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET title = excluded.title, title_article = excluded.title_article,
				first_at = excluded.first_at, last_at = excluded.last_at, size = excluded.size, sources = excluded.sources`,
				st.ID, st.Title, st.TitleArticle, store.UnixMS(st.First), store.UnixMS(st.Last), len(st.Members), st.Sources); err != nil {
				return err
			}
			if !full {
				if _, err := stmts.ExecContext(ctx, `DELETE FROM story_members WHERE story_id = ?`, st.ID); err != nil {
					return err
				}
			}
			for _, m := range st.Members {
				if _, err := stmts.ExecContext(ctx, `INSERT INTO story_members (article_id, story_id) VALUES (?, ?)
					ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id`, m, st.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

const storyCols = `id, title, title_article, first_at, last_at, size, sources`

func scanStory(sc interface{ Scan(...any) error }) (store.Story, error) {
	var st store.Story
	var first, last sql.NullInt64
	err := sc.Scan(&st.ID, &st.Title, &st.TitleArticle, &first, &last, &st.Size, &st.Sources)
	st.First, st.Last = store.FromUnixMS(first), store.FromUnixMS(last)
	return st, err
}

// Stories lists stories of at least minSize articles, most recently active
// first, and counts them.
func (s *Store) Stories(ctx context.Context, minSize, limit, offset int) ([]store.Story, int, error) {
	if limit <= 0 {
		limit = 50
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM stories WHERE size >= ?`, minSize).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("stories: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+storyCols+` FROM stories WHERE size >= ? ORDER BY last_at DESC, id DESC LIMIT ? OFFSET ?`,
		minSize, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("stories: %w", err)
	}
	defer rows.Close()
	var out []store.Story
	for rows.Next() {
		st, err := scanStory(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("stories: %w", err)
		}
		out = append(out, st)
	}
	return out, total, rows.Err()
}

// Story returns one story.
func (s *Store) Story(ctx context.Context, id int64) (store.Story, error) {
	st, err := scanStory(s.db.QueryRowContext(ctx, `SELECT `+storyCols+` FROM stories WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("story %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return st, fmt.Errorf("story %d: %w", id, err)
	}
	return st, nil
}

// StoryOf returns the story an article is in.
func (s *Store) StoryOf(ctx context.Context, articleID int64) (store.Story, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT story_id FROM story_members WHERE article_id = ?`, articleID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Story{}, fmt.Errorf("story of %d: %w", articleID, store.ErrNotFound)
	}
	if err != nil {
		return store.Story{}, fmt.Errorf("story of %d: %w", articleID, err)
	}
	return s.Story(ctx, id)
}

// StoriesOf maps each of the given articles to its story.
func (s *Store) StoriesOf(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(ids)
	rows, err := s.db.QueryContext(ctx, `SELECT article_id, story_id FROM story_members WHERE article_id IN `+in, args...)
	if err != nil {
		return nil, fmt.Errorf("stories of: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a, st int64
		if err := rows.Scan(&a, &st); err != nil {
			return nil, fmt.Errorf("stories of: %w", err)
		}
		out[a] = st
	}
	return out, rows.Err()
}

// StoryMembers returns a story's articles, earliest first, each with the
// original of its copy group when it is a copy.
func (s *Store) StoryMembers(ctx context.Context, storyID int64) ([]store.StoryMember, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+memberCols+`, COALESCE((SELECT o.article_id FROM copy_members c
			JOIN copy_members o ON o.group_id = c.group_id AND o.original = 1 WHERE c.article_id = a.id AND o.article_id <> a.id), 0)
		FROM story_members sm JOIN articles a ON a.id = sm.article_id LEFT JOIN sources s ON s.id = a.source_id
		WHERE sm.story_id = ? ORDER BY a.sort_at, a.id`, storyID)
	if err != nil {
		return nil, fmt.Errorf("story %d members: %w", storyID, err)
	}
	defer rows.Close()
	var out []store.StoryMember
	for rows.Next() {
		var m store.StoryMember
		var err error
		if m.Article, m.Source, err = scanMember(rows, &m.CopyOf); err != nil {
			return nil, fmt.Errorf("story %d members: %w", storyID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddStoryDecision keeps an operator's correction.
func (s *Store) AddStoryDecision(ctx context.Context, d store.StoryDecision) (int64, error) {
	a, _ := json.Marshal(d.A)
	b, _ := json.Marshal(d.B)
	r, err := s.db.ExecContext(ctx, `INSERT INTO story_decisions (kind, a, b, at) VALUES (?, ?, ?, ?)`, d.Kind, a, b, d.At.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("story decision: %w", err)
	}
	return r.LastInsertId()
}

// StoryDecisions returns every correction, oldest first.
func (s *Store) StoryDecisions(ctx context.Context) ([]store.StoryDecision, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, a, b, at FROM story_decisions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("story decisions: %w", err)
	}
	defer rows.Close()
	var out []store.StoryDecision
	for rows.Next() {
		var d store.StoryDecision
		var a, b string
		var at int64
		if err := rows.Scan(&d.ID, &d.Kind, &a, &b, &at); err != nil {
			return nil, fmt.Errorf("story decisions: %w", err)
		}
		if err := json.Unmarshal([]byte(a), &d.A); err != nil {
			return nil, fmt.Errorf("story decision %d: %w", d.ID, err)
		}
		if err := json.Unmarshal([]byte(b), &d.B); err != nil {
			return nil, fmt.Errorf("story decision %d: %w", d.ID, err)
		}
		d.At = time.UnixMilli(at).UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// SaveStoryState keeps the story clusterer's snapshot.
func (s *Store) SaveStoryState(ctx context.Context, state []byte) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO story_state (id, state, saved_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET state = excluded.state, saved_at = excluded.saved_at`, state, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("save story state: %w", err)
	}
	return nil
}

// StoryState returns the last snapshot; store.ErrNotFound when none.
func (s *Store) StoryState(ctx context.Context) ([]byte, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, `SELECT state FROM story_state WHERE id = 1`).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("story state: %w", store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("story state: %w", err)
	}
	return b, nil
}
