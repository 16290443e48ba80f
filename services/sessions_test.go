package services_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestSessionsEndAccessTokens: every way a session ends refuses the access tokens already issued
// for it at once (not 15 minutes later), while another account's session is untouched.
func TestSessionsEndAccessTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	admin := e.actorOf(t, e.newUser(t, models.RoleAdmin, nil))
	bystander := e.login(t, e.newUser(t, models.RoleViewer, &tr.d1).Username)
	for _, c := range []struct {
		name   string
		reason string
		end    func(u models.User, ses services.Session) error
	}{
		{"logout", services.EndLogout, func(_ models.User, ses services.Session) error { return e.auth.Logout(ctx, ses.RefreshToken) }},
		{"own password change", services.EndPasswordChange, func(u models.User, ses services.Session) error {
			self, err := e.auth.Authenticate(ctx, ses.AccessToken)
			if err != nil {
				return err
			}
			_, err = e.users.Update(ctx, self, u.ID, services.UserPatch{Password: ptr("a brand new password"), CurrentPassword: testPassword})
			return err
		}},
		{"password reset by an admin", services.EndPasswordChange, func(u models.User, _ services.Session) error {
			_, err := e.users.Update(ctx, admin, u.ID, services.UserPatch{Password: ptr("set by the admin")})
			return err
		}},
		{"role change", services.EndRoleChange, func(u models.User, _ services.Session) error {
			_, err := e.users.Update(ctx, admin, u.ID, services.UserPatch{Role: ptr(models.RoleViewer)})
			return err
		}},
		{"scope change", services.EndScopeChange, func(u models.User, _ services.Session) error {
			_, err := e.users.Update(ctx, admin, u.ID, services.UserPatch{ScopeUnitID: &tr.b2.ID})
			return err
		}},
		{"deactivation", services.EndDeactivated, func(u models.User, _ services.Session) error { return e.users.Deactivate(ctx, admin, u.ID) }},
		{"revoke of that session", services.EndRevoked, func(u models.User, ses services.Session) error {
			// From another of the user's sessions, as the account screen does.
			other, err := e.auth.Authenticate(ctx, e.login(t, u.Username).AccessToken)
			if err != nil {
				return err
			}
			return e.users.RevokeSession(ctx, other, u.ID, ses.SessionID)
		}},
		{"revoke by an admin", services.EndRevoked, func(u models.User, ses services.Session) error {
			return e.users.RevokeSession(ctx, admin, u.ID, ses.SessionID)
		}},
		{"sign out everywhere", services.EndEverywhere, func(u models.User, ses services.Session) error {
			self, err := e.auth.Authenticate(ctx, ses.AccessToken)
			if err != nil {
				return err
			}
			_, err = e.users.EndAllSessions(ctx, self, u.ID)
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := e.newUser(t, models.RoleBoothWorker, &tr.b1)
			ses := e.login(t, u.Username)
			_, err := e.auth.Authenticate(ctx, ses.AccessToken)
			noErr(t, err)
			noErr(t, c.end(u, ses))
			_, err = e.auth.Authenticate(ctx, ses.AccessToken)
			wantErr(t, err, services.EUnauthenticated)
			_, err = e.auth.Refresh(ctx, ses.RefreshToken)
			wantErr(t, err, services.EUnauthenticated)
			var stored models.Session
			noErr(t, e.db.Where("id = ?", ses.SessionID).Take(&stored).Error)
			if stored.RevokedAt == nil || stored.RevokedReason == nil || *stored.RevokedReason != c.reason {
				t.Errorf("session ended at %v for %v, want now for %s", stored.RevokedAt, stored.RevokedReason, c.reason)
			}
			_, err = e.auth.Authenticate(ctx, bystander.AccessToken)
			noErr(t, err)
		})
	}

	t.Run("a change that changes nothing ends nothing", func(t *testing.T) {
		u := e.newUser(t, models.RoleBoothWorker, &tr.b1)
		ses := e.login(t, u.Username)
		_, err := e.users.Update(ctx, admin, u.ID, services.UserPatch{Role: ptr(models.RoleBoothWorker), ScopeUnitID: &tr.b1.ID})
		noErr(t, err)
		_, err = e.auth.Authenticate(ctx, ses.AccessToken)
		noErr(t, err)
	})
	t.Run("a refreshed token belongs to the same session", func(t *testing.T) {
		u := e.newUser(t, models.RoleBoothWorker, &tr.b1)
		ses := e.login(t, u.Username)
		e.clock.Advance(time.Minute)
		next, err := e.auth.Refresh(ctx, ses.RefreshToken)
		noErr(t, err)
		if next.SessionID != ses.SessionID {
			t.Errorf("refresh moved to session %d from %d", next.SessionID, ses.SessionID)
		}
		noErr(t, e.auth.Logout(ctx, next.RefreshToken))
		for _, at := range []string{ses.AccessToken, next.AccessToken} {
			_, err = e.auth.Authenticate(ctx, at)
			wantErr(t, err, services.EUnauthenticated)
		}
	})
}

