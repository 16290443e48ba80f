package services_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestNamesRefuseBidiControls: bidirectional embedding, override and isolate characters, which
// can make one name display as another, are refused in every name with a 422 naming the field.
func TestNamesRefuseBidiControls(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	root := e.newRoot(t)
	booth := e.newChild(t, models.LevelBooth, e.newChild(t, models.LevelAssembly, e.newChild(t, models.LevelDistrict, root)))
	for _, r := range []rune{0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069} {
		name := fmt.Sprintf("Ram%cnaeK", r)
		_, err := e.units.Create(ctx, services.System, services.UnitInput{Level: models.LevelDistrict, ParentID: &root.ID, Code: uniq("BIDI"), Name: name})
		wantErr(t, err, services.EInvalid, "name")
		_, err = e.units.Create(ctx, services.System, services.UnitInput{Level: models.LevelDistrict, ParentID: &root.ID, Code: uniq("BIDI"), Name: "Plain", NameHi: name})
		wantErr(t, err, services.EInvalid, "name_hi")
		_, err = e.set.People.Create(ctx, services.System, services.PersonInput{Name: name, Gender: models.GenderFemale, Category: models.CategorySC, HomeUnitID: &booth.ID})
		wantErr(t, err, services.EInvalid, "name")
		_, err = e.set.People.Create(ctx, services.System, services.PersonInput{Name: "Plain", NameHi: name, Gender: models.GenderFemale, Category: models.CategorySC, HomeUnitID: &booth.ID})
		wantErr(t, err, services.EInvalid, "name_hi")
	}
	// Joiners that Devanagari needs, and the plain direction marks, are not refused.
	e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelDistrict, ParentID: &root.ID, Code: uniq("ZWJ"), Name: "Plain", NameHi: "क्\u200dष \u200e"})
}

// TestConnectionErrorsAreUnavailable: PostgreSQL's connection exceptions (class 08) and
// terminated or starting backends (57P01–57P03) are Unavailable (503), not Internal (500).
func TestConnectionErrorsAreUnavailable(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"08000", "08003", "08006", "08001", "08004", "08P01", "57P01", "57P02", "57P03", "53300"} {
		err := fmt.Errorf("list units: %w", &pgconn.PgError{Severity: "FATAL", Code: code, Message: "terminating connection"})
		if got := services.ErrorCode(err); got != services.EUnavailable {
			t.Errorf("SQLSTATE %s: code %q, want %q", code, got, services.EUnavailable)
		}
		if msg := services.ErrorMessage(err); msg == "internal error" {
			t.Errorf("SQLSTATE %s: message %q", code, msg)
		}
	}
	for _, code := range []string{"42501", "40001", "57014", "XX000"} {
		err := fmt.Errorf("x: %w", &pgconn.PgError{Code: code})
		if got := services.ErrorCode(err); got == services.EUnavailable {
			t.Errorf("SQLSTATE %s is not a connection failure, got %q", code, got)
		}
	}
}

// TestKilledBackendIsUnavailable: service calls on a connection whose backend was terminated
// (pg_terminate_backend, SQLSTATE 57P01) fail with Unavailable, not Internal.
func TestKilledBackendIsUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if e.db.Dialect != "postgres" {
		t.Skip("PostgreSQL only: SQLite has no server backends to terminate")
	}
	ctx := context.Background()
	root := e.newRoot(t)
	sqlDB, err := e.db.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	// The services run on one pinned connection, so that the next statement goes to the killed
	// backend rather than to a fresh connection from the pool.
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var pid int
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	pinned, err := gorm.Open(postgres.New(postgres.Config{Conn: conn}), &gorm.Config{TranslateError: true, Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	set, err := services.NewSet(pinned, func() time.Time { return time.Now().UTC() }, services.AuthConfig{Secret: testSecret, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Units.Get(ctx, services.System, root.ID); err != nil {
		t.Fatalf("before the kill: %v", err)
	}

	// Terminate every other backend of this test database, as an administrator or a failover would.
	admin, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var killed int
	if err := admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("no backend was terminated")
	}
	waitGone(t, admin, pid)

	calls := map[string]func() error{
		"get unit":   func() error { _, err := set.Units.Get(ctx, services.System, root.ID); return err },
		"list units": func() error { _, err := set.Units.List(ctx, services.System, services.UnitFilter{}); return err },
		"create unit": func() error {
			_, err := set.Units.Create(ctx, services.System, services.UnitInput{Level: models.LevelDistrict, ParentID: &root.ID, Code: uniq("KILL"), Name: "After the kill"})
			return err
		},
	}
	for _, name := range []string{"get unit", "list units", "create unit"} {
		err := calls[name]()
		if got := services.ErrorCode(err); got != services.EUnavailable {
			t.Errorf("%s on the killed connection: code %q (%v), want %q", name, got, err, services.EUnavailable)
		}
	}
}

// waitGone waits until backend pid has left pg_stat_activity (a condition, not a time limit:
// the test framework's own timeout bounds it).
func waitGone(t *testing.T, db *sql.Conn, pid int) {
	t.Helper()
	for {
		var n int
		if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
