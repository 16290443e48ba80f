package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/demodata"
)

// setup points the binary at a fresh data directory and, when tests run on PostgreSQL, a fresh
// database.
func setup(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("SANGATHAN_DATA_DIR", dir)
	t.Setenv("SANGATHAN_DATABASE_URL", dbtest.URL(t))
	t.Setenv("SANGATHAN_JWT_SECRET", "")
	t.Setenv("SANGATHAN_ADMIN_PASSWORD", "")
	t.Setenv("SANGATHAN_ADDR", "127.0.0.1:0")
	return dir
}

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String(), err
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func TestImportThenExportRoundTrips(t *testing.T) {
	setup(t)
	units := writeFile(t, "units.csv", mustRead(t, demodata.Units()))
	out, err := runCmd(t, "import", "units", units)
	require.NoError(t, err, out)
	assert.Contains(t, out, "inserted 559, updated 0")

	out, err = runCmd(t, "export", "units", "--under", "UP-LUCKNOW")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	// Lucknow district and its 9 assemblies.
	require.Len(t, lines, 1+1+9)
	assert.True(t, strings.HasPrefix(lines[0], "level,code,name,name_hi,parent_code"))
	assert.Contains(t, lines[1], "district,UP-LUCKNOW,Lucknow,लखनऊ,UP,")

	// The same file again updates every row and inserts none.
	out, err = runCmd(t, "import", "units", units)
	require.NoError(t, err, out)
	assert.Contains(t, out, "inserted 0, updated 559")

	full := filepath.Join(t.TempDir(), "all.csv")
	_, err = runCmd(t, "export", "units", "--out", full)
	require.NoError(t, err)
	b, err := os.ReadFile(full)
	require.NoError(t, err)
	assert.Equal(t, 1+559, strings.Count(string(b), "\n"))
}

func TestImportRefusesABadFileAndWritesNothing(t *testing.T) {
	setup(t)
	bad := writeFile(t, "bad.csv", "level,code,name,parent_code\nstate,ZZ,Zedland,\ndistrict,ZZ-A,Alpha,ZZ\ndistrict,ZZ-B,Beta,NOPE\n")
	out, err := runCmd(t, "import", "units", bad)
	require.Error(t, err)
	assert.Contains(t, out, "line 4: parent_code: no unit with this code")

	out, err = runCmd(t, "export", "units")
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(out, "\n"), "only the header: nothing was written")

	out, err = runCmd(t, "import", "units", bad, "--mode", "valid_rows")
	require.NoError(t, err, out)
	assert.Contains(t, out, "inserted 2, updated 0, 1 rows with errors")
}

func TestUserCreate(t *testing.T) {
	setup(t)
	_, err := runCmd(t, "import", "units", writeFile(t, "u.csv", "level,code,name,parent_code\nstate,ZZ,Zedland,\ndistrict,ZZ-A,Alpha,ZZ\n"))
	require.NoError(t, err)

	out, err := runCmd(t, "user", "create", "--username", "coord.alpha", "--password", "a-long-password", "--role", "district_coordinator", "--scope", "ZZ-A")
	require.NoError(t, err, out)
	assert.Contains(t, out, "created user coord.alpha")

	_, err = runCmd(t, "user", "create", "--username", "coord.alpha", "--password", "a-long-password", "--role", "district_coordinator", "--scope", "ZZ-A")
	assert.ErrorContains(t, err, "taken")
	_, err = runCmd(t, "user", "create", "--username", "state.one", "--password", "a-long-password", "--role", "state_office", "--scope", "ZZ-A")
	assert.ErrorContains(t, err, "scope", "a state office account needs a state as its scope")
	_, err = runCmd(t, "user", "create", "--username", "x", "--password", "short", "--role", "viewer", "--scope", "ZZ")
	assert.Error(t, err)
}

func TestMigrateStatus(t *testing.T) {
	setup(t)
	out, err := runCmd(t, "migrate", "status")
	require.NoError(t, err)
	assert.Regexp(t, `00001\s+applied\s+00001_foundation.sql`, out)
}

