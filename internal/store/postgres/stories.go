package postgres

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/store"
)

// This file holds copies (fingerprints, copy links and groups, URL aliases)
// and stories (their rows, members, operators' decisions and the
// clusterer's snapshot).

const textCols = `a.id, a.version_id, COALESCE(a.source_id, 0), COALESCE(s.title, ''), v.title, v.text, a.sort_at, a.first_seen_at, a.url`

const textFrom = ` FROM articles a JOIN versions v ON v.id = a.version_id LEFT JOIN sources s ON s.id = a.source_id `

func scanText(sc pgx.Row) (store.ArticleText, error) {
	var t store.ArticleText
	var at, first int64
	err := sc.Scan(&t.ID, &t.VersionID, &t.SourceID, &t.Source, &t.Title, &t.Text, &at, &first, &t.URL)
	t.At, t.FirstSeen = time.UnixMilli(at).UTC(), time.UnixMilli(first).UTC()
	return t, err
}

// ArticleTexts returns up to limit articles with IDs above after, in ID
// (arrival) order, with their latest version's title and text.
func (s *Store) ArticleTexts(ctx context.Context, after int64, limit int) ([]store.ArticleText, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+textCols+textFrom+`WHERE a.id > $1 ORDER BY a.id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("article texts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ArticleText, error) { return scanText(r) })
	if err != nil {
		return nil, fmt.Errorf("article texts: %w", err)
	}
	return out, nil
}

// ArticleVersionIDs calls fn with every article's ID and latest version ID,
// in ID order, reading no text. It reads a page at a time, so fn may use
// the store.
func (s *Store) ArticleVersionIDs(ctx context.Context, fn func(id, versionID int64) error) error {
	var after int64
	for {
		rows, err := s.pool.Query(ctx, `SELECT id, version_id FROM articles WHERE version_id IS NOT NULL AND id > $1 ORDER BY id LIMIT 5000`, after)
		if err != nil {
			return fmt.Errorf("article versions: %w", err)
		}
		page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]int64, error) {
			var p [2]int64
			return p, r.Scan(&p[0], &p[1])
		})
		if err != nil {
			return fmt.Errorf("article versions: %w", err)
		}
		for _, p := range page {
			if err := fn(p[0], p[1]); err != nil {
				return err
			}
		}
		if len(page) < 5000 {
			return nil
		}
		after = page[len(page)-1][0]
	}
}

// ArticleText returns one article's latest title and text.
func (s *Store) ArticleText(ctx context.Context, id int64) (store.ArticleText, error) {
	t, err := scanText(s.pool.QueryRow(ctx, `SELECT `+textCols+textFrom+`WHERE a.id = $1`, id))
	if err != nil {
		return t, notFound(err, fmt.Sprintf("article %d", id))
	}
	return t, nil
}

// Fingerprints calls fn with every stored fingerprint, in article order.
func (s *Store) Fingerprints(ctx context.Context, fn func(store.Fingerprint) error) error {
	rows, err := s.pool.Query(ctx, `SELECT article_id, version_id, runes, sig FROM fingerprints ORDER BY article_id`)
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
// in one transaction.
func (s *Store) SaveCopies(ctx context.Context, ws []store.CopiesWrite) error {
	return s.inTx(ctx, "save copies", func(tx pgx.Tx) error {
		for _, w := range ws {
			if err := saveCopies(ctx, tx, w); err != nil {
				return err
			}
		}
		return nil
	})
}

func saveCopies(ctx context.Context, tx pgx.Tx, w store.CopiesWrite) error {
	f := w.Fingerprint
	sig := make([]byte, 4*len(f.Sig))
	for i, v := range f.Sig {
		binary.LittleEndian.PutUint32(sig[4*i:], v)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO fingerprints (article_id, version_id, runes, sig) VALUES ($1, $2, $3, $4)
		ON CONFLICT (article_id) DO UPDATE SET version_id = excluded.version_id, runes = excluded.runes, sig = excluded.sig`,
		f.ArticleID, f.VersionID, f.Runes, sig); err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	for _, l := range w.Links {
		if _, err := tx.Exec(ctx, `INSERT INTO copy_links (article_id, of_article, kind, jaccard, containment, differs, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (article_id, of_article) DO UPDATE SET kind = excluded.kind,
			jaccard = excluded.jaccard, containment = excluded.containment, differs = excluded.differs`,
			l.Article, l.Of, l.Kind, l.Jaccard, l.Containment, strings.Join(l.Differs, ","), now); err != nil {
			return err
		}
	}
	for _, a := range w.Aliases {
		if _, err := tx.Exec(ctx, `INSERT INTO url_aliases (key, article_id, certain) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`,
			a.Key, a.ArticleID, a.Certain); err != nil {
			return err
		}
	}
	if len(w.Members) == 0 {
		return nil
	}
	group := slices.Min(w.Members)
	for _, m := range w.Members {
		if _, err := tx.Exec(ctx, `INSERT INTO copy_members (article_id, group_id, original) VALUES ($1, $2, $3)
			ON CONFLICT (article_id) DO UPDATE SET group_id = excluded.group_id, original = excluded.original`, m, group, m == w.Original); err != nil {
			return err
		}
	}
	return nil
}

