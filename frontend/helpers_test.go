package frontend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/sangathan/sangathan/api"
	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/demodata"
	"github.com/sangathan/sangathan/frontend"
	"github.com/sangathan/sangathan/frontend/browsertest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// password is the password of every account the tests make.
const password = "booth-level-organisation-2024"

// app is the real server, built the way cmd/sangathan builds it, over a fresh database holding
// Uttar Pradesh's districts and constituencies and the booths of Lucknow.
type app struct {
	URL string
	set *services.Set
	db  *gorm.DB // for setting up data older than the test (a committee's term start)
}

type appOptions struct {
	limits *services.LoginLimits
}

func newApp(t *testing.T, opts ...func(*appOptions)) *app {
	t.Helper()
	var o appOptions
	for _, f := range opts {
		f(&o)
	}
	ctx := context.Background()
	db := dbtest.New(t)
	var limiter *services.LoginLimiter
	if o.limits != nil {
		limiter = services.NewLoginLimiter(db.DB, services.SystemClock, *o.limits)
	}
	set, err := services.NewSet(db.DB, services.SystemClock, services.AuthConfig{
		Secret: []byte("sangathan-frontend-tests-hs256-key-0123456789"), BcryptCost: bcrypt.MinCost, Limiter: limiter,
	})
	require.NoError(t, err)
	_, err = set.Imports.Units(ctx, services.System, demodata.Units(), services.AllOrNothing)
	require.NoError(t, err)
	booths, err := demodata.BoothsOf("UP-LUCKNOW")
	require.NoError(t, err)
	_, err = set.Imports.Units(ctx, services.System, booths, services.AllOrNothing)
	require.NoError(t, err)
	srv, err := api.New(api.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: db, Set: set, Frontend: frontend.Handler()})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &app{URL: hs.URL, set: set, db: db.DB}
}

// unitID returns the id of the unit with code, as the API spells it.
func (a *app) unitID(t *testing.T, code string) string {
	t.Helper()
	u, err := a.set.Units.UnitByCode(context.Background(), services.System, code)
	require.NoError(t, err)
	return strconv.FormatInt(u.ID, 10)
}

// user creates an account; scopeCode "" makes an unscoped admin.
func (a *app) user(t *testing.T, username string, role models.Role, scopeCode string) {
	t.Helper()
	in := services.UserInput{Username: username, Password: password, Role: role}
	if scopeCode != "" {
		u, err := a.set.Units.UnitByCode(context.Background(), services.System, scopeCode)
		require.NoError(t, err)
		in.ScopeUnitID = &u.ID
	}
	v, err := a.set.Users.Create(context.Background(), services.System, in)
	require.NoError(t, err)
	if a.set.Auth.SecondFactorRequiredFor(role) {
		a.enrol(t, v.User)
	}
}

// userToEnrol creates an account of a role that must use two-step verification without
// enrolling it, so that its first login enrols.
func (a *app) userToEnrol(t *testing.T, username string, role models.Role, scopeCode string) {
	t.Helper()
	in := services.UserInput{Username: username, Password: password, Role: role}
	if scopeCode != "" {
		u, err := a.set.Units.UnitByCode(context.Background(), services.System, scopeCode)
		require.NoError(t, err)
		in.ScopeUnitID = &u.ID
	}
	_, err := a.set.Users.Create(context.Background(), services.System, in)
	require.NoError(t, err)
}

// twoStepSecrets holds the TOTP secret of every account the tests enrolled and the last time
// step whose code they used, keyed by the app's URL and the username.
var twoStepSecrets sync.Map // string → *twoStepAccount

type twoStepAccount struct {
	mu     sync.Mutex
	secret string
	last   int64
}

// enrol switches two-step verification on for u (an admin or state office, whose role needs it)
// the way the account screen does, so that the tests' logins answer a code.
func (a *app) enrol(t *testing.T, u models.User) {
	t.Helper()
	ctx := context.Background()
	actor := services.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, ScopeUnitID: u.ScopeUnitID}
	e, err := a.set.Auth.StartEnrolment(ctx, actor)
	require.NoError(t, err)
	acc := &twoStepAccount{secret: e.Secret, last: -1}
	_, err = a.set.Auth.ConfirmEnrolment(ctx, actor, acc.code(t), "127.0.0.1")
	require.NoError(t, err)
	twoStepSecrets.Store(a.URL+"|"+u.Username, acc)
}

// code is a code for a time step not used before that the server accepts now (its step or the
// next); when both are used up it waits for the next step.
func (acc *twoStepAccount) code(t *testing.T) string {
	t.Helper()
	acc.mu.Lock()
	defer acc.mu.Unlock()
	for {
		cur := time.Now().Unix() / 30
		step := max(cur, acc.last+1)
		if step <= cur+1 {
			acc.last = step
			c, err := totp.GenerateCode(acc.secret, time.Unix(step*30, 0))
			require.NoError(t, err)
			return c
		}
		time.Sleep(time.Until(time.Unix((cur+1)*30, 0)) + 100*time.Millisecond)
	}
}

// twoStepCode is the next code of an account the tests enrolled, on the app at base.
func twoStepCode(t *testing.T, base, username string) string {
	t.Helper()
	v, ok := twoStepSecrets.Load(base + "|" + username)
	require.True(t, ok, "%s was not enrolled in two-step verification by the tests", username)
	return v.(*twoStepAccount).code(t)
}

// secondStepIfAsked answers the login's second step with a code when the UI asks for one, after
// the password was sent, and waits for the header either way.
func secondStepIfAsked(t *testing.T, ctx context.Context, base, username string) {
	t.Helper()
	waitFor(t, ctx, `!!(document.querySelector('#header-username') || document.querySelector('#login-code'))`)
	if eval[bool](t, ctx, `!!document.querySelector('#login-code')`) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#login-code"), twoStepCode(t, base, username)),
			chromedp.Click(chromedp.CSS("#login-code-submit")),
		), "second step of %s", username)
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#header-username"))), "log in as %s", username)
}

