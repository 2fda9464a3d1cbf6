package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
)

// Several processes (here: several handles on one file) making a new
// store at once all open it: each migration is applied once.
func TestStoresOpenedAtOnceMigrateOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newsvault.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := Open(context.Background(), path)
			if err == nil {
				st.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n, distinct int
	if err := st.db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != len(migrations) || distinct != n {
		t.Errorf("%d migration rows (%d distinct), want %d", n, distinct, len(migrations))
	}
}
