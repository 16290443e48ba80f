package services_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

const testPassword = "correct horse battery"

// newUser creates an active account through the users service.
func (e *env) newUser(t *testing.T, role models.Role, scope *models.Unit) models.User {
	t.Helper()
	in := services.UserInput{Username: strings.ToLower(uniq("user")), Password: testPassword, Role: role}
	if scope != nil {
		in.ScopeUnitID = &scope.ID
	}
	u, err := e.users.Create(context.Background(), services.System, in)
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u.User
}

func (e *env) login(t *testing.T, username string) services.Session {
	t.Helper()
	s, err := e.auth.Login(context.Background(), username, testPassword, "192.0.2.1")
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	if s.Challenge != "" {
		return e.secondStep(t, username, s)
	}
	return s
}

func (e *env) countRefreshTokens(t *testing.T) int64 {
	t.Helper()
	var n int64
	noErr(t, e.db.Model(&models.RefreshToken{}).Count(&n).Error)
	return n
}

func TestNewAuthNeedsALongSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := services.NewAuth(e.db.DB, e.clock.Now, services.AuthConfig{Secret: []byte("too short"), BcryptCost: bcrypt.MinCost})
	if err == nil {
		t.Fatal("a 9-byte secret was accepted")
	}
}

func TestAuthLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	u := e.newUser(t, models.RoleDistrictCoordinator, &tr.d1)

	// Usernames are matched without regard to case or surrounding space.
	s, err := e.auth.Login(ctx, "  "+strings.ToUpper(u.Username)+" ", testPassword, "192.0.2.1")
	noErr(t, err)
	if s.AccessToken == "" || s.ExpiresIn != int(services.AccessTokenTTL.Seconds()) || !strings.HasPrefix(s.RefreshToken, "sgr_") || s.User.ID != u.ID {
		t.Errorf("session %+v", s)
	}
	actor, err := e.auth.Authenticate(ctx, s.AccessToken)
	noErr(t, err)
	if actor.UserID != u.ID || actor.Username != u.Username || actor.Role != models.RoleDistrictCoordinator ||
		actor.ScopeUnitID == nil || *actor.ScopeUnitID != tr.d1.ID || actor.ScopePath != tr.d1.Path {
		t.Errorf("actor %+v, want user %d scoped to %d at %s", actor, u.ID, tr.d1.ID, tr.d1.Path)
	}

	// Only the refresh token's hash is stored.
	var rts []models.RefreshToken
	noErr(t, e.db.Find(&rts).Error)
	sum := sha256.Sum256([]byte(s.RefreshToken))
	if len(rts) != 1 || rts[0].TokenHash != hex.EncodeToString(sum[:]) || rts[0].UserID != u.ID {
		t.Fatalf("stored refresh tokens %+v", rts)
	}
	if !rts[0].ExpiresAt.Equal(e.clock.Now().Add(services.RefreshTokenTTL)) || rts[0].RevokedAt != nil {
		t.Errorf("refresh token expires %v revoked %v", rts[0].ExpiresAt, rts[0].RevokedAt)
	}

	// An admin has no scope.
	admin := e.newUser(t, models.RoleAdmin, nil)
	actor, err = e.auth.Authenticate(ctx, e.login(t, admin.Username).AccessToken)
	noErr(t, err)
	if actor.Role != models.RoleAdmin || actor.ScopeUnitID != nil || !actor.Everywhere() {
		t.Errorf("admin actor %+v", actor)
	}
}

func TestAuthLoginFailuresLookAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	u := e.newUser(t, models.RoleBoothWorker, &tr.b1)
	inactive := e.newUser(t, models.RoleBoothWorker, &tr.b2)
	noErr(t, e.db.Exec("UPDATE users SET active = ? WHERE id = ?", false, inactive.ID).Error)

	var messages []string
	for _, c := range []struct{ name, username, password string }{
		{"wrong password", u.Username, testPassword + "!"},
		{"empty password", u.Username, ""},
		{"unknown user", "no-such-user", testPassword},
		{"inactive user", inactive.Username, testPassword},
	} {
		_, err := e.auth.Login(ctx, c.username, c.password, "192.0.2."+strconv.Itoa(len(messages)+10))
		ae := wantErr(t, err, services.EUnauthenticated)
		messages = append(messages, ae.Message)
	}
	for _, m := range messages[1:] {
		if m != messages[0] {
			t.Errorf("failure messages differ: %q", messages)
			break
		}
	}
	if n := e.countRefreshTokens(t); n != 0 {
		t.Errorf("%d refresh tokens after failed logins", n)
	}
}

func TestAuthLoginRateLimitPerUserAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	limits := services.DefaultLoginLimits

	for i := range limits.PerUserAddress {
		_, err := e.auth.Login(ctx, u.Username, "wrong password "+strconv.Itoa(i), "192.0.2.1")
		wantErr(t, err, services.EUnauthenticated)
	}
	// Now even the right password, from that address, waits out the window.
	_, err := e.auth.Login(ctx, u.Username, testPassword, "192.0.2.1")
	le := wantErr(t, err, services.ERateLimited)
	if want := int(limits.Window.Seconds()) + 1; le.RetryAfter <= 0 || le.RetryAfter > want {
		t.Errorf("RetryAfter %d, want 1..%d", le.RetryAfter, want)
	}
	// Another username from the same address is not held up by this one.
	other := e.newUser(t, models.RoleAdmin, nil)
	e.login(t, other.Username)

	e.clock.Advance(limits.Window - 5*time.Minute)
	_, err = e.auth.Login(ctx, u.Username, testPassword, "192.0.2.1")
	le = wantErr(t, err, services.ERateLimited)
	if le.RetryAfter != int((5*time.Minute).Seconds())+1 {
		t.Errorf("RetryAfter %d with 5 minutes of the window left", le.RetryAfter)
	}
	// The user at another address is not locked out by the failures at this one.
	if _, err := e.auth.Login(ctx, u.Username, testPassword, "198.51.100.7"); err != nil {
		t.Errorf("login from another address: %v", err)
	}
	e.clock.Advance(5 * time.Minute)
	e.login(t, u.Username)
}

func TestAuthLoginRateLimitPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	limits := services.DefaultLoginLimits
	for i := range limits.PerAddress {
		_, err := e.auth.Login(ctx, "sprayed-"+strconv.Itoa(i), testPassword, "203.0.113.9")
		wantErr(t, err, services.EUnauthenticated)
	}
	_, err := e.auth.Login(ctx, u.Username, testPassword, "203.0.113.9")
	le := wantErr(t, err, services.ERateLimited)
	if le.RetryAfter <= 0 {
		t.Errorf("RetryAfter %d", le.RetryAfter)
	}
	// The same user from another address is let in.
	if _, err := e.auth.Login(ctx, u.Username, testPassword, "203.0.113.10"); err != nil {
		t.Errorf("login from another address: %v", err)
	}
	e.clock.Advance(limits.Window)
	if _, err := e.auth.Login(ctx, u.Username, testPassword, "203.0.113.9"); err != nil {
		t.Errorf("login after the window: %v", err)
	}
}

func TestAuthLoginSuccessClearsUserAddressFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	limit := services.DefaultLoginLimits.PerUserAddress
	for round := range 3 {
		for range limit - 1 {
			_, err := e.auth.Login(ctx, u.Username, "wrong", "192.0.2.1")
			wantErr(t, err, services.EUnauthenticated)
		}
		if _, err := e.auth.Login(ctx, u.Username, testPassword, "192.0.2.1"); err != nil {
			t.Fatalf("round %d: a good login after %d failures: %v", round, limit-1, err)
		}
	}
}

func TestAuthRefreshRotates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	first := e.login(t, u.Username)

	e.clock.Advance(time.Minute)
	second, err := e.auth.Refresh(ctx, first.RefreshToken)
	noErr(t, err)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken || second.User.ID != u.ID {
		t.Fatalf("refresh returned %+v", second)
	}
	if _, err := e.auth.Authenticate(ctx, second.AccessToken); err != nil {
		t.Errorf("new access token: %v", err)
	}
	third, err := e.auth.Refresh(ctx, second.RefreshToken)
	noErr(t, err)

	// The used token is refused, and presenting it after the grace revokes the whole login.
	e.clock.Advance(services.ReuseGrace)
	_, err = e.auth.Refresh(ctx, first.RefreshToken)
	wantErr(t, err, services.EUnauthenticated)
	_, err = e.auth.Refresh(ctx, third.RefreshToken)
	wantErr(t, err, services.EUnauthenticated)

	var live int64
	noErr(t, e.db.Model(&models.RefreshToken{}).Where("revoked_at IS NULL").Count(&live).Error)
	if live != 0 {
		t.Errorf("%d refresh tokens still live after reuse", live)
	}
}

func TestAuthRefreshReuseRevokesOnlyItsLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	phone := e.login(t, u.Username)
	laptop := e.login(t, u.Username)

	rotated, err := e.auth.Refresh(ctx, phone.RefreshToken)
	noErr(t, err)
	e.clock.Advance(time.Minute)
	_, err = e.auth.Refresh(ctx, phone.RefreshToken) // stolen copy
	wantErr(t, err, services.EUnauthenticated)
	_, err = e.auth.Refresh(ctx, rotated.RefreshToken)
	wantErr(t, err, services.EUnauthenticated)

	if _, err := e.auth.Refresh(ctx, laptop.RefreshToken); err != nil {
		t.Errorf("the other login was revoked too: %v", err)
	}
}

func TestAuthRefreshRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)

	early := e.login(t, u.Username)
	e.clock.Advance(time.Hour)
	late := e.login(t, u.Username)
	// early is one hour older than late; move to where only late is still valid.
	e.clock.Advance(services.RefreshTokenTTL - time.Hour)
	_, err := e.auth.Refresh(ctx, early.RefreshToken)
	wantErr(t, err, services.EUnauthenticated)
	if _, err := e.auth.Refresh(ctx, late.RefreshToken); err != nil {
		t.Errorf("a refresh token one hour from expiry: %v", err)
	}

	for _, token := range []string{"", "sgr_unknown", late.AccessToken} {
		_, err := e.auth.Refresh(ctx, token)
		wantErr(t, err, services.EUnauthenticated)
	}

	// A deactivated account cannot refresh.
	s := e.login(t, u.Username)
	noErr(t, e.db.Exec("UPDATE users SET active = ? WHERE id = ?", false, u.ID).Error)
	_, err = e.auth.Refresh(ctx, s.RefreshToken)
	wantErr(t, err, services.EUnauthenticated)
}

func TestAuthLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	s := e.login(t, u.Username)
	rotated, err := e.auth.Refresh(ctx, s.RefreshToken)
	noErr(t, err)
	other := e.login(t, u.Username)

	noErr(t, e.auth.Logout(ctx, rotated.RefreshToken))
	_, err = e.auth.Refresh(ctx, rotated.RefreshToken)
	wantErr(t, err, services.EUnauthenticated)
	if _, err := e.auth.Refresh(ctx, other.RefreshToken); err != nil {
		t.Errorf("logout ended another login: %v", err)
	}
	noErr(t, e.auth.Logout(ctx, "sgr_never-issued"))
	noErr(t, e.auth.Logout(ctx, rotated.RefreshToken))
}

// claimsFor are claims like the ones Login issues, for crafting tokens.
func claimsFor(u models.User, now time.Time, sid int64) services.Claims {
	return services.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    services.Issuer,
			Subject:   strconv.FormatInt(u.ID, 10),
			Audience:  jwt.ClaimStrings{services.Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(services.AccessTokenTTL)),
		},
		Role:      u.Role,
		SessionID: strconv.FormatInt(sid, 10),
	}
}

func sign(t *testing.T, method jwt.SigningMethod, claims jwt.Claims, key any) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	noErr(t, err)
	return s
}

func TestAuthAuthenticateAcceptsACraftedGoodToken(t *testing.T) {
	t.Parallel()
	// The control for the forgeries below: the same crafting with the right key and claims passes.
	e := newEnv(t)
	u := e.newUser(t, models.RoleAdmin, nil)
	sid := e.login(t, u.Username).SessionID
	actor, err := e.auth.Authenticate(context.Background(), sign(t, jwt.SigningMethodHS256, claimsFor(u, e.clock.Now(), sid), testSecret))
	noErr(t, err)
	if actor.UserID != u.ID {
		t.Errorf("actor %+v", actor)
	}
}

func TestAuthAuthenticateRefusesBadTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleBoothWorker, ptr(e.newTree(t).b1))
	admin := e.newUser(t, models.RoleAdmin, nil)
	now := e.clock.Now()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	noErr(t, err)
	sid, adminSid := e.login(t, u.Username).SessionID, e.login(t, admin.Username).SessionID
	ended := e.login(t, u.Username)
	noErr(t, e.auth.Logout(ctx, ended.RefreshToken))
	with := func(change func(c *services.Claims)) services.Claims {
		c := claimsFor(u, now, sid)
		change(&c)
		return c
	}
	good := claimsFor(u, now, sid)

	cases := []struct {
		name  string
		token string
	}{
		{"empty", ""},
		{"garbage", "not.a.token"},
		{"another secret", sign(t, jwt.SigningMethodHS256, good, []byte("another-secret-0123456789abcdefghijk"))},
		{"alg none", sign(t, jwt.SigningMethodNone, good, jwt.UnsafeAllowNoneSignatureType)},
		{"RS256", sign(t, jwt.SigningMethodRS256, good, rsaKey)},
		{"HS512 with the right secret", sign(t, jwt.SigningMethodHS512, good, testSecret)},
		{"HS384 with the right secret", sign(t, jwt.SigningMethodHS384, good, testSecret)},
		{"wrong issuer", sign(t, jwt.SigningMethodHS256, with(func(c *services.Claims) { c.Issuer = "someone-else" }), testSecret)},
		{"no issuer", sign(t, jwt.SigningMethodHS256, with(func(c *services.Claims) { c.Issuer = "" }), testSecret)},
		{"wrong audience", sign(t, jwt.SigningMethodHS256, with(func(c *services.Claims) { c.Audience = jwt.ClaimStrings{"another-api"} }), testSecret)},
		{"no audience", sign(t, jwt.SigningMethodHS256, with(func(c *services.Claims) { c.Audience = nil }), testSecret)},
		{"no exp", sign(t, jwt.SigningMethodHS256, with(func(c *services.Claims) { c.ExpiresAt = nil }), testSecret)},
		{"expired", sign(t, jwt.SigningMethodHS256, with(func(c *services.Claims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Second)) }), testSecret)},
		{"issued in the future", sign(t, jwt.SigningMethodHS256, with(func(c *services.Claims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour)) }), testSecret)},
		{"not yet valid", sign(t, jwt.SigningMethodHS256, with(func(c *services.Claims) { c.NotBefore = jwt.NewNumericDate(now.Add(time.Hour)) }), testSecret)},
		{"subject not a number", sign(t, jwt.SigningMethodHS256, with(func(c *services.Claims) { c.Subject = "admin" }), testSecret)},
		{"subject of no user", sign(t, jwt.SigningMethodHS256, with(func(c *services.Claims) { c.Subject = "999999" }), testSecret)},
		{"payload swapped for an admin's", swapPayload(t, sign(t, jwt.SigningMethodHS256, good, testSecret),
			sign(t, jwt.SigningMethodHS256, claimsFor(admin, now, adminSid), []byte("forger-secret-0123456789abcdefghijkl")))},
		{"no session", sign(t, jwt.SigningMethodHS256, with(func(c *services.Claims) { c.SessionID = "" }), testSecret)},
		{"another user's session", sign(t, jwt.SigningMethodHS256, with(func(c *services.Claims) { c.SessionID = strconv.FormatInt(adminSid, 10) }), testSecret)},
		{"an ended session", sign(t, jwt.SigningMethodHS256, with(func(c *services.Claims) { c.SessionID = strconv.FormatInt(ended.SessionID, 10) }), testSecret)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.auth.Authenticate(ctx, c.token)
			wantErr(t, err, services.EUnauthenticated)
		})
	}
}

// swapPayload puts the payload of forged under the header and signature of genuine.
func swapPayload(t *testing.T, genuine, forged string) string {
	t.Helper()
	g, f := strings.Split(genuine, "."), strings.Split(forged, ".")
	if len(g) != 3 || len(f) != 3 {
		t.Fatalf("tokens %q %q", genuine, forged)
	}
	return g[0] + "." + f[1] + "." + g[2]
}

func TestAuthAccessTokenExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	s := e.login(t, u.Username)

	e.clock.Advance(services.AccessTokenTTL - time.Second)
	if _, err := e.auth.Authenticate(ctx, s.AccessToken); err != nil {
		t.Fatalf("one second before expiry: %v", err)
	}
	e.clock.Advance(2 * time.Second)
	_, err := e.auth.Authenticate(ctx, s.AccessToken)
	wantErr(t, err, services.EUnauthenticated)
}

func TestAuthAuthenticateReadsTheUserAfresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	u := e.newUser(t, models.RoleDistrictCoordinator, &tr.d1)
	s := e.login(t, u.Username)

	// A changed role and scope take effect without a new token.
	noErr(t, e.db.Exec("UPDATE users SET role = ?, scope_unit_id = ? WHERE id = ?", models.RoleViewer, tr.d2.ID, u.ID).Error)
	actor, err := e.auth.Authenticate(ctx, s.AccessToken)
	noErr(t, err)
	if actor.Role != models.RoleViewer || actor.ScopePath != tr.d2.Path {
		t.Errorf("actor %+v after the role changed", actor)
	}

	// Deactivation refuses the very next request.
	noErr(t, e.db.Exec("UPDATE users SET active = ? WHERE id = ?", false, u.ID).Error)
	_, err = e.auth.Authenticate(ctx, s.AccessToken)
	wantErr(t, err, services.EUnauthenticated)
}

// TestAuthRefreshRaceWithinGraceKeepsTheLogin: a second tab presenting the token it shared with
// the first, moments after the first rotated it, is refused but does not log the user out.
func TestAuthRefreshRaceWithinGraceKeepsTheLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	ses := e.login(t, u.Username)

	rotated, err := e.auth.Refresh(ctx, ses.RefreshToken)
	noErr(t, err)
	e.clock.Advance(services.ReuseGrace - time.Second)
	_, err = e.auth.Refresh(ctx, ses.RefreshToken)
	wantErr(t, err, services.EUnauthenticated)
	if _, err := e.auth.Refresh(ctx, rotated.RefreshToken); err != nil {
		t.Errorf("a replay within the grace revoked the login: %v", err)
	}
}