func TestUnknownCommandIsUsageError(t *testing.T) {
	_, err := runCmd(t, "frobnicate")
	assert.ErrorIs(t, err, errUsage)
}

func TestJWTSecretIsGeneratedOnceAndKeptPrivate(t *testing.T) {
	dir := t.TempDir()
	c := config{DataDir: dir}
	s1, generated, err := jwtSecret(c)
	require.NoError(t, err)
	assert.True(t, generated)
	s2, _, err := jwtSecret(c)
	require.NoError(t, err)
	assert.Equal(t, s1, s2)
	assert.GreaterOrEqual(t, len(s1), 32)
	fi, err := os.Stat(filepath.Join(dir, "jwt-secret"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	s3, generated, err := jwtSecret(config{DataDir: dir, JWTSecret: strings.Repeat("x", 32)})
	require.NoError(t, err)
	assert.False(t, generated, "a configured key is not generated")
	assert.Equal(t, strings.Repeat("x", 32), string(s3))
	_, _, err = jwtSecret(config{DataDir: dir, JWTSecret: "too-short"})
	assert.Error(t, err)
}

// TestServeDemoAndShutDown starts the real server with demo data, logs in as the first admin
// with the printed password, reads the tree, and stops it the way SIGTERM does.
func TestServeDemoAndShutDown(t *testing.T) {
	setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo"}, pw, io.Discard)
		pw.Close()
	}()

	var password, base string
	sc := bufio.NewScanner(pr)
	pwRe := regexp.MustCompile(`Created user admin with password (\S+)`)
	addrRe := regexp.MustCompile(`open (http://\S+) in a browser`)
	var printed strings.Builder
	for base == "" && sc.Scan() {
		line := sc.Text()
		printed.WriteString(line + "\n")
		if m := pwRe.FindStringSubmatch(line); m != nil {
			password = m[1]
		}
		if m := addrRe.FindStringSubmatch(line); m != nil {
			base = m[1]
		}
		assert.NotContains(t, line, "error")
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.NotEmpty(t, base, "the server printed where to log in")
	require.NotEmpty(t, password, "the first admin's password was printed")

	client := &http.Client{Timeout: 10 * time.Second}
	body := strings.NewReader(`{"username":"admin","password":"` + password + `"}`)
	resp, err := client.Post(base+"/api/v1/auth/login", "application/json", body)
	require.NoError(t, err)
	var session struct {
		AccessToken  string `json:"access_token"`
		SecondFactor string `json:"second_factor"`
		Challenge    string `json:"challenge"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&session))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	// An administrator must use two-step verification: the first login enrols.
	require.Equal(t, "enrol", session.SecondFactor)
	require.Empty(t, session.AccessToken)
	session.AccessToken = enrolDuringLogin(t, client, base, session.Challenge)

	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/units?level=district&limit=500", nil)
	req.Header.Set("Authorization", "Bearer "+session.AccessToken)
	resp, err = client.Do(req)
	require.NoError(t, err)
	var list struct {
		Items []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	resp.Body.Close()
	assert.Len(t, list.Items, 75, "every district of Uttar Pradesh")

	// The party itself is there for the seat sharing.
	req, _ = http.NewRequest(http.MethodGet, base+"/api/v1/parties", nil)
	req.Header.Set("Authorization", "Bearer "+session.AccessToken)
	resp, err = client.Do(req)
	require.NoError(t, err)
	var parties struct {
		Items []struct {
			IsOwn bool `json:"is_own"`
		} `json:"items"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&parties))
	resp.Body.Close()
	require.Len(t, parties.Items, 1, "the demo holds the party's own row")
	assert.True(t, parties.Items[0].IsOwn)

	// Each demo account printed at start logs in with its role and scope.
	for _, d := range demoAccounts {
		assert.Contains(t, printed.String(), d.username)
		pw := regexp.MustCompile(regexp.QuoteMeta(d.username) + `\s.*password (\S+)`).FindStringSubmatch(printed.String())
		require.NotNil(t, pw, "password of %s printed", d.username)
		resp, err := client.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"`+d.username+`","password":"`+pw[1]+`"}`))
		require.NoError(t, err)
		var ses struct {
			User struct {
				Role string `json:"role"`
			} `json:"user"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&ses))
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, d.username)
		assert.Equal(t, string(d.role), ses.User.Role)
	}

	resp, err = client.Get(base + "/")
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(page), "संगठन")

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err, "a signal ends the server cleanly")
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not shut down")
	}
}

