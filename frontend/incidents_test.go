package frontend_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// incident logs an incident at the unit with code as the installation, dated days ago, and
// takes it through the given number of investigation steps (committee of the people given,
// the first the convener; the report with findings). It returns the incident's id.
func (a *app) incident(t *testing.T, code, title string, daysAgo int, steps int, findings string, members ...string) string {
	t.Helper()
	ctx := context.Background()
	u, err := a.set.Units.UnitByCode(ctx, services.System, code)
	require.NoError(t, err)
	day := func(n int) string { return time.Now().UTC().AddDate(0, 0, -n).Format("2006-01-02") }
	v, err := a.set.Incidents.Create(ctx, services.System, services.IncidentInput{UnitID: &u.ID, OccurredOn: day(daysAgo), Place: "गाँव रामपुर खास",
		Title: title, Description: "<script>alert(1)</script> Three houses burnt.", Kind: "atrocity", AffectedGroups: []string{"SC", "women"}, Victims: ptr(3)})
	require.NoError(t, err)
	id := v.Incident.ID
	if steps >= 1 {
		var ids []int64
		for _, m := range members {
			n, _ := strconv.ParseInt(m, 10, 64)
			ids = append(ids, n)
		}
		_, err = a.set.Incidents.FormCommittee(ctx, services.System, id, services.CommitteeInput{MemberIDs: ids, ConvenerID: &ids[0], FormedOn: day(daysAgo - 1)})
		require.NoError(t, err)
	}
	if steps >= 2 {
		_, err = a.set.Incidents.SubmitReport(ctx, services.System, id, services.ReportInput{VisitedOn: day(daysAgo - 2), Findings: findings, Recommendations: "दोषियों की गिरफ़्तारी।"})
		require.NoError(t, err)
	}
	return strconv.FormatInt(id, 10)
}

func ptr[T any](v T) *T { return &v }

