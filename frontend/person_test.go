package frontend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// hiText reads a key of the Hindi translation table, so that a test checks the words the screen
// should show without copying them.
func hiText(t *testing.T, key string) string {
	t.Helper()
	raw, err := os.ReadFile("static/i18n/hi.json")
	require.NoError(t, err)
	var table map[string]string
	require.NoError(t, json.Unmarshal(raw, &table))
	v, ok := table[key]
	require.True(t, ok, "hi.json has %s", key)
	return v
}

// seatID seats a person on the committee of the unit with code and returns the seat.
func (a *app) seatID(t *testing.T, code, personID string, position models.Position) (unitID, seatID int64) {
	t.Helper()
	u, err := a.set.Units.UnitByCode(context.Background(), services.System, code)
	require.NoError(t, err)
	pid, err := strconv.ParseInt(personID, 10, 64)
	require.NoError(t, err)
	v, err := a.set.Committees.Seat(context.Background(), services.System, u.ID, pid, position)
	require.NoError(t, err)
	return u.ID, v.Seat.ID
}

// typeInto empties an input and types s into it, as a user would.
func typeInto(sel, s string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(clearField(sel), chromedp.SendKeys(chromedp.CSS(sel), s))
}

// visible is a JavaScript test that an element exists and is not hidden.
func visible(sel string) string {
	return fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && !e.closest('[hidden]') && e.getClientRects().length > 0; })()`, sel)
}

// TestPersonPageSeatsAndEdit: a Lucknow coordinator on a 360 px phone, in Hindi, opens a person
// from the people list and sees their present seat (linked to its committee) and their past one
// with dates, but not the seat they hold in another district; in the edit form a name typed in
// the wrong script is flagged under its field and swapped with one tap; an impossible birth year
// comes back from the server worded by its code beside its field, and nothing is saved; the
// new phone is saved; an edit made after someone else's is refused with the 412 message, and the
// form then shows the other change.
func TestPersonPageSeatsAndEdit(t *testing.T) {
	a := newApp(t)
	a.user(t, "lko.people", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	const booth, assembly = "UP-AC-171-PS-0002", "UP-AC-171"
	ram := a.person(t, booth, services.PersonInput{Name: "Ram Prasad", NameHi: "राम प्रसाद", Gender: models.GenderMale,
		Category: models.CategoryOBC, Phone: "9876543210", Caste: "Kurmi"})
	boothID, boothSeat := a.seatID(t, booth, ram, models.PositionMember)
	require.NoError(t, a.set.Committees.EndSeat(context.Background(), services.System, boothID, boothSeat))
	assemblyID, _ := a.seatID(t, assembly, ram, models.PositionPresident)
	agraID, _ := a.seatID(t, "UP-AGRA", ram, models.PositionMember) // outside the coordinator's district
	pid, _ := strconv.ParseInt(ram, 10, 64)

	ctx := phone(t)
	login(t, ctx, a.URL, "lko.people")
	goHash(t, ctx, "#/people")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#person-link-"+ram)),
		chromedp.Click(chromedp.CSS("#person-link-"+ram)),
		chromedp.WaitVisible(chromedp.CSS(`#person-name[data-person-id="`+ram+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#person-current-seats")),
	))
	assert.Equal(t, "#/people/"+ram, eval[string](t, ctx, "location.hash"))
	assert.Equal(t, "राम प्रसाद", text(t, ctx, "#person-name"))
	assert.Equal(t, "+91 98765 43210", text(t, ctx, "#person-phone"))
	assert.Equal(t, "#/units/"+strconv.FormatInt(boothID, 10), eval[string](t, ctx, `document.querySelector('#person-home').getAttribute('href')`), "the home booth is linked")

	current := eval[[]string](t, ctx, `[...document.querySelectorAll('#person-current-seats li')].map(e => e.dataset.unitId + ' ' + e.querySelector('.seat-position').textContent + ' ' + e.querySelector('a').getAttribute('href'))`)
	a171 := strconv.FormatInt(assemblyID, 10)
	assert.Equal(t, []string{a171 + " अध्यक्ष #/units/" + a171}, current, "the present seat, linked to its committee")
	past := eval[[]string](t, ctx, `[...document.querySelectorAll('#person-past-seats li')].map(e => e.dataset.unitId + ' ' + e.querySelector('.seat-position').textContent)`)
	assert.Equal(t, []string{strconv.FormatInt(boothID, 10) + " सदस्य"}, past, "the past seat")
	assert.Regexp(t, `– `, text(t, ctx, "#person-past-seats .item-meta"), "the past seat has its dates")
	assert.False(t, eval[bool](t, ctx, fmt.Sprintf(`!!document.querySelector('[data-unit-id="%d"]')`, agraID)), "no seat outside the coordinator's district")
	noSideScroll(t, ctx, "the person page")
	assert.Empty(t, smallTargets(t, ctx), "every link and button on the person page is big enough for a thumb")

	// The wrong script, flagged before saving and swapped with one tap.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#person-edit")),
		chromedp.WaitVisible(chromedp.CSS("#person-form")),
	))
	assert.False(t, eval[bool](t, ctx, visible("#person-e-name-script")), "no warning for names in their scripts")
	require.NoError(t, chromedp.Do(ctx,
		typeInto("#person-e-name", "राम प्रसाद"),
		typeInto("#person-e-name_hi", "Ram Prasad"),
	))
	waitFor(t, ctx, visible("#person-e-name-script")+" && "+visible("#person-e-name_hi-script"))
	assert.Contains(t, text(t, ctx, "#person-e-name-script"), hiText(t, "person.script_latin"))
	assert.Contains(t, text(t, ctx, "#person-e-name_hi-script"), hiText(t, "person.script_hi"))
	noSideScroll(t, ctx, "the edit form with both warnings")
	assert.Empty(t, smallTargets(t, ctx), "the edit form's inputs and buttons are big enough for a thumb")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#person-e-name-swap"))))
	assert.Equal(t, "Ram Prasad", eval[string](t, ctx, `document.querySelector('#person-e-name').value`))
	assert.Equal(t, "राम प्रसाद", eval[string](t, ctx, `document.querySelector('#person-e-name_hi').value`))
	assert.False(t, eval[bool](t, ctx, visible("#person-e-name-script")+" || "+visible("#person-e-name_hi-script")), "the warnings go once the names are swapped")

	// A birth year the server refuses: its error, by code, in Hindi beside the field; nothing saved.
	require.NoError(t, chromedp.Do(ctx,
		typeInto("#person-e-phone", "98765 01234"),
		typeInto("#person-e-birth_year", "2020"),
		chromedp.Click(chromedp.CSS("#person-save")),
	))
	want := "आयु 18 से 120 वर्ष के बीच होनी चाहिए।"
	waitFor(t, ctx, fmt.Sprintf(`document.querySelector('#person-e-birth_year-error').textContent === %q`, want))
	stored, err := a.set.People.Get(context.Background(), services.System, pid)
	require.NoError(t, err)
	assert.Equal(t, "+919876543210", *stored.Person.Phone, "a refused edit saves nothing")

	// The phone, saved.
	require.NoError(t, chromedp.Do(ctx,
		clearField("#person-e-birth_year"),
		chromedp.Click(chromedp.CSS("#person-save")),
		chromedp.WaitVisible(chromedp.CSS("#person-saved")),
	))
	assert.Equal(t, "+91 98765 01234", text(t, ctx, "#person-phone"))
	assert.True(t, eval[bool](t, ctx, `document.querySelector('#person-form').hidden`), "the form closes")
	stored, err = a.set.People.Get(context.Background(), services.System, pid)
	require.NoError(t, err)
	assert.Equal(t, "+919876501234", *stored.Person.Phone)
	assert.Equal(t, "Kurmi", stored.Person.Caste, "fields not changed stay")

	// Someone else saves while this user edits: the save is refused and the record reloaded.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#person-edit")),
		chromedp.WaitVisible(chromedp.CSS("#person-form")),
		typeInto("#person-e-caste", "Yadav"),
	))
	_, err = a.set.People.Update(context.Background(), services.System, pid, func(in *services.PersonInput) error {
		in.Caste = "Patel"
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#person-save")),
		chromedp.WaitVisible(chromedp.CSS("#person-stale")),
	))
	assert.Equal(t, hiText(t, "person.stale"), text(t, ctx, "#person-stale"))
	assert.Equal(t, "Patel", eval[string](t, ctx, `document.querySelector('#person-e-caste').value`), "the form shows the other change")
	stored, err = a.set.People.Get(context.Background(), services.System, pid)
	require.NoError(t, err)
	assert.Equal(t, "Patel", stored.Person.Caste, "the stale edit saved nothing")
	// Made again on the fresh record, the change is saved.
	require.NoError(t, chromedp.Do(ctx,
		typeInto("#person-e-caste", "Yadav"),
		chromedp.Click(chromedp.CSS("#person-save")),
		chromedp.WaitVisible(chromedp.CSS("#person-saved")),
	))
	stored, err = a.set.People.Get(context.Background(), services.System, pid)
	require.NoError(t, err)
	assert.Equal(t, "Yadav", stored.Person.Caste)

	// The same refusal in English.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#lang-en")),
		chromedp.WaitVisible(chromedp.CSS(`#person-name[data-person-id="`+ram+`"]`)),
	))
	waitFor(t, ctx, `document.documentElement.lang === 'en' && (document.querySelector('#person-seats-title') || {}).textContent === 'Seats held now'`)
	assert.Equal(t, "Ram Prasad", text(t, ctx, "#person-name"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#person-edit")),
		chromedp.WaitVisible(chromedp.CSS("#person-form")),
		typeInto("#person-e-caste", "Maurya"),
	))
	_, err = a.set.People.Update(context.Background(), services.System, pid, func(in *services.PersonInput) error {
		in.Caste = "Saini"
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#person-save")),
		chromedp.WaitVisible(chromedp.CSS("#person-stale")),
	))
	assert.Contains(t, text(t, ctx, "#person-stale"), "Someone else changed this record")
	assert.Equal(t, "Saini", eval[string](t, ctx, `document.querySelector('#person-e-caste').value`))
}

