package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/archive"
)

// TestTheOpenAPIDescriptionMatchesTheRoutes checks both ways: every
// documented path and method is a registered route, and every registered
// /api/v1 route is documented.
func TestTheOpenAPIDescriptionMatchesTheRoutes(t *testing.T) {
	var spec struct {
		OpenAPI string `json:"openapi"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPISpec, &spec); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(spec.OpenAPI, "3.0.") || len(spec.Servers) != 1 || spec.Servers[0].URL != "/api/v1" {
		t.Fatalf("openapi %q servers %+v", spec.OpenAPI, spec.Servers)
	}
	documented := map[string]bool{}
	for path, ops := range spec.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete", "head", "options":
				documented[strings.ToUpper(method)+" "+spec.Servers[0].URL+path] = true
			}
		}
	}
	e := newEnv(t, envOptions{})
	registered := map[string]bool{}
	for _, r := range e.srv.routes {
		if strings.HasPrefix(r.Pattern, "/api/v1/") {
			registered[r.Method+" "+r.Pattern] = true
		}
	}
	if len(registered) < 10 {
		t.Fatalf("only %d API routes registered", len(registered))
	}
	for _, k := range sortedKeys(registered) {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for _, k := range sortedKeys(documented) {
		if !registered[k] {
			t.Errorf("openapi.json documents %s, which is not a route", k)
		}
	}
}

func TestEveryOperationReferenceResolves(t *testing.T) {
	var doc any
	if err := json.Unmarshal(openAPISpec, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if !resolves(doc, ref) {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
}

func resolves(doc any, ref string) bool {
	if !strings.HasPrefix(ref, "#/") {
		return false
	}
	cur := doc
	for _, part := range strings.Split(ref[2:], "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[part]; !ok {
			return false
		}
	}
	return true
}

func TestTheOpenAPIDescriptionIsServed(t *testing.T) {
	e := newEnv(t, envOptions{})
	var spec map[string]any
	if resp := e.getJSON("/api/v1/openapi.json", &spec); resp.StatusCode != 200 || spec["openapi"] == nil {
		t.Errorf("GET /api/v1/openapi.json: %d", resp.StatusCode)
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestEveryLimitTheSpecAllowsIsAccepted reads the maximum of every limit
// parameter in openapi.json and checks that its route answers a page that
// large (filled, when the archive has that many) and refuses one more, in
// each way the route can be asked (listing and searching).
func TestEveryLimitTheSpecAllowsIsAccepted(t *testing.T) {
	var spec struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]openAPIParam `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPISpec, &spec); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{})
	src := e.source(archive.Source{Kind: archive.KindImport, FeedURL: "import:many", Title: "many"})
	const articles = 520
	for i := range articles {
		e.write(article{url: fmt.Sprintf("https://many.example/%d", i), source: src.ID, title: fmt.Sprintf("第%d篇", i),
			html: "<p>同一个词。</p>", published: time.Date(2023, 1, 1, 0, i, 0, 0, time.UTC)})
	}
	checked := 0
	for path, ops := range spec.Paths {
		raw, ok := ops["get"]
		if !ok || strings.Contains(path, "{") {
			continue
		}
		var op struct {
			Parameters []openAPIParam `json:"parameters"`
		}
		if err := json.Unmarshal(raw, &op); err != nil {
			t.Fatal(err)
		}
		for _, p := range op.Parameters {
			if ref, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
				p = spec.Components.Parameters[ref]
			}
			if p.Name != "limit" || p.In != "query" {
				continue
			}
			if p.Schema.Maximum == 0 {
				t.Errorf("GET %s: limit has no maximum", path)
				continue
			}
			max := p.Schema.Maximum
			for _, extra := range []string{"", "&q=同一", "&sort=date"} {
				checked++
				var page map[string]json.RawMessage
				u := fmt.Sprintf("/api/v1%s?limit=%d%s", path, max, extra)
				if resp := e.getJSON(u, &page); resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s: %d, but the spec allows it", u, resp.StatusCode)
					continue
				}
				// Only article pages can be filled from this archive (its
				// articles are each their own story, for one).
				fills := path == "/articles" || path == "/search"
				for key, v := range page {
					if !fills {
						break
					}
					var items []json.RawMessage
					if json.Unmarshal(v, &items) == nil && len(items) != min(max, articles) {
						t.Errorf("GET %s: %d %s, want %d", u, len(items), key, min(max, articles))
					}
				}
				u = fmt.Sprintf("/api/v1%s?limit=%d%s", path, max+1, extra)
				if resp, body := e.do("GET", u, nil); resp.StatusCode != http.StatusBadRequest {
					t.Errorf("GET %s: %d, but the spec's maximum is %d: %s", u, resp.StatusCode, max, body)
				}
			}
		}
	}
	if checked < 4 {
		t.Errorf("only %d limit checks: the spec's limit parameters were not found", checked)
	}
}

// openAPIParam is a parameter object of openapi.json, or a reference to one.
type openAPIParam struct {
	Ref    string `json:"$ref"`
	Name   string `json:"name"`
	In     string `json:"in"`
	Schema struct {
		Maximum int `json:"maximum"`
	} `json:"schema"`
}