// TestSessionsListAndRevokeOwnOnly: the list shows the caller's own open sessions (the current
// one marked, a device label, no ended ones); another user's session id reads as not found.
func TestSessionsListAndRevokeOwnOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := services.WithClient(context.Background(), services.Client{UserAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"})
	tr := e.newTree(t)
	u := e.newUser(t, models.RoleViewer, &tr.d1)
	other := e.newUser(t, models.RoleViewer, &tr.d1)
	login := func(name string) services.Session {
		s, err := e.auth.Login(ctx, name, testPassword, "192.0.2.1")
		noErr(t, err)
		return s
	}
	first, second, ended, theirs := login(u.Username), login(u.Username), login(u.Username), login(other.Username)
	noErr(t, e.auth.Logout(ctx, ended.RefreshToken))
	me, err := e.auth.Authenticate(ctx, second.AccessToken)
	noErr(t, err)
	page, err := e.users.Sessions(ctx, me, me.UserID, services.PageRequest{})
	noErr(t, err)
	var got []string
	for _, s := range page.Items {
		got = append(got, fmt.Sprintf("%d %s %v", s.ID, s.Device, s.Current))
	}
	want := []string{fmt.Sprintf("%d Chrome on Android true", second.SessionID), fmt.Sprintf("%d Chrome on Android false", first.SessionID)}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sessions %q, want %q", got, want)
	}
	wantErr(t, e.users.RevokeSession(ctx, me, me.UserID, theirs.SessionID), services.ENotFound)
	wantErr(t, e.users.RevokeSession(ctx, me, me.UserID, ended.SessionID), services.ENotFound)
	_, err = e.auth.Authenticate(ctx, theirs.AccessToken)
	noErr(t, err)
	// Another viewer's sessions through the account route: a viewer manages no accounts.
	_, err = e.users.Sessions(ctx, me, other.ID, services.PageRequest{})
	wantErr(t, err, services.EForbidden)
	wantErr(t, e.users.RevokeSession(ctx, me, other.ID, theirs.SessionID), services.EForbidden)
	// A coordinator of another district does not see the account at all.
	dc2 := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d2))
	_, err = e.users.Sessions(ctx, dc2, u.ID, services.PageRequest{})
	wantErr(t, err, services.ENotFound)
	noErr(t, e.users.RevokeSession(ctx, me, me.UserID, first.SessionID))
	_, err = e.auth.Authenticate(ctx, first.AccessToken)
	wantErr(t, err, services.EUnauthenticated)
	_, err = e.auth.Authenticate(ctx, second.AccessToken)
	noErr(t, err)
}

// TestSessionsSecurityEventsAudited: a login, a wrong password, an unknown user and a lockout
// each write an audit row with the username typed and never the password; a flood of refused
// attempts writes one lockout row per block.
func TestSessionsSecurityEventsAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	u := e.newUser(t, models.RoleBoothWorker, &tr.b1)
	const wrong = "Secret-Wrong-Pass-9"
	mark := e.auditMark(t)
	e.login(t, u.Username)
	_, err := e.auth.Login(ctx, u.Username, wrong, "198.51.100.7")
	wantErr(t, err, services.EUnauthenticated)
	_, err = e.auth.Login(ctx, "no-such-person", wrong, "198.51.100.8")
	wantErr(t, err, services.EUnauthenticated)
	for i := 0; i < services.DefaultLoginLimits.PerUserAddress-1; i++ {
		_, err = e.auth.Login(ctx, u.Username, wrong, "198.51.100.7")
		wantErr(t, err, services.EUnauthenticated)
	}
	for i := 0; i < 30; i++ { // the block: 30 refusals, one lockout row
		_, err = e.auth.Login(ctx, u.Username, wrong, "198.51.100.7")
		wantErr(t, err, services.ERateLimited)
	}
	rows := e.securitySince(t, mark)
	count := map[string]int{}
	for _, r := range rows {
		count[r.Action+" "+r.Entity]++
		for _, s := range []*string{r.Before, r.After} {
			if s != nil && strings.Contains(*s, wrong) {
				t.Errorf("audit row %d holds the password: %s", r.ID, *s)
			}
		}
		if r.Entity == "login" && r.EntityID == fmt.Sprint(u.ID) && (r.UnitID == nil || *r.UnitID != tr.b1.ID) {
			t.Errorf("row %s of %s filed under unit %v, want the account's scope %d", r.Action, u.Username, r.UnitID, tr.b1.ID)
		}
	}
	want := map[string]int{"login session": 1, "login_failed login": services.DefaultLoginLimits.PerUserAddress + 1, "lockout login": 1}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("security rows %v, want %v", count, want)
	}
	for _, r := range rows {
		if r.Action == "login_failed" && r.EntityID == "" && (r.After == nil || !strings.Contains(*r.After, `"username":"no-such-person"`) || !strings.Contains(*r.After, "unknown_user")) {
			t.Errorf("unknown user row after = %v", r.After)
		}
	}
	// The next window's block is a new one: one more row.
	e.clock.Advance(services.DefaultLoginLimits.Window)
	for i := 0; i < services.DefaultLoginLimits.PerUserAddress+5; i++ {
		_, _ = e.auth.Login(ctx, u.Username, wrong, "198.51.100.7")
	}
	n := 0
	for _, r := range e.securitySince(t, mark) {
		if r.Action == "lockout" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d lockout rows after two blocks, want 2", n)
	}
}

