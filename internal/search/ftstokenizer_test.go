package search

import (
	"database/sql"
	"testing"
	"unicode"
	"unicode/utf8"

	_ "modernc.org/sqlite"
)

// TestTheIndexTokenizerKeepsEveryTokenWhole checks, for every rune the
// tokeniser can put in a token, that the FTS5 tokenizer of the store's index
// (migration 2 in internal/store/sqlite: ascii, which only splits at ASCII
// separators) keeps a token made of it as exactly one token. It would catch
// a SQLite change, or a change of tokenizer, that splits what we do not.
func TestTheIndexTokenizerKeepsEveryTokenWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("checks every Unicode code point")
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE VIRTUAL TABLE t USING fts5(body, content='', tokenize='ascii');
		CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')`); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	ins, err := tx.Prepare(`INSERT INTO t (rowid, body) VALUES (?, ?)`)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		var tok string
		switch classify(r) {
		case classSep:
			continue
		case classMark:
			tok = "a" + string(r) // a mark only occurs inside a run
		default:
			tok = string(r) + string(r)
		}
		if _, err := ins.Exec(int64(r), tok); err != nil {
			t.Fatal(err)
		}
		want++
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT doc, count(*) FROM v GROUP BY doc`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := 0
	for rows.Next() {
		var doc, n int64
		if err := rows.Scan(&doc, &n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("U+%04X: the index tokenizer makes %d tokens of it", doc, n)
		}
		got++
	}
	if got != want {
		t.Errorf("the index tokenizer kept %d of %d one-rune tokens", got, want)
	}
}
