package dbtest

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestCopiesAreMigratedAndSeparate: each database is a migrated copy of the template, and a
// row in one is not in another.
func TestCopiesAreMigratedAndSeparate(t *testing.T) {
	a, b := New(t), New(t)
	if err := a.Exec("INSERT INTO units (level, code, name, path, depth, created_at, updated_at) VALUES ('state', 'ZZ', 'Zedland', '/1/', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)").Error; err != nil {
		t.Fatalf("insert into a migrated copy: %v", err)
	}
	var n int64
	if err := b.Raw("SELECT count(*) FROM units").Scan(&n).Error; err != nil || n != 0 {
		t.Fatalf("the other copy has %d units (%v), want 0", n, err)
	}
}

// TestOrphansOfEndedProcessesAreDropped: a test database named after an owner that holds no
// lock is dropped; one of this (living) process is not.
func TestOrphansOfEndedProcessesAreDropped(t *testing.T) {
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Skip("PostgreSQL only: set " + EnvURL)
	}
	ctx := context.Background()
	mine := URL(t)
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	const orphan = "sangathan_test_7ffffffe_0123456789"
	if _, err := c.Exec(ctx, "CREATE DATABASE "+orphan); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropDatabase(base, orphan) })
	dropOrphans(base)
	exists := func(name string) bool {
		var ok bool
		if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if exists(orphan) {
		t.Error("the database of an ended process was kept")
	}
	u, _ := url.Parse(mine)
	if name := strings.TrimPrefix(u.Path, "/"); !exists(name) {
		t.Errorf("this process's database %s was dropped", name)
	}
}
