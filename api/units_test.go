package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sangathan/sangathan/models"
)

// nameHi is a Devanagari name with a decomposed nukta (ड + ◌़) and a zero-width joiner: a store
// that normalises Unicode or re-encodes text would change its bytes.
const nameHi = "नेहरू पार्क सामुदायिक भवन, बड\u093cा हॉल क्\u200dष"

// rawFields decodes a JSON object without interpreting its values.
func rawFields(t *testing.T, rec *httptest.ResponseRecorder) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("decode: %v: %s", err, rec.Body)
	}
	return m
}

// wantJSONString fails unless each named field of the object is a JSON string.
func wantJSONString(t *testing.T, m map[string]json.RawMessage, fields ...string) {
	t.Helper()
	for _, f := range fields {
		if v := m[f]; len(v) == 0 || v[0] != '"' {
			t.Errorf("%s = %s, want a JSON string", f, v)
		}
	}
}

// wantTimes checks that created_at and updated_at are RFC 3339 timestamps at the given instants.
func wantTimes(t *testing.T, m map[string]json.RawMessage, created, updated time.Time) {
	t.Helper()
	for field, want := range map[string]time.Time{"created_at": created, "updated_at": updated} {
		var s string
		if err := json.Unmarshal(m[field], &s); err != nil {
			t.Errorf("%s = %s, want an RFC 3339 string", field, m[field])
			continue
		}
		got, err := time.Parse(time.RFC3339, s)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s = %q, want %s", field, s, want.Format(time.RFC3339))
		}
	}
}

