package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// profileKeys are the fields of a person a viewer never reads, on top of sensitiveKeys.
var profileKeys = []string{"birth_year", "category"}

// seatPersons reads the seat holders of a committee answer and of its history, by person id.
func (s *testServer) seatPersons(t *testing.T, token, unitID string) (committee, history map[string]map[string]json.RawMessage) {
	t.Helper()
	rec := s.do(t, http.MethodGet, committeePath(unitID), token, nil)
	wantStatus(t, rec, http.StatusOK)
	var cm struct {
		Seats []map[string]json.RawMessage `json:"seats"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &cm); err != nil {
		t.Fatalf("committee: %v: %s", err, rec.Body)
	}
	committee = map[string]map[string]json.RawMessage{}
	for _, st := range cm.Seats {
		p := sub(t, st, "person")
		committee[jsonString(t, p["id"])] = p
	}
	rec = s.do(t, http.MethodGet, committeePath(unitID)+"/history", token, nil)
	wantStatus(t, rec, http.StatusOK)
	history = map[string]map[string]json.RawMessage{}
	for _, st := range objects(t, rec.Body.Bytes()) {
		p := sub(t, st, "person")
		history[jsonString(t, p["id"])] = p
	}
	return committee, history
}

// wantPersonKeys checks which of the sensitive and profile keys a person object carries.
func wantPersonKeys(t *testing.T, where string, obj map[string]json.RawMessage, present ...string) {
	t.Helper()
	if obj == nil {
		t.Errorf("%s: no such seat holder", where)
		return
	}
	for _, k := range append(slices.Clone(sensitiveKeys), profileKeys...) {
		_, has := obj[k]
		if want := slices.Contains(present, k); has != want {
			t.Errorf("%s: key %q present = %v, want %v (object keys %v)", where, k, has, want, objectKeys(obj))
		}
	}
}

// TestSeatHolderDataFollowsTheReader: a person looked after in Agra and seated on a Lucknow booth
// committee is, to the Lucknow coordinator, a name and a position (plus birth year and category)
// in the committee and its history, as GET /people/{id} is 404 for them; the Lucknow people on
// the same committee and the Agra person on an Agra committee keep every field for their own
// coordinators; the state office reads everything.
func TestSeatHolderDataFollowsTheReader(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	full := func(in *services.PersonInput) {
		in.Phone, in.VoterID, in.Caste, in.Religion = "98765 43210", newVoterID(), "Pasi", "hindu"
		year := 1970
		in.BirthYear = &year
	}
	local := s.mkPerson(t, fx.id("LKOW-1"), full)
	visitor := s.mkPerson(t, fx.id("AGRC-1"), func(in *services.PersonInput) {
		full(in)
		in.Phone, in.Caste = "91234 56789", "Jatav"
	})
	s.mkSeat(t, fx.id("LKOW-1"), local, models.PositionPresident)
	s.mkSeat(t, fx.id("LKOW-1"), visitor, models.PositionMember)
	s.mkSeat(t, fx.id("AGRC-1"), visitor, models.PositionPresident)
	// A seat that ended stays in the history with its holder.
	endedSeat := s.mkSeat(t, fx.id("LKOW-1"), s.mkPerson(t, fx.id("AGRC-2"), full), models.PositionTreasurer)
	wantStatus(t, s.do(t, http.MethodDelete, seatsPath(fx.id("LKOW-1"))+"/"+endedSeat, s.admin.Token, nil), http.StatusNoContent)

	everything := append(slices.Clone(sensitiveKeys), profileKeys...)
	dcLKO := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	dcAGR := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("AGR"))
	state := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))

	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/people/"+visitor, dcLKO.Token, nil), http.StatusNotFound)
	committee, history := s.seatPersons(t, dcLKO.Token, fx.id("LKOW-1"))
	wantPersonKeys(t, "Lucknow committee, the Agra person", committee[visitor], profileKeys...)
	wantPersonKeys(t, "Lucknow history, the Agra person", history[visitor], profileKeys...)
	wantPersonKeys(t, "Lucknow committee, the Lucknow person", committee[local], everything...)
	wantPersonKeys(t, "Lucknow history, the Lucknow person", history[local], everything...)
	if len(history) != 3 {
		t.Errorf("Lucknow history names %d people, want 3", len(history))
	}
	for id, p := range history {
		if id != local {
			wantPersonKeys(t, "Lucknow history, person "+id+" from Agra", p, profileKeys...)
		}
	}
	if got := jsonString(t, committee[visitor]["name"]); got == "" {
		t.Error("the Agra person's name is missing from the Lucknow roster")
	}

	// The Agra coordinator reads their person in full on the Agra committee.
	rec := s.do(t, http.MethodGet, "/api/v1/people/"+visitor, dcAGR.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	wantPersonKeys(t, "GET the Agra person as the Agra coordinator", rawFields(t, rec), everything...)
	committee, history = s.seatPersons(t, dcAGR.Token, fx.id("AGRC-1"))
	wantPersonKeys(t, "Agra committee, the Agra person", committee[visitor], everything...)
	wantPersonKeys(t, "Agra history, the Agra person", history[visitor], everything...)
	if got := jsonString(t, committee[visitor]["caste"]); got != "Jatav" {
		t.Errorf("the Agra coordinator reads caste %q, want Jatav", got)
	}

	// The state office sees both districts, so both people in full.
	committee, history = s.seatPersons(t, state.Token, fx.id("LKOW-1"))
	for _, id := range []string{local, visitor} {
		wantPersonKeys(t, "state office, committee person "+id, committee[id], everything...)
		wantPersonKeys(t, "state office, history person "+id, history[id], everything...)
	}

	// The composition still counts every seat from the stored people.
	c := s.getCommittee(t, dcLKO.Token, fx.id("LKOW-1"))
	if c.Composition.Seats != 2 || c.Composition.ByCategory["OBC"] != 2 || c.Composition.ByGender["female"] != 2 {
		t.Errorf("composition %+v, want 2 OBC women", c.Composition)
	}
}

// TestViewerRosterNamesAndPositions: a viewer reads committees and their history as names and
// positions (no birth year, category, caste, religion, phone or voter ID keys at all), the
// composition counts as everyone does, and no people: GET /people and GET /people/{id} are 403.
func TestViewerRosterNamesAndPositions(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	year := 1985
	p := s.mkPerson(t, fx.id("LKOW-1"), func(in *services.PersonInput) {
		in.Phone, in.VoterID, in.Caste, in.Religion, in.BirthYear = "98765 43210", newVoterID(), "Pasi", "muslim", &year
	})
	s.mkSeat(t, fx.id("LKOW-1"), p, models.PositionPresident)

	for _, scope := range []string{"UP", "LKO", "LKOW-1"} {
		viewer := s.mkUser(t, models.RoleViewer, fx.id(scope))
		committee, history := s.seatPersons(t, viewer.Token, fx.id("LKOW-1"))
		wantPersonKeys(t, "viewer of "+scope+", committee", committee[p])
		wantPersonKeys(t, "viewer of "+scope+", history", history[p])
		if jsonString(t, committee[p]["name"]) == "" {
			t.Errorf("viewer of %s: no name in the roster: %v", scope, objectKeys(committee[p]))
		}
		c := s.getCommittee(t, viewer.Token, fx.id("LKOW-1"))
		if len(c.Seats) != 1 || c.Seats[0].Position != "president" {
			t.Errorf("viewer of %s: seats %+v", scope, c.Seats)
		}
		if c.Composition.Seats != 1 || c.Composition.ByCategory["OBC"] != 1 || c.Composition.Minority != 1 {
			t.Errorf("viewer of %s: composition %+v", scope, c.Composition)
		}
		wantProblem(t, s.do(t, http.MethodGet, "/api/v1/people", viewer.Token, nil), http.StatusForbidden)
		wantProblem(t, s.do(t, http.MethodGet, "/api/v1/people?under="+fx.id("LKOW-1"), viewer.Token, nil), http.StatusForbidden)
		wantProblem(t, s.do(t, http.MethodGet, "/api/v1/people/"+p, viewer.Token, nil), http.StatusForbidden)
	}
}

// TestReportContactStaysOutOfLogs: the contact a member of the public leaves with a report —
// accepted, refused as too long, refused by the rate limit, read back in the review queue,
// accepted and dismissed — reaches neither the server's log nor the audit log.
func TestReportContactStaysOutOfLogs(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	s := newLoggedServer(t, logs)
	state := s.mkUser(t, models.RoleStateOffice, s.fx.id("UP"))
	contacts := []string{"+91 98765 43210, Ward 7 Rampur", "ramkali.devi@example.org", strings.Repeat("8", 201), "91234 56789 after dark"}
	for i, c := range contacts {
		rec := s.do(t, http.MethodPost, "/api/v1/public/incident-reports", "", map[string]any{"district_code": s.fx.code("LKO"),
			"place": "Rampur", "occurred_on": "2024-03-14", "description": "What happened.", "contact": c})
		want := []int{http.StatusCreated, http.StatusCreated, http.StatusUnprocessableEntity, http.StatusCreated}[i]
		wantStatus(t, rec, want)
	}
	s.set.Intake.Limits = services.IntakeLimits{Submissions: 1}
	rec := s.do(t, http.MethodPost, "/api/v1/public/incident-reports", "", map[string]any{"district_code": s.fx.code("LKO"),
		"place": "Rampur", "occurred_on": "2024-03-14", "description": "What happened.", "contact": "7000000001 limited"})
	wantStatus(t, rec, http.StatusTooManyRequests)
	contacts = append(contacts, "7000000001 limited")
	rec = s.do(t, http.MethodGet, "/api/v1/incident-reports", state.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), contacts[0]) {
		t.Fatalf("the queue does not show the contact: %s", rec.Body)
	}
	items := objects(t, rec.Body.Bytes())
	wantStatus(t, s.do(t, http.MethodPost, "/api/v1/incident-reports/"+jsonString(t, items[0]["id"])+"/accept", state.Token,
		map[string]any{"title": "Beating", "kind": "atrocity"}), http.StatusCreated)
	wantStatus(t, s.do(t, http.MethodPost, "/api/v1/incident-reports/"+jsonString(t, items[1]["id"])+"/dismiss", state.Token,
		map[string]any{"reason": "Duplicate"}), http.StatusOK)

	out := logs.String()
	if !strings.Contains(out, "/api/v1/public/incident-reports") {
		t.Fatalf("the requests were not logged at all; log:\n%s", out)
	}
	var audit strings.Builder
	for _, e := range s.auditSince(t, 0) {
		for _, v := range []*string{e.Before, e.After} {
			if v != nil {
				audit.WriteString(*v)
			}
		}
	}
	for _, part := range append(contacts, "98765 43210", "ramkali.devi") {
		if strings.Contains(out, part) {
			t.Errorf("the server's log holds the contact %q", part)
		}
		if strings.Contains(audit.String(), part) {
			t.Errorf("the audit log holds the contact %q", part)
		}
	}
}
