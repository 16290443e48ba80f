// Package loadtest is the engine of `sangathan loadtest`: a load generator that drives a running
// Sangathan server over its public API with a realistic mix of district coordinators and the
// state office (reads of units, children, committees and people, searches in both scripts,
// seat and unseat writes), bounded in time and requests, and reports per endpoint throughput,
// latency percentiles, errors and the server's peak memory. With a PostgreSQL URL it also
// replays the same reads as the bare SQL the server issues (baseline.go), through pgx, and
// reports the ratio.
//
// It only ever talks to the addresses it is given; point it at servers on this machine. Given
// several servers (processes on one database), each virtual client keeps to one of them, client i
// to server i mod n, so the load is split evenly, as by a balancer without sticky sessions.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one run.
type Config struct {
	URLs     []string      // the servers, http://127.0.0.1:8080; client i talks to URLs[i % len(URLs)]
	Clients  int           // concurrent virtual users
	Duration time.Duration // measured time (after the warm-up)
	Requests int64         // stop after this many measured requests; 0: no bound
	Warmup   time.Duration // unmeasured load before the measured part
	Mix      Mix
	Seed     uint64
	Timeout  time.Duration // per request

	// Accounts are the logins to use, each by the role it has; without them, StateUser logs in
	// with Password and the coordinators are found as <district>.coord with the same password.
	Accounts   []Account
	Password   string
	StateUser  string
	StateShare float64 // share of clients that are the state office (when there is one)

	// Memory: the servers' process ids on this machine, or their metrics (MetricsURLs, read with
	// an administrator's token when AdminPassword is set, else without one; with AdminPassword
	// and no MetricsURLs, every server's /metrics). Several are summed, and reported each.
	ServerPIDs    []int
	MetricsURLs   []string
	AdminUser     string
	AdminPassword string

	// BaselineDB, a postgres:// URL of the server's database, adds the bare-SQL baseline with a
	// pool of BaselineConns connections.
	BaselineDB    string
	BaselineConns int
	// RawRuns, with BaselineDB, times that many raw scans (seats ⨝ people ⨝ units) of each
	// representation endpoint called, one at a time, after the run: the yardstick of issue 9.
	RawRuns int

	// WritersIn makes every client a district coordinator: "districts", each in a district of its
	// own (as many districts as clients, or the run fails); "assembly", all in one assembly of one
	// district (its booths only). "": the usual mix of coordinators and the state office.
	WritersIn string

	// Cleanup ends the seats the run made and still holds, after the measurement.
	Cleanup bool

	Progress      io.Writer // progress lines; nil: none
	ProgressTTY   bool      // rewrite one line instead of printing one per interval
	ProgressEvery time.Duration
}

// Report is the outcome of a run; --json prints it as it is.
type Report struct {
	URL                string           `json:"url"` // the servers, comma-separated
	Servers            []ServerReport   `json:"servers,omitempty"`
	Mix                string           `json:"mix"`
	Weights            map[string]int   `json:"weights"`
	Seed               uint64           `json:"seed"`
	Clients            int              `json:"clients"`
	CoordinatorClients int              `json:"coordinator_clients"`
	StateClients       int              `json:"state_clients"`
	Districts          []string         `json:"districts"`
	StartedAt          time.Time        `json:"started_at"`
	WarmupS            float64          `json:"warmup_s"`
	WarmupRequests     int64            `json:"warmup_requests"`
	WarmupErrors       int64            `json:"warmup_errors"`
	ElapsedS           float64          `json:"elapsed_s"`
	Endpoints          []EndpointReport `json:"endpoints"`
	Total              EndpointReport   `json:"total"`
	Memory             *MemoryReport    `json:"memory,omitempty"`
	Baseline           *BaselineReport  `json:"baseline,omitempty"`
	RawRuns            int              `json:"raw_runs,omitempty"`
	WritersIn          string           `json:"writers_in,omitempty"`
	Assembly           string           `json:"assembly,omitempty"` // the one assembly of --writers-in assembly
	Writes             WritesReport     `json:"writes"`
	ErrorSamples       []string         `json:"error_samples,omitempty"`
	Skipped            []string         `json:"skipped,omitempty"`
}

// ServerReport is one server's share of the measured requests (its clients' answers).
type ServerReport struct {
	URL      string `json:"url"`
	Clients  int    `json:"clients"`
	Requests int64  `json:"requests"`
	Errors   int64  `json:"errors"`
}

