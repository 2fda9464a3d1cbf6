package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/newsvault/newsvault/internal/store"
)

// Watching archived articles: the article_watch schedule (one row per
// watched article), the checks made and the events announced. Captures a
// check or an event points at are evidence; nothing here deletes them.

// startWatch creates an article's watch row when it is first archived.
func startWatch(ctx context.Context, tx execer, articleID int64, seen time.Time, ws *store.WatchStart) error {
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO article_watch (article_id, status, status_since, first_seen_at, next_check_at, ladder)
		VALUES (?, 'alive', ?, ?, ?, ?)`, articleID, seen.UnixMilli(), seen.UnixMilli(), store.UnixMS(ws.Next), ws.Ladder)
	return err
}

const watchCols = `w.article_id, a.url, a.original_url, COALESCE(a.source_id, 0), w.status, w.status_since, w.first_seen_at, w.next_check_at,
	w.pending_at, w.pending_capture_id, w.removal_at, w.removal_capture_id, w.last_alive_at, w.last_alive_capture_id,
	w.failures, w.failing_since, w.edits, w.ladder, w.checks, w.last_check_at`

func scanWatch(sc interface{ Scan(...any) error }) (store.Watch, error) {
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

const watchFrom = ` FROM article_watch w JOIN articles a ON a.id = w.article_id `

// WatchOf returns the watch state of an article; store.ErrNotFound when
// it is not watched.
func (s *Store) WatchOf(ctx context.Context, articleID int64) (store.Watch, error) {
	w, err := scanWatch(s.db.QueryRowContext(ctx, `SELECT `+watchCols+watchFrom+`WHERE w.article_id = ?`, articleID))
	if errors.Is(err, sql.ErrNoRows) {
		return w, fmt.Errorf("watch of article %d: %w", articleID, store.ErrNotFound)
	}
	if err != nil {
		return w, fmt.Errorf("watch of article %d: %w", articleID, err)
	}
	return w, nil
}

// dueQuery picks due checks. The planner must read it as a range scan of
// the partial index article_watch_due, whose order (next_check_at, then
// the rowid article_id) is the ORDER BY, so LIMIT stops the scan: no sort,
// and one primary-key lookup per row picked in articles. The condition
// repeats the index's "IS NOT NULL" so the partial index applies.
// TestDueChecksPlan holds it to that.
const dueQuery = `SELECT ` + watchCols + watchFrom + `
		WHERE w.next_check_at IS NOT NULL AND w.next_check_at <= ? ORDER BY w.next_check_at, w.article_id LIMIT ?`

// DueChecks returns up to limit articles whose next check is at or before
// now, the most overdue first. It reads the article_watch_due index only.
func (s *Store) DueChecks(ctx context.Context, now time.Time, limit int) ([]store.Watch, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, dueQuery, now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("due checks: %w", err)
	}
	defer rows.Close()
	var out []store.Watch
	for rows.Next() {
		w, err := scanWatch(rows)
		if err != nil {
			return nil, fmt.Errorf("due checks: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// ScheduleCheck makes the article's next check no later than at: a user's
// request or a sign of removal (an item gone from its feed). An article
// not watched yet gets a watch row with its ladder off.
func (s *Store) ScheduleCheck(ctx context.Context, articleID int64, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO article_watch (article_id, status, status_since, first_seen_at, next_check_at, ladder, last_alive_at)
		SELECT a.id, 'alive', a.first_seen_at, a.first_seen_at, ?, 'off', a.last_seen_at FROM articles a WHERE a.id = ?
		ON CONFLICT(article_id) DO UPDATE SET next_check_at = MIN(COALESCE(next_check_at, excluded.next_check_at), excluded.next_check_at)`,
		at.UnixMilli(), articleID)
	if err != nil {
		return fmt.Errorf("schedule check of article %d: %w", articleID, err)
	}
	return nil
}

