package migrations_test

import (
	"context"
	"testing"

	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/migrations"
)

// Migration 00020 turns every login still alive into a session its refresh tokens point at, and
// leaves the ended ones without; new sessions then number after them, on both databases.
func TestSessionsMigration(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	sqlDB, err := db.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	d := migrations.SQLite
	if db.Dialector.Name() == "postgres" {
		d = migrations.Postgres
	}
	if err := migrations.DownTo(ctx, sqlDB, d, 19); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.Exec(q, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO users (id, username, password_hash, role, active, created_at, updated_at)
		VALUES (7, 'legacy', 'x', 'admin', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`)
	// Family "live": rotated once (token 10 used, token 11 live); family "dead": logged out.
	exec(`INSERT INTO refresh_tokens (id, user_id, family, token_hash, expires_at, created_at, revoked_at) VALUES
		(10, 7, 'live', 'h10', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
		(11, 7, 'live', 'h11', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, NULL),
		(12, 7, 'dead', 'h12', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`)
	if _, err := migrations.Up(ctx, sqlDB, d); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		ID        int64
		SessionID *int64
	}
	if err := db.Raw("SELECT id, session_id FROM refresh_tokens ORDER BY id").Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].SessionID == nil || *got[0].SessionID != 10 || got[1].SessionID == nil || *got[1].SessionID != 10 || got[2].SessionID != nil {
		t.Errorf("refresh tokens' sessions %+v, want 10, 10 and none", got)
	}
	var n int64
	db.Raw("SELECT count(*) FROM sessions WHERE id = 10 AND user_id = 7 AND revoked_at IS NULL").Scan(&n)
	if n != 1 {
		t.Error("no open session 10 for the live login")
	}
	exec(`INSERT INTO sessions (user_id, device, created_at, last_used_at) VALUES (7, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`)
	db.Raw("SELECT max(id) FROM sessions").Scan(&n)
	if n <= 10 {
		t.Errorf("a new session got id %d, want one after the migrated ones", n)
	}
	if err := migrations.DownTo(ctx, sqlDB, d, 19); err != nil {
		t.Fatal(err)
	}
}
