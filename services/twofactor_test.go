package services_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// twoStepSecrets remembers the TOTP secret each enrolled test account got, and the last time
// step whose code the helpers used, so that a later login answers a code that was not used yet.
var twoStepSecrets sync.Map // username → *twoStepAccount

type twoStepAccount struct {
	mu     sync.Mutex
	secret string
	last   int64
}

// codeAt is the code of secret for the time step of at.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	noErr(t, err)
	return c
}

// nextCode is a code of username's secret for a time step not used before that the server
// accepts now; a fourth login of one account within one step of the clock moves the clock on.
func (e *env) nextCode(t *testing.T, username string) string {
	t.Helper()
	v, ok := twoStepSecrets.Load(username)
	if !ok {
		t.Fatalf("%s was not enrolled by the helpers", username)
	}
	a := v.(*twoStepAccount)
	a.mu.Lock()
	defer a.mu.Unlock()
	cur := e.clock.Now().Unix() / 30
	step := max(cur-1, a.last+1)
	if step > cur+1 {
		e.clock.Advance(time.Duration(step-cur-1) * 30 * time.Second)
	}
	a.last = step
	return codeAt(t, a.secret, time.Unix(step*30, 0))
}

// secondStep finishes a login that gave a challenge: it enrols when asked to and answers a code.
func (e *env) secondStep(t *testing.T, username string, s services.Session) services.Session {
	t.Helper()
	ctx := context.Background()
	if s.SecondFactor == services.SecondFactorEnrol {
		en, err := e.auth.EnrolDuringLogin(ctx, s.Challenge)
		noErr(t, err)
		twoStepSecrets.Store(username, &twoStepAccount{secret: en.Secret, last: -1})
	}
	out, err := e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: s.Challenge, Code: e.nextCode(t, username), ClientIP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("second step of %s: %v", username, err)
	}
	return out
}

// enrolled makes an account of role and logs it in once through the enrolment, returning the
// account, its secret and the recovery codes.
func (e *env) enrolled(t *testing.T, role models.Role) (models.User, string, []string) {
	t.Helper()
	var scope *models.Unit
	if role != models.RoleAdmin {
		st := e.newRoot(t)
		scope = &st
	}
	u := e.newUser(t, role, scope)
	s, err := e.auth.Login(context.Background(), u.Username, testPassword, "192.0.2.1")
	noErr(t, err)
	if s.SecondFactor != services.SecondFactorEnrol || s.AccessToken != "" || s.RefreshToken != "" {
		t.Fatalf("a %s without a second factor logged in as %+v, want an enrolment challenge and no tokens", role, s)
	}
	s = e.secondStep(t, u.Username, s)
	if s.AccessToken == "" || len(s.RecoveryCodes) != services.RecoveryCodeCount {
		t.Fatalf("the enrolling login gave %q and %d recovery codes", s.AccessToken, len(s.RecoveryCodes))
	}
	v, _ := twoStepSecrets.Load(u.Username)
	return u, v.(*twoStepAccount).secret, s.RecoveryCodes
}

func forBoth(t *testing.T) *env {
	t.Helper()
	t.Parallel()
	return newEnv(t)
}

// challengeFor logs u in with the password and returns the challenge.
func (e *env) challengeFor(t *testing.T, u models.User, addr string) services.Session {
	t.Helper()
	s, err := e.auth.Login(context.Background(), u.Username, testPassword, addr)
	noErr(t, err)
	if s.SecondFactor != services.SecondFactorRequired || s.AccessToken != "" {
		t.Fatalf("login of an enrolled account gave %+v, want a challenge", s)
	}
	return s
}

