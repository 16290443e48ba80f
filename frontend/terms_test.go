package frontend_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestCoordinatorReconstitutesDueCommittee: on a phone, in Hindi, a Lucknow coordinator opens the
// reconstitution list from the menu, finds a booth committee whose term ended (its days past and
// seats shown; a committee whose term runs on is not listed), reconstitutes it after the
// confirmation that every seat ends; it leaves the list, and the booth's committee page shows no
// current seats, the new term, and the old seats as ended in the history.
func TestCoordinatorReconstitutesDueCommittee(t *testing.T) {
	a := newApp(t)
	a.user(t, "lko.terms", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	const due, fresh = "UP-AC-171-PS-0002", "UP-AC-171-PS-0003"
	dueID := a.unitID(t, due)
	var people []string
	for i, name := range []string{"Sunita Devi", "Ramesh Kumar", "Geeta Pal"} {
		p := a.person(t, due, services.PersonInput{Name: name, Gender: models.GenderFemale, Category: models.CategoryOBC})
		pos := models.PositionMember
		if i == 0 {
			pos = models.PositionPresident
		}
		a.seat(t, due, p, pos)
		people = append(people, p)
	}
	other := a.person(t, fresh, services.PersonInput{Name: "Pooja Rawat", Gender: models.GenderFemale, Category: models.CategoryGEN})
	a.seat(t, fresh, other, models.PositionPresident)
	// The due booth's term started long ago (as data from before this code would have it); the
	// seats began then too.
	require.NoError(t, a.db.Exec("UPDATE units SET term_started_on = '2022-06-01' WHERE code = ?", due).Error)
	require.NoError(t, a.db.Exec("UPDATE seats SET since = ? WHERE unit_id = ?", "2022-06-01T10:00:00Z", dueID).Error)

	ctx := phone(t)
	login(t, ctx, a.URL, "lko.terms")
	waitFor(t, ctx, `document.documentElement.lang === 'hi'`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#nav-terms"))))
	item := `#terms-list .term-item[data-unit-id="` + dueID + `"]`
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(item))))
	noSideScroll(t, ctx, "#/committees/due")
	assert.Equal(t, 1, eval[int](t, ctx, `document.querySelectorAll('#terms-list .term-item').length`), "only the due committee is listed")
	row := text(t, ctx, item)
	assert.Contains(t, row, "दिन बीत गए")
	assert.Contains(t, row, "3 पद")
	assert.Contains(t, row, "कार्यकाल")

	// One action: the day (today) and the confirmation that every seat ends.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(item+" .term-reconstitute"))))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(item+" .term-confirm"))))
	assert.Contains(t, text(t, ctx, item+" .term-confirm"), "सभी 3 वर्तमान पद")
	noSideScroll(t, ctx, "#/committees/due, confirming")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(item+" .term-yes"))))
	waitFor(t, ctx, `!document.querySelector('`+item+`') && !!document.querySelector('#terms-done')`)
	assert.Contains(t, text(t, ctx, "#terms-done"), "पुनर्गठन हो गया")

	// The list again, from the server: the committee is gone.
	goHash(t, ctx, "#/units")
	goHash(t, ctx, "#/committees/due")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#terms-empty`))))

	// The committee page: no current seats, the new term, the old seats ended in the history.
	goHash(t, ctx, "#/units/"+dueID)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#committee-empty`))))
	assert.Equal(t, 0, seatCount(t, ctx))
	assert.True(t, strings.HasPrefix(text(t, ctx, "#committee-term"), "कार्यकाल:"), text(t, ctx, "#committee-term"))
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#committee-history-toggle"))))
	waitFor(t, ctx, `document.querySelectorAll('#committee-history-list .history-item').length === 3`)
	assert.Equal(t, 3, eval[int](t, ctx, `document.querySelectorAll('#committee-history-list .history-item.ended').length`),
		"every old seat is shown as ended")
	noSideScroll(t, ctx, "the reconstituted committee")

	// The server agrees: no current seat, three ended; the other booth untouched.
	v, err := a.set.Committees.Get(context.Background(), services.System, mustID(t, dueID))
	require.NoError(t, err)
	assert.Empty(t, v.Seats)
	require.Len(t, people, 3)
}
