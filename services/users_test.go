package services_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

func countUsers(t *testing.T, e *env) int64 {
	t.Helper()
	n, err := e.users.Count(context.Background())
	noErr(t, err)
	return n
}

func TestUsersCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	name := strings.ToLower(uniq("coord"))
	v, err := e.users.Create(ctx, services.System, services.UserInput{Username: " " + strings.ToUpper(name) + " ", Password: testPassword,
		Role: models.RoleDistrictCoordinator, ScopeUnitID: &tr.d1.ID})
	noErr(t, err)
	u := v.User

	var stored models.User
	noErr(t, e.db.Where("id = ?", u.ID).Take(&stored).Error)
	if stored.Username != name || stored.Role != models.RoleDistrictCoordinator || stored.ScopeUnitID == nil || *stored.ScopeUnitID != tr.d1.ID || !stored.Active {
		t.Errorf("stored user %+v", stored)
	}
	if !stored.CreatedAt.Equal(e.clock.Now()) {
		t.Errorf("created_at %v, want the service clock %v", stored.CreatedAt, e.clock.Now())
	}
	if stored.PasswordHash == testPassword || bcrypt.CompareHashAndPassword([]byte(stored.PasswordHash), []byte(testPassword)) != nil {
		t.Errorf("password stored as %q", stored.PasswordHash)
	}
	if _, err := e.auth.Login(ctx, name, testPassword, "192.0.2.1"); err != nil {
		t.Errorf("the new user cannot log in: %v", err)
	}
}

func TestUsersCreateValidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	scope := &tr.d1.ID
	cases := []struct {
		name   string
		in     services.UserInput
		fields []string
	}{
		{"short username", services.UserInput{Username: "ab", Password: testPassword, Role: models.RoleViewer, ScopeUnitID: scope}, []string{"username"}},
		{"space in username", services.UserInput{Username: "ram lal", Password: testPassword, Role: models.RoleViewer, ScopeUnitID: scope}, []string{"username"}},
		{"username starts with a dot", services.UserInput{Username: ".ramlal", Password: testPassword, Role: models.RoleViewer, ScopeUnitID: scope}, []string{"username"}},
		{"Devanagari username", services.UserInput{Username: "रामलाल", Password: testPassword, Role: models.RoleViewer, ScopeUnitID: scope}, []string{"username"}},
		{"long username", services.UserInput{Username: strings.Repeat("a", 65), Password: testPassword, Role: models.RoleViewer, ScopeUnitID: scope}, []string{"username"}},
		{"short password", services.UserInput{Username: "ramlal", Password: "123456789", Role: models.RoleViewer, ScopeUnitID: scope}, []string{"password"}},
		{"password over 72 bytes", services.UserInput{Username: "ramlal", Password: strings.Repeat("पा", 13), Role: models.RoleViewer, ScopeUnitID: scope}, []string{"password"}},
		{"unknown role", services.UserInput{Username: "ramlal", Password: testPassword, Role: "superuser", ScopeUnitID: scope}, []string{"role"}},
		{"no scope", services.UserInput{Username: "ramlal", Password: testPassword, Role: models.RoleBoothWorker}, []string{"scope_unit_id"}},
		{"no such scope", services.UserInput{Username: "ramlal", Password: testPassword, Role: models.RoleViewer, ScopeUnitID: ptr[int64](99999)}, []string{"scope_unit_id"}},
		{"everything wrong", services.UserInput{Username: "x", Password: "x", Role: "x"}, []string{"username", "password", "role"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.users.Create(context.Background(), services.System, c.in)
			wantErr(t, err, services.EInvalid, c.fields...)
		})
	}
	if n := countUsers(t, e); n != 0 {
		t.Errorf("%d users stored after refused creates", n)
	}
}

func TestUsersCreateScopeLevelMatchesRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	cases := []struct {
		role  models.Role
		scope models.Unit
		ok    bool
	}{
		{models.RoleStateOffice, tr.state, true},
		{models.RoleStateOffice, tr.d1, false},
		{models.RoleStateOffice, tr.pc, false},
		{models.RoleDistrictCoordinator, tr.d1, true},
		{models.RoleDistrictCoordinator, tr.state, false},
		{models.RoleDistrictCoordinator, tr.a1, false},
		{models.RoleDistrictCoordinator, tr.pc, false},
		{models.RoleBoothWorker, tr.b1, true},
		{models.RoleBoothWorker, tr.s1, false},
		{models.RoleBoothWorker, tr.a1, false},
		{models.RoleViewer, tr.state, true},
		{models.RoleViewer, tr.pc, true},
		{models.RoleViewer, tr.a2, true},
		{models.RoleViewer, tr.b4, true},
	}
	var created int64
	for _, c := range cases {
		t.Run(string(c.role)+"_at_"+string(c.scope.Level), func(t *testing.T) {
			_, err := e.users.Create(context.Background(), services.System, services.UserInput{Username: strings.ToLower(uniq("u")),
				Password: testPassword, Role: c.role, ScopeUnitID: &c.scope.ID})
			if c.ok {
				noErr(t, err)
				created++
				return
			}
			wantErr(t, err, services.EInvalid, "scope_unit_id")
		})
	}
	if n := countUsers(t, e); n != created {
		t.Errorf("%d users stored, want %d", n, created)
	}
}

func TestUsersCreateOnlyBelowOwnRoleAndInsideOwnScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	other := e.newRoot(t)
	otherDistrict := e.newChild(t, models.LevelDistrict, other)

	admin := services.Actor{UserID: 1, Username: "admin", Role: models.RoleAdmin} // a person, not the system
	stateOffice := scoped(models.RoleStateOffice, tr.state)
	coordinator := scoped(models.RoleDistrictCoordinator, tr.d1)
	worker := scoped(models.RoleBoothWorker, tr.b1)
	viewer := scoped(models.RoleViewer, tr.state)

	type want int
	const (
		ok want = iota
		forbidden
		badScope
	)
	cases := []struct {
		name  string
		actor services.Actor
		role  models.Role
		scope *models.Unit
		want  want
	}{
		{"admin makes a state office", admin, models.RoleStateOffice, &tr.state, ok},
		{"admin makes a state office elsewhere", admin, models.RoleStateOffice, &other, ok},
		{"admin makes an admin", admin, models.RoleAdmin, nil, forbidden},
		{"state office makes a coordinator", stateOffice, models.RoleDistrictCoordinator, &tr.d2, ok},
		{"state office makes a booth worker", stateOffice, models.RoleBoothWorker, &tr.b4, ok},
		{"state office makes a viewer", stateOffice, models.RoleViewer, &tr.a1, ok},
		{"state office makes a state office", stateOffice, models.RoleStateOffice, &tr.state, forbidden},
		{"state office makes an admin", stateOffice, models.RoleAdmin, nil, forbidden},
		{"state office reaches another state", stateOffice, models.RoleDistrictCoordinator, &otherDistrict, badScope},
		{"coordinator makes a booth worker", coordinator, models.RoleBoothWorker, &tr.b2, ok},
		{"coordinator makes a viewer", coordinator, models.RoleViewer, &tr.d1, ok},
		{"coordinator makes a coordinator", coordinator, models.RoleDistrictCoordinator, &tr.d1, forbidden},
		{"coordinator makes a state office", coordinator, models.RoleStateOffice, &tr.state, forbidden},
		{"coordinator reaches another district", coordinator, models.RoleBoothWorker, &tr.b4, badScope},
		{"coordinator reaches up to the state", coordinator, models.RoleViewer, &tr.state, badScope},
		{"booth worker makes a booth worker", worker, models.RoleBoothWorker, &tr.b1, forbidden},
		{"viewer makes a viewer", viewer, models.RoleViewer, &tr.d1, forbidden},
		{"viewer makes a booth worker", viewer, models.RoleBoothWorker, &tr.b1, forbidden},
	}
	var created int64
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := services.UserInput{Username: strings.ToLower(uniq("u")), Password: testPassword, Role: c.role}
			if c.scope != nil {
				in.ScopeUnitID = &c.scope.ID
			}
			v, err := e.users.Create(ctx, c.actor, in)
			u := v.User
			switch c.want {
			case ok:
				noErr(t, err)
				created++
				if u.Role != c.role || u.Username != in.Username {
					t.Errorf("created %+v", u)
				}
			case forbidden:
				wantErr(t, err, services.EForbidden)
			case badScope:
				wantErr(t, err, services.EInvalid, "scope_unit_id")
			}
		})
	}
	if n := countUsers(t, e); n != created {
		t.Errorf("%d users stored, want %d", n, created)
	}
}

