package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/services"
)

// TestTwoServersShareOneDatabase runs two `sangathan serve` processes side by side on one
// PostgreSQL database, as two upstreams of a load balancer would, and sends each step of a flow
// to the one that did not see the step before: logins and two-step challenges, refresh-token
// rotation and logout, API tokens and their revocation, the login and intake limits, and the
// committee and representation rollups under concurrent writers. Both start at the same moment
// on an empty database, so both migrate it, grant the server's role its privileges and make the
// first admin at once, with the two database roles of a production set-up. The test stands in
// for the balancer: both processes trust 127.0.0.1 as a proxy, and it sends X-Forwarded-For.
func TestTwoServersShareOneDatabase(t *testing.T) {
	dbtest.NeedPostgres(t, "two server processes share one database only there")
	bin := buildBinary(t)
	ownerURL, appURL := ownerAndApp(t)
	const adminPassword = "two-servers-admin-pw"
	env := []string{
		"SANGATHAN_MIGRATE_DATABASE_URL=" + ownerURL,
		"SANGATHAN_DATABASE_URL=" + appURL,
		"SANGATHAN_JWT_SECRET=" + strings.Repeat("k", 16) + "-shared-by-both-processes",
		"SANGATHAN_ADMIN_PASSWORD=" + adminPassword,
		"SANGATHAN_ADDR=127.0.0.1:0",
		"SANGATHAN_TRUSTED_PROXIES=127.0.0.1",
		"SANGATHAN_INTAKE_REPORTS_PER_HOUR=3",
	}
	servers := startServers(t, bin, env, "A", "B")
	a, b := servers[0], servers[1]
	for _, s := range servers {
		st, _ := s.do(t, http.MethodGet, "/healthz", "", nil, "")
		assert.Equal(t, http.StatusOK, st, "%s /healthz", s.name)
		st, _ = s.do(t, http.MethodGet, "/readyz", "", nil, "")
		assert.Equal(t, http.StatusOK, st, "%s /readyz", s.name)
	}

	// The first admin, made once although both processes started on an empty database.
	// Two-step verification: A's challenge is answered on B, and a code used on one process is
	// refused on the other.
	const adminAddr = "203.0.113.1"
	ch := loginChallenge(t, a, "admin", adminPassword, adminAddr, "enrol")
	var enrol struct {
		Secret string `json:"secret"`
	}
	b.json(t, http.MethodPost, "/api/v1/auth/login/enrol", "", map[string]string{"challenge": ch}, adminAddr, http.StatusOK, &enrol)
	require.NotEmpty(t, enrol.Secret)
	code, err := totp.GenerateCode(enrol.Secret, time.Now())
	require.NoError(t, err)
	var admin session
	b.json(t, http.MethodPost, "/api/v1/auth/login/second-factor", "", map[string]string{"challenge": ch, "code": code}, adminAddr, http.StatusOK, &admin)
	require.NotEmpty(t, admin.AccessToken)
	a.expect(t, http.MethodGet, "/api/v1/me", admin.AccessToken, nil, adminAddr, http.StatusOK)

	ch = loginChallenge(t, b, "admin", adminPassword, adminAddr, "required")
	code, err = totp.GenerateCode(enrol.Secret, time.Now().Add(30*time.Second)) // the next time step: the first was used
	require.NoError(t, err)
	var admin2 session
	a.json(t, http.MethodPost, "/api/v1/auth/login/second-factor", "", map[string]string{"challenge": ch, "code": code}, adminAddr, http.StatusOK, &admin2)
	b.expect(t, http.MethodGet, "/api/v1/me", admin2.AccessToken, nil, adminAddr, http.StatusOK)
	ch = loginChallenge(t, a, "admin", adminPassword, adminAddr, "required")
	b.expect(t, http.MethodPost, "/api/v1/auth/login/second-factor", "", map[string]string{"challenge": ch, "code": code}, adminAddr, http.StatusUnauthorized)

	// A small tree, imported through A and read through B.
	var csv strings.Builder
	csv.WriteString("level,code,name,parent_code\nstate,ZZ,Zedland,\ndistrict,ZZ-A,Alpha,ZZ\nassembly,ZZ-A-1,Alpha One,ZZ-A\n")
	const booths = 8
	for i := 1; i <= booths; i++ {
		fmt.Fprintf(&csv, "booth,ZZ-A-1-B%d,Booth %d,ZZ-A-1\n", i, i)
	}
	st, body := a.doRaw(t, http.MethodPost, "/api/v1/imports/units", admin.AccessToken, "text/csv", []byte(csv.String()), adminAddr)
	require.Equal(t, http.StatusOK, st, "%s", body)
	var units struct {
		Items []struct {
			ID    string `json:"id"`
			Code  string `json:"code"`
			Level string `json:"level"`
		} `json:"items"`
	}
	b.json(t, http.MethodGet, "/api/v1/units?limit=500", admin.AccessToken, nil, adminAddr, http.StatusOK, &units)
	unitID := map[string]string{}
	for _, u := range units.Items {
		unitID[u.Code] = u.ID
	}
	require.Len(t, unitID, 3+booths)

	// A district coordinator (no second step by default), made on B.
	const coordPassword = "coordinator-password"
	b.expect(t, http.MethodPost, "/api/v1/users", admin.AccessToken, map[string]any{
		"username": "coord.alpha", "password": coordPassword, "role": "district_coordinator", "scope_unit_id": unitID["ZZ-A"]}, adminAddr, http.StatusCreated)

	t.Run("logins", func(t *testing.T) {
		const addr = "203.0.113.2"
		var s1, s2, s3 session
		a.json(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": "coord.alpha", "password": coordPassword}, addr, http.StatusOK, &s1)
		b.expect(t, http.MethodGet, "/api/v1/me", s1.AccessToken, nil, addr, http.StatusOK)
		// Refresh on B with A's refresh token; the rotated token is then refused on A.
		b.json(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s1.RefreshToken}, addr, http.StatusOK, &s2)
		a.expect(t, http.MethodGet, "/api/v1/me", s2.AccessToken, nil, addr, http.StatusOK)
		a.expect(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s1.RefreshToken}, addr, http.StatusUnauthorized)

		// Logout on A ends the login at once on B: its access token and its refresh token.
		b.json(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": "coord.alpha", "password": coordPassword}, addr, http.StatusOK, &s3)
		a.expect(t, http.MethodGet, "/api/v1/me", s3.AccessToken, nil, addr, http.StatusOK)
		b.expect(t, http.MethodGet, "/api/v1/me", s3.AccessToken, nil, addr, http.StatusOK)
		a.expect(t, http.MethodPost, "/api/v1/auth/logout", "", map[string]string{"refresh_token": s3.RefreshToken}, addr, http.StatusNoContent)
		b.expect(t, http.MethodGet, "/api/v1/me", s3.AccessToken, nil, addr, http.StatusUnauthorized)
		b.expect(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s3.RefreshToken}, addr, http.StatusUnauthorized)

		// An administrator ends the user's logins on B; A refuses the access token at once.
		var s4 session
		a.json(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": "coord.alpha", "password": coordPassword}, addr, http.StatusOK, &s4)
		a.expect(t, http.MethodGet, "/api/v1/me", s4.AccessToken, nil, addr, http.StatusOK)
		b.expect(t, http.MethodDelete, "/api/v1/users/"+s4.User.ID+"/sessions", admin.AccessToken, nil, adminAddr, http.StatusNoContent)
		a.expect(t, http.MethodGet, "/api/v1/me", s4.AccessToken, nil, addr, http.StatusUnauthorized)
	})

	t.Run("api tokens", func(t *testing.T) {
		const addr = "203.0.113.3"
		var s session
		a.json(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": "coord.alpha", "password": coordPassword}, addr, http.StatusOK, &s)
		var tok struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		}
		a.json(t, http.MethodPost, "/api/v1/tokens", s.AccessToken, map[string]any{"name": "two servers"}, addr, http.StatusCreated, &tok)
		require.True(t, strings.HasPrefix(tok.Token, "sgt_"))
		b.expect(t, http.MethodGet, "/api/v1/me", tok.Token, nil, addr, http.StatusOK)
		a.expect(t, http.MethodGet, "/api/v1/me", tok.Token, nil, addr, http.StatusOK)
		b.expect(t, http.MethodDelete, "/api/v1/tokens/"+tok.ID, s.AccessToken, nil, addr, http.StatusNoContent)
		a.expect(t, http.MethodGet, "/api/v1/me", tok.Token, nil, addr, http.StatusUnauthorized)
		b.expect(t, http.MethodGet, "/api/v1/me", tok.Token, nil, addr, http.StatusUnauthorized)
	})

	t.Run("login limits", func(t *testing.T) {
		// Wrong passwords from one client address, alternating between the processes, block
		// that username from that address after as many as one process allows.
		const addr, other = "198.51.100.7", "198.51.100.8"
		b.expect(t, http.MethodPost, "/api/v1/users", admin.AccessToken, map[string]any{
			"username": "limit.me", "password": "the-right-password", "role": "viewer", "scope_unit_id": unitID["ZZ"]}, adminAddr, http.StatusCreated)
		n := services.DefaultLoginLimits.PerUserAddress
		for i := 0; i < n; i++ {
			servers[i%2].expect(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": "limit.me", "password": "wrong-password"}, addr, http.StatusUnauthorized)
		}
		for _, s := range servers {
			st, body, h := s.doFull(t, http.MethodPost, "/api/v1/auth/login", "", "application/json",
				mustJSON(t, map[string]string{"username": "limit.me", "password": "the-right-password"}), addr)
			assert.Equal(t, http.StatusTooManyRequests, st, "%s after %d wrong passwords on both: %s", s.name, n, body)
			assert.NotEmpty(t, h.Get("Retry-After"), s.name)
		}
		// The limit is per username and address: from another address the right password works.
		b.expect(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": "limit.me", "password": "the-right-password"}, other, http.StatusOK)
	})

	t.Run("intake limits", func(t *testing.T) {
		// SANGATHAN_INTAKE_REPORTS_PER_HOUR=3: three reports from one address in all, whichever
		// process takes them; a tracking code given by one process is found by the other.
		const addr, other = "192.0.2.50", "192.0.2.51"
		report := map[string]string{"district_code": "ZZ-A", "place": "Village Two", "occurred_on": time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02"),
			"description": "Reported through two server processes."}
		var codes []string
		for i := 0; i < 3; i++ {
			var tc struct {
				TrackingCode string `json:"tracking_code"`
			}
			servers[i%2].json(t, http.MethodPost, "/api/v1/public/incident-reports", "", report, addr, http.StatusCreated, &tc)
			codes = append(codes, tc.TrackingCode)
		}
		for _, s := range servers {
			s.expect(t, http.MethodPost, "/api/v1/public/incident-reports", "", report, addr, http.StatusTooManyRequests)
		}
		b.expect(t, http.MethodPost, "/api/v1/public/incident-reports", "", report, other, http.StatusCreated)
		require.NotEmpty(t, codes[0])
		b.expect(t, http.MethodGet, "/api/v1/public/incident-reports/"+codes[0], "", nil, addr, http.StatusOK)
	})

	t.Run("rollups", func(t *testing.T) {
		const addr = "203.0.113.4"
		var s session
		a.json(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": "coord.alpha", "password": coordPassword}, addr, http.StatusOK, &s)
		// 16 writers, two per booth, each sending its requests to A and B in turn: each adds
		// members and ends one of their seats, and the two writers of a booth race for its
		// president and its booth agent (one wins each, whichever process serves it).
		const writers, members = 16, 5
		categories := []string{"SC", "ST", "OBC", "GEN"}
		genders := []string{"male", "female", "other"}
		type tally struct {
			seats      int
			byCategory map[string]int
			byGender   map[string]int
			perBooth   map[string]int
			won        map[string]int // booth|position → seats won
		}
		var mu sync.Mutex
		want := tally{byCategory: map[string]int{}, byGender: map[string]int{}, perBooth: map[string]int{}, won: map[string]int{}}
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				booth := unitID[fmt.Sprintf("ZZ-A-1-B%d", w%booths+1)]
				turn := w
				next := func() *server { turn++; return servers[turn%2] }
				var seatIDs []string
				seat := func(position string, k int) (int, error) {
					cat, gen := categories[(w+k)%len(categories)], genders[(w*members+k)%len(genders)]
					var p struct {
						ID string `json:"id"`
					}
					st, body := next().doRaw(t, http.MethodPost, "/api/v1/people", s.AccessToken, "application/json",
						mustJSON(t, map[string]any{"name": fmt.Sprintf("Writer %d person %d", w, k), "gender": gen, "category": cat, "home_unit_id": booth}), addr)
					if st != http.StatusCreated {
						return st, fmt.Errorf("writer %d: create person: %d %s", w, st, body)
					}
					if err := json.Unmarshal(body, &p); err != nil {
						return st, err
					}
					var created struct {
						ID string `json:"id"`
					}
					st, body = next().doRaw(t, http.MethodPost, "/api/v1/units/"+booth+"/committee/seats", s.AccessToken, "application/json",
						mustJSON(t, map[string]any{"person_id": p.ID, "position": position}), addr)
					switch {
					case st == http.StatusConflict && position != "member":
						return st, nil // the other writer of this booth won it
					case st != http.StatusCreated:
						return st, fmt.Errorf("writer %d: seat %s: %d %s", w, position, st, body)
					}
					if err := json.Unmarshal(body, &created); err != nil {
						return st, err
					}
					if position == "member" {
						seatIDs = append(seatIDs, created.ID)
					}
					mu.Lock()
					want.seats++
					want.byCategory[cat]++
					want.byGender[gen]++
					want.perBooth[booth]++
					want.won[booth+"|"+position]++
					mu.Unlock()
					return st, nil
				}
				for k := 0; k < members; k++ {
					if _, err := seat("member", k); err != nil {
						errs <- err
						return
					}
				}
				for k, position := range []string{"president", "booth_agent"} {
					if _, err := seat(position, members+k); err != nil {
						errs <- err
						return
					}
				}
				// End the first member seat; the category and gender of that person leave the counts.
				st, body := next().doRaw(t, http.MethodDelete, "/api/v1/units/"+booth+"/committee/seats/"+seatIDs[0], s.AccessToken, "", nil, addr)
				if st != http.StatusNoContent {
					errs <- fmt.Errorf("writer %d: end seat: %d %s", w, st, body)
					return
				}
				mu.Lock()
				want.seats--
				want.byCategory[categories[w%len(categories)]]--
				want.byGender[genders[(w*members)%len(genders)]]--
				want.perBooth[booth]--
				mu.Unlock()
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if t.Failed() {
			return
		}
		for i := 1; i <= booths; i++ {
			booth := unitID[fmt.Sprintf("ZZ-A-1-B%d", i)]
			assert.Equal(t, 1, want.won[booth+"|president"], "one president of booth %d", i)
			assert.Equal(t, 1, want.won[booth+"|booth_agent"], "one booth agent of booth %d", i)
		}
		// 2 writers × (5 members − 1 ended) + a president + a booth agent: 10 seats, a complete
		// booth committee.
		require.Equal(t, booths*10, want.seats)

		for i, s2 := range servers {
			var rep struct {
				Seats      int            `json:"seats"`
				ByCategory map[string]int `json:"by_category"`
				ByGender   map[string]int `json:"by_gender"`
				Coverage   struct {
					Booths   int `json:"booths"`
					Complete int `json:"complete"`
				} `json:"coverage"`
			}
			s2.json(t, http.MethodGet, "/api/v1/units/"+unitID["ZZ-A"]+"/representation?level=booth", s.AccessToken, nil, addr, http.StatusOK, &rep)
			assert.Equal(t, want.seats, rep.Seats, "%s: booth seats of the district", s2.name)
			for _, c := range categories {
				assert.Equal(t, want.byCategory[c], rep.ByCategory[c], "%s: %s seats", s2.name, c)
			}
			for _, g := range genders {
				assert.Equal(t, want.byGender[g], rep.ByGender[g], "%s: %s seats", s2.name, g)
			}
			assert.Equal(t, booths, rep.Coverage.Booths, s2.name)
			assert.Equal(t, booths, rep.Coverage.Complete, "%s: every booth committee complete", s2.name)
			for b := 1 + i; b <= booths; b += 2 {
				booth := unitID[fmt.Sprintf("ZZ-A-1-B%d", b)]
				var com struct {
					Complete bool              `json:"complete"`
					Seats    []json.RawMessage `json:"seats"`
				}
				s2.json(t, http.MethodGet, "/api/v1/units/"+booth+"/committee", s.AccessToken, nil, addr, http.StatusOK, &com)
				assert.Len(t, com.Seats, want.perBooth[booth], "%s: seats of booth %d", s2.name, b)
				assert.True(t, com.Complete, "%s: booth %d complete", s2.name, b)
			}
		}

		// The stored rollups agree with a recount from the rows.
		cmd := exec.Command(bin, "verify")
		cmd.Env = processEnv(t, env, "SANGATHAN_DATA_DIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Equal(t, "no differences\n", string(out))
	})
}

// ownerAndApp makes an empty database with a role that owns the schema and runs the migrations
// and a role the servers run as (README, "Database roles"), and returns their URLs.
func ownerAndApp(t *testing.T) (ownerURL, appURL string) {
	t.Helper()
	ctx := context.Background()
	dbURL := dbtest.URL(t)
	owner, ownerURL := dbtest.Role(t, dbURL)
	_, appURL = dbtest.Role(t, dbURL)
	su, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer su.Close(ctx)
	var name string
	require.NoError(t, su.QueryRow(ctx, "SELECT current_database()").Scan(&name))
	for _, grant := range []string{"GRANT CREATE ON SCHEMA public TO " + owner, `GRANT CREATE ON DATABASE "` + name + `" TO ` + owner} {
		_, err := su.Exec(ctx, grant)
		require.NoError(t, err)
	}
	return ownerURL, appURL
}

type session struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	User         struct {
		ID string `json:"id"`
	} `json:"user"`
}

// loginChallenge logs in with a password on s and returns the challenge of the second step,
// checking that it asks for purpose ("enrol" or "required").
func loginChallenge(t *testing.T, s *server, username, password, addr, purpose string) string {
	t.Helper()
	var c struct {
		SecondFactor string `json:"second_factor"`
		Challenge    string `json:"challenge"`
		AccessToken  string `json:"access_token"`
	}
	s.json(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": username, "password": password}, addr, http.StatusOK, &c)
	require.Equal(t, purpose, c.SecondFactor)
	require.Empty(t, c.AccessToken)
	require.NotEmpty(t, c.Challenge)
	return c.Challenge
}

// buildBinary builds this command into a temporary directory, once per test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sangathan")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// processEnv is this process's environment without any SANGATHAN_ variable, plus env and extra.
func processEnv(t *testing.T, env []string, extra ...string) []string {
	t.Helper()
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SANGATHAN_") {
			out = append(out, kv)
		}
	}
	return append(append(out, env...), extra...)
}

// server is one running `sangathan serve` process.
type server struct {
	name   string
	base   string
	client *http.Client
}

// syncBuffer is a bytes.Buffer safe for the writer goroutine of exec and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServers starts one `sangathan serve` per name, all at once, each with a data directory of
// its own, and waits until each says where it listens. They are stopped when the test ends, and
// what each wrote is shown when the test failed.
func startServers(t *testing.T, bin string, env []string, names ...string) []*server {
	t.Helper()
	addrRe := regexp.MustCompile(`open (http://\S+) in a browser`)
	type started struct {
		i    int
		base string
		err  error
	}
	ready := make(chan started, len(names))
	out := make([]*server, len(names))
	for i, name := range names {
		cmd := exec.Command(bin, "serve")
		cmd.Env = processEnv(t, env, "SANGATHAN_DATA_DIR="+t.TempDir())
		var stdout, stderr syncBuffer
		cmd.Stderr = &stderr
		pr, pw := io.Pipe()
		cmd.Stdout = io.MultiWriter(&stdout, pw)
		require.NoError(t, cmd.Start())
		exited := make(chan error, 1)
		go func() {
			exited <- cmd.Wait()
			pw.Close()
		}()
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("server %s did not stop cleanly: %v", name, err)
				}
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
				t.Errorf("server %s did not stop within 30 s of SIGTERM", name)
			}
			if t.Failed() {
				t.Logf("server %s stdout:\n%s\nserver %s stderr:\n%s", name, stdout.String(), name, stderr.String())
			}
		})
		go func(i int) {
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				if m := addrRe.FindStringSubmatch(sc.Text()); m != nil {
					ready <- started{i: i, base: m[1]}
					_, _ = io.Copy(io.Discard, pr)
					return
				}
			}
			ready <- started{i: i, err: fmt.Errorf("server %s exited before listening", names[i])}
		}(i)
		out[i] = &server{name: name, client: &http.Client{Timeout: 60 * time.Second}}
	}
	timeout := time.After(3 * time.Minute)
	for range names {
		select {
		case s := <-ready:
			require.NoError(t, s.err)
			out[s.i].base = s.base
		case <-timeout:
			t.Fatal("the servers did not start within 3 minutes")
		}
	}
	return out
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// doFull sends one request as the balancer would, with the client's address in X-Forwarded-For.
// It is safe from several goroutines; it reports failures only through its results.
func (s *server) doFull(t *testing.T, method, path, token, contentType string, body []byte, clientAddr string) (int, []byte, http.Header) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.base+path, rd)
	if err != nil {
		return 0, []byte(err.Error()), nil
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if clientAddr != "" {
		req.Header.Set("X-Forwarded-For", clientAddr)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, []byte(err.Error()), nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func (s *server) doRaw(t *testing.T, method, path, token, contentType string, body []byte, clientAddr string) (int, []byte) {
	st, b, _ := s.doFull(t, method, path, token, contentType, body, clientAddr)
	return st, b
}

func (s *server) do(t *testing.T, method, path, token string, body any, clientAddr string) (int, []byte) {
	ct := ""
	if body != nil {
		ct = "application/json"
	}
	return s.doRaw(t, method, path, token, ct, mustJSON(t, body), clientAddr)
}

// expect sends a request and checks its status.
func (s *server) expect(t *testing.T, method, path, token string, body any, clientAddr string, want int) {
	t.Helper()
	st, b := s.do(t, method, path, token, body, clientAddr)
	require.Equal(t, want, st, "%s %s on %s: %s", method, path, s.name, b)
}

// json sends a request, checks its status and decodes the answer into out.
func (s *server) json(t *testing.T, method, path, token string, body any, clientAddr string, want int, out any) {
	t.Helper()
	st, b := s.do(t, method, path, token, body, clientAddr)
	require.Equal(t, want, st, "%s %s on %s: %s", method, path, s.name, b)
	require.NoError(t, json.Unmarshal(b, out), "%s %s on %s", method, path, s.name)
}

// startsAtOnce opens n apps on the configured database, as n processes starting together, runs
// step on each at the same moment and returns what each wrote and the error each returned.
func startsAtOnce(t *testing.T, n int, step func(a *app, out io.Writer) error) (apps []*app, outs []string, errs []error) {
	t.Helper()
	apps = make([]*app, n)
	for i := range apps {
		a, err := openApp(context.Background(), loadConfig())
		require.NoError(t, err)
		t.Cleanup(func() { a.Close() })
		apps[i] = a
	}
	bufs := make([]bytes.Buffer, n)
	errs = make([]error, n)
	var wg sync.WaitGroup
	for i, a := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = step(a, &bufs[i])
		}()
	}
	wg.Wait()
	outs = make([]string, n)
	for i := range bufs {
		outs[i] = bufs[i].String()
	}
	return apps, outs, errs
}

