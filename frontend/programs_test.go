package frontend_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/frontend/browsertest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// program plans a program at the unit with code as the installation, starting at startsAt; it
// returns the program's id.
func (a *app) program(t *testing.T, code, title string, startsAt time.Time) string {
	t.Helper()
	ctx := context.Background()
	u, err := a.set.Units.UnitByCode(ctx, services.System, code)
	require.NoError(t, err)
	v, err := a.set.Programs.Create(ctx, services.System, services.ProgramInput{UnitID: &u.ID, Kind: "awareness", Title: title,
		Place: "पंचायत भवन", StartsAt: startsAt.Format(time.RFC3339)})
	require.NoError(t, err)
	return strconv.FormatInt(v.Program.ID, 10)
}

// TestBoothWorkerReportsAProgram: a booth worker on a phone, in Hindi, plans a public dialogue at
// their booth (the unit is fixed to it; an end before the start is refused in Hindi under its
// field), then reports it held with the attendance and the outcome; the list shows it held and
// the monthly counts of their booth count it with its attendance. No screen scrolls sideways.
func TestBoothWorkerReportsAProgram(t *testing.T) {
	a := newApp(t)
	const booth = "UP-AC-171-PS-0002"
	a.user(t, "prog.booth", models.RoleBoothWorker, booth)
	coming := a.program(t, booth, "मतदाता जागरूकता रैली", time.Now().Add(72*time.Hour))
	a.program(t, "UP-AC-171-PS-0003", "दूसरे बूथ का कार्यक्रम", time.Now().Add(48*time.Hour))

	ctx := phone(t)
	loginAt(t, ctx, a.URL+"/#/programs", "prog.booth")
	assert.Equal(t, "कार्यक्रम", text(t, ctx, "#nav-programs"))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#programs-calendar .program-item[data-id="`+coming+`"]`))))
	assert.Equal(t, 1, eval[int](t, ctx, `document.querySelectorAll('#programs-calendar .program-item').length`), "only the booth's own programs")
	assert.Equal(t, "तय", text(t, ctx, `#programs-calendar .program-item[data-id="`+coming+`"] .program-status`))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#programs-empty"))))
	noSideScroll(t, ctx, "#/programs")

	// Plan a program that began an hour ago (so that it can be reported held).
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#programs-new")),
		chromedp.WaitVisible(chromedp.CSS("#program-form")),
	))
	assert.Contains(t, text(t, ctx, "#program-unit"), "BARAWAN", "the booth worker's unit is their booth")
	assert.Equal(t, 0, eval[int](t, ctx, `document.querySelectorAll('#program-incident, #program-unit-results').length`), "no incident nor unit to pick")
	assert.Equal(t, "जन संवाद", text(t, ctx, `.program-kind[data-kind="public_dialogue"]`))
	noSideScroll(t, ctx, "#/programs/new")
	browsertest.Screenshot(t, ctx, "program-new-hi")
	local := func(d time.Duration) string {
		return eval[string](t, ctx, `(() => { const d = new Date(Date.now() + `+strconv.FormatInt(d.Milliseconds(), 10)+`); const p = (n) => String(n).padStart(2, '0');
			return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()); })()`)
	}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.program-kind[data-kind="public_dialogue"]`)),
		chromedp.SendKeys(chromedp.CSS("#program-title"), "जन संवाद: शिक्षा का अधिकार"),
		chromedp.SetValue(chromedp.CSS("#program-starts"), local(-time.Hour)),
		chromedp.SetValue(chromedp.CSS("#program-ends"), local(-2*time.Hour)),
		chromedp.SendKeys(chromedp.CSS("#program-place"), "प्राथमिक विद्यालय"),
		chromedp.SendKeys(chromedp.CSS("#program-organiser"), "बूथ अध्यक्ष"),
		chromedp.Click(chromedp.CSS("#program-save")),
	))
	waitFor(t, ctx, `document.querySelector('#program-ends-error').textContent !== ''`)
	assert.Equal(t, "समाप्ति शुरुआत से पहले नहीं हो सकती।", text(t, ctx, "#program-ends-error"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#program-ends"), local(time.Hour)),
		chromedp.Click(chromedp.CSS("#program-save")),
		chromedp.WaitVisible(chromedp.CSS("#program-facts")),
	))
	id := eval[string](t, ctx, `location.hash.split('/')[2]`)
	assert.Equal(t, "जन संवाद: शिक्षा का अधिकार", text(t, ctx, "#program-title"))
	assert.Equal(t, "तय", text(t, ctx, ".program-status"))
	assert.Contains(t, text(t, ctx, `[data-fact="kind"]`), "जन संवाद")
	assert.Contains(t, text(t, ctx, `[data-fact="place"]`), "प्राथमिक विद्यालय")
	assert.Equal(t, 0, eval[int](t, ctx, `document.querySelectorAll('#program-edit, #program-delete').length`), "a booth worker reports but does not edit or delete")
	noSideScroll(t, ctx, "#/programs/"+id)

	// Report it held, with attendance and outcome.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#program-report")),
		chromedp.WaitVisible(chromedp.CSS("#program-report-form")),
		chromedp.Click(chromedp.CSS(`#program-report-status [data-status="held"]`)),
		chromedp.WaitVisible(chromedp.CSS("#program-attendance")),
		chromedp.SendKeys(chromedp.CSS("#program-attendance"), "85"),
		chromedp.SendKeys(chromedp.CSS("#program-outcome"), "85 लोग आए; विद्यालय में शिक्षक की माँग उठी।"),
	))
	noSideScroll(t, ctx, "the report form")
	browsertest.Screenshot(t, ctx, "program-report-hi")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#program-report-save"))))
	waitFor(t, ctx, `!!document.querySelector('.program-status[data-status="held"]')`)
	assert.Equal(t, "हुआ", text(t, ctx, ".program-status"))
	assert.Contains(t, text(t, ctx, `[data-fact="attendance"]`), "85")
	assert.Contains(t, text(t, ctx, `[data-fact="outcome"]`), "85 लोग आए; विद्यालय में शिक्षक की माँग उठी।")

	// The list shows it held among the earlier programs, and the counts count it.
	goHash(t, ctx, "#/programs")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#programs-list .program-item[data-id="`+id+`"][data-status="held"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#programs-counts-table .program-count[data-kind="public_dialogue"]`)),
	))
	row := `#programs-counts-table .program-count[data-kind="public_dialogue"]`
	assert.Equal(t, "जन संवाद", text(t, ctx, row+" th"))
	assert.Equal(t, "1", text(t, ctx, row+" .count-held"))
	assert.Equal(t, "0", text(t, ctx, row+" .count-planned"))
	assert.Equal(t, "85", text(t, ctx, row+" .count-attendance"))
	aw := `#programs-counts-table .program-count[data-kind="awareness"] .count-planned`
	assert.Equal(t, "1", text(t, ctx, aw), "the coming awareness campaign counts as planned")
	noSideScroll(t, ctx, "#/programs with counts")
	browsertest.Screenshot(t, ctx, "programs-hi")
}

