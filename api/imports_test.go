package api

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sangathan/sangathan/demodata"
	"github.com/sangathan/sangathan/services"
)

// contractUnitColumns is the units CSV header as API.md fixes it.
var contractUnitColumns = []string{"level", "code", "name", "name_hi", "parent_code", "number", "reserved", "parliamentary_code",
	"electors", "population_total", "population_sc", "population_st", "population_muslim"}

// readUnitsCSV parses a units CSV and checks its header: the columns the contract names, in its
// order, then any the service adds (services.UnitColumns).
func readUnitsCSV(t *testing.T, body string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v", err)
	}
	if len(recs) == 0 {
		t.Fatal("export is empty; want at least the header")
	}
	if diff := cmp.Diff(services.UnitColumns, recs[0]); diff != "" {
		t.Errorf("export header (-want +got):\n%s", diff)
	}
	if len(recs[0]) < len(contractUnitColumns) || !slices.Equal(recs[0][:len(contractUnitColumns)], contractUnitColumns) {
		t.Errorf("export header %v does not start with the contract's columns %v", recs[0], contractUnitColumns)
	}
	return recs[1:]
}

// csvCodes returns the codes in a units CSV, sorted.
func csvCodes(t *testing.T, body string) []string {
	t.Helper()
	var codes []string
	for _, r := range readUnitsCSV(t, body) {
		codes = append(codes, r[1])
	}
	slices.Sort(codes)
	return codes
}

// sortedRows returns the data rows of a units CSV as lines, sorted, for comparing exports
// whose ids, and so whose path order, differ.
func sortedRows(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	for _, r := range readUnitsCSV(t, body) {
		out = append(out, strings.Join(r, "\x1f"))
	}
	slices.Sort(out)
	return out
}

// importCSV posts a units CSV as the token's user.
func (s *testServer) importCSV(t *testing.T, token, query, body string) *httptest.ResponseRecorder {
	t.Helper()
	return s.do(t, http.MethodPost, "/api/v1/imports/units"+query, token, csvText(body))
}

// wantImported checks a 200 import answer and returns it.
func wantImported(t *testing.T, rec *httptest.ResponseRecorder, inserted, updated int) importJSON {
	t.Helper()
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), `"errors":[`) {
		t.Errorf("import answer has no errors list: %s", rec.Body)
	}
	res := decode[importJSON](t, rec)
	if res.Inserted != inserted || res.Updated != updated {
		t.Errorf("import: inserted %d updated %d, want %d and %d; errors %v", res.Inserted, res.Updated, inserted, updated, res.Errors)
	}
	return res
}

// lineFields lists "line field" for each row error, with every message required.
func lineFields(t *testing.T, errs []services.FieldError) []string {
	t.Helper()
	out := []string{}
	for _, e := range errs {
		if e.Message == "" {
			t.Errorf("row error %+v has no message", e)
		}
		out = append(out, strconv.Itoa(e.Line)+" "+e.Field)
	}
	return out
}

