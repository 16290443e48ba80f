package frontend_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/frontend/browsertest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// needBatchAPI skips while the API has no POST /api/v1/units/{id}/committee/batch: an empty
// batch is refused (422) by the endpoint and writes nothing, a missing route answers 404.
func needBatchAPI(t *testing.T, a *app, token, unitID string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/api/v1/units/"+unitID+"/committee/batch", bytes.NewReader([]byte(`{"seats":[]}`)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed {
		t.Skip("waiting for POST /api/v1/units/{id}/committee/batch")
	}
}

type coverageOf struct {
	Coverage struct {
		Booths   int `json:"booths"`
		Complete int `json:"complete"`
	} `json:"coverage"`
}

// builderMember is one row as the coordinator enters it: the name typed (either script), the
// gender and category meant, and a phone when one is given.
type builderMember struct {
	name, gender, category, phone string
}

// TestCoordinatorBuildsBoothCommitteeAtOnce: a Lucknow coordinator on a 360 px phone, in Hindi,
// opens an empty booth's committee, enters all ten members in the builder — names typed with
// Enter moving on, gender and category tapped only where they differ from the row above — keeps
// the draft across a reload, saves once, is shown the mistyped phone next to its row with
// nothing saved, corrects it and saves again; the committee then has ten seats and the booth,
// its assembly and its district each count one more complete booth. The taps and fields used
// are counted and logged.
func TestCoordinatorBuildsBoothCommitteeAtOnce(t *testing.T) {
	a := newApp(t)
	a.user(t, "lko.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	const booth, assembly, district = "UP-AC-171-PS-0003", "UP-AC-171", "UP-LUCKNOW"
	boothID := a.unitID(t, booth)
	token := a.token(t, "lko.coord")
	coverage := func(code string) (int, int) {
		c := apiGet[coverageOf](t, a, token, "/api/v1/units/"+a.unitID(t, code), nil).Coverage
		return c.Booths, c.Complete
	}
	before := map[string]int{}
	for _, code := range []string{booth, assembly, district} {
		_, before[code] = coverage(code)
	}

	ctx := phone(t)
	login(t, ctx, a.URL, "lko.coord")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-LUCKNOW"]`))))
	goHash(t, ctx, "#/units/"+boothID)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="`+booth+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#builder-open")),
	))
	assert.Equal(t, "कमेटी अधूरी", text(t, ctx, "#committee-status"))

	// taps counts what a thumb does (buttons, fields tapped); fields the inputs typed into.
	taps, fields := 0, 0
	tap := func(sel string) {
		t.Helper()
		taps++
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))), "tap %s", sel)
	}
	// typ types into the focused field; enters is how many times Enter follows.
	typ := func(s string, enters int) {
		t.Helper()
		if s != "" {
			fields++
		}
		require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(s+strings.Repeat("\r", enters))))
	}

	tap("#builder-open")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#builder-row-9"))))
	assert.Equal(t, 10, eval[int](t, ctx, `document.querySelectorAll('#builder-rows .builder-row').length`), "the norm's ten rows are ready")
	assert.Equal(t, "builder-r0-name", eval[string](t, ctx, `document.activeElement.id`), "the first name has the focus")
	positions := eval[[]string](t, ctx, `[...document.querySelectorAll('#builder-rows .builder-position')].map(s => s.value)`)
	assert.Equal(t, []string{"president", "booth_agent", "member", "member", "member", "member", "member", "member", "member", "member"}, positions)
	assert.True(t, eval[bool](t, ctx, `document.querySelector('#builder-row-2 .builder-position option[value="president"]').disabled`),
		"a single-holder position another row holds cannot be chosen again")

	// A realistic committee, in the order a coordinator might write it down; the third
	// member's phone is mistyped.
	members := []builderMember{
		{"रामप्रसाद वर्मा", "male", "OBC", "9876543210"},
		{"सुनीता देवी", "female", "SC", ""},
		{"मोहन लाल", "male", "SC", "12345"},
		{"गीता पाल", "female", "OBC", ""},
		{"अनिल यादव", "male", "OBC", ""},
		{"राजेश गुप्ता", "male", "GEN", ""},
		{"कविता सिंह", "female", "GEN", ""},
		{"Suresh Pasi", "male", "SC", ""},
		{"नेहा वर्मा", "female", "OBC", ""},
		{"इरफ़ान अली", "male", "GEN", ""},
	}
	gender, category := "", ""
	for i, m := range members {
		row := fmt.Sprintf("#builder-row-%d", i)
		typ(m.name, 0)
		// Only a choice that differs from the row above needs a tap: choices carry down.
		if m.gender != gender {
			tap(row + ` [data-group="gender"] [data-value="` + m.gender + `"]`)
			gender = m.gender
		}
		if m.category != category {
			tap(row + ` [data-group="category"] [data-value="` + m.category + `"]`)
			category = m.category
		}
		if i == len(members)-1 {
			break // the last name typed, Save is next
		}
		// Enter: name → phone → voter ID → the next row's name.
		typ("", 1)
		typ(m.phone, 2)
		waitFor(t, ctx, fmt.Sprintf(`document.activeElement.id === document.querySelector('#builder-row-%d input[name="name"]').id`, i+1))
	}
	checkRows := func(when string) {
		t.Helper()
		for i, m := range members {
			row := fmt.Sprintf("#builder-row-%d", i)
			assert.Equal(t, m.name, eval[string](t, ctx, `document.querySelector('`+row+` input[name="name"]').value`), "%s: row %d name", when, i)
			assert.Equal(t, m.phone, eval[string](t, ctx, `document.querySelector('`+row+` input[name="phone"]').value`), "%s: row %d phone", when, i)
			assert.Equal(t, m.gender, eval[string](t, ctx, `document.querySelector('`+row+` [data-group="gender"] [aria-pressed="true"]')?.dataset.value || ''`), "%s: row %d gender", when, i)
			assert.Equal(t, m.category, eval[string](t, ctx, `document.querySelector('`+row+` [data-group="category"] [aria-pressed="true"]')?.dataset.value || ''`), "%s: row %d category", when, i)
		}
	}
	checkRows("typed")
	assert.Equal(t, 10, eval[int](t, ctx, `document.querySelectorAll('#builder-rows .builder-row').length`), "no row beyond the ten")
	noSideScroll(t, ctx, "committee builder")
	assert.Empty(t, smallTargets(t, ctx), "tap targets in the builder")
	browsertest.Screenshot(t, ctx, "builder-filled-hi")

	// The connection drops, the page reloads: the draft is still there.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#builder-restored")),
		chromedp.WaitVisible(chromedp.CSS("#builder-row-9")),
	))
	checkRows("after a reload")
	browsertest.Screenshot(t, ctx, "builder-restored-hi")

	needBatchAPI(t, a, token, boothID)
	// One save: the mistyped phone is refused next to its row, and nothing is saved.
	tap("#builder-save")
	waitFor(t, ctx, `!document.querySelector('#builder-error').hidden`)
	waitFor(t, ctx, `document.querySelector('#builder-row-2 .field-error[data-field="phone"]').textContent !== ''`)
	phoneErr := text(t, ctx, `#builder-row-2 .field-error[data-field="phone"]`)
	assert.Equal(t, "भारतीय मोबाइल नंबर लिखें, जैसे 98765 43210।", phoneErr, "the row's error is in Hindi")
	assert.Equal(t, "true", eval[string](t, ctx, `document.querySelector('#builder-row-2 input[name="phone"]').getAttribute('aria-invalid') || ''`))
	assert.Equal(t, 0, eval[int](t, ctx, `[...document.querySelectorAll('#builder-rows .field-error')].filter(e => e.textContent && !e.closest('#builder-row-2')).length`), "no other row has an error")
	type committeeAnswer struct {
		Complete bool              `json:"complete"`
		Seats    []json.RawMessage `json:"seats"`
	}
	c := apiGet[committeeAnswer](t, a, token, "/api/v1/units/"+boothID+"/committee", nil)
	assert.Empty(t, c.Seats, "a refused batch saves nothing")
	noSideScroll(t, ctx, "builder errors")
	browsertest.Screenshot(t, ctx, "builder-row-error-hi")

	// The correction: tap the phone, type it again, save.
	fixTaps, fixFields := taps, fields
	tap(`#builder-row-2 input[name="phone"]`)
	require.NoError(t, chromedp.Do(ctx, clearField(`#builder-row-2 input[name="phone"]`)))
	typ("9812345678", 0)
	tap("#builder-save")
	// The mistake cost the tap on the phone, its retyping and the second save.
	fixTaps, fixFields = taps-fixTaps, fields-fixFields
	waitFor(t, ctx, `document.querySelector('#committee-status').dataset.complete === 'true'`)
	waitFor(t, ctx, `document.querySelectorAll('#committee-seats .seat').length === 10`)
	assert.True(t, eval[bool](t, ctx, `document.querySelector('#builder-form').hidden`), "the builder closes after the save")
	assert.Equal(t, "पूर्ण कमेटी", text(t, ctx, "#committee-status"))
	waitFor(t, ctx, `document.querySelector('#unit-coverage').textContent.includes('पूर्ण कमेटी है')`)
	assert.Contains(t, text(t, ctx, `#committee-seats .seat[data-position="president"]`), "रामप्रसाद वर्मा")
	assert.Contains(t, text(t, ctx, `#committee-seats .seat[data-position="booth_agent"]`), "सुनीता देवी")
	assert.Equal(t, "एक साथ 10 पद भरे गए।", text(t, ctx, "#builder-saved"))
	// The choices carried down reached the server as meant: three SC, four OBC, three general, four women.
	stat := func(key string) string {
		return text(t, ctx, `#committee-composition [data-stat="`+key+`"] .stat-value`)
	}
	assert.Equal(t, []string{"3", "0", "4", "3", "4"}, []string{stat("SC"), stat("ST"), stat("OBC"), stat("GEN"), stat("women")})
	browsertest.Screenshot(t, ctx, "builder-saved-hi")

	c = apiGet[committeeAnswer](t, a, token, "/api/v1/units/"+boothID+"/committee", nil)
	assert.Len(t, c.Seats, 10)
	assert.True(t, c.Complete)
	for _, code := range []string{booth, assembly, district} {
		_, after := coverage(code)
		assert.Equal(t, before[code]+1, after, "%s counts one more complete booth", code)
	}

	// The draft went with the save: the page drawn again offers an empty builder, not the rows.
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#committee-seats"))))
	assert.Equal(t, 0, eval[int](t, ctx, `document.querySelectorAll('#builder-restored').length`), "no draft after the save")

	t.Logf("builder: %d taps, %d fields (names and phones typed; Enter moves on) for a 10-member committee — of which %d taps and %d field correcting the mistyped phone, so %d taps and %d fields without the mistake",
		taps, fields, fixTaps, fixFields, taps-fixTaps, fields-fixFields)
}

