package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsvault/newsvault/internal/store"
)

// Watching archived articles: the article_watch schedule, the checks made
// and the events announced. Captures a check or an event points at are
// evidence; nothing here deletes them.

// startWatch creates an article's watch row when it is first archived.
func startWatch(ctx context.Context, q querier, articleID int64, seen time.Time, ws *store.WatchStart) error {
	_, err := q.Exec(ctx, `INSERT INTO article_watch (article_id, status, status_since, first_seen_at, next_check_at, ladder)
		VALUES ($1, 'alive', $2, $2, $3, $4) ON CONFLICT (article_id) DO NOTHING`, articleID, seen.UnixMilli(), store.UnixMS(ws.Next), ws.Ladder)
	return err
}

const watchCols = `w.article_id, a.url, a.original_url, COALESCE(a.source_id, 0), w.status, w.status_since, w.first_seen_at, w.next_check_at,
	w.pending_at, w.pending_capture_id, w.removal_at, w.removal_capture_id, w.last_alive_at, w.last_alive_capture_id,
	w.failures, w.failing_since, w.edits, w.ladder, w.checks, w.last_check_at`

const watchFrom = ` FROM article_watch w JOIN articles a ON a.id = w.article_id `

func scanWatch(sc pgx.Row) (store.Watch, error) {
	var w store.Watch
	var since, first int64
	var next, pAt, pCap, rAt, rCap, aAt, aCap, failing, last sql.NullInt64
	err := sc.Scan(&w.ArticleID, &w.URL, &w.OriginalURL, &w.SourceID, &w.Status, &since, &first, &next,
		&pAt, &pCap, &rAt, &rCap, &aAt, &aCap, &w.Failures, &failing, &w.Edits, &w.Ladder, &w.Checks, &last)
	if err != nil {
		return w, err
	}
	w.Since, w.FirstSeen = time.UnixMilli(since).UTC(), time.UnixMilli(first).UTC()
	w.NextCheck, w.FailingSince, w.LastCheck = store.FromUnixMS(next), store.FromUnixMS(failing), store.FromUnixMS(last)
	w.LastAlive = store.Mark{At: store.FromUnixMS(aAt), CaptureID: aCap.Int64}
	if pAt.Valid {
		w.Pending = &store.Mark{At: store.FromUnixMS(pAt), CaptureID: pCap.Int64}
	}
	if rAt.Valid {
		w.Removal = &store.Mark{At: store.FromUnixMS(rAt), CaptureID: rCap.Int64}
	}
	return w, nil
}

