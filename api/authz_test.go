package api

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
)

// Where the object of a request lies, seen from the actor. Every test actor's scope holds A.
const (
	locNone     = "-"          // the route names no object (lists without under=, /me, …)
	locA        = "in A"       // an object in district A (Lucknow): inside every test actor's scope
	locB        = "in B"       // the same kind of object in district B (Agra), in the same state
	locX        = "elsewhere"  // the same kind of object in another state
	locSelf     = "self"       // the actor's own account
	locSelfRole = "self, role" // the actor's own account, asking for a role change
	locOwn      = "own"        // one of the actor's own API tokens
	locOther    = "other's"    // another user's API token
)

// matrixRoles are the actors of the matrix: an unscoped admin, the state office of the state,
// and a coordinator, a booth worker (of a booth in A) and a viewer of district A.
var matrixRoles = []string{"admin", "state", "dc", "worker", "viewer"}

// byRole gives, per actor, the status for each of a row's locations, in order.
type byRole map[string][]int

// same is a byRole with the same statuses for every actor.
func same(statuses ...int) byRole {
	out := byRole{}
	for _, r := range matrixRoles {
		out[r] = statuses
	}
	return out
}

// matrixRow is one route of the matrix.
type matrixRow struct {
	route string   // method and path as the router registers them
	locs  []string // where the object lies, one column each
	want  byRole
	// field is what a 422 answer of the row must name.
	field string
	// req builds the request of one cell; it may create the objects the cell needs (a unit to
	// delete, an account to deactivate), so that no two cells share a write.
	req func(m *matrix, role, loc string) (path string, body any)
	// relogin marks the locations whose request ends the actor's own sessions (a change of its
	// own password, a sign-out everywhere): the actor logs in again after it.
	relogin []string
}

// matrix holds the actors and the objects the cells refer to.
type matrix struct {
	t        *testing.T
	s        *testServer
	users    map[string]testUser
	stranger testUser // owns the API token of locOther
	x        elsewhere
	n        int
}

func (m *matrix) unique(prefix string) string {
	m.n++
	return fmt.Sprintf("%s-%s-%d", m.s.fx.prefix, prefix, m.n)
}

// unit is an existing booth at loc; for A, the booth worker's own booth.
func (m *matrix) unit(loc string) string {
	switch loc {
	case locA:
		return m.s.fx.id("LKOW-1")
	case locB:
		return m.s.fx.id("AGRC-1")
	case locX:
		return m.x.booth
	}
	m.t.Fatalf("no unit at %q", loc)
	return ""
}

// assembly is an assembly at loc, a parent for new booths.
func (m *matrix) assembly(loc string) (id, code string) {
	switch loc {
	case locA:
		return m.s.fx.id("LKOW"), m.s.fx.code("LKOW")
	case locB:
		return m.s.fx.id("AGRC"), m.s.fx.code("AGRC")
	case locX:
		return m.x.assembly, m.x.assemblyCode
	}
	m.t.Fatalf("no assembly at %q", loc)
	return "", ""
}

// freshBooth is a new, childless booth at loc.
func (m *matrix) freshBooth(loc string) string {
	parent, _ := m.assembly(loc)
	id, _ := m.s.mkUnit(m.t, models.LevelBooth, parent)
	return id
}

// account is a new viewer account whose scope is the booth at loc, or the actor itself.
func (m *matrix) account(role, loc string) string {
	if loc == locSelf || loc == locSelfRole {
		return m.users[role].ID
	}
	return m.s.mkAccount(m.t, models.RoleViewer, m.unit(loc))
}

// under is the under= query for loc.
// district is the district around the unit at loc.
func (m *matrix) district(loc string) string {
	switch loc {
	case locA:
		return m.s.fx.id("LKO")
	case locB:
		return m.s.fx.id("AGR")
	}
	return m.x.district
}

func (m *matrix) under(loc string) string {
	if loc == locNone {
		return ""
	}
	return "?under=" + m.unit(loc)
}

func (m *matrix) tokens() map[string]string {
	out := map[string]string{}
	for r, u := range m.users {
		out[r] = u.Token
	}
	return out
}

func fixed(path string, body any) func(*matrix, string, string) (string, any) {
	return func(*matrix, string, string) (string, any) { return path, body }
}

var (
	inOut      = []string{locA, locB, locX}
	listInOut  = []string{locNone, locA, locB, locX}
	accountLoc = []string{locSelf, locA, locB, locX}
	noObject   = []string{locNone}
)

const (
	s200 = http.StatusOK
	s201 = http.StatusCreated
	s204 = http.StatusNoContent
	s403 = http.StatusForbidden
	s404 = http.StatusNotFound
	s422 = http.StatusUnprocessableEntity
	s409 = http.StatusConflict
)