// TestBuilderPicksExistingPeopleInEnglish: on a booth whose president is seated, in English, the
// builder offers the booth agent first and no second president; a namesake is told apart by
// home unit and picked into a row, and cannot be picked into a second one; a new person given
// a voter ID someone else holds is refused next to that row, in English, with nothing saved;
// without it the rows are saved and the committee holds them.
func TestBuilderPicksExistingPeopleInEnglish(t *testing.T) {
	a := newApp(t)
	a.user(t, "lko.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	const booth = "UP-AC-171-PS-0004"
	boothID := a.unitID(t, booth)
	president := a.person(t, booth, services.PersonInput{Name: "Anil Rawat", NameHi: "अनिल रावत", Gender: models.GenderMale, Category: models.CategoryOBC})
	a.seat(t, booth, president, models.PositionPresident)
	here := a.person(t, "UP-AC-171-PS-0005", services.PersonInput{Name: "Ramesh Kumar", NameHi: "रमेश कुमार", Gender: models.GenderMale, Category: models.CategorySC})
	there := a.person(t, "UP-AC-172", services.PersonInput{Name: "Ramesh Kumar", NameHi: "रमेश कुमार", Gender: models.GenderMale, Category: models.CategorySC})
	a.person(t, "UP-LUCKNOW", services.PersonInput{Name: "Geeta Pal", Gender: models.GenderFemale, Category: models.CategoryOBC, VoterID: "ABC1234567"})
	token := a.token(t, "lko.coord")
	needBatchAPI(t, a, token, boothID)

	ctx := phone(t)
	login(t, ctx, a.URL, "lko.coord")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-LUCKNOW"]`))))
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-en"))))
	waitFor(t, ctx, `document.documentElement.lang === 'en'`)
	goHash(t, ctx, "#/units/"+boothID)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="`+booth+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#builder-open")),
		chromedp.Click(chromedp.CSS("#builder-open")),
		chromedp.WaitVisible(chromedp.CSS("#builder-row-0")),
	))
	assert.Equal(t, 9, eval[int](t, ctx, `document.querySelectorAll('#builder-rows .builder-row').length`), "nine seats still needed")
	assert.Equal(t, "booth_agent", eval[string](t, ctx, `document.querySelector('#builder-row-0 .builder-position').value`))
	assert.True(t, eval[bool](t, ctx, `document.querySelector('#builder-row-0 .builder-position option[value="president"]').disabled`), "the seated president's position is taken")
	assert.Contains(t, eval[string](t, ctx, `document.querySelector('#builder-row-0 .builder-position option[value="president"]').textContent`), "taken")

	// Row 1: a Ramesh Kumar, told apart from his namesake by his home booth.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#builder-row-0 .builder-find")),
		chromedp.SendKeys(chromedp.CSS(`#builder-row-0 input[type="search"]`), "ramesh\r"),
		chromedp.WaitVisible(chromedp.CSS(`#builder-row-0 .person-pick[data-person-id="`+there+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#builder-row-0 .person-pick[data-person-id="`+here+`"]`)),
	))
	waitFor(t, ctx, `[...document.querySelectorAll('#builder-row-0 .person-pick .pick-home')].every(e => e.textContent !== '')`)
	homes := eval[[]string](t, ctx, `[...document.querySelectorAll('#builder-row-0 .person-pick .pick-home')].map(e => e.textContent)`)
	assert.Len(t, homes, 2)
	assert.NotEqual(t, homes[0], homes[1], "namesakes show different home units")
	noSideScroll(t, ctx, "builder person search")
	browsertest.Screenshot(t, ctx, "builder-pick-en")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#builder-row-0 .person-pick[data-person-id="`+here+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#builder-row-0 .builder-chosen")),
	))
	assert.Contains(t, text(t, ctx, "#builder-row-0 .builder-chosen"), "Ramesh Kumar")

	// Row 2: the same Ramesh cannot be picked twice.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#builder-row-1 .builder-find")),
		chromedp.SendKeys(chromedp.CSS(`#builder-row-1 input[type="search"]`), "ramesh\r"),
		chromedp.WaitVisible(chromedp.CSS(`#builder-row-1 .person-pick[data-person-id="`+here+`"]`)),
	))
	assert.True(t, eval[bool](t, ctx, `document.querySelector('#builder-row-1 .person-pick[data-person-id="`+here+`"]').disabled`))
	assert.Contains(t, text(t, ctx, `#builder-row-1 .person-pick[data-person-id="`+here+`"]`), "already in another row")
	// …so a new person instead, with a voter ID that is Geeta's.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#builder-row-1 .builder-new-instead")),
		chromedp.WaitVisible(chromedp.CSS(`#builder-row-1 input[name="name"]`)),
		clearField(`#builder-row-1 input[name="name"]`),
		chromedp.SendKeys(chromedp.CSS(`#builder-row-1 input[name="name"]`), "Kavita Singh"),
		chromedp.Click(chromedp.CSS(`#builder-row-1 [data-group="gender"] [data-value="female"]`)),
		chromedp.Click(chromedp.CSS(`#builder-row-1 [data-group="category"] [data-value="GEN"]`)),
		chromedp.SendKeys(chromedp.CSS(`#builder-row-1 input[name="voter_id"]`), "abc 1234567"),
		// Row 3 stays empty (it is not sent); row 4 repeats the voter ID.
		chromedp.SendKeys(chromedp.CSS(`#builder-row-3 input[name="name"]`), "Neha Verma"),
		chromedp.SendKeys(chromedp.CSS(`#builder-row-3 input[name="voter_id"]`), "ABC1234567"),
		chromedp.Click(chromedp.CSS("#builder-save")),
	))
	waitFor(t, ctx, `document.querySelector('#builder-row-1 .field-error[data-field="voter_id"]').textContent !== ''`)
	assert.Equal(t, "Another person already has this voter ID.", text(t, ctx, `#builder-row-1 .field-error[data-field="voter_id"]`))
	assert.Contains(t, text(t, ctx, `#builder-row-3 .field-error[data-field="voter_id"]`), "Also given in row 2.", "the row numbers are the screen's, not the request's")
	assert.Empty(t, eval[string](t, ctx, `[...document.querySelectorAll('#builder-row-2 .field-error')].map(e => e.textContent).join('')`), "the empty row has no error")
	assert.NotContains(t, bodyText(t, ctx), "person "+president, "no internal id in the message")
	type committeeAnswer struct {
		Seats []struct {
			Position string `json:"position"`
			Person   struct {
				ID string `json:"id"`
			} `json:"person"`
		} `json:"seats"`
	}
	assert.Len(t, apiGet[committeeAnswer](t, a, token, "/api/v1/units/"+boothID+"/committee", nil).Seats, 1, "nothing saved")
	assert.Equal(t, 0, eval[int](t, ctx, `[...document.querySelectorAll('#builder .field-error, #builder-error')].filter(e => /[\u0900-\u097F]/.test(e.textContent)).length`), "no Hindi on the English screen")
	browsertest.Screenshot(t, ctx, "builder-voter-taken-en")

	// Row 4 goes; row 2 loses the voter ID.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#builder-row-3 .builder-remove"))))
	assert.Equal(t, 8, eval[int](t, ctx, `document.querySelectorAll('#builder-rows .builder-row').length`))
	require.NoError(t, chromedp.Do(ctx,
		clearField(`#builder-row-1 input[name="voter_id"]`),
		chromedp.SendKeys(chromedp.CSS(`#builder-row-1 input[name="voter_id"]`), "x\b"), // an input event for the cleared field
		chromedp.Click(chromedp.CSS("#builder-save")),
	))
	waitFor(t, ctx, `document.querySelectorAll('#committee-seats .seat').length === 3`)
	c := apiGet[committeeAnswer](t, a, token, "/api/v1/units/"+boothID+"/committee", nil)
	require.Len(t, c.Seats, 3)
	got := map[string]string{}
	for _, s := range c.Seats {
		got[s.Position+"/"+s.Person.ID] = "x"
	}
	assert.Contains(t, got, "booth_agent/"+here, "the picked Ramesh is the booth agent")
	assert.Contains(t, got, "president/"+president)

	// A draft is discarded only on a second tap, and then for good.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#builder-open")),
		chromedp.WaitVisible(chromedp.CSS("#builder-row-0")),
		chromedp.SendKeys(chromedp.CSS(`#builder-row-0 input[name="name"]`), "Pooja Rawat"),
		chromedp.Click(chromedp.CSS("#builder-discard")),
	))
	assert.False(t, eval[bool](t, ctx, `document.querySelector('#builder-form').hidden`), "one tap does not discard")
	assert.Equal(t, "Tap again to discard", text(t, ctx, "#builder-discard"))
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#builder-discard"))))
	assert.True(t, eval[bool](t, ctx, `document.querySelector('#builder-form').hidden`))
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#builder-open"))))
	assert.True(t, eval[bool](t, ctx, `document.querySelector('#builder-form').hidden`), "no draft comes back")
}