func TestUsersCreateDuplicateUsername(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	name := strings.ToLower(uniq("ramlal"))
	_, err := e.users.Create(ctx, services.System, services.UserInput{Username: name, Password: testPassword, Role: models.RoleViewer, ScopeUnitID: &tr.d1.ID})
	noErr(t, err)
	for _, again := range []string{name, strings.ToUpper(name), " " + name} {
		_, err = e.users.Create(ctx, services.System, services.UserInput{Username: again, Password: testPassword + "2", Role: models.RoleBoothWorker, ScopeUnitID: &tr.b1.ID})
		wantErr(t, err, services.EConflict, "username")
	}
	if n := countUsers(t, e); n != 1 {
		t.Errorf("%d users stored, want 1", n)
	}
}

func TestUsersSystemCreatesAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	v, err := e.users.Create(ctx, services.System, services.UserInput{Username: strings.ToLower(uniq("root")), Password: testPassword, Role: models.RoleAdmin})
	noErr(t, err)
	u := v.User
	if u.Role != models.RoleAdmin || u.ScopeUnitID != nil {
		t.Errorf("admin created as %+v", u)
	}
	s := e.login(t, u.Username) // with the second step an administrator must take
	actor, err := e.auth.Authenticate(ctx, s.AccessToken)
	noErr(t, err)
	if !actor.Everywhere() {
		t.Errorf("the first admin does not see everything: %+v", actor)
	}
	// That admin, acting as a person, may not make another admin; only the installation may.
	_, err = e.users.Create(ctx, actor, services.UserInput{Username: strings.ToLower(uniq("root")), Password: testPassword, Role: models.RoleAdmin})
	wantErr(t, err, services.EForbidden)
}

func TestUsersGetScopeAndRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	admin := e.actorOf(t, e.newUser(t, models.RoleAdmin, nil))
	state := e.actorOf(t, e.newUser(t, models.RoleStateOffice, &tr.state))
	dc1 := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))
	worker := e.actorOf(t, e.newUser(t, models.RoleBoothWorker, &tr.b1))
	viewer := e.actorOf(t, e.newUser(t, models.RoleViewer, &tr.d1))
	inD1 := e.newUser(t, models.RoleBoothWorker, &tr.b2)
	inD2 := e.newUser(t, models.RoleBoothWorker, &tr.b4)

	for _, c := range []struct {
		name  string
		actor services.Actor
		id    int64
		want  services.Code
	}{
		{"admin reads an account in d1", admin, inD1.ID, ""},
		{"admin reads the state office", admin, state.UserID, ""},
		{"state office reads d2", state, inD2.ID, ""},
		{"state office reads the unscoped admin", state, admin.UserID, services.ENotFound},
		{"coordinator reads d1", dc1, inD1.ID, ""},
		{"coordinator reads the viewer of d1", dc1, viewer.UserID, ""},
		{"coordinator reads d2", dc1, inD2.ID, services.ENotFound},
		{"coordinator reads the state office above", dc1, state.UserID, services.ENotFound},
		{"coordinator reads no such account", dc1, 987654, services.ENotFound},
		{"worker reads itself", worker, worker.UserID, ""},
		{"worker reads its neighbour", worker, inD1.ID, services.EForbidden},
		{"worker reads no such account", worker, 987654, services.EForbidden},
		{"viewer reads itself", viewer, viewer.UserID, ""},
		{"viewer reads an account in its scope", viewer, inD1.ID, services.EForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := e.users.Get(ctx, c.actor, c.id)
			if c.want == "" {
				noErr(t, err)
				if v.User.ID != c.id {
					t.Errorf("got account %d, want %d", v.User.ID, c.id)
				}
				return
			}
			wantErr(t, err, c.want)
		})
	}
	t.Run("an account outside the scope reads as one that does not exist", func(t *testing.T) {
		_, hidden := e.users.Get(ctx, dc1, inD2.ID)
		_, missing := e.users.Get(ctx, dc1, 987654)
		if hidden == nil || missing == nil || hidden.Error() != missing.Error() {
			t.Errorf("hidden: %v; missing: %v; want the same error", hidden, missing)
		}
	})
}

func TestUsersUpdateRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	other := e.newRoot(t)
	otherDistrict := e.newChild(t, models.LevelDistrict, other)
	state := e.actorOf(t, e.newUser(t, models.RoleStateOffice, &tr.state))
	dc1 := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))
	worker := e.actorOf(t, e.newUser(t, models.RoleBoothWorker, &tr.b1))
	viewer := e.actorOf(t, e.newUser(t, models.RoleViewer, &tr.d1))
	role := func(r models.Role) *models.Role { return &r }
	off := false

	type target int
	const (
		freshWorker      target = iota // a new booth worker at b2, in d1
		freshViewer                    // a new viewer of d1
		freshCoordinator               // a new coordinator of d1
		self
	)
	for _, c := range []struct {
		name   string
		actor  services.Actor
		target target
		patch  services.UserPatch
		want   services.Code
		fields []string
	}{
		{"coordinator makes a worker a viewer", dc1, freshWorker, services.UserPatch{Role: role(models.RoleViewer)}, "", nil},
		{"coordinator moves a worker to another booth of d1", dc1, freshWorker, services.UserPatch{ScopeUnitID: &tr.b3.ID}, "", nil},
		{"coordinator makes a viewer a worker of a booth", dc1, freshViewer, services.UserPatch{Role: role(models.RoleBoothWorker), ScopeUnitID: &tr.b1.ID}, "", nil},
		{"coordinator sets a worker's password", dc1, freshWorker, services.UserPatch{Password: ptr("set by the coordinator")}, "", nil},
		{"state office makes a coordinator of d1 the coordinator of d2", state, freshCoordinator, services.UserPatch{ScopeUnitID: &tr.d2.ID}, "", nil},
		{"own weak password (before the change below)", worker, self, services.UserPatch{Password: ptr("short"), CurrentPassword: testPassword}, services.EInvalid, []string{"password"}},
		{"anyone sets their own password", worker, self, services.UserPatch{Password: ptr("my own new password"), CurrentPassword: testPassword}, "", nil},
		{"own password without the current one", worker, self, services.UserPatch{Password: ptr("my own new password")}, services.EInvalid, []string{"current_password"}},

		{"coordinator makes a worker a coordinator", dc1, freshWorker, services.UserPatch{Role: role(models.RoleDistrictCoordinator), ScopeUnitID: &tr.d1.ID}, services.EForbidden, []string{"role"}},
		{"coordinator changes a coordinator", dc1, freshCoordinator, services.UserPatch{Role: role(models.RoleViewer)}, services.EForbidden, nil},
		{"coordinator deactivates a coordinator", dc1, freshCoordinator, services.UserPatch{Active: &off}, services.EForbidden, nil},
		{"state office makes a worker a state office", state, freshWorker, services.UserPatch{Role: role(models.RoleStateOffice), ScopeUnitID: &tr.state.ID}, services.EForbidden, []string{"role"}},
		{"state office makes a worker an admin", state, freshWorker, services.UserPatch{Role: role(models.RoleAdmin)}, services.EForbidden, []string{"role"}},
		{"own role", dc1, self, services.UserPatch{Role: role(models.RoleDistrictCoordinator)}, services.EForbidden, nil},
		{"own scope", dc1, self, services.UserPatch{ScopeUnitID: &tr.d2.ID}, services.EForbidden, nil},
		{"own active flag", dc1, self, services.UserPatch{Active: &off}, services.EForbidden, nil},
		{"own password and role", worker, self, services.UserPatch{Password: ptr("my own new password"), Role: role(models.RoleViewer)}, services.EForbidden, nil},
		{"viewer sets another's password", viewer, freshWorker, services.UserPatch{Password: ptr("not yours to set")}, services.EForbidden, nil},
		{"worker deactivates another", worker, freshViewer, services.UserPatch{Active: &off}, services.EForbidden, nil},

		{"coordinator moves a worker to d2", dc1, freshWorker, services.UserPatch{ScopeUnitID: &tr.b4.ID}, services.EInvalid, []string{"scope_unit_id"}},
		{"coordinator moves a viewer up to the state", dc1, freshViewer, services.UserPatch{ScopeUnitID: &tr.state.ID}, services.EInvalid, []string{"scope_unit_id"}},
		{"state office moves a coordinator to another state", state, freshCoordinator, services.UserPatch{ScopeUnitID: &otherDistrict.ID}, services.EInvalid, []string{"scope_unit_id"}},
		{"a worker's scope must stay a booth", dc1, freshWorker, services.UserPatch{ScopeUnitID: &tr.s1.ID}, services.EInvalid, []string{"scope_unit_id"}},
		{"a viewer made a worker keeps a district scope", dc1, freshViewer, services.UserPatch{Role: role(models.RoleBoothWorker)}, services.EInvalid, []string{"scope_unit_id"}},
		{"unknown role", dc1, freshWorker, services.UserPatch{Role: role("organiser")}, services.EInvalid, []string{"role"}},
		{"weak password", dc1, freshWorker, services.UserPatch{Password: ptr("short")}, services.EInvalid, []string{"password"}},
		{"no such scope", dc1, freshWorker, services.UserPatch{ScopeUnitID: ptr[int64](987654)}, services.EInvalid, []string{"scope_unit_id"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var u models.User
			switch c.target {
			case freshWorker:
				u = e.newUser(t, models.RoleBoothWorker, &tr.b2)
			case freshViewer:
				u = e.newUser(t, models.RoleViewer, &tr.d1)
			case freshCoordinator:
				u = e.newUser(t, models.RoleDistrictCoordinator, &tr.d1)
			case self:
				noErr(t, e.db.Where("id = ?", c.actor.UserID).Take(&u).Error)
			}
			mark := e.auditMark(t)
			v, err := e.users.Update(ctx, c.actor, u.ID, c.patch)
			var stored models.User
			noErr(t, e.db.Where("id = ?", u.ID).Take(&stored).Error)
			if c.want != "" {
				wantErr(t, err, c.want, c.fields...)
				if diff := cmp.Diff(u, stored); diff != "" {
					t.Errorf("a refused change was stored (-before +after):\n%s", diff)
				}
				if rows := e.auditSince(t, mark); len(rows) != 0 {
					t.Errorf("a refused change wrote %d audit rows", len(rows))
				}
				return
			}
			noErr(t, err)
			if diff := cmp.Diff(v.User, stored); diff != "" {
				t.Errorf("answer and stored account differ (-answer +stored):\n%s", diff)
			}
			if c.patch.Role != nil && stored.Role != *c.patch.Role {
				t.Errorf("role %s, want %s", stored.Role, *c.patch.Role)
			}
			if c.patch.ScopeUnitID != nil && (stored.ScopeUnitID == nil || *stored.ScopeUnitID != *c.patch.ScopeUnitID || v.Scope == nil || v.Scope.ID != *c.patch.ScopeUnitID) {
				t.Errorf("scope %v (view %v), want %d", stored.ScopeUnitID, v.Scope, *c.patch.ScopeUnitID)
			}
			if c.patch.Password != nil {
				if _, err := e.auth.Login(ctx, u.Username, *c.patch.Password, "192.0.2.1"); err != nil {
					t.Errorf("the new password does not log in: %v", err)
				}
			}
			if rows := e.auditSince(t, mark); len(rows) != 1 || rows[0].Action != "update" || rows[0].EntityID != strconv.FormatInt(u.ID, 10) {
				t.Errorf("audit rows %+v, want one update of %d", rows, u.ID)
			}
		})
	}
}

