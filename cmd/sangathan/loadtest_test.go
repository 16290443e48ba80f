package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/api"
	"github.com/sangathan/sangathan/database"
	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/demodata"
	"github.com/sangathan/sangathan/loadtest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// loadtestDistricts are two of the smallest districts: their booths and some committees load in
// a few seconds on SQLite.
var loadtestDistricts = []string{"UP-MAHOBA", "UP-SHRAWASTI"}

const loadtestPassword = "loadtest-password-0123"

// loadtestServer is the real router over real services on a fresh database holding Uttar
// Pradesh, the booths of loadtestDistricts with about a quarter of their committees filled, and
// the accounts of the seed's contract: up.office and <district>.coord, one password for all.
type loadtestServer struct {
	db   *database.DB
	url  string // the database's, on PostgreSQL; "" on SQLite
	set  *services.Set
	base string
}

func newLoadtestServer(t *testing.T) *loadtestServer {
	t.Helper()
	ctx := context.Background()
	s := &loadtestServer{url: dbtest.URL(t)}
	if s.url != "" {
		// A database of its own whose URL the bare-SQL baseline can reach.
		db, err := database.Open(ctx, database.Options{URL: s.url})
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		_, err = db.Migrate(ctx)
		require.NoError(t, err)
		s.db = db
	} else {
		s.db = dbtest.New(t)
	}
	set := s.services(t)
	s.set = set
	_, err := set.Imports.Units(ctx, services.System, demodata.Units(), services.AllOrNothing)
	require.NoError(t, err)
	booths, err := demodata.BoothsOf(loadtestDistricts...)
	require.NoError(t, err)
	_, err = set.Imports.Units(ctx, services.System, booths, services.AllOrNothing)
	require.NoError(t, err)
	people, err := demodata.Committees(0.25, 7, loadtestDistricts...)
	require.NoError(t, err)
	_, err = set.Imports.People(ctx, services.System, people, services.AllOrNothing)
	require.NoError(t, err)

	account := func(name string, role models.Role, scope string) {
		u, err := set.Units.UnitByCode(ctx, services.System, scope)
		require.NoError(t, err)
		_, err = set.Users.Create(ctx, services.System, services.UserInput{Username: name, Password: loadtestPassword, Role: role, ScopeUnitID: &u.ID})
		require.NoError(t, err)
	}
	account("up.office", models.RoleStateOffice, "UP")
	account("up.viewer", models.RoleViewer, "UP")
	for _, d := range loadtestDistricts {
		account(strings.ToLower(strings.TrimPrefix(d, "UP-"))+".coord", models.RoleDistrictCoordinator, d)
	}

	s.base, _ = s.serve(t, set)
	return s
}

// services are the services of one server process over the test's database.
func (s *loadtestServer) services(t *testing.T) *services.Set {
	t.Helper()
	set, err := services.NewSet(s.db.DB, services.SystemClock, services.AuthConfig{
		Secret: []byte("loadtest-smoke-test-hs256-key-0123456789"), BcryptCost: bcrypt.MinCost,
		// The load tool's clients share up.office and log in at once, which two-step verification
		// (one code per 30-second step) does not allow: a load-test server runs with
		// SANGATHAN_2FA_ROLES=none, as the README says.
		SecondFactorRoles: []models.Role{}})
	require.NoError(t, err)
	return set
}

// serve starts the router over set and returns its URL and the count of the API requests it
// has answered.
func (s *loadtestServer) serve(t *testing.T, set *services.Set) (string, *atomic.Int64) {
	t.Helper()
	srv, err := api.New(api.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: s.db, Set: set})
	require.NoError(t, err)
	served := new(atomic.Int64)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			served.Add(1)
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL, served
}

// currentSeats counts the seats that have not ended, and those that have.
func (s *loadtestServer) seats(t *testing.T) (current, ended int64) {
	t.Helper()
	require.NoError(t, s.db.Model(&models.Seat{}).Where("ended_at IS NULL").Count(&current).Error)
	require.NoError(t, s.db.Model(&models.Seat{}).Where("ended_at IS NOT NULL").Count(&ended).Error)
	return current, ended
}

