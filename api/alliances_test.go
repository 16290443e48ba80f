package api

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// allianceWrite: only admin and the state office change the alliance.
func allianceWrite(ok int) byRole {
	return byRole{"admin": {ok}, "state": {ok}, "dc": {s403}, "worker": {s403}, "viewer": {s403}}
}

// party is a fresh party, made through the service.
func (m *matrix) party() string { return m.s.mkParty(m.t, m.unique("Party")) }

// election is an election no other cell uses.
func (m *matrix) election() string { return "Matrix " + m.unique("E") + " 2029" }

// share is a fresh seat share of the assembly at loc, in an election of its own.
func (m *matrix) share(loc string) string {
	a, _ := m.assembly(loc)
	return m.s.mkShare(m.t, m.election(), a, m.party())
}

// mkParty adds a party named name (short name the same) as the installation; returns its API id.
func (s *testServer) mkParty(t *testing.T, name string) string {
	t.Helper()
	p, err := s.set.Alliances.CreateParty(context.Background(), services.System, services.PartyInput{Name: &name, ShortName: &name})
	if err != nil {
		t.Fatalf("mkParty: %v", err)
	}
	return strconv.FormatInt(p.ID, 10)
}

// mkShare allots the unit to the party (API ids) for election as the installation.
func (s *testServer) mkShare(t *testing.T, election, unitID, partyID string) string {
	t.Helper()
	u, err1 := strconv.ParseInt(unitID, 10, 64)
	p, err2 := strconv.ParseInt(partyID, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("mkShare: %q %q", unitID, partyID)
	}
	v, err := s.set.Alliances.CreateShare(context.Background(), services.System, services.SeatShareInput{Election: election, UnitID: &u, PartyID: &p})
	if err != nil {
		t.Fatalf("mkShare: %v", err)
	}
	return strconv.FormatInt(v.Share.ID, 10)
}

type seatShareJSON struct {
	ID       string  `json:"id"`
	Election string  `json:"election"`
	UnitID   string  `json:"unit_id"`
	Unit     unitRef `json:"unit"`
	PartyID  string  `json:"party_id"`
	Party    struct {
		ShortName string `json:"short_name"`
	} `json:"party"`
	Version int64 `json:"version"`
}

