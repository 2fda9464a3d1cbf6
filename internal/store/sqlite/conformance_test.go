package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/newsvault/newsvault/internal/store/sqlite"
	"github.com/newsvault/newsvault/internal/store/storetest"
)

func openConformance(t *testing.T) storetest.Store {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "nv.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestConformance runs the store conformance suite, which the PostgreSQL
// store runs too.
func TestConformance(t *testing.T) {
	storetest.Run(t, openConformance)
}

// TestCorpusRecallConformance is the suite's substring recall over part of
// the shared corpus.
func TestCorpusRecallConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("imports part of the shared corpus")
	}
	s := openConformance(t)
	defer s.Close()
	storetest.CorpusRecall(t, s, 400, 100)
}