// TestLoadtestSmoke runs `sangathan loadtest` briefly with the mixed preset against a server in
// this process, as the seed's accounts, for a fixed number of requests, and checks the run, not its speed: no errors, every
// endpoint of the mix called, a report that parses, seats really taken and ended, rollups that
// still add up, and on PostgreSQL the bare-SQL baseline for every read endpoint.
func TestLoadtestSmoke(t *testing.T) {
	s := newLoadtestServer(t)
	before, _ := s.seats(t)

	args := []string{"loadtest", "--url", s.base, "--password", loadtestPassword, "--clients", "6",
		"--requests", "1200", "--duration", "2m", "--warmup", "200ms", "--mix", "mixed", "--seed", "3",
		"--server-pid", strconv.Itoa(os.Getpid()), "--json"}
	if s.url != "" {
		args = append(args, "--baseline-db", s.url, "--baseline-conns", "4")
	}
	var out, progress bytes.Buffer
	require.NoError(t, run(context.Background(), args, &out, &progress), progress.String())

	var rep loadtest.Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep), out.String())
	assert.Zero(t, rep.Total.Errors, "errors: %v", rep.ErrorSamples)
	assert.Zero(t, rep.WarmupErrors, "errors: %v", rep.ErrorSamples)
	assert.Equal(t, 6, rep.Clients)
	assert.Equal(t, 1, rep.StateClients)
	assert.ElementsMatch(t, loadtestDistricts, rep.Districts, "both seeded coordinators took part")
	assert.Positive(t, rep.Total.Count)
	assert.Equal(t, int64(1200), rep.Total.Count, "bounded by the requests, not the time: the test gates no speed")
	called := map[string]loadtest.EndpointReport{}
	for _, e := range rep.Endpoints {
		called[e.Name] = e
	}
	for name, w := range rep.Weights {
		// A login is one request in a thousand: a short run may not draw one (TestLoadtestLogins).
		if w >= 10 {
			assert.Positive(t, called[name].Count, "%s was called", name)
		}
	}
	assert.Contains(t, progress.String(), "requests", "a progress line on stderr")
	require.NotNil(t, rep.Memory)
	assert.Positive(t, rep.Memory.PeakRSSBytes, "memory read from /proc")

	// The writes happened: seats taken and ended (by the run, then by its cleanup), people created.
	assert.Positive(t, rep.Writes.Seated)
	assert.Positive(t, rep.Writes.Unseated)
	assert.Equal(t, rep.Writes.Seated, rep.Writes.Unseated+rep.Writes.CleanedUp, "every seat taken was ended again")
	after, ended := s.seats(t)
	assert.Equal(t, before, after, "the cleanup left the committees as they were")
	assert.Equal(t, rep.Writes.Seated, ended, "each seat the run took is in the history")
	var byCoordinators int64
	require.NoError(t, s.db.Model(&models.Seat{}).Joins("JOIN users ON users.id = seats.created_by").
		Where("users.role = ?", models.RoleDistrictCoordinator).Count(&byCoordinators).Error)
	assert.Positive(t, byCoordinators, "coordinators seated people")

	if s.url != "" {
		require.NotNil(t, rep.Baseline)
		for _, e := range rep.Endpoints {
			if e.Kind == loadtest.KindRead {
				if assert.NotNil(t, e.Bare, "bare SQL of %s", e.Name) {
					assert.Positive(t, e.Bare.Count, e.Name)
					assert.Zero(t, e.Bare.Errors, "bare SQL of %s: %v", e.Name, rep.Baseline.ErrorSamples)
					assert.Positive(t, e.Bare.Ratio.P50, e.Name)
				}
			}
		}
	}

	diffs, err := services.NewVerifier(s.db.DB, services.SystemClock).Check(context.Background(), services.System)
	require.NoError(t, err)
	assert.Empty(t, diffs, "rollups and paths still match a recount")
}

// TestLoadtestLogins: with an accounts file (as `serve --demo` prints them) the roles decide who
// does what, accounts of other roles are set aside, logins in the mix succeed, and the text report
// names every endpoint.
func TestLoadtestLogins(t *testing.T) {
	s := newLoadtestServer(t)
	accounts := filepath.Join(t.TempDir(), "accounts.txt")
	require.NoError(t, os.WriteFile(accounts, []byte("# username password\nup.office "+loadtestPassword+"\nmahoba.coord "+loadtestPassword+
		"\nup.viewer "+loadtestPassword+"\n"), 0o600))
	var out, progress bytes.Buffer
	err := run(context.Background(), []string{"loadtest", "--url", s.base, "--accounts", accounts, "--clients", "3",
		"--requests", "60", "--duration", "0", "--warmup", "0s", "--mix", "login=1,me=1,unit=1", "--quiet"}, &out, &progress)
	require.NoError(t, err, progress.String())
	text := out.String()
	assert.Contains(t, text, "req/s, 0 errors")
	assert.Contains(t, text, "skipped: up.viewer: role viewer is not in the mix")
	assert.Regexp(t, `(?m)^\s+login\s+[1-9]\d*\s`, text, "logins were made and succeeded")
	assert.Regexp(t, `(?m)^\s+total\s+60\s`, text, "exactly the requests asked for")
	assert.Empty(t, progress.String(), "--quiet")

	_, err = runCmd(t, "loadtest", "--url", s.base, "--mix", "nonsense", "--password", "x")
	assert.ErrorIs(t, err, errUsage)
	_, err = runCmd(t, "loadtest", "--url", s.base)
	assert.ErrorIs(t, err, errUsage, "neither --password nor --accounts")
}

