// Package dbtest gives tests a fresh, migrated database: an embedded SQLite file by default,
// or a new PostgreSQL database when SANGATHAN_TEST_DATABASE_URL is set. Each call makes its own
// database and drops it when the test ends, so tests share no rows.
//
// On PostgreSQL the schema is migrated once into a template database named by a digest of the
// migration files, and every test database is a copy of it (CREATE DATABASE … TEMPLATE), which
// is several times faster than migrating each one. Concurrent test binaries build the template
// under an advisory lock, so it is built once per set of migrations.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sangathan/sangathan/database"
	"github.com/sangathan/sangathan/migrations"
)

// EnvURL names the variable that selects PostgreSQL for tests.
const EnvURL = "SANGATHAN_TEST_DATABASE_URL"

// NeedPostgres skips t, saying why (what only PostgreSQL has), unless the tests run on
// PostgreSQL.
func NeedPostgres(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(EnvURL) == "" {
		t.Skip("PostgreSQL only: " + why + "; set " + EnvURL + " to run this test")
	}
}

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
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("dbtest: %v", err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}

	tpl, err := template(ctx, base)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	// createDatabase's cleanup drops the database; registered first, it runs after Close.
	db, err := database.Open(ctx, database.Options{URL: createDatabase(t, base, tpl)})
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
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
	return createDatabase(t, base, "")
}

// createDatabase gives t a database of its own, a copy of tpl (or empty when tpl is empty), and
// drops it when t ends.
func createDatabase(t testing.TB, base, tpl string) string {
	t.Helper()
	var name string
	var err error
	if tpl == "" {
		name, err = makeDatabase(context.Background(), base, "")
	} else {
		name, err = spareCopy(base, tpl)
	}
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	// DROP DATABASE waits for a checkpoint (about a second on a busy machine), so the test does
	// not wait for it; what the process leaves behind when it exits, the next one drops.
	t.Cleanup(func() { go dropDatabase(base, name) })
	return withDatabase(base, name)
}

// makeDatabase creates a database named after this process, a copy of tpl unless tpl is empty.
func makeDatabase(ctx context.Context, base, tpl string) (string, error) {
	owner, err := processOwner(ctx, base)
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("sangathan_test_%08x_%s", owner, randomHex(5))
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer c.Close(ctx)
	ddl := "CREATE DATABASE " + name
	if tpl != "" {
		ddl += " TEMPLATE " + tpl
	}
	if _, err := c.Exec(ctx, ddl); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	return name, nil
}

// Copies of the template are made ahead, a few at a time, while the tests run: a test waits for
// its copy (CREATE DATABASE writes the whole template to the WAL, a few hundred milliseconds) only
// when none is ready. Copies still waiting when the process exits are dropped as orphans.
var spares struct {
	once sync.Once
	ch   chan spare
}

type spare struct {
	name string
	err  error
}

func spareCopy(base, tpl string) (string, error) {
	spares.once.Do(func() {
		spares.ch = make(chan spare, 2)
		go func() {
			for {
				name, err := makeDatabase(context.Background(), base, tpl)
				spares.ch <- spare{name, err}
			}
		}()
	})
	s := <-spares.ch
	return s.name, s.err
}

// dropSlots bounds the drops in flight. Each DROP DATABASE waits for a checkpoint, and drops in
// flight together share one, so several at once drop far more per second than one at a time
// (measured on a busy 2-core machine: 2.2 s a drop one at a time, 0.6 s with 4, 0.35 s with 16);
// 8 keeps up with the tests without taking many of the server's connections.
var dropSlots = make(chan struct{}, 8)

func dropDatabase(base, name string) {
	dropSlots <- struct{}{}
	defer func() { <-dropSlots }()
	c, err := pgx.Connect(context.Background(), base)
	if err != nil {
		return
	}
	defer c.Close(context.Background())
	_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
}

// Every test process holds an advisory lock (ownerLockSpace, its owner id) for as long as it
// lives, on a connection it never closes, and names its databases after that id. A test database
// whose owner holds no lock belongs to a process that has ended and is dropped.
const ownerLockSpace = 0x53475444 // "SGTD"

var owner struct {
	once sync.Once
	id   uint32
	conn *pgx.Conn // kept open: the lock lives as long as the process
	err  error
}

func processOwner(ctx context.Context, base string) (uint32, error) {
	owner.once.Do(func() {
		owner.conn, owner.err = pgx.Connect(ctx, base)
		if owner.err != nil {
			owner.err = fmt.Errorf("connect: %w", owner.err)
			return
		}
		for locked := false; !locked; {
			b := make([]byte, 4)
			_, _ = rand.Read(b)
			owner.id = binary.BigEndian.Uint32(b) & 0x7fffffff
			err := owner.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1, $2)", int32(ownerLockSpace), int32(owner.id)).Scan(&locked)
			if err != nil {
				owner.err = fmt.Errorf("owner lock: %w", err)
				return
			}
		}
		go dropOrphans(base)
	})
	return owner.id, owner.err
}

