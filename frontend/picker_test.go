package frontend_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/frontend/browsertest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestNamesakePicker: four men named Ramesh Kumar, entered in Latin letters only. A coordinator
// seating a member on booth 2 of Lucknow West types "रमेश" in Devanagari: all four are found,
// the one of this booth first, then the one of this assembly, then the others; each card tells
// them apart by home unit, age, the phone's last four digits and the seat already held.
func TestNamesakePicker(t *testing.T) {
	a := newApp(t)
	a.user(t, "lko.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	const booth = "UP-AC-171-PS-0002"
	boothID := a.unitID(t, booth)
	year := func(y int) *int { return &y }
	ramesh := func(home string, born *int, phone string) string {
		return a.person(t, home, services.PersonInput{Name: "Ramesh Kumar", Gender: models.GenderMale, Category: models.CategoryOBC, BirthYear: born, Phone: phone})
	}
	elsewhere := ramesh("UP-AC-172", year(1990), "")
	district := ramesh("UP-LUCKNOW", nil, "")
	assembly := ramesh("UP-AC-171-PS-0005", year(1961), "9876505678")
	here := ramesh(booth, year(1980), "9876501234")
	a.seat(t, "UP-AC-171-PS-0005", assembly, models.PositionMember)

	ctx := phone(t)
	login(t, ctx, a.URL, "lko.coord")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-LUCKNOW"]`))))
	goHash(t, ctx, "#/units/"+boothID)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#committee-add-open")),
		chromedp.Click(chromedp.CSS("#committee-add-open")),
		chromedp.WaitVisible(chromedp.CSS("#seat-person-q")),
		chromedp.SendKeys(chromedp.CSS("#seat-person-q"), "रमेश"),
		chromedp.Click(chromedp.CSS("#seat-person-search")),
	))
	waitFor(t, ctx, `document.querySelectorAll('#seat-person-results .person-pick').length === 4`)
	order := eval[[]string](t, ctx, `[...document.querySelectorAll('#seat-person-results .person-pick')].map(b => b.dataset.personId)`)
	assert.Equal(t, here, order[0], "the booth's own Ramesh first")
	assert.Equal(t, assembly, order[1], "then the one of the same assembly")
	assert.ElementsMatch(t, []string{elsewhere, district}, order[2:], "then the rest of the district")

	card := func(id, part string) string {
		return text(t, ctx, `#seat-person-results .person-pick[data-person-id="`+id+`"] .`+part)
	}
	assert.Equal(t, fmt.Sprintf("%d वर्ष", time.Now().Year()-1980), card(here, "pick-age"))
	assert.Equal(t, "फ़ोन …1234", card(here, "pick-phone"))
	assert.Equal(t, fmt.Sprintf("%d वर्ष", time.Now().Year()-1961), card(assembly, "pick-age"))
	assert.Equal(t, "फ़ोन …5678", card(assembly, "pick-phone"))
	assert.Contains(t, card(assembly, "pick-seats"), "सदस्य", "the seat he holds, and where")
	homes := map[string]bool{}
	for _, id := range order {
		homes[card(id, "pick-home")] = true
	}
	assert.Len(t, homes, 4, "four different home units")
	assert.Equal(t, 0, eval[int](t, ctx, `document.querySelectorAll('#seat-person-results .person-pick[data-person-id="`+elsewhere+`"] .pick-phone, #seat-person-results .person-pick[data-person-id="`+elsewhere+`"] .pick-seats').length`), "no phone or seat shown where there is none")
	noSideScroll(t, ctx, "namesake picker")
	browsertest.Screenshot(t, ctx, "picker-namesakes-hi")
}