// TestIncidentsScreens: the state office on a phone sees the incidents of the state, newest
// first, with their status chips, an overdue investigation marked, and filters by status; the
// case page shows the facts (a description with markup shown as text) and the investigation's
// timeline with the convener and the findings verbatim, in Hindi and in English. A coordinator of
// another district sees none of them; a booth worker has no incidents screen.
func TestIncidentsScreens(t *testing.T) {
	a := newApp(t)
	a.user(t, "inc.office", models.RoleStateOffice, "UP")
	a.user(t, "inc.varanasi", models.RoleDistrictCoordinator, "UP-VARANASI")
	a.user(t, "inc.booth", models.RoleBoothWorker, "UP-AC-171-PS-0002")
	const booth = "UP-AC-171-PS-0002"
	convener := a.person(t, "UP-LUCKNOW", services.PersonInput{Name: "Ram Prasad Verma", NameHi: "राम प्रसाद वर्मा", Gender: models.GenderMale, Category: models.CategorySC})
	member := a.person(t, "UP-LUCKNOW", services.PersonInput{Name: "Sunita Devi", NameHi: "सुनीता देवी", Gender: models.GenderFemale, Category: models.CategoryOBC})
	const findings = "पुलिस ने प्राथमिकी दर्ज नहीं की। <b>not bold</b>"
	late := a.incident(t, booth, "दलित परिवारों के घर जलाए गए", 45, 1, "", convener, member)
	done := a.incident(t, booth, "Police excess at the market", 20, 2, findings, convener, member)
	fresh := a.incident(t, "UP-LUCKNOW", "Land grabbed from a Dalit farmer", 2, 0, "")

	ctx := phone(t)
	loginAt(t, ctx, a.URL+"/#/incidents", "inc.office")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#incidents-list .incident-item[data-id="`+late+`"]`))))
	ids := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#incidents-list .incident-item')).map(e => e.dataset.id)`)
	assert.Equal(t, []string{fresh, done, late}, ids, "newest first")
	chip := func(id string) string {
		return text(t, ctx, `#incidents-list .incident-item[data-id="`+id+`"] .incident-status`)
	}
	assert.Equal(t, "जांच कमेटी गठित", chip(late))
	assert.Equal(t, "रिपोर्ट प्रस्तुत", chip(done))
	assert.Equal(t, "दर्ज", chip(fresh))
	overdue := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#incidents-list .incident-item')).filter(e => e.querySelector('.incident-overdue')).map(e => e.dataset.id)`)
	assert.Equal(t, []string{late}, overdue, "only the committee 44 days without a report is overdue")
	noSideScroll(t, ctx, "#/incidents")

	// Filter by status: a chip; the filter goes into the address, so a reload keeps it.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#incidents-status-chips [data-status="report_submitted"]`)),
		chromedp.Click(chromedp.CSS("#incidents-apply")),
	))
	onlyDone := `document.querySelectorAll('#incidents-list .incident-item').length === 1 && document.querySelector('#incidents-list .incident-item').dataset.id === ` + strconv.Quote(done)
	waitFor(t, ctx, onlyDone)
	assert.Equal(t, "#/incidents?status=report_submitted", eval[string](t, ctx, `location.hash`))
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload()))
	waitFor(t, ctx, onlyDone)
	assert.Equal(t, "true", eval[string](t, ctx, `document.querySelector('#incidents-status-chips [data-status="report_submitted"]').getAttribute('aria-pressed')`))

	// The case page.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#incidents-list .incident-item[data-id="`+done+`"] a`)),
		chromedp.WaitVisible(chromedp.CSS("#incident-timeline")),
	))
	assert.Equal(t, "Police excess at the market", text(t, ctx, "#incident-title"))
	assert.Equal(t, "<script>alert(1)</script> Three houses burnt.", text(t, ctx, "#incident-description"), "markup in the record is shown as text")
	assert.Equal(t, findings, text(t, ctx, "#incident-findings"), "the findings verbatim, as text")
	assert.Equal(t, []string{"reported", "committee_formed", "report_submitted"},
		eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#incident-timeline .incident-step')).map(e => e.dataset.step)`))
	members := text(t, ctx, "#incident-timeline .incident-members")
	assert.Contains(t, members, "राम प्रसाद वर्मा · Ram Prasad Verma — संयोजक")
	assert.Contains(t, members, "सुनीता देवी")
	assert.Contains(t, text(t, ctx, "#incident-facts"), "अनुसूचित जाति (दलित), महिलाएँ")
	noSideScroll(t, ctx, "#/incidents/"+done)

	// The memorandum: fetched with the bearer token and opened from a blob: URL (window.open is
	// caught here to read what it was given); the page carries the findings verbatim, escaped.
	eval[bool](t, ctx, `window.open = (u) => { window.memoURL = u; return {}; };
		const made = URL.createObjectURL; URL.createObjectURL = (b) => { window.memoBlob = b; return made(b); }; true`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#memo-governor"))))
	waitFor(t, ctx, `!!window.memoURL`)
	assert.True(t, strings.HasPrefix(eval[string](t, ctx, `window.memoURL`), "blob:"), "the memorandum opens from a blob: URL, no token in it")
	assert.Equal(t, "text/html;charset=utf-8", eval[string](t, ctx, `window.memoBlob.type`))
	memo := eval[string](t, ctx, `window.memoBlob.text()`, chromedp.EvalAwaitPromise)
	assert.Contains(t, memo, `<html lang="hi">`)
	assert.Contains(t, memo, "महामहिम राज्यपाल")
	assert.Contains(t, memo, "&lt;script&gt;alert(1)&lt;/script&gt; Three houses burnt.")
	assert.Contains(t, memo, "राम प्रसाद वर्मा")
	assert.NotContains(t, memo, "<script")

	// English.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-en"))))
	waitFor(t, ctx, `(document.querySelector('#incident-timeline') || {}).innerText && document.querySelector('#incident-timeline').innerText.includes('Report submitted on')`)
	body := bodyText(t, ctx)
	assert.Contains(t, body, "Investigation committee formed on")
	assert.Contains(t, body, "Ram Prasad Verma — convener")
	assert.Contains(t, body, "Scheduled Castes (Dalit), Women")
	assert.Equal(t, findings, text(t, ctx, "#incident-findings"))

	// A coordinator of another district sees none; a booth worker has no such screen.
	ctx2 := phone(t)
	loginAt(t, ctx2, a.URL+"/#/incidents", "inc.varanasi")
	require.NoError(t, chromedp.Do(ctx2, chromedp.WaitVisible(chromedp.CSS("#incidents-empty"))))
	goHash(t, ctx2, "#/incidents/"+late)
	require.NoError(t, chromedp.Do(ctx2, chromedp.WaitVisible(chromedp.CSS("#incident-error"))))
	ctx3 := phone(t)
	loginAt(t, ctx3, a.URL+"/#/incidents", "inc.booth")
	require.NoError(t, chromedp.Do(ctx3, chromedp.WaitVisible(chromedp.CSS("#forbidden"))))
	assert.False(t, eval[bool](t, ctx3, `!!document.querySelector('#nav-incidents')`), "no incidents in a booth worker's menu")
	assert.False(t, strings.Contains(bodyText(t, ctx3), "दलित परिवारों"))
}

// TestStateOfficeRunsAnInvestigationOnAPhone: the state office takes an incident from reported
// to forwarded through the case page's next-step button: it picks the committee by name (the
// first picked is the convener), records the report — a visit dated before the committee is
// refused next to its field, in Hindi — and forwards it to the Governor with the letter's number.
// A coordinator, who logs incidents but runs no investigation, gets no such button.
func TestStateOfficeRunsAnInvestigationOnAPhone(t *testing.T) {
	a := newApp(t)
	a.user(t, "run.office", models.RoleStateOffice, "UP")
	a.user(t, "run.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	ram := a.person(t, "UP-LUCKNOW", services.PersonInput{Name: "Ram Prasad Verma", NameHi: "राम प्रसाद वर्मा", Gender: models.GenderMale, Category: models.CategorySC})
	sunita := a.person(t, "UP-LUCKNOW", services.PersonInput{Name: "Sunita Devi", NameHi: "सुनीता देवी", Gender: models.GenderFemale, Category: models.CategoryOBC})
	id := a.incident(t, "UP-AC-171-PS-0002", "दलित परिवारों के घर जलाए गए", 3, 0, "")
	today := time.Now().UTC().Format("2006-01-02")
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")

	ctx := phone(t)
	loginAt(t, ctx, a.URL+"/#/incidents/"+id, "run.office")
	stepDone := func(step string) {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#incident-timeline .incident-step[data-step="`+step+`"]`))), "step %s", step)
	}
	pick := func(q, personID string) {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#incident-member-search"), q+"\r"),
			chromedp.Click(chromedp.CSS(`#incident-member-results [data-person-id="`+personID+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#incident-members-chosen [data-person="`+personID+`"]`)),
		), "pick %s", q)
	}
	// The committee.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#incident-next")), chromedp.WaitVisible(chromedp.CSS("#incident-member-search"))))
	pick("Ram Prasad", ram)
	pick("Sunita", sunita)
	noSideScroll(t, ctx, "the committee form")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#incident-step-submit"))))
	stepDone("committee_formed")
	assert.Contains(t, text(t, ctx, "#incident-timeline .incident-members"), "राम प्रसाद वर्मा · Ram Prasad Verma — संयोजक")
	assert.Equal(t, "जांच कमेटी गठित", text(t, ctx, ".incident-status"))

	// The report: first dated before the committee, then right.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#incident-next")),
		chromedp.WaitVisible(chromedp.CSS("#incident-visited-on")),
		chromedp.SetValue(chromedp.CSS("#incident-visited-on"), yesterday),
		chromedp.SendKeys(chromedp.CSS("#incident-findings-input"), "पुलिस ने प्राथमिकी दर्ज नहीं की।"),
		chromedp.Click(chromedp.CSS("#incident-step-submit")),
	))
	waitFor(t, ctx, `(document.querySelector('#incident-visited-on-error') || {}).textContent`)
	assert.Contains(t, text(t, ctx, "#incident-visited-on-error"), "से पहले की नहीं हो सकती")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#incident-visited-on"), today),
		chromedp.Click(chromedp.CSS("#incident-step-submit")),
	))
	stepDone("report_submitted")
	assert.Equal(t, "पुलिस ने प्राथमिकी दर्ज नहीं की।", text(t, ctx, "#incident-findings"))

	// The forwarding.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#incident-next")),
		chromedp.WaitVisible(chromedp.CSS("#incident-forward-governor")),
		chromedp.Click(chromedp.CSS("#incident-forward-governor")),
		chromedp.SetValue(chromedp.CSS("#incident-forwarded-on"), today),
		chromedp.SendKeys(chromedp.CSS("#incident-letter-ref"), "SO/2026/117"),
		chromedp.Click(chromedp.CSS("#incident-step-submit")),
	))
	stepDone("forwarded")
	assert.Equal(t, "अग्रेषित", text(t, ctx, ".incident-status"))
	assert.Contains(t, text(t, ctx, `#incident-timeline .incident-step[data-step="forwarded"]`), "राज्यपाल")
	assert.Contains(t, text(t, ctx, `#incident-timeline .incident-step[data-step="forwarded"]`), "SO/2026/117")
	v, err := a.set.Incidents.Get(context.Background(), services.System, mustID(t, id))
	require.NoError(t, err)
	assert.Equal(t, models.IncidentForwarded, v.Incident.Status)
	assert.Equal(t, "run.office", v.Forward.ByName)

	// The coordinator reads the case but gets no next-step button.
	ctx2 := phone(t)
	loginAt(t, ctx2, a.URL+"/#/incidents/"+id, "run.coord")
	require.NoError(t, chromedp.Do(ctx2, chromedp.WaitVisible(chromedp.CSS("#incident-timeline"))))
	assert.False(t, eval[bool](t, ctx2, `!!document.querySelector('#incident-next')`))
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return n
}
