package frontend_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/frontend/browsertest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestServerErrorsInBothLanguages: a coordinator seats a new person whose age is out of range
// and whose voter ID another person holds. Both errors come back from the server at once, each
// under its input, worded from its code in English and then, unchanged on the server, in Hindi;
// no internal id appears in either, and no one is saved.
func TestServerErrorsInBothLanguages(t *testing.T) {
	a := newApp(t)
	a.user(t, "lko.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	a.person(t, "UP-VARANASI", services.PersonInput{Name: "Other District", Gender: models.GenderMale, Category: models.CategoryGEN, VoterID: "UPV1234567"})
	const booth = "UP-AC-171-PS-0003"
	boothID := a.unitID(t, booth)

	ctx := phone(t)
	login(t, ctx, a.URL, "lko.coord")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-LUCKNOW"]`))))
	goHash(t, ctx, "#/units/"+boothID)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#committee-status")),
		chromedp.Click(chromedp.CSS("#lang-en")),
	))
	waitFor(t, ctx, `document.documentElement.lang === 'en' && !!document.querySelector('#committee-add-open')`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#committee-add-open")),
		chromedp.Click(chromedp.CSS("#seat-mode-new")),
		chromedp.WaitVisible(chromedp.CSS("#seat-p-name")),
		chromedp.SendKeys(chromedp.CSS("#seat-p-name"), "Bal Kishan"),
		chromedp.SendKeys(chromedp.CSS("#seat-p-birth_year"), "2019"),
		chromedp.SendKeys(chromedp.CSS("#seat-p-voter_id"), "UPV1234567"),
	))
	setSelect(t, ctx, "#seat-p-gender", "male")
	setSelect(t, ctx, "#seat-p-category", "OBC")
	submit := func() {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#committee-add-submit"))))
		waitFor(t, ctx, `document.querySelector('#seat-p-birth_year-error').textContent !== '' && document.querySelector('#seat-p-voter_id-error').textContent !== ''`)
	}
	submit()
	assert.Equal(t, "The age must be between 18 and 120.", text(t, ctx, "#seat-p-birth_year-error"))
	assert.Equal(t, "Another person already has this voter ID.", text(t, ctx, "#seat-p-voter_id-error"))
	assert.Equal(t, "en", eval[string](t, ctx, "document.querySelector('#seat-p-voter_id-error').lang"))
	browsertest.Screenshot(t, ctx, "errors-server-en")

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-hi"))))
	waitFor(t, ctx, `document.documentElement.lang === 'hi' && !!document.querySelector('#committee-add-open')`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#committee-add-open")),
		chromedp.Click(chromedp.CSS("#seat-mode-new")),
		chromedp.WaitVisible(chromedp.CSS("#seat-p-name")),
		clearField("#seat-p-name"), chromedp.SendKeys(chromedp.CSS("#seat-p-name"), "Bal Kishan"),
		clearField("#seat-p-birth_year"), chromedp.SendKeys(chromedp.CSS("#seat-p-birth_year"), "2019"),
		clearField("#seat-p-voter_id"), chromedp.SendKeys(chromedp.CSS("#seat-p-voter_id"), "UPV1234567"),
	))
	setSelect(t, ctx, "#seat-p-gender", "male")
	setSelect(t, ctx, "#seat-p-category", "OBC")
	submit()
	assert.Equal(t, "आयु 18 से 120 वर्ष के बीच होनी चाहिए।", text(t, ctx, "#seat-p-birth_year-error"))
	assert.Equal(t, "यह मतदाता पहचान पत्र किसी और व्यक्ति के नाम दर्ज है।", text(t, ctx, "#seat-p-voter_id-error"))
	assert.Equal(t, "hi", eval[string](t, ctx, "document.querySelector('#seat-p-voter_id-error').lang"))
	assert.NotRegexp(t, `[0-9०-९]`, text(t, ctx, "#seat-p-voter_id-error")+text(t, ctx, "#committee-add-form .form-error"), "no internal id of the other district's person")
	noSideScroll(t, ctx, "server errors (hi)")
	browsertest.Screenshot(t, ctx, "errors-server-hi")
	assert.Equal(t, 0, seatCount(t, ctx), "nothing seated")
}
