package frontend_test

import (
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/frontend"
	"github.com/sangathan/sangathan/frontend/browsertest"
)

// TestHomePageOnAPhone opens the UI at phone width: it renders in Hindi without horizontal
// scrolling.
func TestHomePageOnAPhone(t *testing.T) {
	srv := httptest.NewServer(frontend.Handler())
	defer srv.Close()
	ctx := browsertest.New(t)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(browsertest.PhoneWidth, browsertest.PhoneHeight),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("h1")),
	))
	title, err := chromedp.Run(ctx, chromedp.Title())
	require.NoError(t, err)
	assert.Contains(t, title, "संगठन")
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth - window.innerWidth"))
	require.NoError(t, err)
	assert.LessOrEqual(t, overflow, 0, "no horizontal scrolling at 360 px")
	browsertest.Screenshot(t, ctx, "home-phone")
}
