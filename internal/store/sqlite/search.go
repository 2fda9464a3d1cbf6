package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/newsvault/newsvault/internal/store"
)

// Search limits.
const (
	defaultSearchLimit = 20
	maxSearchLimit     = 100
	// reindexBatch is how many articles one reindex transaction rewrites:
	// about 150 ms of work, which an article write may have to wait for.
	reindexBatch = 200
)

// rankFunc is the ranking FTS5 computes for the rank column: bm25 with a
// match in the title counting ten times one in the body (the columns are
// body, title). It is set per
// query (rank MATCH …) because an auxiliary function cannot be called
// directly in a query with a window function.
const rankFunc = `bm25(1.0, 10.0)`

// putIndex writes the search index row of an article, replacing the one it
// has unless the article is new. (A contentless index cannot tell whether
// a row exists, so deleting one that does not costs a tombstone.)
func putIndex(ctx context.Context, ex execer, articleID int64, doc *store.IndexDoc, replace bool) error {
	if replace {
		if _, err := ex.ExecContext(ctx, `DELETE FROM articles_fts WHERE rowid = ?`, articleID); err != nil {
			return fmt.Errorf("index article %d: %w", articleID, err)
		}
	}
	if _, err := ex.ExecContext(ctx, `INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)`, articleID, doc.Title, doc.Body); err != nil {
		return fmt.Errorf("index article %d: %w", articleID, err)
	}
	return nil
}

// searchCols are articleCols without the HTML, which results do not need.
const searchCols = `a.id, a.url, a.original_url, COALESCE(a.source_id, 0), a.version_count, a.first_seen_at, a.last_seen_at,
	v.id, v.title, v.author, v.published_at, v.published_off, v.updated_at, v.updated_off, v.site_name, v.language, v.image, '', v.text, 0, 0`

// Search runs a full-text query (q.Match, a tree from package search,
// rendered by fts5) with q's filters and returns one page of hits and the number of
// articles that match in all. Hits come best first (bm25, a title match
// weighing ten body matches), or newest first when q.SortByDate is set or
// q.Match is empty. The limit defaults to 20 and is at most 100. A Match
// that FTS5 cannot express is an error.
func (s *Store) Search(ctx context.Context, q store.SearchQuery) ([]store.SearchHit, int, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultSearchLimit
	}
	limit = min(limit, maxSearchLimit)
	offset := max(q.Offset, 0)
	where, args := searchFilters(q)
	if q.Match == nil {
		return s.searchByFilters(ctx, where, args, limit, offset)
	}
	match, err := fts5(q.Match)
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}

	if !q.SortByDate {
		est, frequent, err := s.frequentMatch(ctx, match)
		if err != nil {
			return nil, 0, fmt.Errorf("search %q: %w", match, err)
		}
		if frequent {
			return s.searchFrequent(ctx, match, where, args, limit, offset, est)
		}
	}

	// The inner query ranks and counts every match, reading only the
	// index (and the articles table when filters or the date order need
	// it: CROSS JOIN keeps the index as the outer loop); the versions,
	// with the text, are read for the one page of hits.
	var inner string
	switch {
	case q.SortByDate:
		inner = `SELECT a.id AS id, a.sort_at AS sort_at, 0.0 AS score, count(*) OVER () AS total
		FROM articles_fts CROSS JOIN articles a ON a.id = articles_fts.rowid
		WHERE articles_fts MATCH ?` + where + `
		ORDER BY a.sort_at DESC, a.id DESC LIMIT ? OFFSET ?`
	case where != "":
		inner = `SELECT a.id AS id, articles_fts.rank AS score, count(*) OVER () AS total
		FROM articles_fts CROSS JOIN articles a ON a.id = articles_fts.rowid
		WHERE articles_fts MATCH ? AND articles_fts.rank MATCH '` + rankFunc + `'` + where + `
		ORDER BY score, a.id LIMIT ? OFFSET ?`
	default:
		inner = `SELECT rowid AS id, rank AS score, count(*) OVER () AS total
		FROM articles_fts WHERE articles_fts MATCH ? AND rank MATCH '` + rankFunc + `'
		ORDER BY score, rowid LIMIT ? OFFSET ?`
	}
	order := `m.score, m.id`
	if q.SortByDate {
		order = `m.sort_at DESC, m.id DESC`
	}
	query := `WITH m AS (` + inner + `)
	SELECT ` + searchCols + `, m.score, m.total
	FROM m JOIN articles a ON a.id = m.id JOIN versions v ON v.id = a.version_id
	ORDER BY ` + order
	qargs := append([]any{match}, args...)
	qargs = append(qargs, limit, offset)
	rows, err := s.db.QueryContext(ctx, query, qargs...)
	if err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", match, err)
	}
	defer rows.Close()
	var hits []store.SearchHit
	total := 0
	for rows.Next() {
		var rank float64
		a, err := scanArticle(scanPlus{rows, []any{&rank, &total}})
		if err != nil {
			return nil, 0, fmt.Errorf("search %q: %w", match, err)
		}
		score := -rank // bm25 is lower for better matches
		if q.SortByDate {
			score = 0
		}
		hits = append(hits, store.SearchHit{Article: a, Score: score})
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", match, err)
	}
	if len(hits) == 0 && offset > 0 {
		// Past the last page: count separately.
		err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM articles_fts CROSS JOIN articles a ON a.id = articles_fts.rowid
			WHERE articles_fts MATCH ?`+where, append([]any{match}, args...)...).Scan(&total)
		if err != nil {
			return nil, 0, fmt.Errorf("search %q: %w", match, err)
		}
	}
	return hits, total, nil
}

// Very frequent terms (的, 中, 中国) match most of the archive; ranking and
// counting every hit is what makes them slow, so above frequentHits
// estimated hits a query skips both: its first pages are the matching
// articles archived most recently (the index's rowid order, which FTS5
// walks backwards and stops after one page), and its total is the
// estimate.
const (
	// frequentHits: ranking 2,000 hits takes a few milliseconds; the
	// bm25 of a term in every article costs about 0.1 ms a hit.
	frequentHits = 2000
	// frequentSample is how many of the most recently archived articles
	// the estimate counts matches among.
	frequentSample = 2000
)

// frequentMatch estimates how many articles match (the share of matches
// among the newest frequentSample rowids times the number of articles)
// and reports whether that is above frequentHits.
func (s *Store) frequentMatch(ctx context.Context, match string) (est int, frequent bool, err error) {
	var maxID, n int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM articles`).Scan(&maxID); err != nil {
		return 0, false, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(n), 0) FROM article_days WHERE source_id = -1`).Scan(&n); err != nil {
		return 0, false, err
	}
	if n <= int64(s.frequentHits) {
		return 0, false, nil
	}
	from := max(maxID-frequentSample, 0)
	var hits int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ? AND rowid > ?`, match, from).Scan(&hits); err != nil {
		return 0, false, err
	}
	est = int(float64(hits) / float64(maxID-from) * float64(n))
	return est, est > s.frequentHits, nil
}

