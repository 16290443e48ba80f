package frontend_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/frontend/browsertest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// appoint puts the person (an API id) in charge of the unit with code as the installation.
func (a *app) appoint(t *testing.T, personID, code, purpose string) {
	t.Helper()
	ctx := context.Background()
	u, err := a.set.Units.UnitByCode(ctx, services.System, code)
	require.NoError(t, err)
	p, err := strconv.ParseInt(personID, 10, 64)
	require.NoError(t, err)
	_, err = a.set.Assignments.Create(ctx, services.System, services.AssignmentInput{PersonID: &p, UnitID: &u.ID, Purpose: purpose,
		StartsOn: string(a.set.Assignments.Today())})
	require.NoError(t, err)
}

// TestStateOfficeAppointsAnInCharge: the state office on a phone, in Hindi, opens the board of
// Lok Sabha constituencies for "लोकसभा चुनाव 2029", sees Lucknow vacant (रिक्त), appoints an MLA
// through the form — the picker filtered by public office shows each candidate's load — and the
// vacancy disappears from the board, the MLA's load beside the name. No screen scrolls sideways.
func TestStateOfficeAppointsAnInCharge(t *testing.T) {
	a := newApp(t)
	const purpose = "लोकसभा चुनाव 2029"
	const booth = "UP-AC-171-PS-0002"
	a.user(t, "prabhari.state", models.RoleStateOffice, "UP")
	mla := a.person(t, booth, services.PersonInput{Name: "Rajnath Verma", NameHi: "राजनाथ वर्मा", Gender: models.GenderMale,
		Category: models.CategoryGEN, PublicOffice: "mla"})
	a.person(t, booth, services.PersonInput{Name: "Rajnath Yadav", NameHi: "राजनाथ यादव", Gender: models.GenderMale, Category: models.CategoryOBC})
	a.appoint(t, mla, "UP-LUCKNOW", "संगठन") // already in charge of a district: load 1
	a.appoint(t, a.person(t, booth, services.PersonInput{Name: "Other Leader", Gender: models.GenderFemale, Category: models.CategorySC, PublicOffice: "mp"}),
		"UP-PC-034", purpose) // the purpose is in use
	pc := a.unitID(t, "UP-PC-035")

	ctx := phone(t)
	loginAt(t, ctx, a.URL+"/#/prabhari", "prabhari.state")
	assert.Equal(t, "प्रभारी", text(t, ctx, "#nav-prabhari"))
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#prabhari-level-parliamentary"))))
	row := `#prabhari-board .prabhari-unit[data-unit-id="` + pc + `"]`
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(row+`[data-vacant="true"]`))))
	assert.Equal(t, purpose, eval[string](t, ctx, `document.querySelector('#prabhari-purpose').value`), "the purpose in use is chosen")
	assert.Equal(t, "रिक्त (प्रभारी नहीं)", text(t, ctx, row+" .prabhari-vacant"))
	assert.Contains(t, text(t, ctx, row), "लखनऊ")
	assert.Equal(t, "false", eval[string](t, ctx, `document.querySelector('#prabhari-board .prabhari-unit[data-unit-id="`+a.unitID(t, "UP-PC-034")+`"]').dataset.vacant`))
	noSideScroll(t, ctx, "#/prabhari")
	browsertest.Screenshot(t, ctx, "prabhari-board-hi")

	// Appoint through the form: filter by public office, search, pick.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(row+" .prabhari-appoint")),
		chromedp.WaitVisible(chromedp.CSS("#prabhari-form")),
	))
	assert.Contains(t, text(t, ctx, "#prabhari-form-unit"), "लखनऊ")
	assert.Equal(t, purpose, eval[string](t, ctx, `document.querySelector('#prabhari-form-purpose').value`))
	_ = eval[any](t, ctx, `(() => { const s = document.querySelector('#prabhari-office'); s.value = 'mla'; s.dispatchEvent(new Event('change')); })()`)
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#prabhari-person-search"), "राजनाथ")))
	pick := `#prabhari-person-results .person-pick[data-person-id="` + mla + `"]`
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(pick))))
	assert.Equal(t, 1, eval[int](t, ctx, `document.querySelectorAll('#prabhari-person-results .person-pick').length`), "only the MLA among the namesakes")
	assert.Equal(t, "1 जगह प्रभारी", text(t, ctx, pick+" .pick-load"))
	assert.Equal(t, "विधायक", text(t, ctx, pick+" .pick-office"))
	noSideScroll(t, ctx, "#/prabhari/new")
	browsertest.Screenshot(t, ctx, "prabhari-new-hi")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(pick)),
		chromedp.WaitVisible(chromedp.CSS("#prabhari-person-chosen")),
		chromedp.Click(chromedp.CSS("#prabhari-save")),
	))

	// Back on the board: Lucknow has its in-charge, with the load beside the name.
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(row+`[data-vacant="false"] .prabhari-incharge`))))
	assert.Equal(t, "राजनाथ वर्मा", text(t, ctx, row+" .prabhari-person"))
	assert.Equal(t, "(2 जगह प्रभारी)", text(t, ctx, row+" .prabhari-load"))
	assert.Equal(t, 0, eval[int](t, ctx, `document.querySelectorAll('`+row+` .prabhari-vacant').length`), "the vacancy is gone")
	noSideScroll(t, ctx, "#/prabhari after appointing")
	vac, err := a.set.Assignments.Vacancies(context.Background(), services.System, services.VacancyFilter{Level: "parliamentary", Purpose: purpose, Page: services.PageRequest{Limit: 500}})
	require.NoError(t, err)
	assert.Len(t, vac.Items, 78, "80 seats, two with an in-charge")
}
