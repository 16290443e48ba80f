package frontend_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// console records what the browser reports as going wrong — console errors and warnings
// (including the browser's own, such as a CSP directive it ignores), uncaught exceptions, failed
// requests and answers of 400 or more — and how many requests are in flight.
type console struct {
	mu       sync.Mutex
	problems []string
	inflight map[network.RequestID]string
	urls     map[network.RequestID]string
}

func listenConsole(t *testing.T, ctx context.Context) *console {
	t.Helper()
	c := &console{inflight: map[network.RequestID]string{}, urls: map[network.RequestID]string{}}
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		c.mu.Lock()
		defer c.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					if a.Value != nil {
						args = append(args, string(a.Value))
					} else {
						args = append(args, a.Description)
					}
				}
				c.problems = append(c.problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			c.problems = append(c.problems, "exception: "+e.ExceptionDetails.Text+" "+exceptionDescription(e.ExceptionDetails))
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				c.problems = append(c.problems, fmt.Sprintf("log %s (%s): %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			c.inflight[e.RequestID] = e.Request.Method + " " + e.Request.URL
			c.urls[e.RequestID] = c.inflight[e.RequestID]
		case *network.EventLoadingFinished:
			delete(c.inflight, e.RequestID)
		case *network.EventLoadingFailed:
			c.problems = append(c.problems, fmt.Sprintf("request failed: %s: %s (%s)", c.urls[e.RequestID], e.ErrorText, e.Type))
			delete(c.inflight, e.RequestID)
		case *network.EventResponseReceived:
			// An answer whose body the page never reads finishes loading only when it is
			// collected, so the request counts as done once its answer has arrived.
			delete(c.inflight, e.RequestID)
			if e.Response.Status >= 400 {
				c.problems = append(c.problems, fmt.Sprintf("answer %d: %s", e.Response.Status, e.Response.URL))
			}
		}
	}))
	return c
}

