package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
)

// capItems returns body with every item after the first max left out, and
// how many were left out, so that gofeed never builds the items a poll
// would not archive. Items are RSS <item>s, Atom <entry>s and JSON Feed
// "items" elements; body is returned unchanged (not copied) when it holds
// no more than max. A document too broken to count is returned as is, for
// gofeed to judge.
func capItems(body []byte, isJSON bool, max int) ([]byte, int) {
	if isJSON {
		return capJSONItems(body, max)
	}
	// Cheap first look: fewer tags than the cap means nothing to cut.
	if bytes.Count(body, []byte("<item"))+bytes.Count(body, []byte("<entry"))+bytes.Count(body, []byte(":item"))+bytes.Count(body, []byte(":entry")) <= max {
		return body, 0
	}
	return capXMLItems(body, max)
}

// capXMLItems cuts the bytes from the start of item max+1 to the end of
// the last item, counting elements as scanXML does.
func capXMLItems(body []byte, max int) ([]byte, int) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var stack []string
	open := make(map[string]int)
	items := 0
	var cutStart, cutEnd int64 = -1, -1
	itemDepth := -1 // stack depth of the item being read, -1 outside items
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if itemDepth < 0 && (name == "item" || name == "entry") && isItemParent(stack) {
				items++
				if items == max+1 {
					cutStart = off
				}
				itemDepth = len(stack)
			}
			stack = append(stack, name)
			open[name]++
		case xml.EndElement:
			name := strings.ToLower(t.Name.Local)
			if open[name] == 0 {
				continue
			}
			for {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				open[top]--
				if top == name {
					break
				}
			}
			if itemDepth >= 0 && len(stack) <= itemDepth {
				itemDepth = -1
				if items > max {
					cutEnd = d.InputOffset()
				}
			}
		}
	}
	if cutStart < 0 || cutEnd <= cutStart {
		return body, 0
	}
	out := make([]byte, 0, int64(len(body))-(cutEnd-cutStart))
	out = append(out, body[:cutStart]...)
	out = append(out, body[cutEnd:]...)
	return out, items - max
}

// isItemParent reports whether items sit at this point: directly in an RSS
// <channel>, an RDF root or an Atom <feed>.
func isItemParent(stack []string) bool {
	if len(stack) == 0 {
		return false
	}
	switch stack[len(stack)-1] {
	case "channel", "rdf", "feed":
		return true
	}
	return false
}

// capJSONItems keeps the first max elements of a JSON Feed's top-level
// "items" array.
func capJSONItems(body []byte, max int) ([]byte, int) {
	d := json.NewDecoder(bytes.NewReader(body))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return body, 0
	}
	for d.More() {
		key, err := d.Token()
		if err != nil {
			return body, 0
		}
		if key != "items" {
			var skip json.RawMessage
			if d.Decode(&skip) != nil {
				return body, 0
			}
			continue
		}
		if tok, err := d.Token(); err != nil || tok != json.Delim('[') {
			return body, 0
		}
		keepEnd := d.InputOffset()
		n := 0
		for d.More() {
			var skip json.RawMessage
			if d.Decode(&skip) != nil {
				return body, 0
			}
			n++
			if n <= max {
				keepEnd = d.InputOffset()
			}
		}
		if _, err := d.Token(); err != nil { // the closing ]
			return body, 0
		}
		if n <= max {
			return body, 0
		}
		closeAt := d.InputOffset() - 1
		out := make([]byte, 0, int64(len(body))-(closeAt-keepEnd))
		out = append(out, body[:keepEnd]...)
		out = append(out, body[closeAt:]...)
		return out, n - max
	}
	return body, 0
}