// TestOwnPasswordChange: a booth worker on a 360 px phone, in Hindi, opens their account from the
// header; a wrong current password, a short new one and a mistyped repeat are each shown beside
// their field in Hindi; the change then succeeds, and the worker logs in again with the new
// password (the old one no longer works).
func TestOwnPasswordChange(t *testing.T) {
	a := newApp(t)
	a.user(t, "booth.worker", models.RoleBoothWorker, "UP-AC-171-PS-0002")
	const fresh = "a-new-password-2026"

	ctx := phone(t)
	loginHome(t, ctx, a.URL, "booth.worker")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#header-account")),
		chromedp.WaitVisible(chromedp.CSS("#account-form")),
	))
	noSideScroll(t, ctx, "the account screen")
	assert.Empty(t, smallTargets(t, ctx), "the account screen's inputs and buttons are big enough for a thumb")
	fill := func(current, next, repeat string) {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx,
			typeInto("#account-current", current),
			typeInto("#account-new", next),
			typeInto("#account-repeat", repeat),
			chromedp.Click(chromedp.CSS("#account-save")),
		))
	}
	errorIs := func(sel, want string) {
		t.Helper()
		waitFor(t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent === %q`, sel, want))
	}

	fill("not-my-password", fresh, fresh)
	errorIs("#account-current-error", hiText(t, "field_error.password_wrong"))
	fill(password, "short", "short")
	errorIs("#account-new-error", "कम से कम 10 अक्षर।")
	assert.Equal(t, "", text(t, ctx, "#account-current-error"), "the earlier error is gone")
	fill(password, fresh, fresh+"x")
	errorIs("#account-repeat-error", hiText(t, "account.err_repeat"))

	fill(password, fresh, fresh)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#account-done"))))
	assert.Equal(t, hiText(t, "account.changed"), text(t, ctx, "#account-done"))

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#account-relogin")),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
		chromedp.SendKeys(chromedp.CSS("#login-username"), "booth.worker"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), fresh),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#header-username")),
	))
	body, _ := json.Marshal(map[string]string{"username": "booth.worker", "password": password})
	res, err := http.Post(a.URL+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "the old password no longer works")
}

// TestAddPersonWithAWarnedName: on the people screen in Hindi, a coordinator adds a person whose
// Hindi name field holds Latin letters: the warning shows under the field before saving, the
// coordinator saves all the same, and the new person's page opens with the name as typed.
func TestAddPersonWithAWarnedName(t *testing.T) {
	a := newApp(t)
	a.user(t, "lko.adder", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	ctx := phone(t)
	login(t, ctx, a.URL, "lko.adder")
	goHash(t, ctx, "#/people")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#people-add-toggle")),
		chromedp.Click(chromedp.CSS("#people-add-toggle")),
		chromedp.WaitVisible(chromedp.CSS("#new-p-name")),
		chromedp.SendKeys(chromedp.CSS("#new-p-name"), "Sita Devi"),
		chromedp.SendKeys(chromedp.CSS("#new-p-name_hi"), "Sita"),
	))
	waitFor(t, ctx, visible("#new-p-name_hi-script"))
	assert.Contains(t, text(t, ctx, "#new-p-name_hi-script"), hiText(t, "person.script_hi"))
	assert.False(t, eval[bool](t, ctx, visible("#new-p-name-script")), "the Latin name is in its script")
	noSideScroll(t, ctx, "the add form with a warning")
	setSelect(t, ctx, "#new-p-gender", "female")
	setSelect(t, ctx, "#new-p-category", "SC")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#new-p-save")),
		chromedp.WaitVisible(chromedp.CSS("#person-name")),
	))
	assert.Equal(t, "Sita", text(t, ctx, "#person-name"), "saved as typed: the warning does not stop the save")
	assert.Equal(t, a.unitID(t, "UP-LUCKNOW"), eval[string](t, ctx, `document.querySelector('#person-home').dataset.unitId`), "placed in the coordinator's district")
}