// TestLoadtestRepresentationAndWriters: the state office alone reads the state's representation
// (--state-share 1, the representation preset), with the raw scans timed on PostgreSQL; writers
// each in a district of their own, then all in one assembly, seat and unseat without errors.
func TestLoadtestRepresentationAndWriters(t *testing.T) {
	s := newLoadtestServer(t)
	args := []string{"loadtest", "--url", s.base, "--password", loadtestPassword, "--clients", "2", "--state-share", "1",
		"--requests", "80", "--duration", "0", "--warmup", "0s", "--mix", "representation", "--quiet", "--json"}
	if s.url != "" {
		args = append(args, "--baseline-db", s.url, "--baseline-conns", "2", "--raw-runs", "3")
	}
	var out, progress bytes.Buffer
	require.NoError(t, run(context.Background(), args, &out, &progress), progress.String())
	var rep loadtest.Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep), out.String())
	assert.Zero(t, rep.Total.Errors, "errors: %v", rep.ErrorSamples)
	assert.Equal(t, 2, rep.StateClients)
	assert.Empty(t, rep.Districts, "no coordinator")
	for _, e := range rep.Endpoints {
		assert.Positive(t, e.Count, e.Name)
		if s.url != "" {
			if assert.NotNil(t, e.Raw, "raw scan of %s", e.Name) {
				assert.Equal(t, int64(3), e.Raw.Count, e.Name)
				assert.Zero(t, e.Raw.Errors, e.Name)
			}
			if assert.NotNil(t, e.Bare, "bare SQL of %s", e.Name) {
				assert.Zero(t, e.Bare.Errors, "bare SQL of %s: %v", e.Name, rep.Baseline.ErrorSamples)
			}
		}
	}
	_, err := runCmd(t, "loadtest", "--url", s.base, "--password", loadtestPassword, "--clients", "2", "--state-share", "1",
		"--requests", "10", "--mix", "gaps=1", "--quiet")
	assert.ErrorContains(t, err, "gaps needs a district", "the state office alone has no district to find gaps in")

	before, _ := s.seats(t)
	for _, where := range []string{loadtest.WritersDistricts, loadtest.WritersAssembly} {
		var lastSeat int64
		require.NoError(t, s.db.Model(&models.Seat{}).Select("COALESCE(max(id), 0)").Scan(&lastSeat).Error)
		out.Reset()
		require.NoError(t, run(context.Background(), []string{"loadtest", "--url", s.base, "--password", loadtestPassword, "--clients", "2",
			"--requests", "60", "--duration", "0", "--warmup", "0s", "--mix", "seat=1,unseat=1", "--writers-in", where, "--quiet", "--json"}, &out, &progress))
		var rep loadtest.Report
		require.NoError(t, json.Unmarshal(out.Bytes(), &rep), out.String())
		assert.Zero(t, rep.Total.Errors, "%s: %v", where, rep.ErrorSamples)
		assert.Zero(t, rep.StateClients, where)
		assert.Positive(t, rep.Writes.Seated, where)
		if where == loadtest.WritersDistricts {
			assert.ElementsMatch(t, loadtestDistricts, rep.Districts, "each client in a district of its own")
		} else {
			assert.Len(t, rep.Districts, 1)
			assert.NotEmpty(t, rep.Assembly)
			var inside, all int64
			require.NoError(t, s.db.Model(&models.Seat{}).Where("seats.id > ?", lastSeat).Count(&all).Error)
			require.NoError(t, s.db.Model(&models.Seat{}).Joins("JOIN units b ON b.id = seats.unit_id").
				Joins("JOIN units a ON a.code = ? AND b.path LIKE a.path || '%'", rep.Assembly).
				Where("seats.id > ?", lastSeat).Count(&inside).Error)
			assert.Positive(t, all)
			assert.Equal(t, all, inside, "every seat the run took lies in assembly %s", rep.Assembly)
		}
	}
	_, err = runCmd(t, "loadtest", "--url", s.base, "--password", loadtestPassword, "--clients", "3",
		"--requests", "10", "--mix", "seat=1", "--writers-in", loadtest.WritersDistricts, "--quiet")
	assert.ErrorContains(t, err, "only 2 districts", "three writers need three districts")
	after, _ := s.seats(t)
	assert.Equal(t, before, after, "the cleanup left the committees as they were")
}

