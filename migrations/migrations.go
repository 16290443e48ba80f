// Package migrations holds the versioned SQL schema, one folder per database dialect,
// embedded in the binary and applied with goose.
package migrations

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Dialect names a supported database.
type Dialect string

// The supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// lockID is the PostgreSQL advisory lock that migrations and grants take: goose's own, so that
// a goose command run by hand waits for a starting server and the other way round.
const lockID = lock.DefaultLockID

// Waiting for the lock: probed every lockProbe seconds, lockProbes times (15 minutes), while
// another process applies migrations.
const (
	lockProbe  = 1
	lockProbes = 900
)

func provider(db *sql.DB, d Dialect) (*goose.Provider, error) {
	var gd goose.Dialect
	var opts []goose.ProviderOption
	switch d {
	case Postgres:
		gd = goose.DialectPostgres
		// Several server processes on one database (behind a load balancer, or a rolling
		// deploy) all migrate at start: one applies the migrations under a session-level
		// advisory lock, the others wait for it and then find nothing left to do. Without it two
		// of them run the same migration at once and one fails.
		l, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(lockProbe, lockProbes))
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(l))
	case SQLite:
		gd = goose.DialectSQLite3
	default:
		return nil, fmt.Errorf("migrations: unknown dialect %q", d)
	}
	sub, err := fs.Sub(files, string(d))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	opts = append(opts, goose.WithGoMigrations(searchKeysMigration(d)))
	return goose.NewProvider(gd, db, sub, opts...)
}

// Fingerprint is a digest of the dialect's migration files, names and contents: two binaries
// with the same fingerprint build the same schema (tests key their template database by it).
func Fingerprint(d Dialect) string {
	h := sha256.New()
	entries, _ := fs.ReadDir(files, string(d)) // sorted by name
	for _, e := range entries {
		b, _ := fs.ReadFile(files, string(d)+"/"+e.Name())
		fmt.Fprintf(h, "%s %d\n", e.Name(), len(b))
		h.Write(b)
	}
	fmt.Fprintf(h, "%s\n", searchKeysVersion) // the Go migrations
	return hex.EncodeToString(h.Sum(nil))
}

// Up applies every migration not yet applied and returns how many ran.
func Up(ctx context.Context, db *sql.DB, d Dialect) (int, error) {
	p, err := provider(db, d)
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate up: %w", err)
	}
	return len(res), nil
}

// DownTo rolls back every migration above version (for tests of a migration).
func DownTo(ctx context.Context, db *sql.DB, d Dialect, version int64) error {
	p, err := provider(db, d)
	if err != nil {
		return err
	}
	if _, err := p.DownTo(ctx, version); err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// Status is one migration and whether it has been applied.
type Status struct {
	Version int64
	Name    string
	Applied bool
}

// List reports every known migration and whether it has been applied.
func List(ctx context.Context, db *sql.DB, d Dialect) ([]Status, error) {
	p, err := provider(db, d)
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate status: %w", err)
	}
	out := make([]Status, 0, len(st))
	for _, s := range st {
		out = append(out, Status{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied})
	}
	return out, nil
}
