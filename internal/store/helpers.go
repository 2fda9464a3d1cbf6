package store

import (
	"fmt"
	"regexp"
	"strings"
)

// Helpers every store implementation shares: how a copy member's link is
// chosen, how one-line messages are kept, how a watch mark becomes two
// columns, and which names row-level copying accepts.

// PickLink chooses the link to show for copy group member id: the one
// between it and the original if there is one, else its own, else one
// made to it (seen from the member's side: similarity is symmetric).
func PickLink(links []CopyLink, id, original int64) *CopyLink {
	var own, to *CopyLink
	for i := range links {
		l := &links[i]
		switch {
		case l.Article == id && l.Of == original:
			return l
		case l.Article == original && l.Of == id:
			r := *l
			r.Article, r.Of = id, original
			return &r
		case l.Article == id && own == nil:
			own = l
		case l.Of == id && to == nil:
			r := *l
			r.Article, r.Of = id, l.Article
			to = &r
		}
	}
	if own != nil {
		return own
	}
	return to
}

// JoinLines keeps a list of messages one per line, each made one line.
func JoinLines(msgs []string) string {
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		if m = strings.Join(strings.Fields(m), " "); m != "" {
			out = append(out, m)
		}
	}
	return strings.Join(out, "\n")
}

// MarkColumns turns a mark into its two columns (Unix milliseconds and a
// capture ID, each nil when absent), with ThisCapture standing for this.
func MarkColumns(m *Mark, this int64) (at, capture any) {
	if m == nil || m.At.IsZero() {
		return nil, nil
	}
	id := m.CaptureID
	if id == ThisCapture {
		id = this
	}
	if id <= 0 {
		return m.At.UnixMilli(), nil
	}
	return m.At.UnixMilli(), id
}

// identifier is what a table or column name must look like for row-level
// copying (newsvault migrate) to put it into SQL.
var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// CheckNames refuses any name that is not a plain lower-case SQL
// identifier.
func CheckNames(names ...string) error {
	for _, n := range names {
		if !identifier.MatchString(n) {
			return fmt.Errorf("not a table or column name: %q", n)
		}
	}
	return nil
}

// InBatches runs batch from the start of an ID-ordered table until a batch
// comes back short of size, passing each call the last ID the previous one
// reached, and reports progress (done of total, if set) after each: the
// loop of a resumable rebuild such as Reindex.
func InBatches(total, size int, batch func(after int64) (n int, last int64, err error), progress func(done, total int)) error {
	done := 0
	var after int64
	for {
		n, next, err := batch(after)
		if err != nil {
			return fmt.Errorf("after %d: %w", after, err)
		}
		done += n
		after = next
		if progress != nil {
			progress(min(done, total), total)
		}
		if n < size {
			return nil
		}
	}
}