func TestTwoFactorEnrolmentDuringLogin(t *testing.T) {
	e := forBoth(t)
	ctx := context.Background()
	for _, role := range []models.Role{models.RoleAdmin, models.RoleStateOffice} {
		u, secret, codes := e.enrolled(t, role)
		// The secret is stored sealed, never as given.
		var sf models.SecondFactor
		noErr(t, e.db.Where("user_id = ?", u.ID).Take(&sf).Error)
		if sf.EnabledAt == nil || strings.Contains(sf.SecretEnc, secret) {
			t.Errorf("stored second factor %+v", sf)
		}
		var hashes []string
		noErr(t, e.db.Model(&models.RecoveryCode{}).Where("user_id = ?", u.ID).Pluck("code_hash", &hashes).Error)
		if len(hashes) != 10 {
			t.Errorf("%d recovery codes stored", len(hashes))
		}
		for _, h := range hashes {
			for _, c := range codes {
				if strings.Contains(h, c) || strings.Contains(h, strings.ReplaceAll(c, "-", "")) {
					t.Errorf("a recovery code is stored as given")
				}
			}
		}
		st, err := e.auth.SecondFactorStatus(ctx, actorFor(u))
		noErr(t, err)
		if !st.Enabled || !st.Required || st.RecoveryCodesLeft != 10 {
			t.Errorf("status %+v", st)
		}
		// The enrolment is audited without the secret.
		var rows []models.AuditEntry
		noErr(t, e.db.Where("entity = 'user' AND entity_id = ? AND action = 'second_factor_enable'", fmt.Sprint(u.ID)).Find(&rows).Error)
		if len(rows) != 1 {
			t.Fatalf("%d enrolment audit rows", len(rows))
		}
		if rows[0].After != nil && strings.Contains(*rows[0].After, secret) {
			t.Error("the audit row holds the secret")
		}
	}
	// Other roles log in in one step.
	dist := e.newRoot(t)
	v := e.newUser(t, models.RoleViewer, &dist)
	s, err := e.auth.Login(ctx, v.Username, testPassword, "192.0.2.1")
	noErr(t, err)
	if s.AccessToken == "" || s.Challenge != "" {
		t.Errorf("a viewer's login gave %+v", s)
	}
}

func actorFor(u models.User) services.Actor {
	return services.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, ScopeUnitID: u.ScopeUnitID}
}

func TestTwoFactorLoginWithCode(t *testing.T) {
	e := forBoth(t)
	ctx := context.Background()
	u, secret, _ := e.enrolled(t, models.RoleAdmin)
	e.clock.Advance(5 * time.Minute)
	ch := e.challengeFor(t, u, "192.0.2.1")

	// A code from a far time step is refused; so is a recovery code that is not one.
	_, err := e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: ch.Challenge, Code: codeAt(t, secret, e.clock.Now().Add(-2*time.Minute)), ClientIP: "192.0.2.1"})
	wantErr(t, err, services.EUnauthenticated)
	_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: ch.Challenge, Code: codeAt(t, secret, e.clock.Now().Add(90*time.Second)), ClientIP: "192.0.2.1"})
	wantErr(t, err, services.EUnauthenticated)
	// Neither or both codes: invalid.
	_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: ch.Challenge, ClientIP: "192.0.2.1"})
	wantErr(t, err, services.EInvalid)

	// The step before (clock skew) is accepted.
	code := codeAt(t, secret, e.clock.Now().Add(-30*time.Second))
	s, err := e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: ch.Challenge, Code: code, ClientIP: "192.0.2.1"})
	noErr(t, err)
	if s.AccessToken == "" || s.RefreshToken == "" || len(s.RecoveryCodes) != 0 {
		t.Fatalf("session %+v", s)
	}
	if _, err := e.auth.Authenticate(ctx, s.AccessToken); err != nil {
		t.Fatalf("the token does not authenticate: %v", err)
	}
	// The challenge is used up.
	_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: ch.Challenge, Code: codeAt(t, secret, e.clock.Now()), ClientIP: "192.0.2.1"})
	wantErr(t, err, services.EUnauthenticated)

	// Replay: the same code on a new challenge is refused, and so is a code of an earlier step.
	ch2 := e.challengeFor(t, u, "192.0.2.1")
	_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: ch2.Challenge, Code: code, ClientIP: "192.0.2.1"})
	wantField(t, err, services.EUnauthenticated, "code", "otp_wrong")
	// The current step's code works.
	_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: ch2.Challenge, Code: codeAt(t, secret, e.clock.Now()), ClientIP: "192.0.2.1"})
	noErr(t, err)
}

