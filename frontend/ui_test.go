package frontend_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/frontend/browsertest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestCoordinatorBrowsesLucknowOnAPhone: a district coordinator of Lucknow logs in on a phone,
// sees their district in the header, switches Hindi → English → Hindi, walks from Lucknow to
// an assembly and its booths and finds a booth with the search box, with no sideways
// scrolling on any screen.
func TestCoordinatorBrowsesLucknowOnAPhone(t *testing.T) {
	a := newApp(t)
	a.user(t, "lko.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	lucknow := a.unitID(t, "UP-LUCKNOW")
	ctx := phone(t)
	login(t, ctx, a.URL, "lko.coord")

	// Hindi by default, at the user's own district.
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-LUCKNOW"]`))))
	assert.Equal(t, "#/units/"+lucknow, eval[string](t, ctx, "location.hash"))
	assert.Equal(t, "hi", eval[string](t, ctx, "document.documentElement.lang"))
	assert.Equal(t, "लखनऊ", text(t, ctx, "#header-scope"))
	assert.Equal(t, "जिला समन्वयक", text(t, ctx, "#header-role"))
	assert.Equal(t, "lko.coord", text(t, ctx, "#header-username"))
	assert.Equal(t, "लखनऊ", text(t, ctx, "#unit-name"))
	assert.Equal(t, "इकाइयाँ", text(t, ctx, "#nav-units"))
	assert.Equal(t, "जिला", text(t, ctx, "#unit-level"))
	waitFor(t, ctx, `document.querySelectorAll('#unit-children-list .unit-item').length === 9`)
	assert.Contains(t, text(t, ctx, "#unit-details"), "जनगणना", "census shares are shown for a district")
	assert.Regexp(t, `\d+(\.\d)?%`, text(t, ctx, `[data-fact="population-sc"]`))
	assert.Empty(t, smallTargets(t, ctx), "tap targets on the district screen")
	noSideScroll(t, ctx, "district (hi)")
	browsertest.Screenshot(t, ctx, "units-lucknow-hi")

	// English, and back.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-en"))))
	waitFor(t, ctx, `document.documentElement.lang === 'en' && document.querySelector('#unit-name') && document.querySelector('#unit-name').textContent === 'Lucknow'`)
	assert.Equal(t, "Lucknow", text(t, ctx, "#header-scope"))
	assert.Equal(t, "District coordinator", text(t, ctx, "#header-role"))
	assert.Equal(t, "Units", text(t, ctx, "#nav-units"))
	assert.Equal(t, "District", text(t, ctx, "#unit-level"))
	assert.Equal(t, "Log out", text(t, ctx, "#logout"))
	assert.Equal(t, "en", eval[string](t, ctx, "localStorage.getItem('sangathan.lang')"))
	waitFor(t, ctx, `document.querySelectorAll('#unit-children-list .unit-item').length === 9`)
	assert.NotRegexp(t, `[\x{0900}-\x{097F}]`, eval[string](t, ctx, `(() => { const c = document.body.cloneNode(true); c.querySelectorAll('#lang-hi, #unit-other-name').forEach(e => e.remove()); return c.textContent; })()`),
		"no Hindi left on the English screen but the switch back and the name in the other script")
	noSideScroll(t, ctx, "district (en)")
	browsertest.Screenshot(t, ctx, "units-lucknow-en")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-hi"))))
	waitFor(t, ctx, `document.documentElement.lang === 'hi' && document.querySelector('#unit-name') && document.querySelector('#unit-name').textContent === 'लखनऊ'`)
	assert.Equal(t, "लॉग आउट", text(t, ctx, "#logout"))

	// Down to an assembly: its booths are listed with their coverage, 50 at a time.
	waitFor(t, ctx, `!!document.querySelector('#unit-children-list .unit-item[data-code="UP-AC-171"] a')`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#unit-children-list .unit-item[data-code="UP-AC-171"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-AC-171"]`)),
	))
	assert.Equal(t, "लखनऊ पश्चिम", text(t, ctx, "#unit-name"))
	assert.Equal(t, "Lucknow West", text(t, ctx, "#unit-other-name"))
	crumbs := text(t, ctx, "#breadcrumb")
	assert.Contains(t, crumbs, "लखनऊ")
	assert.NotContains(t, crumbs, "उत्तर प्रदेश", "the trail starts at the user's district, not above it")
	waitFor(t, ctx, `document.querySelectorAll('#unit-children-list .unit-item').length === 50`)
	assert.Equal(t, 50, eval[int](t, ctx, `document.querySelectorAll('#unit-children-list .unit-item .coverage svg.bar').length`), "every booth has a coverage bar")
	// Booths have no Hindi names: in Hindi they show a transliteration, marked as such.
	assert.Contains(t, text(t, ctx, "#unit-children-list .unit-item"), models.ToDevanagari("JUNIOR HIGH SCHOOL BARAWAN KALA"))
	assert.Equal(t, "लिप्यंतरित नाम / transliterated", eval[string](t, ctx, `document.querySelector('#unit-children-list .unit-item .translit').title`))
	assert.Contains(t, text(t, ctx, "#unit-children"), "366")
	noSideScroll(t, ctx, "assembly (hi)")
	assert.Empty(t, smallTargets(t, ctx), "tap targets on the assembly screen")
	browsertest.Screenshot(t, ctx, "assembly-booths-hi")
	// "More" brings 200 at a time, scrolled to where the new ones begin: the last of 366 booths
	// is two taps away.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#unit-children-more"))))
	waitFor(t, ctx, `document.querySelectorAll('#unit-children-list .unit-item').length === 250`)
	assert.True(t, eval[bool](t, ctx, `document.querySelectorAll('#unit-children-list .unit-item')[50].contains(document.activeElement)`), "the focus is on the first new booth")
	assert.True(t, eval[bool](t, ctx, `(() => { const r = document.querySelectorAll('#unit-children-list .unit-item')[50].getBoundingClientRect(); return r.top > -2 && r.top < innerHeight; })()`), "the first new booth is on screen (to the half pixel)")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#unit-children-more"))))
	waitFor(t, ctx, `document.querySelectorAll('#unit-children-list .unit-item').length === 366 && !document.querySelector('#unit-children-more')`)

	// The search box finds booths in this assembly.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#unit-search-q"), "barawan"),
		chromedp.Click(chromedp.CSS("#unit-search-submit")),
	))
	waitFor(t, ctx, `document.querySelectorAll('#unit-search-results .unit-item').length === 7`)
	codes := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#unit-search-results .unit-item')).map(e => e.dataset.code)`)
	for _, c := range codes {
		assert.True(t, strings.HasPrefix(c, "UP-AC-171-PS-"), "search result %s is a booth of this assembly", c)
	}
	noSideScroll(t, ctx, "search results")
	browsertest.Screenshot(t, ctx, "assembly-search-hi")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#unit-search-results .unit-item[data-code="UP-AC-171-PS-0002"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-AC-171-PS-0002"]`)),
	))
	assert.Equal(t, "बूथ (मतदान केंद्र)", text(t, ctx, "#unit-level"))
	assert.True(t, eval[bool](t, ctx, `!!document.querySelector('#unit-name .translit')`), "the booth's name is marked as transliterated")
	assert.Contains(t, text(t, ctx, `[data-fact="number"]`), "भाग संख्या")
	assert.Equal(t, "कमेटी अभी पूर्ण नहीं", text(t, ctx, "#unit-coverage"), "a booth says whether its own committee is complete")
	assert.Equal(t, 0, eval[int](t, ctx, "document.querySelectorAll('#unit-children, #unit-search').length"), "a booth has nothing below it")
	assert.Equal(t, []string{"लखनऊ", "लखनऊ पश्चिम"}, eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#breadcrumb a')).map(a => a.textContent)`))
	noSideScroll(t, ctx, "booth")
	browsertest.Screenshot(t, ctx, "booth-hi")

	// A booth number, typed in Devanagari digits in the assembly's search, goes straight to it.
	goHash(t, ctx, "#/units/"+a.unitID(t, "UP-AC-171"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-AC-171"]`)),
		chromedp.SendKeys(chromedp.CSS("#unit-search-q"), "३०"),
		chromedp.Click(chromedp.CSS("#unit-search-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-AC-171-PS-0030"]`)),
	))
	assert.Contains(t, text(t, ctx, `[data-fact="number"]`), "30")
}

// TestCoordinatorCannotSeeAnotherDistrict: editing the URL to a unit of another district (or
// to the state above) shows "not found or not in your area" and nothing of that unit, and the
// search inside the district finds nothing of other districts.
func TestCoordinatorCannotSeeAnotherDistrict(t *testing.T) {
	a := newApp(t)
	a.user(t, "lko.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	ctx := phone(t)
	login(t, ctx, a.URL, "lko.coord")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-LUCKNOW"]`))))

	for _, code := range []string{"UP-VARANASI", "UP-AC-384", "UP"} {
		goHash(t, ctx, "#/units/"+a.unitID(t, code))
		require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#unit-not-found"))), code)
		assert.Contains(t, text(t, ctx, "#unit-not-found"), "आपके क्षेत्र में नहीं", code)
		body := bodyText(t, ctx)
		for _, leak := range []string{"Varanasi", "वाराणसी", "Pindra", "पिंडरा", "उत्तर प्रदेश", "Uttar Pradesh", code} {
			assert.NotContains(t, body, leak, "%s: nothing of the unit outside the district shows", code)
		}
		assert.Equal(t, 0, eval[int](t, ctx, "document.querySelectorAll('#unit-details, #unit-children, #view-error').length"), code)
		noSideScroll(t, ctx, "not found")
	}
	browsertest.Screenshot(t, ctx, "not-in-your-area-hi")
	goHash(t, ctx, "#/units/not-a-number")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#unit-not-found"))), "a malformed id is also just not found")

	// Back home, and search the district for other districts' names.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#unit-home")),
		chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-LUCKNOW"]`)),
	))
	for _, q := range []string{"वाराणसी", "Varanasi", "pindra"} {
		require.NoError(t, chromedp.Do(ctx,
			clearField("#unit-search-q"),
			chromedp.SendKeys(chromedp.CSS("#unit-search-q"), q),
			chromedp.Click(chromedp.CSS("#unit-search-submit")),
			chromedp.WaitVisible(chromedp.CSS("#unit-search-none")),
		), q)
	}
	require.NoError(t, chromedp.Do(ctx,
		clearField("#unit-search-q"),
		chromedp.SendKeys(chromedp.CSS("#unit-search-q"), "लखनऊ"),
		chromedp.Click(chromedp.CSS("#unit-search-submit")),
	))
	waitFor(t, ctx, `document.querySelectorAll('#unit-search-results .unit-item').length > 0`)
	codes := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#unit-search-results .unit-item')).map(e => e.dataset.code)`)
	// Its assemblies and its booths with Lucknow in their (Latin) names, found across scripts, in
	// tree order: not the Lok Sabha seat of the same name, which lies outside the district.
	assert.Contains(t, codes, "UP-AC-171")
	for _, c := range codes {
		assert.Regexp(t, `^UP-AC-1(6[89]|7[0-9])(-|$)`, c, "only the district's own units")
	}
}

