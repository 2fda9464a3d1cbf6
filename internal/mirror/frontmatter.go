package mirror

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The front matter is YAML, read with gopkg.in/yaml.v3 into a node tree (no
// alias is ever expanded, so a "billion laughs" block costs what it
// weighs). Only the top-level mapping is interpreted:
//
//   - a scalar (plain, quoted over any number of lines, | or > block) is its
//     decoded text;
//   - a sequence of scalars (flow or block) is a list, and its raw text;
//   - anything else (nested maps, aliases) is kept as raw text only.

// maxFrontMatter bounds the front matter a file may carry; Jekyll headers
// are a few hundred bytes.
const maxFrontMatter = 64 << 10

// frontValue is an interpreted front-matter value.
type frontValue struct {
	line   int
	text   string   // decoded scalar, or the raw text of a non-scalar
	scalar bool     // text is a decoded scalar
	list   []string // items of a flow or block list (non-nil for lists)
}

// parseFront reads the front-matter block src, whose first line is line
// firstLine of the file, into its top-level values; later keys replace
// earlier ones.
func parseFront(src []byte, firstLine int) (map[string]frontValue, *ParseError) {
	if len(src) > maxFrontMatter {
		return nil, &ParseError{Line: firstLine, Reason: fmt.Sprintf("front matter longer than %d bytes", maxFrontMatter)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line, msg := yamlErrorLine(err)
		if line > 0 {
			line += firstLine - 1
		} else {
			line = firstLine
		}
		return nil, &ParseError{Line: line, Reason: "front matter: " + msg}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &ParseError{Line: firstLine - 1, Reason: "front matter holds no key: value line"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &ParseError{Line: firstLine + root.Line - 1, Reason: fmt.Sprintf("front matter: expected \"key: value\" lines, got %q", clip([]byte(firstLineOf(src, root.Line))))}
	}
	if len(root.Content) == 0 {
		return nil, &ParseError{Line: firstLine - 1, Reason: "front matter holds no key: value line"}
	}
	lines := bytes.Split(src, []byte("\n"))
	out := make(map[string]frontValue, len(root.Content)/2)
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if k.Kind != yaml.ScalarNode {
			key = strings.TrimSpace(firstLineOf(src, k.Line))
		}
		// The raw text of a value runs from where it starts to the line
		// before the next key.
		endLine := len(lines) + 1
		if i+2 < len(root.Content) {
			endLine = root.Content[i+2].Line
		}
		fv := frontValue{line: firstLine + k.Line - 1}
		switch {
		case v.Kind == yaml.ScalarNode:
			fv.scalar, fv.text = true, v.Value
			if v.Tag == "!!null" && (v.Value == "" || v.Value == "~" || v.Value == "null") {
				fv.text = ""
			}
		case v.Kind == yaml.SequenceNode:
			fv.text = rawValue(lines, v, endLine)
			fv.list = make([]string, 0, len(v.Content))
			for _, item := range v.Content {
				if item.Kind != yaml.ScalarNode {
					return nil, &ParseError{Line: firstLine + item.Line - 1, Reason: fmt.Sprintf("front matter %q: nested lists and maps in a list are not supported", key)}
				}
				fv.list = append(fv.list, item.Value)
			}
		default:
			fv.text = rawValue(lines, v, endLine)
		}
		out[key] = fv
	}
	return out, nil
}

// rawValue is the source text of v, which ends before line endLine (both
// 1-based): its lines trimmed, joined with a space for a flow collection
// (as YAML folds it) and with "\n" otherwise.
func rawValue(lines [][]byte, v *yaml.Node, endLine int) string {
	start := v.Line - 1
	if start < 0 || start >= len(lines) {
		return ""
	}
	var parts []string
	for l := start; l < endLine-1 && l < len(lines); l++ {
		line := lines[l]
		if l == start && v.Column-1 <= len(line) {
			line = line[v.Column-1:]
		}
		t := strings.TrimSpace(string(line))
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		parts = append(parts, t)
	}
	sep := "\n"
	if v.Style&yaml.FlowStyle != 0 {
		sep = " "
	}
	return strings.Join(parts, sep)
}

func firstLineOf(src []byte, line int) string {
	lines := bytes.SplitN(src, []byte("\n"), line+1)
	if line < 1 || line > len(lines) {
		return ""
	}
	return string(bytes.TrimRight(lines[line-1], "\r"))
}

// yamlErrorLine splits "yaml: line N: message" into N and the message.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				return n, strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return 0, msg
}