// wantField checks an error's code and that it names field with fieldCode.
func wantField(t *testing.T, err error, code services.Code, field, fieldCode string) {
	t.Helper()
	se := wantErr(t, err, code)
	for _, f := range se.Fields {
		if f.Field == field && f.Code == fieldCode {
			return
		}
	}
	t.Fatalf("error %v does not name %s %s", err, field, fieldCode)
}

func TestTwoFactorRecoveryCodeWorksOnce(t *testing.T) {
	e := forBoth(t)
	ctx := context.Background()
	u, _, codes := e.enrolled(t, models.RoleStateOffice)
	ch := e.challengeFor(t, u, "192.0.2.1")
	// Dashes and case do not matter.
	s, err := e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: ch.Challenge, RecoveryCode: strings.ToUpper(strings.ReplaceAll(codes[3], "-", " ")), ClientIP: "192.0.2.1"})
	noErr(t, err)
	if s.AccessToken == "" {
		t.Fatal("no session")
	}
	ch = e.challengeFor(t, u, "192.0.2.1")
	_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: ch.Challenge, RecoveryCode: codes[3], ClientIP: "192.0.2.1"})
	wantField(t, err, services.EUnauthenticated, "recovery_code", "recovery_code_wrong")
	st, err := e.auth.SecondFactorStatus(ctx, actorFor(u))
	noErr(t, err)
	if st.RecoveryCodesLeft != 9 {
		t.Errorf("%d recovery codes left, want 9", st.RecoveryCodesLeft)
	}
	var n int64
	noErr(t, e.db.Model(&models.AuditEntry{}).Where("entity = 'user' AND entity_id = ? AND action = 'recovery_code_use'", fmt.Sprint(u.ID)).Count(&n).Error)
	if n != 1 {
		t.Errorf("%d recovery_code_use audit rows, want 1", n)
	}
}

func TestTwoFactorChallengeExpiresAndDiesAfterFiveWrongCodes(t *testing.T) {
	e := forBoth(t)
	ctx := context.Background()
	u, secret, _ := e.enrolled(t, models.RoleAdmin)
	e.clock.Advance(time.Minute)
	ch := e.challengeFor(t, u, "192.0.2.1")
	e.clock.Advance(services.ChallengeTTL + time.Second)
	_, err := e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: ch.Challenge, Code: codeAt(t, secret, e.clock.Now()), ClientIP: "192.0.2.1"})
	wantField(t, err, services.EUnauthenticated, "challenge", "challenge_expired")

	// Five wrong codes (from different addresses, so the limiter does not step in first) end a
	// challenge: the right code is then refused too.
	ch = e.challengeFor(t, u, "192.0.2.1")
	for i := range services.ChallengeMaxFailures {
		_, err := e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: ch.Challenge, Code: "000000", ClientIP: fmt.Sprintf("198.51.100.%d", i)})
		wantErr(t, err, services.EUnauthenticated)
	}
	_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: ch.Challenge, Code: codeAt(t, secret, e.clock.Now()), ClientIP: "192.0.2.9"})
	wantField(t, err, services.EUnauthenticated, "challenge", "challenge_expired")
	// A new login works.
	ch = e.challengeFor(t, u, "192.0.2.1")
	_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: ch.Challenge, Code: codeAt(t, secret, e.clock.Now()), ClientIP: "192.0.2.1"})
	noErr(t, err)
}

