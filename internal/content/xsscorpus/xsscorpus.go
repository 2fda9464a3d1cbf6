// Package xsscorpus holds newsvault's corpus of cross-site scripting
// payloads, written for our tests from the public classes of attack
// (script tags, event handlers, URL schemes, SVG, MathML, mutation XSS,
// CSS, attribute breakouts, polyglots). Tests in internal/content run them
// through the sanitizer; tests in internal/web archive them and open the
// pages in headless Chromium. Only tests import it.
package xsscorpus

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
)

// Payload is one attack: a name to report it by, its class, and the markup.
// Each payload tries to run xss(N) (N is its line number), to load
// something from evil.test, or to navigate away; any of those seen in a
// browser means it got through.
type Payload struct {
	Name    string `json:"name"`
	Class   string `json:"class"`
	Payload string `json:"payload"`
}

//go:embed payloads.jsonl
var corpus []byte

// Load returns the payloads in file order. It fails on a malformed line.
func Load() ([]Payload, error) {
	var out []Payload
	sc := bufio.NewScanner(bytes.NewReader(corpus))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var p Payload
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, fmt.Errorf("payloads.jsonl:%d: %w", line, err)
		}
		out = append(out, p)
	}
	return out, sc.Err()
}
