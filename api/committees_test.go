package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

func committeePath(unitID string) string { return "/api/v1/units/" + unitID + "/committee" }

func seatsPath(unitID string) string { return committeePath(unitID) + "/seats" }

// getCommittee reads a committee through the API.
func (s *testServer) getCommittee(t *testing.T, token, unitID string) committeeJSON {
	t.Helper()
	rec := s.do(t, http.MethodGet, committeePath(unitID), token, nil)
	wantStatus(t, rec, http.StatusOK)
	return decode[committeeJSON](t, rec)
}

// postSeat seats a person through the API and returns the seat.
func (s *testServer) postSeat(t *testing.T, token, unitID, personID, position string) seatJSON {
	t.Helper()
	rec := s.do(t, http.MethodPost, seatsPath(unitID), token, map[string]any{"person_id": personID, "position": position})
	wantStatus(t, rec, http.StatusCreated)
	return decode[seatJSON](t, rec)
}

func TestGetCommittee(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	booth := fx.id("LKOW-1")

	// An empty committee: every key there, lists empty rather than null, counts zero.
	rec := s.do(t, http.MethodGet, committeePath(booth), s.admin.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	m := rawFields(t, rec)
	if d := cmp.Diff([]string{"complete", "composition", "norm", "seats", "term", "unit_id"}, objectKeys(m)); d != "" {
		t.Errorf("committee keys (-want +got):\n%s", d)
	}
	if string(m["seats"]) != "[]" || string(m["unit_id"]) != `"`+booth+`"` || string(m["complete"]) != "false" {
		t.Errorf("empty committee: seats %s unit_id %s complete %s", m["seats"], m["unit_id"], m["complete"])
	}
	c := decode[committeeJSON](t, rec)
	if c.Norm.MinSeats != 10 || c.Norm.MaxSeats != 21 || !slices.Equal(c.Norm.RequiredPositions, []string{"president", "booth_agent"}) {
		t.Errorf("booth norm %+v, want 10 to 21 seats with a president and a booth agent", c.Norm)
	}
	if d := cmp.Diff(map[string]int{"SC": 0, "ST": 0, "OBC": 0, "GEN": 0}, c.Composition.ByCategory); d != "" {
		t.Errorf("by_category (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]int{"male": 0, "female": 0, "other": 0}, c.Composition.ByGender); d != "" {
		t.Errorf("by_gender (-want +got):\n%s", d)
	}

	mk := func(c models.Category, g models.Gender, religion string) string {
		return s.mkPerson(t, booth, func(in *services.PersonInput) { in.Category, in.Gender, in.Religion = c, g, religion })
	}
	member := s.mkSeat(t, booth, mk(models.CategorySC, models.GenderFemale, "muslim"), models.PositionMember)
	president := s.mkSeat(t, booth, mk(models.CategoryOBC, models.GenderMale, "hindu"), models.PositionPresident)
	rec = s.do(t, http.MethodGet, committeePath(booth), s.admin.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	c = decode[committeeJSON](t, rec)
	var ids []string
	for _, st := range c.Seats {
		ids = append(ids, st.ID)
		if st.UnitID != booth || !st.Since.Equal(s.clock.Now()) || st.EndedAt != nil || st.Person.ID == "" || st.Person.Name == "" {
			t.Errorf("seat %+v", st)
		}
	}
	if d := cmp.Diff([]string{president, member}, ids); d != "" {
		t.Errorf("seats, president first (-want +got):\n%s", d)
	}
	var raw struct {
		Seats []map[string]json.RawMessage `json:"seats"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	wantJSONString(t, raw.Seats[0], "id", "unit_id", "position", "since")
	if c.Composition.Seats != 2 || c.Composition.Minority != 1 || c.Composition.ByCategory["SC"] != 1 || c.Composition.ByGender["female"] != 1 {
		t.Errorf("composition %+v", c.Composition)
	}
	// The committees of other levels have their own norms.
	c = s.getCommittee(t, s.admin.Token, fx.id("LKO"))
	if c.Norm.MinSeats != 3 || !slices.Equal(c.Norm.RequiredPositions, []string{"president", "general_secretary", "treasurer"}) {
		t.Errorf("district norm %+v", c.Norm)
	}
	wantProblem(t, s.do(t, http.MethodGet, committeePath("987654321"), s.admin.Token, nil), http.StatusNotFound)
	wantProblem(t, s.do(t, http.MethodGet, committeePath("abc"), s.admin.Token, nil), http.StatusNotFound)
}

func TestSeatRules(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	booth := fx.id("LKOW-1")
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	tokens := map[string]string{
		"dc":     dc.Token,
		"worker": s.mkUser(t, models.RoleBoothWorker, booth).Token,
		"viewer": s.mkUser(t, models.RoleViewer, fx.id("LKO")).Token,
	}
	p := func() string { return s.mkPerson(t, booth) }
	taken := p()
	for _, pos := range []models.Position{models.PositionPresident, models.PositionGeneralSecretary, models.PositionTreasurer, models.PositionBoothAgent} {
		s.postSeat(t, dc.Token, booth, p(), string(pos))
	}
	s.postSeat(t, dc.Token, booth, taken, "member")
	agra := s.mkPerson(t, fx.id("AGRC-1"))
	post := http.MethodPost
	seat := func(person, position string) map[string]any {
		return map[string]any{"person_id": person, "position": position}
	}
	runCases(t, s, tokens, []apiCase{
		{name: "201 a second vice president", method: post, path: seatsPath(booth), actor: "dc", body: seat(p(), "vice_president"), wantStatus: s201},
		{name: "201 a third vice president", method: post, path: seatsPath(booth), actor: "dc", body: seat(p(), "vice_president"), wantStatus: s201},
		{name: "201 a secretary", method: post, path: seatsPath(booth), actor: "dc", body: seat(p(), "secretary"), wantStatus: s201},
		{name: "201 the person id as a number", method: post, path: seatsPath(booth), actor: "dc", body: map[string]any{"person_id": json.Number(p()), "position": "member"}, wantStatus: s201},
		{name: "201 a person on a second committee", method: post, path: seatsPath(fx.id("LKOW")), actor: "dc", body: seat(taken, "president"), wantStatus: s201},

		{name: "409 a second president", method: post, path: seatsPath(booth), actor: "dc", body: seat(p(), "president"), wantStatus: http.StatusConflict, wantFields: []string{"position"}},
		{name: "409 a second general secretary", method: post, path: seatsPath(booth), actor: "dc", body: seat(p(), "general_secretary"), wantStatus: http.StatusConflict, wantFields: []string{"position"}},
		{name: "409 a second treasurer", method: post, path: seatsPath(booth), actor: "dc", body: seat(p(), "treasurer"), wantStatus: http.StatusConflict, wantFields: []string{"position"}},
		{name: "409 a second booth agent", method: post, path: seatsPath(booth), actor: "dc", body: seat(p(), "booth_agent"), wantStatus: http.StatusConflict, wantFields: []string{"position"}},
		{name: "409 the same person again, same position", method: post, path: seatsPath(booth), actor: "dc", body: seat(taken, "member"), wantStatus: http.StatusConflict, wantFields: []string{"person_id"}},
		{name: "409 the same person again, another position", method: post, path: seatsPath(booth), actor: "dc", body: seat(taken, "secretary"), wantStatus: http.StatusConflict, wantFields: []string{"person_id"}},

		{name: "422 a booth agent on an assembly", method: post, path: seatsPath(fx.id("LKOW")), actor: "dc", body: seat(p(), "booth_agent"), wantStatus: s422, wantFields: []string{"position"}},
		{name: "422 a booth agent on a district", method: post, path: seatsPath(fx.id("LKO")), actor: "dc", body: seat(p(), "booth_agent"), wantStatus: s422, wantFields: []string{"position"}},
		{name: "422 an unknown position", method: post, path: seatsPath(booth), actor: "dc", body: seat(p(), "chairman"), wantStatus: s422, wantFields: []string{"position"}},
		{name: "422 no position", method: post, path: seatsPath(booth), actor: "dc", body: map[string]any{"person_id": p()}, wantStatus: s422, wantFields: []string{"position"}},
		{name: "422 no person", method: post, path: seatsPath(booth), actor: "dc", body: map[string]any{"position": "member"}, wantStatus: s422, wantFields: []string{"person_id"}},
		{name: "422 a person id that is no id", method: post, path: seatsPath(booth), actor: "dc", body: seat("abc", "member"), wantStatus: s422, wantFields: []string{"person_id"}},
		{name: "422 a person who does not exist", method: post, path: seatsPath(booth), actor: "dc", body: seat("987654321", "member"), wantStatus: s422, wantFields: []string{"person_id"}},
		{name: "422 a person of another district", method: post, path: seatsPath(booth), actor: "dc", body: seat(agra, "member"), wantStatus: s422, wantFields: []string{"person_id"}},

		{name: "404 a booth of another district", method: post, path: seatsPath(fx.id("AGRC-1")), actor: "dc", body: seat(agra, "member"), wantStatus: s404},
		{name: "404 a unit that does not exist", method: post, path: seatsPath("987654321"), actor: "dc", body: seat(p(), "member"), wantStatus: s404},

		{name: "403 a booth worker on their booth", method: post, path: seatsPath(booth), actor: "worker", body: seat(p(), "member"), wantStatus: s403},
		{name: "403 a viewer", method: post, path: seatsPath(booth), actor: "viewer", body: seat(p(), "member"), wantStatus: s403},

		{name: "400 not JSON", method: post, path: seatsPath(booth), actor: "dc", body: "{", wantStatus: http.StatusBadRequest},
	})
	c := s.getCommittee(t, dc.Token, booth)
	holders := map[string]int{}
	for _, st := range c.Seats {
		holders[st.Position]++
	}
	want := map[string]int{"president": 1, "general_secretary": 1, "treasurer": 1, "booth_agent": 1, "member": 2, "vice_president": 2, "secretary": 1}
	if d := cmp.Diff(want, holders); d != "" {
		t.Errorf("seats by position after the table (-want +got):\n%s", d)
	}

	// A booth committee has at most 21 seats.
	for len(s.getCommittee(t, dc.Token, booth).Seats) < 21 {
		s.mkSeat(t, booth, p(), models.PositionMember)
	}
	wantProblem(t, s.do(t, post, seatsPath(booth), dc.Token, seat(p(), "member")), http.StatusConflict)
	if n := len(s.getCommittee(t, dc.Token, booth).Seats); n != 21 {
		t.Errorf("%d seats, want 21", n)
	}
}

func TestEndSeatAndHistory(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	booth := fx.id("LKOW-1")
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	worker := s.mkUser(t, models.RoleBoothWorker, booth)
	first := s.postSeat(t, dc.Token, booth, s.mkPerson(t, booth), "president")
	s.clock.Advance(time.Minute)
	second := s.postSeat(t, dc.Token, booth, s.mkPerson(t, booth), "member")
	s.clock.Advance(time.Minute)
	third := s.postSeat(t, dc.Token, booth, s.mkPerson(t, booth), "secretary")
	s.clock.Advance(time.Minute)
	other := s.postSeat(t, dc.Token, fx.id("LKOW-2"), s.mkPerson(t, fx.id("LKOW-2")), "member")

	del := func(unit, seat, token string) *httptest.ResponseRecorder {
		return s.do(t, http.MethodDelete, seatsPath(unit)+"/"+seat, token, nil)
	}
	wantProblem(t, del(booth, first.ID, worker.Token), s403)
	wantProblem(t, del(booth, other.ID, dc.Token), s404) // another committee's seat
	wantProblem(t, del(booth, "987654321", dc.Token), s404)
	wantProblem(t, del(fx.id("AGRC-1"), first.ID, dc.Token), s404)

	rec := del(booth, first.ID, dc.Token)
	wantStatus(t, rec, http.StatusNoContent)
	if rec.Body.Len() != 0 {
		t.Errorf("204 with a body: %s", rec.Body)
	}
	endedAt := s.clock.Now()
	s.clock.Advance(time.Minute)
	wantProblem(t, del(booth, first.ID, dc.Token), http.StatusConflict)

	c := s.getCommittee(t, worker.Token, booth)
	var current []string
	for _, st := range c.Seats {
		current = append(current, st.ID)
	}
	if d := cmp.Diff([]string{third.ID, second.ID}, current); d != "" {
		t.Errorf("current seats (-want +got):\n%s", d)
	}

	// History: ended and current, newest first, the ended one with when and by whom.
	rec = s.do(t, http.MethodGet, committeePath(booth)+"/history", worker.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	h := decode[seatList](t, rec)
	var got []string
	for _, st := range h.Items {
		got = append(got, st.ID)
	}
	if d := cmp.Diff([]string{third.ID, second.ID, first.ID}, got); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
	if h.NextCursor != nil {
		t.Errorf("next_cursor %q on the only page", *h.NextCursor)
	}
	ended := h.Items[2]
	if ended.EndedAt == nil || !ended.EndedAt.Equal(endedAt) || ended.EndedBy == nil || *ended.EndedBy != dc.ID || ended.Position != "president" {
		t.Errorf("ended seat %+v, want ended at %v by %s", ended, endedAt, dc.ID)
	}
	for _, st := range h.Items[:2] {
		if st.EndedAt != nil || st.EndedBy != nil {
			t.Errorf("current seat %s has ended_at %v ended_by %v", st.ID, st.EndedAt, st.EndedBy)
		}
	}
	items := objects(t, rec.Body.Bytes())
	for _, k := range []string{"ended_at", "ended_by"} {
		if string(items[0][k]) != "null" {
			t.Errorf("a current seat's %s = %s, want null", k, items[0][k])
		}
	}
	// Pages of one.
	var paged []string
	next := committeePath(booth) + "/history?limit=1"
	for i := 0; i < 5; i++ {
		l := decode[seatList](t, s.do(t, http.MethodGet, next, worker.Token, nil))
		for _, st := range l.Items {
			paged = append(paged, st.ID)
		}
		if l.NextCursor == nil {
			break
		}
		next = committeePath(booth) + "/history?limit=1&cursor=" + *l.NextCursor
	}
	if d := cmp.Diff(got, paged); d != "" {
		t.Errorf("history in pages of one (-want +got):\n%s", d)
	}

	// The freed presidency is taken again.
	again := s.postSeat(t, dc.Token, booth, s.mkPerson(t, booth), "president")
	if again.Position != "president" {
		t.Errorf("new president seat %+v", again)
	}
	// The committee of a unit outside the scope has no history either.
	wantProblem(t, s.do(t, http.MethodGet, committeePath(fx.id("LKOW-2"))+"/history", worker.Token, nil), s404)
}

// TestCoverageFollowsCommittees: completing a booth's committee through the API raises the
// complete count of the booth and every unit above it, its Lok Sabha seat included; ending the
// booth agent's term lowers them all again.
func TestCoverageFollowsCommittees(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	booth := fx.id("LKOW-1")
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	keys := []string{"UP", "LKO", "AGR", "PC", "LKOW", "LKOC", "AGRC", "AGRC-S1", "LKOW-1", "LKOW-2", "AGRC-1"}
	above := map[string]bool{"UP": true, "LKO": true, "PC": true, "LKOW": true, "LKOW-1": true}
	before := map[string]coverageJSON{}
	for _, k := range keys {
		before[k] = s.coverageOf(t, fx.id(k))
	}
	wantBooths := map[string]int64{"UP": 5, "LKO": 3, "AGR": 2, "PC": 4, "LKOW": 2, "LKOC": 1, "AGRC": 2, "AGRC-S1": 1, "LKOW-1": 1, "LKOW-2": 1, "AGRC-1": 1}
	for k, c := range before {
		if c.Booths != wantBooths[k] || c.Complete != 0 || c.Share != 0 {
			t.Errorf("%s before: %+v, want %d booths, none complete", k, c, wantBooths[k])
		}
	}
	wantCoverage := func(when string, complete int64) {
		t.Helper()
		for _, k := range keys {
			want := before[k]
			if above[k] {
				want.Complete += complete
				want.Share = float64(want.Complete) / float64(want.Booths)
			}
			if got := s.coverageOf(t, fx.id(k)); got != want {
				t.Errorf("%s: %s coverage %+v, want %+v", when, k, got, want)
			}
		}
	}

	var seats []seatJSON
	positions := []string{"president", "booth_agent", "vice_president", "general_secretary", "treasurer", "secretary", "member", "member", "member", "member"}
	for i, pos := range positions {
		seats = append(seats, s.postSeat(t, dc.Token, booth, s.mkPerson(t, booth), pos))
		c := s.getCommittee(t, dc.Token, booth)
		if want := i == len(positions)-1; c.Complete != want {
			t.Fatalf("after %d seats: complete %v, want %v", i+1, c.Complete, want)
		}
	}
	wantCoverage("complete", 1)
	if c := s.coverageOf(t, fx.id("UP")); c.Share != 0.2 {
		t.Errorf("UP share %v, want 0.2 (1 of 5 booths)", c.Share)
	}

	wantStatus(t, s.do(t, http.MethodDelete, seatsPath(booth)+"/"+seats[1].ID, dc.Token, nil), http.StatusNoContent)
	if s.getCommittee(t, dc.Token, booth).Complete {
		t.Error("still complete without a booth agent")
	}
	wantCoverage("the booth agent gone", 0)
	s.postSeat(t, dc.Token, booth, s.mkPerson(t, booth), "booth_agent")
	wantCoverage("a new booth agent", 1)

	// Moving the booth to another assembly of the district moves its count; the state keeps it.
	wantStatus(t, s.do(t, http.MethodPatch, "/api/v1/units/"+booth, dc.Token, map[string]any{"parent_id": fx.id("LKOC")}), http.StatusOK)
	for k, want := range map[string]int64{"LKOW": 0, "LKOC": 1, "LKO": 1, "UP": 1, "PC": 0, "LKOW-1": 1} {
		if got := s.coverageOf(t, fx.id(k)).Complete; got != want {
			t.Errorf("after the move to LKOC: %s has %d complete booths, want %d", k, got, want)
		}
	}
	// And to an assembly of another district inside the same Lok Sabha seat.
	wantStatus(t, s.do(t, http.MethodPatch, "/api/v1/units/"+booth, s.admin.Token, map[string]any{"parent_id": fx.id("AGRC")}), http.StatusOK)
	for k, want := range map[string]int64{"LKOC": 0, "LKO": 0, "AGRC": 1, "AGR": 1, "UP": 1, "PC": 1} {
		if got := s.coverageOf(t, fx.id(k)).Complete; got != want {
			t.Errorf("after the move to AGRC: %s has %d complete booths, want %d", k, got, want)
		}
	}

	// A new booth counts everywhere above it; deleting it while empty takes it away again.
	newBooth, _ := s.mkUnit(t, models.LevelBooth, fx.id("LKOW"))
	for k, want := range map[string]int64{"LKOW": 2, "LKO": 3, "UP": 6, "PC": 5} {
		if got := s.coverageOf(t, fx.id(k)).Booths; got != want {
			t.Errorf("with a new booth: %s has %d booths, want %d", k, got, want)
		}
	}
	wantStatus(t, s.do(t, http.MethodDelete, "/api/v1/units/"+newBooth, dc.Token, nil), http.StatusNoContent)
	for k, want := range map[string]int64{"LKOW": 1, "LKO": 2, "UP": 5, "PC": 4} {
		if got := s.coverageOf(t, fx.id(k)).Booths; got != want {
			t.Errorf("after deleting it: %s has %d booths, want %d", k, got, want)
		}
	}
	// A booth with a committee is not deleted.
	wantProblem(t, s.do(t, http.MethodDelete, "/api/v1/units/"+booth, s.admin.Token, nil), http.StatusConflict)
}

// TestSeatPresidentConcurrently: twenty requests to make twenty people president of one booth at
// once. One is seated; the others are told the position is taken.
func TestSeatPresidentConcurrently(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	booth := s.fx.id("LKOW-2")
	dc := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	const n = 20
	people := make([]string, n)
	for i := range people {
		people[i] = s.mkPerson(t, booth)
	}
	codes := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = s.do(t, http.MethodPost, seatsPath(booth), dc.Token, map[string]any{"person_id": people[i], "position": "president"}).Code
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if d := cmp.Diff(map[int]int{http.StatusCreated: 1, http.StatusConflict: n - 1}, count); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
	c := s.getCommittee(t, dc.Token, booth)
	if len(c.Seats) != 1 || c.Seats[0].Position != "president" {
		t.Errorf("committee after the race: %+v", c.Seats)
	}
}

// TestCommitteeBatchAPI: a whole booth committee in one request answers 201 with the committee;
// a batch with bad rows answers 422 naming every bad row's field, and writes nothing.
func TestCommitteeBatchAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	booth := fx.id("LKOW-2")
	path := "/api/v1/units/" + booth + "/committee/batch"
	row := func(i int, pos string) map[string]any {
		return map[string]any{"person": map[string]any{"name": "Batch Sadasya " + strconv.Itoa(i), "name_hi": "सदस्य", "gender": "female",
			"category": "OBC", "phone": "98765 4321" + strconv.Itoa(i%10)}, "position": pos}
	}
	existing := s.mkPerson(t, booth)
	bad := []any{row(0, "president"), row(1, "president"), map[string]any{"person_id": "nope", "position": "member"},
		map[string]any{"person": map[string]any{"name": "", "gender": "x", "category": "SC"}, "position": "member"}}
	p := wantProblem(t, s.do(t, http.MethodPost, path, dc.Token, map[string]any{"seats": bad}), http.StatusUnprocessableEntity)
	if got := problemFields(p); !slices.Equal(got, []string{"seats[2].person_id"}) {
		t.Errorf("a malformed id: fields %v", got)
	}
	bad[2] = map[string]any{"person_id": existing, "position": "member"}
	p = wantProblem(t, s.do(t, http.MethodPost, path, dc.Token, map[string]any{"seats": bad}), http.StatusUnprocessableEntity)
	if got := problemFields(p); !slices.Equal(got, []string{"seats[1].position", "seats[3].person.gender", "seats[3].person.name"}) {
		t.Errorf("a bad new person and a second president, all at once: fields %v", got)
	}
	bad = bad[:3]
	p = wantProblem(t, s.do(t, http.MethodPost, path, dc.Token, map[string]any{"seats": bad}), http.StatusUnprocessableEntity)
	if got := problemFields(p); !slices.Equal(got, []string{"seats[1].position"}) {
		t.Errorf("a second president: fields %v", got)
	}
	rec := s.do(t, http.MethodGet, "/api/v1/units/"+booth+"/committee", dc.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if committee := decode[committeeJSON](t, rec); len(committee.Seats) != 0 {
		t.Fatalf("refused batches seated %d people", len(committee.Seats))
	}

	good := []any{row(0, "president"), row(1, "booth_agent"), map[string]any{"person_id": existing, "position": "member"}}
	for i := 3; i < 10; i++ {
		good = append(good, row(i, "member"))
	}
	rec = s.do(t, http.MethodPost, path, dc.Token, map[string]any{"seats": good})
	wantStatus(t, rec, http.StatusCreated)
	committee := decode[committeeJSON](t, rec)
	if len(committee.Seats) != 10 || !committee.Complete {
		t.Errorf("after the batch: %d seats, complete %v", len(committee.Seats), committee.Complete)
	}
}
