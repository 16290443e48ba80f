package services_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestAuditLogIsAppendOnly: the database itself refuses to change or remove audit rows,
// whoever asks.
func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.newTree(t)
	before := e.auditSince(t, 0)
	if len(before) < 5 {
		t.Fatalf("only %d audit rows to protect", len(before))
	}
	id := before[2].ID
	statements := []string{
		"UPDATE audit_log SET action = 'nothing happened'",
		"UPDATE audit_log SET actor_username = 'mallory' WHERE id = " + strconv.FormatInt(id, 10),
		"UPDATE audit_log SET before = NULL, after = NULL WHERE entity = 'unit'",
		"DELETE FROM audit_log",
		"DELETE FROM audit_log WHERE id = " + strconv.FormatInt(id, 10),
		"INSERT INTO audit_log (id, at, actor_username, action, entity) VALUES (" + strconv.FormatInt(id, 10) + ", '2024-01-01', 'mallory', 'x', 'x') ON CONFLICT (id) DO UPDATE SET action = 'x'",
	}
	if !e.isPostgres() {
		// REPLACE deletes the old row without firing DELETE triggers.
		statements = append(statements, "INSERT OR REPLACE INTO audit_log (id, at, actor_username, action, entity) VALUES ("+strconv.FormatInt(id, 10)+", '2024-01-01', 'mallory', 'x', 'x')",
			"REPLACE INTO audit_log (id, at, actor_username, action, entity) VALUES ("+strconv.FormatInt(id, 10)+", '2024-01-01', 'mallory', 'x', 'x')")
	}
	if e.isPostgres() {
		statements = append(statements, "TRUNCATE audit_log", "DELETE FROM audit_log USING units WHERE units.id::text = audit_log.entity_id")
	}
	for _, stmt := range statements {
		t.Run(stmt, func(t *testing.T) {
			err := e.db.Exec(stmt).Error
			if err == nil {
				t.Fatalf("%s succeeded", stmt)
			}
			if !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s failed with %v, want the append-only trigger's error", stmt, err)
			}
		})
	}
	t.Run("inside a transaction too", func(t *testing.T) {
		tx := e.db.Begin()
		defer tx.Rollback()
		if err := tx.Exec("DELETE FROM audit_log").Error; err == nil {
			t.Fatal("DELETE inside a transaction succeeded")
		}
	})
	if diff := cmp.Diff(before, e.auditSince(t, 0)); diff != "" {
		t.Errorf("audit rows changed (-before +after):\n%s", diff)
	}
	// Appending still works.
	e.newRoot(t)
	if n := len(e.auditSince(t, 0)); n != len(before)+1 {
		t.Errorf("%d rows after one more write, want %d", n, len(before)+1)
	}
}

// refuseAuditRows makes every insert into audit_log fail until the test ends or the returned
// function is called: if a change and its audit row share a transaction, the change fails too.
func refuseAuditRows(t *testing.T, e *env) (allow func()) {
	t.Helper()
	if e.isPostgres() {
		noErr(t, e.db.Exec(`CREATE FUNCTION audit_refuse_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit rows refused by the test';
END;
$$`).Error)
		noErr(t, e.db.Exec("CREATE TRIGGER audit_refuse_for_test BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_refuse_for_test()").Error)
		return func() { noErr(t, e.db.Exec("DROP TRIGGER audit_refuse_for_test ON audit_log").Error) }
	}
	noErr(t, e.db.Exec("CREATE TRIGGER audit_refuse_for_test BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit rows refused by the test'); END").Error)
	return func() { noErr(t, e.db.Exec("DROP TRIGGER audit_refuse_for_test").Error) }
}

