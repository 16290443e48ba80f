package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeServer answers the few calls of a state office reading /me: a login, the (empty) list of
// districts, and /me, which it counts.
type fakeServer struct {
	*httptest.Server
	me, other atomic.Int64
}

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/api/v1/auth/login":
			f.other.Add(1)
			_, _ = w.Write([]byte(`{"access_token":"x.eyJzaWQiOjF9.y","user":{"id":"1","username":"up.office","role":"state_office","scope_unit_id":"1"}}`))
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/units":
			f.other.Add(1)
			_, _ = w.Write([]byte(`{"items":[],"next_cursor":null}`))
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/me":
			f.me.Add(1)
			_, _ = w.Write([]byte(`{"id":"1"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// TestClientsSplitAcrossServers: given two servers, client i keeps to server i mod 2, so each
// gets half the clients and the requests it answered are the ones the report gives it; the
// memory of two process ids is summed and reported each.
func TestClientsSplitAcrossServers(t *testing.T) {
	a, b := newFakeServer(t), newFakeServer(t)
	m, err := ParseMix("me=1", nil)
	require.NoError(t, err)
	pid := os.Getpid()
	rep, err := Run(context.Background(), Config{URLs: []string{a.URL, b.URL}, Clients: 5, Requests: 400, Mix: m,
		Accounts: []Account{{"up.office", "pw"}}, StateShare: 1, ServerPIDs: []int{pid, pid}, Timeout: 5 * time.Second})
	require.NoError(t, err)
	assert.Zero(t, rep.Total.Errors, rep.ErrorSamples)
	assert.Equal(t, int64(400), rep.Total.Count)
	assert.Equal(t, a.URL+","+b.URL, rep.URL)

	require.Len(t, rep.Servers, 2)
	assert.Equal(t, a.URL, rep.Servers[0].URL)
	assert.Equal(t, b.URL, rep.Servers[1].URL)
	assert.Equal(t, 3, rep.Servers[0].Clients, "clients 0, 2 and 4")
	assert.Equal(t, 2, rep.Servers[1].Clients, "clients 1 and 3")
	assert.Equal(t, a.me.Load(), rep.Servers[0].Requests, "what the first server answered is its share")
	assert.Equal(t, b.me.Load(), rep.Servers[1].Requests, "what the second server answered is its share")
	assert.Positive(t, a.me.Load())
	assert.Positive(t, b.me.Load())
	assert.Equal(t, int64(400), a.me.Load()+b.me.Load())
	assert.Positive(t, b.other.Load(), "the second server's clients logged in there")

	require.NotNil(t, rep.Memory)
	require.Len(t, rep.Memory.Processes, 2)
	for _, p := range rep.Memory.Processes {
		assert.Positive(t, p.PeakRSSBytes)
		assert.GreaterOrEqual(t, rep.Memory.PeakRSSBytes, p.PeakRSSBytes, "the sum is at least each")
	}
	assert.Greater(t, rep.Memory.HighWaterBytes, rep.Memory.Processes[0].HighWaterBytes, "high-water marks are summed")

	var text strings.Builder
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "server "+b.URL+": 2 clients")
	assert.Contains(t, text.String(), "memory of the 2 servers together")
}

func TestServerOf(t *testing.T) {
	got := map[int]int{}
	for i := 0; i < 7; i++ {
		got[ServerOf(i, 2)]++
	}
	assert.Equal(t, map[int]int{0: 4, 1: 3}, got)
	assert.Equal(t, 0, ServerOf(5, 1))
}

func TestCompareTable(t *testing.T) {
	rep := func(rps, r50 float64, servers int) Report {
		r := Report{Clients: 32, Servers: make([]ServerReport, servers),
			Endpoints: []EndpointReport{
				{Name: "unit", Count: 300, Latency: Latency{P95: 10}, Bare: &BareReport{}},
				{Name: "seat", Count: 100, Latency: Latency{P95: 20}}},
			Total:    EndpointReport{Throughput: rps, Latency: Latency{P50: 5, P95: 10, P99: 30}},
			Baseline: &BaselineReport{Calls: 1000, ElapsedS: 2}}
		r.Endpoints[0].Bare.Ratio.P50, r.Endpoints[0].Bare.Ratio.P95 = r50, 2*r50
		return r
	}
	table := CompareTable([]ComparePoint{{"one server", rep(800, 1.5, 1)}, {"two servers", rep(900, 2, 2)}})
	for _, want := range []string{
		"| one server | 1 | 32 | 800 | 5.0 | 10.0 | 30.0 | 0 | 1.50 / 3.00 | 500 |",
		"| two servers | 2 | 32 | 900 | 5.0 | 10.0 | 30.0 | 0 | 2.00 / 4.00 | 500 |",
		"| endpoint (p95 ms) | one server | two servers |",
		"| seat | 20.0 | 20.0 |",
	} {
		assert.Contains(t, table, want)
	}
	two := Report{Endpoints: []EndpointReport{{Name: "unit", Count: 2, Bare: &BareReport{}}, {Name: "me", Count: 2, Bare: &BareReport{}}}}
	two.Endpoints[0].Bare.Ratio.P50, two.Endpoints[0].Bare.Ratio.P95 = 1, 1
	two.Endpoints[1].Bare.Ratio.P50, two.Endpoints[1].Bare.Ratio.P95 = 4, 9
	r50, r95, ok := BareRatio(two)
	require.True(t, ok)
	assert.InDelta(t, 2, r50, 1e-9, "geometric mean of 1 and 4")
	assert.InDelta(t, 3, r95, 1e-9, "geometric mean of 1 and 9")
	_, _, ok = BareRatio(Report{Endpoints: []EndpointReport{{Name: "unit", Count: 3}}})
	assert.False(t, ok, "no baseline, no ratio")
}
