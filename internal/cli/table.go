package cli

import (
	"bytes"
	"io"
	"strings"

	"github.com/rivo/uniseg"
)

// Table lines up tab-separated cells in columns by their display width on a
// terminal, where a Chinese character takes two columns (text/tabwriter
// counts it as one, so columns after a Chinese title drift). Write rows
// ending in "\n" with cells separated by "\t", then Flush.
type Table struct {
	w   io.Writer
	buf bytes.Buffer
}

// NewTable returns a Table writing to w.
func NewTable(w io.Writer) *Table { return &Table{w: w} }

// Write buffers rows until Flush.
func (t *Table) Write(p []byte) (int, error) { return t.buf.Write(p) }

// tableGap is the space between columns.
const tableGap = 2

// Flush writes the buffered rows, each cell but the last padded with spaces
// to its column's widest cell plus a gap.
func (t *Table) Flush() error {
	text := strings.TrimSuffix(t.buf.String(), "\n")
	t.buf.Reset()
	if text == "" {
		return nil
	}
	var rows [][]string
	var widths []int
	for _, line := range strings.Split(text, "\n") {
		cells := strings.Split(line, "\t")
		for i, c := range cells[:len(cells)-1] {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], uniseg.StringWidth(c))
		}
		rows = append(rows, cells)
	}
	var out strings.Builder
	for _, cells := range rows {
		for i, c := range cells {
			out.WriteString(c)
			if i < len(cells)-1 {
				out.WriteString(strings.Repeat(" ", widths[i]-uniseg.StringWidth(c)+tableGap))
			}
		}
		out.WriteByte('\n')
	}
	_, err := io.WriteString(t.w, out.String())
	return err
}