// TestSessionsLockoutElsewhereDoesNotShutOut: a flood of wrong passwords for one user from one
// address does not stop the user logging in from another address.
func TestSessionsLockoutElsewhereDoesNotShutOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	refused := 0
	for i := 0; i < 200; i++ {
		if _, err := e.auth.Login(ctx, u.Username, "flooding-wrong-password", "203.0.113.66"); services.ErrorCode(err) == services.ERateLimited {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("the flood was never limited")
	}
	_, err := e.auth.Login(ctx, u.Username, testPassword, "203.0.113.66")
	wantErr(t, err, services.ERateLimited)
	if _, err := e.auth.Login(ctx, u.Username, testPassword, "198.51.100.99"); err != nil {
		t.Errorf("the user from another address after a flood from one: %v", err)
	}
}

// TestSessionsAuditVisibility: security events are filed under the account's scope unit: the
// admin and the state office read them, a district coordinator only those of accounts in the
// district; failed sign-ins for unknown usernames (no unit) reach the admin and state office only.
func TestSessionsAuditVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	admin := e.actorOf(t, e.newUser(t, models.RoleAdmin, nil))
	state := e.actorOf(t, e.newUser(t, models.RoleStateOffice, &tr.state))
	dc1 := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))
	dc2 := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d2))
	in1 := e.newUser(t, models.RoleBoothWorker, &tr.b1)
	since := e.clock.Now().Add(time.Second)
	e.clock.Advance(time.Minute)
	e.login(t, in1.Username)
	_, err := e.auth.Login(ctx, in1.Username, "wrong password", "192.0.2.77")
	wantErr(t, err, services.EUnauthenticated)
	_, err = e.auth.Login(ctx, "ghost-user", "wrong password", "192.0.2.77")
	wantErr(t, err, services.EUnauthenticated)
	seen := func(a services.Actor) string {
		t.Helper()
		p, err := e.set.Audit.List(ctx, a, services.AuditFilter{Since: &since})
		noErr(t, err)
		var out []string
		for _, v := range p.Items {
			who := v.Target.Username
			if who == "" {
				who = v.ActorUsername
			}
			out = append(out, v.Action+":"+who)
		}
		return strings.Join(out, ",")
	}
	all := fmt.Sprintf("login_failed:ghost-user,login_failed:%s,login:%s", in1.Username, in1.Username)
	for name, c := range map[string]struct {
		a    services.Actor
		want string
	}{
		"admin":         {admin, all},
		"state office":  {state, all},
		"coordinator 1": {dc1, fmt.Sprintf("login_failed:%s,login:%s", in1.Username, in1.Username)},
		"coordinator 2": {dc2, ""},
	} {
		if got := seen(c.a); got != c.want {
			t.Errorf("%s sees %q, want %q", name, got, c.want)
		}
	}
}

