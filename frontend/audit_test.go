package frontend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/frontend/browsertest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// auditSend sends a JSON request to the API as token and decodes the answer into out.
func auditSend(t *testing.T, a *app, token, method, path string, body, out any) {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(method, a.URL+path, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Less(t, res.StatusCode, 300, "%s %s", method, path)
	if out != nil {
		require.NoError(t, json.NewDecoder(res.Body).Decode(out))
	}
}

// TestAuditReadsAsHindiSentences: a Lucknow coordinator (Rakesh, whose account is linked to his
// record) seats Ram Prasad as president of a booth and then corrects his Hindi name and
// community; the state office, on a 360 px phone in Hindi, reads on the audit screen a Hindi
// sentence naming the coordinator and his role, the person, the position and the booth with
// its assembly, and the correction as before → after with the field and the community in
// Hindi; the stored JSON shows only when asked for.
func TestAuditReadsAsHindiSentences(t *testing.T) {
	a := newApp(t)
	ctx0 := context.Background()
	rakesh, err := a.set.People.Create(ctx0, services.System, services.PersonInput{Name: "Rakesh", NameHi: "राकेश", Gender: models.GenderMale,
		Category: models.CategoryOBC, HomeUnitID: ptrID(t, a, "UP-LUCKNOW")})
	require.NoError(t, err)
	_, err = a.set.Users.Create(ctx0, services.System, services.UserInput{Username: "lko.rakesh", Password: password,
		Role: models.RoleDistrictCoordinator, ScopeUnitID: ptrID(t, a, "UP-LUCKNOW"), PersonID: &rakesh.Person.ID})
	require.NoError(t, err)
	a.user(t, "up.office", models.RoleStateOffice, "UP")

	const booth = "UP-AC-171-PS-0003"
	boothID := a.unitID(t, booth)
	var unit struct {
		Number *int   `json:"number"`
		NameHi string `json:"name_hi"`
		Name   string `json:"name"`
	}
	token := a.token(t, "lko.rakesh")
	auditSend(t, a, token, http.MethodGet, "/api/v1/units/"+boothID, nil, &unit)
	require.NotNil(t, unit.Number)
	var person struct {
		ID string `json:"id"`
	}
	auditSend(t, a, token, http.MethodPost, "/api/v1/people", map[string]any{"name": "Ram Prasad", "name_hi": "राम परसाद", "gender": "male",
		"category": "SC", "phone": "9876501234", "home_unit_id": boothID}, &person)
	auditSend(t, a, token, http.MethodPost, "/api/v1/units/"+boothID+"/committee/seats", map[string]any{"person_id": person.ID, "position": "president"}, nil)
	auditSend(t, a, token, http.MethodPatch, "/api/v1/people/"+person.ID, map[string]any{"name_hi": "राम प्रसाद", "category": "OBC"}, nil)

	ctx := phone(t)
	login(t, ctx, a.URL, "up.office")
	goHash(t, ctx, "#/audit")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#audit-list li[data-entity="seat"] .audit-sentence`))))

	name := unit.NameHi
	if name == "" {
		name = unit.Name
	}
	seat := text(t, ctx, `#audit-list li[data-entity="seat"][data-action="create"] .audit-sentence`)
	want := "राकेश (जिला समन्वयक) ने राम प्रसाद को बूथ " + strconv.Itoa(*unit.Number) + " (" + name + "), लखनऊ पश्चिम का अध्यक्ष बनाया"
	assert.Contains(t, seat, want, "the seat reads as one Hindi sentence")
	assert.Regexp(t, `· .*\d{1,2}:\d{2}`, seat, "with the time in the reader's locale")

	upd := `#audit-list li[data-entity="person"][data-action="update"]`
	assert.Contains(t, text(t, ctx, upd+" .audit-sentence"), "राकेश (जिला समन्वयक) ने राम प्रसाद का विवरण बदला")
	assert.Equal(t, "हिंदी में नाम: राम परसाद → राम प्रसाद", strings.TrimSpace(text(t, ctx, upd+` .audit-change[data-field="name_hi"]`)))
	assert.Equal(t, "समुदाय: अनुसूचित जाति (दलित) → अन्य पिछड़ा वर्ग (पिछड़ा)", strings.TrimSpace(text(t, ctx, upd+` .audit-change[data-field="category"]`)))
	assert.Equal(t, 2, eval[int](t, ctx, `document.querySelectorAll('`+upd+` .audit-change').length`), "only the changed fields")

	// No JSON until asked for.
	page := bodyText(t, ctx)
	assert.NotContains(t, page, `"name_hi"`, "no raw JSON on the screen")
	assert.NotContains(t, page, "{", "no raw JSON on the screen")
	assert.NotContains(t, page, "9876501234", "no phone number in the log")
	assert.Equal(t, "कच्चा डेटा दिखाएँ", text(t, ctx, upd+" .audit-raw > summary"))
	noSideScroll(t, ctx, "audit (hi)")
	browsertest.Screenshot(t, ctx, "audit-sentences-hi")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(upd+" .audit-raw > summary")),
		chromedp.WaitVisible(chromedp.CSS(upd+" .audit-after")),
	))
	raw := text(t, ctx, upd+" .audit-after")
	assert.Contains(t, raw, `"name_hi": "राम प्रसाद"`, "the stored record, on request")
	assert.Contains(t, raw, `"has_phone": true`)
	noSideScroll(t, ctx, "audit (hi, raw open)")

	// The same row in English.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-en"))))
	waitFor(t, ctx, `document.documentElement.lang === 'en' && !!document.querySelector('#audit-list li[data-entity="seat"] .audit-sentence')`)
	enName := unit.Name
	assert.Contains(t, text(t, ctx, `#audit-list li[data-entity="seat"][data-action="create"] .audit-sentence`),
		"Rakesh (District coordinator) seated Ram Prasad as President of booth "+strconv.Itoa(*unit.Number)+" ("+enName+"), Lucknow West")
	assert.Equal(t, "Community: Scheduled Caste (Dalit) → Other Backward Class", strings.TrimSpace(text(t, ctx, upd+` .audit-change[data-field="category"]`)))
	noSideScroll(t, ctx, "audit (en)")
}

func ptrID(t *testing.T, a *app, code string) *int64 {
	t.Helper()
	id, err := strconv.ParseInt(a.unitID(t, code), 10, 64)
	require.NoError(t, err)
	return &id
}
