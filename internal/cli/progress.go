package cli

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress reports how far a long job is: a bar on a terminal, a log line
// every few seconds otherwise.
type Progress struct {
	bar   *progressbar.ProgressBar
	log   *slog.Logger
	what  string
	last  time.Time
	start time.Time
}

// NewProgress reports on a job of total items called what.
func NewProgress(log *slog.Logger, what string, total int) *Progress {
	p := &Progress{log: log, what: what, start: time.Now(), last: time.Now()}
	if term.IsTerminal(int(os.Stderr.Fd())) && total > 0 {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("items"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// Set records that done of total items are finished.
func (p *Progress) Set(done, total int) {
	if p.bar != nil {
		p.bar.Set(done)
		return
	}
	if time.Since(p.last) >= 5*time.Second || done == total {
		p.last = time.Now()
		rate := float64(done) / time.Since(p.start).Seconds()
		p.log.Info(p.what, "done", done, "total", total, "per_second", fmt.Sprintf("%.0f", rate))
	}
}

// Finish removes the bar.
func (p *Progress) Finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