// unitByCode reads a unit through the API, finding its id by code.
func (s *testServer) unitByCode(t *testing.T, code string) (unitJSON, bool) {
	t.Helper()
	u, err := s.units.UnitByCode(context.Background(), services.System, code)
	if services.ErrorCode(err) == services.ENotFound {
		return unitJSON{}, false
	}
	if err != nil {
		t.Fatalf("unit %s: %v", code, err)
	}
	rec := s.do(t, http.MethodGet, "/api/v1/units/"+strconv.FormatInt(u.ID, 10), s.admin.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	return decode[unitJSON](t, rec), true
}

func TestImportUnits(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	r := strings.NewReplacer("{UP}", fx.code("UP"), "{LKO}", fx.code("LKO"), "{LKOW}", fx.code("LKOW"), "{PC}", fx.code("PC"))
	header := "level,code,name,name_hi,parent_code,number,reserved,parliamentary_code,electors,population_total,population_sc,population_st,population_muslim,population_minority\n"
	// Children before their parents, a new district and an assembly in an existing district.
	newUnits := r.Replace(header +
		"booth,IMP-B1,\"Panchayat Bhawan, Itaunja\",\"पंचायत भवन, \"\"इटौंजा\"\"\",IMP-AC1,1,,,905,,,,,\n" +
		"assembly,IMP-AC1,Bakshi Ka Talab,बख्शी का तालाब,{LKO},170,,{PC},905,,,,,\n" +
		"district,IMP-D,Barabanki,बाराबंकी,{UP},\"120\",,,,\"3,260,699\",869567,,,\n" +
		"assembly,IMP-AC2,Zaidpur,जैदपुर,IMP-D,269,sc,,,,,,,\n" +
		"booth,IMP-B2,Kanya Vidyalaya,कन्या विद्यालय,IMP-AC2,1,,,,,,,,\n")

	t.Run("200 inserts, parents later in the file than their children", func(t *testing.T) {
		res := wantImported(t, s.importCSV(t, s.admin.Token, "", newUnits), 5, 0)
		if len(res.Errors) != 0 {
			t.Errorf("errors = %v, want none", res.Errors)
		}
		b1, ok := s.unitByCode(t, "IMP-B1")
		if !ok {
			t.Fatal("IMP-B1 was not written")
		}
		if b1.Name != "Panchayat Bhawan, Itaunja" || b1.NameHi != `पंचायत भवन, "इटौंजा"` {
			t.Errorf("quoted fields: name %q name_hi %q", b1.Name, b1.NameHi)
		}
		var anc []string
		for _, a := range b1.Ancestors {
			anc = append(anc, a.Code)
		}
		if diff := cmp.Diff([]string{fx.code("UP"), fx.code("LKO"), "IMP-AC1"}, anc); diff != "" {
			t.Errorf("IMP-B1 ancestors (-want +got):\n%s", diff)
		}
		ac2, _ := s.unitByCode(t, "IMP-AC2")
		if ac2.Reserved != "SC" || ac2.Number == nil || *ac2.Number != 269 {
			t.Errorf("IMP-AC2 reserved %q number %v", ac2.Reserved, ac2.Number)
		}
		d, _ := s.unitByCode(t, "IMP-D")
		if d.Population == nil || d.Population.Total == nil || *d.Population.Total != 3260699 || d.Coverage.Booths != 1 {
			t.Errorf("IMP-D population %+v booths %d; want total 3260699 and 1 booth", d.Population, d.Coverage.Booths)
		}
	})

	t.Run("200 updates the same codes", func(t *testing.T) {
		again := strings.Replace(newUnits, "Zaidpur,जैदपुर", "Zaidpur (SC),ज़ैदपुर", 1)
		wantImported(t, s.importCSV(t, s.admin.Token, "?mode=all_or_nothing", again), 0, 5)
		if ac2, _ := s.unitByCode(t, "IMP-AC2"); ac2.Name != "Zaidpur (SC)" || ac2.NameHi != "ज़ैदपुर" {
			t.Errorf("IMP-AC2 after update: %q %q", ac2.Name, ac2.NameHi)
		}
	})

	t.Run("200 for application/csv, a byte order mark and columns in any order", func(t *testing.T) {
		body := "\ufeffname,parent_code,code,level\nReordered booth," + fx.code("LKOW") + ",IMP-B3,booth\n"
		req := httptest.NewRequest(http.MethodPost, "/api/v1/imports/units", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/csv")
		req.Header.Set("Authorization", "Bearer "+s.admin.Token)
		wantImported(t, s.send(req), 1, 0)
	})

	// Rows 3 to 6 are bad; rows 2 and 7 are good.
	mixed := r.Replace("level,code,name,name_hi,parent_code,number\n" +
		"booth,MIX-OK-1,Good booth one,,{LKOW},3\n" +
		"village,MIX-BAD-1,Bad level,,{LKOW},\n" +
		"booth,MIX-BAD-2,,,{LKOW},\n" +
		"booth,MIX-BAD-3,Unknown parent,,NO-SUCH-CODE,\n" +
		"booth,MIX-BAD-4,Bad number,,{LKOW},four\n" +
		"booth,MIX-OK-2,Good booth two,,{LKOW},5\n")
	wantErrs := []string{"3 level", "4 name", "5 parent_code", "6 number"}
	mixedCodes := []string{"MIX-BAD-1", "MIX-BAD-2", "MIX-BAD-3", "MIX-BAD-4", "MIX-OK-1", "MIX-OK-2"}
	written := func(t *testing.T) []string {
		t.Helper()
		var got []string
		for _, c := range mixedCodes {
			if _, ok := s.unitByCode(t, c); ok {
				got = append(got, c)
			}
		}
		return got
	}

	t.Run("422 all_or_nothing with bad rows: line, field and message each; nothing written", func(t *testing.T) {
		for _, q := range []string{"", "?mode=all_or_nothing"} {
			p := wantProblem(t, s.importCSV(t, s.admin.Token, q, mixed), http.StatusUnprocessableEntity)
			if diff := cmp.Diff(wantErrs, lineFields(t, p.Errors)); diff != "" {
				t.Errorf("mode %q: row errors (-want +got):\n%s", q, diff)
			}
			if got := written(t); len(got) != 0 {
				t.Errorf("mode %q: a failed import wrote %v", q, got)
			}
		}
		if got := s.listCodes(t, s.admin.Token, "/api/v1/units?q=good+booth"); len(got) != 0 {
			t.Errorf("GET /units finds %v after a failed import", got)
		}
	})

	t.Run("200 valid_rows writes the good rows and lists the bad", func(t *testing.T) {
		res := wantImported(t, s.importCSV(t, s.admin.Token, "?mode=valid_rows", mixed), 2, 0)
		if diff := cmp.Diff(wantErrs, lineFields(t, res.Errors)); diff != "" {
			t.Errorf("row errors (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"MIX-OK-1", "MIX-OK-2"}, written(t)); diff != "" {
			t.Errorf("written (-want +got):\n%s", diff)
		}
	})

	t.Run("422 names an unknown column", func(t *testing.T) {
		p := wantProblem(t, s.importCSV(t, s.admin.Token, "", "level,code,name,colour\nbooth,COL-1,Colour booth,red\n"), http.StatusUnprocessableEntity)
		if diff := cmp.Diff([]string{"1 colour"}, lineFields(t, p.Errors)); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
		if _, ok := s.unitByCode(t, "COL-1"); ok {
			t.Error("a file with an unknown column was written")
		}
	})

	runCases(t, s, map[string]string{"admin": s.admin.Token}, []apiCase{
		{name: "422 required column missing", method: http.MethodPost, path: "/api/v1/imports/units", actor: "admin", body: csvText("level,code\nbooth,X-1\n"), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name"}},
		{name: "422 empty file", method: http.MethodPost, path: "/api/v1/imports/units", actor: "admin", body: csvText(""), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"header"}},
		{name: "422 unknown mode", method: http.MethodPost, path: "/api/v1/imports/units?mode=best_effort", actor: "admin", body: csvText(newUnits), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"mode"}},
		{name: "422 broken quoting", method: http.MethodPost, path: "/api/v1/imports/units", actor: "admin", body: csvText("level,code,name,parent_code\nbooth,Q-1,\"Open quote," + fx.code("LKOW") + "\n"), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"row"}},
		{name: "422 duplicate code in the file", method: http.MethodPost, path: "/api/v1/imports/units", actor: "admin", body: csvText(r.Replace("level,code,name,parent_code\nbooth,DUP-1,One,{LKOW}\nbooth,DUP-1,Two,{LKOW}\n")), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"code"}},
		{name: "422 a stored unit's level cannot change", method: http.MethodPost, path: "/api/v1/imports/units", actor: "admin", body: csvText(r.Replace("level,code,name,parent_code\nsector," + fx.code("LKOW-1") + ",Now a sector,{LKOW}\n")), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"level"}},
		{name: "415 JSON", method: http.MethodPost, path: "/api/v1/imports/units", actor: "admin", body: `{"level":"booth"}`, wantStatus: http.StatusUnsupportedMediaType},
		{name: "415 no content type", method: http.MethodPost, path: "/api/v1/imports/units", actor: "admin", wantStatus: http.StatusUnsupportedMediaType},
	})

	for _, ct := range []string{"text/plain", "multipart/form-data; boundary=x", "application/vnd.ms-excel", "text/csv;;"} {
		t.Run("415 "+ct, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/imports/units", strings.NewReader(newUnits))
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Authorization", "Bearer "+s.admin.Token)
			wantProblem(t, s.send(req), http.StatusUnsupportedMediaType)
		})
	}

	t.Run("413 over the import limit", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/imports/units", strings.NewReader(newUnits))
		req.ContentLength = MaxImportBody + 1
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+s.admin.Token)
		wantProblem(t, s.send(req), http.StatusRequestEntityTooLarge)
	})
}

