package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
)

// TestOwnPasswordErrorCodes: a refused change of one's own password names the field and a stable
// code the UI words in Hindi or English; the accepted one lets the user in with the new password only.
func TestOwnPasswordErrorCodes(t *testing.T) {
	s := newTestServer(t)
	worker := s.mkUser(t, models.RoleBoothWorker, s.fx.id("LKOW-1"))
	path := "/api/v1/users/" + worker.ID
	type fieldCode struct {
		Field  string         `json:"field"`
		Code   string         `json:"code"`
		Params map[string]any `json:"params"`
	}
	codes := func(body map[string]any) []fieldCode {
		t.Helper()
		rec := s.do(t, http.MethodPatch, path, worker.Token, body)
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		var p struct {
			Errors []fieldCode `json:"errors"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		return p.Errors
	}
	for _, c := range []struct {
		name string
		body map[string]any
		want []fieldCode
	}{
		{"wrong current password", map[string]any{"password": "a-fine-new-password", "current_password": "not-my-password"},
			[]fieldCode{{Field: "current_password", Code: "password_wrong"}}},
		{"too short", map[string]any{"password": "short", "current_password": testPassword},
			[]fieldCode{{Field: "password", Code: "too_short", Params: map[string]any{"min": float64(10)}}}},
		{"too long", map[string]any{"password": strings.Repeat("x", 80), "current_password": testPassword},
			[]fieldCode{{Field: "password", Code: "too_long", Params: map[string]any{"max": float64(72)}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if d := cmp.Diff(c.want, codes(c.body)); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
	wantStatus(t, s.do(t, http.MethodPatch, path, worker.Token, map[string]any{"password": "chosen-by-the-worker", "current_password": testPassword}), http.StatusOK)
	wantStatus(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": worker.Username, "password": testPassword}), http.StatusUnauthorized)
	wantStatus(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": worker.Username, "password": "chosen-by-the-worker"}), http.StatusOK)
}