// GroupMembers returns the members of the copy groups the given articles
// are in (each article itself included, grouped or not).
func (s *Store) GroupMembers(ctx context.Context, ids []int64) ([]store.GroupMember, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT a.id, COALESCE(a.source_id, 0), COALESCE(s.title, ''), LEAST(a.first_seen_at, a.sort_at)
		FROM articles a LEFT JOIN sources s ON s.id = a.source_id
		WHERE a.id = ANY ($1) OR a.id IN (SELECT article_id FROM copy_members WHERE group_id IN
			(SELECT group_id FROM copy_members WHERE article_id = ANY ($1))) ORDER BY a.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("copy group members: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.GroupMember, error) {
		var m store.GroupMember
		var first int64
		err := r.Scan(&m.ID, &m.SourceID, &m.Source, &first)
		m.FirstSeen = time.UnixMilli(first).UTC()
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("copy group members: %w", err)
	}
	return out, nil
}

const memberCols = `a.id, a.url, a.original_url, COALESCE(a.source_id, 0), a.version_count, a.first_seen_at, a.last_seen_at,
	a.version_id, a.title, a.published_at, a.language, COALESCE(s.title, '')`

func scanMember(sc pgx.Row, extra ...any) (archive.Article, string, error) {
	var a archive.Article
	var first, last int64
	var pub, ver sql.NullInt64
	var src string
	err := sc.Scan(append([]any{&a.ID, &a.URL, &a.OriginalURL, &a.SourceID, &a.VersionCount, &first, &last,
		&ver, &a.Title, &pub, &a.Language, &src}, extra...)...)
	a.VersionID = ver.Int64
	a.FirstSeenAt, a.LastSeenAt, a.Published = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC(), store.FromUnixMS(pub)
	return a, src, err
}

// CopyGroup returns the copy group of an article; store.ErrNotFound when
// it has no copies.
func (s *Store) CopyGroup(ctx context.Context, articleID int64) (store.CopyGroup, error) {
	g := store.CopyGroup{}
	what := fmt.Sprintf("copies of %d", articleID)
	if err := s.pool.QueryRow(ctx, `SELECT group_id FROM copy_members WHERE article_id = $1`, articleID).Scan(&g.ID); err != nil {
		return g, notFound(err, what)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+memberCols+`, m.original FROM copy_members m JOIN articles a ON a.id = m.article_id
		LEFT JOIN sources s ON s.id = a.source_id WHERE m.group_id = $1 ORDER BY m.original DESC, a.first_seen_at, a.id`, g.ID)
	if err != nil {
		return g, fmt.Errorf("%s: %w", what, err)
	}
	g.Members, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.CopyMember, error) {
		var m store.CopyMember
		var err error
		m.Article, m.Source, err = scanMember(r, &m.Original)
		return m, err
	})
	if err != nil {
		return g, fmt.Errorf("%s: %w", what, err)
	}
	for _, m := range g.Members {
		if m.Original {
			g.Original = m.Article.ID
		}
	}
	links, err := s.links(ctx, g.ID)
	if err != nil {
		return g, fmt.Errorf("%s: %w", what, err)
	}
	for i := range g.Members {
		if m := &g.Members[i]; !m.Original {
			m.Link = store.PickLink(links, m.Article.ID, g.Original)
		}
	}
	return g, nil
}