func TestExportUnits(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	// A unit whose fields need CSV quoting and byte-exact Devanagari.
	wantStatus(t, s.do(t, http.MethodPost, "/api/v1/units", s.admin.Token, map[string]any{"level": "booth", "parent_id": fx.id("LKOC"),
		"code": "EXP-Q", "name": `Room "7", Old Town Hall`, "name_hi": nameHi, "number": 3, "electors": 1}), http.StatusCreated)
	all := append(fx.codes(fixtureKeys...), "EXP-Q")
	slices.Sort(all)

	var full string
	t.Run("200 streams text/csv with the units header, parents before children", func(t *testing.T) {
		rec := s.do(t, http.MethodGet, "/api/v1/exports/units.csv", s.admin.Token, nil)
		wantStatus(t, rec, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("Content-Type = %q, want text/csv", ct)
		}
		if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
			t.Errorf("Content-Disposition = %q, want an attachment", cd)
		}
		full = rec.Body.String()
		if diff := cmp.Diff(all, csvCodes(t, full)); diff != "" {
			t.Errorf("exported codes (-want +got):\n%s", diff)
		}
		seen := map[string]bool{}
		for i, row := range readUnitsCSV(t, full) {
			if parent := row[4]; parent != "" && !seen[parent] {
				t.Errorf("row %d (%s) comes before its parent %s", i+2, row[1], parent)
			}
			seen[row[1]] = true
		}
		if !strings.Contains(full, nameHi) || !strings.Contains(full, `"Room ""7"", Old Town Hall"`) {
			t.Errorf("export lost the quoted name or the Devanagari bytes:\n%s", full)
		}
	})

	t.Run("200 under= limits it to the unit and everything below it", func(t *testing.T) {
		for key, want := range map[string][]string{
			"LKO":    append(fx.codes("LKO", "LKOW", "LKOC", "LKOW-1", "LKOW-2", "LKOC-1"), "EXP-Q"),
			"AGRC":   fx.codes("AGRC", "AGRC-1", "AGRC-S1", "AGRC-2"),
			"LKOW-1": fx.codes("LKOW-1"),
		} {
			rec := s.do(t, http.MethodGet, "/api/v1/exports/units.csv?under="+fx.id(key), s.admin.Token, nil)
			wantStatus(t, rec, http.StatusOK)
			slices.Sort(want)
			if diff := cmp.Diff(want, csvCodes(t, rec.Body.String())); diff != "" {
				t.Errorf("under %s (-want +got):\n%s", key, diff)
			}
		}
	})

	runCases(t, s, map[string]string{"admin": s.admin.Token}, []apiCase{
		{name: "422 under not an id", method: http.MethodGet, path: "/api/v1/exports/units.csv?under=lucknow", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"under"}},
		{name: "404 under no unit", method: http.MethodGet, path: "/api/v1/exports/units.csv?under=987654", actor: "admin", wantStatus: http.StatusNotFound},
	})

	t.Run("round trip: the export re-imports cleanly into a fresh server and exports the same", func(t *testing.T) {
		if full == "" {
			t.Skip("no export to re-import")
		}
		fresh := newEmptyServer(t)
		res := wantImported(t, fresh.importCSV(t, fresh.admin.Token, "", full), len(all), 0)
		if len(res.Errors) != 0 {
			t.Fatalf("round trip errors: %v", res.Errors)
		}
		rec := fresh.do(t, http.MethodGet, "/api/v1/exports/units.csv", fresh.admin.Token, nil)
		wantStatus(t, rec, http.StatusOK)
		if diff := cmp.Diff(sortedRows(t, full), sortedRows(t, rec.Body.String())); diff != "" {
			t.Errorf("export after the round trip (-original +copy):\n%s", diff)
		}
		q, _ := fresh.unitByCode(t, "EXP-Q")
		if q.Name != `Room "7", Old Town Hall` || q.NameHi != nameHi {
			t.Errorf("round-tripped names %q %q", q.Name, q.NameHi)
		}
		pc, _ := fresh.unitByCode(t, fx.code("PC"))
		if pc.Coverage == nil || pc.Coverage.Booths != 4 {
			t.Errorf("round-tripped Lok Sabha seat coverage %+v, want its 4 booths through its assemblies", pc.Coverage)
		}
	})

	t.Run("re-importing the export into its own server updates every row", func(t *testing.T) {
		if full == "" {
			t.Skip("no export to re-import")
		}
		res := wantImported(t, s.importCSV(t, s.admin.Token, "", full), 0, len(all))
		if len(res.Errors) != 0 {
			t.Errorf("errors: %v", res.Errors)
		}
	})
}