type summaryJSON struct {
	Items []struct {
		District *unitRef `json:"district"`
		Level    string   `json:"level"`
		ByParty  []struct {
			PartyID   string `json:"party_id"`
			ShortName string `json:"short_name"`
			Seats     int64  `json:"seats"`
		} `json:"by_party"`
		Unallotted int64 `json:"unallotted"`
		Total      int64 `json:"total"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// TestAlliancesOverHTTP: the state office adds parties and allots seats; a second share of a seat
// in the same election answers 409 naming the holder; levels, If-Match and party deletion are
// enforced; every role reads the table and the summary by district; the CSV export guards
// formula cells and is audited.
func TestAlliancesOverHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	state := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("AGR"))
	worker := s.mkUser(t, models.RoleBoothWorker, fx.id("LKOW-1"))
	election := fx.prefix + " Lok Sabha 2029"

	mk := func(name, short string) string {
		rec := s.do(t, http.MethodPost, "/api/v1/parties", state.Token, map[string]any{"name": name, "short_name": short, "name_hi": "दल", "symbol": "साइकिल"})
		wantStatus(t, rec, http.StatusCreated)
		if rec.Header().Get("ETag") != `"v1"` {
			t.Fatalf("ETag %q", rec.Header().Get("ETag"))
		}
		return decode[struct {
			ID string `json:"id"`
		}](t, rec).ID
	}
	own := mk(fx.prefix+" Own Party", "O"+fx.prefix)
	ally := mk(fx.prefix+" Ally Party", "A"+fx.prefix)
	p := wantProblem(t, s.do(t, http.MethodPost, "/api/v1/parties", state.Token, map[string]any{"name": strings.ToUpper(fx.prefix + " ally party"), "short_name": "Z" + fx.prefix}), http.StatusConflict)
	wantFieldCode(t, p, "name", "party_taken")
	wantProblem(t, s.do(t, http.MethodPost, "/api/v1/parties", dc.Token, map[string]any{"name": "x", "short_name": "x"}), http.StatusForbidden)

	share := func(unit, party string) *httptest.ResponseRecorder {
		return s.do(t, http.MethodPost, "/api/v1/seat-shares", state.Token, map[string]any{"election": election, "unit_id": unit, "party_id": party})
	}
	rec := share(fx.id("PC"), own)
	wantStatus(t, rec, http.StatusCreated)
	pc := decode[seatShareJSON](t, rec)
	if pc.Election != election || pc.Unit.Code != fx.code("PC") || pc.PartyID != own || pc.Version != 1 {
		t.Fatalf("share: %s", rec.Body)
	}
	p = wantProblem(t, share(fx.id("PC"), ally), http.StatusConflict)
	wantFieldCode(t, p, "unit_id", "seat_taken")
	if p.Errors[0].Params["party_id"] != own || !strings.Contains(p.Detail, "O"+fx.prefix) {
		t.Errorf("the conflict does not name the holder: %+v", p)
	}
	for _, u := range []string{fx.id("LKO"), fx.id("LKOW-1"), fx.id("AGRC-S1")} {
		wantFieldCode(t, wantProblem(t, share(u, ally), http.StatusUnprocessableEntity), "unit_id", "level_not_allowed")
	}
	wantFieldCode(t, wantProblem(t, s.do(t, http.MethodPost, "/api/v1/seat-shares", state.Token, map[string]any{"election": "Lok Sabha", "unit_id": fx.id("LKOW"), "party_id": ally}),
		http.StatusUnprocessableEntity), "election", "election_format")
	wantStatus(t, share(fx.id("AGRC"), ally), http.StatusCreated)

	// Move the Lok Sabha seat to the ally: stale If-Match 412, then 200.
	base := "/api/v1/seat-shares/" + pc.ID
	wantProblem(t, s.doIfMatch(t, http.MethodPatch, base, state.Token, `"v9"`, map[string]any{"party_id": ally}), http.StatusPreconditionFailed)
	wantProblem(t, s.doIfMatch(t, http.MethodPatch, base, dc.Token, `"v1"`, map[string]any{"party_id": ally}), http.StatusForbidden)
	rec = s.doIfMatch(t, http.MethodPatch, base, state.Token, `"v1"`, map[string]any{"party_id": ally})
	wantStatus(t, rec, http.StatusOK)
	if got := decode[seatShareJSON](t, rec); got.PartyID != ally || got.Version != 2 || rec.Header().Get("ETag") != `"v2"` {
		t.Fatalf("moved: %s", rec.Body)
	}
	wantFieldCode(t, wantProblem(t, s.do(t, http.MethodDelete, "/api/v1/parties/"+ally, state.Token, nil), http.StatusConflict), "id", "party_has_seats")
	wantStatus(t, s.do(t, http.MethodDelete, "/api/v1/parties/"+own, state.Token, nil), http.StatusNoContent)

	// Every role reads: the coordinator of Agra and a booth worker of Lucknow see the whole table.
	for _, tok := range []string{dc.Token, worker.Token} {
		list := decode[struct {
			Items []seatShareJSON `json:"items"`
		}](t, s.do(t, http.MethodGet, "/api/v1/seat-shares?election="+url.QueryEscape(election)+"&under="+fx.id("UP"), tok, nil))
		if len(list.Items) != 2 {
			t.Fatalf("list: %+v", list.Items)
		}
		// Summary: the Lok Sabha seat's assemblies lie one in Lucknow, one in Agra; the tie goes
		// to the lower district id.
		sum := decode[summaryJSON](t, s.do(t, http.MethodGet, "/api/v1/seat-shares/summary?election="+url.QueryEscape(election)+"&under="+fx.id("UP"), tok, nil))
		pcHome := fx.id("LKO")
		if lko, _ := strconv.ParseInt(fx.id("LKO"), 10, 64); lko > mustInt(t, fx.id("AGR")) {
			pcHome = fx.id("AGR")
		}
		got := map[string]string{}
		for _, it := range sum.Items {
			parties := ""
			for _, bp := range it.ByParty {
				parties += bp.PartyID + "=" + strconv.FormatInt(bp.Seats, 10) + ";"
			}
			got[it.District.ID+"/"+it.Level] = fmt.Sprintf("%s unallotted %d of %d", parties, it.Unallotted, it.Total)
		}
		want := map[string]string{
			pcHome + "/parliamentary":  ally + "=1; unallotted 0 of 1",
			fx.id("LKO") + "/assembly": " unallotted 2 of 2",
			fx.id("AGR") + "/assembly": ally + "=1; unallotted 0 of 1",
		}
		if d := gocmp.Diff(want, got); d != "" || sum.NextCursor != nil {
			t.Fatalf("summary (-want +got):\n%s", d)
		}
	}
	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/seat-shares/summary", dc.Token, nil), http.StatusUnprocessableEntity)

	// The export guards formula cells and is audited.
	formula := mk(`=HYPERLINK("http://x","y")`, "@SUM"+fx.prefix)
	wantStatus(t, share(fx.id("LKOW"), formula), http.StatusCreated)
	mark := s.auditMark(t)
	rec = s.do(t, http.MethodGet, "/api/v1/exports/seat-shares.csv?election="+url.QueryEscape(election)+"&under="+fx.id("LKO"), worker.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(services.SeatShareColumns, ",") {
		t.Fatalf("export: %q", rows)
	}
	found := false
	for _, r := range rows[1:] {
		if r[4] == fx.code("LKOW") {
			found = true
			if r[8] != "'@SUM"+fx.prefix || r[9] != `'=HYPERLINK("http://x","y")` || r[1] != fx.code("LKO") {
				t.Errorf("row %q", r)
			}
		}
	}
	if !found {
		t.Errorf("no row of LKOW: %q", rows)
	}
	if got := s.auditSince(t, mark); len(got) != 1 || got[0].Action != "export" || got[0].Entity != "seat_shares" {
		t.Errorf("audit: %+v", got)
	}
	wantStatus(t, s.doIfMatch(t, http.MethodDelete, base, state.Token, `"v2"`, nil), http.StatusNoContent)
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSeatShareRaceOverHTTP: 16 state-office clients at once each give the same seat to another
// party for the same election: exactly one 201, every other 409 naming the winner; verify then
// finds nothing.
func TestSeatShareRaceOverHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	state := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))
	const n = 16
	parties := make([]string, n)
	for i := range parties {
		parties[i] = s.mkParty(t, fmt.Sprintf("%s-P%d", fx.prefix, i))
	}
	codes := make([]int, n)
	bodies := make([]string, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rec := s.do(t, http.MethodPost, "/api/v1/seat-shares", state.Token, map[string]any{"election": "Lok Sabha 2029", "unit_id": fx.id("PC"), "party_id": parties[i]})
			codes[i], bodies[i] = rec.Code, rec.Body.String()
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	winner := ""
	for i, c := range codes {
		count[c]++
		if c == http.StatusCreated {
			winner = parties[i]
		}
	}
	if d := gocmp.Diff(map[int]int{http.StatusCreated: 1, http.StatusConflict: n - 1}, count); d != "" {
		t.Fatalf("statuses (-want +got):\n%s", d)
	}
	for i, c := range codes {
		if c == http.StatusConflict && !strings.Contains(bodies[i], `"party_id":"`+winner+`"`) {
			t.Errorf("a loser's answer does not name the winner %s: %s", winner, bodies[i])
		}
	}
	diffs, err := services.NewVerifier(s.db.DB, services.SystemClock).Check(context.Background(), services.System)
	if err != nil || len(diffs) != 0 {
		t.Fatalf("verify: %v %v", diffs, err)
	}
}
