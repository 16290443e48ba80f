package frontend_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestMemorandumOpensStyledInANewTab: the case page's memorandum button opens a new tab on a
// blob: URL; that page inherits the app's CSP, and its print stylesheet still applies (the CSP
// allows it by its hash; without the hash the page falls back to the browser's default style).
func TestMemorandumOpensStyledInANewTab(t *testing.T) {
	a := newApp(t)
	a.user(t, "inc.office", models.RoleStateOffice, "UP")
	convener := a.person(t, "UP-LUCKNOW", services.PersonInput{Name: "Ram Prasad Verma", NameHi: "राम प्रसाद वर्मा", Gender: models.GenderMale, Category: models.CategorySC})
	done := a.incident(t, "UP-AC-171-PS-0002", "Police excess", 20, 2, "findings", convener)
	ctx := phone(t)
	loginAt(t, ctx, a.URL+"/#/incidents/"+done, "inc.office")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#memo-governor"))))
	ch := chromedp.WaitNewTarget(ctx, func(info *target.Info) bool { return info.URL != "" })
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#memo-governor"))))
	var id target.ID
	select {
	case id = <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("no new tab")
	}
	tctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
	defer cancel()
	require.NoError(t, chromedp.Do(tctx, chromedp.WaitVisible(chromedp.CSS("header h1"))))
	align := eval[string](t, tctx, `getComputedStyle(document.querySelector('header')).textAlign`)
	font := eval[string](t, tctx, `getComputedStyle(document.documentElement).fontFamily`)
	url := eval[string](t, tctx, `location.href`)
	assert.True(t, strings.HasPrefix(url, "blob:"), "the tab shows a blob: URL, no token in it: %s", url)
	assert.Equal(t, "center", align, "the letterhead is centred by the memorandum's stylesheet")
	assert.Contains(t, font, "Noto Sans Devanagari")
}