// WritesReport counts the writes that succeeded, warm-up included, and the seats ended at the end.
type WritesReport struct {
	Seated        int64 `json:"seated"`
	Unseated      int64 `json:"unseated"`
	PeopleCreated int64 `json:"people_created"`
	CleanedUp     int64 `json:"cleaned_up"`
}

// The values of Config.WritersIn.
const (
	WritersDistricts = "districts"
	WritersAssembly  = "assembly"
)

// Check validates a configuration.
func (c *Config) Check() error {
	switch {
	case len(c.URLs) == 0:
		return errors.New("give --url: at least one server")
	case c.Clients < 1:
		return errors.New("--clients must be at least 1")
	case c.Duration <= 0 && c.Requests <= 0:
		return errors.New("give --duration or --requests (or both): the run must be bounded")
	case c.Duration < 0 || c.Requests < 0 || c.Warmup < 0:
		return errors.New("--duration, --requests and --warmup must not be negative")
	case len(c.Accounts) == 0 && c.Password == "":
		return errors.New("give --password (every seeded account's) or --accounts FILE")
	case c.StateShare < 0 || c.StateShare > 1:
		return errors.New("--state-share must be between 0 and 1")
	case c.Mix.total == 0:
		return errors.New("empty mix")
	case c.WritersIn != "" && c.WritersIn != WritersDistricts && c.WritersIn != WritersAssembly:
		return fmt.Errorf("--writers-in must be %s or %s", WritersDistricts, WritersAssembly)
	case c.RawRuns < 0:
		return errors.New("--raw-runs must not be negative")
	case c.RawRuns > 0 && c.BaselineDB == "":
		return errors.New("--raw-runs needs --baseline-db: the raw scans run on the server's database")
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.StateUser == "" {
		c.StateUser = "up.office"
	}
	if c.AdminUser == "" {
		c.AdminUser = "admin"
	}
	if c.BaselineConns <= 0 {
		c.BaselineConns = 20
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = time.Second
	}
	if c.Duration <= 0 {
		c.Duration = 24 * time.Hour // bounded by Requests
	}
	return nil
}

// Run drives the load and returns the report. It stops early, still reporting, when ctx ends.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	logf := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, format+"\n", args...)
		}
	}
	// One connection pool per server; discovery and the metrics login use the first.
	apis := make([]*httpAPI, len(cfg.URLs))
	for i, u := range cfg.URLs {
		a, err := newHTTPAPI(u, (cfg.Clients+len(cfg.URLs)-1)/len(cfg.URLs), cfg.Timeout)
		if err != nil {
			return nil, err
		}
		defer a.close()
		apis[i] = a
	}
	api := apis[0]
	var bare *bareRunner
	if cfg.BaselineDB != "" {
		var err error
		if bare, err = newBareRunner(ctx, cfg.BaselineDB, cfg.BaselineConns); err != nil {
			return nil, err
		}
		defer bare.close()
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x10ad))
	stateClients := 0
	if cfg.StateShare > 0 && cfg.Clients > 1 && cfg.WritersIn == "" {
		stateClients = max(1, int(float64(cfg.Clients)*cfg.StateShare+0.5))
	}
	wantCoords := cfg.Clients - stateClients
	if cfg.WritersIn == WritersAssembly {
		wantCoords = 1
	}
	w, err := discover(ctx, api, cfg, rng, wantCoords, logf)
	if err != nil {
		return nil, err
	}
	if w.state == nil {
		stateClients = 0
	}
	switch {
	case len(w.pools) == 0 && stateClients < cfg.Clients:
		return nil, errors.New("no district coordinator could log in: the mix needs at least one")
	case len(w.pools) == 0:
		if ep := cfg.Mix.needsDistrict(); ep != "" {
			return nil, fmt.Errorf("%s needs a district in the load: lower --state-share", ep)
		}
	case cfg.WritersIn == WritersDistricts && len(w.pools) < cfg.Clients:
		return nil, fmt.Errorf("--writers-in %s: only %d districts have a coordinator that logged in, for %d clients", WritersDistricts, len(w.pools), cfg.Clients)
	case cfg.WritersIn == WritersAssembly:
		if err := w.pools[0].narrowToAssembly(ctx, api, w.coords[0].token, rng); err != nil {
			return nil, err
		}
	}
	rep := &Report{URL: strings.Join(cfg.URLs, ","), Mix: cfg.Mix.Name, Weights: cfg.Mix.Weights, Seed: cfg.Seed, Clients: cfg.Clients,
		StateClients: stateClients, CoordinatorClients: cfg.Clients - stateClients, Skipped: w.skipped, WritersIn: cfg.WritersIn}
	for _, d := range w.pools {
		rep.Districts = append(rep.Districts, d.code)
		if d.assembly != "" {
			rep.Assembly = d.assembly
		}
	}

	// Every client logs in with a session of its own, as a person at a phone would.
	errs := &samples{max: 10}
	clients := make([]*client, cfg.Clients)
	for i := range clients {
		c := &client{idx: i, api: apis[ServerOf(i, len(apis))], rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i)+1)), mix: cfg.Mix, w: w, errs: errs,
			record: bare != nil, maxCalls: max(1000, 400_000/cfg.Clients)}
		if i < stateClients {
			c.sess = *w.state
		} else {
			c.sess = *w.coords[(i-stateClients)%len(w.coords)]
			c.home = w.byID[c.sess.scopeID]
		}
		clients[i] = c
	}
	// The clients of one account log in one after another: the server counts a login attempt
	// before it checks the password and takes it back when it succeeds, so more than a few at once
	// for one username from one address are refused (429) although none fails.
	serial := map[string]*sync.Mutex{}
	for _, c := range clients {
		if serial[c.sess.Username] == nil {
			serial[c.sess.Username] = &sync.Mutex{}
		}
	}
	if err := parallel(ctx, clients, 8, func(c *client) error {
		mu := serial[c.sess.Username]
		mu.Lock()
		defer mu.Unlock()
		s, ans := c.api.login(ctx, c.sess.Account)
		if ans.err != nil || ans.status != 200 {
			return fmt.Errorf("log in %s: %s", c.sess.Username, describe(ans))
		}
		c.sess, c.since, c.uid, c.sid = s, time.Now(), id64(s.userID), tokenSession(s.token)
		return nil
	}); err != nil {
		return nil, err
	}

	var poller *memoryPoller
	if len(cfg.ServerPIDs) > 0 || len(cfg.MetricsURLs) > 0 || cfg.AdminPassword != "" {
		metricsURLs, token := cfg.MetricsURLs, ""
		if cfg.AdminPassword != "" {
			// The servers share the signing secret: one administrator's token reads every one.
			s, ans := api.login(ctx, Account{Username: cfg.AdminUser, Password: cfg.AdminPassword})
			if ans.err != nil || ans.status != 200 {
				return nil, fmt.Errorf("log in %s for the metrics: %s", cfg.AdminUser, describe(ans))
			}
			token = s.token
			if len(metricsURLs) == 0 {
				for _, a := range apis {
					metricsURLs = append(metricsURLs, a.base+"/metrics")
				}
			}
		}
		poller = newMemoryPoller(cfg.ServerPIDs, metricsURLs, token)
	}
	pctx, stopPoll := context.WithCancel(ctx)
	var pollDone sync.WaitGroup
	if poller != nil {
		pollDone.Add(1)
		go func() { defer pollDone.Done(); poller.run(pctx, 250*time.Millisecond) }()
	}
	defer stopPoll()

	rep.StartedAt = time.Now().UTC()
	if cfg.Warmup > 0 {
		logf("warming up for %s with %d clients", cfg.Warmup, cfg.Clients)
		for _, c := range clients {
			c.record = false
		}
		warm := newStats(cfg.Mix.Names())
		for _, c := range clients {
			c.st = warm
		}
		drive(ctx, cfg, clients, warm, time.Now().Add(cfg.Warmup), nil, "warm-up")
		rep.WarmupS = cfg.Warmup.Seconds()
		rep.WarmupRequests, rep.WarmupErrors = warm.requests.Load(), warm.errors.Load()
		for _, c := range clients {
			c.record = bare != nil
		}
	}
	st := newStats(cfg.Mix.Names())
	for _, c := range clients {
		c.st = st
		c.requests, c.errors = 0, 0 // the warm-up's are not the measurement's
	}
	var budget *atomic.Int64
	if cfg.Requests > 0 {
		budget = new(atomic.Int64)
		budget.Store(cfg.Requests)
	}
	logf("measuring for %s%s with %d clients", cfg.Duration, map[bool]string{true: fmt.Sprintf(" or %d requests", cfg.Requests), false: ""}[budget != nil], cfg.Clients)
	elapsed := drive(ctx, cfg, clients, st, time.Now().Add(cfg.Duration), budget, "load")
	stopPoll()
	pollDone.Wait()
	rep.ElapsedS = elapsed.Seconds()
	rep.Endpoints, rep.Total = st.summary(elapsed)
	rep.ErrorSamples = errs.list
	rep.Servers = make([]ServerReport, len(apis))
	for i, a := range apis {
		rep.Servers[i].URL = a.base
	}
	for _, c := range clients {
		s := &rep.Servers[ServerOf(c.idx, len(apis))]
		s.Clients++
		s.Requests += c.requests
		s.Errors += c.errors
	}
	if poller != nil {
		rep.Memory = poller.report()
	}

	if bare != nil && ctx.Err() == nil {
		logf("replaying the reads as bare SQL with %d clients", cfg.Clients)
		bs, err := bare.replay(ctx, clients, cfg.Warmup, cfg.Duration)
		if err != nil {
			return nil, err
		}
		rep.Baseline = bs
		for i := range rep.Endpoints {
			e := &rep.Endpoints[i]
			if b, ok := bs.byEndpoint[e.Name]; ok {
				b.Ratio.P50, b.Ratio.P95, b.Ratio.P99 = ratio(e.P50, b.P50), ratio(e.P95, b.P95), ratio(e.P99, b.P99)
				e.Bare = b
			}
		}
	}
	if bare != nil && cfg.RawRuns > 0 && ctx.Err() == nil {
		logf("timing %d raw scans of each representation endpoint, one at a time", cfg.RawRuns)
		raw, err := bare.rawScans(ctx, clients, cfg.RawRuns)
		if err != nil {
			return nil, err
		}
		rep.RawRuns = cfg.RawRuns
		for i := range rep.Endpoints {
			e := &rep.Endpoints[i]
			if r, ok := raw[e.Name]; ok {
				r.Speedup.P50, r.Speedup.P95 = ratio(r.P50, e.P50), ratio(r.P95, e.P95)
				e.Raw = r
			}
		}
	}

	for _, c := range clients {
		rep.Writes.Seated += c.written.seated
		rep.Writes.Unseated += c.written.unseated
		rep.Writes.PeopleCreated += c.written.created
	}
	if cfg.Cleanup {
		cctx := context.WithoutCancel(ctx)
		var ended atomic.Int64
		_ = parallel(cctx, clients, 8, func(c *client) error { ended.Add(c.cleanup(cctx)); return nil })
		rep.Writes.CleanedUp = ended.Load()
	}
	return rep, nil
}

