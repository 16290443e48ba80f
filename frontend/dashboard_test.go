package frontend_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/demodata"
	"github.com/sangathan/sangathan/frontend/browsertest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// The representation answers, as far as the dashboard reads them (notes/rep-api.md).
type repUnit struct {
	ID     string `json:"id"`
	Level  string `json:"level"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameHi string `json:"name_hi"`
	Number *int   `json:"number"`
}

type representation struct {
	Unit       repUnit            `json:"unit"`
	Seats      int                `json:"seats"`
	Shares     map[string]float64 `json:"shares"`
	Targets    map[string]float64 `json:"targets"`
	Gap        map[string]float64 `json:"gap"`
	Population map[string]any     `json:"population"`
	Coverage   struct {
		Booths   int     `json:"booths"`
		Complete int     `json:"complete"`
		Share    float64 `json:"share"`
	} `json:"coverage"`
}

type lack struct {
	Group string `json:"group"`
	Seats int    `json:"seats"`
}

type gapItem struct {
	Unit      repUnit `json:"unit"`
	Seats     int     `json:"seats"`
	Size      int     `json:"size"`
	Shortfall int     `json:"shortfall"`
	Lacks     []lack  `json:"lacks"`
	Summary   string  `json:"summary"`
}

// groups are the groups the chart and the table show.
var groups = []string{"women", "SC", "ST", "OBC", "minority", "sc_st_obc_minority"}

// withCommittees fills the committees of Lucknow as serve --demo does: 60 % of its booths
// (a fifth of those incomplete), every assembly, the district and the state.
func (a *app) withCommittees(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	booths, err := demodata.Committees(0.6, 1, "UP-LUCKNOW")
	require.NoError(t, err)
	_, err = a.set.Imports.People(ctx, services.System, booths, services.AllOrNothing)
	require.NoError(t, err)
	upper, err := demodata.UpperCommittees(1, "UP-LUCKNOW")
	require.NoError(t, err)
	_, err = a.set.Imports.People(ctx, services.System, upper, services.AllOrNothing)
	require.NoError(t, err)
}

// token logs in over HTTP and returns the access token.
func (a *app) token(t *testing.T, username string) string {
	t.Helper()
	return a.httpLogin(t, username)
}

// apiGet reads path (with query) as the token's user, the way any integration would.
func apiGet[T any](t *testing.T, a *app, token, path string, query url.Values) T {
	t.Helper()
	u := a.URL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "GET %s", u)
	var v T
	require.NoError(t, json.NewDecoder(res.Body).Decode(&v), "GET %s", u)
	return v
}

// needRepresentationAPI skips while the API has no representation figures yet.
func needRepresentationAPI(t *testing.T, a *app, username, unitID string) {
	t.Helper()
	if !a.hasRoute(t, username, "/api/v1/units/"+unitID+"/representation") {
		t.Skip("waiting for GET /api/v1/units/{id}/representation")
	}
}

// percent reads a share as the UI writes it ("27.3%", "<0.1%") back into a fraction.
func percent(t *testing.T, s string) float64 {
	t.Helper()
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<") {
		return 0.0005
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.ReplaceAll(s, ",", ""), "%"), 64)
	require.NoError(t, err, "a percentage: %q", s)
	return v / 100
}

// sameShare reports whether a share shown (rounded to 0.1 %) is the API's share.
func sameShare(t *testing.T, shown string, share float64) bool {
	t.Helper()
	if share > 0 && share < 0.0005 {
		return strings.HasPrefix(strings.TrimSpace(shown), "<")
	}
	return math.Abs(percent(t, shown)-share) <= 0.0005+1e-9
}

// checkFigures compares the dashboard's numbers with the API's answer.
func checkFigures(t *testing.T, ctx context.Context, rep representation, lang string) {
	t.Helper()
	seats := text(t, ctx, "#dash-seats .stat-value")
	assert.Equal(t, strconv.Itoa(rep.Seats), strings.ReplaceAll(seats, ",", ""), "%s: seats", lang)
	cov := text(t, ctx, "#dash-coverage-share .stat-value")
	assert.True(t, sameShare(t, cov, rep.Coverage.Share), "%s: coverage %q, API %v", lang, cov, rep.Coverage.Share)
	covText := text(t, ctx, "#dash-coverage")
	digits := regexp.MustCompile(`[\d,]+`).FindAllString(covText, -1)
	require.GreaterOrEqual(t, len(digits), 2, "%s: coverage text %q", lang, covText)
	assert.Equal(t, strconv.Itoa(rep.Coverage.Complete), strings.ReplaceAll(digits[0], ",", ""), "%s: complete booths", lang)
	assert.Equal(t, strconv.Itoa(rep.Coverage.Booths), strings.ReplaceAll(digits[1], ",", ""), "%s: booths", lang)
	for _, g := range groups {
		row := fmt.Sprintf(`#dash-chart [data-group=%q]`, g)
		shown := text(t, ctx, row+" .chart-value")
		assert.True(t, sameShare(t, shown, rep.Shares[g]), "%s: %s shown %q, API %v", lang, g, shown, rep.Shares[g])
		target, has := rep.Targets[g]
		meta := text(t, ctx, row+" .chart-meta")
		if has {
			m := regexp.MustCompile(`[\d.]+%`).FindString(meta)
			assert.True(t, m != "" && sameShare(t, m, target), "%s: %s target in %q, API %v", lang, g, meta, target)
			below := rep.Seats > 0 && rep.Gap[g] < 0
			assert.Equal(t, below, eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('%s').classList.contains('is-below')`, row)), "%s: %s below target", lang, g)
			if below {
				assert.Contains(t, meta, "▼", "%s: below target is said with a marker, not colour alone", g)
			}
		}
	}
}

// transfer sums what the page downloaded (navigation and every resource, compressed, with
// headers): all of it, and what came before the map's shapes were asked for.
func transfer(t *testing.T, ctx context.Context) (before, all float64) {
	t.Helper()
	v := eval[[]float64](t, ctx, `(() => {
		const nav = performance.getEntriesByType('navigation').reduce((s, e) => s + e.transferSize, 0);
		const res = performance.getEntriesByType('resource');
		const shapes = res.find(e => /\/(map\/up-ac|assets\/up-ac\.[0-9a-f]+)\.json$/.test(e.name)); // by its own path or fingerprinted
		const cut = shapes ? shapes.startTime : Infinity;
		const sum = (f) => res.filter(f).reduce((s, e) => s + e.transferSize, 0);
		return [nav + sum(e => e.startTime < cut), nav + sum(() => true), shapes ? shapes.transferSize : 0];
	})()`)
	require.Len(t, v, 3)
	require.Positive(t, v[2], "the map's shapes were downloaded")
	return v[0] / 1024, v[1] / 1024
}

// tapAC taps the map where the assembly numbered no is drawn (a real pointer event at a point
// inside its shape, not a synthetic click).
func tapAC(t *testing.T, ctx context.Context, no int) {
	t.Helper()
	xy := eval[[]float64](t, ctx, fmt.Sprintf(`(() => {
		const a = document.querySelector('#dash-map-svg .map-ac[data-ac="%d"]');
		a.scrollIntoView({block: 'center'});
		const r = a.getBoundingClientRect();
		for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
			const x = r.left + r.width * i / 20, y = r.top + r.height * j / 20;
			const e = document.elementFromPoint(x, y);
			if (e && e.closest('.map-ac') === a) return [x, y];
		}
		return [];
	})()`, no))
	require.Len(t, xy, 2, "a point inside AC %d", no)
	require.NoError(t, chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1])))
}

// TestDashboardCoordinatorOnAPhone: a district coordinator of Lucknow logs in on a phone and
// lands on the representation dashboard of Lucknow. Seats, coverage and every group's share are
// the API's, in Hindi and in English; the table of assemblies marks the cells below target in
// words too; the gaps list says what each committee lacks in the reader's language; the map
// colours Lucknow's nine assemblies, credits its source and opens an assembly's dashboard when
// one is tapped; nothing scrolls sideways; the first load stays under 150 KB before the shapes.
func TestDashboardCoordinatorOnAPhone(t *testing.T) {
	a := newApp(t)
	a.withCommittees(t)
	a.user(t, "lko.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	lucknow := a.unitID(t, "UP-LUCKNOW")
	needRepresentationAPI(t, a, "lko.coord", lucknow)
	tok := a.token(t, "lko.coord")
	rep := apiGet[representation](t, a, tok, "/api/v1/units/"+lucknow+"/representation", nil)
	require.Positive(t, rep.Seats, "the test data seats people in Lucknow")
	breakdown := apiGet[struct{ Items []representation }](t, a, tok, "/api/v1/units/"+lucknow+"/representation/breakdown",
		url.Values{"by": {"assembly"}, "limit": {"500"}})
	require.Len(t, breakdown.Items, 9, "Lucknow has nine assemblies")
	gaps := apiGet[struct{ Items []gapItem }](t, a, tok, "/api/v1/units/"+lucknow+"/representation/gaps",
		url.Values{"level": {"booth"}, "limit": {"10"}})

	ctx := phone(t)
	loginHome(t, ctx, a.URL, "lko.coord")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#dash-unit-name[data-code="UP-LUCKNOW"]`))))
	assert.Equal(t, "#/dashboard", eval[string](t, ctx, "location.hash"), "the dashboard is the first screen after login")
	assert.Equal(t, "page", eval[string](t, ctx, `document.querySelector('#nav-dashboard').getAttribute('aria-current')`))
	assert.Equal(t, "डैशबोर्ड", text(t, ctx, "#nav-dashboard"))
	assert.Equal(t, "लखनऊ", text(t, ctx, "#dash-unit-name"))
	waitFor(t, ctx, `!!document.querySelector('#dash-chart') && document.querySelectorAll('#dash-table tbody tr').length === 9 && !document.querySelector('#dash-gaps .list-status .msg:not(.msg-ok)')`)
	checkFigures(t, ctx, rep, "hi")

	// The table: one row per assembly, linking to its dashboard; below-target cells marked with
	// ▼ and a spoken "below target", exactly where the API's gap is negative.
	for _, it := range breakdown.Items {
		row := fmt.Sprintf(`#dash-table tr[data-unit-id="%s"]`, it.Unit.ID)
		assert.Equal(t, "#/dashboard/"+it.Unit.ID, eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s th a').getAttribute('href')`, row)))
		for _, g := range groups {
			cell := fmt.Sprintf(`%s td[data-col=%q]`, row, g)
			below := it.Seats > 0 && it.Gap[g] < 0
			if _, has := it.Targets[g]; !has {
				below = false
			}
			got := eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('%s').classList.contains('below')`, cell))
			assert.Equal(t, below, got, "%s %s below target", it.Unit.Code, g)
			if below {
				assert.Contains(t, text(t, ctx, cell), "▼")
				assert.Contains(t, eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s .visually-hidden').textContent`, cell)), "लक्ष्य से")
			}
			if it.Seats > 0 {
				shown := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s').childNodes[%d].textContent`, cell, map[bool]int{true: 1, false: 0}[below]))
				assert.True(t, sameShare(t, shown, it.Shares[g]), "%s %s: %q vs %v", it.Unit.Code, g, shown, it.Shares[g])
			}
		}
	}

	// The gaps: what each committee lacks, in Hindi, built from the API's lacks; each opens the
	// committee's page.
	if len(gaps.Items) > 0 {
		first := gaps.Items[0]
		item := fmt.Sprintf(`#dash-gaps-list .gap-item[data-unit-id="%s"]`, first.Unit.ID)
		assert.Equal(t, "#/units/"+first.Unit.ID, eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s a').getAttribute('href')`, item)))
		assert.Equal(t, hindiLacks(first.Lacks), text(t, ctx, item+" .gap-lacks-text"))
	} else {
		assert.Equal(t, 1, eval[int](t, ctx, `document.querySelectorAll('#dash-gaps-empty').length`))
	}

	// The map: Lucknow's nine assemblies, each coloured, the attribution under it.
	waitFor(t, ctx, `document.querySelectorAll('#dash-map-svg .map-ac').length === 9`)
	classes := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#dash-map-svg .map-ac-shape')).map(p => p.getAttribute('class'))`)
	for _, c := range classes {
		assert.Regexp(t, `map-c-[0-4]\b`, c, "every assembly is coloured by its coverage")
	}
	assert.Greater(t, eval[int](t, ctx, `document.querySelectorAll('#dash-map-legend li').length`), 4, "the map has a legend")
	assert.Contains(t, text(t, ctx, "#map-attribution"), "Hindustan Times Labs")
	assert.Contains(t, text(t, ctx, "#map-attribution"), "MIT")
	noSideScroll(t, ctx, "dashboard (hi)")
	assert.LessOrEqual(t, eval[int](t, ctx, "document.scrollingElement.scrollWidth"), browsertest.PhoneWidth)
	// The map's constituencies are as small as they are; each is also a full-size link in the table.
	assert.Empty(t, smallTargets(t, ctx, "#dash-map-svg"), "tap targets on the dashboard")
	browsertest.Screenshot(t, ctx, "dashboard-lucknow-hi")

	t.Logf("downloads: %s", eval[string](t, ctx, `performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).map(e => e.name.replace(location.origin, '') + ' ' + (e.transferSize / 1024).toFixed(1)).join(', ')`))
	before, all := transfer(t, ctx)
	t.Logf("first load (login, then the dashboard of Lucknow): %.1f KB transferred before the map's shapes, %.1f KB with them", before, all)
	assert.Less(t, before, 150.0, "the dashboard's first load stays under 150 KB before the map's shapes")

	// Coloured by a share instead, then in English.
	setSelect(t, ctx, "#dash-map-colour", "SC")
	waitFor(t, ctx, `document.querySelectorAll('#dash-map-svg .map-ac').length === 9`)
	browsertest.Screenshot(t, ctx, "dashboard-map-sc-hi")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-en"))))
	waitFor(t, ctx, `document.documentElement.lang === 'en' && !!document.querySelector('#dash-chart') && document.querySelector('#dash-unit-name').textContent === 'Lucknow' && document.querySelectorAll('#dash-table tbody tr').length === 9`)
	checkFigures(t, ctx, rep, "en")
	if len(gaps.Items) > 0 {
		first := gaps.Items[0]
		assert.Equal(t, first.Summary, text(t, ctx, fmt.Sprintf(`#dash-gaps-list .gap-item[data-unit-id="%s"] .gap-lacks-text`, first.Unit.ID)),
			"the English words are the API's summary")
	}
	waitFor(t, ctx, `document.querySelectorAll('#dash-map-svg .map-ac').length === 9`)
	assert.Equal(t, "SC", eval[string](t, ctx, `document.querySelector('#dash-map-colour').value`), "the colour choice survives the language switch")
	assert.NotRegexp(t, `[\x{0900}-\x{097F}]`, eval[string](t, ctx, `(() => { const c = document.body.cloneNode(true); c.querySelectorAll('#lang-hi').forEach(e => e.remove()); return c.textContent; })()`),
		"no Hindi on the English dashboard")
	noSideScroll(t, ctx, "dashboard (en)")
	browsertest.Screenshot(t, ctx, "dashboard-lucknow-en")

	// A wide screen, then back to the phone to tap an assembly on the map.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
	waitFor(t, ctx, `document.querySelector('#dash-breakdown').getBoundingClientRect().left > document.querySelector('#dash-summary').getBoundingClientRect().right`)
	browsertest.Screenshot(t, ctx, "dashboard-lucknow-wide-en")
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(browsertest.PhoneWidth, browsertest.PhoneHeight)))
	tapAC(t, ctx, 171)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#dash-unit-name[data-code="UP-AC-171"]`))))
	ac171 := a.unitID(t, "UP-AC-171")
	assert.Equal(t, "#/dashboard/"+ac171, eval[string](t, ctx, "location.hash"))
	acRep := apiGet[representation](t, a, tok, "/api/v1/units/"+ac171+"/representation", nil)
	waitFor(t, ctx, `!!document.querySelector('#dash-chart')`)
	checkFigures(t, ctx, acRep, "en")
	waitFor(t, ctx, `!!document.querySelector('#dash-map-svg .map-ac-current[data-ac="171"]')`)
	noSideScroll(t, ctx, "assembly dashboard")
	browsertest.Screenshot(t, ctx, "dashboard-ac171-en")
}