// TestAuditRowsShareTheChangesTransaction: when the audit row cannot be written, the change it
// describes is not written either, for every kind of write.
func TestAuditRowsShareTheChangesTransaction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	coordinator := e.newUser(t, models.RoleDistrictCoordinator, &tr.d1)
	actor := e.actorOf(t, coordinator)
	worker := e.newUser(t, models.RoleBoothWorker, &tr.b1)
	tok, err := e.set.Tokens.Create(ctx, actor, services.TokenInput{Name: "kept"})
	noErr(t, err)
	units, rows := snapshot(t, e.db), e.auditSince(t, 0)
	var users []models.User
	noErr(t, e.db.Order("id").Find(&users).Error)
	var tokens []models.APIToken
	noErr(t, e.db.Order("id").Find(&tokens).Error)

	allow := refuseAuditRows(t, e)
	e.clock.Advance(time.Hour)
	for name, write := range map[string]func() error{
		"unit create": func() error {
			_, err := e.units.Create(ctx, actor, services.UnitInput{Level: models.LevelBooth, ParentID: &tr.s1.ID, Code: uniq("AUD"), Name: "x"})
			return err
		},
		"unit update": func() error {
			_, err := e.units.Update(ctx, actor, tr.b1.ID, services.UnitPatch{Name: ptr("renamed")})
			return err
		},
		"unit move": func() error {
			_, err := e.units.Update(ctx, actor, tr.b3.ID, services.UnitPatch{ParentID: &tr.s1.ID})
			return err
		},
		"unit delete": func() error { return e.units.Delete(ctx, actor, tr.b2.ID) },
		"import, new and stored units": func() error {
			_, err := e.imports.Units(ctx, actor, strings.NewReader(csvFile("level,code,name,parent_code",
				"booth,"+uniq("AUD")+",New booth,"+tr.s1.Code, "booth,"+tr.b1.Code+",Renamed by import,"+tr.s1.Code)), services.AllOrNothing)
			return err
		},
		"import in valid_rows mode": func() error {
			_, err := e.imports.Units(ctx, actor, strings.NewReader(csvFile("level,code,name,parent_code",
				"booth,"+uniq("AUD")+",New booth,"+tr.s1.Code, "booth,"+uniq("AUD")+",Bad booth,"+tr.a2.Code)), services.ValidRows)
			return err
		},
		"user create": func() error {
			_, err := e.users.Create(ctx, actor, services.UserInput{Username: strings.ToLower(uniq("aud")), Password: testPassword, Role: models.RoleViewer, ScopeUnitID: &tr.d1.ID})
			return err
		},
		"user update": func() error {
			_, err := e.users.Update(ctx, actor, worker.ID, services.UserPatch{Role: ptr(models.RoleViewer)})
			return err
		},
		"user password": func() error {
			_, err := e.users.Update(ctx, actor, worker.ID, services.UserPatch{Password: ptr("another password")})
			return err
		},
		"user deactivate": func() error { return e.users.Deactivate(ctx, actor, worker.ID) },
		"token create": func() error {
			_, err := e.set.Tokens.Create(ctx, actor, services.TokenInput{Name: "refused"})
			return err
		},
		"token revoke": func() error { return e.set.Tokens.Revoke(ctx, actor, tok.Token.ID) },
	} {
		t.Run(name, func(t *testing.T) {
			if err := write(); err == nil {
				t.Fatal("the write succeeded without its audit row")
			}
		})
	}
	var usersAfter []models.User
	noErr(t, e.db.Order("id").Find(&usersAfter).Error)
	var tokensAfter []models.APIToken
	noErr(t, e.db.Order("id").Find(&tokensAfter).Error)
	if diff := cmp.Diff(units, snapshot(t, e.db)); diff != "" {
		t.Errorf("units changed without audit rows (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(users, usersAfter); diff != "" {
		t.Errorf("users changed without audit rows (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(tokens, tokensAfter); diff != "" {
		t.Errorf("API tokens changed without audit rows (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(rows, e.auditSince(t, 0)); diff != "" {
		t.Errorf("audit rows changed (-before +after):\n%s", diff)
	}
	_, err = e.auth.Authenticate(ctx, tok.Secret)
	noErr(t, err)
	// A login is a security event: it is written with its audit row or not at all.
	_, err = e.auth.Login(ctx, worker.Username, testPassword, "192.0.2.9")
	if err == nil {
		t.Error("a login succeeded without its audit row")
	}

	// With audit rows allowed again, the same writes go through: the trigger was what stopped them.
	allow()
	_, err = e.units.Update(ctx, actor, tr.b1.ID, services.UnitPatch{Name: ptr("renamed")})
	noErr(t, err)
	noErr(t, e.set.Tokens.Revoke(ctx, actor, tok.Token.ID))
}

func TestAuditRecordsTheActorAndRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	actor := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))
	actor.RequestID = "req-service-1"

	mark := e.auditMark(t)
	u, err := e.units.Create(ctx, actor, services.UnitInput{Level: models.LevelBooth, ParentID: &tr.s1.ID, Code: uniq("AUD"), Name: "x"})
	noErr(t, err)
	res := e.importUnits(t, actor, services.AllOrNothing, csvFile("level,code,name,parent_code",
		"booth,"+uniq("AUD")+",y,"+tr.s1.Code, "booth,"+tr.b1.Code+",renamed,"+tr.s1.Code))
	if res.Inserted != 1 || res.Updated != 1 {
		t.Fatalf("import %+v", res)
	}
	res = e.importUnits(t, services.System, services.AllOrNothing, csvFile("level,code,name,parent_code", "booth,"+tr.b2.Code+",by the system,"+tr.s1.Code))
	if res.Updated != 1 {
		t.Fatalf("import %+v", res)
	}
	// The API's create, then one row per import (its two booths share a parent).
	rows := e.auditSince(t, mark)
	if len(rows) != 3 {
		t.Fatalf("%d audit rows, want 3: %+v", len(rows), rows)
	}
	for _, r := range rows[:2] {
		if r.ActorID == nil || *r.ActorID != actor.UserID || r.ActorUsername != actor.Username || r.RequestID != "req-service-1" || !r.At.Equal(e.clock.Now()) {
			t.Errorf("row %+v: want actor %d %s, request req-service-1, at %v", r, actor.UserID, actor.Username, e.clock.Now())
		}
		if r.UnitPath == nil || !strings.HasPrefix(*r.UnitPath, tr.d1.Path) {
			t.Errorf("row %d filed at %v, want under %s", r.ID, r.UnitPath, tr.d1.Path)
		}
	}
	if rows[0].EntityID != strconv.FormatInt(u.ID, 10) || rows[0].UnitID == nil || *rows[0].UnitID != u.ID || *rows[0].UnitPath != u.Path {
		t.Errorf("create row %+v, want unit %d at %s", rows[0], u.ID, u.Path)
	}
	if sys := rows[2]; sys.ActorID != nil || sys.ActorUsername != "system" || sys.RequestID != "" || sys.Action != "import" {
		t.Errorf("the installation's row %+v, want no actor id, username system, no request id", sys)
	}
}

