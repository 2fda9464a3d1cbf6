package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/newsvault/newsvault/internal/store/pgtest"
	"github.com/newsvault/newsvault/internal/store/postgres"
	"github.com/newsvault/newsvault/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// migrated prepares the database every test's is a copy of.
func migrated(dsn string) error {
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		return err
	}
	return s.Close()
}

func open(t *testing.T) *postgres.Store {
	s, err := postgres.Open(context.Background(), pgtest.Prepared(t, migrated))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestConformance runs the store conformance suite, which the embedded
// store runs too.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
}

// TestCorpusRecallConformance is the suite's substring recall over part of
// the shared corpus, its longest articles included.
func TestCorpusRecallConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("imports part of the shared corpus")
	}
	s := open(t)
	defer s.Close()
	storetest.CorpusRecall(t, s, 400, 100)
}

// TestOpenTwiceMigratesOnce opens one database from two stores at once:
// the advisory lock makes the second wait and find the schema done.
func TestOpenTwiceMigratesOnce(t *testing.T) {
	dsn := pgtest.DSN(t)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			s, err := postgres.Open(context.Background(), dsn)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
