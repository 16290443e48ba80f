package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestIncidentMemorandumOverHTTP: the memorandum answers HTML with its own strict CSP, in Hindi
// to the Governor and in English to the District Magistrate of the incident's district, the
// findings verbatim and user text escaped; before the report 409 problem+json; a coordinator of
// another district 404, a booth worker 403, a bad lang 422 naming the field.
func TestIncidentMemorandumOverHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	other := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("AGR"))
	worker := s.mkUser(t, models.RoleBoothWorker, fx.id("LKOW-1"))
	state := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))
	convener := s.mkPerson(t, fx.id("LKO"), func(in *services.PersonInput) {
		in.Name, in.NameHi = "Ram Prasad Verma", "राम प्रसाद वर्मा"
	})

	rec := s.do(t, http.MethodPost, "/api/v1/incidents", dc.Token, map[string]any{"unit_id": fx.id("LKOW-1"), "occurred_on": "2024-03-10",
		"place": "गाँव रामपुर", "title": `घर जलाए गए <script>alert('x')</script>`, "description": `"Three" houses & more`, "kind": "atrocity",
		"affected_groups": []string{"SC"}})
	wantStatus(t, rec, http.StatusCreated)
	inc := decode[incidentJSON](t, rec)
	base := "/api/v1/incidents/" + inc.ID
	memo := base + "/memorandum"

	p := wantProblem(t, s.do(t, http.MethodGet, memo+"?lang=hi", state.Token, nil), http.StatusConflict)
	if !strings.Contains(p.Detail, "report") {
		t.Errorf("409 before the report does not say why: %+v", p)
	}
	v := inc.Version
	rec = s.doIfMatch(t, http.MethodPost, base+"/committee", state.Token, fmt.Sprintf(`"v%d"`, v), map[string]any{"member_ids": []string{convener}, "convener_id": convener, "formed_on": "2024-03-11"})
	wantStatus(t, rec, http.StatusOK)
	rec = s.doIfMatch(t, http.MethodPost, base+"/report", state.Token, rec.Header().Get("ETag"), map[string]any{"visited_on": "2024-03-12",
		"findings": "पुलिस ने FIR दर्ज नहीं की।\n<b>bold</b>", "recommendations": "दोषियों की गिरफ्तारी"})
	wantStatus(t, rec, http.StatusOK)

	rec = s.do(t, http.MethodGet, memo+"?lang=hi", dc.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if ct, csp := rec.Header().Get("Content-Type"), rec.Header().Get("Content-Security-Policy"); ct != "text/html; charset=utf-8" ||
		!strings.Contains(csp, "default-src 'none'; style-src "+services.MemoStyleHash+";") || strings.Contains(csp, "unsafe") || strings.Contains(csp, "script-src") {
		t.Errorf("headers: Content-Type %q CSP %q", ct, csp)
	}
	body := rec.Body.String()
	for _, want := range []string{`<html lang="hi">`, "महामहिम राज्यपाल", "घर जलाए गए &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;",
		"पुलिस ने FIR दर्ज नहीं की।\n&lt;b&gt;bold&lt;/b&gt;", "<li>दोषियों की गिरफ्तारी</li>", "राम प्रसाद वर्मा", "&#34;Three&#34; houses &amp; more"} {
		if !strings.Contains(body, want) {
			t.Errorf("Hindi memorandum lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "<b>") {
		t.Errorf("raw user markup in the memorandum:\n%s", body)
	}
	rec = s.do(t, http.MethodGet, memo+"?lang=en&to=dm", state.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if body := rec.Body.String(); !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "The District Magistrate") ||
		!strings.Contains(body, "Ram Prasad Verma") || strings.Contains(body, "Governor,") {
		t.Errorf("English DM memorandum:\n%s", body)
	}

	wantProblem(t, s.do(t, http.MethodGet, memo+"?lang=hi", other.Token, nil), http.StatusNotFound)
	wantProblem(t, s.do(t, http.MethodGet, memo+"?lang=hi", worker.Token, nil), http.StatusForbidden)
	p = wantProblem(t, s.do(t, http.MethodGet, memo+"?lang=fr", state.Token, nil), http.StatusUnprocessableEntity)
	if len(p.Errors) == 0 || p.Errors[0].Field != "lang" {
		t.Errorf("bad lang: %+v", p)
	}
}