func TestAuditList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	other := e.newRoot(t)
	admin := e.actorOf(t, e.newUser(t, models.RoleAdmin, nil))
	state := e.actorOf(t, e.newUser(t, models.RoleStateOffice, &tr.state))
	dc1 := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))
	dc2 := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d2))
	worker := e.actorOf(t, e.newUser(t, models.RoleBoothWorker, &tr.b1))
	viewer := e.actorOf(t, e.newUser(t, models.RoleViewer, &tr.state))
	e.clock.Advance(time.Hour)
	since := e.clock.Now()
	rename := func(a services.Actor, u models.Unit) int64 {
		t.Helper()
		_, err := e.units.Update(ctx, a, u.ID, services.UnitPatch{Name: ptr("renamed " + uniq("n"))})
		noErr(t, err)
		return e.auditMark(t)
	}
	r1 := rename(dc1, tr.b1)
	r2 := rename(dc2, tr.b4)
	r3 := rename(admin, other)
	_, err := e.set.Tokens.Create(ctx, admin, services.TokenInput{Name: "admin's"}) // filed under no unit
	noErr(t, err)
	r4 := e.auditMark(t)
	r5 := rename(state, tr.a1)

	list := func(t *testing.T, a services.Actor, f services.AuditFilter) []int64 {
		t.Helper()
		var out []int64
		for pages := 0; ; pages++ {
			if pages > 50 {
				t.Fatal("too many pages")
			}
			page, err := e.set.Audit.List(ctx, a, f)
			noErr(t, err)
			for _, r := range page.Items {
				out = append(out, r.ID)
			}
			if page.NextCursor == "" {
				return out
			}
			f.Page.Cursor = page.NextCursor
		}
	}
	for _, c := range []struct {
		name  string
		actor services.Actor
		f     services.AuditFilter
		want  []int64
	}{
		{"admin", admin, services.AuditFilter{Since: &since}, []int64{r5, r4, r3, r2, r1}},
		{"admin in pages of two", admin, services.AuditFilter{Since: &since, Page: services.PageRequest{Limit: 2}}, []int64{r5, r4, r3, r2, r1}},
		{"state office: not the admin's token, not the other state", state, services.AuditFilter{Since: &since}, []int64{r5, r2, r1}},
		{"coordinator 1", dc1, services.AuditFilter{Since: &since}, []int64{r5, r1}},
		{"coordinator 1 in pages of one", dc1, services.AuditFilter{Since: &since, Page: services.PageRequest{Limit: 1}}, []int64{r5, r1}},
		{"coordinator 2", dc2, services.AuditFilter{Since: &since}, []int64{r2}},
		{"actor", admin, services.AuditFilter{Since: &since, ActorID: &dc2.UserID}, []int64{r2}},
		{"under", admin, services.AuditFilter{Since: &since, Under: &tr.s1.ID}, []int64{r1}},
		{"under the assembly of the booth", state, services.AuditFilter{Since: &since, Under: &tr.a1.ID}, []int64{r5, r1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, list(t, c.actor, c.f)); diff != "" {
				t.Errorf("audit ids (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("everything the admin sees, newest first", func(t *testing.T) {
		got := list(t, admin, services.AuditFilter{})
		all := append(e.auditSince(t, 0), e.securitySince(t, 0)...)
		slices.SortFunc(all, func(a, b models.AuditEntry) int { return int(a.ID - b.ID) })
		if len(got) != len(all) {
			t.Fatalf("admin lists %d of %d rows", len(got), len(all))
		}
		for i := range got {
			if got[i] != all[len(all)-1-i].ID {
				t.Fatalf("position %d: id %d, want %d", i, got[i], all[len(all)-1-i].ID)
			}
		}
	})

	_, err = e.set.Audit.List(ctx, worker, services.AuditFilter{})
	wantErr(t, err, services.EForbidden)
	_, err = e.set.Audit.List(ctx, viewer, services.AuditFilter{})
	wantErr(t, err, services.EForbidden)
	_, err = e.set.Audit.List(ctx, dc1, services.AuditFilter{Under: &tr.d2.ID})
	wantErr(t, err, services.ENotFound)
	_, err = e.set.Audit.List(ctx, state, services.AuditFilter{Under: &other.ID})
	wantErr(t, err, services.ENotFound)
	_, err = e.set.Audit.List(ctx, admin, services.AuditFilter{Page: services.PageRequest{Cursor: "not a cursor"}})
	wantErr(t, err, services.EInvalid, "cursor")
}

// TestAuditListScopeWithPrefixIDs: a district whose path is a prefix of a sibling's as text
// ("/1/2/" and "/1/23/") does not see the sibling's rows.
func TestAuditListScopeWithPrefixIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	state := e.newRoot(t)
	short, long := e.twinDistricts(t, state)
	dcShort := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &short))
	mark := e.auditMark(t)
	_, err := e.units.Update(ctx, services.System, long.ID, services.UnitPatch{Name: ptr("the long one")})
	noErr(t, err)
	_, err = e.units.Update(ctx, services.System, short.ID, services.UnitPatch{Name: ptr("the short one")})
	noErr(t, err)
	page, err := e.set.Audit.List(ctx, dcShort, services.AuditFilter{Page: services.PageRequest{Limit: services.MaxLimit}})
	noErr(t, err)
	for _, r := range page.Items {
		if r.UnitID == nil || *r.UnitID != short.ID {
			t.Errorf("coordinator of %s sees row %d about unit %v", short.Path, r.ID, r.UnitID)
		}
	}
	if len(page.Items) == 0 || page.Items[0].ID <= mark {
		t.Errorf("coordinator does not see the change to its own district: %+v", page.Items)
	}
}