func TestTwoFactorBruteForceHitsTheLoginLimits(t *testing.T) {
	e := forBoth(t)
	ctx := context.Background()
	u, secret, _ := e.enrolled(t, models.RoleAdmin)
	e.clock.Advance(time.Minute)
	var mark int64
	noErr(t, e.db.Model(&models.AuditEntry{}).Select("COALESCE(MAX(id), 0)").Scan(&mark).Error)
	limited := false
	// New challenges keep coming (the password is known), but the wrong codes add up per
	// username and address.
	for i := 0; i < 4*services.ChallengeMaxFailures && !limited; i++ {
		s, err := e.auth.Login(ctx, u.Username, testPassword, "203.0.113.5")
		if services.ErrorCode(err) == services.ERateLimited {
			limited = true
			break
		}
		noErr(t, err)
		for j := 0; j < services.ChallengeMaxFailures; j++ {
			_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: s.Challenge, Code: fmt.Sprintf("%06d", i*10+j), ClientIP: "203.0.113.5"})
			if services.ErrorCode(err) == services.ERateLimited {
				limited = true
				break
			}
			wantErr(t, err, services.EUnauthenticated)
		}
	}
	if !limited {
		t.Fatal("wrong codes never hit the login limits")
	}
	// Even the right code is refused from there now.
	s, err := e.auth.Login(ctx, u.Username, testPassword, "203.0.113.6")
	noErr(t, err)
	_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: s.Challenge, Code: codeAt(t, secret, e.clock.Now()), ClientIP: "203.0.113.5"})
	wantErr(t, err, services.ERateLimited)

	// Each wrong code is a failed login in the audit log, the block one lockout row; neither
	// holds a code.
	count := map[string]int{}
	for _, r := range e.securitySince(t, mark) {
		if r.EntityID != fmt.Sprint(u.ID) {
			continue
		}
		count[r.Action]++
		if r.Action == "login_failed" && (r.After == nil || !strings.Contains(*r.After, `"reason":"wrong_code"`)) {
			t.Errorf("a wrong code's row says %v", r.After)
		}
		if r.After != nil && regexp.MustCompile(`"\d{6}"`).MatchString(*r.After) {
			t.Errorf("audit row %d holds a code: %s", r.ID, *r.After)
		}
	}
	if count["login_failed"] < services.ChallengeMaxFailures || count["lockout"] != 1 {
		t.Errorf("security rows of the account: %v, want a login_failed per wrong code and one lockout", count)
	}
}

func TestTwoFactorRequiredRoleCannotSkipOrDisable(t *testing.T) {
	e := forBoth(t)
	ctx := context.Background()
	u, secret, _ := e.enrolled(t, models.RoleAdmin)
	e.clock.Advance(time.Minute)
	err := e.auth.DisableSecondFactor(ctx, actorFor(u), services.DisableSecondFactorInput{CurrentPassword: testPassword, ClientIP: "192.0.2.1"})
	wantErr(t, err, services.EForbidden)
	err = e.auth.DisableSecondFactor(ctx, actorFor(u), services.DisableSecondFactorInput{Code: codeAt(t, secret, e.clock.Now()), ClientIP: "192.0.2.1"})
	wantErr(t, err, services.EForbidden)

	// An admin without a second factor gets no tokens from the password, and the enrolment
	// challenge does not take a code before the enrolment started.
	fresh := e.newUser(t, models.RoleAdmin, nil)
	s, err := e.auth.Login(ctx, fresh.Username, testPassword, "192.0.2.1")
	noErr(t, err)
	if s.AccessToken != "" || s.RefreshToken != "" || s.SecondFactor != services.SecondFactorEnrol {
		t.Fatalf("%+v", s)
	}
	_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: s.Challenge, Code: "123456", ClientIP: "192.0.2.1"})
	wantErr(t, err, services.EConflict)
	_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: s.Challenge, RecoveryCode: "abcd-efgh-jkmn", ClientIP: "192.0.2.1"})
	wantErr(t, err, services.EConflict)
	// The enrolled admin's challenge does not start a new enrolment.
	ch := e.challengeFor(t, u, "192.0.2.1")
	_, err = e.auth.EnrolDuringLogin(ctx, ch.Challenge)
	wantErr(t, err, services.EConflict)
}

