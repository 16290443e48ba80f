package frontend_test

import (
	"context"
	"github.com/sangathan/sangathan/frontend/browsertest"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestUsersScreenReloadsAChangedAccount: someone else deactivates an account while the users
// screen shows it active. The screen's change, sent with the version it loaded (If-Match), is
// refused (412); the screen says so in Hindi, shows the account as it now is, and its next
// change, on the fresh version, goes through.
func TestUsersScreenReloadsAChangedAccount(t *testing.T) {
	a := newApp(t)
	a.user(t, "root", models.RoleAdmin, "")
	a.user(t, "lko.stale", models.RoleViewer, "UP-LUCKNOW")
	ctx := phone(t)
	login(t, ctx, a.URL, "root")
	item := `#users-list .user-item[data-username="lko.stale"]`
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#nav-users")),
		chromedp.WaitVisible(chromedp.CSS(item+" .user-deactivate")),
	))
	id, err := strconv.ParseInt(eval[string](t, ctx, `document.querySelector('`+item+`').dataset.userId`), 10, 64)
	require.NoError(t, err)
	require.NoError(t, a.set.Users.Deactivate(context.Background(), services.System, id), "deactivated elsewhere")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(item+" .user-edit")),
		chromedp.WaitVisible(chromedp.CSS(item+" .user-edit-form select")),
	))
	_ = eval[chromedp.Void](t, ctx, `(() => { const s = document.querySelector('`+item+` .user-edit-form select'); s.value = 'booth_worker'; s.dispatchEvent(new Event('change')); })()`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(item+" .user-save")),
		chromedp.WaitVisible(chromedp.CSS(item+" .user-stale")),
	))
	browsertest.Screenshot(t, ctx, "users-stale-hi")
	assert.Equal(t, "इसे किसी और ने बदल दिया है; नया संस्करण लोड किया गया।", text(t, ctx, item+" .user-stale"))
	assert.Equal(t, "निष्क्रिय", text(t, ctx, item+" .user-status"), "the account as it now is")
	assert.Equal(t, "दर्शक", text(t, ctx, item+" .user-role"), "the refused role change is not shown")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(item+" .user-reactivate")),
		chromedp.WaitVisible(chromedp.CSS(item+" .user-deactivate")),
	))
	assert.Equal(t, "सक्रिय", text(t, ctx, item+" .user-status"))
	v, err := a.set.Users.Get(context.Background(), services.System, id)
	require.NoError(t, err)
	assert.True(t, v.User.Active)
	assert.Equal(t, models.RoleViewer, v.User.Role)
	assert.Equal(t, int64(3), v.User.Version, "created, deactivated elsewhere, reactivated here")
}
