package database_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/database"
	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

func needPostgres(t *testing.T) {
	t.Helper()
	dbtest.NeedPostgres(t, "SQLite has no roles (its triggers alone refuse UPDATE and DELETE of audit rows)")
}

// twoRoles makes an empty database, an owner role that may create tables and extensions in it, and an
// application role, and opens the database as the application with the owner for migrations.
func twoRoles(t *testing.T) (db *database.DB, dbURL, ownerURL, appURL string) {
	t.Helper()
	ctx := context.Background()
	dbURL = dbtest.URL(t)
	owner, ownerURL := dbtest.Role(t, dbURL)
	_, appURL = dbtest.Role(t, dbURL)
	su, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer su.Close(ctx)
	// As deploy/postgres-init makes it: the owner may create in the schema and, owning the
	// database there, create trusted extensions (pg_trgm) in it.
	var name string
	if err := su.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	for _, grant := range []string{"GRANT CREATE ON SCHEMA public TO " + owner, `GRANT CREATE ON DATABASE "` + name + `" TO ` + owner} {
		if _, err := su.Exec(ctx, grant); err != nil {
			t.Fatal(err)
		}
	}
	db, err = database.Open(ctx, database.Options{URL: appURL, MigrateURL: ownerURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dbURL, ownerURL, appURL
}

func sqlstate(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// TestAuditLogIsAppendOnlyForTheAppRole: migrated by a separate owner, the server's own role
// may read and append audit rows but neither change, delete, truncate nor alter the table (so it
// cannot disable the refusing triggers either), while every ordinary write of the server works.
func TestAuditLogIsAppendOnlyForTheAppRole(t *testing.T) {
	needPostgres(t)
	ctx := context.Background()
	db, _, _, appURL := twoRoles(t)
	n, err := db.Migrate(ctx)
	if err != nil || n == 0 {
		t.Fatalf("migrate as the owner: %d applied, %v", n, err)
	}
	// Every migrate grants again (new tables get grants); nothing is pending the second time.
	if n, err := db.Migrate(ctx); err != nil || n != 0 {
		t.Fatalf("second migrate: %d applied, %v", n, err)
	}

	app, err := pgx.Connect(ctx, appURL)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(ctx)
	if _, err := app.Exec(ctx, `INSERT INTO audit_log (at, actor_username, action, entity) VALUES (now(), 'test', 'create', 'unit')`); err != nil {
		t.Fatalf("the application may append to the audit log: %v", err)
	}
	var rows int
	if err := app.QueryRow(ctx, "SELECT count(*) FROM audit_log").Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("the application may read the audit log: %d rows, %v", rows, err)
	}
	for _, q := range []string{
		"UPDATE audit_log SET action = 'forged'",
		"DELETE FROM audit_log",
		"TRUNCATE audit_log",
		"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
		"ALTER TABLE audit_log DISABLE TRIGGER ALL",
		"DROP TABLE audit_log",
		"DELETE FROM goose_db_version",
		"SELECT FROM audit_log FOR UPDATE",
	} {
		_, err := app.Exec(ctx, q)
		if got := sqlstate(err); got != "42501" {
			t.Errorf("%s as the application role: SQLSTATE %q (%v), want 42501 insufficient privilege", q, got, err)
		}
	}

	// The server's ordinary writes, through the services, as the application role.
	set, err := services.NewSet(db.DB, func() time.Time { return time.Now().UTC() }, services.AuthConfig{Secret: []byte("privileges-test-key-0123456789-abcdef"), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	sys := services.System
	state, err := set.Units.Create(ctx, sys, services.UnitInput{Level: models.LevelState, Code: "ZZ", Name: "Zedland"})
	if err != nil {
		t.Fatalf("create a unit as the application role: %v", err)
	}
	csv := "level,code,name,parent_code\ndistrict,ZZ-A,Alpha,ZZ\nassembly,ZZ-A-1,Alpha One,ZZ-A\nbooth,ZZ-A-1-B1,Booth 1,ZZ-A-1\n"
	if _, err := set.Imports.Units(ctx, sys, strings.NewReader(csv), services.AllOrNothing); err != nil {
		t.Fatalf("import units (COPY, temporary tables) as the application role: %v", err)
	}
	people := "name,gender,category,home_unit_code,committee_unit_code,position\nAsha Devi,female,SC,ZZ-A-1-B1,ZZ-A-1-B1,president\n"
	if _, err := set.Imports.People(ctx, sys, strings.NewReader(people), services.AllOrNothing); err != nil {
		t.Fatalf("import people as the application role: %v", err)
	}
	booth, err := set.Units.UnitByCode(ctx, sys, "ZZ-A-1-B1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := set.People.Create(ctx, sys, services.PersonInput{Name: "Ravi Kumar", Gender: models.GenderMale, Category: models.CategoryOBC, HomeUnitID: &booth.ID})
	if err != nil {
		t.Fatalf("create a person as the application role: %v", err)
	}
	seat, err := set.Committees.Seat(ctx, sys, booth.ID, p.Person.ID, models.PositionMember)
	if err != nil {
		t.Fatalf("seat a person as the application role: %v", err)
	}
	if err := set.Committees.EndSeat(ctx, sys, booth.ID, seat.Seat.ID); err != nil {
		t.Fatalf("end a seat as the application role: %v", err)
	}
	if _, err := set.Users.Create(ctx, sys, services.UserInput{Username: "zz.office", Password: "a-long-password", Role: models.RoleStateOffice, ScopeUnitID: &state.ID}); err != nil {
		t.Fatalf("create a user as the application role: %v", err)
	}
	if _, err := set.Users.Create(ctx, sys, services.UserInput{Username: "zz.admin", Password: "a-long-password", Role: models.RoleAdmin}); err != nil {
		t.Fatalf("create a user as the application role: %v", err)
	}
	if _, err := set.Auth.Login(ctx, "zz.admin", "a-long-password", "192.0.2.1"); err != nil {
		t.Fatalf("log in as the application role: %v", err)
	}
	if _, err := set.Auth.Login(ctx, "zz.admin", "wrong-password", "192.0.2.1"); services.ErrorCode(err) != services.EUnauthenticated {
		t.Fatalf("a failed login as the application role: %v", err)
	}
	if err := app.QueryRow(ctx, "SELECT count(*) FROM audit_log").Scan(&rows); err != nil || rows < 5 {
		t.Fatalf("the writes were audited: %d rows, %v", rows, err)
	}

	// The start-up check finds nothing to warn about.
	w, err := db.PrivilegeWarnings(ctx)
	if err != nil || len(w) != 0 {
		t.Errorf("warnings for the application role: %q, %v", w, err)
	}
}

// TestMigrateRefusesTheAppRoleAsOwner: the owner must be another role than the server's.
func TestMigrateRefusesTheAppRoleAsOwner(t *testing.T) {
	needPostgres(t)
	ctx := context.Background()
	dbURL := dbtest.URL(t)
	_, appURL := dbtest.Role(t, dbURL)
	db, err := database.Open(ctx, database.Options{URL: appURL, MigrateURL: appURL + "&application_name=migrate"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "owner must be another role") {
		t.Fatalf("migrate with the application role as owner: %v", err)
	}
}

// TestPrivilegeWarnings: the start-up check names a superuser and the owner of audit_log.
func TestPrivilegeWarnings(t *testing.T) {
	needPostgres(t)
	ctx := context.Background()
	db, dbURL, ownerURL, _ := twoRoles(t)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, url, want string
	}{
		{"superuser", dbURL, "a superuser"},
		{"owner", ownerURL, "the owner of audit_log"},
	} {
		d, err := database.Open(ctx, database.Options{URL: c.url})
		if err != nil {
			t.Fatal(err)
		}
		w, err := d.PrivilegeWarnings(ctx)
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(w, "\n"), c.want) {
			t.Errorf("connected as the %s: warnings %q, want one saying %q", c.name, w, c.want)
		}
	}
}
