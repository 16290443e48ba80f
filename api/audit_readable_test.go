package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// auditReadable is the part of an audit row that says who did what to whom.
type auditReadable struct {
	ID       string          `json:"id"`
	Action   string          `json:"action"`
	Entity   string          `json:"entity"`
	EntityID string          `json:"entity_id"`
	UnitID   *string         `json:"unit_id"`
	Before   json.RawMessage `json:"before"`
	After    json.RawMessage `json:"after"`
	Actor    struct {
		Username string  `json:"username"`
		Role     *string `json:"role"`
		Name     *string `json:"name"`
		NameHi   *string `json:"name_hi"`
	} `json:"actor"`
	Target struct {
		auditRefJSON
		Person   *auditRefJSON `json:"person"`
		Unit     *auditRefJSON `json:"unit"`
		Position string        `json:"position"`
	} `json:"target"`
	Changes []struct {
		Field  string `json:"field"`
		Before any    `json:"before"`
		After  any    `json:"after"`
	} `json:"changes"`
}

type auditRefJSON struct {
	Kind   string        `json:"kind"`
	ID     *string       `json:"id"`
	Hidden bool          `json:"hidden"`
	Name   *string       `json:"name"`
	NameHi *string       `json:"name_hi"`
	Level  string        `json:"level"`
	Number *int          `json:"number"`
	Within *auditRefJSON `json:"within"`
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// TestAuditReadsAsSentences: GET /api/v1/audit gives each row its actor, its target named for
// the reader and its changed fields; a record outside the reader's scope is named by kind only,
// and personal values are in no answer.
func TestAuditReadsAsSentences(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dcA := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	dcB := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("AGR"))
	mark := s.auditMark(t)

	rec := s.do(t, http.MethodPost, "/api/v1/people", dcA.Token, map[string]any{"name": "Ram Prasad", "name_hi": "राम प्रसाद", "gender": "male",
		"category": "SC", "phone": "9876501234", "voter_id": "ABC7654321", "caste": "Jatav", "religion": "buddhist", "home_unit_id": fx.id("LKOW-1")})
	wantStatus(t, rec, http.StatusCreated)
	ram := decode[personJSON](t, rec).ID
	wantStatus(t, s.do(t, http.MethodPost, "/api/v1/units/"+fx.id("LKOW-1")+"/committee/seats", dcA.Token, map[string]any{"person_id": ram, "position": "president"}), http.StatusCreated)
	wantStatus(t, s.do(t, http.MethodPatch, "/api/v1/people/"+ram, dcA.Token, map[string]any{"name": "Ram Prasad Verma", "phone": "9876505678"}), http.StatusOK)
	// A person looked after in Lucknow, seated in Agra by the administrator.
	sita := s.mkPerson(t, fx.id("LKOW-2"), func(in *services.PersonInput) {
		in.Name, in.Phone, in.VoterID, in.Caste, in.Religion = "Sita Devi", "9123400001", "XYZ1234567", "Yadav", "hindu"
	})
	wantStatus(t, s.do(t, http.MethodPost, "/api/v1/units/"+fx.id("AGRC-1")+"/committee/seats", s.admin.Token, map[string]any{"person_id": sita, "position": "member"}), http.StatusCreated)
	// A booth made in Lucknow, then moved to Agra.
	boothID, _ := s.mkUnit(t, models.LevelBooth, fx.id("LKOW"))
	wantStatus(t, s.do(t, http.MethodPatch, "/api/v1/units/"+boothID, s.admin.Token, map[string]any{"parent_id": fx.id("AGRC")}), http.StatusOK)

	read := func(t *testing.T, token string) ([]auditReadable, string) {
		t.Helper()
		rec := s.do(t, http.MethodGet, "/api/v1/audit?limit=500", token, nil)
		wantStatus(t, rec, http.StatusOK)
		var out []auditReadable
		for _, r := range decode[struct {
			Items []auditReadable `json:"items"`
		}](t, rec).Items {
			if mustAtoi(t, r.ID) > int(mark) {
				out = append(out, r)
			}
		}
		return out, rec.Body.String()
	}
	find := func(t *testing.T, rows []auditReadable, action, entity string, ok func(auditReadable) bool) auditReadable {
		t.Helper()
		for _, r := range rows {
			if r.Action == action && r.Entity == entity && ok(r) {
				return r
			}
		}
		t.Fatalf("no row %s %s", action, entity)
		return auditReadable{}
	}
	anyRow := func(auditReadable) bool { return true }

	t.Run("the state office reads who seated whom where", func(t *testing.T) {
		state := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))
		rows, _ := read(t, state.Token)
		seat := find(t, rows, "create", "seat", func(r auditReadable) bool { return r.Target.Position == "president" })
		if seat.Actor.Username != dcA.Username || str(seat.Actor.Role) != "district_coordinator" {
			t.Errorf("actor %+v", seat.Actor)
		}
		p, u := seat.Target.Person, seat.Target.Unit
		if p == nil || str(p.ID) != ram || str(p.Name) != "Ram Prasad Verma" || str(p.NameHi) != "राम प्रसाद" || p.Hidden {
			t.Errorf("person %+v", p)
		}
		if u == nil || str(u.ID) != fx.id("LKOW-1") || u.Level != "booth" || u.Number == nil || *u.Number != 1 || str(u.NameHi) != "प्राथमिक विद्यालय अमीनाबाद" {
			t.Fatalf("unit %+v", u)
		}
		if u.Within == nil || str(u.Within.Name) != "Lucknow West" || u.Within.Level != "assembly" {
			t.Errorf("within %+v, want Lucknow West", u.Within)
		}
		upd := find(t, rows, "update", "person", func(r auditReadable) bool { return r.EntityID == ram })
		if len(upd.Changes) != 1 || upd.Changes[0].Field != "name" || upd.Changes[0].Before != "Ram Prasad" || upd.Changes[0].After != "Ram Prasad Verma" {
			t.Errorf("changes %+v, want only the name (a new phone is not a value in the log)", upd.Changes)
		}
		if str(upd.Target.Name) != "Ram Prasad Verma" || upd.Target.Kind != "person" {
			t.Errorf("target %+v", upd.Target)
		}
	})

	t.Run("a coordinator reads no id or name of a unit now outside the district", func(t *testing.T) {
		rows, _ := read(t, dcA.Token)
		created := find(t, rows, "create", "unit", func(r auditReadable) bool { return r.Target.Hidden })
		if created.Target.ID != nil || created.Target.Name != nil || created.Target.Number != nil || created.EntityID != "" || created.UnitID != nil ||
			len(created.Changes) != 0 || string(created.Before) != "null" || string(created.After) != "null" {
			t.Errorf("row about the moved booth: %+v", created)
		}
		b, err := json.Marshal(created)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"`+boothID+`"`) || strings.Contains(string(created.After), `:`+boothID+`,`) {
			t.Errorf("the moved booth's id %s is in its row: %s", boothID, b)
		}
		for _, r := range rows {
			if r.Action == "update" && r.Entity == "unit" && r.EntityID == "" {
				t.Errorf("the move, filed in Agra, is listed: %+v", r)
			}
		}
	})

	t.Run("the other district's coordinator reads the move and the seat, not the person's values", func(t *testing.T) {
		rows, body := read(t, dcB.Token)
		mv := find(t, rows, "update", "unit", func(r auditReadable) bool { return r.EntityID == boothID })
		var parent map[string]any
		for _, c := range mv.Changes {
			if c.Field == "parent_id" {
				parent, _ = c.Before.(map[string]any)
			}
		}
		if parent == nil || parent["hidden"] != true || parent["id"] != nil || parent["name"] != nil {
			t.Errorf("old parent %v, want hidden", parent)
		}
		if strings.Contains(body, `"parent_id":`+fx.id("LKOW")+`,`) {
			t.Errorf("Lucknow West's id is in the raw snapshot")
		}
		seat := find(t, rows, "create", "seat", anyRow)
		if seat.Target.Person == nil || str(seat.Target.Person.Name) != "Sita Devi" {
			t.Errorf("seated person %+v", seat.Target.Person)
		}
		for _, secret := range []string{"9123400001", "XYZ1234567", "Yadav", "hindu", "9876501234", "ABC7654321", "Jatav", "buddhist"} {
			if strings.Contains(body, secret) {
				t.Errorf("Agra's coordinator reads %q", secret)
			}
		}
	})

	t.Run("no personal value in any answer, even the administrator's", func(t *testing.T) {
		_, body := read(t, s.admin.Token)
		for _, secret := range []string{"9876501234", "9876505678", "ABC7654321", "Jatav", "buddhist", "9123400001", "XYZ1234567", "Yadav"} {
			if strings.Contains(body, secret) {
				t.Errorf("the audit log holds %q", secret)
			}
		}
	})
}
