package diff

import (
	"html"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ElideOptions says how much unchanged text to keep around a change.
type ElideOptions struct {
	// Context is how many runes of unchanged text to keep on each side of
	// a change when no sentence boundary is near. Default 30.
	Context int
	// Sentence is how far (in runes) to look for the start or end of the
	// sentence a change is in; the whole sentence is kept when it is found
	// within this distance. Default 160.
	Sentence int
}

func (o ElideOptions) withDefaults() ElideOptions {
	if o.Context <= 0 {
		o.Context = 30
	}
	if o.Sentence <= 0 {
		o.Sentence = 160
	}
	return o
}

// Elide returns ops with long unchanged stretches replaced by Skip ops
// holding the text left out, so that each change is shown in its sentence
// and no more. Ops without any change come back as one Skip op.
func Elide(ops []Op, opts ElideOptions) []Op {
	opts = opts.withDefaults()
	if !Changed(ops) {
		if len(ops) == 0 {
			return nil
		}
		return []Op{{Skip, Old(ops)}}
	}
	out := make([]Op, 0, len(ops)+2)
	for i, op := range ops {
		if op.Kind != Equal {
			out = append(out, op)
			continue
		}
		first, last := i == 0, i == len(ops)-1
		rs := []rune(op.Text)
		var head, tail int // runes kept at the start and at the end
		if !first {
			head = sentenceEnd(rs, opts)
		}
		if !last {
			tail = len(rs) - sentenceStart(rs, opts)
		}
		if head+tail >= len(rs) {
			out = append(out, op)
			continue
		}
		out = appendOp(out, Op{Equal, string(rs[:head])})
		out = append(out, Op{Skip, string(rs[head : len(rs)-tail])})
		out = appendOp(out, Op{Equal, string(rs[len(rs)-tail:])})
	}
	return out
}

// isSentenceEnd reports whether r ends a sentence or a line.
func isSentenceEnd(r rune) bool {
	switch r {
	case '。', '！', '？', '；', '!', '?', '.', ';', '\n', '…':
		return true
	}
	return false
}

// sentenceEnd returns how many runes of rs to keep after a change: up to
// and including the end of the sentence when it is near, else opts.Context.
func sentenceEnd(rs []rune, opts ElideOptions) int {
	for i := 0; i < len(rs) && i < opts.Sentence; i++ {
		if rs[i] == '\n' {
			return i
		}
		if isSentenceEnd(rs[i]) {
			// Keep closing quotes and brackets that belong to the sentence.
			for i+1 < len(rs) && unicode.Is(unicode.Pe, rs[i+1]) || i+1 < len(rs) && unicode.Is(unicode.Pf, rs[i+1]) {
				i++
			}
			return i + 1
		}
	}
	return min(opts.Context, len(rs))
}

// sentenceStart returns the index in rs where the text kept before a
// change starts: the start of its sentence when it is near, else
// opts.Context runes back.
func sentenceStart(rs []rune, opts ElideOptions) int {
	for i := len(rs) - 1; i >= 0 && i >= len(rs)-opts.Sentence; i-- {
		if isSentenceEnd(rs[i]) {
			j := i + 1
			for j < len(rs) && unicode.IsSpace(rs[j]) {
				j++
			}
			return j
		}
	}
	return max(0, len(rs)-opts.Context)
}

// HTML renders ops as inline HTML: deletions in <del>, insertions in <ins>,
// Skip ops as <span class="diff-skip">…</span>, all text escaped. Line
// breaks are kept as newlines: show it in an element styled with
// white-space: pre-wrap.
func HTML(ops []Op) string {
	var b strings.Builder
	for _, op := range ops {
		t := html.EscapeString(op.Text)
		switch op.Kind {
		case Equal:
			b.WriteString(t)
		case Insert:
			b.WriteString("<ins>" + t + "</ins>")
		case Delete:
			b.WriteString("<del>" + t + "</del>")
		case Skip:
			b.WriteString(`<span class="diff-skip" title="` + strconv.Itoa(utf8.RuneCountInString(op.Text)) + ` unchanged characters">…</span>`)
		}
	}
	return b.String()
}

// Row is one row of a side-by-side diff: a stretch of the old text beside
// the stretch of the new text it became. Rows break where both texts have
// the same line break, so unchanged paragraphs line up.
type Row struct {
	Old     []Op `json:"old,omitempty"` // Equal and Delete ops
	New     []Op `json:"new,omitempty"` // Equal and Insert ops
	Changed bool `json:"changed"`
	// Skipped, when non-zero, makes this row stand for that many unchanged
	// rows left out (Old and New are then empty).
	Skipped int `json:"skipped,omitempty"`
}

// Rows returns the side-by-side rows of a diff, keeping context unchanged
// rows around each changed one and collapsing the others into Skipped rows
// (context < 0 keeps every row). Empty unchanged rows (blank lines between
// paragraphs) are dropped.
func Rows(ops []Op, context int) []Row {
	var all []Row
	var cur Row
	flush := func() {
		if cur.Changed || len(cur.Old) > 0 {
			all = append(all, cur)
		}
		cur = Row{}
	}
	for _, op := range ops {
		switch op.Kind {
		case Insert:
			cur.New = appendOp(cur.New, op)
			cur.Changed = true
		case Delete:
			cur.Old = appendOp(cur.Old, op)
			cur.Changed = true
		case Equal, Skip:
			parts := strings.Split(op.Text, "\n")
			for i, p := range parts {
				if i > 0 {
					flush()
				}
				cur.Old = appendOp(cur.Old, Op{Equal, p})
				cur.New = appendOp(cur.New, Op{Equal, p})
			}
		}
	}
	flush()
	if context < 0 {
		return all
	}
	keep := make([]bool, len(all))
	for i, r := range all {
		if r.Changed {
			for j := max(0, i-context); j <= min(len(all)-1, i+context); j++ {
				keep[j] = true
			}
		}
	}
	var out []Row
	for i, r := range all {
		if keep[i] {
			out = append(out, r)
			continue
		}
		if n := len(out); n > 0 && out[n-1].Skipped > 0 {
			out[n-1].Skipped++
		} else {
			out = append(out, Row{Skipped: 1})
		}
	}
	return out
}

// TerminalOptions configures Terminal.
type TerminalOptions struct {
	// Color marks changes with ANSI colours (red struck-through deletions,
	// green underlined insertions); without it they are written as
	// [-deleted-] and {+inserted+}, like git's word diff.
	Color bool
	Elide ElideOptions
}

// ANSI sequences used when TerminalOptions.Color is set.
const (
	ansiDel   = "\x1b[9;31m"
	ansiIns   = "\x1b[4;32m"
	ansiDim   = "\x1b[2m"
	ansiBold  = "\x1b[1m"
	ansiReset = "\x1b[0m"
)

// Terminal renders r for a terminal: the changed fields, the images
// removed and added, then the body's changes in their sentences with the
// unchanged text between them elided. Control characters in the texts are
// dropped so that a page cannot drive the terminal.
func Terminal(r *Result, opts TerminalOptions) string {
	var b strings.Builder
	label := func(s string) {
		if opts.Color {
			b.WriteString(ansiBold + s + ansiReset)
		} else {
			b.WriteString(s)
		}
	}
	for _, c := range r.Fields {
		label(c.Field + ": ")
		writeOps(&b, c.Ops, opts.Color)
		b.WriteString("\n")
	}
	for _, u := range r.ImagesRemoved {
		label("image removed: ")
		writeOps(&b, []Op{{Delete, u}}, opts.Color)
		b.WriteString("\n")
	}
	for _, u := range r.ImagesAdded {
		label("image added: ")
		writeOps(&b, []Op{{Insert, u}}, opts.Color)
		b.WriteString("\n")
	}
	if !Changed(r.Body) {
		label("text: unchanged\n")
		return b.String()
	}
	label("text:\n")
	writeOps(&b, Elide(r.Body, opts.Elide), opts.Color)
	b.WriteString("\n")
	return b.String()
}

func writeOps(b *strings.Builder, ops []Op, color bool) {
	for _, op := range ops {
		t := stripControls(op.Text)
		switch {
		case op.Kind == Equal:
			b.WriteString(t)
		case op.Kind == Skip && color:
			b.WriteString("\n" + ansiDim + "…" + ansiReset + "\n")
		case op.Kind == Skip:
			b.WriteString("\n…\n")
		case op.Kind == Delete && color:
			b.WriteString(ansiDel + t + ansiReset)
		case op.Kind == Delete:
			b.WriteString("[-" + t + "-]")
		case op.Kind == Insert && color:
			b.WriteString(ansiIns + t + ansiReset)
		case op.Kind == Insert:
			b.WriteString("{+" + t + "+}")
		}
	}
}

// stripControls drops control characters other than newline and tab.
func stripControls(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, s)
}

func isControl(r rune) bool {
	return r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u202e' || r == '\u202d')
}
