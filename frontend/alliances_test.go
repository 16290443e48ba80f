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

const vidhanSabha = "UP Vidhan Sabha 2027"

// ownParty adds the party itself and allots it the assembly seat with code for election.
func (a *app) ownParty(t *testing.T, code, election string) {
	t.Helper()
	ctx := context.Background()
	p, err := a.set.Alliances.CreateParty(ctx, services.System, services.PartyInput{Name: ptr("Sangathan Party"), NameHi: ptr("संगठन पार्टी"),
		ShortName: ptr("SGP"), IsOwn: ptr(true)})
	require.NoError(t, err)
	u, err := a.set.Units.UnitByCode(ctx, services.System, code)
	require.NoError(t, err)
	_, err = a.set.Alliances.CreateShare(ctx, services.System, services.SeatShareInput{Election: election, UnitID: &u.ID, PartyID: &p.ID})
	require.NoError(t, err)
}

// atoiMinus is the decimal n less k.
func atoiMinus(t *testing.T, n string, k int) string {
	t.Helper()
	v, err := strconv.Atoi(n)
	require.NoError(t, err)
	return strconv.Itoa(v - k)
}

// chooseElection shows the seat table of election, in Lucknow district.
func chooseElection(t *testing.T, ctx context.Context, election string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#alliance-election")),
		clearField("#alliance-election"),
		chromedp.SendKeys(chromedp.CSS("#alliance-election"), election),
		chromedp.Click(chromedp.CSS("#alliance-show")),
	))
	waitFor(t, ctx, `!!document.querySelector('#seat-list .seat-item[data-code="UP-AC-170"][data-party="SGP"]')`)
	waitFor(t, ctx, `[...document.querySelectorAll('#alliance-district option')].some((o) => o.textContent === 'लखनऊ')`)
	eval[bool](t, ctx, `(() => { const s = document.querySelector('#alliance-district');
		s.value = [...s.options].find((o) => o.textContent === 'लखनऊ').value; s.dispatchEvent(new Event('change')); return true; })()`)
	waitFor(t, ctx, `(() => { const n = document.querySelectorAll('#seat-list .seat-item').length; return n > 0 && n < 50; })()`)
}

// TestStateOfficeSharesASeat: the state office, on a phone in Hindi, adds an ally, allots it a
// seat of Lucknow for the assembly election, and the counts per party change; a district
// coordinator then sees the same table, read-only. No screen scrolls sideways.
func TestStateOfficeSharesASeat(t *testing.T) {
	a := newApp(t)
	a.user(t, "al.state", models.RoleStateOffice, "UP")
	a.user(t, "al.dc", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	a.ownParty(t, "UP-AC-170", vidhanSabha)

	ctx := phone(t)
	loginAt(t, ctx, a.URL+"/#/alliances", "al.state")
	assert.Equal(t, "गठबंधन", text(t, ctx, "#nav-alliances"))
	chooseElection(t, ctx, vidhanSabha)
	// Lucknow: 9 assemblies (and the Lok Sabha seats whose assemblies lie mostly in it).
	assert.Equal(t, "1", eval[string](t, ctx, `document.querySelector('.party-count[data-party="SGP"]').dataset.seats`))
	unallotted := eval[string](t, ctx, `document.querySelector('#count-unallotted').dataset.seats`)
	assert.Equal(t, "आवंटित नहीं", text(t, ctx, `#seat-list .seat-item[data-code="UP-AC-171"] .seat-unallotted`))
	noSideScroll(t, ctx, "#/alliances")

	// Add the ally.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#party-add > summary")),
		chromedp.WaitVisible(chromedp.CSS("#party-new-name")),
		chromedp.SendKeys(chromedp.CSS("#party-new-name"), "Rashtriya Lok Dal"),
		chromedp.SendKeys(chromedp.CSS("#party-new-name_hi"), "राष्ट्रीय लोक दल"),
		chromedp.SendKeys(chromedp.CSS("#party-new-short_name"), "RLD"),
		chromedp.SendKeys(chromedp.CSS("#party-new-symbol"), "हैंडपंप"),
		chromedp.Click(chromedp.CSS("#party-new-save")),
		chromedp.WaitVisible(chromedp.CSS(`#party-list .party-item[data-short="RLD"]`)),
	))
	assert.Contains(t, text(t, ctx, `#party-list .party-item[data-short="RLD"]`), "राष्ट्रीय लोक दल")
	assert.Contains(t, text(t, ctx, `#party-list .party-item[data-short="RLD"]`), "हैंडपंप")
	noSideScroll(t, ctx, "#/alliances with the party form")

	// Allot it Lucknow West.
	waitFor(t, ctx, `[...document.querySelectorAll('#seat-list .seat-item[data-code="UP-AC-171"] select option')].some((o) => o.textContent.startsWith('RLD'))`)
	eval[bool](t, ctx, `(() => { const s = document.querySelector('#seat-list .seat-item[data-code="UP-AC-171"] select');
		s.value = [...s.options].find((o) => o.textContent.startsWith('RLD')).value; s.dispatchEvent(new Event('change')); return true; })()`)
	waitFor(t, ctx, `!!document.querySelector('#seat-list .seat-item[data-code="UP-AC-171"][data-party="RLD"]')`)
	waitFor(t, ctx, `!!document.querySelector('.party-count[data-party="RLD"][data-seats="1"]')`)
	assert.Equal(t, "1", eval[string](t, ctx, `document.querySelector('.party-count[data-party="SGP"]').dataset.seats`))
	assert.Equal(t, atoiMinus(t, unallotted, 1), eval[string](t, ctx, `document.querySelector('#count-unallotted').dataset.seats`))
	browsertest.Screenshot(t, ctx, "alliances-hi")
	noSideScroll(t, ctx, "#/alliances after the allotment")

	// The audit log says it in Hindi.
	goHash(t, ctx, "#/audit")
	waitFor(t, ctx, `[...document.querySelectorAll('#audit-list .audit-sentence')].some((e) => e.textContent.includes('RLD को आवंटित की'))`)
	sentence := eval[string](t, ctx, `[...document.querySelectorAll('#audit-list .audit-sentence')].find((e) => e.textContent.includes('RLD को आवंटित की')).textContent`)
	assert.Contains(t, sentence, "ने UP Vidhan Sabha 2027 के लिए")
	assert.Contains(t, sentence, "लखनऊ पश्चिम")

	// A district coordinator reads the same table and changes nothing.
	dc := phone(t)
	loginAt(t, dc, a.URL+"/#/alliances", "al.dc")
	require.NoError(t, chromedp.Do(dc, chromedp.WaitVisible(chromedp.CSS("#alliances-read-only"))))
	chooseElection(t, dc, vidhanSabha)
	waitFor(t, dc, `!!document.querySelector('#seat-list .seat-item[data-code="UP-AC-171"][data-party="RLD"]')`)
	assert.Equal(t, 0, eval[int](t, dc, `document.querySelectorAll('#seat-list select, #party-add, .party-edit').length`), "read-only for a coordinator")
	assert.Equal(t, "1", eval[string](t, dc, `document.querySelector('.party-count[data-party="RLD"]').dataset.seats`))
	noSideScroll(t, dc, "#/alliances for a coordinator")
}
