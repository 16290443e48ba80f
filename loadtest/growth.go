package loadtest

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"sort"
	"strings"
)

// GrowthPoint is one run of the same mix at one size of the organisation.
type GrowthPoint struct {
	Districts int // districts seeded
	Report    Report
}

// GrowthTable writes a Markdown table of p95 latency per endpoint, total throughput, p99 and
// peak server memory against the number of districts seeded.
func GrowthTable(points []GrowthPoint) string {
	points = sortedPoints(points)
	var b strings.Builder
	labels := make([]string, len(points))
	for i, p := range points {
		labels[i] = fmt.Sprintf("%d district%s", p.Districts, plural(p.Districts))
	}
	p95Table(&b, labels, points)
	row := func(label string, f func(Report) string) {
		fmt.Fprintf(&b, "| %s |", label)
		for _, p := range points {
			fmt.Fprintf(&b, " %s |", f(p.Report))
		}
		b.WriteString("\n")
	}
	row("**all: requests/s**", func(r Report) string { return fmt.Sprintf("**%.0f**", r.Total.Throughput) })
	row("**all: p99 ms**", func(r Report) string { return fmt.Sprintf("**%.1f**", r.Total.P99) })
	row("**errors**", func(r Report) string { return fmt.Sprintf("**%d**", r.Total.Errors) })
	row("**server peak RSS MiB**", func(r Report) string {
		if r.Memory == nil {
			return "–"
		}
		return fmt.Sprintf("**%.0f**", float64(r.Memory.PeakRSSBytes)/(1<<20))
	})
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func sortedPoints(points []GrowthPoint) []GrowthPoint {
	out := append([]GrowthPoint(nil), points...)
	sort.Slice(out, func(i, j int) bool { return out[i].Districts < out[j].Districts })
	return out
}

func endpointNames(points []GrowthPoint) []string {
	seen := map[string]bool{}
	var names []string
	for _, p := range points {
		for _, e := range p.Report.Endpoints {
			if !seen[e.Name] {
				seen[e.Name] = true
				names = append(names, e.Name)
			}
		}
	}
	return names
}

func endpoint(r Report, name string) (EndpointReport, bool) {
	for _, e := range r.Endpoints {
		if e.Name == name {
			return e, true
		}
	}
	return EndpointReport{}, false
}

// GrowthSVG draws two small panels against the number of districts (log scale): p95 latency of
// each endpoint but login (a deliberately slow password hash, which would flatten the rest), and
// the server's peak memory.
func GrowthSVG(points []GrowthPoint) []byte {
	points = sortedPoints(points)
	const w, h, left, top, pw, ph = 760, 300, 60, 30, 420, 220
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	if len(points) == 0 {
		b.WriteString("</svg>\n")
		return b.Bytes()
	}
	lo, hi := math.Log10(float64(max(points[0].Districts, 1))), math.Log10(float64(max(points[len(points)-1].Districts, 1)))
	if hi == lo {
		hi = lo + 1
	}
	x := func(d int, x0, width float64) float64 {
		return x0 + (math.Log10(float64(max(d, 1)))-lo)/(hi-lo)*width
	}
	var names []string
	for _, n := range endpointNames(points) {
		if n != EpLogin {
			names = append(names, n)
		}
	}
	ymax := 1.0
	for _, p := range points {
		for _, e := range p.Report.Endpoints {
			if e.Name != EpLogin {
				ymax = math.Max(ymax, e.P95)
			}
		}
	}
	ymax = niceCeil(ymax)
	panel := func(x0, width float64, title string, ytop float64, unit string) {
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" font-weight="bold">%s</text>`+"\n", x0, top-12, html.EscapeString(title))
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%d" x2="%.0f" y2="%d" stroke="black"/>`+"\n", x0, top+ph, x0+width, top+ph)
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%d" x2="%.0f" y2="%d" stroke="black"/>`+"\n", x0, top, x0, top+ph)
		for i := 0; i <= 4; i++ {
			v := ytop * float64(i) / 4
			y := float64(top+ph) - float64(ph)*float64(i)/4
			fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end">%g%s</text>`+"\n", x0-4, y+4, v, unit)
			fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#ddd"/>`+"\n", x0, y, x0+width, y)
		}
		for _, p := range points {
			fmt.Fprintf(&b, `<text x="%.0f" y="%d" text-anchor="middle">%d</text>`+"\n", x(p.Districts, x0, width), top+ph+14, p.Districts)
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" text-anchor="middle">districts seeded (log scale)</text>`+"\n", x0+width/2, top+ph+28)
	}
	panel(left, pw, "p95 latency per endpoint, ms", ymax, "")
	colours := []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31"}
	for i, name := range names {
		var pts []string
		for _, p := range points {
			if e, ok := endpoint(p.Report, name); ok {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.Districts, left, pw), float64(top+ph)-e.P95/ymax*float64(ph)))
			}
		}
		c := colours[i%len(colours)]
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", c, strings.Join(pts, " "))
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%s</text>`+"\n", left+pw+8, top+8+i*13, c, html.EscapeString(name))
	}
	// Memory panel.
	mx0, mw := float64(left+pw+130), float64(w-left-pw-150)
	mmax := 1.0
	for _, p := range points {
		if p.Report.Memory != nil {
			mmax = math.Max(mmax, float64(p.Report.Memory.PeakRSSBytes)/(1<<20))
		}
	}
	mmax = niceCeil(mmax)
	panel(mx0, mw, "server peak RSS, MiB", mmax, "")
	var pts []string
	for _, p := range points {
		if p.Report.Memory != nil {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.Districts, mx0, mw), float64(top+ph)-float64(p.Report.Memory.PeakRSSBytes)/(1<<20)/mmax*float64(ph)))
		}
	}
	fmt.Fprintf(&b, `<polyline fill="none" stroke="black" stroke-width="2" points="%s"/>`+"\n", strings.Join(pts, " "))
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// p95Table writes the table of each endpoint's p95 in each report, a column per label; "–"
// where a report has no such endpoint.
func p95Table(b *strings.Builder, labels []string, points []GrowthPoint) {
	b.WriteString("| endpoint (p95 ms) |")
	for _, l := range labels {
		fmt.Fprintf(b, " %s |", l)
	}
	b.WriteString("\n|---|")
	for range labels {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, name := range endpointNames(points) {
		fmt.Fprintf(b, "| %s |", name)
		for _, p := range points {
			if e, ok := endpoint(p.Report, name); ok {
				fmt.Fprintf(b, " %.1f |", e.P95)
			} else {
				b.WriteString(" – |")
			}
		}
		b.WriteString("\n")
	}
}
