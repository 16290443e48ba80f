package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

func (s *testServer) codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTwoFactorOverHTTP walks an administrator through two-step verification over the API:
// the password alone gives no token (a client that knows nothing of it does not log in), the
// enrolment during login, a code, a recovery code once, a wrong and a replayed code, the self
// service, the reset by another administrator, and no secret or code in the logs or the audit.
func TestTwoFactorOverHTTP(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	s := newLoggedServer(t, &logs)
	username := fmt.Sprintf("tf-admin-%d", userSeq.Add(1))
	u, err := s.users.Create(context.Background(), services.System, services.UserInput{Username: username, Password: testPassword, Role: models.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	login := func(addr string) challengeJSON {
		t.Helper()
		req := jsonRequest(t, http.MethodPost, "/api/v1/auth/login", map[string]string{"username": username, "password": testPassword})
		req.RemoteAddr = addr + ":1234"
		rec := s.send(req)
		wantStatus(t, rec, http.StatusOK)
		if len(rec.Result().Cookies()) != 0 {
			t.Fatalf("the password step set cookies: %q", rec.Header().Values("Set-Cookie"))
		}
		ch := decode[challengeJSON](t, rec)
		if ch.AccessToken != "" || ch.Challenge == "" || ch.ExpiresIn != 300 || ch.User.Username != username {
			t.Fatalf("password step answered %s", rec.Body)
		}
		return ch
	}
	step := func(addr string, body map[string]string) *httptest.ResponseRecorder {
		t.Helper()
		req := jsonRequest(t, http.MethodPost, "/api/v1/auth/login/second-factor", body)
		req.RemoteAddr = addr + ":1234"
		return s.send(req)
	}

	ch := login("192.0.2.1")
	if ch.SecondFactor != "enrol" {
		t.Fatalf("second_factor = %q, want enrol", ch.SecondFactor)
	}
	// A code before the enrolment: 409.
	wantProblem(t, step("192.0.2.1", map[string]string{"challenge": ch.Challenge, "code": "123456"}), http.StatusConflict)
	rec := s.do(t, http.MethodPost, "/api/v1/auth/login/enrol", "", map[string]string{"challenge": ch.Challenge})
	wantStatus(t, rec, http.StatusOK)
	en := decode[enrolmentJSON](t, rec)
	if !strings.HasPrefix(en.QR, "data:image/png;base64,") || !strings.HasPrefix(en.OtpauthURI, "otpauth://totp/Sangathan:"+username) || en.Secret == "" {
		t.Fatalf("enrolment %+v", en)
	}
	secret := en.Secret
	r := step("192.0.2.1", map[string]string{"challenge": ch.Challenge, "code": s.codeAt(t, secret, s.clock.Now())})
	wantStatus(t, r, http.StatusOK)
	first := decode[struct {
		sessionJSON
		RecoveryCodes []string `json:"recovery_codes"`
	}](t, r)
	if first.AccessToken == "" || len(first.RecoveryCodes) != 10 {
		t.Fatalf("enrolling step answered %s", r.Body)
	}
	st := decode[map[string]any](t, s.do(t, http.MethodGet, "/api/v1/me/second-factor", first.AccessToken, nil))
	if st["enabled"] != true || st["required"] != true || st["recovery_codes_left"] != float64(10) {
		t.Errorf("status %v", st)
	}

	// The same code again (replay), on a new challenge: 401 otp_wrong. A far step too.
	s.clock.Advance(10 * time.Second)
	ch = login("192.0.2.1")
	if ch.SecondFactor != "required" {
		t.Fatalf("second_factor = %q, want required", ch.SecondFactor)
	}
	wantFieldCode(t, wantProblem(t, step("192.0.2.1", map[string]string{"challenge": ch.Challenge, "code": s.codeAt(t, secret, s.clock.Now())}), http.StatusUnauthorized), "code", "otp_wrong")
	wantFieldCode(t, wantProblem(t, step("192.0.2.1", map[string]string{"challenge": ch.Challenge, "code": s.codeAt(t, secret, s.clock.Now().Add(3*time.Minute))}), http.StatusUnauthorized), "code", "otp_wrong")
	// Both codes at once: 422.
	wantProblem(t, step("192.0.2.1", map[string]string{"challenge": ch.Challenge, "code": "1", "recovery_code": "2"}), http.StatusUnprocessableEntity)
	// The next step's code works (clock skew).
	wantStatus(t, step("192.0.2.1", map[string]string{"challenge": ch.Challenge, "code": s.codeAt(t, secret, s.clock.Now().Add(30*time.Second))}), http.StatusOK)

	// A recovery code works once.
	rc := first.RecoveryCodes[0]
	ch = login("192.0.2.1")
	wantStatus(t, step("192.0.2.1", map[string]string{"challenge": ch.Challenge, "recovery_code": rc}), http.StatusOK)
	ch = login("192.0.2.1")
	wantFieldCode(t, wantProblem(t, step("192.0.2.1", map[string]string{"challenge": ch.Challenge, "recovery_code": rc}), http.StatusUnauthorized), "recovery_code", "recovery_code_wrong")

	// Self service: an admin cannot switch it off; new recovery codes need a code.
	s.clock.Advance(2 * time.Minute)
	tok := first.AccessToken
	wantProblem(t, s.do(t, http.MethodDelete, "/api/v1/me/second-factor", tok, map[string]string{"current_password": testPassword}), http.StatusForbidden)
	wantFieldCode(t, wantProblem(t, s.do(t, http.MethodPost, "/api/v1/me/second-factor/recovery-codes", tok, map[string]string{"code": "000000"}), http.StatusUnprocessableEntity), "code", "otp_wrong")
	rec = s.do(t, http.MethodPost, "/api/v1/me/second-factor/recovery-codes", tok, map[string]string{"code": s.codeAt(t, secret, s.clock.Now())})
	wantStatus(t, rec, http.StatusOK)
	fresh := decode[struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}](t, rec).RecoveryCodes
	wantProblem(t, s.do(t, http.MethodPost, "/api/v1/me/second-factor", tok, nil), http.StatusConflict)

	// Brute force: wrong codes from one address hit the login limits (429).
	limited := false
	for i := 0; i < 20 && !limited; i++ {
		req := jsonRequest(t, http.MethodPost, "/api/v1/auth/login", map[string]string{"username": username, "password": testPassword})
		req.RemoteAddr = "203.0.113.7:1234"
		if rec := s.send(req); rec.Code == http.StatusTooManyRequests {
			limited = true // the password step is refused from there too
			break
		}
		ch = login("203.0.113.8") // a challenge; the codes below come from 203.0.113.7
		for j := 0; j < services.ChallengeMaxFailures; j++ {
			r := step("203.0.113.7", map[string]string{"challenge": ch.Challenge, "code": fmt.Sprintf("%06d", 100000+i*10+j)})
			if r.Code == http.StatusTooManyRequests {
				if r.Header().Get("Retry-After") == "" {
					t.Error("429 without Retry-After")
				}
				limited = true
				break
			}
			wantStatus(t, r, http.StatusUnauthorized)
		}
		if !limited {
			// The challenge died after five wrong codes.
			wantFieldCode(t, wantProblem(t, step("203.0.113.7", map[string]string{"challenge": ch.Challenge, "code": "000000"}), http.StatusUnauthorized), "challenge", "challenge_expired")
		}
	}
	if !limited {
		t.Fatal("wrong codes never answered 429")
	}

	// Another administrator resets it (audited); the next login enrols again.
	other := s.mkUser(t, models.RoleAdmin, "")
	mark := s.auditMark(t)
	wantStatus(t, s.do(t, http.MethodDelete, fmt.Sprintf("/api/v1/users/%d/second-factor", u.User.ID), other.Token, nil), http.StatusNoContent)
	rows := s.auditSince(t, mark)
	if len(rows) != 1 || rows[0].Action != "second_factor_reset" || rows[0].Entity != "user" || rows[0].EntityID != fmt.Sprint(u.User.ID) || rows[0].ActorUsername != other.Username {
		t.Fatalf("reset audit rows %+v", rows)
	}
	if ch = login("192.0.2.2"); ch.SecondFactor != "enrol" {
		t.Fatalf("after the reset second_factor = %q, want enrol", ch.SecondFactor)
	}

	// No secret and no code in the logs or the audit log.
	var audit strings.Builder
	for _, e := range s.auditSince(t, 0) {
		for _, p := range []*string{e.Before, e.After} {
			if p != nil {
				audit.WriteString(*p)
			}
		}
	}
	for _, secretish := range append(append([]string{secret}, first.RecoveryCodes...), fresh...) {
		if strings.Contains(logs.String(), secretish) || strings.Contains(audit.String(), secretish) {
			t.Errorf("%q is in the logs or the audit log", secretish)
		}
	}
}

// jsonRequest is a request with a JSON body.
func jsonRequest(t *testing.T, method, path string, body any) *http.Request {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return req
}
