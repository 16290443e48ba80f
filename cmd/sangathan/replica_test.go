package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/database/dbtest"
)

// TestReadReplica runs the server on PostgreSQL with a real streaming replica (pg_basebackup -R
// of the test cluster, on a port of its own) and shows, through the API:
//   - a reader's GETs are answered by the replica: with its replay paused, a figure another user
//     just wrote is not there yet for the reader, while the writer sees their own write at once
//     (read-your-writes: their reads go to the primary until the replica has replayed it);
//   - once replay goes on, the reader reads the figure back;
//   - a replica further behind than SANGATHAN_READ_MAX_LAG is left: reads go to the primary and
//     /readyz says "lagging" (still 200);
//   - a stopped replica fails no read: the reads go to the primary, /readyz says "down" (200),
//     the lag metric says unknown; restarted, it serves again;
//   - sangathan verify finds the database sound afterwards.
func TestReadReplica(t *testing.T) {
	dbtest.NeedPostgres(t, "the read replica is a PostgreSQL standby")
	setup(t)
	primaryURL := os.Getenv("SANGATHAN_DATABASE_URL")
	rep := dbtest.StartReplica(t)
	const lagBound = 8 * time.Second
	t.Setenv("SANGATHAN_READ_DATABASE_URL", rep.URL(dbtest.DatabaseName(primaryURL)))
	t.Setenv("SANGATHAN_READ_MAX_LAG", lagBound.String())
	t.Setenv("SANGATHAN_2FA_ROLES", "none")
	t.Setenv("SANGATHAN_ADMIN_PASSWORD", "replica-test-admin-pass")

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	base := ""
	sc := bufio.NewScanner(pr)
	addrRe := regexp.MustCompile(`open (http://\S+) in a browser`)
	sawReplica := false
	for base == "" && sc.Scan() {
		sawReplica = sawReplica || strings.Contains(sc.Text(), "Reads may go to the read replica")
		if m := addrRe.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.NotEmpty(t, base, "the server printed its address")
	require.True(t, sawReplica, "the server said it reads from the replica")
	c := &repClient{t: t, server: &server{name: "the server", base: base, client: &http.Client{Timeout: 30 * time.Second}}}

	// A state, a district, a person; a state-office reader besides the admin who writes.
	admin := c.login("admin", "replica-test-admin-pass")
	state := c.create(admin, "/units", map[string]any{"level": "state", "code": "RT", "name": "Replica State"})
	district := c.create(admin, "/units", map[string]any{"level": "district", "parent_id": state, "code": "RT-D1", "name": "Replica District"})
	person := c.create(admin, "/people", map[string]any{"name": "Asha Devi", "gender": "female", "category": "SC", "home_unit_id": district})
	c.create(admin, "/users", map[string]any{"username": "rt.office", "password": "replica-reader-pass", "role": "state_office", "scope_unit_id": state})
	reader := c.login("rt.office", "replica-reader-pass")
	// The figures a reader sees: the district committee's seats, and the same count on the
	// representation dashboard (read in a snapshot transaction, which the replica serves too).
	// figures reads both; seats requires them to agree (no replay can come between the two reads).
	figures := func(token string) (committee, dashboard int) {
		var com struct {
			Seats []json.RawMessage `json:"seats"`
		}
		c.get(token, "/units/"+district+"/committee", &com)
		var rep struct {
			Seats *int `json:"seats"`
		}
		c.get(token, "/units/"+district+"/representation", &rep)
		require.NotNil(t, rep.Seats)
		return len(com.Seats), *rep.Seats
	}
	seats := func(token string) int {
		committee, dashboard := figures(token)
		require.Equal(t, committee, dashboard, "the committee and the dashboard agree")
		return committee
	}
	// replicaShows waits until the reader reads want seats from the replica (both figures): a
	// replica within the lag bound may be behind for a reader who did not write, until it has
	// replayed the writes.
	replicaShows := func(want int) {
		c.untilReplicaAnswers(admin, func() bool {
			committee, dashboard := figures(reader)
			return committee == want && dashboard == want
		})
	}

	// The reader's login is a write too: their reads go to the replica once it has replayed it
	// (at its next check, within a second or so).
	c.waitReady("streaming")
	replicaShows(0)

	// Replay paused: the writer sees their write, the reader (on the replica) not yet.
	require.NoError(t, rep.Exec("SELECT pg_wal_replay_pause()"))
	c.create(admin, "/units/"+district+"/committee/seats", map[string]any{"person_id": person, "position": "president"})
	require.Equal(t, 1, seats(admin), "the writer reads their own write (from the primary)")
	require.Equal(t, 0, seats(reader), "the reader reads the paused replica, which has not replayed the write")

	// Past the lag bound the replica is left: the reader's reads go to the primary.
	st := c.waitReady("lagging")
	require.Greater(t, st.LagSeconds, lagBound.Seconds())
	require.Equal(t, "primary", st.ReadsFrom)
	require.Equal(t, 1, seats(reader), "a lagging replica is not read")
	require.Equal(t, 0.0, c.metric(admin, "sangathan_replica_serving"))
	require.Greater(t, c.metric(admin, "sangathan_replica_lag_seconds"), lagBound.Seconds())

	// Replay resumed: the replica catches up and answers the reader again, with the figure.
	require.NoError(t, rep.Exec("SELECT pg_wal_replay_resume()"))
	c.waitReady("streaming")
	replicaShows(1)

	// The replica stops: the very next reads are answered, from the primary; /readyz says so.
	require.NoError(t, rep.Stop())
	for i := 0; i < 3; i++ {
		require.Equal(t, 1, seats(reader), "read %d after the replica stopped", i)
	}
	st = c.waitReady("down")
	require.False(t, st.Serving)
	require.Equal(t, -1.0, c.metric(admin, "sangathan_replica_lag_seconds"))
	// Writes go on meanwhile.
	person2 := c.create(admin, "/people", map[string]any{"name": "Ravi Kumar", "gender": "male", "category": "OBC", "home_unit_id": district})
	c.create(admin, "/units/"+district+"/committee/seats", map[string]any{"person_id": person2, "position": "member"})
	require.Equal(t, 2, seats(reader))

	// Back up, it streams what it missed and serves again.
	require.NoError(t, rep.Start())
	c.waitReady("streaming")
	replicaShows(2)

	out, err := runCmd(t, "verify")
	require.NoError(t, err, out)
}

// repClient is the replica test's JSON client of the API: the multi-process tests' server, with
// paths under /api/v1 unless they are /readyz or /metrics, and failures reported at once.
type repClient struct {
	t *testing.T
	*server
}

func (c *repClient) do(method, token, path string, body any, want int, into any) {
	c.t.Helper()
	if strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "/readyz") && !strings.HasPrefix(path, "/metrics") {
		path = "/api/v1" + path
	}
	st, raw := c.server.do(c.t, method, path, token, body, "")
	require.Equal(c.t, want, st, "%s %s: %s", method, path, raw)
	if into != nil {
		if s, ok := into.(*string); ok {
			*s = string(raw)
			return
		}
		require.NoError(c.t, json.Unmarshal(raw, into), "%s", raw)
	}
}