func TestUsersDeactivateEndsEverySession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	dc := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))
	u := e.newUser(t, models.RoleBoothWorker, &tr.b1)
	ses := e.login(t, u.Username)
	tok, err := e.set.Tokens.Create(ctx, e.actorOf(t, u), services.TokenInput{Name: "app"})
	noErr(t, err)

	wantErr(t, e.users.Deactivate(ctx, dc, dc.UserID), services.EForbidden)
	mark := e.auditMark(t)
	noErr(t, e.users.Deactivate(ctx, dc, u.ID))
	for name, secret := range map[string]string{"access token": ses.AccessToken, "API token": tok.Secret} {
		_, err := e.auth.Authenticate(ctx, secret)
		if services.ErrorCode(err) != services.EUnauthenticated {
			t.Errorf("%s after deactivation: %v, want unauthenticated", name, err)
		}
	}
	_, err = e.auth.Refresh(ctx, ses.RefreshToken)
	wantErr(t, err, services.EUnauthenticated)
	_, err = e.auth.Login(ctx, u.Username, testPassword, "192.0.2.1")
	wantErr(t, err, services.EUnauthenticated)
	var live int64
	noErr(t, e.db.Model(&models.RefreshToken{}).Where("user_id = ? AND revoked_at IS NULL", u.ID).Count(&live).Error)
	if live != 0 {
		t.Errorf("%d refresh tokens still live", live)
	}
	rows := e.auditSince(t, mark)
	if len(rows) != 1 || rows[0].Action != "deactivate" || rows[0].Entity != "user" || rows[0].ActorID == nil || *rows[0].ActorID != dc.UserID {
		t.Errorf("audit rows %+v, want one deactivate by %d", rows, dc.UserID)
	}

	on := true
	v, err := e.users.Update(ctx, dc, u.ID, services.UserPatch{Active: &on})
	noErr(t, err)
	if !v.User.Active {
		t.Error("still inactive")
	}
	s2 := e.login(t, u.Username)
	_, err = e.auth.Authenticate(ctx, s2.AccessToken)
	noErr(t, err)
	_, err = e.auth.Refresh(ctx, ses.RefreshToken)
	wantErr(t, err, services.EUnauthenticated)
}

func TestUsersPasswordChangeEndsRefreshSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	u := e.newUser(t, models.RoleViewer, &tr.d1)
	other := e.newUser(t, models.RoleViewer, &tr.d1)
	first, second, others := e.login(t, u.Username), e.login(t, u.Username), e.login(t, other.Username)
	self := e.actorOf(t, u)

	_, err := e.users.Update(ctx, self, u.ID, services.UserPatch{Password: ptr("a new password of mine"), CurrentPassword: testPassword})
	noErr(t, err)
	for _, rt := range []string{first.RefreshToken, second.RefreshToken} {
		_, err := e.auth.Refresh(ctx, rt)
		wantErr(t, err, services.EUnauthenticated)
	}
	_, err = e.auth.Refresh(ctx, others.RefreshToken)
	noErr(t, err)
	// The access tokens already issued end with their sessions (issue 13).
	for _, at := range []string{first.AccessToken, second.AccessToken} {
		_, err = e.auth.Authenticate(ctx, at)
		wantErr(t, err, services.EUnauthenticated)
	}
	_, err = e.auth.Login(ctx, u.Username, testPassword, "192.0.2.1")
	wantErr(t, err, services.EUnauthenticated)
	_, err = e.auth.Login(ctx, u.Username, "a new password of mine", "192.0.2.1")
	noErr(t, err)

	var hash string
	noErr(t, e.db.Raw("SELECT password_hash FROM users WHERE id = ?", u.ID).Scan(&hash).Error)
	for _, r := range e.auditSince(t, 0) {
		for _, s := range []*string{r.Before, r.After} {
			if s != nil && (strings.Contains(*s, hash) || strings.Contains(*s, "a new password of mine") || strings.Contains(*s, "$2a$")) {
				t.Errorf("audit row %d holds the password or its hash: %s", r.ID, *s)
			}
		}
	}
}

func TestUsersListScopeAndFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	short, long := e.twinDistricts(t, tr.state)
	admin := e.actorOf(t, e.newUser(t, models.RoleAdmin, nil))
	dc := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))
	worker := e.actorOf(t, e.newUser(t, models.RoleBoothWorker, &tr.b1))
	w2 := e.newUser(t, models.RoleBoothWorker, &tr.b2)
	v1 := e.newUser(t, models.RoleViewer, &tr.a1)
	inD2 := e.newUser(t, models.RoleBoothWorker, &tr.b4)
	inLong := e.newUser(t, models.RoleViewer, &long)
	noErr(t, e.users.Deactivate(ctx, dc, v1.ID))

	ids := func(t *testing.T, a services.Actor, f services.UserFilter) []int64 {
		t.Helper()
		var out []int64
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatal("too many pages")
			}
			page, err := e.users.List(ctx, a, f)
			noErr(t, err)
			for _, v := range page.Items {
				out = append(out, v.User.ID)
				if v.User.ScopeUnitID != nil && (v.Scope == nil || v.Scope.ID != *v.User.ScopeUnitID) {
					t.Errorf("account %d listed with scope %+v", v.User.ID, v.Scope)
				}
			}
			if page.NextCursor == "" {
				return out
			}
			f.Page.Cursor = page.NextCursor
		}
	}
	f := false
	for _, c := range []struct {
		name  string
		actor services.Actor
		f     services.UserFilter
		want  []int64
	}{
		{"coordinator: its district only", dc, services.UserFilter{}, []int64{dc.UserID, worker.UserID, w2.ID, v1.ID}},
		{"coordinator in pages of one", dc, services.UserFilter{Page: services.PageRequest{Limit: 1}}, []int64{dc.UserID, worker.UserID, w2.ID, v1.ID}},
		{"coordinator, role", dc, services.UserFilter{Role: models.RoleBoothWorker}, []int64{worker.UserID, w2.ID}},
		{"coordinator, inactive", dc, services.UserFilter{Active: &f}, []int64{v1.ID}},
		{"coordinator, under a sector", dc, services.UserFilter{Under: &tr.s1.ID}, []int64{worker.UserID, w2.ID}},
		{"admin, under d2", admin, services.UserFilter{Under: &tr.d2.ID}, []int64{inD2.ID}},
		{"admin, under a district whose path is a prefix of another's", admin, services.UserFilter{Under: &short.ID}, []int64{}},
		{"admin, q", admin, services.UserFilter{Q: strings.ToUpper(inLong.Username)}, []int64{inLong.ID}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, ids(t, c.actor, c.f), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("listed ids (-want +got):\n%s", diff)
			}
		})
	}
	_, err := e.users.List(ctx, worker, services.UserFilter{})
	wantErr(t, err, services.EForbidden)
	_, err = e.users.List(ctx, dc, services.UserFilter{Under: &tr.d2.ID})
	wantErr(t, err, services.ENotFound)
	_, err = e.users.List(ctx, dc, services.UserFilter{Role: "organiser"})
	wantErr(t, err, services.EInvalid, "role")
}
