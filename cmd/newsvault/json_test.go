package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestJSONOutputSpeaksTheAPIsVocabulary archives a page that gives no
// publication date and checks show --json and list --json: every key is
// snake_case as in the API, unknown times are left out rather than printed
// as 0001-01-01, and the article's fields are where the API puts them.
func TestJSONOutputSpeaksTheAPIsVocabulary(t *testing.T) {
	page := `<html lang="zh-CN"><head><meta charset="utf-8"><title>没有日期的文章</title></head><body><article><h1>没有日期的文章</h1><p>` +
		strings.Repeat("这篇文章没有写明发表日期，存档时只记录第一次看到它的时间。", 12) + `</p></article></body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	defer srv.Close()
	ctx, data := context.Background(), t.TempDir()
	if out, err := run(t, ctx, data, "archive", srv.URL+"/a.html"); err != nil {
		t.Fatalf("archive: %v\n%s", err, out)
	}
	show, err := run(t, ctx, data, "show", "--json", "1")
	if err != nil {
		t.Fatalf("show --json: %v\n%s", err, show)
	}
	list, err := run(t, ctx, data, "list", "--json")
	if err != nil {
		t.Fatalf("list --json: %v\n%s", err, list)
	}
	var docs []string
	docs = append(docs, show)
	sc := bufio.NewScanner(strings.NewReader(list))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		docs = append(docs, sc.Text())
	}
	if len(docs) != 2 {
		t.Fatalf("list --json printed %d lines, want 1:\n%s", len(docs)-1, list)
	}
	snake := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	for i, doc := range docs {
		if strings.Contains(doc, "0001-01-01") {
			t.Errorf("output %d prints a zero time:\n%s", i, doc)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatalf("output %d is not one JSON object: %v\n%s", i, err, doc)
		}
		var check func(path string, v any)
		check = func(path string, v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					if !snake.MatchString(k) {
						t.Errorf("output %d: key %s%s is not snake_case", i, path, k)
					}
					check(path+k+".", x)
				}
			case []any:
				for _, x := range v {
					check(path, x)
				}
			}
		}
		check("", v)
		if v["id"] != float64(1) || v["url"] != srv.URL+"/a.html" || v["title"] != "没有日期的文章" || v["first_seen_at"] == nil {
			t.Errorf("output %d lacks the article's id, url, title or first_seen_at:\n%s", i, doc)
		}
		if _, ok := v["published"]; ok {
			t.Errorf("output %d has a published time for a page that gives none:\n%s", i, doc)
		}
	}
	var full struct {
		Text     string `json:"text"`
		Versions []struct {
			Seq  int    `json:"seq"`
			Hash string `json:"hash"`
		} `json:"versions"`
	}
	if err := json.Unmarshal([]byte(show), &full); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(full.Text, "存档时只记录") || len(full.Versions) != 1 || full.Versions[0].Seq != 1 || full.Versions[0].Hash == "" {
		t.Errorf("show --json lacks the text or the version list:\n%s", show)
	}
}
