// Package dbtest gives tests a fresh, migrated database: an embedded SQLite file by default,
// or a new PostgreSQL database when SANGATHAN_TEST_DATABASE_URL is set. Each call makes its own
// database and drops it when the test ends, so tests share no rows.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sangathan/sangathan/database"
)

// EnvURL names the variable that selects PostgreSQL for tests.
const EnvURL = "SANGATHAN_TEST_DATABASE_URL"

// New returns a fresh migrated database for t.
func New(t testing.TB) *database.DB {
	t.Helper()
	ctx := context.Background()
	base := os.Getenv(EnvURL)
	if base == "" {
		db, err := database.Open(ctx, database.Options{SQLitePath: filepath.Join(t.TempDir(), "test.db")})
		if err != nil {
			t.Fatalf("dbtest: %v", err)
		}
		mustMigrate(t, db)
		t.Cleanup(func() { _ = db.Close() })
		return db
	}

	// URL's cleanup drops the database; registered first, it runs after Close.
	db, err := database.Open(ctx, database.Options{URL: URL(t)})
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	mustMigrate(t, db)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// URL returns a fresh, empty PostgreSQL database URL (dropped when t ends), or "" when tests run on SQLite.
// It lets a test exercise the binary's own migrate step.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		return ""
	}
	ctx := context.Background()
	name := "sangathan_test_" + randomHex(6)
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("dbtest: connect: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

func mustMigrate(t testing.TB, db *database.DB) {
	t.Helper()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("dbtest: %v", err))
	}
	return hex.EncodeToString(b)
}
