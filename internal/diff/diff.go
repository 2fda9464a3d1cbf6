// Package diff owns readable differences between two versions of an
// article: the operations that turn the old text into the new one, the
// changes to title, author, dates and images, and their renderings as
// inline HTML, side-by-side rows and terminal text.
//
// Texts are compared as tokens, not bytes: inside a run of Han (or other
// CJK) characters every character is a token, Latin letters and digits
// form words, and whitespace and punctuation stand alone. The tokens go
// through diff-match-patch (github.com/sergi/go-diff) with semantic
// clean-up, so a one-character change in a Chinese sentence shows as that
// character while a reworded English phrase reads as one change rather
// than a scatter of letters. It compares extracted plain text, never HTML,
// and knows nothing about where versions are stored.
package diff

import (
	"strings"
	"time"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Kind says what an Op does.
type Kind string

// Op kinds. Skip appears only in the output of Elide.
const (
	Equal  Kind = "equal"  // text in both versions
	Insert Kind = "insert" // text only in the new version
	Delete Kind = "delete" // text only in the old version
	Skip   Kind = "skip"   // unchanged text left out of a rendering (Elide)
)

// Op is one step of a diff. Concatenating the Text of the Equal and Delete
// ops gives the old text, of the Equal and Insert ops the new one.
type Op struct {
	Kind Kind   `json:"kind"`
	Text string `json:"text"`
}

// Timeout bounds the time one Text call spends looking for the shortest
// diff; past it the result is still correct, only less minimal.
const Timeout = 2 * time.Second

// Text returns the operations that turn old into new, tokenised for
// Chinese and Latin text and cleaned up semantically. Adjacent ops never
// share a kind and no op is empty. Invalid UTF-8 is read as U+FFFD.
func Text(old, new string) []Op {
	old = strings.ToValidUTF8(old, "\uFFFD")
	new = strings.ToValidUTF8(new, "\uFFFD")
	if old == new {
		if old == "" {
			return nil
		}
		return []Op{{Equal, old}}
	}
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = Timeout
	var tk tokens
	a, okA := tk.encode(old)
	b, okB := tk.encode(new)
	var diffs []diffmatchpatch.Diff
	if okA && okB {
		diffs = dmp.DiffMainRunes(a, b, false)
		diffs = dmp.DiffCleanupSemantic(diffs)
		diffs = tk.decode(diffs)
	} else {
		// Too many distinct tokens to encode: compare by character.
		diffs = dmp.DiffMain(old, new, false)
		diffs = dmp.DiffCleanupSemantic(diffs)
	}
	return fromDiffs(diffs)
}

// fromDiffs converts go-diff's diffs to ops, merging neighbours of the same
// kind and dropping empty ones.
func fromDiffs(diffs []diffmatchpatch.Diff) []Op {
	ops := make([]Op, 0, len(diffs))
	for _, d := range diffs {
		if d.Text == "" {
			continue
		}
		k := Equal
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			k = Insert
		case diffmatchpatch.DiffDelete:
			k = Delete
		}
		ops = appendOp(ops, Op{k, d.Text})
	}
	return ops
}

// appendOp appends op to ops, merging it into the last op of the same kind.
func appendOp(ops []Op, op Op) []Op {
	if op.Text == "" && op.Kind != Skip {
		return ops
	}
	if n := len(ops); n > 0 && ops[n-1].Kind == op.Kind && op.Kind != Skip {
		ops[n-1].Text += op.Text
		return ops
	}
	return append(ops, op)
}

// Old returns the old text the ops describe.
func Old(ops []Op) string { return side(ops, Delete) }

// New returns the new text the ops describe.
func New(ops []Op) string { return side(ops, Insert) }

func side(ops []Op, k Kind) string {
	var b strings.Builder
	for _, op := range ops {
		if op.Kind == Equal || op.Kind == k {
			b.WriteString(op.Text)
		}
	}
	return b.String()
}

// Changed reports whether ops hold any insertion or deletion.
func Changed(ops []Op) bool {
	for _, op := range ops {
		if op.Kind == Insert || op.Kind == Delete {
			return true
		}
	}
	return false
}
