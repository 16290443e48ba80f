package loadtest

import (
	"encoding/xml"
	"strings"
	"testing"
)

// TestGrowthTableAndChart: the table has a column per size in ascending order and a row per
// endpoint with its p95; the chart is well-formed SVG with a line per endpoint.
func TestGrowthTableAndChart(t *testing.T) {
	rep := func(p95 float64, mem int64) Report {
		return Report{
			Endpoints: []EndpointReport{{Name: "unit", Latency: Latency{P95: p95}}, {Name: "people_list", Latency: Latency{P95: 2 * p95}}},
			Total:     EndpointReport{Throughput: 1000, Latency: Latency{P99: 3 * p95}},
			Memory:    &MemoryReport{PeakRSSBytes: mem << 20},
		}
	}
	points := []GrowthPoint{{75, rep(4, 60)}, {1, rep(2, 40)}, {10, rep(3, 50)}}
	table := GrowthTable(points)
	for _, want := range []string{"| 1 district | 10 districts | 75 districts |", "| unit | 2.0 | 3.0 | 4.0 |", "| people_list | 4.0 | 6.0 | 8.0 |", "| **40** | **50** | **60** |"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	svg := GrowthSVG(points)
	if err := xml.Unmarshal(svg, new(struct{})); err != nil {
		t.Fatalf("chart is not XML: %v", err)
	}
	if n := strings.Count(string(svg), "<polyline"); n != 3 { // two endpoints and memory
		t.Errorf("chart has %d lines, want 3", n)
	}
}
