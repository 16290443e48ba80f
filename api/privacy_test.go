package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestPersonDataExportAndErasureAPI: the state office downloads a person's data as a JSON file
// (every field, the seats, no password hash); erasing needs a reason and If-Match (422, 412),
// then answers 200 with the placeholder and no phone; the person's GET shows the same with
// erased_at; a second erasure is 409; coordinators are refused (403) and another state does not
// find the person (404).
func TestPersonDataExportAndErasureAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	booth := s.fx.id("LKOW-1")
	so := s.mkUser(t, models.RoleStateOffice, s.fx.id("UP"))
	dc := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	x := s.mkElsewhere(t)
	other := s.mkUser(t, models.RoleStateOffice, x.state)
	id := s.mkPerson(t, booth, func(in *services.PersonInput) {
		in.Name, in.Phone, in.VoterID, in.Caste, in.Religion = "Xanthe Privacy", "+919811122233", "XPV1234567", "Jatavxyz", "buddhist"
	})
	s.mkSeat(t, booth, id, models.PositionMember)
	base := "/api/v1/people/" + id

	rec := s.do(t, http.MethodGet, base+"/data-export", so.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="person-`+id+`-data.json"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	type export struct {
		Person struct {
			Name     string  `json:"name"`
			Caste    string  `json:"caste"`
			Phone    *string `json:"phone"`
			ErasedAt *string `json:"erased_at"`
		} `json:"person"`
		Seats    []map[string]any `json:"seats"`
		Accounts []map[string]any `json:"accounts"`
		Audit    []map[string]any `json:"audit"`
	}
	got := decode[export](t, rec)
	if got.Person.Name != "Xanthe Privacy" || got.Person.Phone == nil || *got.Person.Phone != "+919811122233" || got.Person.Caste != "Jatavxyz" ||
		len(got.Seats) != 1 || len(got.Audit) != 2 || strings.Contains(rec.Body.String(), "password") {
		t.Errorf("export: %s", rec.Body)
	}
	wantStatus(t, s.do(t, http.MethodGet, base+"/data-export", dc.Token, nil), http.StatusForbidden)
	wantStatus(t, s.do(t, http.MethodGet, base+"/data-export", other.Token, nil), http.StatusNotFound)

	mark := s.auditMark(t)
	body := map[string]any{"reason": "Form 17 of 1 March 2024"}
	p := wantProblem(t, s.do(t, http.MethodPost, base+"/erase", so.Token, body), http.StatusUnprocessableEntity)
	wantFieldCode(t, p, "If-Match", "required")
	p = wantProblem(t, s.doIfMatch(t, http.MethodPost, base+"/erase", so.Token, `"v1"`, map[string]any{}), http.StatusUnprocessableEntity)
	wantFieldCode(t, p, "reason", "required")
	p = wantProblem(t, s.doIfMatch(t, http.MethodPost, base+"/erase", so.Token, `"v9"`, body), http.StatusPreconditionFailed)
	wantFieldCode(t, p, "version", "version_mismatch")
	wantStatus(t, s.doIfMatch(t, http.MethodPost, base+"/erase", dc.Token, `"v1"`, body), http.StatusForbidden)
	wantStatus(t, s.doIfMatch(t, http.MethodPost, base+"/erase", other.Token, `"v1"`, body), http.StatusNotFound)

	rec = s.doIfMatch(t, http.MethodPost, base+"/erase", so.Token, `"v1"`, body)
	wantStatus(t, rec, http.StatusOK)
	if rec.Header().Get("ETag") != `"v2"` || strings.Contains(rec.Body.String(), "Xanthe") || strings.Contains(rec.Body.String(), "9811122233") ||
		!strings.Contains(rec.Body.String(), `"name":"Erased person #`+id+`"`) || !strings.Contains(rec.Body.String(), `"seats_kept":1`) {
		t.Errorf("erase: %s %s", rec.Header(), rec.Body)
	}
	rec = s.do(t, http.MethodGet, base, so.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if b := rec.Body.String(); !strings.Contains(b, `"erased_at"`) || !strings.Contains(b, `"phone":null`) || !strings.Contains(b, "मिटाया गया व्यक्ति #"+id) {
		t.Errorf("erased person: %s", b)
	}
	wantProblem(t, s.doIfMatch(t, http.MethodPost, base+"/erase", so.Token, `"v2"`, body), http.StatusConflict)
	rows := s.auditSince(t, mark)
	if len(rows) != 1 || rows[0].Action != "erase" || rows[0].After == nil || !strings.Contains(*rows[0].After, "Form 17") {
		t.Fatalf("audit after erasure: %+v", rows)
	}
}