// TestProgramAuditSentences: the audit screen says a program's rows as sentences — planned, and
// reported held — in Hindi and in English, with the status translated.
func TestProgramAuditSentences(t *testing.T) {
	a := newApp(t)
	const booth = "UP-AC-171-PS-0002"
	a.user(t, "prog.office", models.RoleStateOffice, "UP")
	a.user(t, "prog.dc", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	token := a.token(t, "prog.dc")
	var p struct {
		ID      string `json:"id"`
		Version int64  `json:"version"`
	}
	auditSend(t, a, token, http.MethodPost, "/api/v1/programs", map[string]any{"unit_id": a.unitID(t, booth), "kind": "protest",
		"title": "धरना: दोषियों की गिरफ़्तारी", "starts_at": time.Now().Add(-time.Hour).Format(time.RFC3339)}, &p)
	auditSend(t, a, token, http.MethodPatch, "/api/v1/programs/"+p.ID, map[string]any{"status": "held", "attendance": 340}, nil)

	ctx := phone(t)
	loginAt(t, ctx, a.URL+"/#/audit", "prog.office")
	row := func(action string) string {
		return `#audit-list li[data-entity="program"][data-action="` + action + `"]`
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(row("report")+" .audit-sentence"))))
	assert.Contains(t, text(t, ctx, row("create")+" .audit-sentence"), "में कार्यक्रम “धरना: दोषियों की गिरफ़्तारी” तय किया")
	assert.Contains(t, text(t, ctx, row("report")+" .audit-sentence"), "के कार्यक्रम “धरना: दोषियों की गिरफ़्तारी” को हुआ दर्ज किया")
	assert.Contains(t, text(t, ctx, row("report")+` .audit-change[data-field="attendance"]`), "उपस्थिति")
	noSideScroll(t, ctx, "audit with programs (hi)")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-en"))))
	waitFor(t, ctx, `document.documentElement.lang === 'en' && !!document.querySelector('`+row("report")+` .audit-sentence')`)
	assert.Contains(t, text(t, ctx, row("report")+" .audit-sentence"), "reported the program “धरना: दोषियों की गिरफ़्तारी” at")
	assert.Contains(t, text(t, ctx, row("report")+" .audit-sentence"), "as Held")
}