// TestSessionSurvivesReloadAndTokenStaysInMemory: a reload keeps the user logged in through the
// HttpOnly refresh cookie, no token is in any storage a script can read, logout returns to the
// login screen and a reload then stays there; a deep link survives the login.
func TestSessionSurvivesReloadAndTokenStaysInMemory(t *testing.T) {
	a := newApp(t)
	a.user(t, "lko.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	assembly := a.unitID(t, "UP-AC-172")
	ctx := phone(t)
	login(t, ctx, a.URL, "lko.coord")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-LUCKNOW"]`)),
		chromedp.Click(chromedp.CSS("#lang-en")),
	))
	waitFor(t, ctx, `document.documentElement.lang === 'en'`)
	goHash(t, ctx, "#/units/"+assembly)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-AC-172"]`))))

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-AC-172"]`)),
	))
	assert.Equal(t, "lko.coord", text(t, ctx, "#header-username"), "the refresh cookie restored the session")
	assert.Equal(t, "Lucknow North", text(t, ctx, "#unit-name"), "and the language")
	assert.Equal(t, 0, eval[int](t, ctx, "document.querySelectorAll('#login-username').length"))
	assert.Equal(t, []string{"sangathan.lang"}, eval[[]string](t, ctx, "Object.keys(localStorage)"), "localStorage holds only the language")
	assert.Equal(t, 0, eval[int](t, ctx, "sessionStorage.length"), "sessionStorage is empty")
	// Scripts see only the marker that says a refresh cookie exists, never the token itself.
	assert.Equal(t, "sangathan_session=1", eval[string](t, ctx, "document.cookie"), "the refresh cookie is HttpOnly")

	// Logout, then a reload stays logged out.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
	))
	assert.Equal(t, "#/login", eval[string](t, ctx, "location.hash"))
	assert.Equal(t, 0, eval[int](t, ctx, "document.querySelectorAll('#header-username, #unit-name').length"))
	assert.Equal(t, "", eval[string](t, ctx, "document.cookie"), "logging out drops the session marker")
	browsertest.Screenshot(t, ctx, "login-en")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
	))
	assert.Equal(t, 0, eval[int](t, ctx, "document.querySelectorAll('#header-username').length"))
	assert.Equal(t, "Log in", text(t, ctx, "#login-submit"))

	// A link to a unit, opened logged out, leads there after the login.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/#/units/"+assembly),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
		chromedp.SendKeys(chromedp.CSS("#login-username"), "lko.coord"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-AC-172"]`)),
	))
}

