package api

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
)

// formulaNames are names a spreadsheet would run as formulas (OWASP CSV injection), and two
// that start with an apostrophe, which must come back exactly as well.
var formulaNames = []string{`=HYPERLINK("http://x","y")`, `+cmd|' /C calc'!A0`, `-2+3`, `@SUM(A1)`, `'=already quoted`, `'Tis plain`}

// guarded is the cell an export must write for a stored value.
func guarded(v string) string {
	switch {
	case v == "'Tis plain":
		return v // an apostrophe before ordinary text is left alone
	case strings.HasPrefix(v, "'"):
		return "'" + v
	case strings.ContainsAny(v[:1], "=+-@\t\r"):
		return "'" + v
	}
	return v
}

// TestExportsGuardFormulaCells: a cell that starts with =, +, -, @, a tab or a carriage return is
// exported with a leading apostrophe, in the people and the units CSV, and the files imported
// into a fresh database give back the stored text (names, castes, phone numbers, unit names).
func TestExportsGuardFormulaCells(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))

	// A booth with a formula for a name, and people with formulas for names and castes.
	rec := s.do(t, http.MethodPost, "/api/v1/units", dc.Token, map[string]any{"level": "booth", "parent_id": fx.id("LKOW"),
		"code": fx.code("LKOW-9"), "name": "=1+1", "name_hi": "@बूथ"})
	wantStatus(t, rec, http.StatusCreated)
	booth := decode[unitJSON](t, rec).ID
	stored := map[string]personJSON{}
	for i, name := range formulaNames {
		body := map[string]any{"name": name, "name_hi": "-" + name, "gender": "female", "category": "SC", "home_unit_id": booth,
			"caste": "+" + strconv.Itoa(i), "phone": "98765 4321" + strconv.Itoa(i), "voter_id": newVoterID()}
		rec := s.do(t, http.MethodPost, "/api/v1/people", dc.Token, body)
		wantStatus(t, rec, http.StatusCreated)
		p := decode[personJSON](t, rec)
		if p.Name != name {
			t.Fatalf("stored name %q, want %q", p.Name, name)
		}
		stored[name] = p
	}

	rows := byName(s.exportPeopleRows(t, dc.Token, "?under="+booth))
	if len(rows) != len(formulaNames) {
		t.Fatalf("export under the booth has %d rows, want %d: %v", len(rows), len(formulaNames), rows)
	}
	for _, name := range formulaNames {
		p := stored[name]
		r := rows[guarded(name)]
		if r == nil {
			t.Errorf("no row with name cell %q; rows %v", guarded(name), slices.Collect(maps.Keys(rows)))
			continue
		}
		got := map[string]string{"name_hi": r[1], "phone": r[4], "caste": r[8]}
		want := map[string]string{"name_hi": "'-" + name, "phone": "'" + jsonString(t, p.Phone), "caste": "'" + jsonString(t, p.Caste)}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%q: cells (-want +got):\n%s", name, d)
		}
	}
	units := s.do(t, http.MethodGet, "/api/v1/exports/units.csv?under="+fx.id("LKO"), s.admin.Token, nil)
	wantStatus(t, units, http.StatusOK)
	if !strings.Contains(units.Body.String(), ",'=1+1,'@बूथ,") {
		t.Errorf("units export does not guard the booth's names:\n%s", units.Body)
	}

	// Into a fresh database: the units first (the whole tree), then the people.
	fresh := newEmptyServer(t)
	all := s.do(t, http.MethodGet, "/api/v1/exports/units.csv", s.admin.Token, nil)
	wantStatus(t, all, http.StatusOK)
	wantImported(t, fresh.importCSV(t, fresh.admin.Token, "", all.Body.String()), len(fixtureKeys)+1, 0)
	people := s.do(t, http.MethodGet, "/api/v1/exports/people.csv?under="+booth, dc.Token, nil)
	wantStatus(t, people, http.StatusOK)
	wantPeopleImported(t, fresh.importPeopleCSV(t, fresh.admin.Token, "", people.Body.String()), len(formulaNames), 0, 0)

	u, ok := fresh.unitByCode(t, fx.code("LKOW-9"))
	if !ok || u.Name != "=1+1" || u.NameHi != "@बूथ" {
		t.Errorf("fresh booth %+v, want names =1+1 and @बूथ", u)
	}
	var back []personJSON
	for _, id := range fresh.listPeople(t, fresh.admin.Token, "/api/v1/people?under="+u.ID) {
		rec := fresh.do(t, http.MethodGet, "/api/v1/people/"+id, fresh.admin.Token, nil)
		wantStatus(t, rec, http.StatusOK)
		back = append(back, decode[personJSON](t, rec))
	}
	if len(back) != len(formulaNames) {
		t.Fatalf("fresh database has %d people at the booth, want %d", len(back), len(formulaNames))
	}
	for _, p := range back {
		want, ok := stored[p.Name]
		if !ok {
			t.Errorf("re-imported name %q is none of the stored ones", p.Name)
			continue
		}
		type fields struct{ Name, NameHi, Phone, VoterID, Caste string }
		of := func(p personJSON) fields {
			return fields{p.Name, p.NameHi, jsonString(t, p.Phone), jsonString(t, p.VoterID), jsonString(t, p.Caste)}
		}
		if d := cmp.Diff(of(want), of(p)); d != "" {
			t.Errorf("%q re-imported (-stored +fresh):\n%s", p.Name, d)
		}
	}
	// And the fresh database exports the very same file.
	again := fresh.do(t, http.MethodGet, "/api/v1/exports/people.csv?under="+u.ID, fresh.admin.Token, nil)
	wantStatus(t, again, http.StatusOK)
	if d := cmp.Diff(people.Body.String(), again.Body.String()); d != "" {
		t.Errorf("export → import → export differs (-first +fresh):\n%s", d)
	}
}