// RecordCheck writes one check in a single transaction: its capture (a
// new row, always), the new version when w.Version is set, the check, the
// article's new watch state and the events. If the article's recorded
// checks are no longer w.PrevChecks (another run recorded a check in
// between), nothing is written and the error wraps store.ErrConflict.
func (s *Store) RecordCheck(ctx context.Context, w *store.CheckWrite) (res store.CheckResult, err error) {
	s.checkMu.Lock()
	defer s.checkMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("record check of article %d: %w", w.ArticleID, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
			err = fmt.Errorf("record check of article %d: %w", w.ArticleID, err)
		}
	}()
	if w.Capture != nil {
		if res.CaptureID, err = insertCapture(ctx, tx, w.Capture); err != nil {
			return res, err
		}
	}
	if w.Version != nil {
		w.Version.Capture, w.Version.CaptureID = nil, res.CaptureID
		sr, err := saveArticle(ctx, tx, w.Version)
		if err != nil {
			return res, err
		}
		if sr.ArticleID != w.ArticleID {
			return res, fmt.Errorf("the new version's URL %s is another article's", w.Version.Article.URL)
		}
		res.VersionID, res.NewVersion = sr.VersionID, sr.NewVersion
	}
	st := &w.Watch
	pAt, pCap := store.MarkColumns(st.Pending, res.CaptureID)
	rAt, rCap := store.MarkColumns(st.Removal, res.CaptureID)
	aAt, aCap := store.MarkColumns(&st.LastAlive, res.CaptureID)
	r, err := tx.ExecContext(ctx, `UPDATE article_watch SET status = ?, status_since = ?, next_check_at = ?,
		pending_at = ?, pending_capture_id = ?, removal_at = ?, removal_capture_id = ?, last_alive_at = ?, last_alive_capture_id = ?,
		failures = ?, failing_since = ?, edits = ?, checks = checks + 1, last_check_at = ?
		WHERE article_id = ? AND checks = ?`,
		st.Status, store.UnixMS(st.Since), store.UnixMS(st.NextCheck), pAt, pCap, rAt, rCap, aAt, aCap,
		st.Failures, store.UnixMS(st.FailingSince), st.Edits, store.UnixMS(w.Check.At), w.ArticleID, w.PrevChecks)
	if err != nil {
		return res, err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return res, fmt.Errorf("checks moved past %d: %w", w.PrevChecks, store.ErrConflict)
	}
	c := &w.Check
	var capID, verID any
	if res.CaptureID != 0 {
		capID = res.CaptureID
	}
	if res.NewVersion {
		verID = res.VersionID
	}
	r, err = tx.ExecContext(ctx, `INSERT INTO checks (article_id, at, capture_id, version_id, outcome, status, reason, error_kind, notice_platform, notice_by, notice_text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, w.ArticleID, c.At.UnixMilli(), capID, verID, c.Outcome, st.Status, c.Reason, c.ErrorKind,
		c.Notice.Platform, c.Notice.By, c.Notice.Text)
	if err != nil {
		return res, err
	}
	res.CheckID, _ = r.LastInsertId()
	for _, e := range w.Events {
		alAt, alCap := store.MarkColumns(&e.Alive, res.CaptureID)
		evAt, evCap := store.MarkColumns(&e.Evidence, res.CaptureID)
		if _, err = tx.ExecContext(ctx, `INSERT INTO watch_events (kind, article_id, source_id, at, check_id, reason, notice_platform, notice_by, notice_text,
			alive_at, alive_capture_id, evidence_at, evidence_capture_id)
			VALUES (?, ?, (SELECT source_id FROM articles WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Kind, w.ArticleID, w.ArticleID, e.At.UnixMilli(), res.CheckID, e.Reason, e.Notice.Platform, e.Notice.By, e.Notice.Text,
			alAt, alCap, evAt, evCap); err != nil {
			return res, err
		}
	}
	if err = tx.Commit(); err != nil {
		return res, err
	}
	return res, nil
}