func mustRead(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}

// TestDemoPasswordsOnlyAtFirstStart: the demo accounts' passwords are printed when the accounts
// are made and never again (a later start names them and the command that sets a new one), and
// `sangathan user password` sets a new password that logs in while the old one no longer does.
func TestDemoPasswordsOnlyAtFirstStart(t *testing.T) {
	setup(t)
	_, err := runCmd(t, "import", "units", writeFile(t, "u.csv", "level,code,name,parent_code\n"+
		"state,UP,Uttar Pradesh,\ndistrict,UP-LUCKNOW,Lucknow,UP\ndistrict,UP-VARANASI,Varanasi,UP\n"+
		"assembly,UP-AC-173,Lucknow West,UP-LUCKNOW\nbooth,UP-AC-173-PS-0001,Booth 1,UP-AC-173\n"))
	require.NoError(t, err)
	ctx := context.Background()
	a, err := openApp(ctx, loadConfig())
	require.NoError(t, err)
	defer a.Close()

	var first, second bytes.Buffer
	require.NoError(t, a.demoAccounts(ctx, &first))
	require.NoError(t, a.demoAccounts(ctx, &second))
	pwRe := regexp.MustCompile(`(?m)^\s+up\.viewer\s.*password (\S+)$`)
	m := pwRe.FindStringSubmatch(first.String())
	require.NotNil(t, m, "the first start prints the passwords:\n%s", first.String())
	for _, d := range demoAccounts {
		assert.Contains(t, first.String(), d.username)
		assert.Contains(t, second.String(), d.username, "a later start names the accounts")
	}
	assert.NotRegexp(t, `password [A-Za-z0-9]{16}`, second.String(), "a later start prints no password")
	assert.NotContains(t, second.String(), m[1])
	assert.Contains(t, second.String(), "sangathan user password")

	_, err = a.Auth.Login(ctx, "up.viewer", m[1], "192.0.2.1")
	require.NoError(t, err, "the printed password logs in")

	out, err := runCmd(t, "user", "password", "--username", "up.viewer")
	require.NoError(t, err, out)
	np := regexp.MustCompile(`New password of up\.viewer: (\S+)`).FindStringSubmatch(out)
	require.NotNil(t, np, out)
	_, err = a.Auth.Login(ctx, "up.viewer", np[1], "192.0.2.1")
	assert.NoError(t, err, "the new password logs in")
	_, err = a.Auth.Login(ctx, "up.viewer", m[1], "192.0.2.1")
	assert.Error(t, err, "the old password no longer does")

	out, err = runCmd(t, "user", "password", "--username", "nobody.here")
	assert.Error(t, err, out)
	out, err = runCmd(t, "user", "password", "--username", "up.viewer", "--password", "short")
	assert.Error(t, err)
	assert.Contains(t, out, "password")
}