// TestCasePageListsItsPrograms: an incident's case page lists the programs held about it, and its
// "plan a program" link opens the program form with that incident chosen.
func TestCasePageListsItsPrograms(t *testing.T) {
	a := newApp(t)
	const booth = "UP-AC-171-PS-0002"
	a.user(t, "about.state", models.RoleStateOffice, "UP")
	incident := a.incident(t, booth, "गुडम्बा की घटना", 5, 0, "")
	other := a.incident(t, booth, "दूसरी घटना", 5, 0, "")
	incID, err := strconv.ParseInt(incident, 10, 64)
	require.NoError(t, err)
	u, err := a.set.Units.UnitByCode(context.Background(), services.System, booth)
	require.NoError(t, err)
	v, err := a.set.Programs.Create(context.Background(), services.System, services.ProgramInput{UnitID: &u.ID, IncidentID: &incID,
		Kind: "protest", Title: "धरना-प्रदर्शन गुडम्बा", StartsAt: time.Now().Add(48 * time.Hour).Format(time.RFC3339)})
	require.NoError(t, err)
	about := strconv.FormatInt(v.Program.ID, 10)
	unrelated := a.program(t, booth, "असंबंधित कार्यक्रम", time.Now().Add(24*time.Hour))

	ctx := phone(t)
	loginAt(t, ctx, a.URL+"/#/incidents/"+incident, "about.state")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#incident-programs-list .program-item[data-id="`+about+`"]`))))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#incident-programs-list .program-item').length`))
	require.NoError(t, err)
	assert.Equal(t, 1, n, "only the program about this incident is listed, not %s", unrelated)
	noSideScroll(t, ctx, "the case page with its programs")

	// The other incident has none, and says so.
	goHash(t, ctx, "#/incidents/"+other)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#incident-programs-empty`))))

	goHash(t, ctx, "#/incidents/"+incident)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#incident-plan-program`))), "the case page offers to plan a program")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#incident-plan-program`)), chromedp.WaitVisible(chromedp.CSS(`#program-form`))), "the link opens the program form")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(`#program-incident option[value="`+incident+`"]`))), "the form offers the incident")
	chosen, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#program-incident').value`))
	require.NoError(t, err)
	assert.Equal(t, incident, chosen, "the form opens with the incident chosen")
}