// hindiLacks is what the dashboard should write for a committee's lacks in Hindi.
func hindiLacks(lacks []lack) string {
	words := map[string][2]string{
		"women":              {"महिला", "महिलाएँ"},
		"SC":                 {"SC सदस्य", "SC सदस्य"},
		"ST":                 {"ST सदस्य", "ST सदस्य"},
		"OBC":                {"OBC सदस्य", "OBC सदस्य"},
		"minority":           {"अल्पसंख्यक सदस्य", "अल्पसंख्यक सदस्य"},
		"sc_st_obc_minority": {"SC/ST/OBC/अल्पसंख्यक सदस्य", "SC/ST/OBC/अल्पसंख्यक सदस्य"},
	}
	parts := make([]string, 0, len(lacks))
	for _, l := range lacks {
		w := words[l.Group][1]
		if l.Seats == 1 {
			w = words[l.Group][0]
		}
		parts = append(parts, fmt.Sprintf("%d और %s", l.Seats, w))
	}
	return strings.Join(parts, ", ")
}

// TestDashboardViewerAndTargets: a viewer sees the figures and no targets editor, and no
// person's name anywhere on the screen; an administrator sees the editor, and a target saved
// there is what the API then answers and what the chart then draws.
func TestDashboardViewerAndTargets(t *testing.T) {
	a := newApp(t)
	a.withCommittees(t)
	a.user(t, "up.viewer", models.RoleViewer, "UP")
	a.user(t, "root", models.RoleAdmin, "")
	state := a.unitID(t, "UP")
	lucknow := a.unitID(t, "UP-LUCKNOW")
	needRepresentationAPI(t, a, "up.viewer", state)
	tok := a.token(t, "up.viewer")
	rep := apiGet[representation](t, a, tok, "/api/v1/units/"+state+"/representation", nil)

	ctx := phone(t)
	loginHome(t, ctx, a.URL, "up.viewer")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#dash-unit-name[data-code="UP"]`))))
	waitFor(t, ctx, `!!document.querySelector('#dash-chart') && document.querySelectorAll('#dash-table tbody tr').length > 0`)
	checkFigures(t, ctx, rep, "hi")
	assert.Equal(t, 0, eval[int](t, ctx, `document.querySelectorAll('#dash-targets, #targets-form').length`), "a viewer has no targets editor")
	waitFor(t, ctx, `document.querySelectorAll('#dash-map-svg .map-ac').length > 0`)
	committee := apiGet[struct {
		Seats []struct {
			Person struct {
				Name   string `json:"name"`
				NameHi string `json:"name_hi"`
			} `json:"person"`
		} `json:"seats"`
	}](t, a, tok, "/api/v1/units/"+lucknow+"/committee", nil)
	require.NotEmpty(t, committee.Seats)
	body := bodyText(t, ctx)
	for _, s := range committee.Seats {
		assert.NotContains(t, body, s.Person.Name, "no person's name on the dashboard")
		if s.Person.NameHi != "" {
			assert.NotContains(t, body, s.Person.NameHi, "no person's name on the dashboard")
		}
	}
	noSideScroll(t, ctx, "viewer dashboard")
	browsertest.Screenshot(t, ctx, "dashboard-state-viewer-hi")
	before, all := transfer(t, ctx)
	t.Logf("first load (login, then the dashboard of the state, its 75 districts and 403 assemblies): %.1f KB transferred before the map's shapes, %.1f KB with them and the assemblies' figures", before, all)
	assert.Less(t, before, 150.0, "the state's dashboard, too, loads under 150 KB before the map")

	// A Lok Sabha seat: its assemblies point at it rather than hang below it; the table and the
	// map list exactly those whose parliamentary_id is the seat (joined through the shapes' PC_NO).
	pc := a.unitID(t, "UP-PC-034")
	units := apiGet[struct {
		Items []struct {
			Code            string  `json:"code"`
			ParliamentaryID *string `json:"parliamentary_id"`
		} `json:"items"`
	}](t, a, tok, "/api/v1/units", url.Values{"under": {state}, "level": {"assembly"}, "limit": {"500"}})
	var want []string
	for _, u := range units.Items {
		if u.ParliamentaryID != nil && *u.ParliamentaryID == pc {
			want = append(want, u.Code)
		}
	}
	require.NotEmpty(t, want)
	goHash(t, ctx, "#/dashboard/"+pc)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#dash-unit-name[data-code="UP-PC-034"]`))))
	waitFor(t, ctx, fmt.Sprintf(`document.querySelectorAll('#dash-table tbody tr').length === %d && document.querySelectorAll('#dash-map-svg .map-ac').length === %d`, len(want), len(want)))
	assert.ElementsMatch(t, want, eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#dash-table tbody tr')).map(r => r.dataset.code)`))
	browsertest.Screenshot(t, ctx, "dashboard-pc-viewer-hi")

	// The administrator: the editor, a save, and the round trip.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-username"))))
	loginHome(t, ctx, a.URL, "root")
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := chromedp.Do(wctx,
		chromedp.WaitVisible(chromedp.CSS(`#dash-unit-name[data-code="UP"]`)),
		chromedp.WaitVisible(chromedp.CSS("#dash-targets")),
	); err != nil {
		t.Fatalf("the administrator's dashboard of the state: %v; at %s the page says: %.2000s", err,
			eval[string](t, ctx, `location.hash`), bodyText(t, ctx))
	}
	// Open the editor as a tap does; a screen drawn again meanwhile (the session's language
	// applied after the first drawing) has a closed editor, which is opened again.
	waitFor(t, ctx, `(() => { const d = document.querySelector('#dash-targets');
		if (d && !d.open) d.querySelector('#dash-targets-title').click();
		const l = document.querySelector('#targets-level'); return !!l && l.offsetParent !== null; })()`)
	setSelect(t, ctx, "#targets-level", "booth")
	setSelect(t, ctx, "#targets-women-kind", "share")
	// A share out of range is caught next to its input, in Hindi, before the server.
	require.NoError(t, chromedp.Do(ctx,
		clearField("#targets-women-share"),
		chromedp.SendKeys(chromedp.CSS("#targets-women-share"), "140"),
		chromedp.Click(chromedp.CSS("#targets-save")),
	))
	waitFor(t, ctx, `document.querySelector('.field-error[data-field="targets.women.min_share"]').textContent !== ''`)
	assert.Equal(t, "0 से 100 तक प्रतिशत लिखें।", text(t, ctx, `.field-error[data-field="targets.women.min_share"]`))
	require.NoError(t, chromedp.Do(ctx,
		clearField("#targets-women-share"),
		chromedp.SendKeys(chromedp.CSS("#targets-women-share"), "40"),
	))
	setSelect(t, ctx, "#targets-SC-kind", "census")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#targets-save")),
		chromedp.WaitVisible(chromedp.CSS("#targets-saved")),
	))
	noSideScroll(t, ctx, "targets editor")
	browsertest.Screenshot(t, ctx, "dashboard-targets-admin-hi")
	rootTok := a.token(t, "root")
	saved := apiGet[struct {
		Levels []struct {
			Level   string `json:"level"`
			Targets []struct {
				Group    string   `json:"group"`
				MinShare *float64 `json:"min_share"`
				Census   bool     `json:"census"`
			} `json:"targets"`
		} `json:"levels"`
	}](t, a, rootTok, "/api/v1/representation/targets", nil)
	found := map[string]string{}
	for _, l := range saved.Levels {
		if l.Level != "booth" {
			continue
		}
		for _, tg := range l.Targets {
			switch {
			case tg.Census:
				found[tg.Group] = "census"
			case tg.MinShare != nil:
				found[tg.Group] = strconv.FormatFloat(*tg.MinShare, 'f', -1, 64)
			}
		}
	}
	assert.Equal(t, "0.4", found["women"], "the booth committees' target for women is what was typed")
	assert.Equal(t, "census", found["SC"])

	// The chart of booth committees now draws the new target.
	setSelect(t, ctx, "#dash-level-select", "booth")
	boothRep := apiGet[representation](t, a, rootTok, "/api/v1/units/"+state+"/representation", url.Values{"level": {"booth"}})
	assert.InDelta(t, 0.4, boothRep.Targets["women"], 1e-9)
	waitFor(t, ctx, `!!document.querySelector('#dash-chart [data-group="women"][data-target="0.4"]')`)
	checkFigures(t, ctx, boothRep, "hi")
	browsertest.Screenshot(t, ctx, "dashboard-state-admin-booth-hi")
}
