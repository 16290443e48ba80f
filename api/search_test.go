package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// Cross-script search through the API (issue 10): a name typed in Devanagari finds a record
// written in Latin letters and the reverse, for people and units; word starts first.
func TestSearchAcrossScriptsAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	q := url.QueryEscape
	mk := func(home, name, hi string) string {
		return s.mkPerson(t, home, func(in *services.PersonInput) { in.Name, in.NameHi = name, hi })
	}
	ramesh := mk(fx.id("LKOW-1"), "Ramesh Kumar", "")
	sharma := mk(fx.id("AGRC-2"), "शर्मा प्रसाद", "")
	ramkumar := mk(fx.id("LKOW-2"), "Ramkumar Yadav", "")
	for path, want := range map[string][]string{
		"/api/v1/people?q=" + q("रमेश"):          {ramesh},
		"/api/v1/people?q=" + q("कुमार"):         {ramesh, ramkumar},
		"/api/v1/people?q=Kumar&limit=1":         {ramesh, ramkumar},
		"/api/v1/people?q=Sharma":                {sharma},
		"/api/v1/people?q=" + q("prasad sharma"): {sharma},
		"/api/v1/people?q=" + q("यादव"):          {ramkumar},
	} {
		if d := cmp.Diff(want, s.listPeople(t, s.admin.Token, path)); d != "" {
			t.Errorf("%s (-want +got):\n%s", path, d)
		}
	}
	lkow, err := strconv.ParseInt(fx.id("LKOW"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.units.Create(context.Background(), services.System, services.UnitInput{Level: models.LevelBooth, ParentID: &lkow,
		Code: fx.prefix + "-GUD", Name: "Prathmik Vidyalaya Gudamba"})
	if err != nil {
		t.Fatal(err)
	}
	gudamba := u.Code
	for path, want := range map[string][]string{
		"/api/v1/units?q=" + q("गुडम्बा"):  {gudamba},
		"/api/v1/units?q=" + q("अमीनाबाद"): {fx.code("LKOW-1")},
		"/api/v1/units?q=Aminabad":         {fx.code("LKOW-1")},
		"/api/v1/units?q=" + q("लखनऊ"):     {fx.code("LKO"), fx.code("LKOC"), fx.code("LKOW"), fx.code("PC")},
		"/api/v1/units?q=Lucknow":          {fx.code("LKO"), fx.code("LKOC"), fx.code("LKOW"), fx.code("PC")},
	} {
		if d := cmp.Diff(want, s.listCodes(t, s.admin.Token, path)); d != "" {
			t.Errorf("%s (-want +got):\n%s", path, d)
		}
	}
	// A booth without a Hindi name carries a transliteration, marked by its field; one with a
	// Hindi name does not.
	l := decode[listResponse[unitResponse]](t, s.do(t, http.MethodGet, "/api/v1/units?q=Gudamba", s.admin.Token, nil))
	if len(l.Items) != 1 || l.Items[0].NameHi != "" || l.Items[0].NameHiTransliterated != "प्राथमिक विद्यालय गुदम्बा" {
		t.Errorf("transliterated name: %+v", l.Items)
	}
	d := decode[unitDetailResponse](t, s.do(t, http.MethodGet, "/api/v1/units/"+fx.id("LKOW-1"), s.admin.Token, nil))
	if d.NameHi == "" || d.NameHiTransliterated != "" {
		t.Errorf("a unit with a Hindi name: name_hi %q, transliterated %q", d.NameHi, d.NameHiTransliterated)
	}
	raw := s.do(t, http.MethodGet, "/api/v1/units/"+fx.id("LKOW-1"), s.admin.Token, nil).Body.String()
	if strings.Contains(raw, "name_hi_transliterated") {
		t.Error("name_hi_transliterated given beside a Hindi name")
	}
}

// near= ranks the booth's people first, then the assembly's; scope rules as for under=.
func TestPeopleNearAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	mk := func(home, name string) string {
		return s.mkPerson(t, home, func(in *services.PersonInput) { in.Name = name })
	}
	agra := mk(fx.id("AGRC-1"), "Ram Agra")
	lkoc := mk(fx.id("LKOC-1"), "Ram Cantt")
	w2 := mk(fx.id("LKOW-2"), "Sriram West Two")
	w1 := mk(fx.id("LKOW-1"), "Ram West One")
	w2b := mk(fx.id("LKOW-2"), "Ram West Two")
	got := s.listPeople(t, s.admin.Token, "/api/v1/people?q=ram&limit=1&near="+fx.id("LKOW-2"))
	if d := cmp.Diff([]string{w2b, w2, w1, lkoc, agra}, got); d != "" {
		t.Errorf("near LKOW-2 (-want +got):\n%s", d)
	}
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	got = s.listPeople(t, dc.Token, "/api/v1/people?q=ram&near="+fx.id("LKOC-1"))
	if d := cmp.Diff([]string{lkoc, w1, w2b, w2}, got); d != "" {
		t.Errorf("district coordinator near LKOC-1 (-want +got):\n%s", d)
	}
	tokens := map[string]string{"admin": s.admin.Token, "dc": dc.Token}
	get := http.MethodGet
	runCases(t, s, tokens, []apiCase{
		{name: "404 near outside scope", method: get, path: "/api/v1/people?near=" + fx.id("AGRC-1"), actor: "dc", wantStatus: http.StatusNotFound},
		{name: "422 near a district", method: get, path: "/api/v1/people?near=" + fx.id("LKO"), actor: "admin", wantStatus: s422, wantFields: []string{"near"}},
		{name: "422 near not an id", method: get, path: "/api/v1/people?near=LKO", actor: "admin", wantStatus: s422, wantFields: []string{"near"}},
		{name: "422 q too long", method: get, path: "/api/v1/people?q=" + url.QueryEscape(strings.Repeat("क", 101)), actor: "admin", wantStatus: s422, wantFields: []string{"q"}},
		{name: "422 q of nine words", method: get, path: "/api/v1/units?q=a+b+c+d+e+f+g+h+i", actor: "admin", wantStatus: s422, wantFields: []string{"q"}},
		{name: "200 q of marks only", method: get, path: "/api/v1/people?q=" + url.QueryEscape("्ं"), actor: "admin", wantStatus: http.StatusOK},
		{name: "200 q of 100 letters", method: get, path: "/api/v1/units?q=" + strings.Repeat("a", 100), actor: "admin", wantStatus: http.StatusOK},
		{name: "200 q empty", method: get, path: "/api/v1/units?q=", actor: "admin", wantStatus: http.StatusOK},
	})
}