// searchFrequent is the plan for a match estimated at est hits, too many
// to rank: the most recently archived matches first, by walking the index
// backwards (FTS5 gives rowid order itself, so no hit is sorted).
func (s *Store) searchFrequent(ctx context.Context, match, where string, args []any, limit, offset, est int) ([]store.SearchHit, int, error) {
	inner := `SELECT articles_fts.rowid AS id FROM articles_fts WHERE articles_fts MATCH ? ORDER BY articles_fts.rowid DESC LIMIT ? OFFSET ?`
	if where != "" {
		inner = `SELECT articles_fts.rowid AS id FROM articles_fts CROSS JOIN articles a ON a.id = articles_fts.rowid
		WHERE articles_fts MATCH ?` + where + ` ORDER BY articles_fts.rowid DESC LIMIT ? OFFSET ?`
	}
	query := `WITH m AS (` + inner + `)
	SELECT ` + searchCols + ` FROM m JOIN articles a ON a.id = m.id JOIN versions v ON v.id = a.version_id ORDER BY m.id DESC`
	qargs := append([]any{match}, args...)
	rows, err := s.db.QueryContext(ctx, query, append(qargs, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", match, err)
	}
	defer rows.Close()
	var hits []store.SearchHit
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("search %q: %w", match, err)
		}
		hits = append(hits, store.SearchHit{Article: a})
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", match, err)
	}
	return hits, max(est, offset+len(hits)), nil
}

// searchByFilters lists the articles the filters select, newest first.
func (s *Store) searchByFilters(ctx context.Context, where string, args []any, limit, offset int) ([]store.SearchHit, int, error) {
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM articles a WHERE a.version_id IS NOT NULL`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("search: count: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+searchCols+articleFrom+`WHERE 1=1`+where+`
		ORDER BY a.sort_at DESC, a.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var hits []store.SearchHit
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("search: %w", err)
		}
		hits = append(hits, store.SearchHit{Article: a})
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	return hits, total, nil
}

