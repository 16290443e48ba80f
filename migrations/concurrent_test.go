package migrations_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/migrations"
)

// starts is how many server processes the tests below start at once.
const starts = 6

func needPostgres(t *testing.T) {
	t.Helper()
	dbtest.NeedPostgres(t, "several server processes share one database only there")
}

func openPool(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Several server processes started at once on an empty database (the upstreams of a load
// balancer, a rolling deploy) all migrate it: one applies each migration, the others wait for it
// and then find nothing left to do. Without a lock two of them create the same type or table at
// once and one fails.
func TestUpFromSeveralProcessesAtOnce(t *testing.T) {
	needPostgres(t)
	ctx := context.Background()
	url := dbtest.URL(t)
	var wg sync.WaitGroup
	applied := make([]int, starts)
	errs := make([]error, starts)
	for i := range starts {
		db := openPool(t, url) // a pool of its own, as a process has
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = migrations.Up(ctx, db, migrations.Postgres)
		}()
	}
	wg.Wait()
	total := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("start %d: %v", i, err)
		}
		total += applied[i]
	}
	st, err := migrations.List(ctx, openPool(t, url), migrations.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if !s.Applied {
			t.Errorf("migration %d not applied", s.Version)
		}
	}
	if total != len(st) {
		t.Errorf("%d migrations applied in all, want each of the %d once", total, len(st))
	}
}

// With a separate owner every start grants the server's role its privileges after migrating;
// several starts at once must not trip over each other's GRANT and REVOKE (PostgreSQL answers
// "tuple concurrently updated" to two transactions changing one object's privileges).
func TestGrantAppFromSeveralProcessesAtOnce(t *testing.T) {
	needPostgres(t)
	ctx := context.Background()
	url := dbtest.URL(t)
	if _, err := migrations.Up(ctx, openPool(t, url), migrations.Postgres); err != nil {
		t.Fatal(err)
	}
	role, _ := dbtest.Role(t, url)
	for round := range 3 {
		var wg sync.WaitGroup
		errs := make([]error, starts)
		for i := range starts {
			db := openPool(t, url)
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = migrations.GrantApp(ctx, db, role)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, start %d: %v", round, i, err)
			}
		}
	}
}
