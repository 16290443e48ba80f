package loadtest

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are kept in microseconds from 1 µs to 10 minutes with three significant digits.
const (
	histMin = 1
	histMax = int64(10 * time.Minute / time.Microsecond)
	histSig = 3
)

// outcome classifies an answer for the report.
type outcome int

const (
	outcomeOK       outcome = iota
	outcomeConflict         // 409 on a write: two coordinators reached for the same seat
	outcomeError            // 5xx, a timeout, a transport error, or an unexpected 4xx
)

func classify(ep string, ans answer) outcome {
	switch {
	case ans.err != nil:
		return outcomeError
	case ans.status/100 == 2:
		return outcomeOK
	case ans.status == 409 && kindOf(ep) == KindWrite:
		return outcomeConflict
	}
	return outcomeError
}

// recorder collects one endpoint's latencies and answers.
type recorder struct {
	mu       sync.Mutex
	hist     *hdrhistogram.Histogram
	statuses map[string]int64 // "200", "409", "timeout", "transport"
	errors   int64
	conflict int64
}

func newRecorder() *recorder {
	return &recorder{hist: hdrhistogram.New(histMin, histMax, histSig), statuses: map[string]int64{}}
}

func (r *recorder) add(o outcome, ans answer) {
	key := strconv.Itoa(ans.status)
	if ans.err != nil {
		key = ans.failure()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if ans.err == nil {
		_ = r.hist.RecordValue(clampMicros(ans.elapsed))
	}
	r.statuses[key]++
	switch o {
	case outcomeError:
		r.errors++
	case outcomeConflict:
		r.conflict++
	}
}

func clampMicros(d time.Duration) int64 {
	return min(max(d.Microseconds(), histMin), histMax)
}

// stats holds a recorder per endpoint and the running totals for the progress line.
type stats struct {
	mix       map[string]bool // the endpoints of the mix: reported even when never called
	eps       map[string]*recorder
	requests  atomic.Int64
	errors    atomic.Int64
	conflicts atomic.Int64
}

// newStats records every endpoint (a client that cannot do what the mix asks does something
// else: an unseat with no seat of its own seats someone) and reports those of mix and any other
// that was called.
func newStats(mix []string) *stats {
	s := &stats{eps: map[string]*recorder{}, mix: map[string]bool{}}
	for _, n := range Endpoints() {
		s.eps[n] = newRecorder()
	}
	for _, n := range mix {
		s.mix[n] = true
	}
	return s
}

func (s *stats) add(ep string, ans answer) outcome {
	o := classify(ep, ans)
	s.requests.Add(1)
	switch o {
	case outcomeError:
		s.errors.Add(1)
	case outcomeConflict:
		s.conflicts.Add(1)
	}
	s.eps[ep].add(o, ans)
	return o
}

// Latency is a latency summary in milliseconds.
type Latency struct {
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

func latencyOf(h *hdrhistogram.Histogram) Latency {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	if h.TotalCount() == 0 {
		return Latency{}
	}
	return Latency{P50: ms(h.ValueAtQuantile(50)), P95: ms(h.ValueAtQuantile(95)), P99: ms(h.ValueAtQuantile(99)),
		Max: ms(h.Max()), Mean: h.Mean() / 1000}
}

// EndpointReport is one endpoint's figures.
type EndpointReport struct {
	Name       string           `json:"name"`
	Kind       Kind             `json:"kind"`
	Count      int64            `json:"count"`
	Throughput float64          `json:"throughput_per_s"`
	Latency                     // of every answered request, errors included
	Errors     int64            `json:"errors"`
	Conflicts  int64            `json:"conflicts"`
	Statuses   map[string]int64 `json:"statuses"`
	// Bare is the bare SQL of the endpoint replayed through pgx, when --baseline-db was given.
	Bare *BareReport `json:"bare,omitempty"`
	// Raw is the raw scan of a representation endpoint, when --raw-runs was given.
	Raw *RawReport `json:"raw,omitempty"`
}

// BareReport is the bare SQL's figures for one endpoint and the ratio endpoint/bare per percentile.
type BareReport struct {
	Count   int64 `json:"count"`
	Errors  int64 `json:"errors"`
	Latency       // of the bare SQL
	Ratio   struct {
		P50 float64 `json:"p50"`
		P95 float64 `json:"p95"`
		P99 float64 `json:"p99"`
	} `json:"ratio"`
}

// summary turns the recorders into report rows, in report order, and the total.
func (s *stats) summary(elapsed time.Duration) ([]EndpointReport, EndpointReport) {
	names := make([]string, 0, len(s.eps))
	for n := range s.eps {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return order(a) - order(b) })
	total := hdrhistogram.New(histMin, histMax, histSig)
	tot := EndpointReport{Name: "total", Statuses: map[string]int64{}}
	var out []EndpointReport
	secs := elapsed.Seconds()
	for _, n := range names {
		r := s.eps[n]
		r.mu.Lock()
		var count int64
		st := map[string]int64{}
		for k, v := range r.statuses {
			count += v
			st[k] = v
			tot.Statuses[k] += v
		}
		e := EndpointReport{Name: n, Kind: kindOf(n), Count: count, Latency: latencyOf(r.hist), Errors: r.errors,
			Conflicts: r.conflict, Statuses: st}
		total.Merge(r.hist)
		r.mu.Unlock()
		if count == 0 && !s.mix[n] {
			continue
		}
		if secs > 0 {
			e.Throughput = float64(count) / secs
		}
		tot.Count += e.Count
		tot.Errors += e.Errors
		tot.Conflicts += e.Conflicts
		out = append(out, e)
	}
	tot.Latency = latencyOf(total)
	if secs > 0 {
		tot.Throughput = float64(tot.Count) / secs
	}
	return out, tot
}

// errorStatuses lists the statuses of an endpoint's errors: "500×3 timeout×1".
func errorStatuses(e EndpointReport) string {
	var keys []string
	for k := range e.Statuses {
		n, err := strconv.Atoi(k)
		if err != nil || n/100 != 2 && !(n == 409 && e.Kind == KindWrite) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, e.Statuses[k]))
	}
	return strings.Join(parts, " ")
}