func (s *Store) watches(ctx context.Context, what, q string, args ...any) ([]store.Watch, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+watchCols+watchFrom+q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Watch, error) { return scanWatch(r) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// WatchOf returns the watch state of an article; store.ErrNotFound when
// it is not watched.
func (s *Store) WatchOf(ctx context.Context, articleID int64) (store.Watch, error) {
	w, err := scanWatch(s.pool.QueryRow(ctx, `SELECT `+watchCols+watchFrom+`WHERE w.article_id = $1`, articleID))
	if err != nil {
		return w, notFound(err, fmt.Sprintf("watch of article %d", articleID))
	}
	return w, nil
}

// DueChecks returns up to limit articles whose next check is at or before
// now, the most overdue first: a range scan of the partial index
// article_watch_due, whose order is the ORDER BY.
func (s *Store) DueChecks(ctx context.Context, now time.Time, limit int) ([]store.Watch, error) {
	return s.watches(ctx, "due checks", `WHERE w.next_check_at IS NOT NULL AND w.next_check_at <= $1
		ORDER BY w.next_check_at, w.article_id LIMIT $2`, now.UnixMilli(), store.LimitOr(limit, 100))
}

// ScheduleCheck makes the article's next check no later than at. An
// article not watched yet gets a watch row with its ladder off.
func (s *Store) ScheduleCheck(ctx context.Context, articleID int64, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO article_watch (article_id, status, status_since, first_seen_at, next_check_at, ladder, last_alive_at)
		SELECT a.id, 'alive', a.first_seen_at, a.first_seen_at, $1, 'off', a.last_seen_at FROM articles a WHERE a.id = $2
		ON CONFLICT (article_id) DO UPDATE SET next_check_at = LEAST(COALESCE(article_watch.next_check_at, excluded.next_check_at), excluded.next_check_at)`,
		at.UnixMilli(), articleID)
	if err != nil {
		return fmt.Errorf("schedule check of article %d: %w", articleID, err)
	}
	return nil
}

// RecordCheck writes one check in a single transaction: its capture (a
// new row, always), the new version when w.Version is set, the check, the
// article's new watch state and the events. If the article's recorded
// checks are no longer w.PrevChecks, nothing is written and the error
// wraps store.ErrConflict.
func (s *Store) RecordCheck(ctx context.Context, w *store.CheckWrite) (res store.CheckResult, err error) {
	err = s.inTx(ctx, fmt.Sprintf("record check of article %d", w.ArticleID), func(tx pgx.Tx) error {
		res = store.CheckResult{}
		return recordCheck(ctx, tx, w, &res)
	})
	return res, err
}

func recordCheck(ctx context.Context, tx pgx.Tx, w *store.CheckWrite, res *store.CheckResult) error {
	var err error
	if w.Capture != nil {
		if res.CaptureID, err = insertCapture(ctx, tx, w.Capture); err != nil {
			return err
		}
	}
	if w.Version != nil {
		w.Version.Capture, w.Version.CaptureID = nil, res.CaptureID
		sr, err := saveArticle(ctx, tx, w.Version)
		if err != nil {
			return err
		}
		if sr.ArticleID != w.ArticleID {
			return fmt.Errorf("the new version's URL %s is another article's", w.Version.Article.URL)
		}
		res.VersionID, res.NewVersion = sr.VersionID, sr.NewVersion
	}
	st := &w.Watch
	pAt, pCap := store.MarkColumns(st.Pending, res.CaptureID)
	rAt, rCap := store.MarkColumns(st.Removal, res.CaptureID)
	aAt, aCap := store.MarkColumns(&st.LastAlive, res.CaptureID)
	tag, err := tx.Exec(ctx, `UPDATE article_watch SET status = $1, status_since = $2, next_check_at = $3,
		pending_at = $4, pending_capture_id = $5, removal_at = $6, removal_capture_id = $7, last_alive_at = $8, last_alive_capture_id = $9,
		failures = $10, failing_since = $11, edits = $12, checks = checks + 1, last_check_at = $13
		WHERE article_id = $14 AND checks = $15`,
		st.Status, store.UnixMS(st.Since), store.UnixMS(st.NextCheck), pAt, pCap, rAt, rCap, aAt, aCap,
		st.Failures, store.UnixMS(st.FailingSince), st.Edits, store.UnixMS(w.Check.At), w.ArticleID, w.PrevChecks)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("checks moved past %d: %w", w.PrevChecks, store.ErrConflict)
	}
	c := &w.Check
	var capID, verID any
	if res.CaptureID != 0 {
		capID = res.CaptureID
	}
	if res.NewVersion {
		verID = res.VersionID
	}
	if err = tx.QueryRow(ctx, `INSERT INTO checks (article_id, at, capture_id, version_id, outcome, status, reason, error_kind, notice_platform, notice_by, notice_text)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`, w.ArticleID, c.At.UnixMilli(), capID, verID, c.Outcome, st.Status, c.Reason, c.ErrorKind,
		c.Notice.Platform, c.Notice.By, c.Notice.Text).Scan(&res.CheckID); err != nil {
		return err
	}
	for _, e := range w.Events {
		alAt, alCap := store.MarkColumns(&e.Alive, res.CaptureID)
		evAt, evCap := store.MarkColumns(&e.Evidence, res.CaptureID)
		if _, err = tx.Exec(ctx, `INSERT INTO watch_events (kind, article_id, source_id, at, check_id, reason, notice_platform, notice_by, notice_text,
			alive_at, alive_capture_id, evidence_at, evidence_capture_id)
			VALUES ($1, $2, (SELECT source_id FROM articles WHERE id = $2), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			e.Kind, w.ArticleID, e.At.UnixMilli(), res.CheckID, e.Reason, e.Notice.Platform, e.Notice.By, e.Notice.Text,
			alAt, alCap, evAt, evCap); err != nil {
			return err
		}
	}
	return nil
}