// matrixRows is the whole /api/v1 surface. A route registered without a row fails the test.
func matrixRows() []matrixRow {
	return []matrixRow{
		// Public routes answer every role alike.
		{route: "GET /api/v1/openapi.json", locs: noObject, want: same(s200), req: fixed("/api/v1/openapi.json", nil)},
		{route: "POST /api/v1/auth/login", locs: noObject, want: same(s200), req: func(m *matrix, role, _ string) (string, any) {
			return "/api/v1/auth/login", map[string]string{"username": m.users[role].Username, "password": testPassword}
		}},
		// Before the password change below in the same 200 group, which ends refresh sessions.
		{route: "POST /api/v1/auth/refresh", locs: noObject, want: same(s200), req: func(m *matrix, role, _ string) (string, any) {
			return "/api/v1/auth/refresh", map[string]string{"refresh_token": m.s.loginSession(m.t, m.users[role].Username, testPassword).RefreshToken}
		}},
		{route: "POST /api/v1/auth/logout", locs: noObject, want: same(s204), req: func(m *matrix, role, _ string) (string, any) {
			return "/api/v1/auth/logout", map[string]string{"refresh_token": m.s.loginSession(m.t, m.users[role].Username, testPassword).RefreshToken}
		}},
		{route: "GET /api/v1/me", locs: noObject, want: same(s200), req: fixed("/api/v1/me", nil)},

		// Units: everyone reads inside the scope; outside it nothing exists. Only managers write.
		{route: "GET /api/v1/units", locs: listInOut, want: byRole{
			"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
			"dc": {s200, s200, s404, s404}, "worker": {s200, s200, s404, s404}, "viewer": {s200, s200, s404, s404},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/units" + m.under(loc), nil }},
		{route: "GET /api/v1/units/:id", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s200, s404, s404}, "viewer": {s200, s404, s404},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/units/" + m.unit(loc), nil }},
		{route: "GET /api/v1/units/:id/children", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s200, s404, s404}, "viewer": {s200, s404, s404},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/units/" + m.unit(loc) + "/children", nil }},
		{route: "POST /api/v1/units", locs: inOut, field: "parent_id", want: byRole{
			"admin": {s201, s201, s201}, "state": {s201, s201, s422},
			"dc": {s201, s422, s422}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			parent, _ := m.assembly(loc)
			return "/api/v1/units", map[string]any{"level": "booth", "parent_id": parent, "code": m.unique("NEW"), "name": "Matrix booth"}
		}},
		{route: "PATCH /api/v1/units/:id", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/units/" + m.unit(loc), map[string]any{"electors": 1000 + m.n}
		}},
		{route: "DELETE /api/v1/units/:id", locs: inOut, want: byRole{
			"admin": {s204, s204, s204}, "state": {s204, s204, s404},
			"dc": {s204, s404, s404}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/units/" + m.freshBooth(loc), nil }},
		{route: "POST /api/v1/imports/units", locs: inOut, field: "parent_code", want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s422},
			"dc": {s200, s422, s422}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			_, parent := m.assembly(loc)
			return "/api/v1/imports/units", csvText("level,code,name,parent_code\nbooth," + m.unique("CSV") + ",Matrix CSV booth," + parent + "\n")
		}},
		{route: "GET /api/v1/exports/units.csv", locs: listInOut, want: byRole{
			"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
			"dc": {s200, s200, s404, s404}, "worker": {s200, s200, s404, s404}, "viewer": {s200, s200, s404, s404},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/exports/units.csv" + m.under(loc), nil }},
		{route: "POST /api/v1/imports/people", locs: inOut, field: "home_unit_code", want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s422},
			"dc": {s200, s422, s422}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			_, code := m.assembly(loc)
			return "/api/v1/imports/people", csvText("name,gender,category,home_unit_code\nMatrix CSV person,female,SC," + code + "\n")
		}},
		{route: "GET /api/v1/exports/people.csv", locs: listInOut, want: byRole{
			"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
			"dc": {s200, s200, s404, s404}, "worker": {s403, s403, s403, s403}, "viewer": {s403, s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/exports/people.csv" + m.under(loc), nil }},

		// People: read inside the scope (a booth worker: the people of their booth; a viewer: never);
		// only managers write, and only inside their scope.
		{route: "POST /api/v1/people", locs: inOut, field: "home_unit_id", want: byRole{
			"admin": {s201, s201, s201}, "state": {s201, s201, s422},
			"dc": {s201, s422, s422}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/people", map[string]any{"name": "Matrix person", "gender": "female", "category": "SC", "home_unit_id": m.unit(loc)}
		}},
		{route: "GET /api/v1/people", locs: listInOut, want: byRole{
			"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
			"dc": {s200, s200, s404, s404}, "worker": {s200, s200, s404, s404}, "viewer": {s403, s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/people" + m.under(loc), nil }},
		{route: "GET /api/v1/people/:id", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s200, s404, s404}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/people/" + m.person(loc), nil }},
		{route: "PATCH /api/v1/people/:id", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/people/" + m.person(loc), map[string]any{"caste": "Matrix"}
		}},
		{route: "DELETE /api/v1/people/:id", locs: inOut, want: byRole{
			"admin": {s204, s204, s204}, "state": {s204, s204, s404},
			"dc": {s204, s404, s404}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/people/" + m.person(loc), nil }},
		{route: "GET /api/v1/people/:id/seats", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s200, s404, s404}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/people/" + m.person(loc) + "/seats", nil }},

		// Committees: read as their unit is; seats are changed only by managers inside their scope.
		{route: "GET /api/v1/units/:id/committee", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s200, s404, s404}, "viewer": {s200, s404, s404},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/units/" + m.unit(loc) + "/committee", nil
		}},
		{route: "GET /api/v1/units/:id/committee/history", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s200, s404, s404}, "viewer": {s200, s404, s404},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/units/" + m.unit(loc) + "/committee/history", nil
		}},
		{route: "POST /api/v1/units/:id/committee/seats", locs: inOut, want: byRole{
			"admin": {s201, s201, s201}, "state": {s201, s201, s404},
			"dc": {s201, s404, s404}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/units/" + m.unit(loc) + "/committee/seats", map[string]any{"person_id": m.person(loc), "position": "member"}
		}},
		{route: "POST /api/v1/units/:id/committee/batch", locs: inOut, want: byRole{
			"admin": {s201, s201, s201}, "state": {s201, s201, s404},
			"dc": {s201, s404, s404}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/units/" + m.unit(loc) + "/committee/batch", map[string]any{"seats": []any{
				map[string]any{"person_id": m.person(loc), "position": "member"},
				map[string]any{"person": map[string]any{"name": "Batch Karyakarta", "gender": "female", "category": "SC"}, "position": "member"},
			}}
		}},
		{route: "DELETE /api/v1/units/:id/committee/seats/:seat_id", locs: inOut, want: byRole{
			"admin": {s204, s204, s204}, "state": {s204, s204, s404},
			"dc": {s204, s404, s404}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			unit := m.unit(loc)
			return "/api/v1/units/" + unit + "/committee/seats/" + m.s.mkSeat(m.t, unit, m.person(loc), models.PositionMember), nil
		}},

		// Committee terms: everyone lists the due committees in scope; managers reconstitute inside
		// their scope (a fresh booth each cell, on the test clock's day); admins and the state
		// office alone set the term per level.
		{route: "GET /api/v1/committees/due", locs: listInOut, want: byRole{
			"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
			"dc": {s200, s200, s404, s404}, "worker": {s200, s200, s404, s404}, "viewer": {s200, s200, s404, s404},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/committees/due" + m.under(loc), nil }},
		{route: "POST /api/v1/units/:id/committee/reconstitute", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/units/" + m.freshBooth(loc) + "/committee/reconstitute", map[string]any{"on": "2024-03-15"}
		}},
		{route: "GET /api/v1/committee-norms", locs: noObject, want: same(s200), req: fixed("/api/v1/committee-norms", nil)},
		{route: "PATCH /api/v1/committee-norms/:level", locs: noObject, want: byRole{
			"admin": {s200}, "state": {s200}, "dc": {s403}, "worker": {s403}, "viewer": {s403},
		}, req: fixed("/api/v1/committee-norms/booth", map[string]any{"term_months": 36, "grace_days": 90})},

		// Users: only managers, only inside their scope; everyone may read their own account
		// and change their own password, nobody their own role or active flag.
		{route: "POST /api/v1/users", locs: inOut, field: "scope_unit_id", want: byRole{
			"admin": {s201, s201, s201}, "state": {s201, s201, s422},
			"dc": {s201, s422, s422}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/users", map[string]any{"username": strings.ToLower(m.unique("new")), "password": testPassword, "role": "viewer", "scope_unit_id": m.unit(loc)}
		}},
		{route: "GET /api/v1/users", locs: listInOut, want: byRole{
			"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
			"dc": {s200, s200, s404, s404}, "worker": {s403, s403, s403, s403}, "viewer": {s403, s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/users" + m.under(loc), nil }},
		{route: "GET /api/v1/users/:id", locs: accountLoc, want: byRole{
			"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
			"dc": {s200, s200, s404, s404}, "worker": {s200, s403, s403, s403}, "viewer": {s200, s403, s403, s403},
		}, req: func(m *matrix, role, loc string) (string, any) { return "/api/v1/users/" + m.account(role, loc), nil }},
		{route: "PATCH /api/v1/users/:id", locs: append(slices.Clone(accountLoc), locSelfRole), want: byRole{
			"admin": {s200, s200, s200, s200, s403}, "state": {s200, s200, s200, s404, s403},
			"dc": {s200, s200, s404, s404, s403}, "worker": {s200, s403, s403, s403, s403}, "viewer": {s200, s403, s403, s403, s403},
		}, req: func(m *matrix, role, loc string) (string, any) {
			switch loc {
			case locSelf: // the same password again: still a change, and later logins keep working
				return "/api/v1/users/" + m.account(role, loc), map[string]any{"password": testPassword, "current_password": testPassword}
			case locSelfRole:
				return "/api/v1/users/" + m.account(role, loc), map[string]any{"role": roleOf(role)}
			}
			return "/api/v1/users/" + m.account(role, loc), map[string]any{"role": "viewer"}
		}, relogin: []string{locSelf}},
		{route: "DELETE /api/v1/users/:id", locs: accountLoc, want: byRole{
			"admin": {s403, s204, s204, s204}, "state": {s403, s204, s204, s404},
			"dc": {s403, s204, s404, s404}, "worker": {s403, s403, s403, s403}, "viewer": {s403, s403, s403, s403},
		}, req: func(m *matrix, role, loc string) (string, any) { return "/api/v1/users/" + m.account(role, loc), nil }},

		// API tokens: every role has its own; another user's token does not exist.
		{route: "POST /api/v1/tokens", locs: noObject, want: same(s201), req: fixed("/api/v1/tokens", map[string]any{"name": "matrix"})},
		{route: "GET /api/v1/tokens", locs: noObject, want: same(s200), req: fixed("/api/v1/tokens", nil)},
		{route: "DELETE /api/v1/tokens/:id", locs: []string{locOwn, locOther}, want: same(s204, s404), req: func(m *matrix, role, loc string) (string, any) {
			owner := m.stranger
			if loc == locOwn {
				owner = m.users[role]
			}
			return "/api/v1/tokens/" + m.s.mkAPIToken(m.t, owner.Token, "to revoke").ID, nil
		}},

		// Sessions (issue 13): everyone's own; another account's as for PATCH /users/{id}. The
		// accounts in A, B and elsewhere are viewers, below every manager.
		{route: "GET /api/v1/me/sessions", locs: noObject, want: same(s200), req: fixed("/api/v1/me/sessions", nil)},
		{route: "DELETE /api/v1/me/sessions", locs: noObject, want: same(s204), req: fixed("/api/v1/me/sessions", nil), relogin: noObject},
		{route: "DELETE /api/v1/me/sessions/:session_id", locs: []string{locOwn, locOther}, want: same(s204, s404), req: func(m *matrix, role, loc string) (string, any) {
			owner := m.stranger
			if loc == locOwn {
				owner = m.users[role]
			}
			sid, _ := m.s.sessionOf(m.t, owner.Username)
			return "/api/v1/me/sessions/" + sid, nil
		}},
		{route: "GET /api/v1/users/:id/sessions", locs: accountLoc, want: byRole{
			"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
			"dc": {s200, s200, s404, s404}, "worker": {s200, s403, s403, s403}, "viewer": {s200, s403, s403, s403},
		}, req: func(m *matrix, role, loc string) (string, any) {
			return "/api/v1/users/" + m.account(role, loc) + "/sessions", nil
		}},
		{route: "DELETE /api/v1/users/:id/sessions", locs: accountLoc, want: byRole{
			"admin": {s204, s204, s204, s204}, "state": {s204, s204, s204, s404},
			"dc": {s204, s204, s404, s404}, "worker": {s204, s403, s403, s403}, "viewer": {s204, s403, s403, s403},
		}, req: func(m *matrix, role, loc string) (string, any) {
			return "/api/v1/users/" + m.account(role, loc) + "/sessions", nil
		},
			relogin: []string{locSelf}},
		{route: "DELETE /api/v1/users/:id/sessions/:session_id", locs: accountLoc, want: byRole{
			"admin": {s204, s204, s204, s204}, "state": {s204, s204, s204, s404},
			"dc": {s204, s204, s404, s404}, "worker": {s204, s403, s403, s403}, "viewer": {s204, s403, s403, s403},
		}, req: func(m *matrix, role, loc string) (string, any) {
			id := m.account(role, loc)
			username := m.users[role].Username
			if loc != locSelf {
				username = m.s.usernameOf(m.t, id)
			}
			sid, _ := m.s.sessionOf(m.t, username)
			return "/api/v1/users/" + id + "/sessions/" + sid, nil
		}},

		// Audit: the managers, each inside its scope.
		{route: "GET /api/v1/audit", locs: listInOut, want: byRole{
			"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
			"dc": {s200, s200, s404, s404}, "worker": {s403, s403, s403, s403}, "viewer": {s403, s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/audit" + m.under(loc), nil }},

		// Representation targets: everyone reads them; admin and the state office set them
		// (installation-wide: no object, no district).
		{route: "GET /api/v1/units/:id/representation", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s200, s404, s404}, "viewer": {s200, s404, s404},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/units/" + m.unit(loc) + "/representation?level=booth", nil
		}},
		{route: "GET /api/v1/units/:id/representation/gaps", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s200, s404, s404}, "viewer": {s200, s404, s404},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/units/" + m.unit(loc) + "/representation/gaps", nil
		}},
		// A breakdown of the district around the unit: its assemblies. The worker (one booth) and
		// the viewer of one district see no district but their own.
		{route: "GET /api/v1/units/:id/representation/breakdown", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s404, s404, s404}, "viewer": {s200, s404, s404},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/units/" + m.district(loc) + "/representation/breakdown?by=assembly", nil
		}},
		{route: "GET /api/v1/exports/representation.csv", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s200, s404, s404}, "viewer": {s200, s404, s404},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/exports/representation.csv?under=" + m.unit(loc), nil
		}},
		// Incidents: coordinators log and read them in their district; the state office and admin
		// everywhere in their scope, and they alone take the investigation's steps. Booth workers
		// and viewers have no part in incidents.
		{route: "POST /api/v1/incidents", locs: inOut, field: "unit_id", want: byRole{
			"admin": {s201, s201, s201}, "state": {s201, s201, s422},
			"dc": {s201, s422, s422}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/incidents", map[string]any{"unit_id": m.unit(loc), "occurred_on": "2024-03-01", "place": "Matrix village",
				"title": "Matrix incident", "kind": "atrocity", "affected_groups": []string{"SC"}}
		}},
		{route: "GET /api/v1/incidents", locs: listInOut, want: byRole{
			"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
			"dc": {s200, s200, s404, s404}, "worker": {s403, s403, s403, s403}, "viewer": {s403, s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/incidents" + m.under(loc), nil }},
		{route: "GET /api/v1/incidents/summary", locs: listInOut, want: byRole{
			"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
			"dc": {s200, s200, s404, s404}, "worker": {s403, s403, s403, s403}, "viewer": {s403, s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			if loc == locNone {
				return "/api/v1/incidents/summary", nil
			}
			return "/api/v1/incidents/summary?under=" + m.district(loc), nil
		}},
		{route: "GET /api/v1/exports/incidents.csv", locs: listInOut, want: byRole{
			"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
			"dc": {s200, s200, s404, s404}, "worker": {s403, s403, s403, s403}, "viewer": {s403, s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/exports/incidents.csv" + m.under(loc), nil
		}},
		{route: "GET /api/v1/incidents/:id", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/incidents/" + m.incident(loc, models.IncidentReported), nil
		}},
		{route: "GET /api/v1/incidents/:id/memorandum", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/incidents/" + m.incident(loc, models.IncidentReportSubmitted) + "/memorandum?lang=hi&to=dm", nil
		}},
		{route: "POST /api/v1/incidents/:id/committee", locs: inOut, want: incidentStepAuthz, req: func(m *matrix, _, loc string) (string, any) {
			p := m.person(loc)
			return "/api/v1/incidents/" + m.incident(loc, models.IncidentReported) + "/committee", map[string]any{"member_ids": []string{p}, "convener_id": p}
		}},
		{route: "POST /api/v1/incidents/:id/report", locs: inOut, want: incidentStepAuthz, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/incidents/" + m.incident(loc, models.IncidentCommitteeFormed) + "/report", map[string]any{"visited_on": "2024-03-15", "findings": "Matrix findings"}
		}},
		{route: "POST /api/v1/incidents/:id/forward", locs: inOut, want: incidentStepAuthz, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/incidents/" + m.incident(loc, models.IncidentReportSubmitted) + "/forward", map[string]any{"to": []string{"governor"}, "forwarded_on": "2024-03-15"}
		}},
		{route: "POST /api/v1/incidents/:id/close", locs: inOut, want: incidentStepAuthz, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/incidents/" + m.incident(loc, models.IncidentForwarded) + "/close", map[string]any{"outcome": "Matrix outcome"}
		}},
		// Public intake: the public routes answer everyone alike (and no token at all:
		// TestPublicIntakeHTTP); the review queue is the state office's and admin's, inside their
		// scope, and refuses every other role.
		{route: "POST /api/v1/public/incident-reports", locs: noObject, want: same(s201), req: func(m *matrix, _, _ string) (string, any) {
			return "/api/v1/public/incident-reports", map[string]any{"district_code": m.s.fx.code("LKO"), "place": "Matrix village",
				"occurred_on": "2024-03-14", "description": "Matrix report"}
		}},
		{route: "GET /api/v1/public/incident-reports/:tracking_code", locs: inOut, want: same(s200, s200, s200), req: func(m *matrix, _, loc string) (string, any) {
			_, code := m.s.mkReport(m.t, m.district(loc))
			return "/api/v1/public/incident-reports/" + code, nil
		}},
		{route: "GET /api/v1/public/districts", locs: noObject, want: same(s200), req: fixed("/api/v1/public/districts", nil)},
		{route: "GET /api/v1/incident-reports", locs: listInOut, want: byRole{
			"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
			"dc": {s403, s403, s403, s403}, "worker": {s403, s403, s403, s403}, "viewer": {s403, s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/incident-reports" + m.under(loc), nil }},
		{route: "POST /api/v1/incident-reports/:id/accept", locs: inOut, want: byRole{
			"admin": {s201, s201, s201}, "state": {s201, s201, s404},
			"dc": {s403, s403, s403}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return m.report(loc, "accept"), map[string]any{"title": "Matrix incident", "kind": "atrocity"}
		}},
		{route: "POST /api/v1/incident-reports/:id/dismiss", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s403, s403, s403}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return m.report(loc, "dismiss"), map[string]any{"reason": "Matrix dismissal"}
		}},

		// Programs: every role reads in its scope; the viewer writes nothing; a booth worker plans
		// and reports at their booth (A's booth) only, and deletes nothing.
		{route: "POST /api/v1/programs", locs: inOut, field: "unit_id", want: byRole{
			"admin": {s201, s201, s201}, "state": {s201, s201, s422},
			"dc": {s201, s422, s422}, "worker": {s201, s422, s422}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/programs", map[string]any{"unit_id": m.unit(loc), "kind": "awareness", "title": "Matrix program", "starts_at": "2024-03-20T10:00:00+05:30"}
		}},
		{route: "GET /api/v1/programs", locs: listInOut, want: programReadList, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/programs" + m.under(loc), nil
		}},
		{route: "GET /api/v1/programs/calendar", locs: listInOut, want: programReadList, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/programs/calendar" + m.under(loc), nil
		}},
		{route: "GET /api/v1/programs/counts", locs: listInOut, want: programReadList, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/programs/counts" + m.under(loc), nil
		}},
		{route: "GET /api/v1/programs/:id", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s200, s404, s404}, "viewer": {s200, s404, s404},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/programs/" + m.program(loc), nil }},
		{route: "PATCH /api/v1/programs/:id", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s200, s404, s404}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/programs/" + m.program(loc), map[string]any{"status": "held", "attendance": 40, "outcome": "Matrix outcome"}
		}},
		{route: "DELETE /api/v1/programs/:id", locs: inOut, want: byRole{
			"admin": {s204, s204, s204}, "state": {s204, s204, s404},
			"dc": {s204, s404, s404}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/programs/" + m.program(loc), nil }},

		// Alliances: every role reads the whole table (public party information); only admin and
		// the state office write, the state office inside its state.
		{route: "POST /api/v1/parties", locs: noObject, want: allianceWrite(s201), req: func(m *matrix, _, _ string) (string, any) {
			return "/api/v1/parties", map[string]any{"name": m.unique("Party"), "short_name": m.unique("P")}
		}},
		{route: "GET /api/v1/parties", locs: noObject, want: same(s200), req: fixed("/api/v1/parties", nil)},
		{route: "GET /api/v1/parties/:id", locs: noObject, want: same(s200), req: func(m *matrix, _, _ string) (string, any) {
			return "/api/v1/parties/" + m.party(), nil
		}},
		{route: "PATCH /api/v1/parties/:id", locs: noObject, want: allianceWrite(s200), req: func(m *matrix, _, _ string) (string, any) {
			return "/api/v1/parties/" + m.party(), map[string]any{"symbol": "साइकिल"}
		}},
		{route: "DELETE /api/v1/parties/:id", locs: noObject, want: allianceWrite(s204), req: func(m *matrix, _, _ string) (string, any) {
			return "/api/v1/parties/" + m.party(), nil
		}},
		{route: "POST /api/v1/seat-shares", locs: inOut, field: "unit_id", want: byRole{
			"admin": {s201, s201, s201}, "state": {s201, s201, s422},
			"dc": {s403, s403, s403}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			a, _ := m.assembly(loc)
			return "/api/v1/seat-shares", map[string]any{"election": m.election(), "unit_id": a, "party_id": m.party()}
		}},
		{route: "GET /api/v1/seat-shares", locs: listInOut, want: same(s200, s200, s200, s200), req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/seat-shares" + m.under(loc), nil
		}},
		{route: "GET /api/v1/seat-shares/summary", locs: listInOut, want: same(s200, s200, s200, s200), req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/seat-shares/summary?election=Lok+Sabha+2029&" + strings.TrimPrefix(m.under(loc), "?"), nil
		}},
		{route: "GET /api/v1/seat-shares/seats", locs: listInOut, want: same(s200, s200, s200, s200), req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/seat-shares/seats?election=Lok+Sabha+2029&" + strings.TrimPrefix(m.under(loc), "?"), nil
		}},
		{route: "GET /api/v1/seat-shares/:id", locs: inOut, want: same(s200, s200, s200), req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/seat-shares/" + m.share(loc), nil
		}},
		{route: "PATCH /api/v1/seat-shares/:id", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s403, s403, s403}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/seat-shares/" + m.share(loc), map[string]any{"party_id": m.party()}
		}},
		{route: "DELETE /api/v1/seat-shares/:id", locs: inOut, want: byRole{
			"admin": {s204, s204, s204}, "state": {s204, s204, s404},
			"dc": {s403, s403, s403}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/seat-shares/" + m.share(loc), nil }},
		{route: "GET /api/v1/exports/seat-shares.csv", locs: listInOut, want: same(s200, s200, s200, s200), req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/exports/seat-shares.csv?election=Lok+Sabha+2029&" + strings.TrimPrefix(m.under(loc), "?"), nil
		}},
		// Prabhari assignments: only admin and the state office appoint and end; the others but
		// the booth worker read inside their scope.
		{route: "POST /api/v1/assignments", locs: inOut, field: "unit_id", want: byRole{
			"admin": {s201, s201, s201}, "state": {s201, s201, s422},
			"dc": {s403, s403, s403}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/assignments", map[string]any{"unit_id": m.unit(loc), "person_id": m.person(loc), "purpose": "Matrix", "starts_on": "2024-03-01"}
		}},
		{route: "GET /api/v1/assignments", locs: listInOut, want: assignmentReadList, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/assignments" + m.under(loc), nil
		}},
		{route: "GET /api/v1/assignments/vacancies", locs: listInOut, want: assignmentReadList, req: func(m *matrix, _, loc string) (string, any) {
			q := "/api/v1/assignments/vacancies?level=booth&purpose=Matrix"
			if loc != locNone {
				q += "&under=" + m.unit(loc)
			}
			return q, nil
		}},
		{route: "GET /api/v1/assignments/purposes", locs: noObject, want: byRole{
			"admin": {s200}, "state": {s200}, "dc": {s200}, "worker": {s403}, "viewer": {s200},
		}, req: fixed("/api/v1/assignments/purposes", nil)},
		{route: "GET /api/v1/exports/assignments.csv", locs: listInOut, want: assignmentReadList, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/exports/assignments.csv" + m.under(loc), nil
		}},
		{route: "GET /api/v1/assignments/:id", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s200, s404, s404}, "worker": {s403, s403, s403}, "viewer": {s200, s404, s404},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/assignments/" + m.assignment(loc), nil }},
		{route: "DELETE /api/v1/assignments/:id", locs: inOut, want: byRole{
			"admin": {s204, s204, s204}, "state": {s204, s204, s404},
			"dc": {s403, s403, s403}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) { return "/api/v1/assignments/" + m.assignment(loc), nil }},

		{route: "GET /api/v1/representation/targets", locs: noObject, want: same(s200), req: fixed("/api/v1/representation/targets", nil)},
		{route: "PUT /api/v1/representation/targets", locs: noObject, want: byRole{
			"admin": {s200}, "state": {s200}, "dc": {s403}, "worker": {s403}, "viewer": {s403},
		}, req: fixed("/api/v1/representation/targets", map[string]any{"levels": []any{map[string]any{"level": "booth",
			"targets": []any{map[string]any{"group": "women", "min_share": 0.33}}}}})},

		// A person's requests under the DPDP Act (privacy.go): the state office and admin only.
		// The matrix sends no If-Match, which erasure requires: the allowed cells answer 422
		// naming it, after the role and scope checks (api/privacy_test.go erases with it).
		{route: "GET /api/v1/people/:id/data-export", locs: inOut, want: byRole{
			"admin": {s200, s200, s200}, "state": {s200, s200, s404},
			"dc": {s403, s403, s403}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/people/" + m.person(loc) + "/data-export", nil
		}},
		{route: "POST /api/v1/people/:id/erase", locs: inOut, field: "If-Match", want: byRole{
			"admin": {s422, s422, s422}, "state": {s422, s422, s404},
			"dc": {s403, s403, s403}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
		}, req: func(m *matrix, _, loc string) (string, any) {
			return "/api/v1/people/" + m.person(loc) + "/erase", map[string]any{"reason": "matrix"}
		}},
		// Two-step verification. The login steps present a challenge (here a made-up one: 401
		// for everyone). Each actor's own settings: admin and state office enrolled at their
		// first login and must keep it; the others have none. The rows rely on the groups'
		// order: the 200s start an enrolment for the others before the 422s confirm it with a
		// wrong code and try to switch it off with a wrong password.
		{route: "POST /api/v1/auth/login/second-factor", locs: noObject, want: same(http.StatusUnauthorized),
			req: fixed("/api/v1/auth/login/second-factor", map[string]any{"challenge": "sgc_made-up", "code": "123456"})},
		{route: "POST /api/v1/auth/login/enrol", locs: noObject, want: same(http.StatusUnauthorized),
			req: fixed("/api/v1/auth/login/enrol", map[string]any{"challenge": "sgc_made-up"})},
		{route: "GET /api/v1/me/second-factor", locs: noObject, want: same(s200), req: fixed("/api/v1/me/second-factor", nil)},
		{route: "POST /api/v1/me/second-factor", locs: noObject, want: byRole{
			"admin": {s409}, "state": {s409}, "dc": {s200}, "worker": {s200}, "viewer": {s200},
		}, req: fixed("/api/v1/me/second-factor", nil)},
		{route: "POST /api/v1/me/second-factor/confirm", locs: noObject, field: "code", want: byRole{
			"admin": {s409}, "state": {s409}, "dc": {s422}, "worker": {s422}, "viewer": {s422},
		}, req: fixed("/api/v1/me/second-factor/confirm", map[string]any{"code": "000000"})},
		{route: "POST /api/v1/me/second-factor/recovery-codes", locs: noObject, field: "code", want: byRole{
			"admin": {s422}, "state": {s422}, "dc": {s409}, "worker": {s409}, "viewer": {s409},
		}, req: fixed("/api/v1/me/second-factor/recovery-codes", map[string]any{"code": "000000"})},
		{route: "DELETE /api/v1/me/second-factor", locs: noObject, field: "current_password", want: byRole{
			"admin": {s403}, "state": {s403}, "dc": {s422}, "worker": {s422}, "viewer": {s422},
		}, req: fixed("/api/v1/me/second-factor", map[string]any{"current_password": "not the password"})},
		// An admin resets anyone's but their own; the other managers those they manage.
		{route: "DELETE /api/v1/users/:id/second-factor", locs: accountLoc, want: byRole{
			"admin": {s403, s204, s204, s204}, "state": {s403, s204, s204, s404},
			"dc": {s403, s204, s404, s404}, "worker": {s403, s403, s403, s403}, "viewer": {s403, s403, s403, s403},
		}, req: func(m *matrix, role, loc string) (string, any) {
			return "/api/v1/users/" + m.account(role, loc) + "/second-factor", nil
		}},
	}
}