// TestNavigationFollowsRole: an admin sees the users and audit screens in the menu and starts
// at the top-level units; a booth worker sees neither, lands on their booth and cannot open the
// assembly above it or the users screen.
func TestNavigationFollowsRole(t *testing.T) {
	a := newApp(t)
	a.user(t, "root", models.RoleAdmin, "")
	a.user(t, "booth.worker", models.RoleBoothWorker, "UP-AC-171-PS-0001")
	ctx := phone(t)

	login(t, ctx, a.URL, "root")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#nav-users")),
		chromedp.WaitVisible(chromedp.CSS("#nav-audit")),
		chromedp.WaitVisible(chromedp.CSS(`#unit-top .unit-item[data-code="UP"]`)),
	))
	assert.Equal(t, "व्यवस्थापक", text(t, ctx, "#header-role"))
	assert.Equal(t, "सभी इकाइयाँ", text(t, ctx, "#header-scope"))
	assert.Equal(t, "उपयोगकर्ता", text(t, ctx, "#nav-users"))
	assert.Equal(t, "ऑडिट लॉग", text(t, ctx, "#nav-audit"))
	noSideScroll(t, ctx, "admin top units")
	browsertest.Screenshot(t, ctx, "admin-top-hi")
	// An admin's tabs are more than a phone's width: the bar scrolls sideways, and the current
	// screen's tab (the audit log, last) is scrolled into view.
	assert.Greater(t, eval[int](t, ctx, "document.querySelector('#app-nav').scrollWidth - document.querySelector('#app-nav').clientWidth"), 0,
		"the admin's tabs overflow a phone's width")
	goHash(t, ctx, "#/audit")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#audit-list"))))
	waitFor(t, ctx, `(() => { const n = document.querySelector('#app-nav').getBoundingClientRect(), a = document.querySelector('#nav-audit').getBoundingClientRect(); return a.left >= n.left && a.right <= n.right; })()`)
	goHash(t, ctx, "#/units")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#unit-top .unit-item[data-code="UP"]`)),
		chromedp.Click(chromedp.CSS(`#unit-top .unit-item[data-code="UP"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP"]`)),
	))
	waitFor(t, ctx, `document.querySelectorAll('#unit-children-list .unit-item').length === 50 && !!document.querySelector('#unit-children-more')`)
	assert.Contains(t, text(t, ctx, "#breadcrumb"), "शीर्ष इकाइयाँ", "an unscoped admin's trail starts at the top")
	noSideScroll(t, ctx, "admin state")
	browsertest.Screenshot(t, ctx, "admin-state-hi")

	// A wide screen puts the details and the children side by side.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
	waitFor(t, ctx, `document.querySelector('#unit-children').getBoundingClientRect().left > document.querySelector('#unit-details').getBoundingClientRect().right`)
	browsertest.Screenshot(t, ctx, "admin-state-wide-hi")
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(browsertest.PhoneWidth, browsertest.PhoneHeight)))
	waitFor(t, ctx, `document.querySelector('#unit-children').getBoundingClientRect().top > document.querySelector('#unit-details').getBoundingClientRect().bottom`)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
	))
	login(t, ctx, a.URL, "booth.worker")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-AC-171-PS-0001"]`))))
	assert.Equal(t, 0, eval[int](t, ctx, "document.querySelectorAll('#nav-users, #nav-audit').length"), "no users or audit menu for a booth worker")
	assert.Equal(t, 1, eval[int](t, ctx, "document.querySelectorAll('#nav-units').length"))
	assert.Equal(t, "बूथ कार्यकर्ता", text(t, ctx, "#header-role"))
	assert.Contains(t, text(t, ctx, "#header-scope"), "BARAWAN KALA ROOM NO-1")
	assert.Equal(t, 0, eval[int](t, ctx, "document.querySelectorAll('#breadcrumb, #unit-search').length"), "nothing above or below the booth to browse")
	noSideScroll(t, ctx, "booth worker")
	browsertest.Screenshot(t, ctx, "booth-worker-hi")

	goHash(t, ctx, "#/units/"+a.unitID(t, "UP-AC-171"))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#unit-not-found"))))
	goHash(t, ctx, "#/users")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#forbidden"))))
	// A page that shows only a refusal has a way back.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#back-home")), chromedp.WaitVisible(chromedp.CSS("#dash-unit-name"))))
	assert.Equal(t, "#/dashboard", eval[string](t, ctx, "location.hash"))
}

