// Package browsertest starts headless Chromium (the Debian chromium package) for UI tests.
// Where Chromium is missing the tests skip with a message, unless SANGATHAN_REQUIRE_BROWSER is
// set (as CI does), in which case they fail.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// EnvRequire names the variable that makes a missing browser a failure.
const EnvRequire = "SANGATHAN_REQUIRE_BROWSER"

// Phone is the viewport the UI is designed for first.
const (
	PhoneWidth  = 360
	PhoneHeight = 800
)

// chromiumPath finds the browser binary.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New returns a chromedp context whose browser stops when t ends. Query elements with typed
// selectors (chromedp.CSS, chromedp.ID): a plain string is a DOM text search.
func New(t testing.TB) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv(EnvRequire) != "" {
			t.Fatalf("browser tests are required (%s is set) but chromium is not installed", EnvRequire)
		}
		t.Skip("skipping browser test: chromium is not installed (apt-get install chromium fonts-noto-core)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "hi-IN"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser and must not carry a timeout (it would bound the
	// browser's life); the context handed to the test does, so a stuck wait fails the test
	// instead of hanging it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	tctx, cancelT := context.WithTimeout(ctx, Timeout)
	t.Cleanup(cancelT)
	return tctx
}

// Timeout bounds everything one browser test does.
const Timeout = 2 * time.Minute

// Screenshot saves a PNG of the page to dir/name.png when SANGATHAN_SCREENSHOTS names a folder,
// so that a person can look at what the test saw.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SANGATHAN_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(dir+"/"+name+".png", png, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
}
