package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sangathan/sangathan/loadtest"
)

// cmdLoadtest drives a running server with the load of many coordinators and the state office
// and prints per endpoint throughput, latency percentiles, errors and the server's peak memory.
func cmdLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "growth" {
		return cmdLoadtestGrowth(args[1:], stdout)
	}
	if len(args) > 0 && args[0] == "compare" {
		return cmdLoadtestCompare(args[1:], stdout)
	}
	fl := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var cfg loadtest.Config
	urls := fl.String("url", "http://127.0.0.1:8080", "the server (on this machine), or several comma-separated: client i keeps to server i mod n")
	fl.IntVar(&cfg.Clients, "clients", 32, "concurrent virtual users")
	fl.DurationVar(&cfg.Duration, "duration", 30*time.Second, "measured time; 0 with --requests: until the requests are done")
	fl.Int64Var(&cfg.Requests, "requests", 0, "stop after this many measured requests (whichever bound comes first); 0: no bound")
	fl.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "unmeasured load before the measurement")
	mix := fl.String("mix", "mixed", "a preset ("+strings.Join(loadtest.Presets(), ", ")+") or endpoint=weight,… ("+strings.Join(loadtest.Endpoints(), ", ")+")")
	skip := fl.String("skip", "", "endpoints to leave out of the mix, comma-separated (e.g. people_list)")
	fl.Uint64Var(&cfg.Seed, "seed", 1, "seed of the clients' choices")
	fl.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "per-request timeout (a timed-out request is an error)")
	fl.StringVar(&cfg.Password, "password", "", "password shared by the seeded accounts (up.office and <district>.coord)")
	accounts := fl.String("accounts", "", "file of \"username password\" lines to log in with instead (state office and district coordinators)")
	fl.StringVar(&cfg.StateUser, "state-user", "up.office", "the state office account that discovers the districts (with --password)")
	fl.Float64Var(&cfg.StateShare, "state-share", 0.125, "share of the clients that are the state office (1: all, for a mix of state-wide reads such as representation)")
	pids := fl.String("server-pid", "", "the server's process id, or several comma-separated: their memory is read from /proc (summed, and each)")
	metricsURLs := fl.String("metrics-url", "", "the server's metrics (SANGATHAN_METRICS_ADDR), e.g. http://127.0.0.1:9090/metrics, or several comma-separated")
	fl.StringVar(&cfg.AdminUser, "admin-user", "admin", "administrator that reads /metrics on the main address (with --admin-password)")
	fl.StringVar(&cfg.AdminPassword, "admin-password", "", "that administrator's password: memory from --url's /metrics")
	fl.StringVar(&cfg.BaselineDB, "baseline-db", "", "postgres:// URL of the server's database: also replay the reads as bare SQL through pgx and report the ratio")
	fl.IntVar(&cfg.BaselineConns, "baseline-conns", 20, "connections of the bare-SQL pool (the server's pool has 20)")
	fl.IntVar(&cfg.RawRuns, "raw-runs", 0, "with --baseline-db: also time this many raw scans (seats ⨝ people ⨝ units) of each representation endpoint called")
	fl.StringVar(&cfg.WritersIn, "writers-in", "", "every client a district coordinator: "+loadtest.WritersDistricts+" (each in a district of its own) or "+loadtest.WritersAssembly+" (all in one assembly)")
	cleanup := fl.Bool("cleanup", true, "end the seats the run made, afterwards")
	asJSON := fl.Bool("json", false, "print the report as one JSON document")
	quiet := fl.Bool("quiet", false, "no progress line")
	if err := fl.Parse(args); err != nil || fl.NArg() > 0 {
		return errUsage
	}
	m, err := loadtest.ParseMix(*mix, strings.Split(*skip, ","))
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	cfg.Mix, cfg.Cleanup = m, *cleanup
	cfg.URLs, cfg.MetricsURLs = commaList(*urls), commaList(*metricsURLs)
	for _, p := range commaList(*pids) {
		pid, err := strconv.Atoi(p)
		if err != nil || pid <= 0 {
			return fmt.Errorf("%w: --server-pid %q is not a process id", errUsage, p)
		}
		cfg.ServerPIDs = append(cfg.ServerPIDs, pid)
	}
	if *accounts != "" {
		f, err := os.Open(*accounts)
		if err != nil {
			return err
		}
		cfg.Accounts, err = loadtest.ParseAccounts(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	if err := cfg.Check(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if !*quiet {
		cfg.Progress = stderr
		if f, ok := stderr.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				cfg.ProgressTTY = true
			}
		}
	}
	rep, err := loadtest.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteText(stdout)
}

// commaList splits a comma-separated flag value, leaving out empty items.
func commaList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// cmdLoadtestCompare reads the --json reports of the same mix run in several set-ups
// (LABEL=FILE arguments, in the order given) and prints a Markdown table of them.
func cmdLoadtestCompare(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("loadtest compare", flag.ContinueOnError)
	pos, err := parseInterleaved(fl, args)
	if err != nil || len(pos) == 0 {
		return fmt.Errorf("%w: loadtest compare LABEL=REPORT.json …", errUsage)
	}
	var points []loadtest.ComparePoint
	for _, a := range pos {
		label, file, ok := strings.Cut(a, "=")
		if !ok || label == "" || file == "" {
			return fmt.Errorf("%w: %q is not LABEL=REPORT.json", errUsage, a)
		}
		r, err := readReport(file)
		if err != nil {
			return err
		}
		points = append(points, loadtest.ComparePoint{Label: label, Report: r})
	}
	_, err = io.WriteString(stdout, loadtest.CompareTable(points))
	return err
}

// readReport reads a report that loadtest --json wrote.
func readReport(file string) (loadtest.Report, error) {
	var r loadtest.Report
	raw, err := os.ReadFile(file)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("%s: %w", file, err)
	}
	return r, nil
}

// cmdLoadtestGrowth reads the --json reports of the same mix at several sizes (DISTRICTS=FILE
// arguments), prints a Markdown table of them and, with --svg, draws the chart of latency and
// memory against size.
func cmdLoadtestGrowth(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("loadtest growth", flag.ContinueOnError)
	svg := fl.String("svg", "", "write the chart to this file")
	pos, err := parseInterleaved(fl, args)
	if err != nil || len(pos) == 0 {
		return fmt.Errorf("%w: loadtest growth [--svg FILE] DISTRICTS=REPORT.json …", errUsage)
	}
	var points []loadtest.GrowthPoint
	for _, a := range pos {
		n, file, ok := strings.Cut(a, "=")
		d, err := strconv.Atoi(n)
		if !ok || err != nil || d < 1 {
			return fmt.Errorf("%w: %q is not DISTRICTS=REPORT.json", errUsage, a)
		}
		r, err := readReport(file)
		if err != nil {
			return err
		}
		points = append(points, loadtest.GrowthPoint{Districts: d, Report: r})
	}
	if *svg != "" {
		if err := os.WriteFile(*svg, loadtest.GrowthSVG(points), 0o644); err != nil {
			return err
		}
	}
	_, err = io.WriteString(stdout, loadtest.GrowthTable(points))
	return err
}
