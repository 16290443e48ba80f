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

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// hostile is a report's text with a link, a bare URL and a script: it must stay characters.
const hostile = `<a href="https://evil.example/">यहाँ क्लिक करें</a> https://evil.example/x <script>window.pwned = 1</script>
दलित परिवारों को कुएँ पर पीटा गया।`

// report files a report from the public through the service and returns its tracking code.
func (a *app) report(t *testing.T, district, addr string) string {
	t.Helper()
	code, err := a.set.Intake.Submit(context.Background(), addr, services.PublicReportInput{DistrictCode: district, Place: "गाँव रामपुर",
		OccurredOn: time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02"), Description: hostile, Contact: "98765 43210"})
	require.NoError(t, err)
	return code
}

// nothingLive fails when the elements under sel hold a link or a script, or a script ran.
func nothingLive(t *testing.T, ctx context.Context, sel, where string) {
	t.Helper()
	assert.Equal(t, 0, eval[int](t, ctx, `document.querySelectorAll('`+sel+` a, `+sel+` script, `+sel+` [href], `+sel+` [onclick]').length`),
		"%s: a link or a script was made from the report's text", where)
	assert.False(t, eval[bool](t, ctx, `!!window.pwned`), "%s: the report's script ran", where)
}

// TestPublicIntakeEndToEnd, on a phone in Hindi: a member of the public, without logging in, goes
// from the login screen to the form, reports an incident and is given a tracking code; the
// tracking page says received (प्राप्त). The state office finds the report in its queue, its
// text shown as text (no link, no script) with the contact, and accepts it as an incident, whose
// case page shows the text as text too; the tracking page then says under review (समीक्षाधीन),
// with no one's name. A coordinator has no queue.
func TestPublicIntakeEndToEnd(t *testing.T) {
	a := newApp(t)
	a.user(t, "intake.office", models.RoleStateOffice, "UP")
	a.user(t, "intake.dc", models.RoleDistrictCoordinator, "UP-LUCKNOW")

	ctx := phone(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-report")),
	))
	assert.Equal(t, "घटना की सूचना दें", text(t, ctx, "#login-report"))
	assert.Equal(t, "स्थिति देखें", text(t, ctx, "#login-track"))
	today := eval[string](t, ctx, `new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10)`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#login-report")),
		chromedp.WaitVisible(chromedp.CSS("#intake-form")),
	))
	assert.False(t, eval[bool](t, ctx, `!!document.querySelector('#header-username')`), "nobody is logged in")
	assert.Equal(t, "लखनऊ", eval[string](t, ctx, `document.querySelector('#intake-district option[value="UP-LUCKNOW"]').textContent`))
	assert.False(t, eval[bool](t, ctx, `(() => { const r = document.querySelector('#intake-website').getBoundingClientRect(); return r.right > 0 && r.bottom > 0; })()`),
		"the honeypot is out of sight")
	noSideScroll(t, ctx, "#/report")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#intake-district"), "UP-LUCKNOW"),
		chromedp.SendKeys(chromedp.CSS("#intake-place"), "गाँव रामपुर, थाना मलिहाबाद"),
		chromedp.SetValue(chromedp.CSS("#intake-date"), today),
		chromedp.SetValue(chromedp.CSS("#intake-description"), hostile),
		chromedp.SendKeys(chromedp.CSS("#intake-contact"), "98765 43210"),
		chromedp.Click(chromedp.CSS("#intake-submit")),
		chromedp.WaitVisible(chromedp.CSS("#intake-code")),
	))
	code := text(t, ctx, "#intake-code")
	require.Regexp(t, regexp.MustCompile(`^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$`), code)
	noSideScroll(t, ctx, "#/report, answered")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#intake-track")),
		chromedp.WaitVisible(chromedp.CSS("#track-status")),
	))
	assert.Equal(t, "प्राप्त", text(t, ctx, "#track-status"))
	assert.Equal(t, "लखनऊ", text(t, ctx, "#track-card dd"))
	noSideScroll(t, ctx, "#/track/"+code)

	// The state office's queue.
	office := phone(t)
	loginAt(t, office, a.URL+"/#/incident-reports", "intake.office")
	require.NoError(t, chromedp.Do(office, chromedp.WaitVisible(chromedp.CSS("#review-list .review-item"))))
	assert.True(t, eval[bool](t, office, `!!document.querySelector('#nav-incident-reports')`), "the queue is in the state office's menu")
	assert.Equal(t, strings.TrimSpace(hostile), eval[string](t, office, `document.querySelector('#review-list .review-text').textContent`), "the text as written")
	nothingLive(t, office, "#review-list", "the queue")
	assert.Contains(t, text(t, office, "#review-list .review-contact"), "98765 43210")
	assert.Contains(t, text(t, office, "#review-list .review-item"), code)
	noSideScroll(t, office, "#/incident-reports")
	require.NoError(t, chromedp.Do(office,
		chromedp.Click(chromedp.CSS("#review-list .review-accept")),
		chromedp.WaitVisible(chromedp.CSS("#review-list .review-title")),
	))
	noSideScroll(t, office, "#/incident-reports, accepting")
	require.NoError(t, chromedp.Do(office,
		chromedp.SendKeys(chromedp.CSS("#review-list .review-title"), "कुएँ पर दलित परिवारों की पिटाई"),
		chromedp.SetValue(chromedp.CSS("#review-list .review-kind"), "atrocity"),
		chromedp.Click(chromedp.CSS(`#review-list .review-group[value="SC"]`)),
		chromedp.Click(chromedp.CSS("#review-list .review-save")),
		chromedp.WaitVisible(chromedp.CSS("#review-list .review-done")),
	))
	require.NoError(t, chromedp.Do(office,
		chromedp.Click(chromedp.CSS(`#review-list a[id^="review-incident-"]`)),
		chromedp.WaitVisible(chromedp.CSS("#incident-description")),
	))
	assert.Equal(t, "कुएँ पर दलित परिवारों की पिटाई", text(t, office, "#incident-title"))
	assert.Equal(t, strings.TrimSpace(hostile), eval[string](t, office, `document.querySelector('#incident-description').textContent`))
	nothingLive(t, office, "#incident-description", "the case page")

	// Back to the reporter: under review, and no name of anyone.
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#track-status"))))
	assert.Equal(t, "समीक्षाधीन", text(t, ctx, "#track-status"))
	assert.Equal(t, []string{"received", "under_review"}, eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#track-timeline .track-step')).map(e => e.dataset.status)`))
	body := bodyText(t, ctx)
	for _, secret := range []string{"intake.office", "कुएँ पर दलित परिवारों की पिटाई", "98765"} {
		assert.NotContains(t, body, secret, "the tracking page shows %q", secret)
	}

	// An unknown code says so; a coordinator has no queue.
	goHash(t, ctx, "#/track/ABCDE-FGHJK")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#track-error"))))
	dc := phone(t)
	loginAt(t, dc, a.URL+"/#/incident-reports", "intake.dc")
	require.NoError(t, chromedp.Do(dc, chromedp.WaitVisible(chromedp.CSS("#forbidden"))))
	assert.False(t, eval[bool](t, dc, `!!document.querySelector('#nav-incident-reports')`), "no queue in a coordinator's menu")
}