// WriteText prints the report as tables.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "sangathan loadtest: %s, %d clients (%d district coordinators in %d districts, %d state office), mix %s, seed %d\n",
		r.URL, r.Clients, r.CoordinatorClients, len(r.Districts), r.StateClients, r.Mix, r.Seed)
	if r.Assembly != "" {
		fmt.Fprintf(w, "every client in assembly %s (--writers-in %s)\n", r.Assembly, r.WritersIn)
	}
	fmt.Fprintf(w, "measured %.1f s after %.1f s warm-up (%d requests, %d errors): %d requests, %.1f req/s, %d errors, %d conflicts (409)\n",
		r.ElapsedS, r.WarmupS, r.WarmupRequests, r.WarmupErrors, r.Total.Count, r.Total.Throughput, r.Total.Errors, r.Total.Conflicts)
	fmt.Fprintf(w, "writes: %d seated, %d unseated, %d people created; %d seats ended afterwards\n",
		r.Writes.Seated, r.Writes.Unseated, r.Writes.PeopleCreated, r.Writes.CleanedUp)
	if len(r.Servers) > 1 {
		for _, s := range r.Servers {
			fmt.Fprintf(w, "server %s: %d clients, %d requests, %d errors\n", s.URL, s.Clients, s.Requests, s.Errors)
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "endpoint\tcount\treq/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\terrors\t409\t")
	row := func(e EndpointReport) {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%.1f\t%d\t%d\t\n", e.Name, e.Count, e.Throughput, e.P50, e.P95, e.P99, e.Max, e.Errors, e.Conflicts)
	}
	for _, e := range r.Endpoints {
		row(e)
	}
	row(r.Total)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range r.Endpoints {
		if s := errorStatuses(e); s != "" {
			fmt.Fprintf(w, "errors of %s: %s\n", e.Name, s)
		}
	}
	if len(r.ErrorSamples) > 0 {
		fmt.Fprintln(w, "first errors:")
		for _, s := range r.ErrorSamples {
			fmt.Fprintln(w, "  "+s)
		}
	}
	if r.Baseline != nil {
		fmt.Fprintf(w, "\nbare SQL through pgx (%s), replayed after the HTTP run: the same calls, %d clients, %.1f s\n", r.Baseline.Mode, r.Baseline.Clients, r.Baseline.ElapsedS)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "endpoint\tcount\tbare p50\tbare p95\tbare p99\terrors\tratio p50\tratio p95\tratio p99\t")
		for _, e := range r.Endpoints {
			if b := e.Bare; b != nil {
				fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%d\t%.1f×\t%.1f×\t%.1f×\t\n", e.Name, b.Count, b.P50, b.P95, b.P99, b.Errors, b.Ratio.P50, b.Ratio.P95, b.Ratio.P99)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, s := range r.Baseline.ErrorSamples {
			fmt.Fprintln(w, "  bare error: "+s)
		}
	}
	if r.RawRuns > 0 {
		fmt.Fprintf(w, "\nraw scans (seats ⨝ people ⨝ units, no rollups) through pgx, one at a time after the run: %d per endpoint\n", r.RawRuns)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "endpoint\tcount\traw p50\traw p95\terrors\tendpoint p50\tendpoint p95\tfaster p50\tfaster p95\t")
		for _, e := range r.Endpoints {
			if x := e.Raw; x != nil {
				fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%d\t%.2f\t%.2f\t%.0f×\t%.0f×\t\n", e.Name, x.Count, x.P50, x.P95, x.Errors, e.P50, e.P95, x.Speedup.P50, x.Speedup.P95)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	if m := r.Memory; m != nil && m.PeakRSSBytes > 0 {
		what := "server memory"
		if len(m.Processes) > 1 {
			what = fmt.Sprintf("memory of the %d servers together", len(m.Processes))
		}
		fmt.Fprintf(w, "%s (%s, %d samples): peak RSS %.1f MiB (%.1f MiB before the load)", what, m.Source, m.Samples,
			float64(m.PeakRSSBytes)/(1<<20), float64(m.StartRSSBytes)/(1<<20))
		if m.HighWaterBytes > 0 {
			fmt.Fprintf(w, ", high-water mark since start %.1f MiB", float64(m.HighWaterBytes)/(1<<20))
		}
		fmt.Fprintln(w)
		for _, p := range m.Processes {
			fmt.Fprintf(w, "  %s: peak RSS %.1f MiB (%.1f MiB before the load)", p.Of, float64(p.PeakRSSBytes)/(1<<20), float64(p.StartRSSBytes)/(1<<20))
			if p.HighWaterBytes > 0 {
				fmt.Fprintf(w, ", high-water mark %.1f MiB", float64(p.HighWaterBytes)/(1<<20))
			}
			fmt.Fprintln(w)
		}
	} else {
		fmt.Fprintln(w, "server memory: not measured (give --server-pid, --metrics-url or --admin-password)")
	}
	if r.Memory != nil && r.Memory.Error != "" {
		fmt.Fprintln(w, "  memory polling: "+r.Memory.Error)
	}
	for _, s := range r.Skipped {
		fmt.Fprintln(w, "skipped: "+s)
	}
	return nil
}