func TestImportAndExportPeople(t *testing.T) {
	setup(t)
	out, err := runCmd(t, "import", "units", writeFile(t, "units.csv", "level,code,name,name_hi,parent_code\n"+
		"state,ZZ,Zedland,ज़ेडलैंड,\ndistrict,ZZ-A,Alpha,,ZZ\nassembly,ZZ-A-1,Alpha One,,ZZ-A\nbooth,ZZ-A-1-B1,Booth 1,,ZZ-A-1\n"))
	require.NoError(t, err, out)
	const header = "name,name_hi,gender,birth_year,phone,voter_id,category,religion,caste,home_unit_code,committee_unit_code,position\n"

	// A bad file is refused whole, each bad row named by its line (the header is line 1).
	bad := writeFile(t, "bad.csv", header+
		"Good Row,,female,,,,SC,,,ZZ-A-1-B1,,\n"+
		"Bad Gender,,x,,,,SC,,,ZZ-A-1-B1,,\n"+
		"Bad Home,,male,,,,GEN,,,NOPE,,\n")
	out, err = runCmd(t, "import", "people", bad)
	require.Error(t, err)
	assert.Contains(t, out, "line 3: gender: ")
	assert.Contains(t, out, "line 4: home_unit_code: no unit with this code")
	out, err = runCmd(t, "export", "people")
	require.NoError(t, err)
	assert.Equal(t, header, out, "only the header: nothing was written")

	people := writeFile(t, "people.csv", header+
		"Sunita Devi,सुनीता देवी,female,1975,98765 43210,abc1234567,SC,hindu,जाटव,ZZ-A-1-B1,ZZ-A-1-B1,president\n"+
		"Ramesh Singh,रमेश सिंह,male,1980,,ABC7654321,GEN,,,ZZ-A-1-B1,ZZ-A-1,general_secretary\n"+
		"No Seat,,other,,,,OBC,,,ZZ-A,,\n")
	out, err = runCmd(t, "import", "people", people)
	require.NoError(t, err, out)
	assert.Contains(t, out, "inserted 3, updated 0, seated 2, 0 rows with errors")

	out, err = runCmd(t, "export", "people")
	require.NoError(t, err)
	assert.Equal(t, header+ // the phone's apostrophe keeps spreadsheets from reading + as a formula
		"Sunita Devi,सुनीता देवी,female,1975,'+919876543210,ABC1234567,SC,hindu,जाटव,ZZ-A-1-B1,ZZ-A-1-B1,president\n"+
		"Ramesh Singh,रमेश सिंह,male,1980,,ABC7654321,GEN,,,ZZ-A-1-B1,ZZ-A-1,general_secretary\n"+
		"No Seat,,other,,,,OBC,,,ZZ-A,,\n", out)

	full := filepath.Join(t.TempDir(), "people-out.csv")
	_, err = runCmd(t, "export", "people", "--under", "ZZ-A-1-B1", "--out", full)
	require.NoError(t, err)
	b, err := os.ReadFile(full)
	require.NoError(t, err)
	assert.Equal(t, 1+2, strings.Count(string(b), "\n"), "the booth's two people")

	// The export back into the same database changes nothing: its people are as stored and
	// hold those seats already. Another position on a committee a person sits on is refused.
	out, err = runCmd(t, "import", "people", full)
	require.NoError(t, err, out)
	assert.Contains(t, out, "inserted 0, updated 2, seated 0, 0 rows with errors")
	other := writeFile(t, "other.csv", header+"Sunita Devi,सुनीता देवी,female,1975,,ABC1234567,SC,hindu,जाटव,ZZ-A-1-B1,ZZ-A-1-B1,member\n")
	out, err = runCmd(t, "import", "people", other)
	require.Error(t, err)
	assert.Contains(t, out, "line 2: committee_unit_code: the person already sits on this committee")
	out, err = runCmd(t, "import", "people", other, "--mode", "valid_rows")
	require.NoError(t, err, out)
	assert.Contains(t, out, "inserted 0, updated 0, seated 0, 1 rows with errors")
}

// enrolDuringLogin finishes a login whose challenge asks to enrol in two-step verification, with
// a code computed from the secret the server answers, and returns the access token.
func enrolDuringLogin(t *testing.T, client *http.Client, base, challenge string) string {
	t.Helper()
	post := func(path string, body any, out any) {
		b, _ := json.Marshal(body)
		resp, err := client.Post(base+path, "application/json", bytes.NewReader(b))
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
	var e struct {
		Secret string `json:"secret"`
		QR     string `json:"qr"`
	}
	post("/api/v1/auth/login/enrol", map[string]string{"challenge": challenge}, &e)
	require.True(t, strings.HasPrefix(e.QR, "data:image/png;base64,"))
	code, err := totp.GenerateCode(e.Secret, time.Now())
	require.NoError(t, err)
	var ses struct {
		AccessToken   string   `json:"access_token"`
		RecoveryCodes []string `json:"recovery_codes"`
	}
	post("/api/v1/auth/login/second-factor", map[string]string{"challenge": challenge, "code": code}, &ses)
	require.Len(t, ses.RecoveryCodes, 10)
	return ses.AccessToken
}