// searchFilters turns q's filters into " AND …" conditions on articles a.
func searchFilters(q store.SearchQuery) (string, []any) {
	var b strings.Builder
	var args []any
	if len(q.SourceIDs) > 0 {
		b.WriteString(` AND a.source_id IN (?` + strings.Repeat(`, ?`, len(q.SourceIDs)-1) + `)`)
		for _, id := range q.SourceIDs {
			args = append(args, id)
		}
	}
	if q.Site != nil {
		w, a := siteCondition(*q.Site)
		b.WriteString(` AND ` + w)
		args = append(args, a...)
	}
	if lang := strings.ToLower(strings.TrimSpace(q.Language)); lang != "" {
		// A language prefix: "zh" is zh, zh-CN, zh_TW, not zha.
		b.WriteString(` AND (lower(a.language) = ? OR substr(lower(a.language), 1, ?) IN (?, ?))`)
		args = append(args, lang, len(lang)+1, lang+"-", lang+"_")
	}
	if !q.After.IsZero() {
		b.WriteString(` AND a.sort_at >= ?`)
		args = append(args, q.After.UnixMilli())
	}
	if !q.Before.IsZero() {
		b.WriteString(` AND a.sort_at < ?`)
		args = append(args, q.Before.UnixMilli())
	}
	sw, sargs := statusWhere(q.Status)
	b.WriteString(sw)
	return b.String(), append(args, sargs...)
}

// urlHost is the host (with any port) of a stored canonical URL, which is
// always scheme://host/…; "" for URLs without an authority (urn:).
const urlHost = `(CASE WHEN instr(a.url, '://') > 0 THEN
	substr(substr(a.url, instr(a.url, '://') + 3), 1, instr(substr(a.url, instr(a.url, '://') + 3) || '/', '/') - 1)
	ELSE '' END)`

// siteCondition renders a site filter as one condition on articles a.
func siteCondition(f store.SiteFilter) (string, []any) {
	var conds []string
	var args []any
	if len(f.SourceIDs) > 0 {
		conds = append(conds, `a.source_id IN (?`+strings.Repeat(`, ?`, len(f.SourceIDs)-1)+`)`)
		for _, id := range f.SourceIDs {
			args = append(args, id)
		}
	}
	for _, h := range f.Hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		// The host itself or a subdomain, with or without a port:
		// ".www.bbc.com:" and ".bbc.com:8080:" are like "%.bbc.com:%",
		// ".notbbc.com:" is not.
		conds = append(conds, `'.' || `+urlHost+` || ':' LIKE ? ESCAPE '\'`)
		args = append(args, "%."+likeEscaper.Replace(h)+":%")
	}
	if len(conds) == 0 {
		return `0`, nil
	}
	return `(` + strings.Join(conds, ` OR `) + `)`, args
}

// likeEscaper escapes LIKE's wildcards (with \ as the escape character).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// scanPlus scans a row of article columns followed by extra columns.
type scanPlus struct {
	sc    interface{ Scan(...any) error }
	extra []any
}

func (p scanPlus) Scan(dest ...any) error { return p.sc.Scan(append(dest, p.extra...)...) }

// Reindex rebuilds the search index from the latest version of every
// article, computing each entry with index (normally search.Analyzer's
// Index). It works through the articles in id order, a batch per
// transaction, replacing each article's entry, so search keeps working
// meanwhile and an interrupted run is completed by running it again: the
// result is the same. Article writes that land during a reindex are not
// lost; each batch reads the versions it indexes inside its transaction.
// At the end entries of rows that are no articles are dropped and the index
// is merged into one segment. progress, if set, is called after each batch.
func (s *Store) Reindex(ctx context.Context, index func(title, text string) store.IndexDoc, progress func(done, total int)) error {
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM articles WHERE version_id IS NOT NULL`).Scan(&total); err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	err := store.InBatches(total, reindexBatch, func(after int64) (int, int64, error) {
		return s.reindexBatch(ctx, index, after)
	}, progress)
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM articles_fts WHERE rowid NOT IN (SELECT id FROM articles WHERE version_id IS NOT NULL)`); err != nil {
		return fmt.Errorf("reindex: drop stale entries: %w", err)
	}
	if err := s.OptimizeIndex(ctx); err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	return nil
}