func roleOf(actor string) string {
	return map[string]string{"admin": "admin", "state": "state_office", "dc": "district_coordinator", "worker": "booth_worker", "viewer": "viewer"}[actor]
}

func TestAuthorisationMatrix(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	m := &matrix{t: t, s: s, x: s.mkElsewhere(t), users: map[string]testUser{
		"admin":  s.admin,
		"state":  s.mkUser(t, models.RoleStateOffice, s.fx.id("UP")),
		"dc":     s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO")),
		"worker": s.mkUser(t, models.RoleBoothWorker, s.fx.id("LKOW-1")),
		"viewer": s.mkUser(t, models.RoleViewer, s.fx.id("LKO")),
	}}
	m.stranger = s.mkUser(t, models.RoleViewer, s.fx.id("UP"))
	rows := matrixRows()

	registered := map[string]bool{}
	for _, r := range s.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") {
			registered[r.Method+" "+r.Path] = true
		}
	}
	covered := map[string]bool{}
	for _, r := range rows {
		if covered[r.route] {
			t.Errorf("route %s has two rows", r.route)
		}
		covered[r.route] = true
		if !registered[r.route] {
			t.Errorf("row for %s, which the router does not register", r.route)
		}
		for _, role := range matrixRoles {
			if len(r.want[role]) != len(r.locs) {
				t.Errorf("%s: %d statuses for %s, want one per location %v", r.route, len(r.want[role]), role, r.locs)
			}
		}
		if len(r.want) != len(matrixRoles) {
			t.Errorf("%s: statuses for %d roles, want %d", r.route, len(r.want), len(matrixRoles))
		}
	}
	for route := range registered {
		if !covered[route] {
			t.Errorf("route %s is registered but has no row in the authorisation matrix", route)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	var cases []apiCase
	tokens := m.tokens()
	for _, r := range rows {
		method, _, _ := strings.Cut(r.route, " ")
		for _, role := range matrixRoles {
			for i, loc := range r.locs {
				path, body := r.req(m, role, loc)
				c := apiCase{name: fmt.Sprintf("%d %s %s (%s)", r.want[role][i], role, r.route, loc), method: method, path: path,
					actor: role, body: body, wantStatus: r.want[role][i]}
				if slices.Contains(r.relogin, loc) && r.want[role][i] < 400 {
					c.then = func() { tokens[role] = s.login(t, m.users[role].Username, testPassword) }
				}
				if c.wantStatus == http.StatusUnprocessableEntity {
					c.wantFields = []string{r.field}
				}
				cases = append(cases, c)
			}
		}
	}
	// Grouped by outcome; within a group the rows keep their order.
	slices.SortStableFunc(cases, func(a, b apiCase) int { return cmp.Compare(a.wantStatus, b.wantStatus) })
	// The cases that end their actor's sessions go last: the sessions the other cells logged in
	// beforehand (to revoke them) would end with them.
	slices.SortStableFunc(cases, func(a, b apiCase) int { return cmp.Compare(boolInt(a.then != nil), boolInt(b.then != nil)) })
	runCases(t, s, tokens, cases)

	t.Run("the refused writes changed nothing outside the scopes", func(t *testing.T) {
		// B's booth was changed only by the admin and the state office, the other state's only by the admin.
		b := decode[unitJSON](t, s.do(t, http.MethodGet, "/api/v1/units/"+m.unit(locB), tokens["admin"], nil))
		x := decode[unitJSON](t, s.do(t, http.MethodGet, "/api/v1/units/"+m.unit(locX), tokens["admin"], nil))
		if b.Electors == nil || x.Electors == nil {
			t.Fatalf("electors of B's booth %v, of the other state's %v; want both set by the admin", b.Electors, x.Electors)
		}
		changedBy := map[string][]string{}
		for _, e := range s.auditSince(t, 0) {
			if e.Entity == "unit" && e.Action == "update" && (e.EntityID == m.unit(locB) || e.EntityID == m.unit(locX)) {
				changedBy[e.EntityID] = append(changedBy[e.EntityID], e.ActorUsername)
			}
		}
		want := map[string][]string{
			m.unit(locB): {m.users["admin"].Username, m.users["state"].Username},
			m.unit(locX): {m.users["admin"].Username},
		}
		if diff := gocmp.Diff(want, changedBy); diff != "" {
			t.Errorf("who changed the outside booths (-want +got):\n%s", diff)
		}
	})
}

// TestAccountRoleLadder: nobody creates an account of a role equal to or above their own
// (403 naming role) or outside their scope (422 naming scope_unit_id).
func TestAccountRoleLadder(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	x := s.mkElsewhere(t)
	tokens := map[string]string{
		"admin":  s.admin.Token,
		"state":  s.mkUser(t, models.RoleStateOffice, fx.id("UP")).Token,
		"dc":     s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO")).Token,
		"worker": s.mkUser(t, models.RoleBoothWorker, fx.id("LKOW-1")).Token,
		"viewer": s.mkUser(t, models.RoleViewer, fx.id("LKO")).Token,
	}
	n := 0
	account := func(role, scope string) map[string]any {
		n++
		b := map[string]any{"username": "ladder-" + strconv.Itoa(n), "password": testPassword, "role": role}
		if scope != "" {
			b["scope_unit_id"] = scope
		}
		return b
	}
	const post, path = http.MethodPost, "/api/v1/users"
	runCases(t, s, tokens, []apiCase{
		// 201: a role below one's own, inside one's scope.
		{name: "201 admin makes a state office", method: post, path: path, actor: "admin", body: account("state_office", fx.id("UP")), wantStatus: s201},
		{name: "201 admin makes a state office of another state", method: post, path: path, actor: "admin", body: account("state_office", x.state), wantStatus: s201},
		{name: "201 admin makes a coordinator", method: post, path: path, actor: "admin", body: account("district_coordinator", fx.id("LKO")), wantStatus: s201},
		{name: "201 admin makes a booth worker", method: post, path: path, actor: "admin", body: account("booth_worker", fx.id("LKOW-2")), wantStatus: s201},
		{name: "201 admin makes a viewer", method: post, path: path, actor: "admin", body: account("viewer", fx.id("UP")), wantStatus: s201},
		{name: "201 state office makes a coordinator of B", method: post, path: path, actor: "state", body: account("district_coordinator", fx.id("AGR")), wantStatus: s201},
		{name: "201 state office makes a booth worker", method: post, path: path, actor: "state", body: account("booth_worker", fx.id("AGRC-1")), wantStatus: s201},
		{name: "201 state office makes a viewer of the state", method: post, path: path, actor: "state", body: account("viewer", fx.id("UP")), wantStatus: s201},
		{name: "201 coordinator makes a booth worker in A", method: post, path: path, actor: "dc", body: account("booth_worker", fx.id("LKOW-2")), wantStatus: s201},
		{name: "201 coordinator makes a viewer of A", method: post, path: path, actor: "dc", body: account("viewer", fx.id("LKO")), wantStatus: s201},
		{name: "201 coordinator makes a viewer of an assembly in A", method: post, path: path, actor: "dc", body: account("viewer", fx.id("LKOC")), wantStatus: s201},

		// 403 naming role: the same role or above, wherever the scope.
		{name: "403 admin makes an admin", method: post, path: path, actor: "admin", body: account("admin", ""), wantStatus: s403, wantFields: []string{"role"}},
		{name: "403 state office makes a state office", method: post, path: path, actor: "state", body: account("state_office", fx.id("UP")), wantStatus: s403, wantFields: []string{"role"}},
		{name: "403 state office makes an admin", method: post, path: path, actor: "state", body: account("admin", ""), wantStatus: s403, wantFields: []string{"role"}},
		{name: "403 coordinator makes a coordinator of A", method: post, path: path, actor: "dc", body: account("district_coordinator", fx.id("LKO")), wantStatus: s403, wantFields: []string{"role"}},
		{name: "403 coordinator makes a coordinator of B", method: post, path: path, actor: "dc", body: account("district_coordinator", fx.id("AGR")), wantStatus: s403, wantFields: []string{"role"}},
		{name: "403 coordinator makes a state office", method: post, path: path, actor: "dc", body: account("state_office", fx.id("UP")), wantStatus: s403, wantFields: []string{"role"}},
		{name: "403 coordinator makes an admin", method: post, path: path, actor: "dc", body: account("admin", ""), wantStatus: s403, wantFields: []string{"role"}},

		// 403: roles that manage no accounts at all.
		{name: "403 booth worker makes a viewer of its booth", method: post, path: path, actor: "worker", body: account("viewer", fx.id("LKOW-1")), wantStatus: s403},
		{name: "403 viewer makes a viewer", method: post, path: path, actor: "viewer", body: account("viewer", fx.id("LKO")), wantStatus: s403},

		// 422 naming scope_unit_id: outside the scope, above it, of the wrong level, or missing.
		{name: "422 state office reaches another state", method: post, path: path, actor: "state", body: account("district_coordinator", x.district), wantStatus: s422, wantFields: []string{"scope_unit_id"}},
		{name: "422 coordinator reaches district B", method: post, path: path, actor: "dc", body: account("booth_worker", fx.id("AGRC-1")), wantStatus: s422, wantFields: []string{"scope_unit_id"}},
		{name: "422 coordinator reaches up to the state", method: post, path: path, actor: "dc", body: account("viewer", fx.id("UP")), wantStatus: s422, wantFields: []string{"scope_unit_id"}},
		{name: "422 coordinator reaches the Lok Sabha seat", method: post, path: path, actor: "dc", body: account("viewer", fx.id("PC")), wantStatus: s422, wantFields: []string{"scope_unit_id"}},
		{name: "422 coordinator gives a booth worker an assembly", method: post, path: path, actor: "dc", body: account("booth_worker", fx.id("LKOW")), wantStatus: s422, wantFields: []string{"scope_unit_id"}},
		{name: "422 coordinator gives no scope", method: post, path: path, actor: "dc", body: account("booth_worker", ""), wantStatus: s422, wantFields: []string{"scope_unit_id"}},
	})

	t.Run("a scope outside reads exactly as a scope that does not exist", func(t *testing.T) {
		hidden := wantProblem(t, s.do(t, post, path, tokens["dc"], account("booth_worker", fx.id("AGRC-2"))), s422)
		missing := wantProblem(t, s.do(t, post, path, tokens["dc"], account("booth_worker", "987654")), s422)
		hidden.Instance, missing.Instance = "", ""
		if diff := gocmp.Diff(missing, hidden); diff != "" {
			t.Errorf("hidden vs missing scope (-missing +hidden):\n%s", diff)
		}
	})
}

// TestLoginLimitsDoNotTellUsersApart: an unknown username is limited exactly as a known one, and
// the 429 answers are alike, so the limiter does not reveal which accounts exist.
func TestLoginLimitsDoNotTellUsersApart(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleViewer, s.fx.id("LKO"))
	known := map[string]string{"username": u.Username, "password": "a-wrong-password"}
	unknown := map[string]string{"username": "nobody-by-this-name", "password": "a-wrong-password"}
	for i := 0; i < 5; i++ {
		wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", known))
		wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", unknown))
	}
	rk := s.do(t, http.MethodPost, "/api/v1/auth/login", "", known)
	ru := s.do(t, http.MethodPost, "/api/v1/auth/login", "", unknown)
	pk, pu := wantProblem(t, rk, http.StatusTooManyRequests), wantProblem(t, ru, http.StatusTooManyRequests)
	pk.Instance, pu.Instance = "", ""
	if diff := gocmp.Diff(pk, pu); diff != "" {
		t.Errorf("429 for a known vs an unknown user (-known +unknown):\n%s", diff)
	}
	if a, b := rk.Header().Get("Retry-After"), ru.Header().Get("Retry-After"); a == "" || a != b {
		t.Errorf("Retry-After %q for a known user, %q for an unknown one; want the same, set", a, b)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