// Checks returns an article's checks, oldest first.
func (s *Store) Checks(ctx context.Context, articleID int64) ([]store.Check, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, article_id, at, COALESCE(capture_id, 0), COALESCE(version_id, 0), outcome, status, reason, error_kind,
		notice_platform, notice_by, notice_text FROM checks WHERE article_id = $1 ORDER BY at, id`, articleID)
	if err != nil {
		return nil, fmt.Errorf("checks of article %d: %w", articleID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Check, error) {
		var c store.Check
		var at int64
		err := r.Scan(&c.ID, &c.ArticleID, &at, &c.CaptureID, &c.VersionID, &c.Outcome, &c.Status, &c.Reason, &c.ErrorKind,
			&c.Notice.Platform, &c.Notice.By, &c.Notice.Text)
		c.At = time.UnixMilli(at).UTC()
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("checks of article %d: %w", articleID, err)
	}
	return out, nil
}

const eventCols = `e.id, e.kind, e.article_id, COALESCE(e.source_id, 0), e.at, COALESCE(e.check_id, 0), e.reason, e.notice_platform, e.notice_by, e.notice_text,
	e.alive_at, e.alive_capture_id, e.evidence_at, e.evidence_capture_id, a.title, a.url`

// WatchEvents lists announced changes, newest first.
func (s *Store) WatchEvents(ctx context.Context, q store.EventQuery) ([]store.WatchEvent, error) {
	var a args
	where := `WHERE true`
	if q.Kind != "" {
		where += ` AND e.kind = ` + a.add(q.Kind)
	}
	if q.SourceID != 0 {
		where += ` AND e.source_id = ` + a.add(q.SourceID)
	}
	if !q.Since.IsZero() {
		where += ` AND e.at >= ` + a.add(q.Since.UnixMilli())
	}
	where += ` ORDER BY e.at DESC, e.id DESC LIMIT ` + a.add(store.LimitOr(q.Limit, 50)) + ` OFFSET ` + a.add(max(q.Offset, 0))
	return s.events(ctx, where, a...)
}

// ArticleEvents lists the events of one article, oldest first.
func (s *Store) ArticleEvents(ctx context.Context, articleID int64) ([]store.WatchEvent, error) {
	return s.events(ctx, `WHERE e.article_id = $1 ORDER BY e.at, e.id`, articleID)
}

func (s *Store) events(ctx context.Context, tail string, args ...any) ([]store.WatchEvent, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+eventCols+` FROM watch_events e JOIN articles a ON a.id = e.article_id `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("watch events: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.WatchEvent, error) {
		var e store.WatchEvent
		var at int64
		var alAt, alCap, evAt, evCap sql.NullInt64
		err := r.Scan(&e.ID, &e.Kind, &e.ArticleID, &e.SourceID, &at, &e.CheckID, &e.Reason, &e.Notice.Platform, &e.Notice.By, &e.Notice.Text,
			&alAt, &alCap, &evAt, &evCap, &e.Title, &e.URL)
		e.At = time.UnixMilli(at).UTC()
		e.Alive = store.Mark{At: store.FromUnixMS(alAt), CaptureID: alCap.Int64}
		e.Evidence = store.Mark{At: store.FromUnixMS(evAt), CaptureID: evCap.Int64}
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("watch events: %w", err)
	}
	return out, nil
}

// ArticlesByStatus lists the articles whose watch status is status (or,
// for "edited", that were edited), newest change first.
func (s *Store) ArticlesByStatus(ctx context.Context, status string, sourceID int64, limit, offset int) ([]store.Watch, error) {
	var a args
	where := `WHERE w.status = ` + a.add(status)
	order := ` ORDER BY w.status_since DESC, w.article_id DESC`
	if status == "edited" {
		a = nil
		where = `WHERE w.edits > 0`
		order = ` ORDER BY w.last_alive_at DESC NULLS LAST, w.article_id DESC`
	}
	if sourceID != 0 {
		where += ` AND a.source_id = ` + a.add(sourceID)
	}
	q := where + order + ` LIMIT ` + a.add(store.LimitOr(limit, 50)) + ` OFFSET ` + a.add(max(offset, 0))
	return s.watches(ctx, "articles by status "+status, q, a...)
}

// statusWhere is the condition on articles a for a status filter.
func statusWhere(status string, a *args) string {
	switch status {
	case "":
		return ""
	case "edited":
		return ` AND EXISTS (SELECT 1 FROM article_watch w WHERE w.article_id = a.id AND w.edits > 0)`
	}
	return ` AND EXISTS (SELECT 1 FROM article_watch w WHERE w.article_id = a.id AND w.status = ` + a.add(status) + `)`
}

// FeedListing records which articles a feed lists now, and makes urgent
// the check of every article that the feed listed at its previous poll
// but no longer does while an older item is still listed. It returns the
// articles made urgent.
func (s *Store) FeedListing(ctx context.Context, sourceID int64, urls []string, now time.Time) (urgent []int64, err error) {
	if urls == nil {
		urls = []string{}
	}
	err = s.inTx(ctx, fmt.Sprintf("feed listing of source %d", sourceID), func(tx pgx.Tx) error {
		urgent = nil
		// The previous listing is the latest feed_seen_at of the source.
		var prev sql.NullInt64
		if err := tx.QueryRow(ctx, `SELECT MAX(w.feed_seen_at) FROM article_watch w JOIN articles a ON a.id = w.article_id WHERE a.source_id = $1`,
			sourceID).Scan(&prev); err != nil {
			return err
		}
		if prev.Valid {
			rows, err := tx.Query(ctx, `SELECT w.article_id FROM article_watch w JOIN articles a ON a.id = w.article_id
				WHERE a.source_id = $1 AND w.feed_seen_at = $2 AND NOT (a.url = ANY ($3))
				AND a.sort_at > (SELECT MIN(a2.sort_at) FROM articles a2 WHERE a2.source_id = $1 AND a2.url = ANY ($3))
				ORDER BY w.article_id`, sourceID, prev.Int64, urls)
			if err != nil {
				return err
			}
			if urgent, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
				return err
			}
		}
		if len(urgent) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE article_watch SET feed_seen_at = NULL,
				next_check_at = LEAST(COALESCE(next_check_at, $1), $1) WHERE article_id = ANY ($2)`, now.UnixMilli(), urgent); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE article_watch SET feed_seen_at = $1 WHERE article_id IN
			(SELECT a.id FROM articles a WHERE a.source_id = $2 AND a.url = ANY ($3))`, now.UnixMilli(), sourceID, urls)
		return err
	})
	if err != nil {
		return nil, err
	}
	return urgent, nil
}

// WatchStats counts the schedule at now; a check due for longer than
// grace is overdue.
func (s *Store) WatchStats(ctx context.Context, now time.Time, grace time.Duration) (store.WatchStats, error) {
	st := store.WatchStats{ByStatus: map[string]int{}}
	var oldest sql.NullInt64
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM article_watch WHERE next_check_at IS NOT NULL AND next_check_at <= $1),
		(SELECT COUNT(*) FROM article_watch WHERE next_check_at IS NOT NULL AND next_check_at <= $2),
		(SELECT MIN(next_check_at) FROM article_watch WHERE next_check_at IS NOT NULL)`,
		now.UnixMilli(), now.Add(-grace).UnixMilli()).Scan(&st.Due, &st.Overdue, &oldest)
	if err != nil {
		return st, fmt.Errorf("watch stats: %w", err)
	}
	if oldest.Valid && oldest.Int64 <= now.UnixMilli() {
		st.OldestDue = store.FromUnixMS(oldest)
	}
	rows, err := s.pool.Query(ctx, `SELECT status, COUNT(*) FROM article_watch GROUP BY status`)
	if err != nil {
		return st, fmt.Errorf("watch stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return st, fmt.Errorf("watch stats: %w", err)
		}
		st.ByStatus[k] = n
		st.Watched += n
	}
	return st, rows.Err()
}

// ArticleStatus returns the watch status of one article (alive, unavailable,
// unreachable, removed, replaced), or "" when it is not watched.
func (s *Store) ArticleStatus(ctx context.Context, articleID int64) (string, error) {
	var st string
	err := s.pool.QueryRow(ctx, `SELECT status FROM article_watch WHERE article_id = $1`, articleID).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("status of article %d: %w", articleID, err)
	}
	return st, nil
}
