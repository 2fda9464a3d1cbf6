package web

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
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
