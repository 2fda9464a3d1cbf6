package apijson

import (
	"time"

	"github.com/newsvault/newsvault/internal/store"
)

// Watch is an article's watch status: what its re-checks found.
type Watch struct {
	Status      string     `json:"status"` // alive, unavailable, unreachable, removed, replaced
	Since       time.Time  `json:"since"`
	Edits       int        `json:"edits"`
	Checks      int        `json:"checks"`
	LastCheckAt *time.Time `json:"last_check_at,omitempty"`
	NextCheckAt *time.Time `json:"next_check_at,omitempty"`
	// Removal is the confirmed removal's evidence, set while the status
	// is removed or replaced.
	Removal *Mark `json:"removal,omitempty"`
	// LastAlive is the last check that saw the article.
	LastAlive *Mark `json:"last_alive,omitempty"`
}

// Mark points at the check and capture behind a claim.
type Mark struct {
	At        time.Time `json:"at"`
	CaptureID int64     `json:"capture_id,omitempty"`
}

// Notice is a removal notice as the page showed it, verbatim.
type Notice struct {
	Platform string `json:"platform,omitempty"`
	By       string `json:"by"`
	Text     string `json:"text"`
}

// Check is one re-check of an article.
type Check struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	Outcome   string    `json:"outcome"` // unchanged, edited, removed, unavailable, replaced, restored
	Status    string    `json:"status"`  // the article's status after it
	Reason    string    `json:"reason,omitempty"`
	ErrorKind string    `json:"error_kind,omitempty"`
	CaptureID int64     `json:"capture_id,omitempty"`
	VersionID int64     `json:"version_id,omitempty"`
	Notice    *Notice   `json:"notice,omitempty"`
}

// Event is an announced change of an article.
type Event struct {
	Kind      string    `json:"kind"`
	ArticleID int64     `json:"article_id"`
	Title     string    `json:"title,omitempty"`
	URL       string    `json:"url,omitempty"`
	At        time.Time `json:"at"`
	Reason    string    `json:"reason,omitempty"`
	Notice    *Notice   `json:"notice,omitempty"`
	Alive     *Mark     `json:"alive,omitempty"`
	Evidence  *Mark     `json:"evidence,omitempty"`
}

func mark(m store.Mark) *Mark {
	if m.At.IsZero() {
		return nil
	}
	return &Mark{At: m.At, CaptureID: m.CaptureID}
}

func notice(n store.Notice) *Notice {
	if n.Text == "" && n.By == "" {
		return nil
	}
	return &Notice{Platform: n.Platform, By: n.By, Text: n.Text}
}

// FromWatch converts a watch state.
func FromWatch(w store.Watch) Watch {
	out := Watch{Status: w.Status, Since: w.Since, Edits: w.Edits, Checks: w.Checks,
		LastCheckAt: Time(w.LastCheck), NextCheckAt: Time(w.NextCheck), LastAlive: mark(w.LastAlive)}
	if w.Removal != nil {
		out.Removal = mark(*w.Removal)
	}
	return out
}

// FromCheck converts a check.
func FromCheck(c store.Check) Check {
	return Check{ID: c.ID, At: c.At, Outcome: c.Outcome, Status: c.Status, Reason: c.Reason, ErrorKind: c.ErrorKind,
		CaptureID: c.CaptureID, VersionID: c.VersionID, Notice: notice(c.Notice)}
}

// FromEvent converts an event.
func FromEvent(e store.WatchEvent) Event {
	return Event{Kind: e.Kind, ArticleID: e.ArticleID, Title: e.Title, URL: e.URL, At: e.At, Reason: e.Reason,
		Notice: notice(e.Notice), Alive: mark(e.Alive), Evidence: mark(e.Evidence)}
}
