package store

import (
	"time"

	"github.com/newsvault/newsvault/internal/archive"
)

// WatchStart schedules the re-checks of an article when it is first
// archived: ArticleWrite.Watch.
type WatchStart struct {
	Ladder string    // the ladder as the source set it ("" = default)
	Next   time.Time // the first check; zero: not scheduled (ladder off)
}

// ThisCapture, as the capture ID of a Mark in a CheckWrite, stands for the
// capture written by that same CheckWrite, whose ID is not known before.
const ThisCapture int64 = -1

// Mark points at one check: when it ran and the capture it stored.
type Mark struct {
	At        time.Time
	CaptureID int64
}

// Watch is the watch state of one article (see package watch).
type Watch struct {
	ArticleID    int64
	URL          string // the article's canonical URL (read only)
	OriginalURL  string // the link as first met (read only)
	SourceID     int64  // read only
	Status       string // alive, unavailable, unreachable, removed, replaced
	Since        time.Time
	FirstSeen    time.Time
	NextCheck    time.Time // zero: none scheduled
	Pending      *Mark     // a first removal awaiting confirmation
	Removal      *Mark     // the first capture of a confirmed removal
	LastAlive    Mark
	Failures     int
	FailingSince time.Time
	Edits        int
	Ladder       string
	// Checks counts the checks recorded; a CheckWrite must carry the count
	// it was computed from, so that a check is never recorded twice.
	Checks    int
	LastCheck time.Time
}

// Notice is the removal notice a page showed.
type Notice struct {
	Platform string
	By       string // publisher, platform, complaint, unknown
	Text     string // verbatim
}

// Check is one recorded re-check of an article.
type Check struct {
	ID        int64
	ArticleID int64
	At        time.Time
	CaptureID int64 // 0 when no response was received
	VersionID int64 // the version this check added, 0 if none
	Outcome   string
	Status    string // the article's status after the check
	Reason    string
	ErrorKind string // why no response was received, when none was
	Notice    Notice
}

// WatchEvent is an announced change of an article: removed, replaced,
// edited, restored, unreachable, reachable.
type WatchEvent struct {
	ID        int64
	Kind      string
	ArticleID int64
	SourceID  int64
	At        time.Time
	CheckID   int64
	Reason    string
	Notice    Notice
	Alive     Mark // the last check that saw the article
	Evidence  Mark // the check whose capture shows the change
	// Title and URL of the article, filled by WatchEvents.
	Title string
	URL   string
}

// CheckWrite is everything one check produced. A store writes it in one
// transaction: the capture, the new version (if any), the check, the new
// watch state and the events, or none of them.
type CheckWrite struct {
	ArticleID int64
	// PrevChecks is Watch.Checks as read before the check: the write fails
	// with ErrConflict if another check was recorded in between.
	PrevChecks int
	Capture    *archive.Capture // nil when no response was received
	Version    *ArticleWrite    // a changed article: a new version from Capture
	Check      Check            // ID, ArticleID, CaptureID, VersionID are set by the store
	Watch      Watch            // the state after the check (Marks may use ThisCapture)
	Events     []WatchEvent     // Marks may use ThisCapture
}

// CheckResult says what RecordCheck stored.
type CheckResult struct {
	CheckID    int64
	CaptureID  int64
	VersionID  int64
	NewVersion bool
}

// EventQuery selects watch events, newest first.
type EventQuery struct {
	Kind     string // empty: all kinds
	SourceID int64  // 0: every source
	Since    time.Time
	Limit    int // default 50
	Offset   int
}

// WatchStats summarises the re-check schedule at a moment.
type WatchStats struct {
	Watched   int       // articles with a watch row
	Due       int       // checks due now
	Overdue   int       // checks due for more than the grace the caller gave
	OldestDue time.Time // the next_check_at of the oldest due check, zero if none
	ByStatus  map[string]int
}
