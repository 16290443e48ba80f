package database_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestErasureRedactsTheAuditLogAsTheAppRole: the server's own role, which may not UPDATE the
// audit log, erases a person and their audit rows lose the personal values through the owner's
// audit_log_redact_person (migration 00022); the role still cannot change audit rows itself,
// not even with the redaction setting switched on, and the function refuses a person who is not
// erased.
func TestErasureRedactsTheAuditLogAsTheAppRole(t *testing.T) {
	needPostgres(t)
	ctx := context.Background()
	db, _, _, appURL := twoRoles(t)
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	set, err := services.NewSet(db.DB, func() time.Time { return time.Now().UTC() }, services.AuthConfig{Secret: []byte("privileges-test-key-0123456789-abcdef"), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	sys := services.System
	state, err := set.Units.Create(ctx, sys, services.UnitInput{Level: models.LevelState, Code: "ZE", Name: "Zedland"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := set.People.Create(ctx, sys, services.PersonInput{Name: "Quentin Erasable", Gender: models.GenderMale, Category: models.CategoryOBC,
		HomeUnitID: &state.ID, Phone: "+919800011122", MembershipNo: "M-QE-1"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := set.People.Create(ctx, sys, services.PersonInput{Name: "Kept Person", Gender: models.GenderMale, Category: models.CategoryOBC, HomeUnitID: &state.ID})
	if err != nil {
		t.Fatal(err)
	}

	app, err := pgx.Connect(ctx, appURL)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(ctx)
	tx, err := app.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('sangathan.audit_redaction', 'on', true)"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "UPDATE audit_log SET after = NULL"); sqlstate(err) != "42501" {
		t.Errorf("UPDATE audit_log with the redaction setting on, as the application role: %v, want 42501", err)
	}
	tx.Rollback(ctx)
	if _, err := app.Exec(ctx, "SELECT audit_log_redact_person($1)", other.Person.ID); err == nil || !strings.Contains(err.Error(), "is not erased") {
		t.Errorf("redacting a person who is not erased: %v", err)
	}

	if _, err := set.Privacy.Erase(ctx, sys, p.Person.ID, &p.Person.Version, "privileges test"); err != nil {
		t.Fatalf("erase as the application role: %v", err)
	}
	var leaks int
	if err := app.QueryRow(ctx, "SELECT count(*) FROM audit_log t WHERE t::text LIKE '%Quentin%' OR t::text LIKE '%M-QE-1%'").Scan(&leaks); err != nil || leaks != 0 {
		t.Errorf("audit rows naming the erased person: %d, %v", leaks, err)
	}
	var kept int
	if err := app.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE after LIKE '%Kept Person%'").Scan(&kept); err != nil || kept != 1 {
		t.Errorf("the other person's audit row: %d, %v", kept, err)
	}
}