// TestFirstAdminFromSeveralProcessesAtOnce: processes started together on an empty database all
// find no account and make the first admin; one makes it and the others go on without it,
// rather than failing to start over the name they lost.
func TestFirstAdminFromSeveralProcessesAtOnce(t *testing.T) {
	setup(t)
	t.Setenv("SANGATHAN_ADMIN_PASSWORD", "first-admin-password")
	ctx := context.Background()
	apps, outs, errs := startsAtOnce(t, 4, func(a *app, out io.Writer) error { return a.bootstrapAdmin(ctx, out) })
	made := 0
	for i := range apps {
		assert.NoError(t, errs[i], "start %d", i)
		if strings.Contains(outs[i], "Created user admin") {
			made++
		}
	}
	assert.Equal(t, 1, made, "one start makes the admin")
	n, err := apps[0].Users.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
}

// TestDemoFromSeveralProcessesAtOnce: processes started together with --demo on an empty
// PostgreSQL database all find no units; one loads the demo data and the others, waiting for it,
// find it there and load nothing, rather than failing to start over the codes they lost.
func TestDemoFromSeveralProcessesAtOnce(t *testing.T) {
	dbtest.NeedPostgres(t, "several processes share one database only there")
	setup(t)
	ctx := context.Background()
	apps, outs, errs := startsAtOnce(t, 3, func(a *app, out io.Writer) error { return a.loadDemo(ctx, out) })
	loaded := 0
	for i := range apps {
		require.NoError(t, errs[i], "start %d", i)
		if strings.Contains(outs[i], "Loaded demo data") {
			loaded++
		}
	}
	assert.Equal(t, 1, loaded, "one start loads the demo data")
	out, err := runCmd(t, "verify")
	require.NoError(t, err, out)
}