// TestImportRealUPData loads the real state, districts, Lok Sabha and assembly constituencies
// of Uttar Pradesh and the booths of one district through the API, and round-trips them.
func TestImportRealUPData(t *testing.T) {
	t.Parallel()
	s := newEmptyServer(t)
	units, err := io.ReadAll(demodata.Units())
	if err != nil {
		t.Fatal(err)
	}
	wantImported(t, s.importCSV(t, s.admin.Token, "", string(units)), 559, 0)
	booths, err := demodata.BoothsOf("UP-SONBHADRA")
	if err != nil {
		t.Fatal(err)
	}
	boothCSV, err := io.ReadAll(booths)
	if err != nil {
		t.Fatal(err)
	}
	nBooths := strings.Count(string(boothCSV), "\n") - 1
	wantImported(t, s.importCSV(t, s.admin.Token, "", string(boothCSV)), nBooths, 0)

	counts := map[string]int{}
	for _, level := range []string{"state", "district", "parliamentary", "assembly"} {
		counts[level] = len(s.listCodes(t, s.admin.Token, "/api/v1/units?limit=500&level="+level))
	}
	if diff := cmp.Diff(map[string]int{"state": 1, "district": 75, "parliamentary": 80, "assembly": 403}, counts); diff != "" {
		t.Errorf("units by level (-want +got):\n%s", diff)
	}
	d, ok := s.unitByCode(t, "UP-SONBHADRA")
	if !ok {
		t.Fatal("no UP-SONBHADRA")
	}
	if d.Coverage.Booths != int64(nBooths) || d.NameHi == "" {
		t.Errorf("Sonbhadra: %d booths, name_hi %q; want %d and a Devanagari name", d.Coverage.Booths, d.NameHi, nBooths)
	}
	if got := s.listCodes(t, s.admin.Token, "/api/v1/units?level=district&q="+strings.ReplaceAll(d.NameHi, " ", "+")); !slices.Contains(got, "UP-SONBHADRA") {
		t.Errorf("q=%s finds %v", d.NameHi, got)
	}

	rec := s.do(t, http.MethodGet, "/api/v1/exports/units.csv", s.admin.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	fresh := newEmptyServer(t)
	wantImported(t, fresh.importCSV(t, fresh.admin.Token, "", rec.Body.String()), 559+nBooths, 0)
	again := fresh.do(t, http.MethodGet, "/api/v1/exports/units.csv", fresh.admin.Token, nil)
	if diff := cmp.Diff(sortedRows(t, rec.Body.String()), sortedRows(t, again.Body.String()), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("UP export after a round trip (-original +copy):\n%s", diff)
	}
}

func TestImportSameNewCodesConcurrently(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	body := "level,code,name,parent_code\nbooth,RACE-IMP,Raced booth," + s.fx.code("LKOW") + "\n"
	const n = 12
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = s.importCSV(t, s.admin.Token, "", body).Code
		}()
	}
	wg.Wait()
	for _, st := range statuses {
		if st != http.StatusOK && st != http.StatusConflict {
			t.Errorf("concurrent imports of one new code answered %v; want each 200 (inserted or updated) or 409", statuses)
			break
		}
	}
	if got := s.listCodes(t, s.admin.Token, "/api/v1/units?level=booth&q=raced+booth"); len(got) != 1 {
		t.Errorf("after the race: %v, want exactly one RACE-IMP", got)
	}
}
