package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"
)

// fillSchedule writes n articles with watch rows directly in SQL, article
// i due at base + (i*7919 mod n) seconds, every tenth one unscheduled.
func fillSchedule(t *testing.T, s *Store, n int, base time.Time) {
	t.Helper()
	ctx := context.Background()
	b := base.UnixMilli()
	for _, q := range []string{
		`INSERT INTO articles (id, url, sort_at, first_seen_at, last_seen_at)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			SELECT i, 'https://news.test/' || i, ?, ?, ? FROM n`,
		`INSERT INTO article_watch (article_id, status, status_since, first_seen_at, next_check_at)
			SELECT id, 'alive', ?, ?, CASE WHEN id % 10 = 0 THEN NULL ELSE ? + (id * 7919 % ?) * 1000 END FROM articles`,
	} {
		args := []any{n, b, b, b}
		if strings.Contains(q, "article_watch") {
			args = []any{b, b, b, n}
		}
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
}

// Picking due work must not scan the archive: the plan is a range scan of
// article_watch_due in the ORDER BY's order (no sort), stopped by LIMIT,
// with a primary-key lookup in articles, also once the planner has
// statistics that make a scan of articles look cheap.
func TestDueChecksPlan(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	fillSchedule(t, s, 5000, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, stats := range []bool{false, true} {
		if stats {
			if _, err := s.db.ExecContext(ctx, `ANALYZE`); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := s.db.QueryContext(ctx, `EXPLAIN QUERY PLAN `+dueQuery, int64(1), 500)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "\n")
		if len(plan) != 2 || !strings.HasPrefix(plan[0], "SEARCH w USING INDEX article_watch_due (next_check_at") ||
			!strings.HasPrefix(plan[1], "SEARCH a USING INTEGER PRIMARY KEY") {
			t.Errorf("analyzed %v: due-check plan is\n%s\nwant a range search of article_watch_due, then a primary-key search of articles", stats, all)
		}
		if strings.Contains(all, "TEMP B-TREE") || strings.Contains(all, "SCAN") {
			t.Errorf("analyzed %v: due-check plan sorts or scans:\n%s", stats, all)
		}
	}
}

// DueChecks returns the most overdue first, ties by article, only rows
// scheduled at or before now, and at most limit of them.
func TestDueChecksOrder(t *testing.T) {
	s, _ := openTest(t)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 3000
	fillSchedule(t, s, n, base)
	now := base.Add(1000 * time.Second)
	got, err := s.DueChecks(context.Background(), now, 200)
	if err != nil {
		t.Fatal(err)
	}
	// Due at or before now: offsets 0..1000 s, ids not multiples of 10.
	var want int
	for id := 1; id <= n; id++ {
		if id%10 != 0 && id*7919%n <= 1000 {
			want++
		}
	}
	if want <= 200 || len(got) != 200 {
		t.Fatalf("picked %d of %d due; want 200", len(got), want)
	}
	for i, w := range got {
		if w.NextCheck.After(now) || w.ArticleID%10 == 0 {
			t.Fatalf("pick %d: article %d due %s is not due at %s", i, w.ArticleID, w.NextCheck, now)
		}
		if w.URL == "" {
			t.Fatalf("pick %d: article %d without its URL", i, w.ArticleID)
		}
		if i > 0 {
			p := got[i-1]
			if w.NextCheck.Before(p.NextCheck) || w.NextCheck.Equal(p.NextCheck) && w.ArticleID < p.ArticleID {
				t.Fatalf("pick %d (article %d, %s) comes before pick %d (article %d, %s)", i, w.ArticleID, w.NextCheck, i-1, p.ArticleID, p.NextCheck)
			}
		}
	}
}
