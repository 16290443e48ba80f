package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sangathan/sangathan/database/dbtest"
)

// TestServeWarnsAboutASuperuser: connected as the test server's superuser (which also owns
// audit_log), the start-up check logs warnings naming both.
func TestServeWarnsAboutASuperuser(t *testing.T) {
	dbtest.NeedPostgres(t, "SQLite has no database users")
	setup(t)
	a, err := openApp(context.Background(), loadConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var buf bytes.Buffer
	a.log = slog.New(slog.NewTextHandler(&buf, nil))
	a.warnPrivileges(context.Background())
	out := buf.String()
	for _, want := range []string{"level=WARN", "a superuser", "the owner of audit_log"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up log lacks %q:\n%s", want, out)
		}
	}
}

// TestMigrateAsASeparateOwner: `migrate` runs as SANGATHAN_MIGRATE_DATABASE_URL and grants the
// server's role what it needs; the commands then work as that role, which cannot delete audit rows.
func TestMigrateAsASeparateOwner(t *testing.T) {
	dbtest.NeedPostgres(t, "SQLite has no database users")
	setup(t)
	ctx := context.Background()
	dbURL := os.Getenv("SANGATHAN_DATABASE_URL")
	owner, ownerURL := dbtest.Role(t, dbURL)
	_, appURL := dbtest.Role(t, dbURL)
	su, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer su.Close(ctx)
	// As deploy/postgres-init makes it: the owner may create in the schema and, owning the
	// database there, create trusted extensions (pg_trgm) in it.
	var dbName string
	if err := su.QueryRow(ctx, "SELECT current_database()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	for _, grant := range []string{"GRANT CREATE ON SCHEMA public TO " + owner, `GRANT CREATE ON DATABASE "` + dbName + `" TO ` + owner} {
		if _, err := su.Exec(ctx, grant); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("SANGATHAN_DATABASE_URL", appURL)
	t.Setenv("SANGATHAN_MIGRATE_DATABASE_URL", ownerURL)

	out, err := runCmd(t, "migrate")
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	out, err = runCmd(t, "migrate", "status")
	if err != nil || !strings.Contains(out, "applied") || strings.Contains(out, "pending") {
		t.Fatalf("migrate status: %v\n%s", err, out)
	}
	out, err = runCmd(t, "import", "units", writeFile(t, "u.csv", "level,code,name,parent_code\nstate,ZZ,Zedland,\ndistrict,ZZ-A,Alpha,ZZ\n"))
	if err != nil {
		t.Fatalf("import as the server's role: %v\n%s", err, out)
	}
	app, err := pgx.Connect(ctx, appURL)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(ctx)
	var owns string
	if err := su.QueryRow(ctx, "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'").Scan(&owns); err != nil || owns != owner {
		t.Errorf("audit_log is owned by %q (%v), want the migration owner %q", owns, err, owner)
	}
	_, err = app.Exec(ctx, "DELETE FROM audit_log")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("DELETE FROM audit_log as the server's role: %v, want permission denied (42501)", err)
	}
}