// TestLoadtestTwoServers: `--url A,B` with two servers on one database, each with services of its
// own as a second process would have (the same signing secret), splits the clients between them —
// each server answers its share of the mixed load, logins included — without errors, and
// `--server-pid P,P` reports the memory of both and their sum. `loadtest compare` puts the run
// beside a one-server run.
func TestLoadtestTwoServers(t *testing.T) {
	s := newLoadtestServer(t)
	a, servedA := s.serve(t, s.services(t))
	b, servedB := s.serve(t, s.services(t))
	pid := strconv.Itoa(os.Getpid())
	dir := t.TempDir()
	report := func(name string, args ...string) loadtest.Report {
		var out, progress bytes.Buffer
		require.NoError(t, run(context.Background(), append([]string{"loadtest", "--password", loadtestPassword, "--clients", "6",
			"--requests", "600", "--duration", "0", "--warmup", "0s", "--mix", "mixed", "--seed", "5", "--quiet", "--json"}, args...), &out, &progress), progress.String())
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), out.Bytes(), 0o600))
		var rep loadtest.Report
		require.NoError(t, json.Unmarshal(out.Bytes(), &rep), out.String())
		assert.Zero(t, rep.Total.Errors, "%s: %v", name, rep.ErrorSamples)
		return rep
	}

	one := report("one.json", "--url", a, "--server-pid", pid)
	require.Len(t, one.Servers, 1)
	assert.Equal(t, int64(600), one.Servers[0].Requests)
	assert.Empty(t, one.Memory.Processes, "one server: no breakdown")
	beforeA, beforeB := servedA.Load(), servedB.Load()
	assert.Zero(t, beforeB, "the second server was not asked yet")

	two := report("two.json", "--url", a+", "+b, "--server-pid", pid+","+pid)
	require.Len(t, two.Servers, 2)
	assert.Equal(t, []string{a, b}, []string{two.Servers[0].URL, two.Servers[1].URL})
	assert.Equal(t, 3, two.Servers[0].Clients)
	assert.Equal(t, 3, two.Servers[1].Clients)
	assert.Equal(t, int64(600), two.Servers[0].Requests+two.Servers[1].Requests)
	assert.Positive(t, two.Servers[0].Requests)
	assert.Positive(t, two.Servers[1].Requests)
	// Each server answered at least its clients' measured requests (and the logins, the
	// discovery on the first, the cleanup of its clients' seats).
	assert.GreaterOrEqual(t, servedA.Load()-beforeA, two.Servers[0].Requests)
	assert.GreaterOrEqual(t, servedB.Load()-beforeB, two.Servers[1].Requests)
	require.Len(t, two.Memory.Processes, 2)
	assert.Equal(t, pid, two.Memory.Processes[1].Of)
	assert.Greater(t, two.Memory.PeakRSSBytes, two.Memory.Processes[0].PeakRSSBytes, "the sum of both")

	out, err := runCmd(t, "loadtest", "compare", "one server="+filepath.Join(dir, "one.json"), "two servers="+filepath.Join(dir, "two.json"))
	require.NoError(t, err)
	assert.Regexp(t, `\| one server \| 1 \| 6 \| \d+ \|`, out)
	assert.Regexp(t, `\| two servers \| 2 \| 6 \| \d+ \|`, out)
	_, err = runCmd(t, "loadtest", "--url", a, "--password", "x", "--server-pid", "12,x")
	assert.ErrorIs(t, err, errUsage)
	_, err = runCmd(t, "loadtest", "compare", "nolabel.json")
	assert.ErrorIs(t, err, errUsage)

	diffs, err := services.NewVerifier(s.db.DB, services.SystemClock).Check(context.Background(), services.System)
	require.NoError(t, err)
	assert.Empty(t, diffs, "rollups and paths still match a recount after writes through both servers")
}
