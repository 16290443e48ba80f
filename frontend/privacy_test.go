package frontend_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestPersonErasure: the state office on a 360 px phone, in Hindi, downloads a person's data and
// erases it: the erase button first shows the warning and asks for a reason (an empty one is
// refused beside its field), then the page shows the placeholder name, no phone, the date of
// erasure and no erase or edit button; no sideways scroll at any step. A coordinator sees neither
// button.
func TestPersonErasure(t *testing.T) {
	a := newApp(t)
	a.user(t, "up.privacy", models.RoleStateOffice, "UP")
	a.user(t, "lko.privacy", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	const booth = "UP-AC-171-PS-0002"
	id := a.person(t, booth, services.PersonInput{Name: "Sita Ram Erasable", NameHi: "सीता राम", Gender: models.GenderFemale,
		Category: models.CategorySC, Phone: "9876501234", Caste: "Pasi"})
	a.seat(t, booth, id, models.PositionMember)

	ctx := phone(t)
	login(t, ctx, a.URL, "up.privacy")
	goHash(t, ctx, "#/people/"+id)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#person-privacy #person-erase"))))
	assert.Equal(t, "सीता राम", text(t, ctx, "#person-name"))
	assert.Equal(t, "+91 98765 01234", text(t, ctx, "#person-phone"))
	assert.Equal(t, hiText(t, "privacy.export"), text(t, ctx, "#person-export"))
	noSideScroll(t, ctx, "the person page with the privacy card")

	// The export arrives as a file from a blob; the page says so.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#person-export")), chromedp.WaitVisible(chromedp.CSS("#person-exported"))))

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#person-erase")), chromedp.WaitVisible(chromedp.CSS("#person-erase-form"))))
	assert.Equal(t, strings.ReplaceAll(hiText(t, "privacy.erase_warning"), "{id}", id), text(t, ctx, "#person-erase-warning"))
	noSideScroll(t, ctx, "the erasure form")
	assert.Empty(t, smallTargets(t, ctx), "the erasure form's inputs and buttons are big enough for a thumb")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#person-erase-confirm"))))
	waitFor(t, ctx, `document.querySelector('#person-erase-reason-error').textContent !== ''`)
	assert.Equal(t, hiText(t, "privacy.err_reason"), text(t, ctx, "#person-erase-reason-error"))
	assert.Equal(t, "सीता राम", text(t, ctx, "#person-name"), "nothing erased without a reason")

	require.NoError(t, chromedp.Do(ctx,
		typeInto("#person-erase-reason", "प्रपत्र 17, 1 मार्च 2024"),
		chromedp.Click(chromedp.CSS("#person-erase-confirm")),
		chromedp.WaitVisible(chromedp.CSS("#person-erase-done")),
	))
	assert.Equal(t, "मिटाया गया व्यक्ति #"+id, text(t, ctx, "#person-name"))
	assert.False(t, eval[bool](t, ctx, `!!document.querySelector('#person-phone')`), "no phone after erasure")
	assert.NotContains(t, bodyText(t, ctx), "98765")
	assert.NotContains(t, bodyText(t, ctx), "Pasi")
	assert.True(t, eval[bool](t, ctx, visible("#person-erased")), "the date of erasure is shown")
	assert.False(t, eval[bool](t, ctx, `!!document.querySelector('#person-erase') || !!document.querySelector('#person-edit')`), "no erase or edit button once erased")
	assert.True(t, eval[bool](t, ctx, visible("#person-current-seats")), "the seat stays")
	noSideScroll(t, ctx, "the erased person's page")

	// The audit screen says it in a sentence, under the placeholder name.
	goHash(t, ctx, "#/audit")
	waitFor(t, ctx, `document.body.innerText.includes('का व्यक्तिगत डेटा मिटाया')`)
	assert.Contains(t, bodyText(t, ctx), "मिटाया गया व्यक्ति #"+id+" का व्यक्तिगत डेटा मिटाया")
	assert.NotContains(t, bodyText(t, ctx), "Sita Ram")

	other := phone(t)
	login(t, other, a.URL, "lko.privacy")
	goHash(t, other, "#/people/"+id)
	require.NoError(t, chromedp.Do(other, chromedp.WaitVisible(chromedp.CSS("#person-name"))))
	assert.False(t, eval[bool](t, other, `!!document.querySelector('#person-privacy')`), "a coordinator is offered neither export nor erasure")
}
