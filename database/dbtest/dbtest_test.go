package dbtest

import (
	"context"
	"net/url"
	"os"
	"slices"
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

// TestOrphansOfEndedProcessesAreFound: a test database named after an owner that holds no lock
// is an orphan; one of this (living) process is not.
func TestOrphansOfEndedProcessesAreFound(t *testing.T) {
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
	orphan := "sangathan_test_7ffffffe_" + randomHex(5)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+orphan); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropDatabase(base, orphan) })
	names, err := orphans(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(mine)
	if !slices.Contains(names, orphan) {
		t.Error("the database of an ended process is not an orphan")
	}
	if slices.Contains(names, strings.TrimPrefix(u.Path, "/")) {
		t.Errorf("this process's database %s is taken for an orphan", u.Path)
	}
}