func TestTwoFactorOptionalRoleSelfService(t *testing.T) {
	e := forBoth(t)
	ctx := context.Background()
	st := e.newRoot(t)
	v := e.newUser(t, models.RoleViewer, &st)
	a := actorFor(v)
	status, err := e.auth.SecondFactorStatus(ctx, a)
	noErr(t, err)
	if status.Enabled || status.Required {
		t.Fatalf("%+v", status)
	}
	_, err = e.auth.ConfirmEnrolment(ctx, a, "123456", "192.0.2.1")
	wantErr(t, err, services.EConflict)
	en, err := e.auth.StartEnrolment(ctx, a)
	noErr(t, err)
	if !strings.HasPrefix(en.QR, "data:image/png;base64,") || !strings.HasPrefix(en.URI, "otpauth://totp/") {
		t.Fatalf("enrolment %+v", en)
	}
	_, err = e.auth.ConfirmEnrolment(ctx, a, "000000", "192.0.2.1")
	wantField(t, err, services.EInvalid, "code", "otp_wrong")
	codes, err := e.auth.ConfirmEnrolment(ctx, a, codeAt(t, en.Secret, e.clock.Now()), "192.0.2.1")
	noErr(t, err)
	if len(codes) != 10 {
		t.Fatalf("%d codes", len(codes))
	}
	_, err = e.auth.StartEnrolment(ctx, a)
	wantErr(t, err, services.EConflict)
	// Now the viewer's login has two steps.
	s, err := e.auth.Login(ctx, v.Username, testPassword, "192.0.2.1")
	noErr(t, err)
	if s.SecondFactor != services.SecondFactorRequired || s.AccessToken != "" {
		t.Fatalf("%+v", s)
	}
	e.clock.Advance(30 * time.Second)
	// Regenerate: the old codes stop working.
	fresh, err := e.auth.RegenerateRecoveryCodes(ctx, a, codeAt(t, en.Secret, e.clock.Now()), "192.0.2.1")
	noErr(t, err)
	_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: s.Challenge, RecoveryCode: codes[0], ClientIP: "192.0.2.1"})
	wantErr(t, err, services.EUnauthenticated)
	_, err = e.auth.CompleteLogin(ctx, services.SecondFactorInput{Challenge: s.Challenge, RecoveryCode: fresh[0], ClientIP: "192.0.2.1"})
	noErr(t, err)
	// Disable needs the password (or a code), and an API token cannot.
	err = e.auth.DisableSecondFactor(ctx, a, services.DisableSecondFactorInput{CurrentPassword: "not my password", ClientIP: "192.0.2.1"})
	wantField(t, err, services.EInvalid, "current_password", "password_wrong")
	viaToken := a
	viaToken.ViaAPIToken = true
	err = e.auth.DisableSecondFactor(ctx, viaToken, services.DisableSecondFactorInput{CurrentPassword: testPassword, ClientIP: "192.0.2.1"})
	wantErr(t, err, services.EForbidden)
	noErr(t, e.auth.DisableSecondFactor(ctx, a, services.DisableSecondFactorInput{CurrentPassword: testPassword, ClientIP: "192.0.2.1"}))
	s, err = e.auth.Login(ctx, v.Username, testPassword, "192.0.2.1")
	noErr(t, err)
	if s.AccessToken == "" {
		t.Fatal("after disabling, the login still has two steps")
	}
	var n int64
	noErr(t, e.db.Model(&models.RecoveryCode{}).Where("user_id = ?", v.ID).Count(&n).Error)
	if n != 0 {
		t.Errorf("%d recovery codes left after disabling", n)
	}
}

