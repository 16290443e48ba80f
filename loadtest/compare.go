package loadtest

import (
	"fmt"
	"math"
	"strings"
)

// ComparePoint is one run of the same mix in one set-up (one server, two servers, two servers
// and a replica…), named by Label.
type ComparePoint struct {
	Label  string
	Report Report
}

// CompareTable writes a Markdown table of runs of the same mix side by side, in the order given:
// throughput, p50/p95/p99 of every request, errors, the servers' peak memory, and the ratio of
// the read endpoints to their bare SQL replayed in the same run (BareRatio); then the p95 of each
// endpoint.
func CompareTable(points []ComparePoint) string {
	var b strings.Builder
	b.WriteString("| set-up | servers | clients | requests/s | p50 ms | p95 ms | p99 ms | errors | reads ÷ bare SQL, p50 / p95 | bare SQL calls/s | servers' peak RSS MiB |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range points {
		r := p.Report
		servers := max(1, len(r.Servers))
		ratio, bare := "–", "–"
		if r50, r95, ok := BareRatio(r); ok {
			ratio = fmt.Sprintf("%.2f / %.2f", r50, r95)
		}
		if bl := r.Baseline; bl != nil && bl.ElapsedS > 0 {
			bare = fmt.Sprintf("%.0f", float64(bl.Calls)/bl.ElapsedS)
		}
		mem := "–"
		if r.Memory != nil && r.Memory.PeakRSSBytes > 0 {
			mem = fmt.Sprintf("%.0f", float64(r.Memory.PeakRSSBytes)/(1<<20))
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %.0f | %.1f | %.1f | %.1f | %d | %s | %s | %s |\n", p.Label, servers, r.Clients,
			r.Total.Throughput, r.Total.P50, r.Total.P95, r.Total.P99, r.Total.Errors, ratio, bare, mem)
	}

	b.WriteString("\n")
	labels := make([]string, len(points))
	growth := make([]GrowthPoint, len(points))
	for i, p := range points {
		labels[i], growth[i].Report = p.Label, p.Report
	}
	p95Table(&b, labels, growth)
	return b.String()
}

// BareRatio sums up how far the read endpoints are from their bare SQL in one run: the geometric
// mean of each endpoint's ratio endpoint ÷ bare SQL at p50 and at p95, weighted by its requests.
// ok is false when the run had no baseline.
func BareRatio(r Report) (p50, p95 float64, ok bool) {
	var n, l50, l95 float64
	for _, e := range r.Endpoints {
		if e.Bare == nil || e.Bare.Ratio.P50 <= 0 || e.Bare.Ratio.P95 <= 0 || e.Count == 0 {
			continue
		}
		w := float64(e.Count)
		n += w
		l50 += w * math.Log(e.Bare.Ratio.P50)
		l95 += w * math.Log(e.Bare.Ratio.P95)
	}
	if n == 0 {
		return 0, 0, false
	}
	return math.Exp(l50 / n), math.Exp(l95 / n), true
}