func exceptionDescription(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

// settle waits until no request has been in flight for a moment, so that what a screen loads
// has arrived (or failed) before its problems are read.
func (c *console) settle(t *testing.T) {
	t.Helper()
	quiet := 0
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		c.mu.Lock()
		n := len(c.inflight)
		c.mu.Unlock()
		if n > 0 {
			quiet = 0
			continue
		}
		if quiet++; quiet >= 8 {
			return
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.Errorf("requests still in flight after 20 s: %q", c.inflight)
	clear(c.inflight)
}

// take returns the problems seen since the last call.
func (c *console) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.problems
	c.problems = nil
	return p
}

// TestNoConsoleProblemsOnAnyScreen: a first visit (no session yet) shows the login screen
// without a single failed request or console message — in particular no refresh that is sure to
// fail and no CSP warning — and so does every screen an administrator visits afterwards on a
// phone: the dashboard, the units, a unit, a booth with its committee, people, a person's page,
// one's own account, users, the incidents with one case, the new-incident form, the summary per
// district, the public intake's form, tracking page and review queue, the programs (list, form,
// one program), the committees due for reconstitution, the in-charges' board and form, and audit;
// a reload resumes the session, and after logging out a reload asks for no refresh.
func TestNoConsoleProblemsOnAnyScreen(t *testing.T) {
	a := newApp(t)
	a.user(t, "console.admin", models.RoleAdmin, "")
	const booth = "UP-AC-171-PS-0002"
	ram := a.person(t, booth, services.PersonInput{Name: "Ram Prasad", NameHi: "राम प्रसाद", Gender: models.GenderMale, Category: models.CategoryOBC})
	a.seat(t, booth, ram, models.PositionPresident)
	incident := a.incident(t, booth, "Incident", 10, 2, "Findings", ram)
	code := a.report(t, "UP-LUCKNOW", "203.0.113.9")
	program := a.program(t, booth, "Program", time.Now().Add(-24*time.Hour))
	a.program(t, booth, "Coming program", time.Now().Add(24*time.Hour))
	a.appoint(t, ram, "UP-PC-034", "लोकसभा चुनाव 2029")

	ctx := phone(t)
	con := listenConsole(t, ctx)

	check := func(screen string) {
		t.Helper()
		con.settle(t)
		if p := con.take(); len(p) > 0 {
			t.Errorf("%s: %d problems in the console or the network:\n  %s", screen, len(p), strings.Join(p, "\n  "))
		}
	}

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
	))
	check("the login screen on a first visit")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#login-username"), "console.admin"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")),
	))
	secondStepIfAsked(t, ctx, a.URL, "console.admin")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#dash-unit-name[data-code="UP"]`)),
	))
	check("#/dashboard after logging in")

	screens := []struct{ hash, ready string }{
		{"#/units", `#unit-top .unit-item[data-code="UP"], #unit-name`},
		{"#/units/" + a.unitID(t, "UP-AC-171"), `#unit-name[data-code="UP-AC-171"]`},
		{"#/units/" + a.unitID(t, booth), `#committee-seats .seat`},
		{"#/people", `#people-list`},
		{"#/people/" + ram, `#person-current-seats .history-item`},
		{"#/account", `#account-form`},
		{"#/users", `#users-list .user-item[data-username="console.admin"]`},
		{"#/incidents", `#incidents-list .incident-item`},
		{"#/incidents/" + incident, `#incident-timeline .incident-step[data-step="report_submitted"]`},
		{"#/incidents/new", `#incident-form #incident-kinds .incident-kind`},
		{"#/incidents/summary", `#summary-table .summary-row`},
		{"#/report", `#intake-form`},
		{"#/track/" + code, `#track-status`},
		{"#/incident-reports", `#review-list .review-item`},
		{"#/programs", `#programs-list .program-item, #programs-counts-table`},
		{"#/programs/new", `#program-form`},
		{"#/programs/new?incident=" + incident, `#program-incident`},
		{"#/programs/" + program, `#program-facts`},
		{"#/alliances", `#seat-list .seat-item`},
		{"#/committees/due", `#terms-list .term-item, #terms-empty`},
		{"#/prabhari?level=parliamentary&purpose=" + url.QueryEscape("लोकसभा चुनाव 2029"), `#prabhari-board .prabhari-unit[data-vacant="false"]`},
		{"#/prabhari/new?unit=" + a.unitID(t, "UP-PC-035") + "&purpose=" + url.QueryEscape("लोकसभा चुनाव 2029"), `#prabhari-form`},
		{"#/audit", `#audit-list`}, // last: the reload below expects it
	}
	for _, s := range screens {
		goHash(t, ctx, s.hash)
		require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(s.ready))), "open %s", s.hash)
		noSideScroll(t, ctx, s.hash)
		check(s.hash)
	}

	// A reload resumes the session through the refresh cookie, again without a complaint.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#header-username")),
		chromedp.WaitVisible(chromedp.CSS(`#audit-list`)),
	))
	check("#/audit after a reload")

	// After logging out no refresh cookie is left, so a reload asks for none.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-username"))))
	check("logging out")
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#login-username"))))
	check("the login screen reloaded after logging out")
}

// TestStaleSessionMarkerAsksOnce: a marker left behind by a login the server no longer honours
// (here: a marker without any refresh cookie) costs one refused refresh, which drops it, so the
// next visit asks for none.
func TestStaleSessionMarkerAsksOnce(t *testing.T) {
	a := newApp(t)
	ctx := phone(t)
	con := listenConsole(t, ctx)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
	))
	con.settle(t)
	require.Empty(t, con.take(), "a first visit")

	_ = eval[any](t, ctx, "void (document.cookie = 'sangathan_session=1; Path=/; SameSite=Strict')")
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#login-username"))))
	con.settle(t)
	refused := 0
	for _, p := range con.take() {
		if strings.HasPrefix(p, "answer 401: ") && strings.HasSuffix(p, "/api/v1/auth/refresh") {
			refused++
		}
	}
	require.Equal(t, 1, refused, "the stale marker is tried once")
	require.Equal(t, "", eval[string](t, ctx, "document.cookie"), "and dropped")

	require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#login-username"))))
	con.settle(t)
	require.Empty(t, con.take(), "the visit after")
}