func (c *repClient) login(username, password string) string {
	c.t.Helper()
	var s struct {
		AccessToken string `json:"access_token"`
	}
	c.do(http.MethodPost, "", "/auth/login", map[string]string{"username": username, "password": password}, http.StatusOK, &s)
	require.NotEmpty(c.t, s.AccessToken)
	return s.AccessToken
}

func (c *repClient) create(token, path string, body any) string {
	c.t.Helper()
	var v struct {
		ID string `json:"id"`
	}
	c.do(http.MethodPost, token, path, body, http.StatusCreated, &v)
	return v.ID
}

func (c *repClient) get(token, path string, into any) {
	c.t.Helper()
	c.do(http.MethodGet, token, path, nil, http.StatusOK, into)
}

type repReady struct {
	Status  string `json:"status"`
	Replica struct {
		State      string  `json:"state"`
		Serving    bool    `json:"serving"`
		ReadsFrom  string  `json:"reads_from"`
		LagSeconds float64 `json:"lag_seconds"`
	} `json:"replica"`
}

// replicaPatience is how long the replica tests wait for the replica: in CI other tests write
// WAL fast (each test database is a copy of a template), and a new replica has all of that to
// replay before it streams.
const replicaPatience = 3 * time.Minute

// waitReady polls /readyz (always 200) until the replica is in state, for up to replicaPatience.
func (c *repClient) waitReady(state string) (st struct {
	State      string
	Serving    bool
	ReadsFrom  string
	LagSeconds float64
}) {
	c.t.Helper()
	deadline := time.Now().Add(replicaPatience)
	var r repReady
	for {
		c.do(http.MethodGet, "", "/readyz", nil, http.StatusOK, &r)
		require.Equal(c.t, "ready", r.Status)
		if r.Replica.State == state || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.Equal(c.t, state, r.Replica.State, "the replica's state in /readyz")
	return struct {
		State      string
		Serving    bool
		ReadsFrom  string
		LagSeconds float64
	}(r.Replica)
}

// untilReplicaAnswers runs read until one run both returns true and was answered by the
// replica, for up to replicaPatience: reads go to the replica only once it has replayed the reader's own
// last write, and show another user's writes once it has replayed those.
func (c *repClient) untilReplicaAnswers(admin string, read func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(replicaPatience)
	for {
		before := c.metric(admin, `sangathan_db_reads_total{pool="replica"}`)
		ok := read()
		if ok && c.metric(admin, `sangathan_db_reads_total{pool="replica"}`) > before {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("within %s, no read answered by the replica showed the figures wanted", replicaPatience)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// metric reads one sample from /metrics (as an administrator).
func (c *repClient) metric(token, name string) float64 {
	c.t.Helper()
	var body string
	c.do(http.MethodGet, token, "/metrics", nil, http.StatusOK, &body)
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			var v float64
			_, err := fmt.Sscan(rest, &v)
			require.NoError(c.t, err)
			return v
		}
	}
	c.t.Fatalf("no metric %s", name)
	return 0
}