// TestBuilderDraftEndsAtLogout: a draft holds names and phones not yet saved; logging out of a
// shared phone removes it.
func TestBuilderDraftEndsAtLogout(t *testing.T) {
	a := newApp(t)
	a.user(t, "lko.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	boothID := a.unitID(t, "UP-AC-171-PS-0004")
	ctx := phone(t)
	login(t, ctx, a.URL, "lko.coord")
	goHash(t, ctx, "#/units/"+boothID)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#builder-open")), chromedp.Click(chromedp.CSS("#builder-open")),
		chromedp.WaitVisible(chromedp.CSS("#builder-r0-name")), chromedp.KeyEvent("रामप्रसाद")))
	drafts := `Object.keys(localStorage).filter(k => k.startsWith('sangathan.draft.')).length`
	waitFor(t, ctx, drafts+` === 1`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-username"))))
	assert.Equal(t, 0, eval[int](t, ctx, drafts), "a draft outlived the logout")
}

// TestCountsInTheReadersGrammar: one seat is "1 seat filled", not "1 seats" (Intl.PluralRules,
// in both languages).
func TestCountsInTheReadersGrammar(t *testing.T) {
	a := newApp(t)
	a.user(t, "lko.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	const booth = "UP-AC-171-PS-0006"
	boothID := a.unitID(t, booth)
	p := a.person(t, booth, services.PersonInput{Name: "Anil Rawat", NameHi: "अनिल रावत", Gender: models.GenderMale, Category: models.CategoryOBC})
	a.seat(t, booth, p, models.PositionPresident)
	ctx := phone(t)
	login(t, ctx, a.URL, "lko.coord")
	goHash(t, ctx, "#/units/"+boothID)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#committee-size"))))
	assert.Equal(t, "1 पद भरा · चाहिए 10–21", text(t, ctx, "#committee-size"))
	assert.Contains(t, text(t, ctx, "#committee-gaps"), "9 और पद भरने हैं")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-en"))))
	waitFor(t, ctx, `document.documentElement.lang === 'en'`)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#committee-size"))))
	waitFor(t, ctx, `document.querySelector('#committee-size').textContent.startsWith('1 seat filled')`)
	assert.Equal(t, "1 seat filled · needs 10–21", text(t, ctx, "#committee-size"))
	assert.Contains(t, text(t, ctx, "#committee-gaps"), "9 more seats to fill")
}