func (s *Store) links(ctx context.Context, group int64) ([]store.CopyLink, error) {
	rows, err := s.pool.Query(ctx, `SELECT l.article_id, l.of_article, l.kind, l.jaccard, l.containment, l.differs
		FROM copy_links l JOIN copy_members m ON m.article_id = l.article_id WHERE m.group_id = $1 ORDER BY l.article_id, l.of_article`, group)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.CopyLink, error) {
		var l store.CopyLink
		var differs string
		err := r.Scan(&l.Article, &l.Of, &l.Kind, &l.Jaccard, &l.Containment, &differs)
		if differs != "" {
			l.Differs = strings.Split(differs, ",")
		}
		return l, err
	})
}

// pairs reads rows of two IDs into a map from the first to the second.
func pairs(rows pgx.Rows, err error) (map[int64]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out[a] = b
	}
	return out, rows.Err()
}

// CopyGroupsOf maps each of the given articles that has copies to its
// group's original (itself for an original).
func (s *Store) CopyGroupsOf(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out, err := pairs(s.pool.Query(ctx, `SELECT m.article_id, o.article_id FROM copy_members m
		JOIN copy_members o ON o.group_id = m.group_id AND o.original WHERE m.article_id = ANY ($1)`, nonNil(ids)))
	if err != nil {
		return nil, fmt.Errorf("copy groups: %w", err)
	}
	return out, nil
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// URLAlias returns the article filed under a URL key.
func (s *Store) URLAlias(ctx context.Context, key string) (store.URLAlias, error) {
	a := store.URLAlias{Key: key}
	if err := s.pool.QueryRow(ctx, `SELECT article_id, certain FROM url_aliases WHERE key = $1`, key).Scan(&a.ArticleID, &a.Certain); err != nil {
		return a, notFound(err, "url alias "+key)
	}
	return a, nil
}

// SaveStories writes stories and their members in one transaction. full
// replaces every story; otherwise the given stories are written over and
// those in remove deleted.
func (s *Store) SaveStories(ctx context.Context, stories []store.Story, remove []int64, full bool) error {
	return s.inTx(ctx, "save stories", func(tx pgx.Tx) error {
		if full {
			if _, err := tx.Exec(ctx, `DELETE FROM story_members`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM stories`); err != nil {
				return err
			}
		}
		if len(remove) > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM stories WHERE id = ANY ($1)`, remove); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM story_members WHERE story_id = ANY ($1)`, remove); err != nil {
				return err
			}
		}
		for _, st := range stories {
			if _, err := tx.Exec(ctx, `INSERT INTO stories (id, title, title_article, first_at, last_at, size, sources)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET title = excluded.title, title_article = excluded.title_article,
				first_at = excluded.first_at, last_at = excluded.last_at, size = excluded.size, sources = excluded.sources`,
				st.ID, st.Title, st.TitleArticle, store.UnixMS(st.First), store.UnixMS(st.Last), len(st.Members), st.Sources); err != nil {
				return err
			}
			if !full {
				if _, err := tx.Exec(ctx, `DELETE FROM story_members WHERE story_id = $1`, st.ID); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO story_members (article_id, story_id) SELECT m, $2 FROM unnest($1::bigint[]) AS m
				ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id`, nonNil(st.Members), st.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

const storyCols = `id, title, title_article, first_at, last_at, size, sources`

func scanStory(sc pgx.Row) (store.Story, error) {
	var st store.Story
	var first, last sql.NullInt64
	err := sc.Scan(&st.ID, &st.Title, &st.TitleArticle, &first, &last, &st.Size, &st.Sources)
	st.First, st.Last = store.FromUnixMS(first), store.FromUnixMS(last)
	return st, err
}

// Stories lists stories of at least minSize articles, most recently active
// first, and counts them.
func (s *Store) Stories(ctx context.Context, minSize, limit, offset int) ([]store.Story, int, error) {
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM stories WHERE size >= $1`, minSize).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("stories: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+storyCols+` FROM stories WHERE size >= $1 ORDER BY last_at DESC NULLS LAST, id DESC LIMIT $2 OFFSET $3`,
		minSize, store.LimitOr(limit, 50), max(offset, 0))
	if err != nil {
		return nil, 0, fmt.Errorf("stories: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Story, error) { return scanStory(r) })
	if err != nil {
		return nil, 0, fmt.Errorf("stories: %w", err)
	}
	return out, total, nil
}

// Story returns one story.
func (s *Store) Story(ctx context.Context, id int64) (store.Story, error) {
	st, err := scanStory(s.pool.QueryRow(ctx, `SELECT `+storyCols+` FROM stories WHERE id = $1`, id))
	if err != nil {
		return st, notFound(err, fmt.Sprintf("story %d", id))
	}
	return st, nil
}

// StoryOf returns the story an article is in.
func (s *Store) StoryOf(ctx context.Context, articleID int64) (store.Story, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT story_id FROM story_members WHERE article_id = $1`, articleID).Scan(&id); err != nil {
		return store.Story{}, notFound(err, fmt.Sprintf("story of %d", articleID))
	}
	return s.Story(ctx, id)
}

// StoriesOf maps each of the given articles to its story.
func (s *Store) StoriesOf(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out, err := pairs(s.pool.Query(ctx, `SELECT article_id, story_id FROM story_members WHERE article_id = ANY ($1)`, nonNil(ids)))
	if err != nil {
		return nil, fmt.Errorf("stories of: %w", err)
	}
	return out, nil
}

// StoryMembers returns a story's articles, earliest first, each with the
// original of its copy group when it is a copy.
func (s *Store) StoryMembers(ctx context.Context, storyID int64) ([]store.StoryMember, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+memberCols+`, COALESCE((SELECT o.article_id FROM copy_members c
			JOIN copy_members o ON o.group_id = c.group_id AND o.original WHERE c.article_id = a.id AND o.article_id <> a.id), 0)
		FROM story_members sm JOIN articles a ON a.id = sm.article_id LEFT JOIN sources s ON s.id = a.source_id
		WHERE sm.story_id = $1 ORDER BY a.sort_at, a.id`, storyID)
	if err != nil {
		return nil, fmt.Errorf("story %d members: %w", storyID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.StoryMember, error) {
		var m store.StoryMember
		var err error
		m.Article, m.Source, err = scanMember(r, &m.CopyOf)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("story %d members: %w", storyID, err)
	}
	return out, nil
}

// AddStoryDecision keeps an operator's correction.
func (s *Store) AddStoryDecision(ctx context.Context, d store.StoryDecision) (int64, error) {
	a, _ := json.Marshal(d.A)
	b, _ := json.Marshal(d.B)
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO story_decisions (kind, a, b, at) VALUES ($1, $2, $3, $4) RETURNING id`,
		d.Kind, string(a), string(b), d.At.UnixMilli()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("story decision: %w", err)
	}
	return id, nil
}

// StoryDecisions returns every correction, oldest first.
func (s *Store) StoryDecisions(ctx context.Context) ([]store.StoryDecision, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, kind, a, b, at FROM story_decisions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("story decisions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.StoryDecision, error) {
		var d store.StoryDecision
		var a, b string
		var at int64
		if err := r.Scan(&d.ID, &d.Kind, &a, &b, &at); err != nil {
			return d, err
		}
		d.At = time.UnixMilli(at).UTC()
		if err := json.Unmarshal([]byte(a), &d.A); err != nil {
			return d, fmt.Errorf("story decision %d: %w", d.ID, err)
		}
		if err := json.Unmarshal([]byte(b), &d.B); err != nil {
			return d, fmt.Errorf("story decision %d: %w", d.ID, err)
		}
		return d, nil
	})
	if err != nil {
		return nil, fmt.Errorf("story decisions: %w", err)
	}
	return out, nil
}

// SaveStoryState keeps the story clusterer's snapshot.
func (s *Store) SaveStoryState(ctx context.Context, state []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO story_state (id, state, saved_at) VALUES (1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET state = excluded.state, saved_at = excluded.saved_at`, state, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("save story state: %w", err)
	}
	return nil
}

// StoryState returns the last snapshot; store.ErrNotFound when none.
func (s *Store) StoryState(ctx context.Context) ([]byte, error) {
	var b []byte
	if err := s.pool.QueryRow(ctx, `SELECT state FROM story_state WHERE id = 1`).Scan(&b); err != nil {
		return nil, notFound(err, "story state")
	}
	return b, nil
}