// TestExportGuardsControlCharacters: text stored before validation refused control characters
// (or written by other tools) is guarded too: a tab or carriage return at the start of a cell.
func TestExportGuardsControlCharacters(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	tab := s.mkPerson(t, fx.id("LKOW-2"))
	cr := s.mkPerson(t, fx.id("LKOW-2"))
	if err := s.db.Exec("UPDATE people SET name = ? WHERE id = ?", "\tx", tab).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Exec("UPDATE people SET name = ? WHERE id = ?", "\rx", cr).Error; err != nil {
		t.Fatal(err)
	}
	rows := s.exportPeopleRows(t, s.admin.Token, "?under="+fx.id("LKOW-2"))
	var names []string
	for _, r := range rows {
		names = append(names, r[0])
	}
	slices.Sort(names)
	if d := cmp.Diff([]string{"'\tx", "'\rx"}, names); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
}

// TestPeopleExportIsAudited: every people export leaves one audit row (who, the unit asked for,
// how many rows went out), which the exporter's own audit list shows; booth workers and viewers
// may not export people at all.
func TestPeopleExportIsAudited(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	for range 3 {
		s.mkPerson(t, fx.id("LKOW-1"))
	}
	s.mkPerson(t, fx.id("LKOC-1"))
	s.mkPerson(t, fx.id("AGRC-1"))
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))

	type exportAudit struct {
		Under *struct {
			ID   int64  `json:"id"`
			Code string `json:"code"`
		} `json:"under"`
		Rows     int  `json:"rows"`
		Complete bool `json:"complete"`
	}
	exportRows := func(rows []models.AuditEntry) []models.AuditEntry {
		var out []models.AuditEntry
		for _, r := range rows {
			if r.Action == "export" {
				out = append(out, r)
			}
		}
		return out
	}
	cases := []struct {
		name, query, unit string
		rows              int
	}{
		{"the whole district", "", "LKO", 4},
		{"under an assembly", "?under=" + fx.id("LKOW"), "LKOW", 3},
		{"under an empty booth", "?under=" + fx.id("LKOW-2"), "LKOW-2", 0},
	}
	for _, c := range cases {
		mark := s.auditMark(t)
		if got := len(s.exportPeopleRows(t, dc.Token, c.query)); got != c.rows {
			t.Fatalf("%s: exported %d rows, want %d", c.name, got, c.rows)
		}
		got := exportRows(s.auditSince(t, mark))
		if len(got) != 1 {
			t.Fatalf("%s: %d export audit rows, want 1: %+v", c.name, len(got), got)
		}
		a := got[0]
		if a.Entity != "people" || a.ActorUsername != dc.Username || a.ActorID == nil || strconv.FormatInt(*a.ActorID, 10) != dc.ID ||
			a.UnitID == nil || strconv.FormatInt(*a.UnitID, 10) != fx.id(c.unit) || a.After == nil {
			t.Errorf("%s: audit row %+v", c.name, a)
			continue
		}
		var after exportAudit
		if err := json.Unmarshal([]byte(*a.After), &after); err != nil {
			t.Fatalf("%s: after %q: %v", c.name, *a.After, err)
		}
		if after.Rows != c.rows || !after.Complete {
			t.Errorf("%s: audit says %d rows (complete %v), want %d", c.name, after.Rows, after.Complete, c.rows)
		}
		if (c.query == "") != (after.Under == nil) || (after.Under != nil && after.Under.Code != fx.code(c.unit)) {
			t.Errorf("%s: audit under %+v", c.name, after.Under)
		}
	}
	// The coordinator finds their exports in their own audit list.
	rec := s.do(t, http.MethodGet, "/api/v1/audit?actor="+dc.ID, dc.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if n := strings.Count(rec.Body.String(), `"action":"export"`); n != len(cases) {
		t.Errorf("the coordinator's audit list shows %d exports, want %d: %s", n, len(cases), rec.Body)
	}

	// Booth workers and viewers: 403, and nothing is exported or recorded.
	mark := s.auditMark(t)
	for _, u := range []testUser{s.mkUser(t, models.RoleBoothWorker, fx.id("LKOW-1")), s.mkUser(t, models.RoleViewer, fx.id("LKO"))} {
		for _, q := range []string{"", "?under=" + fx.id("LKOW-1")} {
			rec := s.do(t, http.MethodGet, "/api/v1/exports/people.csv"+q, u.Token, nil)
			wantProblem(t, rec, http.StatusForbidden)
		}
	}
	if got := exportRows(s.auditSince(t, mark)); len(got) != 0 {
		t.Errorf("refused exports were recorded: %+v", got)
	}
}