func TestTwoFactorResetByAdmin(t *testing.T) {
	e := forBoth(t)
	ctx := context.Background()
	office, _, _ := e.enrolled(t, models.RoleStateOffice)
	admin, _, _ := e.enrolled(t, models.RoleAdmin)
	other, _, _ := e.enrolled(t, models.RoleAdmin)
	// Not one's own; not by a role that does not manage accounts.
	wantErr(t, e.users.ResetSecondFactor(ctx, actorFor(admin), admin.ID), services.EForbidden)
	st := e.newRoot(t)
	viewer := e.newUser(t, models.RoleViewer, &st)
	wantErr(t, e.users.ResetSecondFactor(ctx, actorFor(viewer), office.ID), services.EForbidden)
	// A state office may not reset an administrator.
	so := actorFor(office)
	var unit models.Unit
	noErr(t, e.db.Where("id = ?", *office.ScopeUnitID).Take(&unit).Error)
	so.ScopePath = unit.Path
	err := e.users.ResetSecondFactor(ctx, so, admin.ID)
	if c := services.ErrorCode(err); c != services.EForbidden && c != services.ENotFound {
		t.Fatalf("state office reset an admin: %v", err)
	}

	// The office is logged in (phone and all) when the reset comes: that login ends with it.
	before, err := e.auth.Login(ctx, office.Username, testPassword, "192.0.2.1")
	noErr(t, err)
	before = e.secondStep(t, office.Username, before)
	_, err = e.auth.Authenticate(ctx, before.AccessToken)
	noErr(t, err)

	noErr(t, e.users.ResetSecondFactor(ctx, actorFor(admin), office.ID))
	_, err = e.auth.Authenticate(ctx, before.AccessToken)
	wantErr(t, err, services.EUnauthenticated)
	_, err = e.auth.Refresh(ctx, before.RefreshToken)
	wantErr(t, err, services.EUnauthenticated)
	noErr(t, e.users.ResetSecondFactor(ctx, actorFor(admin), other.ID)) // another admin: allowed
	var rows []models.AuditEntry
	noErr(t, e.db.Where("entity = 'user' AND action = 'second_factor_reset'").Order("id").Find(&rows).Error)
	if len(rows) != 2 || rows[0].EntityID != fmt.Sprint(office.ID) || rows[0].ActorID == nil || *rows[0].ActorID != admin.ID {
		t.Fatalf("reset audit rows %+v", rows)
	}
	// The user enrols again at the next login.
	s, err := e.auth.Login(ctx, office.Username, testPassword, "192.0.2.1")
	noErr(t, err)
	if s.SecondFactor != services.SecondFactorEnrol {
		t.Fatalf("after the reset the login says %q, want enrol", s.SecondFactor)
	}
	s = e.secondStep(t, office.Username, s)
	if s.AccessToken == "" || len(s.RecoveryCodes) != 10 {
		t.Fatalf("re-enrolment gave %+v", s)
	}
}

// TestTwoFactorConcurrentUsesOfOneCode: sixteen clients holding sixteen challenges present one
// code at once; exactly one gets a session.
func TestTwoFactorConcurrentUsesOfOneCode(t *testing.T) {
	e := forBoth(t)
	ctx := context.Background()
	// A few rounds of each, since a race lost once proves little; an account per round keeps
	// the wrong codes under the per-username ceiling.
	for round, kind := range []string{"code", "recovery code", "code", "recovery code", "code", "recovery code"} {
		u, secret, codes := e.enrolled(t, models.RoleAdmin)
		e.clock.Advance(time.Minute)
		const n = 16
		chs := make([]services.Session, n)
		for i := range chs {
			chs[i] = e.challengeFor(t, u, fmt.Sprintf("192.0.%d.%d", 10+round, 100+i))
		}
		code := codeAt(t, secret, e.clock.Now())
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				in := services.SecondFactorInput{Challenge: chs[i].Challenge, ClientIP: fmt.Sprintf("198.51.%d.%d", 10+round, 100+i)}
				if kind == "code" {
					in.Code = code
				} else {
					in.RecoveryCode = codes[round]
				}
				_, errs[i] = e.auth.CompleteLogin(ctx, in)
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch services.ErrorCode(err) {
			case "":
				ok++
			case services.EUnauthenticated:
			default:
				t.Errorf("%s: %v", kind, err)
			}
		}
		if ok != 1 {
			t.Errorf("%s: %d of %d concurrent uses of one code logged in, want 1", kind, ok, n)
		}
		e.clock.Advance(time.Minute)
	}
}
