package services_test

import (
	"context"
	"strings"
	"testing"

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
	s, err := e.auth.Login(ctx, u.Username, testPassword, "192.0.2.1")
	noErr(t, err)
	actor, err := e.auth.Authenticate(ctx, s.AccessToken)
	noErr(t, err)
	if !actor.Everywhere() {
		t.Errorf("the first admin does not see everything: %+v", actor)
	}
	// That admin, acting as a person, may not make another admin; only the installation may.
	_, err = e.users.Create(ctx, actor, services.UserInput{Username: strings.ToLower(uniq("root")), Password: testPassword, Role: models.RoleAdmin})
	wantErr(t, err, services.EForbidden)
}