// ServerOf is the server that client i of a run keeps to, of n: i mod n, so that consecutive
// clients alternate and every server has the same number of clients, give or take one.
func ServerOf(i, n int) int { return i % n }

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// drive runs every client until the deadline, the request budget or ctx ends, printing progress,
// and returns how long it took.
func drive(ctx context.Context, cfg Config, clients []*client, st *stats, until time.Time, budget *atomic.Int64, phase string) time.Duration {
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func(c *client) {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(until) {
				if budget != nil && budget.Add(-1) < 0 {
					return
				}
				c.act(ctx, c.mix.pick(c.rng.IntN(c.mix.total)))
			}
		}(c)
	}
	go func() { wg.Wait(); close(done) }()
	if cfg.Progress == nil {
		<-done
		return time.Since(start)
	}
	t := time.NewTicker(cfg.ProgressEvery)
	defer t.Stop()
	printed := int64(-1)
	line := func(end string) {
		el := time.Since(start).Seconds()
		n := st.requests.Load()
		printed = n
		format := "%s %6.1fs %9d requests %8.1f req/s %6d errors %6d conflicts%s"
		if cfg.ProgressTTY {
			format = "\r\033[K" + format
		}
		fmt.Fprintf(cfg.Progress, format, phase, el, n, float64(n)/max(el, 1e-9), st.errors.Load(), st.conflicts.Load(), end)
	}
	for {
		select {
		case <-done:
			if cfg.ProgressTTY || printed != st.requests.Load() {
				line("\n")
			}
			return time.Since(start)
		case <-t.C:
			if cfg.ProgressTTY {
				line("")
			} else {
				line("\n")
			}
		}
	}
}

// parallel runs f for every client, n at a time, and returns the first error.
func parallel(ctx context.Context, clients []*client, n int, f func(*client) error) error {
	sem := make(chan struct{}, n)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for _, c := range clients {
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(c *client) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f(c); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}(c)
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}
