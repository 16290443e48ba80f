package services

import (
	"context"
	"strings"
)

// Client is what the server knows of the caller of a login: its User-Agent, from which a session
// takes its device label, and the request's id for the audit log. The client's address is never
// stored with a session.
type Client struct {
	UserAgent string
	RequestID string
}

type clientKey struct{}

// WithClient returns ctx carrying the caller's Client, for Login and Refresh.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

func clientOf(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

// DeviceLabel names a User-Agent coarsely, as "Chrome on Android" or "Firefox on Windows": a
// browser and a system from short fixed lists, so the label is never the caller's own text.
// Returns "" when neither is known.
func DeviceLabel(ua string) string {
	if len(ua) > 512 {
		ua = ua[:512]
	}
	l := strings.ToLower(ua)
	has := func(s ...string) bool {
		for _, x := range s {
			if strings.Contains(l, x) {
				return true
			}
		}
		return false
	}
	var browser string
	switch {
	case has("edg/", "edga/", "edgios/"):
		browser = "Edge"
	case has("opr/", "opera"):
		browser = "Opera"
	case has("samsungbrowser/"):
		browser = "Samsung Internet"
	case has("ucbrowser/"):
		browser = "UC Browser"
	case has("firefox/", "fxios/"):
		browser = "Firefox"
	case has("headlesschrome/"):
		browser = "Headless Chrome"
	case has("chrome/", "crios/", "chromium/"):
		browser = "Chrome"
	case has("safari/") && has("version/"):
		browser = "Safari"
	case has("curl/"):
		browser = "curl"
	case has("go-http-client/"):
		browser = "Go program"
	case has("python-requests/", "python-urllib/", "python/"):
		browser = "Python program"
	}
	var system string
	switch {
	case has("android"):
		system = "Android"
	case has("iphone", "ipod"):
		system = "iPhone"
	case has("ipad"):
		system = "iPad"
	case has("cros "):
		system = "ChromeOS"
	case has("windows"):
		system = "Windows"
	case has("mac os x", "macintosh"):
		system = "macOS"
	case has("linux", "x11"):
		system = "Linux"
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	return ""
}
