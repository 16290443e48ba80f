package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// AppendOnly are the tables the server may read and append to but never change: the audit log.
// The application role gets only SELECT and INSERT on them, so that neither UPDATE, DELETE,
// TRUNCATE nor ALTER (which disabling the refusing triggers needs) is open to the server's user.
var AppendOnly = []string{"audit_log"}

// versionTable is goose's bookkeeping table: the server never touches it.
const versionTable = "goose_db_version"

// GrantApp gives role exactly what the Sangathan server needs in the database db is connected
// to (as the schema's owner), on PostgreSQL:
//
//   - CONNECT and TEMPORARY (imports stage rows in temporary tables) on the database;
//   - USAGE on the current schema;
//   - SELECT, INSERT, UPDATE, DELETE on every table of the schema, except
//   - only SELECT, INSERT on the AppendOnly tables, and nothing on goose's version table;
//   - USAGE, SELECT on every sequence of the schema.
//
// It first takes back everything role holds on the schema's tables and sequences, so it is
// idempotent, covers tables that new migrations add, and withdraws what an older version granted.
// It runs in one transaction, under the migrations' advisory lock, and is meant to run after
// every migration.
func GrantApp(ctx context.Context, db *sql.DB, role string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("grant: %w", err)
	}
	defer tx.Rollback()
	// Two transactions changing one object's privileges at once fail ("tuple concurrently
	// updated"): processes starting together take turns, and wait for migrations in progress.
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", lockID); err != nil {
		return fmt.Errorf("grant: %w", err)
	}
	var schema, database string
	if err := tx.QueryRowContext(ctx, "SELECT current_schema(), current_database()").Scan(&schema, &database); err != nil {
		return fmt.Errorf("grant: %w", err)
	}
	r, s := quoteIdent(role), quoteIdent(schema)
	stmts := []string{
		"REVOKE ALL ON ALL TABLES IN SCHEMA " + s + " FROM " + r,
		"REVOKE ALL ON ALL SEQUENCES IN SCHEMA " + s + " FROM " + r,
		"GRANT CONNECT, TEMPORARY ON DATABASE " + quoteIdent(database) + " TO " + r,
		"GRANT USAGE ON SCHEMA " + s + " TO " + r,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + s + " TO " + r,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA " + s + " TO " + r,
		"REVOKE ALL ON " + s + "." + quoteIdent(versionTable) + " FROM " + r,
	}
	for _, t := range AppendOnly {
		stmts = append(stmts, "REVOKE UPDATE, DELETE ON "+s+"."+quoteIdent(t)+" FROM "+r)
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("grant: %s: %w", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("grant: %w", err)
	}
	return nil
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
