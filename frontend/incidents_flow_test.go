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

// TestIncidentFromFormToMemorandumOnAPhone, at 360×800 in Hindi: a coordinator logs an incident
// through the new-incident form — Enter in the unit search searches and does not send the form; a
// missing place is refused next to its field by its code, in Hindi; the kind is a big button and
// the communities toggle chips — and lands on the case page. The state office forms its committee
// with the picker, choosing between two namesakes "Ramesh Kumar" by the facts each result shows
// (home unit, age), with Enter in the search box searching and not sending the committee form;
// submits the report, forwards it, and the memorandum carries the committee's findings. The
// summary per district shows the district's counts, links to its list, and the export downloads
// the list through a blob.
func TestIncidentFromFormToMemorandumOnAPhone(t *testing.T) {
	a := newApp(t)
	a.user(t, "flow.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	a.user(t, "flow.office", models.RoleStateOffice, "UP")
	const boothCode = "UP-AC-171-PS-0002"
	ctxb := context.Background()
	booth, err := a.set.Units.UnitByCode(ctxb, services.System, boothCode)
	require.NoError(t, err)
	year := time.Now().Year()
	here := a.person(t, boothCode, services.PersonInput{Name: "Ramesh Kumar", NameHi: "रमेश कुमार", Gender: models.GenderMale, Category: models.CategorySC, BirthYear: ptr(year - 56)})
	there := a.person(t, "UP-VARANASI", services.PersonInput{Name: "Ramesh Kumar", NameHi: "रमेश कुमार", Gender: models.GenderMale, Category: models.CategoryOBC, BirthYear: ptr(year - 31)})
	sunita := a.person(t, "UP-LUCKNOW", services.PersonInput{Name: "Sunita Devi", NameHi: "सुनीता देवी", Gender: models.GenderFemale, Category: models.CategoryOBC})
	count := func() int {
		p, err := a.set.Incidents.List(ctxb, services.System, services.IncidentFilter{})
		require.NoError(t, err)
		return len(p.Items)
	}
	today := time.Now().In(services.IST).Format("2006-01-02")

	// The coordinator logs the incident.
	ctx := phone(t)
	loginAt(t, ctx, a.URL+"/#/incidents", "flow.coord")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#incidents-new")),
		chromedp.WaitVisible(chromedp.CSS("#incident-form #incident-kind-atrocity")),
		chromedp.SendKeys(chromedp.CSS("#incident-unit"), booth.Name+"\r"),
		chromedp.WaitVisible(chromedp.CSS(`#incident-unit-results [data-unit-id="`+strconv.FormatInt(booth.ID, 10)+`"]`)),
	))
	assert.True(t, eval[bool](t, ctx, `document.querySelector('#incident-form .form-error').hidden`), "Enter in the unit search sent the form")
	assert.Equal(t, 0, count(), "Enter in the unit search logged an incident")
	assert.Equal(t, "#/incidents/new", eval[string](t, ctx, `location.hash`))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#incident-unit-results [data-unit-id="`+strconv.FormatInt(booth.ID, 10)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#incident-unit-chosen")),
		chromedp.SendKeys(chromedp.CSS("#incident-title-input"), "दलित परिवारों के घर जलाए गए"),
		chromedp.SendKeys(chromedp.CSS("#incident-description-input"), "तीन घर जले।"),
		chromedp.Click(chromedp.CSS("#incident-kind-violence")),
		chromedp.Click(chromedp.CSS("#incident-kind-atrocity")), // the kinds are one choice: the last pressed
		chromedp.Click(chromedp.CSS("#incident-group-SC")),
		chromedp.Click(chromedp.CSS("#incident-group-women")),
		chromedp.Click(chromedp.CSS("#incident-group-OBC")),
		chromedp.Click(chromedp.CSS("#incident-group-OBC")), // pressed twice: off again
		chromedp.SendKeys(chromedp.CSS("#incident-victims"), "3"),
	))
	noSideScroll(t, ctx, "#/incidents/new")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#incident-save"))))
	waitFor(t, ctx, `(document.querySelector('#incident-place-error') || {}).textContent`)
	assert.Equal(t, "यह भरना ज़रूरी है।", text(t, ctx, "#incident-place-error"), "the missing place, worded from its code")
	assert.Equal(t, 0, count())
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#incident-place"), "गाँव रामपुर खास"),
		chromedp.Click(chromedp.CSS("#incident-save")),
		chromedp.WaitVisible(chromedp.CSS(`#incident-timeline .incident-step[data-step="reported"]`)),
	))
	p, err := a.set.Incidents.List(ctxb, services.System, services.IncidentFilter{})
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	inc := p.Items[0]
	id := strconv.FormatInt(inc.Incident.ID, 10)
	assert.Equal(t, "#/incidents/"+id, eval[string](t, ctx, `location.hash`))
	assert.Equal(t, booth.ID, inc.Incident.UnitID)
	assert.Equal(t, models.KindAtrocity, inc.Incident.Kind)
	assert.Equal(t, []string{"SC", "women"}, inc.AffectedGroups)
	assert.Equal(t, 3, *inc.Incident.Victims)
	assert.Equal(t, models.Date(today), inc.Incident.OccurredOn, "the date defaults to today in India")
	assert.Contains(t, text(t, ctx, `#incident-timeline .incident-step[data-step="reported"]`), "flow.coord")
	assert.False(t, eval[bool](t, ctx, `!!document.querySelector('#incident-next')`), "a coordinator takes no step")

	// The state office runs the investigation.
	ctx2 := phone(t)
	loginAt(t, ctx2, a.URL+"/#/incidents/"+id, "flow.office")
	require.NoError(t, chromedp.Do(ctx2,
		chromedp.Click(chromedp.CSS("#incident-next")),
		chromedp.WaitVisible(chromedp.CSS("#incident-member-search")),
		chromedp.SendKeys(chromedp.CSS("#incident-member-search"), "Ramesh Kumar\r"),
		chromedp.WaitVisible(chromedp.CSS(`#incident-member-results [data-person-id="`+there+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#incident-member-results [data-person-id="`+here+`"]`)),
	))
	assert.True(t, eval[bool](t, ctx2, `document.querySelector('#incident-step-form .form-error').hidden`), "Enter in the member search sent the committee form")
	// Two results of the same name, told apart by their facts; the one of the incident's booth first (near=).
	facts := eval[[]string](t, ctx2, `Array.from(document.querySelectorAll('#incident-member-results .person-pick')).map(b =>
		b.dataset.personId + ' ' + Array.from(b.querySelectorAll('.pick-home, .pick-age')).map(e => e.textContent).join(' | '))`)
	require.Len(t, facts, 2)
	assert.True(t, strings.HasPrefix(facts[0], here+" "), "the namesake of the incident's booth comes first: %v", facts)
	assert.Contains(t, facts[0], "56 वर्ष")
	assert.Contains(t, facts[1], "31 वर्ष")
	assert.NotEqual(t, facts[0][len(here):], facts[1][len(there):])
	noSideScroll(t, ctx2, "the committee picker")
	// Choose by the facts: the 56-year-old.
	eval[bool](t, ctx2, `Array.from(document.querySelectorAll('#incident-member-results .person-pick')).find(b => b.querySelector('.pick-age').textContent === '56 वर्ष').click(); true`)
	require.NoError(t, chromedp.Do(ctx2,
		chromedp.WaitVisible(chromedp.CSS(`#incident-members-chosen [data-person="`+here+`"]`)),
		chromedp.SendKeys(chromedp.CSS("#incident-member-search"), "Sunita\r"),
		chromedp.Click(chromedp.CSS(`#incident-member-results [data-person-id="`+sunita+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#incident-members-chosen [data-person="`+sunita+`"]`)),
		chromedp.Click(chromedp.CSS("#incident-step-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#incident-timeline .incident-step[data-step="committee_formed"]`)),
	))
	v, err := a.set.Incidents.Get(ctxb, services.System, inc.Incident.ID)
	require.NoError(t, err)
	require.NotNil(t, v.Committee)
	assert.Equal(t, mustID(t, here), v.Committee.ConvenerID, "the Ramesh Kumar of the booth, chosen by his facts, convenes")
	assert.Contains(t, text(t, ctx2, `#incident-timeline .incident-step[data-step="committee_formed"]`), "flow.office")

	const findings = "पुलिस ने प्राथमिकी दर्ज नहीं की। <i>not italic</i>"
	require.NoError(t, chromedp.Do(ctx2,
		chromedp.Click(chromedp.CSS("#incident-next")),
		chromedp.WaitVisible(chromedp.CSS("#incident-visited-on")),
		chromedp.SetValue(chromedp.CSS("#incident-visited-on"), today),
		chromedp.SendKeys(chromedp.CSS("#incident-findings-input"), findings),
		chromedp.Click(chromedp.CSS("#incident-step-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#incident-timeline .incident-step[data-step="report_submitted"]`)),
		chromedp.Click(chromedp.CSS("#incident-next")),
		chromedp.WaitVisible(chromedp.CSS("#incident-forward-governor")),
		chromedp.Click(chromedp.CSS("#incident-forward-governor")),
		chromedp.SetValue(chromedp.CSS("#incident-forwarded-on"), today),
		chromedp.SendKeys(chromedp.CSS("#incident-letter-ref"), "SO/2026/118"),
		chromedp.Click(chromedp.CSS("#incident-step-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#incident-timeline .incident-step[data-step="forwarded"]`)),
	))
	assert.Equal(t, "अग्रेषित", text(t, ctx2, ".incident-status"))
	assert.Equal(t, "मामला बंद करें", text(t, ctx2, "#incident-next"), "the next step is one button")
	for _, step := range []string{"reported", "committee_formed", "report_submitted", "forwarded"} {
		assert.Contains(t, text(t, ctx2, `#incident-timeline .incident-step[data-step="`+step+`"] .item-meta:last-child`), "द्वारा", "step %s names who took it", step)
	}

	// The memorandum carries the findings verbatim.
	eval[bool](t, ctx2, `window.open = (u) => { window.memoURL = u; return {}; };
		const made = URL.createObjectURL; URL.createObjectURL = (b) => { window.lastBlob = b; return made(b); }; true`)
	require.NoError(t, chromedp.Do(ctx2, chromedp.Click(chromedp.CSS("#memo-governor"))))
	waitFor(t, ctx2, `!!window.memoURL`)
	memo := eval[string](t, ctx2, `window.lastBlob.text()`, chromedp.EvalAwaitPromise)
	assert.Contains(t, memo, "पुलिस ने प्राथमिकी दर्ज नहीं की। &lt;i&gt;not italic&lt;/i&gt;")
	assert.Contains(t, memo, "रमेश कुमार")

	// The summary: Lucknow's counts, a district with nothing logged as zeros.
	goHash(t, ctx2, "#/incidents/summary")
	lucknow := a.unitID(t, "UP-LUCKNOW")
	row := `#summary-table .summary-row[data-unit="` + lucknow + `"]`
	require.NoError(t, chromedp.Do(ctx2, chromedp.WaitVisible(chromedp.CSS(row))))
	assert.Equal(t, "1", text(t, ctx2, row+" .summary-open"))
	assert.Equal(t, "0", text(t, ctx2, row+" .summary-overdue"))
	assert.Equal(t, "1", text(t, ctx2, row+" .summary-forwarded"))
	assert.Contains(t, text(t, ctx2, row+" .summary-statuses"), "अग्रेषित 1")
	varanasi := `#summary-table .summary-row[data-unit="` + a.unitID(t, "UP-VARANASI") + `"]`
	assert.Equal(t, "0", text(t, ctx2, varanasi+" .summary-open"), "a district where nothing was logged shows zeros")
	noSideScroll(t, ctx2, "#/incidents/summary")
	require.NoError(t, chromedp.Do(ctx2,
		chromedp.Click(chromedp.CSS(row+" .summary-district")),
		chromedp.WaitVisible(chromedp.CSS(`#incidents-list .incident-item[data-id="`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#incidents-under")),
	))
	assert.Equal(t, "#/incidents?under="+lucknow, eval[string](t, ctx2, `location.hash`))

	// The export: fetched with the token, saved from a blob.
	eval[bool](t, ctx2, `const made2 = URL.createObjectURL; URL.createObjectURL = (b) => { window.csvBlob = b; return made2(b); }; true`)
	require.NoError(t, chromedp.Do(ctx2, chromedp.Click(chromedp.CSS("#incidents-export")), chromedp.WaitVisible(chromedp.CSS("#incidents-export-ok"))))
	csvText := eval[string](t, ctx2, `window.csvBlob.text()`, chromedp.EvalAwaitPromise)
	assert.Contains(t, csvText, "id,district_code,unit_code,occurred_on")
	assert.Contains(t, csvText, id+",UP-LUCKNOW,"+boothCode+","+today)
}