// TestSessionsConcurrentChurn: 16 clients at once refresh, log out, revoke and sign out the
// same user's sessions; every answer is a success or a 401, and verify then finds nothing (no
// live refresh token in an ended session).
func TestSessionsConcurrentChurn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	u := e.newUser(t, models.RoleBoothWorker, &tr.b1)
	sessions := make([]services.Session, 16)
	for i := range sessions {
		sessions[i] = e.login(t, u.Username)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 16*8)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ses := sessions[i]
			for round := 0; round < 4; round++ {
				var err error
				switch (i + round) % 4 {
				case 0:
					var next services.Session
					if next, err = e.auth.Refresh(ctx, ses.RefreshToken); err == nil {
						ses = next
					}
				case 1:
					err = e.auth.Logout(ctx, ses.RefreshToken)
				case 2:
					var a services.Actor
					if a, err = e.auth.Authenticate(ctx, sessions[(i+1)%16].AccessToken); err == nil {
						err = e.users.RevokeSession(ctx, a, u.ID, sessions[(i+5)%16].SessionID)
					}
				case 3:
					if i%8 == 3 {
						var a services.Actor
						if a, err = e.auth.Authenticate(ctx, ses.AccessToken); err == nil {
							_, err = e.users.EndAllSessions(ctx, a, u.ID)
						}
					} else {
						var next services.Session
						if next, err = e.auth.Login(ctx, u.Username, testPassword, fmt.Sprintf("192.0.2.%d", 100+i)); err == nil {
							ses = next
						}
					}
				}
				if c := services.ErrorCode(err); err != nil && c != services.EUnauthenticated && c != services.ENotFound {
					errs <- fmt.Errorf("client %d round %d: %w", i, round, err)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	diffs, err := e.verifier().Check(ctx, services.System)
	noErr(t, err)
	for _, d := range diffs {
		t.Errorf("verify: %s", d)
	}
	var live int64
	noErr(t, e.db.Raw(`SELECT count(*) FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
		WHERE rt.revoked_at IS NULL AND s.revoked_at IS NOT NULL`).Scan(&live).Error)
	if live != 0 {
		t.Errorf("%d live refresh tokens in ended sessions", live)
	}
}

// TestSessionsVerifyFindsLiveTokenOfEndedSession: the verify check fails when the rule broke.
func TestSessionsVerifyFindsLiveTokenOfEndedSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser(t, models.RoleAdmin, nil)
	ses := e.login(t, u.Username)
	noErr(t, e.db.Exec("UPDATE sessions SET revoked_at = ?, revoked_reason = 'logout' WHERE id = ?", e.clock.Now(), ses.SessionID).Error)
	diffs, err := e.verifier().Check(ctx, services.System)
	noErr(t, err)
	if len(diffs) != 1 || !strings.Contains(diffs[0].String(), "an ended session") {
		t.Errorf("verify found %v, want the live refresh token of an ended session", diffs)
	}
}

func TestDeviceLabel(t *testing.T) {
	t.Parallel()
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36":                      "Chrome on Android",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1":    "Safari on iPhone",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0":                                                           "Firefox on Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0":              "Edge on Windows",
		"Mozilla/5.0 (Linux; Android 13; SM-A536E) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36": "Samsung Internet on Android",
		"curl/8.5.0":         "curl",
		"":                   "",
		"<script>x</script>": "",
	} {
		if got := services.DeviceLabel(ua); got != want {
			t.Errorf("DeviceLabel(%q) = %q, want %q", ua, got, want)
		}
	}
}

// BenchmarkAuthenticate is the cost of checking an access token on every request: one query
// that loads the account, its scope's path and whether the session is open. The baseline, in
// the same run on the same database, is the least a database-backed check can do: the JWT
// parsed and the account's row read by its primary key.
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	c := newClock()
	db := dbtest.New(b).DB
	// No second step: the benchmark measures the token check, not the login.
	set, err := services.NewSet(db, c.Now, services.AuthConfig{Secret: testSecret, BcryptCost: bcrypt.MinCost, SecondFactorRoles: []models.Role{}})
	if err != nil {
		b.Fatal(err)
	}
	u, err := set.Users.Create(ctx, services.System, services.UserInput{Username: "bench", Password: testPassword, Role: models.RoleAdmin})
	if err != nil {
		b.Fatal(err)
	}
	ses, err := set.Auth.Login(ctx, "bench", testPassword, "192.0.2.1")
	if err != nil || ses.AccessToken == "" {
		b.Fatalf("login: %v %+v", err, ses)
	}
	b.Run("baseline_user_by_id", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var row models.User
			if err := db.WithContext(ctx).Where("id = ?", u.User.ID).Take(&row).Error; err != nil {
				b.Fatal(err)
			}
		}
	})
	// The query Authenticate ran before sessions (issue 13): the account and its scope's path.
	b.Run("baseline_user_and_scope", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var row struct {
				models.User
				ScopePath *string
			}
			if err := db.WithContext(ctx).Table("users").Select("users.*, units.path AS scope_path").
				Joins("LEFT JOIN units ON units.id = users.scope_unit_id").Where("users.id = ?", u.User.ID).Take(&row).Error; err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("authenticate", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := set.Auth.Authenticate(ctx, ses.AccessToken); err != nil {
				b.Fatal(err)
			}
		}
	})
}