// dropOrphans drops the test databases of processes that have ended.
func dropOrphans(base string) {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		return
	}
	names, err := orphans(ctx, c)
	c.Close(ctx)
	if err != nil {
		return
	}
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func() { defer wg.Done(); dropDatabase(base, n) }()
	}
	wg.Wait()
}

// orphans lists the test databases whose owner process holds no lock, that is, has ended.
func orphans(ctx context.Context, c *pgx.Conn) ([]string, error) {
	rows, err := c.Query(ctx, `SELECT datname FROM pg_database d
		WHERE datname ~ '^sangathan_test_[0-9a-f]{8}_[0-9a-f]+$'
		  AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
		        AND l.classid::bigint = $1 AND l.objsubid = 2
		        AND l.objid::bigint = ('x' || substr(d.datname, 16, 8))::bit(32)::bigint)`, int64(ownerLockSpace))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// withDatabase returns base pointing at database name.
func withDatabase(base, name string) string {
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

var tpl struct {
	once sync.Once
	name string
	err  error
}

// template returns the name of the migrated template database, building it on first use.
func template(ctx context.Context, base string) (string, error) {
	tpl.once.Do(func() { tpl.name, tpl.err = ensureTemplate(ctx, base) })
	return tpl.name, tpl.err
}

// templateLock is the advisory lock key under which template databases are built.
const templateLock = 0x5347_5450_4c00 // "SGTPL"

// ensureTemplate makes sure the template for this binary's migrations exists. It is built under
// another name and renamed when complete, so a template that exists is always whole; a build
// database left by a crashed run is found (and dropped) under the lock, where no build runs.
func ensureTemplate(ctx context.Context, base string) (string, error) {
	name := "sangathan_tpl_" + migrations.Fingerprint(migrations.Postgres)[:16]
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", fmt.Errorf("template: connect: %w", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return "", fmt.Errorf("template: lock: %w", err)
	}
	defer func() { _, _ = c.Exec(ctx, "SELECT pg_advisory_unlock($1)", templateLock) }()

	var exists bool
	if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	if exists {
		return name, nil
	}
	rows, err := c.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'sangathan\_tpl\_%\_build\_%'`)
	if err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	for _, s := range stale {
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+s+" WITH (FORCE)")
	}

	build := name + "_build_" + randomHex(4)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+build); err != nil {
		return "", fmt.Errorf("template: create: %w", err)
	}
	if err := migrateDatabase(ctx, withDatabase(base, build)); err != nil {
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+build+" WITH (FORCE)")
		return "", fmt.Errorf("template: %w", err)
	}
	// A closed connection's backend may linger for a moment, and a database with sessions can
	// be neither renamed nor copied.
	var renameErr error
	for i := 0; i < 50; i++ {
		if _, renameErr = c.Exec(ctx, "ALTER DATABASE "+build+" RENAME TO "+name); renameErr == nil {
			return name, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+build+" WITH (FORCE)")
	return "", fmt.Errorf("template: rename: %w", renameErr)
}

func migrateDatabase(ctx context.Context, u string) error {
	db, err := database.Open(ctx, database.Options{URL: u})
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Migrate(ctx)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("dbtest: %v", err))
	}
	return hex.EncodeToString(b)
}

// Role creates a PostgreSQL login role with a unique name and a random password, and returns its
// name and dbURL (a database of URL or New's) with that role as the user. When t ends, whatever
// the role owns or was granted in that database is dropped (DROP OWNED BY), then the role; call
// Role after URL and before opening connections as the role, so that they close first.
// It fails the test on SQLite.
func Role(t testing.TB, dbURL string) (name, roleURL string) {
	t.Helper()
	if os.Getenv(EnvURL) == "" {
		t.Fatal("dbtest: Role needs PostgreSQL (" + EnvURL + ")")
	}
	ctx := context.Background()
	name, password := "sangathan_role_"+randomHex(6), randomHex(16)
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("dbtest: connect: %v", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE ROLE "+name+" LOGIN PASSWORD '"+password+"'"); err != nil {
		t.Fatalf("dbtest: create role: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if c, err := pgx.Connect(ctx, dbURL); err == nil {
			_, _ = c.Exec(ctx, "DROP OWNED BY "+name+" CASCADE")
			c.Close(ctx)
		}
		if c, err := pgx.Connect(ctx, dbURL); err == nil {
			if _, err := c.Exec(ctx, "DROP ROLE IF EXISTS "+name); err != nil {
				t.Errorf("dbtest: drop role %s: %v", name, err)
			}
			c.Close(ctx)
		}
	})
	u, _ := url.Parse(dbURL)
	u.User = url.UserPassword(name, password)
	return name, u.String()
}