// OptimizeIndex merges the search index into one segment, dropping what
// deletes and replaced entries left behind. Writes keep the index merged
// well enough as they go; this is for after bulk changes (Reindex calls
// it). It takes about a second per 10,000 articles and blocks writes
// meanwhile.
func (s *Store) OptimizeIndex(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO articles_fts (articles_fts) VALUES ('optimize')`); err != nil {
		return fmt.Errorf("optimize search index: %w", err)
	}
	return nil
}

// MergeIndex does incremental merge work on the search index, at most
// about pages leaf pages written, merging levels that hold several
// segments (FTS5's 'merge' command). An import passes a budget
// proportional to the index it added, so the merge at its end costs in
// proportion to the new data, not to the archive.
func (s *Store) MergeIndex(ctx context.Context, pages int) error {
	if pages <= 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO articles_fts (articles_fts, rank) VALUES ('merge', ?)`, pages); err != nil {
		return fmt.Errorf("merge search index: %w", err)
	}
	return nil
}

// SetIndexMerging turns on or off the merging of search index segments
// that FTS5 does as writes go (its automerge setting). A bulk import turns
// it off and calls OptimizeIndex at the end, which merges everything once
// instead of re-merging the growing segments over and over: that took a
// quarter of the import's writing time. Off does not let segments pile up
// without bound: FTS5 still merges a level that reaches 16 segments. The
// setting is stored in the database; Open turns merging back on, so an
// import killed half-way leaves nothing behind.
func (s *Store) SetIndexMerging(ctx context.Context, on bool) error {
	n := 0
	if on {
		n = defaultAutomerge
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', ?)`, n); err != nil {
		return fmt.Errorf("set search index merging: %w", err)
	}
	return nil
}

// defaultAutomerge is FTS5's own default for automerge.
const defaultAutomerge = 4

// restoreIndexMerging turns index merging back on if an import that
// turned it off never finished.
func (s *Store) restoreIndexMerging(ctx context.Context) error {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT v FROM articles_fts_config WHERE k = 'automerge'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && v != 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read search index settings: %w", err)
	}
	return s.SetIndexMerging(ctx, true)
}

// reindexBatch rewrites the entries of up to reindexBatch articles with id
// greater than after, in one transaction. It returns how many it rewrote
// and the last id.
func (s *Store) reindexBatch(ctx context.Context, index func(title, text string) store.IndexDoc, after int64) (n int, last int64, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, after, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	// Only entries that exist are deleted first: in a contentless index a
	// delete of a row that is not there still writes a tombstone.
	rows, err := tx.QueryContext(ctx, `SELECT a.id, v.title, v.text,
			EXISTS (SELECT 1 FROM articles_fts_docsize d WHERE d.id = a.id)
		FROM articles a JOIN versions v ON v.id = a.version_id
		WHERE a.id > ? ORDER BY a.id LIMIT ?`, after, reindexBatch)
	if err != nil {
		return 0, after, err
	}
	type entry struct {
		id          int64
		title, text string
		indexed     bool
	}
	var batch []entry
	for rows.Next() {
		var e entry
		if err = rows.Scan(&e.id, &e.title, &e.text, &e.indexed); err != nil {
			rows.Close()
			return 0, after, err
		}
		batch = append(batch, e)
	}
	rows.Close()
	if err = rows.Err(); err != nil {
		return 0, after, err
	}
	last = after
	for _, e := range batch {
		doc := index(e.title, e.text)
		if err = putIndex(ctx, tx, e.id, &doc, e.indexed); err != nil {
			return 0, after, err
		}
		last = e.id
	}
	return len(batch), last, tx.Commit()
}

// IndexStats describes the search index.
type IndexStats struct {
	Entries    int64 // articles with an index entry
	IndexBytes int64 // bytes of the index's tables on disk
	TextBytes  int64 // bytes of the indexed text: titles and plain texts of the latest versions
}

// IndexStats measures the search index against the text it indexes.
func (s *Store) IndexStats(ctx context.Context) (IndexStats, error) {
	var st IndexStats
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM articles_fts_docsize),
		(SELECT COALESCE(sum(pgsize), 0) FROM dbstat WHERE name IN
			('articles_fts_data', 'articles_fts_idx', 'articles_fts_docsize', 'articles_fts_config')
			OR name LIKE 'sqlite_autoindex_articles_fts_%'),
		(SELECT COALESCE(sum(length(CAST(v.title AS BLOB)) + length(CAST(v.text AS BLOB))), 0)
			FROM articles a JOIN versions v ON v.id = a.version_id)`).Scan(&st.Entries, &st.IndexBytes, &st.TextBytes)
	if err != nil {
		return st, fmt.Errorf("index stats: %w", err)
	}
	return st, nil
}