// originOf is the scheme and host of a URL.
func originOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Scheme + "://" + p.Host
}

// httpLogin logs in over HTTP, answering the second step when asked, and returns the access token.
func (a *app) httpLogin(t *testing.T, username string) string {
	t.Helper()
	post := func(path string, body any) map[string]any {
		b, _ := json.Marshal(body)
		res, err := http.Post(a.URL+path, "application/json", bytes.NewReader(b))
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		var out map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
		return out
	}
	ses := post("/api/v1/auth/login", map[string]string{"username": username, "password": password})
	if ch, ok := ses["challenge"].(string); ok {
		ses = post("/api/v1/auth/login/second-factor", map[string]string{"challenge": ch, "code": twoStepCode(t, a.URL, username)})
	}
	tok, _ := ses["access_token"].(string)
	require.NotEmpty(t, tok)
	return tok
}

// hasRoute reports whether the API serves GET path to a logged-in user: a missing route answers
// 404 "no such route". It lets the users and audit tests wait for their endpoints.
func (a *app) hasRoute(t *testing.T, username, path string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+a.httpLogin(t, username))
	res2, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res2.Body.Close()
	if res2.StatusCode != http.StatusNotFound {
		return true
	}
	var p struct {
		Detail string `json:"detail"`
	}
	_ = json.NewDecoder(res2.Body).Decode(&p)
	return p.Detail != "no such route"
}

// watchProblems runs in every page before the UI's own scripts: it collects script errors,
// unhandled promise rejections and Content-Security-Policy violations in window.__problems.
const watchProblems = `window.__problems = [];
window.addEventListener('error', e => window.__problems.push('error: ' + e.message));
window.addEventListener('unhandledrejection', e => window.__problems.push('rejection: ' + (e.reason && e.reason.stack || e.reason)));
document.addEventListener('securitypolicyviolation', e => window.__problems.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI));`

// phone opens a browser tab at phone size that records script errors and CSP violations; the
// test fails at its end if the page had any.
func phone(t *testing.T) context.Context {
	t.Helper()
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(browsertest.PhoneWidth, browsertest.PhoneHeight),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchProblems})
			return err
		}),
	))
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string]("window.__problems || []"))
		if err == nil && len(problems) > 0 {
			t.Errorf("the page had script errors or CSP violations: %q", problems)
		}
	})
	return ctx
}

// login opens the UI at the units screen and logs in through the form, then waits for the
// header. (The first screen after a plain login is the dashboard: dashboard_test.go logs in
// with loginHome.)
func login(t *testing.T, ctx context.Context, base, username string) {
	t.Helper()
	loginAt(t, ctx, base+"/#/units", username)
}

// loginHome opens the UI at / and logs in, landing where every user lands first.
func loginHome(t *testing.T, ctx context.Context, base, username string) {
	t.Helper()
	loginAt(t, ctx, base+"/", username)
}

func loginAt(t *testing.T, ctx context.Context, url, username string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
		chromedp.SendKeys(chromedp.CSS("#login-username"), username),
		chromedp.SendKeys(chromedp.CSS("#login-password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")),
	), "log in as %s", username)
	secondStepIfAsked(t, ctx, originOf(url), username)
}

// eval runs JavaScript and returns its value.
func eval[T any](t *testing.T, ctx context.Context, js string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	require.NoError(t, err, "evaluate %s", js)
	return v
}

// waitFor polls a JavaScript predicate until it holds.
func waitFor(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err, "wait for %s", js)
}

// text returns the visible text of the first element matching a CSS selector.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(t, err, "text of %s", sel)
	return strings.TrimSpace(s)
}

// bodyText is all the text on the page.
func bodyText(t *testing.T, ctx context.Context) string {
	return eval[string](t, ctx, "document.body.innerText")
}

// noSideScroll fails when the page is wider than the phone's screen.
func noSideScroll(t *testing.T, ctx context.Context, screen string) {
	t.Helper()
	over := eval[int](t, ctx, "document.documentElement.scrollWidth - window.innerWidth")
	if over > 0 {
		wide := eval[string](t, ctx, `Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className).join(', ')`)
		t.Errorf("%s: the page is %d px wider than the 360 px screen (too wide: %s)", screen, over, wide)
	}
}

// smallTargets lists visible buttons, links and inputs less than 40 px tall (thumbs need ~44),
// outside the elements matching except (a CSS selector), if given.
func smallTargets(t *testing.T, ctx context.Context, except ...string) string {
	t.Helper()
	skip := strings.Join(append([]string{".crumbs", ".btn-chip"}, except...), ", ")
	return eval[string](t, ctx, `Array.from(document.querySelectorAll('button, a, input, select'))
		.filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.height < 40 && !e.closest('`+skip+`'); })
		.map(e => e.tagName + '#' + e.id + ' ' + (e.textContent || e.name || '').trim().slice(0, 20) + ' ' + Math.round(e.getBoundingClientRect().height) + 'px').join('; ')`)
}

// go navigates within the app by changing the hash, as a user editing the URL would.
func goHash(t *testing.T, ctx context.Context, hash string) {
	t.Helper()
	_ = eval[any](t, ctx, fmt.Sprintf("void (window.location.hash = %q)", hash))
}

// clearField empties an input. (chromedp.Clear changes only the value attribute, which a typed
// input ignores, and chromedp.SetValue refuses the empty string.)
func clearField(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf("void (document.querySelector(%q).value = '')", sel))
}
