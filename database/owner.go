package database

import (
	"context"
	"database/sql"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for the owner's connection

	"github.com/sangathan/sangathan/migrations"
)

// separateOwner reports whether migrations run as another role than the server's own.
func (d *DB) separateOwner() bool {
	return d.Dialect == migrations.Postgres && d.opts.MigrateURL != "" && d.opts.MigrateURL != d.opts.URL
}

// Migrate applies pending migrations and returns how many ran.
//
// With a separate owner (Options.MigrateURL on PostgreSQL) it runs them over the owner's own
// connection and then grants the server's role — the user of Options.URL — exactly what the
// server needs, and on the audit log only SELECT and INSERT (migrations.GrantApp). The grants are
// applied on every call, so tables added by new migrations are covered. It refuses when both
// URLs name the same role, a role that is a member of the owner, or different databases.
func (d *DB) Migrate(ctx context.Context) (int, error) {
	if !d.separateOwner() {
		sqlDB, err := d.DB.DB()
		if err != nil {
			return 0, err
		}
		return migrations.Up(ctx, sqlDB, d.Dialect)
	}
	var app, appDB string
	if err := d.WithContext(ctx).Raw("SELECT current_user, current_database()").Row().Scan(&app, &appDB); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	owner, err := d.openOwner(ctx)
	if err != nil {
		return 0, err
	}
	defer owner.Close()
	var ownerRole, ownerDB string
	var member bool
	if err := owner.QueryRowContext(ctx, "SELECT current_user, current_database(), pg_has_role($1, current_user, 'MEMBER')", app).
		Scan(&ownerRole, &ownerDB, &member); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	switch {
	case ownerRole == app:
		return 0, fmt.Errorf("migrate: SANGATHAN_MIGRATE_DATABASE_URL and SANGATHAN_DATABASE_URL both log in as %q; the owner must be another role", app)
	case member:
		return 0, fmt.Errorf("migrate: the server's role %q is a member of the owner %q and would hold its privileges", app, ownerRole)
	case ownerDB != appDB:
		return 0, fmt.Errorf("migrate: SANGATHAN_MIGRATE_DATABASE_URL names database %q, SANGATHAN_DATABASE_URL %q", ownerDB, appDB)
	}
	n, err := migrations.Up(ctx, owner, migrations.Postgres)
	if err != nil {
		return n, err
	}
	return n, migrations.GrantApp(ctx, owner, app)
}

// MigrationStatus lists every known migration and whether it has been applied, read as the
// migration owner (the server's role may not read goose's table).
func (d *DB) MigrationStatus(ctx context.Context) ([]migrations.Status, error) {
	if !d.separateOwner() {
		sqlDB, err := d.DB.DB()
		if err != nil {
			return nil, err
		}
		return migrations.List(ctx, sqlDB, d.Dialect)
	}
	owner, err := d.openOwner(ctx)
	if err != nil {
		return nil, err
	}
	defer owner.Close()
	return migrations.List(ctx, owner, migrations.Postgres)
}

func (d *DB) openOwner(ctx context.Context) (*sql.DB, error) {
	owner, err := sql.Open("pgx", d.opts.MigrateURL)
	if err != nil {
		return nil, fmt.Errorf("open migration owner: %w", err)
	}
	owner.SetMaxOpenConns(1)
	if err := owner.PingContext(ctx); err != nil {
		owner.Close()
		return nil, fmt.Errorf("open migration owner: %w", err)
	}
	return owner, nil
}

// PrivilegeWarnings says why the server's own database user could rewrite the audit log: it is
// a superuser, or it owns audit_log (or is a member of the role that does), and an owner may
// ALTER TABLE … DISABLE TRIGGER and then change rows. Empty on SQLite, whose triggers are the
// only guard, and for a role limited as Migrate grants with a separate owner.
func (d *DB) PrivilegeWarnings(ctx context.Context) ([]string, error) {
	if d.Dialect != migrations.Postgres {
		return nil, nil
	}
	var role string
	var super bool
	var owner sql.NullString
	var member sql.NullBool
	err := d.WithContext(ctx).Raw(`SELECT r.rolname, r.rolsuper, t.tableowner::text, pg_has_role(current_user, t.tableowner, 'MEMBER')
		FROM pg_roles r LEFT JOIN pg_tables t ON t.schemaname = current_schema() AND t.tablename = 'audit_log'
		WHERE r.rolname = current_user`).Row().Scan(&role, &super, &owner, &member)
	if err != nil {
		return nil, fmt.Errorf("check privileges: %w", err)
	}
	var w []string
	if super {
		w = append(w, fmt.Sprintf("the server connects to the database as %q, a superuser: it could change or delete audit log rows", role))
	}
	switch {
	case owner.Valid && owner.String == role:
		w = append(w, fmt.Sprintf("the server connects to the database as %q, the owner of audit_log: it could disable the append-only triggers; set SANGATHAN_MIGRATE_DATABASE_URL to a separate owner (see the README)", role))
	case member.Valid && member.Bool && !super:
		w = append(w, fmt.Sprintf("the server connects to the database as %q, a member of audit_log's owner %q: it could disable the append-only triggers", role, owner.String))
	}
	return w, nil
}
