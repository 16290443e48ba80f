package main

import (
	"context"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/database/dbtest"
)

// TestServersWithAnotherTokenKey: server processes on one PostgreSQL database, each with a data
// directory of its own and no SANGATHAN_JWT_SECRET, would each sign tokens with a key generated
// for itself, and refuse the others' tokens. The first starts; a second such process does not,
// and says to set one SANGATHAN_JWT_SECRET everywhere. A process started with a configured key
// takes over: its tokens work, and the first, still on the old key, answers /readyz with 503 so
// that a balancer stops sending it requests.
func TestServersWithAnotherTokenKey(t *testing.T) {
	dbtest.NeedPostgres(t, "several server processes share one database only there")
	bin := buildBinary(t)
	const adminPassword = "token-key-admin-pw"
	env := []string{
		"SANGATHAN_DATABASE_URL=" + dbtest.URL(t),
		"SANGATHAN_ADMIN_PASSWORD=" + adminPassword,
		"SANGATHAN_ADDR=127.0.0.1:0",
		"SANGATHAN_2FA_ROLES=none",
	}
	a := startServers(t, bin, env, "A")[0]
	a.expect(t, http.MethodGet, "/readyz", "", nil, "", http.StatusOK)

	// B generates a key of its own (another data directory): it does not start.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = processEnv(t, env, "SANGATHAN_DATA_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "B started with a key of its own: %s", out)
	require.Contains(t, string(out), "Set the same SANGATHAN_JWT_SECRET")
	require.NotContains(t, string(out), "in a browser", "B did not listen")
	a.expect(t, http.MethodGet, "/readyz", "", nil, "", http.StatusOK)

	// C is configured with a key: it takes over. Its logins work; A is no longer ready.
	c := startServers(t, bin, append(env, "SANGATHAN_JWT_SECRET="+strings.Repeat("c", 40)), "C")[0]
	var s session
	c.json(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}, "", http.StatusOK, &s)
	c.expect(t, http.MethodGet, "/api/v1/me", s.AccessToken, nil, "", http.StatusOK)
	c.expect(t, http.MethodGet, "/readyz", "", nil, "", http.StatusOK)
	st, body := a.do(t, http.MethodGet, "/readyz", "", nil, "")
	require.Equal(t, http.StatusServiceUnavailable, st, "%s", body)
	require.Contains(t, string(body), "signs tokens with a new key")
	// What A would do with C's token: refuse it, which is why A is out of the balancer.
	a.expect(t, http.MethodGet, "/api/v1/me", s.AccessToken, nil, "", http.StatusUnauthorized)
}
