package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/newsvault/newsvault/internal/store/pgtest"
)

// TestMigrateToPostgresAndRunOnIt imports articles into the embedded
// store, migrates them to PostgreSQL, and then works on the copy through
// --store and NEWSVAULT_STORE: listing, showing, searching and tokens.
func TestMigrateToPostgresAndRunOnIt(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	data := t.TempDir()
	in := filepath.Join(t.TempDir(), "法广")
	os.MkdirAll(in, 0o755)
	for i := range 3 {
		os.WriteFile(filepath.Join(in, fmt.Sprintf("%d.md", i)), []byte(fmt.Sprintf(
			"<!--159527995%d000-->\n[迁移测试第%d篇](https://example.com/m/%d)\n------\n\n<p>迁移的正文，第%d篇。</p>\n", i, i, i, i)), 0o644)
	}
	if out, err := run(t, ctx, data, "import", in); err != nil || !strings.Contains(out, "3 new articles") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err := run(t, ctx, data, "tokens", "create", "ci"); err != nil {
		t.Fatalf("tokens create: %v\n%s", err, out)
	}
	if _, err := run(t, ctx, data, "migrate", "--to", "mysql://x"); err == nil {
		t.Error("migrate to a non-PostgreSQL URL succeeded")
	}
	out, err := run(t, ctx, data, "migrate", "--to", dsn, "--batch", "2")
	if err != nil || !strings.Contains(out, "the copy equals the source") || !tableRow(out, "articles", "3", "3") || !tableRow(out, "api_tokens", "1", "1") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if out, err := run(t, ctx, data, "migrate", "--to", dsn); err != nil || !strings.Contains(out, "copied 0 rows") {
		t.Errorf("second migrate: %v\n%s", err, out)
	}
	// The copy, through --store: a different data directory holds no
	// database, so what is listed comes from PostgreSQL.
	other := t.TempDir()
	out, err = run(t, ctx, other, "--store", dsn, "list")
	if err != nil || !strings.Contains(out, "迁移测试第2篇") || !strings.Contains(out, "迁移测试第0篇") {
		t.Errorf("list on the copy: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(other, "newsvault.db")); err == nil {
		t.Error("--store postgres:// made an SQLite file")
	}
	t.Setenv("NEWSVAULT_STORE", dsn)
	out, err = run(t, ctx, other, "tokens", "list")
	if err != nil || !strings.Contains(out, "ci") {
		t.Errorf("tokens on the copy: %v\n%s", err, out)
	}
	out, err = run(t, ctx, other, "show", "https://example.com/m/1")
	if err != nil || !strings.Contains(out, "迁移的正文，第1篇") {
		t.Errorf("show on the copy: %v\n%s", err, out)
	}
	if _, err := run(t, ctx, other, "--store", "mysql://x", "list"); err == nil {
		t.Error("--store with a non-PostgreSQL URL was accepted")
	}
}

// tableRow reports whether a line of out starts with the given fields.
func tableRow(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= len(fields) && slices.Equal(f[:len(fields)], fields) {
			return true
		}
	}
	return false
}