func TestCreateUnit(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx

	t.Run("201 with the object; ids are strings; Devanagari round-trips byte for byte", func(t *testing.T) {
		body := map[string]any{"level": "booth", "parent_id": fx.id("LKOC"), "code": "LKOC-2", "name": "Nehru Park Community Hall",
			"name_hi": nameHi, "number": 2, "electors": 812}
		rec := s.do(t, http.MethodPost, "/api/v1/units", s.admin.Token, body)
		wantStatus(t, rec, http.StatusCreated)
		wantJSONString(t, rawFields(t, rec), "id", "parent_id")
		if !bytes.Contains(rec.Body.Bytes(), []byte(nameHi)) {
			t.Errorf("POST answer does not carry the name_hi bytes as sent: %s", rec.Body)
		}
		got := decode[unitJSON](t, rec)
		want := unitJSON{ID: got.ID, Level: "booth", ParentID: ptr(fx.id("LKOC")), Code: "LKOC-2", Name: "Nehru Park Community Hall",
			NameHi: nameHi, Number: ptr(2), Electors: ptr(812), Depth: 3}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("POST answer (-want +got):\n%s", diff)
		}
		wantTimes(t, rawFields(t, rec), s.clock.Now(), s.clock.Now())

		rec = s.do(t, http.MethodGet, "/api/v1/units/"+got.ID, s.admin.Token, nil)
		wantStatus(t, rec, http.StatusOK)
		wantTimes(t, rawFields(t, rec), s.clock.Now(), s.clock.Now())
		if !bytes.Contains(rec.Body.Bytes(), []byte(`"name_hi":"`+nameHi+`"`)) {
			t.Errorf("GET answer does not carry the name_hi bytes as sent: %s", rec.Body)
		}
		if back := decode[unitJSON](t, rec); back.NameHi != nameHi || back.Code != "LKOC-2" {
			t.Errorf("GET name_hi %q code %q, want %q %q", back.NameHi, back.Code, nameHi, "LKOC-2")
		}
	})

	t.Run("201 for an assembly: numeric parent id, reservation and Lok Sabha seat", func(t *testing.T) {
		body := fmt.Sprintf(`{"level":"assembly","parent_id":%s,"code":"LKO-AC-173","name":"Lucknow North","name_hi":"लखनऊ उत्तर","number":173,"reserved":"sc","parliamentary_id":"%s"}`,
			fx.id("LKO"), fx.id("PC"))
		rec := s.do(t, http.MethodPost, "/api/v1/units", s.admin.Token, body)
		wantStatus(t, rec, http.StatusCreated)
		wantJSONString(t, rawFields(t, rec), "id", "parent_id", "parliamentary_id")
		got := decode[unitJSON](t, rec)
		if got.Reserved != "SC" || got.ParliamentaryID == nil || *got.ParliamentaryID != fx.id("PC") || got.Depth != 2 {
			t.Errorf("assembly = %+v, want reserved SC, parliamentary_id %s, depth 2", got, fx.id("PC"))
		}
	})

	t.Run("201 for a district with its census population", func(t *testing.T) {
		pop := map[string]int64{"total": 3673889, "sc": 755254, "st": 629, "muslim": 729283, "minority": 748271}
		rec := s.do(t, http.MethodPost, "/api/v1/units", s.admin.Token, map[string]any{"level": "district", "parent_id": fx.id("UP"),
			"code": "ALIGARH", "name": "Aligarh", "name_hi": "अलीगढ़", "population": pop})
		wantStatus(t, rec, http.StatusCreated)
		got := decode[unitJSON](t, rec)
		want := &populationJSON{Total: ptr(pop["total"]), SC: ptr(pop["sc"]), ST: ptr(pop["st"]), Muslim: ptr(pop["muslim"]), Minority: ptr(pop["minority"])}
		if diff := cmp.Diff(want, got.Population); diff != "" {
			t.Errorf("population (-want +got):\n%s", diff)
		}
	})

	booth := func(extra map[string]any) map[string]any {
		b := map[string]any{"level": "booth", "parent_id": fx.id("LKOW"), "code": "NEW-BOOTH", "name": "New booth"}
		for k, v := range extra {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return b
	}
	tokens := map[string]string{"admin": s.admin.Token}
	const post, path = http.MethodPost, "/api/v1/units"
	runCases(t, s, tokens, []apiCase{
		// 400: the body is not one JSON value.
		{name: "400 malformed JSON", method: post, path: path, actor: "admin", body: `{"level": "booth",`, wantStatus: http.StatusBadRequest},
		{name: "400 form encoding", method: post, path: path, actor: "admin", body: `level=booth&code=X`, wantStatus: http.StatusBadRequest},
		{name: "400 no body", method: post, path: path, actor: "admin", body: "", wantStatus: http.StatusBadRequest},
		{name: "400 two JSON values", method: post, path: path, actor: "admin", body: `{"level":"booth"} {}`, wantStatus: http.StatusBadRequest},

		// 422: a value of the wrong type, named.
		{name: "422 number is a string", method: post, path: path, actor: "admin", body: booth(map[string]any{"number": "x"}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"number"}},
		{name: "422 name is a number", method: post, path: path, actor: "admin", body: booth(map[string]any{"name": 7}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name"}},
		{name: "422 electors is a fraction", method: post, path: path, actor: "admin", body: booth(map[string]any{"electors": 1.5}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"electors"}},
		{name: "422 population.total is a string", method: post, path: path, actor: "admin", body: booth(map[string]any{"level": "district", "parent_id": fx.id("UP"), "population": map[string]any{"total": "many"}}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"population.total"}},
		{name: "422 parent_id is not an id", method: post, path: path, actor: "admin", body: booth(map[string]any{"parent_id": "abc"}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parent_id"}},
		{name: "422 body is a list", method: post, path: path, actor: "admin", body: `[]`, wantStatus: http.StatusUnprocessableEntity},

		// 422: missing and invalid fields, each named.
		{name: "422 name, code and level missing", method: post, path: path, actor: "admin", body: map[string]any{}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"code", "level", "name"}},
		{name: "422 name missing", method: post, path: path, actor: "admin", body: booth(map[string]any{"name": nil}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name"}},
		{name: "422 name blank", method: post, path: path, actor: "admin", body: booth(map[string]any{"name": "   "}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name"}},
		{name: "422 code missing", method: post, path: path, actor: "admin", body: booth(map[string]any{"code": nil}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"code"}},
		{name: "422 code with a space", method: post, path: path, actor: "admin", body: booth(map[string]any{"code": "NEW BOOTH"}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"code"}},
		{name: "422 unknown level", method: post, path: path, actor: "admin", body: booth(map[string]any{"level": "village"}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"level"}},
		{name: "422 booth without a parent", method: post, path: path, actor: "admin", body: booth(map[string]any{"parent_id": nil}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parent_id"}},
		{name: "422 booth under a district", method: post, path: path, actor: "admin", body: booth(map[string]any{"parent_id": fx.id("LKO")}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parent_id"}},
		{name: "422 district under a district", method: post, path: path, actor: "admin", body: booth(map[string]any{"level": "district", "parent_id": fx.id("AGR")}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parent_id"}},
		{name: "422 parent that does not exist", method: post, path: path, actor: "admin", body: booth(map[string]any{"parent_id": "987654"}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parent_id"}},
		{name: "422 reservation on a booth", method: post, path: path, actor: "admin", body: booth(map[string]any{"reserved": "SC"}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"reserved"}},
		{name: "422 Lok Sabha seat on a booth", method: post, path: path, actor: "admin", body: booth(map[string]any{"parliamentary_id": fx.id("PC")}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parliamentary_id"}},
		{name: "422 Lok Sabha seat that is a district", method: post, path: path, actor: "admin", body: booth(map[string]any{"level": "assembly", "parent_id": fx.id("LKO"), "parliamentary_id": fx.id("AGR")}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parliamentary_id"}},
		{name: "422 negative electors", method: post, path: path, actor: "admin", body: booth(map[string]any{"electors": -1}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"electors"}},
		{name: "422 name of 201 characters", method: post, path: path, actor: "admin", body: booth(map[string]any{"name": strings.Repeat("क", 201)}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name"}},
		{name: "422 more SC than people", method: post, path: path, actor: "admin", body: booth(map[string]any{"level": "district", "parent_id": fx.id("UP"), "population": map[string]any{"total": 10, "sc": 11}}), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"population.sc"}},

		// 409: the code is taken.
		{name: "409 duplicate code", method: post, path: path, actor: "admin", body: booth(map[string]any{"code": fx.code("LKOW-1")}), wantStatus: http.StatusConflict},

		// 413: over the 1 MiB JSON limit.
		{name: "413 body over 1 MiB", method: post, path: path, actor: "admin", body: booth(map[string]any{"name": strings.Repeat("a", MaxJSONBody)}), wantStatus: http.StatusRequestEntityTooLarge},
	})

	t.Run("413 for a streamed body over 1 MiB without a length", func(t *testing.T) {
		big, _ := json.Marshal(booth(map[string]any{"name": strings.Repeat("a", MaxJSONBody)}))
		req := httptest.NewRequest(http.MethodPost, path, io.MultiReader(bytes.NewReader(big)))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.admin.Token)
		wantProblem(t, s.send(req), http.StatusRequestEntityTooLarge)
	})

	t.Run("nothing was written by the failed requests", func(t *testing.T) {
		if codes := s.listCodes(t, s.admin.Token, "/api/v1/units?q=new+booth"); len(codes) != 0 {
			t.Errorf("failed creates left units behind: %v", codes)
		}
	})
}

// refs are "id code" of the fixture keys, for comparing breadcrumbs.
func (f fixture) refs(keys ...string) []string {
	out := []string{}
	for _, k := range keys {
		out = append(out, f.id(k)+" "+f.code(k))
	}
	return out
}

func refsOf(us []unitRef) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.ID+" "+u.Code)
	}
	return out
}

func TestGetUnit(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	for _, tc := range []struct {
		key       string
		ancestors []string
		children  int64
		booths    int64
	}{
		{"UP", nil, 3, 5},
		{"LKO", []string{"UP"}, 2, 3},
		{"AGR", []string{"UP"}, 1, 2},
		{"PC", []string{"UP"}, 0, 4}, // its booths are those of its assemblies, in both districts
		{"LKOW", []string{"UP", "LKO"}, 2, 2},
		{"AGRC", []string{"UP", "AGR"}, 2, 2},
		{"AGRC-S1", []string{"UP", "AGR", "AGRC"}, 1, 1},
		{"AGRC-2", []string{"UP", "AGR", "AGRC", "AGRC-S1"}, 0, 1},
	} {
		t.Run("200 "+tc.key, func(t *testing.T) {
			rec := s.do(t, http.MethodGet, "/api/v1/units/"+fx.id(tc.key), s.admin.Token, nil)
			wantStatus(t, rec, http.StatusOK)
			raw := rawFields(t, rec)
			wantJSONString(t, raw, "id")
			if tc.ancestors == nil && string(raw["ancestors"]) != "[]" {
				t.Errorf("ancestors = %s, want []", raw["ancestors"])
			}
			if string(raw["coverage"]) == "" || !strings.Contains(string(raw["coverage"]), `"share":`) {
				t.Errorf("coverage = %s, want {booths, complete, share}", raw["coverage"])
			}
			u := decode[unitJSON](t, rec)
			if u.ID != fx.id(tc.key) || u.Code != fx.code(tc.key) {
				t.Errorf("unit %s %s, want %s %s", u.ID, u.Code, fx.id(tc.key), fx.code(tc.key))
			}
			if diff := cmp.Diff(fx.refs(tc.ancestors...), refsOf(u.Ancestors)); diff != "" {
				t.Errorf("ancestors, root first (-want +got):\n%s", diff)
			}
			if u.ChildrenCount != tc.children {
				t.Errorf("children_count = %d, want %d", u.ChildrenCount, tc.children)
			}
			if diff := cmp.Diff(&coverageJSON{Booths: tc.booths}, u.Coverage); diff != "" {
				t.Errorf("coverage (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("200 with the stored fields", func(t *testing.T) {
		u := decode[unitJSON](t, s.do(t, http.MethodGet, "/api/v1/units/"+fx.id("LKOC"), s.admin.Token, nil))
		want := unitJSON{ID: fx.id("LKOC"), Level: "assembly", ParentID: ptr(fx.id("LKO")), Code: fx.code("LKOC"), Name: "Lucknow Cantt",
			NameHi: "लखनऊ कैंट", Number: ptr(175), Reserved: "SC", Electors: ptr(640), Depth: 2}
		if diff := cmp.Diff(want, u, cmpopts.IgnoreFields(unitJSON{}, "Ancestors", "ChildrenCount", "Coverage")); diff != "" {
			t.Errorf("GET (-want +got):\n%s", diff)
		}
		d := decode[unitJSON](t, s.do(t, http.MethodGet, "/api/v1/units/"+fx.id("LKO"), s.admin.Token, nil))
		wantPop := &populationJSON{Total: ptr[int64](4589838), SC: ptr[int64](645413), ST: ptr[int64](10451), Muslim: ptr[int64](1197230), Minority: ptr[int64](1239411)}
		if diff := cmp.Diff(wantPop, d.Population); diff != "" {
			t.Errorf("district population (-want +got):\n%s", diff)
		}
	})

	tokens := map[string]string{"admin": s.admin.Token}
	runCases(t, s, tokens, []apiCase{
		{name: "404 unknown id", method: http.MethodGet, path: "/api/v1/units/987654", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "404 non-numeric id", method: http.MethodGet, path: "/api/v1/units/abc", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "404 id zero", method: http.MethodGet, path: "/api/v1/units/0", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "404 negative id", method: http.MethodGet, path: "/api/v1/units/-1", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "404 id past int64", method: http.MethodGet, path: "/api/v1/units/99999999999999999999", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "404 code instead of id", method: http.MethodGet, path: "/api/v1/units/" + fx.code("LKO"), actor: "admin", wantStatus: http.StatusNotFound},
	})
}

func TestListChildren(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	for _, tc := range []struct {
		key    string
		booths map[string]int64 // child key → booths under it
	}{
		{"UP", map[string]int64{"LKO": 3, "AGR": 2, "PC": 4}},
		{"LKO", map[string]int64{"LKOW": 2, "LKOC": 1}},
		{"AGRC", map[string]int64{"AGRC-1": 1, "AGRC-S1": 1}},
	} {
		t.Run("200 children of "+tc.key+" with coverage", func(t *testing.T) {
			rec := s.do(t, http.MethodGet, "/api/v1/units/"+fx.id(tc.key)+"/children", s.admin.Token, nil)
			wantStatus(t, rec, http.StatusOK)
			l := decode[unitList](t, rec)
			if l.NextCursor != nil {
				t.Errorf("next_cursor = %q, want null", *l.NextCursor)
			}
			got := map[string]int64{}
			for _, c := range l.Items {
				if c.Coverage == nil || c.ParentID == nil || *c.ParentID != fx.id(tc.key) {
					t.Errorf("child %s: parent %v, coverage %v; want parent %s and a coverage", c.Code, c.ParentID, c.Coverage, fx.id(tc.key))
					continue
				}
				got[strings.TrimPrefix(c.Code, fx.prefix+"-")] = c.Coverage.Booths
			}
			if diff := cmp.Diff(tc.booths, got); diff != "" {
				t.Errorf("children → booths (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("200 empty list for a booth", func(t *testing.T) {
		rec := s.do(t, http.MethodGet, "/api/v1/units/"+fx.id("LKOW-1")+"/children", s.admin.Token, nil)
		wantStatus(t, rec, http.StatusOK)
		if got := strings.TrimSpace(rec.Body.String()); got != `{"items":[],"next_cursor":null}` {
			t.Errorf("body = %s, want an empty list", got)
		}
	})

	t.Run("200 one page at a time", func(t *testing.T) {
		got := s.listCodes(t, s.admin.Token, "/api/v1/units/"+fx.id("UP")+"/children?limit=1")
		if diff := cmp.Diff(fx.codes("LKO", "AGR", "PC"), got); diff != "" {
			t.Errorf("children walked by pages (-want +got):\n%s", diff)
		}
	})

	runCases(t, s, map[string]string{"admin": s.admin.Token}, []apiCase{
		{name: "404 unknown id", method: http.MethodGet, path: "/api/v1/units/987654/children", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "404 non-numeric id", method: http.MethodGet, path: "/api/v1/units/x/children", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "422 limit 0", method: http.MethodGet, path: "/api/v1/units/" + fx.id("UP") + "/children?limit=0", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"limit"}},
	})
}

func TestListUnits(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	q := url.QueryEscape
	for _, tc := range []struct {
		name  string
		query string
		want  []string // fixture keys
	}{
		{"no filter", "", fixtureKeys},
		{"level", "level=district", []string{"LKO", "AGR"}},
		{"level booth", "level=booth", []string{"LKOW-1", "LKOW-2", "LKOC-1", "AGRC-1", "AGRC-2"}},
		{"parent_id", "parent_id=" + fx.id("LKO"), []string{"LKOW", "LKOC"}},
		{"under: the unit and everything below it", "under=" + fx.id("AGR"), []string{"AGR", "AGRC", "AGRC-1", "AGRC-S1", "AGRC-2"}},
		{"under and level", "under=" + fx.id("LKO") + "&level=booth", []string{"LKOW-1", "LKOW-2", "LKOC-1"}},
		{"q in Latin, any case", "q=LUCKNOW", []string{"LKO", "PC", "LKOW", "LKOC"}},
		{"q in Devanagari", "q=" + q("लखनऊ"), []string{"LKO", "PC", "LKOW", "LKOC"}},
		{"q in Devanagari, part of a name", "q=" + q("कैंट"), []string{"LKOC", "AGRC"}},
		{"q with a nukta", "q=" + q("बाज़ार"), []string{"AGRC-1"}},
		{"q and under", "q=cantt&under=" + fx.id("AGR"), []string{"AGRC"}},
		{"q that matches nothing", "q=varanasi", nil},
		{"q with LIKE wildcards is literal", "q=" + q("%_"), nil},
		{"number: jump to a booth of an assembly", "under=" + fx.id("LKOW") + "&number=2", []string{"LKOW-2"}},
		{"number and level in a district", "under=" + fx.id("LKO") + "&level=booth&number=1", []string{"LKOW-1", "LKOC-1"}},
		{"number of no unit", "under=" + fx.id("LKOW") + "&number=361", nil},
	} {
		t.Run("200 "+tc.name, func(t *testing.T) {
			got := s.listCodes(t, s.admin.Token, "/api/v1/units?"+tc.query)
			if diff := cmp.Diff(fx.codes(tc.want...), got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("GET /units?%s (-want +got):\n%s", tc.query, diff)
			}
		})
	}

	t.Run("200 limit and cursor walk every row once; next_cursor null at the end", func(t *testing.T) {
		for _, limit := range []int{1, 2, 5, 12, 13, 500} {
			var seen []string
			path := fmt.Sprintf("/api/v1/units?limit=%d", limit)
			for page := 0; ; page++ {
				rec := s.do(t, http.MethodGet, path, s.admin.Token, nil)
				wantStatus(t, rec, http.StatusOK)
				if !strings.Contains(rec.Body.String(), `"next_cursor":`) {
					t.Fatalf("limit %d: no next_cursor in %s", limit, rec.Body)
				}
				l := decode[unitList](t, rec)
				if len(l.Items) > limit || (l.NextCursor != nil && len(l.Items) != limit) {
					t.Fatalf("limit %d page %d: %d items, next_cursor %v", limit, page, len(l.Items), l.NextCursor)
				}
				for _, u := range l.Items {
					seen = append(seen, u.Code)
				}
				if l.NextCursor == nil {
					break
				}
				path = fmt.Sprintf("/api/v1/units?limit=%d&cursor=%s", limit, url.QueryEscape(*l.NextCursor))
			}
			slices.Sort(seen)
			if diff := cmp.Diff(fx.codes(fixtureKeys...), seen); diff != "" {
				t.Errorf("limit %d: rows walked (-want +got):\n%s", limit, diff)
			}
		}
	})

	t.Run("200 default page of 50", func(t *testing.T) {
		for i := 0; i < 40; i++ {
			wantStatus(t, s.do(t, http.MethodPost, "/api/v1/units", s.admin.Token, map[string]any{"level": "booth", "parent_id": fx.id("LKOC"),
				"code": fmt.Sprintf("EXTRA-%02d", i), "name": fmt.Sprintf("Extra booth %d", i)}), http.StatusCreated)
		}
		l := decode[unitList](t, s.do(t, http.MethodGet, "/api/v1/units", s.admin.Token, nil))
		if len(l.Items) != 50 || l.NextCursor == nil {
			t.Errorf("default page: %d items, next_cursor %v; want 50 and a cursor", len(l.Items), l.NextCursor)
		}
		if n := len(s.listCodes(t, s.admin.Token, "/api/v1/units")); n != len(fixtureKeys)+40 {
			t.Errorf("walked %d units, want %d", n, len(fixtureKeys)+40)
		}
	})

	badCursor := base64.RawURLEncoding.EncodeToString([]byte("-5"))
	runCases(t, s, map[string]string{"admin": s.admin.Token}, []apiCase{
		{name: "422 limit 0", method: http.MethodGet, path: "/api/v1/units?limit=0", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"limit"}},
		{name: "422 limit 501", method: http.MethodGet, path: "/api/v1/units?limit=501", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"limit"}},
		{name: "422 limit -1", method: http.MethodGet, path: "/api/v1/units?limit=-1", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"limit"}},
		{name: "422 limit not a number", method: http.MethodGet, path: "/api/v1/units?limit=ten", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"limit"}},
		{name: "422 cursor not base64", method: http.MethodGet, path: "/api/v1/units?cursor=%21%21%21", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"cursor"}},
		{name: "422 cursor of a negative id", method: http.MethodGet, path: "/api/v1/units?cursor=" + badCursor, actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"cursor"}},
		{name: "422 cursor of text", method: http.MethodGet, path: "/api/v1/units?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("abc")), actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"cursor"}},
		{name: "422 unknown level", method: http.MethodGet, path: "/api/v1/units?level=village", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"level"}},
		{name: "422 parent_id not an id", method: http.MethodGet, path: "/api/v1/units?parent_id=abc", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parent_id"}},
		{name: "422 under not an id", method: http.MethodGet, path: "/api/v1/units?under=abc", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"under"}},
		{name: "422 q over 100 characters", method: http.MethodGet, path: "/api/v1/units?q=" + strings.Repeat("a", 101), actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"q"}},
		{name: "422 number not a number", method: http.MethodGet, path: "/api/v1/units?number=two", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"number"}},
		{name: "422 number negative", method: http.MethodGet, path: "/api/v1/units?number=-2", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"number"}},
		{name: "404 parent_id of no unit", method: http.MethodGet, path: "/api/v1/units?parent_id=987654", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "404 under of no unit", method: http.MethodGet, path: "/api/v1/units?under=987654", actor: "admin", wantStatus: http.StatusNotFound},
	})
}

func TestUpdateUnit(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	patch := func(t *testing.T, key string, body any) *httptest.ResponseRecorder {
		t.Helper()
		return s.do(t, http.MethodPatch, "/api/v1/units/"+fx.id(key), s.admin.Token, body)
	}
	get := func(t *testing.T, key string) unitJSON {
		t.Helper()
		rec := s.do(t, http.MethodGet, "/api/v1/units/"+fx.id(key), s.admin.Token, nil)
		wantStatus(t, rec, http.StatusOK)
		return decode[unitJSON](t, rec)
	}

	t.Run("200 rename in both scripts; search finds the new name", func(t *testing.T) {
		created := s.clock.Now()
		s.clock.Advance(time.Minute)
		rec := patch(t, "LKOW-2", map[string]any{"name": "Kaiserbagh Girls College", "name_hi": nameHi})
		wantStatus(t, rec, http.StatusOK)
		wantTimes(t, rawFields(t, rec), created, s.clock.Now())
		wantTimes(t, rawFields(t, s.do(t, http.MethodGet, "/api/v1/units/"+fx.id("LKOW-2"), s.admin.Token, nil)), created, s.clock.Now())
		got := decode[unitJSON](t, rec)
		if got.Name != "Kaiserbagh Girls College" || got.NameHi != nameHi || got.Code != fx.code("LKOW-2") || got.Number == nil || *got.Number != 2 {
			t.Errorf("PATCH answer %+v: want the new names and the other fields kept", got)
		}
		if g := get(t, "LKOW-2"); g.Name != got.Name || g.NameHi != nameHi {
			t.Errorf("GET after rename: %q %q", g.Name, g.NameHi)
		}
		for _, q := range []string{"kaiserbagh", url.QueryEscape("सामुदायिक")} {
			if codes := s.listCodes(t, s.admin.Token, "/api/v1/units?level=booth&q="+q); !slices.Contains(codes, fx.code("LKOW-2")) {
				t.Errorf("q=%s finds %v, want the renamed booth", q, codes)
			}
		}
		if codes := s.listCodes(t, s.admin.Token, "/api/v1/units?q=inter+college"); len(codes) != 0 {
			t.Errorf("the old name is still found: %v", codes)
		}
	})

	t.Run("200 null clears a nullable field; absent leaves it", func(t *testing.T) {
		rec := patch(t, "LKOC-1", `{"number": null}`)
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"number":null`) {
			t.Errorf("PATCH number null: %s", rec.Body)
		}
		if g := get(t, "LKOC-1"); g.Number != nil || g.Electors == nil || *g.Electors != 640 {
			t.Errorf("after clearing number: number %v electors %v; want null and 640", g.Number, g.Electors)
		}
		wantStatus(t, patch(t, "LKOC-1", map[string]any{"number": 7}), http.StatusOK)
		if g := get(t, "LKOC-1"); g.Number == nil || *g.Number != 7 {
			t.Errorf("after setting number 7: %v", g.Number)
		}
	})

	t.Run("200 move a booth to another assembly", func(t *testing.T) {
		wantStatus(t, patch(t, "LKOW-2", map[string]any{"parent_id": fx.id("LKOC")}), http.StatusOK)
		g := get(t, "LKOW-2")
		if diff := cmp.Diff(fx.refs("UP", "LKO", "LKOC"), refsOf(g.Ancestors)); diff != "" || *g.ParentID != fx.id("LKOC") {
			t.Errorf("moved booth: parent %v, ancestors (-want +got):\n%s", *g.ParentID, diff)
		}
		if w, c := get(t, "LKOW").Coverage.Booths, get(t, "LKOC").Coverage.Booths; w != 1 || c != 2 {
			t.Errorf("booths LKOW %d, LKOC %d; want 1 and 2", w, c)
		}
	})

	t.Run("200 move an assembly with its booths to another district", func(t *testing.T) {
		wantStatus(t, patch(t, "LKOC", map[string]any{"parent_id": fx.id("AGR")}), http.StatusOK)
		g := get(t, "LKOW-2") // now LKOC's, so it moved along
		if diff := cmp.Diff(fx.refs("UP", "AGR", "LKOC"), refsOf(g.Ancestors)); diff != "" {
			t.Errorf("booth of the moved assembly: ancestors (-want +got):\n%s", diff)
		}
		if got := s.listCodes(t, s.admin.Token, "/api/v1/units?level=booth&under="+fx.id("AGR")); !slices.Contains(got, fx.code("LKOC-1")) || len(got) != 4 {
			t.Errorf("booths under AGR after the move: %v", got)
		}
		if l, a := get(t, "LKO").Coverage.Booths, get(t, "AGR").Coverage.Booths; l != 1 || a != 4 {
			t.Errorf("booths LKO %d, AGR %d; want 1 and 4", l, a)
		}
	})

	t.Run("200 change the code and the Lok Sabha seat", func(t *testing.T) {
		rec := patch(t, "AGRC", map[string]any{"code": "AGRA-CANTT-87", "parliamentary_id": nil})
		wantStatus(t, rec, http.StatusOK)
		got := decode[unitJSON](t, rec)
		if got.Code != "AGRA-CANTT-87" || got.ParliamentaryID != nil {
			t.Errorf("PATCH answer code %q parliamentary_id %v", got.Code, got.ParliamentaryID)
		}
		// LKOW, with the one booth it kept, is now the seat's only assembly.
		if pc := get(t, "PC"); pc.Coverage.Booths != 1 {
			t.Errorf("PC booths after AGRC left it: %d, want 1", pc.Coverage.Booths)
		}
	})

	tokens := map[string]string{"admin": s.admin.Token}
	unit := func(key string) string { return "/api/v1/units/" + fx.id(key) }
	const p = http.MethodPatch
	runCases(t, s, tokens, []apiCase{
		{name: "400 malformed JSON", method: p, path: unit("LKO"), actor: "admin", body: `{"name":`, wantStatus: http.StatusBadRequest},
		{name: "422 number is a string", method: p, path: unit("LKOW-1"), actor: "admin", body: `{"number":"x"}`, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"number"}},
		{name: "422 name is a number", method: p, path: unit("LKOW-1"), actor: "admin", body: `{"name":5}`, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name"}},
		{name: "422 blank name", method: p, path: unit("LKOW-1"), actor: "admin", body: map[string]any{"name": " "}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name"}},
		{name: "422 negative number", method: p, path: unit("LKOW-1"), actor: "admin", body: map[string]any{"number": -3}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"number"}},
		{name: "422 reservation on a district", method: p, path: unit("LKO"), actor: "admin", body: map[string]any{"reserved": "ST"}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"reserved"}},
		{name: "422 move a booth under a district", method: p, path: unit("LKOW-1"), actor: "admin", body: map[string]any{"parent_id": fx.id("LKO")}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parent_id"}},
		{name: "422 move under no unit", method: p, path: unit("LKOW-1"), actor: "admin", body: map[string]any{"parent_id": "987654"}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parent_id"}},
		{name: "422 parent_id not an id", method: p, path: unit("LKOW-1"), actor: "admin", body: map[string]any{"parent_id": "x1"}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parent_id"}},
		{name: "422 Lok Sabha seat that is a district", method: p, path: unit("LKOW"), actor: "admin", body: map[string]any{"parliamentary_id": fx.id("LKO")}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parliamentary_id"}},
		{name: "409 code of another unit", method: p, path: unit("LKOW-1"), actor: "admin", body: map[string]any{"code": fx.code("LKOC-1")}, wantStatus: http.StatusConflict},
		{name: "413 body over 1 MiB", method: p, path: unit("LKOW-1"), actor: "admin", body: map[string]any{"name": strings.Repeat("b", MaxJSONBody)}, wantStatus: http.StatusRequestEntityTooLarge},
		{name: "404 unknown id", method: p, path: "/api/v1/units/987654", actor: "admin", body: map[string]any{"name": "X"}, wantStatus: http.StatusNotFound},
		{name: "404 non-numeric id", method: p, path: "/api/v1/units/lucknow", actor: "admin", body: map[string]any{"name": "X"}, wantStatus: http.StatusNotFound},
	})

	t.Run("a failed PATCH changes nothing", func(t *testing.T) {
		before := get(t, "LKOW-1")
		wantProblem(t, patch(t, "LKOW-1", map[string]any{"name": "Changed", "parent_id": fx.id("LKO")}), http.StatusUnprocessableEntity)
		if diff := cmp.Diff(before, get(t, "LKOW-1")); diff != "" {
			t.Errorf("unit after a failed PATCH (-before +after):\n%s", diff)
		}
	})
}

func TestDeleteUnit(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	unit := func(key string) string { return "/api/v1/units/" + fx.id(key) }
	const del = http.MethodDelete
	s.mkUser(t, models.RoleBoothWorker, fx.id("AGRC-1"))
	runCases(t, s, map[string]string{"admin": s.admin.Token}, []apiCase{
		// 204: a leaf goes, and then it is not found.
		{name: "204 leaf booth", method: del, path: unit("AGRC-2"), actor: "admin", wantStatus: http.StatusNoContent},
		{name: "404 the deleted booth", method: http.MethodGet, path: unit("AGRC-2"), actor: "admin", wantStatus: http.StatusNotFound},
		{name: "404 deleting it again", method: del, path: unit("AGRC-2"), actor: "admin", wantStatus: http.StatusNotFound},
		{name: "204 the sector it left empty", method: del, path: unit("AGRC-S1"), actor: "admin", wantStatus: http.StatusNoContent},
		// 409: a unit with children, or one that assemblies point at.
		{name: "409 district with assemblies", method: del, path: unit("LKO"), actor: "admin", wantStatus: http.StatusConflict},
		{name: "409 assembly with booths", method: del, path: unit("LKOW"), actor: "admin", wantStatus: http.StatusConflict},
		{name: "409 state", method: del, path: unit("UP"), actor: "admin", wantStatus: http.StatusConflict},
		{name: "409 Lok Sabha seat with assemblies", method: del, path: unit("PC"), actor: "admin", wantStatus: http.StatusConflict},
		{name: "409 booth that is a user's scope", method: del, path: unit("AGRC-1"), actor: "admin", wantStatus: http.StatusConflict},
		{name: "200 the district is still there", method: http.MethodGet, path: unit("LKO"), actor: "admin", wantStatus: http.StatusOK},
		// 404: no such unit.
		{name: "404 unknown id", method: del, path: "/api/v1/units/987654", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "404 non-numeric id", method: del, path: "/api/v1/units/abc", actor: "admin", wantStatus: http.StatusNotFound},
	})
	t.Run("204 has no body", func(t *testing.T) {
		rec := s.do(t, del, unit("LKOC-1"), s.admin.Token, nil)
		wantStatus(t, rec, http.StatusNoContent)
		if rec.Body.Len() != 0 {
			t.Errorf("204 with a body: %q", rec.Body)
		}
		if got := decode[unitJSON](t, s.do(t, http.MethodGet, unit("LKOC"), s.admin.Token, nil)); got.ChildrenCount != 0 || got.Coverage.Booths != 0 {
			t.Errorf("LKOC after its booth went: children %d booths %d", got.ChildrenCount, got.Coverage.Booths)
		}
	})
}

func TestUnitScope(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dcA := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	viewer := s.mkUser(t, models.RoleViewer, fx.id("UP"))
	worker := s.mkUser(t, models.RoleBoothWorker, fx.id("LKOW-1"))
	tokens := map[string]string{"dcA": dcA.Token, "viewer": viewer.Token, "worker": worker.Token, "admin": s.admin.Token}
	unit := func(key string) string { return "/api/v1/units/" + fx.id(key) }
	newBooth := func(parent, code string) map[string]any {
		return map[string]any{"level": "booth", "parent_id": fx.id(parent), "code": code, "name": "Scope test booth"}
	}
	rename := map[string]any{"name": "Renamed"}
	csv := csvText("level,code,name,parent_code\nbooth,SCOPE-CSV-1,CSV booth," + fx.code("LKOW") + "\n")
	const get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete

	runCases(t, s, tokens, []apiCase{
		// 404: district B, and what lies above district A, do not exist for A's coordinator.
		{name: "404 dcA GET district B", method: get, path: unit("AGR"), actor: "dcA", wantStatus: http.StatusNotFound},
		{name: "404 dcA GET booth of B", method: get, path: unit("AGRC-2"), actor: "dcA", wantStatus: http.StatusNotFound},
		{name: "404 dcA GET the state above A", method: get, path: unit("UP"), actor: "dcA", wantStatus: http.StatusNotFound},
		{name: "404 dcA GET the Lok Sabha seat", method: get, path: unit("PC"), actor: "dcA", wantStatus: http.StatusNotFound},
		{name: "404 dcA children of B", method: get, path: unit("AGR") + "/children", actor: "dcA", wantStatus: http.StatusNotFound},
		{name: "404 dcA PATCH B", method: patch, path: unit("AGRC"), actor: "dcA", body: rename, wantStatus: http.StatusNotFound},
		{name: "404 dcA DELETE B's booth", method: del, path: unit("AGRC-1"), actor: "dcA", wantStatus: http.StatusNotFound},
		{name: "404 dcA list under=B", method: get, path: "/api/v1/units?under=" + fx.id("AGR"), actor: "dcA", wantStatus: http.StatusNotFound},
		{name: "404 dcA list parent_id=B", method: get, path: "/api/v1/units?parent_id=" + fx.id("AGR"), actor: "dcA", wantStatus: http.StatusNotFound},
		{name: "404 dcA list under=state", method: get, path: "/api/v1/units?under=" + fx.id("UP"), actor: "dcA", wantStatus: http.StatusNotFound},
		{name: "404 dcA export under=B", method: get, path: "/api/v1/exports/units.csv?under=" + fx.id("AGR"), actor: "dcA", wantStatus: http.StatusNotFound},

		// 422: a parent outside the scope is "no such unit", as for an id that does not exist.
		{name: "422 dcA create under B", method: post, path: "/api/v1/units", actor: "dcA", body: newBooth("AGRC", "SCOPE-B-1"), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parent_id"}},
		{name: "422 dcA move A's booth into B", method: patch, path: unit("LKOW-2"), actor: "dcA", body: map[string]any{"parent_id": fx.id("AGRC")}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parent_id"}},
		{name: "422 dcA import under B", method: post, path: "/api/v1/imports/units", actor: "dcA", body: csvText("level,code,name,parent_code\nbooth,SCOPE-CSV-B,CSV booth," + fx.code("AGRC") + "\n"), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"parent_code"}},

		// 403: roles that may not change units, in or out of their scope; and top-level units.
		{name: "403 dcA create a state", method: post, path: "/api/v1/units", actor: "dcA", body: map[string]any{"level": "state", "code": "SCOPE-ST", "name": "State"}, wantStatus: http.StatusForbidden},
		{name: "403 dcA delete its own district", method: del, path: unit("LKO"), actor: "dcA", wantStatus: http.StatusForbidden},
		{name: "403 viewer POST", method: post, path: "/api/v1/units", actor: "viewer", body: newBooth("LKOW", "SCOPE-V-1"), wantStatus: http.StatusForbidden},
		{name: "403 viewer PATCH", method: patch, path: unit("LKOW-1"), actor: "viewer", body: rename, wantStatus: http.StatusForbidden},
		{name: "403 viewer DELETE", method: del, path: unit("LKOW-1"), actor: "viewer", wantStatus: http.StatusForbidden},
		{name: "403 viewer import", method: post, path: "/api/v1/imports/units", actor: "viewer", body: csv, wantStatus: http.StatusForbidden},
		{name: "403 worker POST", method: post, path: "/api/v1/units", actor: "worker", body: newBooth("LKOW", "SCOPE-W-1"), wantStatus: http.StatusForbidden},
		{name: "403 worker PATCH own booth", method: patch, path: unit("LKOW-1"), actor: "worker", body: rename, wantStatus: http.StatusForbidden},
		{name: "403 worker DELETE own booth", method: del, path: unit("LKOW-1"), actor: "worker", wantStatus: http.StatusForbidden},
		{name: "403 worker import", method: post, path: "/api/v1/imports/units", actor: "worker", body: csv, wantStatus: http.StatusForbidden},

		// 200/201/204: inside the scope.
		{name: "200 dcA GET A", method: get, path: unit("LKO"), actor: "dcA", wantStatus: http.StatusOK},
		{name: "200 dcA GET A's booth", method: get, path: unit("LKOW-1"), actor: "dcA", wantStatus: http.StatusOK},
		{name: "200 dcA list under=A", method: get, path: "/api/v1/units?under=" + fx.id("LKO"), actor: "dcA", wantStatus: http.StatusOK},
		{name: "201 dcA create under A", method: post, path: "/api/v1/units", actor: "dcA", body: newBooth("LKOW", "SCOPE-A-1"), wantStatus: http.StatusCreated},
		{name: "200 dcA PATCH A's booth", method: patch, path: unit("LKOW-2"), actor: "dcA", body: rename, wantStatus: http.StatusOK},
		{name: "200 dcA import under A", method: post, path: "/api/v1/imports/units", actor: "dcA", body: csv, wantStatus: http.StatusOK},
		{name: "200 viewer GET", method: get, path: unit("AGR"), actor: "viewer", wantStatus: http.StatusOK},
		{name: "200 worker GET own booth", method: get, path: unit("LKOW-1"), actor: "worker", wantStatus: http.StatusOK},
		{name: "404 worker GET the next booth", method: get, path: unit("LKOW-2"), actor: "worker", wantStatus: http.StatusNotFound},
		{name: "200 B's unit untouched", method: get, path: unit("AGRC"), actor: "admin", wantStatus: http.StatusOK},
	})

	t.Run("404 outside the scope reads exactly as 404 for no such unit", func(t *testing.T) {
		hidden := wantProblem(t, s.do(t, get, unit("AGR"), dcA.Token, nil), http.StatusNotFound)
		missing := wantProblem(t, s.do(t, get, "/api/v1/units/987654", dcA.Token, nil), http.StatusNotFound)
		hidden.Instance, missing.Instance = "", ""
		if diff := cmp.Diff(missing, hidden); diff != "" {
			t.Errorf("hidden vs missing unit (-missing +hidden):\n%s", diff)
		}
		hiddenParent := wantProblem(t, s.do(t, post, "/api/v1/units", dcA.Token, newBooth("AGRC", "SCOPE-B-2")), http.StatusUnprocessableEntity)
		body := newBooth("AGRC", "SCOPE-B-3")
		body["parent_id"] = "987654"
		missingParent := wantProblem(t, s.do(t, post, "/api/v1/units", dcA.Token, body), http.StatusUnprocessableEntity)
		if diff := cmp.Diff(missingParent.Errors, hiddenParent.Errors); diff != "" {
			t.Errorf("hidden vs missing parent (-missing +hidden):\n%s", diff)
		}
	})

	inA := []string{"LKO", "LKOW", "LKOC", "LKOW-1", "LKOW-2", "LKOC-1"}
	t.Run("GET /units for dcA lists only A's subtree", func(t *testing.T) {
		got := s.listCodes(t, dcA.Token, "/api/v1/units?limit=2")
		want := append(fx.codes(inA...), "SCOPE-A-1", "SCOPE-CSV-1")
		slices.Sort(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("dcA's units (-want +got):\n%s", diff)
		}
		for _, q := range []string{"level=booth", "q=cantt", "q=agra", "level=state", "level=parliamentary"} {
			for _, c := range s.listCodes(t, dcA.Token, "/api/v1/units?"+q) {
				if !slices.Contains(want, c) {
					t.Errorf("GET /units?%s for dcA lists %s, outside district A", q, c)
				}
			}
		}
	})

	t.Run("GET /units for a booth worker lists only the booth", func(t *testing.T) {
		if diff := cmp.Diff(fx.codes("LKOW-1"), s.listCodes(t, worker.Token, "/api/v1/units")); diff != "" {
			t.Errorf("worker's units (-want +got):\n%s", diff)
		}
	})

	t.Run("export for dcA holds only A's subtree", func(t *testing.T) {
		rec := s.do(t, get, "/api/v1/exports/units.csv", dcA.Token, nil)
		wantStatus(t, rec, http.StatusOK)
		got := csvCodes(t, rec.Body.String())
		want := append(fx.codes(inA...), "SCOPE-A-1", "SCOPE-CSV-1")
		slices.Sort(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("dcA's export (-want +got):\n%s", diff)
		}
	})
}

func TestCreateSameCodeConcurrently(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := s.do(t, http.MethodPost, "/api/v1/units", s.admin.Token, map[string]any{"level": "booth", "parent_id": s.fx.id("LKOW"),
				"code": "RACE-1", "name": fmt.Sprintf("Racer %d", i)})
			statuses[i] = rec.Code
		}()
	}
	wg.Wait()
	slices.Sort(statuses)
	want := []int{http.StatusCreated}
	for len(want) < n {
		want = append(want, http.StatusConflict)
	}
	if diff := cmp.Diff(want, statuses); diff != "" {
		t.Errorf("%d concurrent creates of one code (-want +got):\n%s", n, diff)
	}
}

// TestValuesTheDatabaseCannotStoreAre422 sends values that pass validation but that PostgreSQL
// refuses to store (a NUL byte, bytes that are not UTF-8, an INTEGER past 2^31-1): each must be
// a 422 naming the field, never a 500, and the same on both databases.
func TestValuesTheDatabaseCannotStoreAre422(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	booth := func(k string, v any) map[string]any {
		return map[string]any{"level": "booth", "parent_id": fx.id("LKOW"), "code": "DBV-" + k, "name": "Value test", k: v}
	}
	csvRow := func(col, val string) csvText {
		return csvText("level,code,name,parent_code," + col + "\nbooth,DBV-CSV," + "Value test," + fx.code("LKOW") + "," + val + "\n")
	}
	tokens := map[string]string{"admin": s.admin.Token}
	runCases(t, s, tokens, []apiCase{
		{name: "422 NUL in a name", method: http.MethodPost, path: "/api/v1/units", actor: "admin", body: booth("name", "Ami\x00nabad"), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name"}},
		{name: "422 NUL in name_hi", method: http.MethodPost, path: "/api/v1/units", actor: "admin", body: booth("name_hi", "अमी\x00नाबाद"), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name_hi"}},
		{name: "422 electors past 2^31-1", method: http.MethodPost, path: "/api/v1/units", actor: "admin", body: booth("electors", 3000000000), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"electors"}},
		{name: "422 number past 2^31-1", method: http.MethodPost, path: "/api/v1/units", actor: "admin", body: booth("number", 3000000000), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"number"}},
		{name: "422 PATCH electors past 2^31-1", method: http.MethodPatch, path: "/api/v1/units/" + fx.id("LKOW-1"), actor: "admin", body: map[string]any{"electors": 3000000000}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"electors"}},
		{name: "422 import of Latin-1 bytes", method: http.MethodPost, path: "/api/v1/imports/units", actor: "admin", body: csvRow("name_hi", "Caf\xe9"), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name_hi"}},
		{name: "422 import of a NUL byte", method: http.MethodPost, path: "/api/v1/imports/units", actor: "admin", body: csvRow("name_hi", "a\x00b"), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name_hi"}},
		{name: "422 import of electors past 2^31-1", method: http.MethodPost, path: "/api/v1/imports/units", actor: "admin", body: csvRow("electors", "3000000000"), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"electors"}},
		{name: "422 q with a NUL byte", method: http.MethodGet, path: "/api/v1/units?q=a%00b", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"q"}},
		{name: "401 login with a NUL byte in the username", method: http.MethodPost, path: "/api/v1/auth/login", body: map[string]string{"username": "ad\x00min", "password": testPassword}, wantStatus: http.StatusUnauthorized},
	})
}
