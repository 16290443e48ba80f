package frontend_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/frontend/browsertest"
	"github.com/sangathan/sangathan/models"
)

// TestTwoStepEnrolDuringLoginInHindi: on a phone in Hindi, an administrator without two-step
// verification logs in, is made to enrol (QR code and the key in groups), confirms with a code
// computed from the key the page shows, sees the ten recovery codes once, logs out, logs in
// again with a recovery code and then with a code, and finds it switched on (and not
// switchable off) on the account screen.
func TestTwoStepEnrolDuringLoginInHindi(t *testing.T) {
	a := newApp(t)
	a.userToEnrol(t, "tf.admin", models.RoleAdmin, "")
	ctx := phone(t)
	password1 := func() {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(a.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS("#login-username")),
			chromedp.SendKeys(chromedp.CSS("#login-username"), "tf.admin"),
			chromedp.SendKeys(chromedp.CSS("#login-password"), password),
			chromedp.Click(chromedp.CSS("#login-submit")),
			chromedp.WaitVisible(chromedp.CSS("#login-code")),
		))
	}
	password1()
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#login-secret"))))
	assert.Equal(t, hiText(t, "twofa.title"), text(t, ctx, "#twofa-login h1"))
	assert.Equal(t, hiText(t, "twofa.enrol_required"), text(t, ctx, "#twofa-enrol-required"))
	waitFor(t, ctx, `document.querySelector('#login-qr').complete && document.querySelector('#login-qr').naturalWidth > 0`)
	assert.True(t, strings.HasPrefix(eval[string](t, ctx, `document.querySelector('#login-qr').getAttribute('src')`), "data:image/png;base64,"))
	assert.Equal(t, "numeric", eval[string](t, ctx, `document.querySelector('#login-code').getAttribute('inputmode')`))
	assert.Equal(t, "one-time-code", eval[string](t, ctx, `document.querySelector('#login-code').getAttribute('autocomplete')`))
	noSideScroll(t, ctx, "enrolment during login")
	browsertest.Screenshot(t, ctx, "twofa-enrol-hi")

	shown := text(t, ctx, "#login-secret")
	assert.Regexp(t, `^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$`, shown, "the key in groups of four")
	secret := strings.ReplaceAll(shown, " ", "")
	now := time.Now()
	code, err := totp.GenerateCode(secret, now)
	require.NoError(t, err)
	twoStepSecrets.Store(a.URL+"|tf.admin", &twoStepAccount{secret: secret, last: now.Unix() / 30})

	// A wrong code first: it is refused in Hindi, next to the box.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#login-code"), "000000"),
		chromedp.Click(chromedp.CSS("#login-code-submit")),
	))
	waitFor(t, ctx, `document.querySelector('#login-code-error').textContent !== ''`)
	assert.Equal(t, hiText(t, "field_error.otp_wrong"), text(t, ctx, "#login-code-error"))

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#login-code"), code),
		chromedp.Click(chromedp.CSS("#login-code-submit")),
		chromedp.WaitVisible(chromedp.CSS("#login-codes")),
	))
	assert.Equal(t, hiText(t, "twofa.codes_title"), text(t, ctx, "#twofa-login h1"))
	codes := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#login-codes li')).map(li => li.textContent)`)
	require.Len(t, codes, 10)
	assert.Contains(t, bodyText(t, ctx), hiText(t, "twofa.codes_once"))
	noSideScroll(t, ctx, "recovery codes")
	browsertest.Screenshot(t, ctx, "twofa-codes-hi")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#login-codes-saved")),
		chromedp.WaitVisible(chromedp.CSS("#header-username")),
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
	))

	// With a recovery code, through the link.
	password1()
	assert.Equal(t, hiText(t, "twofa.enter_code"), eval[string](t, ctx, `document.querySelector('#twofa-login h1 + p').textContent`))
	noSideScroll(t, ctx, "second step")
	browsertest.Screenshot(t, ctx, "twofa-code-hi")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#login-use-recovery")),
		chromedp.WaitVisible(chromedp.CSS("#login-recovery")),
		chromedp.SendKeys(chromedp.CSS("#login-recovery"), codes[4]),
		chromedp.Click(chromedp.CSS("#login-code-submit")),
		chromedp.WaitVisible(chromedp.CSS("#header-username")),
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
	))

	// With a code (the helper computes the next one from the key read above).
	loginHome(t, ctx, a.URL, "tf.admin")
	goHash(t, ctx, "#/account")
	waitFor(t, ctx, `!!document.querySelector('#account-twofa-left')`)
	assert.Equal(t, hiText(t, "twofa.on"), text(t, ctx, "#account-twofa-status"))
	assert.Contains(t, text(t, ctx, "#account-twofa-left"), "9")
	assert.Equal(t, 0, eval[int](t, ctx, `document.querySelectorAll('#account-twofa-disable').length`), "an admin cannot switch it off")
	noSideScroll(t, ctx, "account")
	browsertest.Screenshot(t, ctx, "twofa-account-hi")
}

// TestTwoStepResetFromTheUsersScreen: an administrator resets a state office's two-step
// verification from the users screen; the state office's next login asks to enrol again.
func TestTwoStepResetFromTheUsersScreen(t *testing.T) {
	a := newApp(t)
	a.user(t, "tf.root", models.RoleAdmin, "")
	a.user(t, "tf.office", models.RoleStateOffice, "UP")
	ctx := phone(t)
	login(t, ctx, a.URL, "tf.root")
	goHash(t, ctx, "#/users")
	item := `#users-list li[data-username="tf.office"]`
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(item+" .user-twofa-reset")),
		chromedp.Click(chromedp.CSS(item+" .user-twofa-reset")),
		chromedp.Click(chromedp.CSS(item+" .user-twofa-reset-yes")),
		chromedp.WaitVisible(chromedp.CSS(item+" .user-twofa-reset-done")),
	))
	noSideScroll(t, ctx, "users after a reset")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
		chromedp.SendKeys(chromedp.CSS("#login-username"), "tf.office"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#login-secret")),
	))
}
