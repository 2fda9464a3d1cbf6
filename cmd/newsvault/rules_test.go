package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnOperatorsSiteRuleChangesWhatArchiveStores archives the same page
// twice, without and with a rules directory holding a rule for the page's
// host, and reads back what was stored: the rule's strip directive removes
// the paragraph the rule strips that generic extraction keeps, and its title
// directive picks the headline.
func TestAnOperatorsSiteRuleChangesWhatArchiveStores(t *testing.T) {
	para := strings.Repeat("市政府今天公布了新的公共交通规划，地铁和公交线路将在未来两年内逐步调整。", 6)
	page := `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>网站标题 - 示例新闻网</title></head><body>
<article><h1>网站标题</h1><h2 class="headline">运营者规则选出的标题</h2>
<p>` + para + `</p>
<p class="recap">记者王小明在车站采访了多位乘客，他们普遍表示欢迎这次调整，也希望换乘更加方便。</p>
<p>` + para + `</p>
</article></body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	defer srv.Close()
	pageURL := srv.URL + "/news/1.html"

	rules := t.TempDir()
	rule := "# The operator's rule for the test site.\ntitle: //h2[@class=\"headline\"]\nbody: //article\nstrip: //p[@class=\"recap\"]\n"
	if err := os.WriteFile(filepath.Join(rules, "127.0.0.1.txt"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}

	archived := func(extra ...string) string {
		t.Helper()
		ctx, data := context.Background(), t.TempDir()
		if out, err := run(t, ctx, data, append(extra, "archive", pageURL)...); err != nil {
			t.Fatalf("archive %v: %v\n%s", extra, err, out)
		}
		out, err := run(t, ctx, data, "show", pageURL)
		if err != nil {
			t.Fatalf("show: %v\n%s", err, out)
		}
		return out
	}
	generic := archived()
	if !strings.Contains(generic, "记者王小明") {
		t.Fatalf("without rules the paragraph the rule strips is not stored, so this test proves nothing:\n%s", generic)
	}
	ruled := archived("--rules", rules)
	if strings.Contains(ruled, "记者王小明") {
		t.Errorf("with the operator's rule the paragraph the rule strips is still stored:\n%s", ruled)
	}
	if !strings.HasPrefix(ruled, "运营者规则选出的标题\n") || !strings.Contains(ruled, "市政府今天公布") {
		t.Errorf("with the operator's rule, want its title and the article's text:\n%s", ruled)
	}

	// The environment variable names the same directory.
	t.Setenv("NEWSVAULT_RULES", rules)
	if got := archived(); strings.Contains(got, "记者王小明") {
		t.Errorf("with NEWSVAULT_RULES the paragraph the rule strips is still stored:\n%s", got)
	}
}

func TestABadRulesDirectoryIsReported(t *testing.T) {
	_, err := run(t, context.Background(), t.TempDir(), "--rules", filepath.Join(t.TempDir(), "missing"), "list")
	if err == nil || !strings.Contains(err.Error(), "--rules") {
		t.Errorf("a missing rules directory: err = %v, want one naming --rules", err)
	}
}