// TestLoginErrorsAreShown: a wrong password says so (with the server's detail), and after too
// many failures the 429 tells how many seconds to wait.
func TestLoginErrorsAreShown(t *testing.T) {
	lim := services.LoginLimits{Window: time.Minute, PerUserAddress: 2, PerAddress: 100}
	a := newApp(t, func(o *appOptions) { o.limits = &lim })
	a.user(t, "lko.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	ctx := phone(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#login-error")),
	))
	assert.Contains(t, text(t, ctx, "#login-error"), "दोनों भरें", "empty fields are caught before the server")
	try := func() {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx,
			clearField("#login-username"),
			chromedp.SendKeys(chromedp.CSS("#login-username"), "lko.coord"),
			chromedp.SendKeys(chromedp.CSS("#login-password"), "not-the-password"),
			chromedp.Click(chromedp.CSS("#login-submit")),
		))
		waitFor(t, ctx, `!document.querySelector('#login-submit').disabled && !document.querySelector('#login-error-detail').hidden`)
	}
	try()
	assert.Equal(t, "उपयोगकर्ता नाम या पासवर्ड गलत है।", text(t, ctx, "#login-error"))
	assert.Equal(t, "wrong username or password", text(t, ctx, "#login-error-detail"))
	try()
	try()
	assert.Regexp(t, regexp.MustCompile(`\d+ सेकंड बाद`), text(t, ctx, "#login-error"), "the 429 names the wait")
	assert.Contains(t, text(t, ctx, "#login-error-detail"), "try again later")
	noSideScroll(t, ctx, "login error")
	browsertest.Screenshot(t, ctx, "login-rate-limited-hi")
}