// Checks returns an article's checks, oldest first.
func (s *Store) Checks(ctx context.Context, articleID int64) ([]store.Check, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, article_id, at, COALESCE(capture_id, 0), COALESCE(version_id, 0), outcome, status, reason, error_kind,
		notice_platform, notice_by, notice_text FROM checks WHERE article_id = ? ORDER BY at, id`, articleID)
	if err != nil {
		return nil, fmt.Errorf("checks of article %d: %w", articleID, err)
	}
	defer rows.Close()
	var out []store.Check
	for rows.Next() {
		var c store.Check
		var at int64
		if err := rows.Scan(&c.ID, &c.ArticleID, &at, &c.CaptureID, &c.VersionID, &c.Outcome, &c.Status, &c.Reason, &c.ErrorKind,
			&c.Notice.Platform, &c.Notice.By, &c.Notice.Text); err != nil {
			return nil, fmt.Errorf("checks of article %d: %w", articleID, err)
		}
		c.At = time.UnixMilli(at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

const eventCols = `e.id, e.kind, e.article_id, COALESCE(e.source_id, 0), e.at, COALESCE(e.check_id, 0), e.reason, e.notice_platform, e.notice_by, e.notice_text,
	e.alive_at, e.alive_capture_id, e.evidence_at, e.evidence_capture_id, a.title, a.url`

// WatchEvents lists announced changes, newest first: the Removed and
// Edited pages and their feeds.
func (s *Store) WatchEvents(ctx context.Context, q store.EventQuery) ([]store.WatchEvent, error) {
	where := `WHERE 1=1`
	var args []any
	if q.Kind != "" {
		where += ` AND e.kind = ?`
		args = append(args, q.Kind)
	}
	if q.SourceID != 0 {
		where += ` AND e.source_id = ?`
		args = append(args, q.SourceID)
	}
	if !q.Since.IsZero() {
		where += ` AND e.at >= ?`
		args = append(args, q.Since.UnixMilli())
	}
	return s.events(ctx, where+` ORDER BY e.at DESC, e.id DESC LIMIT ? OFFSET ?`, append(args, store.LimitOr(q.Limit, 50), q.Offset)...)
}

// ArticleEvents lists the events of one article, oldest first.
func (s *Store) ArticleEvents(ctx context.Context, articleID int64) ([]store.WatchEvent, error) {
	return s.events(ctx, `WHERE e.article_id = ? ORDER BY e.at, e.id`, articleID)
}

func (s *Store) events(ctx context.Context, tail string, args ...any) ([]store.WatchEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+eventCols+` FROM watch_events e JOIN articles a ON a.id = e.article_id `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("watch events: %w", err)
	}
	defer rows.Close()
	var out []store.WatchEvent
	for rows.Next() {
		var e store.WatchEvent
		var at int64
		var alAt, alCap, evAt, evCap sql.NullInt64
		if err := rows.Scan(&e.ID, &e.Kind, &e.ArticleID, &e.SourceID, &at, &e.CheckID, &e.Reason, &e.Notice.Platform, &e.Notice.By, &e.Notice.Text,
			&alAt, &alCap, &evAt, &evCap, &e.Title, &e.URL); err != nil {
			return nil, fmt.Errorf("watch events: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		e.Alive = store.Mark{At: store.FromUnixMS(alAt), CaptureID: alCap.Int64}
		e.Evidence = store.Mark{At: store.FromUnixMS(evAt), CaptureID: evCap.Int64}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ArticlesByStatus lists the articles whose watch status is status (or,
// for "edited", that were edited), newest change first.
func (s *Store) ArticlesByStatus(ctx context.Context, status string, sourceID int64, limit, offset int) ([]store.Watch, error) {
	where, args := `WHERE w.status = ?`, []any{status}
	order := ` ORDER BY w.status_since DESC, w.article_id DESC`
	if status == "edited" {
		where, args = `WHERE w.edits > 0`, nil
		order = ` ORDER BY w.last_alive_at DESC, w.article_id DESC`
	}
	if sourceID != 0 {
		where += ` AND a.source_id = ?`
		args = append(args, sourceID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+watchCols+watchFrom+where+order+` LIMIT ? OFFSET ?`, append(args, store.LimitOr(limit, 50), offset)...)
	if err != nil {
		return nil, fmt.Errorf("articles by status %s: %w", status, err)
	}
	defer rows.Close()
	var out []store.Watch
	for rows.Next() {
		w, err := scanWatch(rows)
		if err != nil {
			return nil, fmt.Errorf("articles by status %s: %w", status, err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// statusWhere is the condition on articles a for a status filter.
func statusWhere(status string) (string, []any) {
	if status == "" {
		return "", nil
	}
	if status == "edited" {
		return ` AND EXISTS (SELECT 1 FROM article_watch w WHERE w.article_id = a.id AND w.edits > 0)`, nil
	}
	return ` AND EXISTS (SELECT 1 FROM article_watch w WHERE w.article_id = a.id AND w.status = ?)`, []any{status}
}

// FeedListing records which articles a feed lists now, and makes urgent
// the check of every article that the feed listed at its previous poll
// but no longer does while an older item is still listed: the way
// removals are spotted early. It returns the articles made urgent.
func (s *Store) FeedListing(ctx context.Context, sourceID int64, urls []string, now time.Time) (urgent []int64, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("feed listing of source %d: %w", sourceID, err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
			err = fmt.Errorf("feed listing of source %d: %w", sourceID, err)
		}
	}()
	if _, err = tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS listed (url TEXT PRIMARY KEY)`); err != nil {
		return nil, err
	}
	if _, err = tx.ExecContext(ctx, `DELETE FROM temp.listed`); err != nil {
		return nil, err
	}
	for _, u := range urls {
		if _, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO temp.listed (url) VALUES (?)`, u); err != nil {
			return nil, err
		}
	}
	// The previous listing is the latest feed_seen_at of the source.
	var prev sql.NullInt64
	if err = tx.QueryRowContext(ctx, `SELECT MAX(w.feed_seen_at) FROM article_watch w JOIN articles a ON a.id = w.article_id WHERE a.source_id = ?`,
		sourceID).Scan(&prev); err != nil {
		return nil, err
	}
	if prev.Valid {
		rows, err := tx.QueryContext(ctx, `SELECT w.article_id FROM article_watch w JOIN articles a ON a.id = w.article_id
			WHERE a.source_id = ? AND w.feed_seen_at = ? AND a.url NOT IN (SELECT url FROM temp.listed)
			AND a.sort_at > (SELECT MIN(a2.sort_at) FROM articles a2 WHERE a2.source_id = ? AND a2.url IN (SELECT url FROM temp.listed))`,
			sourceID, prev.Int64, sourceID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			urgent = append(urgent, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, id := range urgent {
		if _, err = tx.ExecContext(ctx, `UPDATE article_watch SET feed_seen_at = NULL,
			next_check_at = MIN(COALESCE(next_check_at, ?), ?) WHERE article_id = ?`, now.UnixMilli(), now.UnixMilli(), id); err != nil {
			return nil, err
		}
	}
	if _, err = tx.ExecContext(ctx, `UPDATE article_watch SET feed_seen_at = ? WHERE article_id IN
		(SELECT a.id FROM articles a WHERE a.source_id = ? AND a.url IN (SELECT url FROM temp.listed))`, now.UnixMilli(), sourceID); err != nil {
		return nil, err
	}
	if err = tx.Commit(); err != nil {
		return nil, err
	}
	return urgent, nil
}

// WatchStats counts the schedule at now; a check due for longer than
// grace is overdue.
func (s *Store) WatchStats(ctx context.Context, now time.Time, grace time.Duration) (store.WatchStats, error) {
	st := store.WatchStats{ByStatus: map[string]int{}}
	var oldest sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM article_watch WHERE next_check_at IS NOT NULL AND next_check_at <= ?),
		(SELECT COUNT(*) FROM article_watch WHERE next_check_at IS NOT NULL AND next_check_at <= ?),
		(SELECT MIN(next_check_at) FROM article_watch WHERE next_check_at IS NOT NULL)`,
		now.UnixMilli(), now.Add(-grace).UnixMilli()).Scan(&st.Due, &st.Overdue, &oldest)
	if err != nil {
		return st, fmt.Errorf("watch stats: %w", err)
	}
	if oldest.Valid && oldest.Int64 <= now.UnixMilli() {
		st.OldestDue = store.FromUnixMS(oldest)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT status, COUNT(*) FROM article_watch GROUP BY status`)
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
	err := s.db.QueryRowContext(ctx, `SELECT status FROM article_watch WHERE article_id = ?`, articleID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("status of article %d: %w", articleID, err)
	}
	return st, nil
}
