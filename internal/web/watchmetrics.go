package web

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsvault/newsvault/internal/watch"
	"github.com/newsvault/newsvault/internal/web/api"
)

// checker returns w as the pages' and the API's checker, or nil.
func checker(w Watcher) api.Checker {
	if w == nil {
		return nil
	}
	return w
}

// overdueAfter is how long a check may wait past its time before it
// counts as overdue.
const overdueAfter = time.Hour

// watchCollector exports the re-check schedule at scrape time and the
// watcher's counts of the checks it ran.
type watchCollector struct {
	st Store
	w  Watcher // nil: no checks run in this process
}

var (
	descChecks  = prometheus.NewDesc("newsvault_watch_checks_total", "Re-checks of archived articles run by this process, by outcome (failed: not recorded).", []string{"outcome"}, nil)
	descDue     = prometheus.NewDesc("newsvault_watch_checks_due", "Re-checks whose time has come.", nil, nil)
	descOverdue = prometheus.NewDesc("newsvault_watch_checks_overdue", "Re-checks more than an hour past their time.", nil, nil)
	descLag     = prometheus.NewDesc("newsvault_watch_lag_seconds", "How long the oldest due re-check has waited; 0 when none is due.", nil, nil)
	descStatus  = prometheus.NewDesc("newsvault_watch_articles", "Watched articles, by status.", []string{"status"}, nil)
)

func (c *watchCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descChecks, descDue, descOverdue, descLag, descStatus} {
		ch <- d
	}
}

func (c *watchCollector) Collect(ch chan<- prometheus.Metric) {
	if c.w != nil {
		outcomes, failed := c.w.Stats().Outcomes()
		for _, o := range []string{"unchanged", "edited", "removed", "unavailable", "replaced", "restored"} {
			ch <- prometheus.MustNewConstMetric(descChecks, prometheus.CounterValue, float64(outcomes[watch.Outcome(o)]), o)
		}
		ch <- prometheus.MustNewConstMetric(descChecks, prometheus.CounterValue, float64(failed), "failed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := time.Now()
	st, err := c.st.WatchStats(ctx, now, overdueAfter)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(descDue, prometheus.GaugeValue, float64(st.Due))
	ch <- prometheus.MustNewConstMetric(descOverdue, prometheus.GaugeValue, float64(st.Overdue))
	lag := 0.0
	if !st.OldestDue.IsZero() {
		lag = now.Sub(st.OldestDue).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, lag)
	for k, n := range st.ByStatus {
		ch <- prometheus.MustNewConstMetric(descStatus, prometheus.GaugeValue, float64(n), k)
	}
}
