package frontend_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/frontend/browsertest"
	"github.com/sangathan/sangathan/models"
)

// TestSessionsScreen (issue 13): a coordinator is logged in twice — once by an integration over
// the API, once in the browser on a 360 px phone in Hindi. The account screen lists both
// sessions, the browser's marked "this device"; ending the other one makes its access token
// answer 401 at once. The audit screen tells the login and the ending in Hindi, and "log out
// everywhere" ends the browser's own session too, back at the login screen.
func TestSessionsScreen(t *testing.T) {
	a := newApp(t)
	const user = "lko.sessions"
	a.user(t, user, models.RoleDistrictCoordinator, "UP-LUCKNOW")
	other := a.token(t, user) // a Go program's login
	me := func(token string) int {
		req, _ := http.NewRequest(http.MethodGet, a.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	require.Equal(t, http.StatusOK, me(other))

	ctx := phone(t)
	login(t, ctx, a.URL, user)
	goHash(t, ctx, "#/account")
	waitFor(t, ctx, `document.querySelectorAll('#sessions-list li.session-item').length === 2`)
	current := text(t, ctx, `#sessions-list li[data-current="true"]`)
	assert.Contains(t, current, "यह उपकरण", "the browser's own session is marked")
	assert.Contains(t, current, "Chrome", "with a device label")
	assert.Contains(t, current, "लॉग इन ")
	assert.Contains(t, text(t, ctx, `#sessions-list li[data-current="false"]`), "Go program")
	assert.Equal(t, 0, eval[int](t, ctx, `document.querySelectorAll('#sessions-list li[data-current="true"] button').length`), "no button ends one's own session from the list")
	assert.Equal(t, "सभी जगह से लॉग आउट करें", strings.TrimSpace(text(t, ctx, "#sessions-everywhere")))
	noSideScroll(t, ctx, "account sessions (hi)")
	browsertest.Screenshot(t, ctx, "account-sessions-hi")

	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#sessions-list li[data-current="false"] button`))))
	waitFor(t, ctx, `!!document.querySelector('#sessions-revoked') && document.querySelectorAll('#sessions-list li.session-item').length === 1`)
	assert.Equal(t, http.StatusUnauthorized, me(other), "the ended session's access token is refused at once")

	goHash(t, ctx, "#/audit")
	waitFor(t, ctx, `!!document.querySelector('#audit-list li[data-entity="session"][data-action="login"] .audit-sentence')`)
	assert.Contains(t, text(t, ctx, `#audit-list li[data-entity="session"][data-action="login"] .audit-sentence`), "ने लॉग इन किया")
	assert.Contains(t, text(t, ctx, `#audit-list li[data-entity="session"][data-action="revoke"] .audit-sentence`), "का एक सत्र समाप्त किया (Go program)")
	noSideScroll(t, ctx, "audit with security events (hi)")

	goHash(t, ctx, "#/account")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#sessions-list li[data-current="true"]`)),
		chromedp.Click(chromedp.CSS("#sessions-everywhere")),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
	))
}