// TestUsersScreen: an admin creates an account (field errors show next to their inputs first),
// deactivates it after confirming and re-activates it; a district coordinator may offer only
// the roles below their own. Skips while the API has no /api/v1/users.
func TestUsersScreen(t *testing.T) {
	a := newApp(t)
	a.user(t, "root", models.RoleAdmin, "")
	a.user(t, "lko.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	if !a.hasRoute(t, "root", "/api/v1/users") {
		t.Skip("waiting for /api/v1/users")
	}
	ctx := phone(t)
	login(t, ctx, a.URL, "root")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#nav-users")),
		chromedp.WaitVisible(chromedp.CSS(`#users-list .user-item[data-username="lko.coord"]`)),
	))
	assert.Contains(t, text(t, ctx, `#users-list .user-item[data-username="lko.coord"]`), "लखनऊ", "the scope is named")
	noSideScroll(t, ctx, "users")
	browsertest.Screenshot(t, ctx, "users-hi")

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#user-new")), chromedp.WaitVisible(chromedp.CSS("#user-username"))))
	assert.Equal(t, []string{"state_office", "district_coordinator", "booth_worker", "viewer"},
		eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#user-role option')).map(o => o.value)`))
	_ = eval[chromedp.Void](t, ctx, `(() => { const s = document.querySelector('#user-role'); s.value = 'booth_worker'; s.dispatchEvent(new Event('change')); })()`)
	// The form's own checks answer in Hindi, next to each input.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#user-username"), "lko.coord"),
		chromedp.SendKeys(chromedp.CSS("#user-password"), "short"),
		chromedp.Click(chromedp.CSS("#user-create-submit")),
	))
	waitFor(t, ctx, `document.querySelector('#user-password-error').textContent !== ''`)
	assert.Equal(t, "पासवर्ड कम से कम 10 अक्षर का हो।", text(t, ctx, "#user-password-error"), "the password error sits under the password")
	assert.Equal(t, "इकाई खोजकर चुनें।", text(t, ctx, "#user-scope-error"))
	assert.Equal(t, "", text(t, ctx, "#user-username-error"))

	// The server's field errors (problem+json errors[]) land next to their inputs too.
	require.NoError(t, chromedp.Do(ctx,
		clearField("#user-password"),
		chromedp.SendKeys(chromedp.CSS("#user-password"), password),
		chromedp.SendKeys(chromedp.CSS("#user-scope"), "barawan kala room no-1"),
	))
	waitFor(t, ctx, `!!document.querySelector('#user-scope-results .btn-pick')`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#user-scope-results .btn-pick")),
		chromedp.WaitVisible(chromedp.CSS("#user-scope-chosen")),
		chromedp.Click(chromedp.CSS("#user-create-submit")),
	))
	waitFor(t, ctx, `document.querySelector('#user-username-error').textContent !== ''`)
	assert.Equal(t, "यह यूज़रनेम पहले से लिया हुआ है।", text(t, ctx, "#user-username-error"), "409 for a taken username, shown under the username in Hindi (its code username_taken)")
	assert.Equal(t, "hi", eval[string](t, ctx, "document.querySelector('#user-username-error').lang"), "the error is marked as Hindi")
	assert.Equal(t, "", text(t, ctx, "#user-password-error"))
	assert.Equal(t, "true", eval[string](t, ctx, "document.querySelector('#user-username').getAttribute('aria-invalid')"))
	noSideScroll(t, ctx, "user form errors")
	browsertest.Screenshot(t, ctx, "users-form-errors-hi")

	require.NoError(t, chromedp.Do(ctx,
		clearField("#user-username"),
		chromedp.SendKeys(chromedp.CSS("#user-username"), "lko.booth1"),
		chromedp.Click(chromedp.CSS("#user-create-submit")),
		chromedp.WaitVisible(chromedp.CSS("#user-created")),
		chromedp.WaitVisible(chromedp.CSS(`#users-list .user-item[data-username="lko.booth1"]`)),
	))
	item := `#users-list .user-item[data-username="lko.booth1"]`
	assert.Contains(t, text(t, ctx, item), "बूथ कार्यकर्ता")
	assert.Contains(t, text(t, ctx, item), "सक्रिय")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(item+" .user-deactivate")),
		chromedp.WaitVisible(chromedp.CSS(item+" .user-confirm")),
	))
	browsertest.Screenshot(t, ctx, "users-confirm-hi")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(item+" .user-confirm-yes")),
		chromedp.WaitVisible(chromedp.CSS(item+" .user-reactivate")),
	))
	assert.Equal(t, "निष्क्रिय", text(t, ctx, item+" .user-status"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(item+" .user-reactivate")),
		chromedp.WaitVisible(chromedp.CSS(item+" .user-deactivate")),
	))
	assert.Equal(t, "सक्रिय", text(t, ctx, item+" .user-status"))

	// Change the role and reset the password with PATCH.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(item+" .user-edit")),
		chromedp.WaitVisible(chromedp.CSS(item+" .user-edit-form select")),
	))
	_ = eval[chromedp.Void](t, ctx, `(() => { const s = document.querySelector('#users-list .user-item[data-username="lko.booth1"] .user-edit-form select'); s.value = 'viewer'; s.dispatchEvent(new Event('change')); })()`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(item+` .user-edit-form input[type="password"]`), "a-new-password-2025"),
		chromedp.Click(chromedp.CSS(item+" .user-save")),
		chromedp.WaitVisible(chromedp.CSS(item+" .user-edit")),
	))
	assert.Equal(t, "दर्शक", text(t, ctx, item+" .user-role"))
	_, err := a.set.Auth.Login(context.Background(), "lko.booth1", "a-new-password-2025", "127.0.0.1")
	assert.NoError(t, err, "the new password works")

	// A coordinator offers only the roles below their own.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-username"))))
	login(t, ctx, a.URL, "lko.coord")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#nav-users")),
		chromedp.Click(chromedp.CSS("#user-new")),
		chromedp.WaitVisible(chromedp.CSS("#user-role")),
	))
	assert.Equal(t, []string{"booth_worker", "viewer"}, eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#user-role option')).map(o => o.value)`))
	assert.Equal(t, 0, eval[int](t, ctx, `document.querySelectorAll('#users-list .user-item[data-username="root"]').length`), "the admin is outside the coordinator's view")

	// The same screen in English.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-en"))))
	waitFor(t, ctx, `document.documentElement.lang === 'en' && !!document.querySelector('#user-new')`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#user-new")), chromedp.WaitVisible(chromedp.CSS("#user-role"))))
	assert.Equal(t, []string{"Booth worker", "Viewer"}, eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#user-role option')).map(o => o.textContent)`))
	assert.Contains(t, text(t, ctx, `#users-list .user-item[data-username="lko.booth1"]`), "Viewer")
	assert.NotRegexp(t, `[\x{0900}-\x{097F}]`, eval[string](t, ctx, `(() => { const c = document.body.cloneNode(true); c.querySelectorAll('#lang-hi').forEach(e => e.remove()); return c.textContent; })()`),
		"no Hindi on the English users screen")
	noSideScroll(t, ctx, "users (en)")
	browsertest.Screenshot(t, ctx, "users-en")
}

// TestAuditScreen: after an admin's change, the audit log lists it newest first as a sentence,
// and a row's raw data opens to show the record before and after. Skips while the API has no /api/v1/audit.
func TestAuditScreen(t *testing.T) {
	a := newApp(t)
	a.user(t, "root", models.RoleAdmin, "")
	if !a.hasRoute(t, "root", "/api/v1/audit") {
		t.Skip("waiting for /api/v1/audit")
	}
	ctx := phone(t)
	login(t, ctx, a.URL, "root")
	// A change through the API, made by the logged-in browser, so the audit has a row.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#nav-users")),
		chromedp.Click(chromedp.CSS("#user-new")),
		chromedp.WaitVisible(chromedp.CSS("#user-username")),
		chromedp.SendKeys(chromedp.CSS("#user-username"), "audit.viewer"),
		chromedp.SendKeys(chromedp.CSS("#user-password"), password),
	))
	_ = eval[chromedp.Void](t, ctx, `(() => { const s = document.querySelector('#user-role'); s.value = 'viewer'; s.dispatchEvent(new Event('change')); })()`)
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#user-scope"), "लखनऊ")))
	waitFor(t, ctx, `!!document.querySelector('#user-scope-results .btn-pick')`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#user-scope-results .btn-pick")),
		chromedp.Click(chromedp.CSS("#user-create-submit")),
		chromedp.WaitVisible(chromedp.CSS("#user-created")),
		chromedp.Click(chromedp.CSS("#nav-audit")),
		chromedp.WaitVisible(chromedp.CSS("#audit-list .audit-item .audit-sentence")),
	))
	first := text(t, ctx, "#audit-list .audit-item .audit-sentence")
	assert.Contains(t, first, "root (व्यवस्थापक) ने खाता audit.viewer (दर्शक) बनाया", "the newest row names its actor")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#audit-list .audit-item .audit-raw > summary")),
		chromedp.WaitVisible(chromedp.CSS("#audit-list .audit-item .audit-after")),
	))
	_ = eval[chromedp.Void](t, ctx, `document.querySelectorAll('#audit-list details.audit-raw').forEach(d => { d.open = true; })`)
	after := eval[string](t, ctx, `Array.from(document.querySelectorAll('#audit-list .audit-after')).map(e => e.textContent).join('\n')`)
	assert.Contains(t, after, "audit.viewer", "a row opens on the record after the change")
	noSideScroll(t, ctx, "audit")
	browsertest.Screenshot(t, ctx, "audit-hi")

	// Filter by the actor, then the same in English.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#audit-list .audit-item .audit-filter-actor"))))
	waitFor(t, ctx, `!!document.querySelector('#audit-actor-clear') && document.querySelectorAll('#audit-list .audit-item').length > 0`)
	actors := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#audit-list .audit-item')).map(e => e.dataset.actor)`)
	for _, a := range actors {
		assert.Equal(t, "root", a, "only the chosen actor's rows")
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-en"))))
	waitFor(t, ctx, `document.documentElement.lang === 'en' && document.querySelectorAll('#audit-list .audit-item').length > 0`)
	assert.Contains(t, text(t, ctx, "#audit-list .audit-item .audit-sentence"), "root (Administrator) created the account audit.viewer (Viewer)")
	assert.Contains(t, text(t, ctx, "#audit-actor-chip"), "Only root", "the filter survives the language switch")
	noSideScroll(t, ctx, "audit (en)")
	browsertest.Screenshot(t, ctx, "audit-en")
}
