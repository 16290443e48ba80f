// Command mapshapes turns a state's assembly-constituency boundaries (GeoJSON, such as
// HindustanTimesLabs/shapefiles' uttarpradesh_AC.json) into the small file the dashboard's map
// draws. Borders that two constituencies share are stored once, as arcs, and simplified once,
// so neighbours never show gaps or overlaps however far the lines are thinned; the points are
// projected, quantized to a grid and delta-encoded, in the manner of TopoJSON.
//
// It runs from frontend/ through go generate (see frontend/frontend.go):
//
//	go run ../cmd/mapshapes -in ../../shared/data/realworld/up_ac_psleci.geojson -out static/map/up-ac.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"strconv"
)

// The defaults make the file the UI ships.
const (
	defaultGrid        = 0.001 // degrees of latitude, about 110 m
	defaultTolerance   = 0.004 // about 450 m: under 2 px on a district filling a phone
	defaultAttribution = "Assembly constituency boundaries © 2017 Hindustan Times Labs (HindustanTimesLabs/shapefiles), MIT licence"
)

func main() {
	in := flag.String("in", "../../shared/data/realworld/up_ac_psleci.geojson", "GeoJSON with one feature per assembly constituency (properties AC_NO, AC_NAME, PC_NO)")
	out := flag.String("out", "static/map/up-ac.json", "where to write the shapes")
	grid := flag.Float64("grid", defaultGrid, "quantization step, in degrees of latitude")
	tol := flag.Float64("tolerance", defaultTolerance, "simplification tolerance, in degrees of latitude")
	attribution := flag.String("attribution", defaultAttribution, "attribution the UI shows under the map")
	flag.Parse()
	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	acs, err := read(f)
	if err != nil {
		log.Fatalf("read %s: %v", *in, err)
	}
	shapes := build(acs, *grid, *tol)
	shapes.Attribution = *attribution
	b, err := encode(shapes)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "mapshapes: %d constituencies, %d arcs, %d points, %d bytes → %s\n",
		len(shapes.ACs), len(shapes.Arcs), shapes.points(), len(b), *out)
}

// point is a position: longitude and latitude in the source, projected x and y later.
type point [2]float64

// ring is a closed ring, first point repeated last; a polygon is an outer ring and its holes.
type (
	ring    []point
	polygon []ring
)

// ac is one constituency as read.
type ac struct {
	No       int
	Name     string
	PC       int
	Polygons []polygon
}

type geometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
	Geometries  []geometry      `json:"geometries"`
}

// read parses the GeoJSON FeatureCollection; the features' geometries may be Polygon,
// MultiPolygon or a GeometryCollection of those (the HT Labs file has three such).
func read(r io.Reader) ([]ac, error) {
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
			Geometry   geometry       `json:"geometry"`
		} `json:"features"`
	}
	if err := json.NewDecoder(r).Decode(&fc); err != nil {
		return nil, err
	}
	out := make([]ac, 0, len(fc.Features))
	for i, ft := range fc.Features {
		no, err := intProp(ft.Properties, "AC_NO")
		if err != nil || no <= 0 {
			return nil, fmt.Errorf("feature %d: AC_NO: %v", i, ft.Properties["AC_NO"])
		}
		pc, _ := intProp(ft.Properties, "PC_NO")
		name, _ := ft.Properties["AC_NAME"].(string)
		polys, err := polygons(ft.Geometry)
		if err != nil {
			return nil, fmt.Errorf("feature %d (AC %d): %w", i, no, err)
		}
		out = append(out, ac{No: no, Name: name, PC: pc, Polygons: polys})
	}
	return out, nil
}

func intProp(p map[string]any, k string) (int, error) {
	switch v := p[k].(type) {
	case string:
		return strconv.Atoi(v)
	case float64:
		return int(v), nil
	}
	return 0, fmt.Errorf("%s missing", k)
}

func polygons(g geometry) ([]polygon, error) {
	// Positions may carry a third (height) number; only the first two are read.
	var rings func(raw [][][]float64) polygon
	rings = func(raw [][][]float64) polygon {
		p := make(polygon, 0, len(raw))
		for _, r := range raw {
			rr := make(ring, 0, len(r))
			for _, c := range r {
				if len(c) >= 2 {
					rr = append(rr, point{c[0], c[1]})
				}
			}
			if len(rr) >= 4 {
				p = append(p, rr)
			}
		}
		return p
	}
	switch g.Type {
	case "Polygon":
		var raw [][][]float64
		if err := json.Unmarshal(g.Coordinates, &raw); err != nil {
			return nil, err
		}
		return []polygon{rings(raw)}, nil
	case "MultiPolygon":
		var raw [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &raw); err != nil {
			return nil, err
		}
		out := make([]polygon, 0, len(raw))
		for _, p := range raw {
			out = append(out, rings(p))
		}
		return out, nil
	case "GeometryCollection":
		var out []polygon
		for _, sub := range g.Geometries {
			ps, err := polygons(sub)
			if err != nil {
				return nil, err
			}
			out = append(out, ps...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("geometry type %q is not a polygon", g.Type)
}

// Shapes is what the UI loads. A point is (x, y) on the grid: x·Scale[0] + Translate[0] is
// the longitude, y·Scale[1] + Translate[1] the latitude with the sign turned (y grows down, as in SVG).
// x is already multiplied by the cosine of the middle latitude, so that the grid is square on the
// ground and the UI can use the numbers as SVG units without projecting anything.
type Shapes struct {
	Attribution string     `json:"attribution"`
	Scale       [2]float64 `json:"scale"`
	Translate   [2]float64 `json:"translate"`
	// Arcs are delta-encoded: the first pair is a position, each later one the step from the one before.
	Arcs [][]int `json:"arcs"`
	ACs  []acOut `json:"acs"`
}

// acOut is one constituency: its polygons, each a list of rings, each a list of arc indexes;
// ^i (that is, −i−1) means arc i walked backwards.
type acOut struct {
	No       int       `json:"no"`
	Name     string    `json:"name"`
	PC       int       `json:"pc"`
	Polygons [][][]int `json:"p"`
}

func (s *Shapes) points() int {
	n := 0
	for _, a := range s.Arcs {
		n += len(a) / 2
	}
	return n
}

// build finds the shared borders, simplifies them and quantizes the result.
func build(acs []ac, grid, tol float64) *Shapes {
	// Project: equirectangular around the middle latitude, y down.
	minLat, maxLat := math.Inf(1), math.Inf(-1)
	minLon := math.Inf(1)
	for _, a := range acs {
		for _, p := range a.Polygons {
			for _, r := range p {
				for _, pt := range r {
					minLon = math.Min(minLon, pt[0])
					minLat = math.Min(minLat, pt[1])
					maxLat = math.Max(maxLat, pt[1])
				}
			}
		}
	}
	k := math.Cos((minLat + maxLat) / 2 * math.Pi / 180)
	proj := func(p point) point { return point{(p[0] - minLon) * k / grid, (maxLat - p[1]) / grid} }

	topo := newTopology()
	type acRings struct {
		a     ac
		rings [][][]int // polygon → ring → ids of the ring's arcs
	}
	all := make([]acRings, 0, len(acs))
	for _, a := range acs {
		for _, p := range a.Polygons {
			for _, r := range p {
				topo.count(r)
			}
		}
	}
	for _, a := range acs {
		ar := acRings{a: a}
		for _, p := range a.Polygons {
			var rs [][]int
			for _, r := range p {
				rs = append(rs, topo.cut(r))
			}
			ar.rings = append(ar.rings, rs)
		}
		all = append(all, ar)
	}

	// A ring made of one or two arcs would collapse to a line if each arc kept only its ends.
	keepMiddle := make([]bool, len(topo.arcs))
	for _, ar := range all {
		for _, p := range ar.rings {
			for _, r := range p {
				if len(r) <= 2 {
					for _, id := range r {
						keepMiddle[unref(id)] = true
					}
				}
			}
		}
	}
	s := &Shapes{
		Scale:     [2]float64{grid / k, -grid},
		Translate: [2]float64{minLon, maxLat},
	}
	for i, arc := range topo.arcs {
		pts := make([]point, len(arc))
		for j, p := range arc {
			pts[j] = proj(p)
		}
		simple := simplify(pts, tol/grid, keepMiddle[i])
		s.Arcs = append(s.Arcs, deltas(simple))
	}
	for _, ar := range all {
		o := acOut{No: ar.a.No, Name: ar.a.Name, PC: ar.a.PC}
		o.Polygons = ar.rings
		s.ACs = append(s.ACs, o)
	}
	return s
}

func unref(id int) int {
	if id < 0 {
		return ^id
	}
	return id
}

// topology cuts rings into arcs at junctions: points where the rings that pass through stop
// running alongside each other. Each stretch of border is kept once; a ring that walks it the
// other way refers to it reversed. The source's neighbours share their vertices exactly, which
// is what makes this work without snapping.
type topology struct {
	neighbours map[point][][2]point // each occurrence's previous and next point
	junction   map[point]bool
	arcs       [][]point
	index      map[string]int // an arc's points (forwards) → its id
}

func newTopology() *topology {
	return &topology{neighbours: map[point][][2]point{}, index: map[string]int{}}
}

// count records, for every point, the points on either side of it in every ring it is on.
func (t *topology) count(r ring) {
	n := len(r) - 1 // the last point repeats the first
	for i := 0; i < n; i++ {
		prev, next := r[(i+n-1)%n], r[(i+1)%n]
		t.neighbours[r[i]] = append(t.neighbours[r[i]], [2]point{prev, next})
	}
}

// isJunction: a point is a junction when its rings do not all pass through it between the
// same two neighbours (in either direction).
func (t *topology) isJunction(p point) bool {
	if t.junction == nil {
		t.junction = map[point]bool{}
	}
	if j, ok := t.junction[p]; ok {
		return j
	}
	ns := t.neighbours[p]
	j := false
	for _, o := range ns[1:] {
		same := (o[0] == ns[0][0] && o[1] == ns[0][1]) || (o[0] == ns[0][1] && o[1] == ns[0][0])
		if !same {
			j = true
			break
		}
	}
	t.junction[p] = j
	return j
}

// cut splits a ring into arcs at its junctions and returns their ids.
func (t *topology) cut(r ring) []int {
	n := len(r) - 1
	start := -1
	for i := 0; i < n; i++ {
		if t.isJunction(r[i]) {
			start = i
			break
		}
	}
	if start < 0 {
		// No junction: the whole ring is one arc, begun at its least point so that the same
		// ring met from another constituency (an enclave's outline) is recognised.
		least := 0
		for i := 1; i < n; i++ {
			if less(r[i], r[least]) {
				least = i
			}
		}
		start = least
	}
	rot := make([]point, 0, n+1)
	for i := 0; i <= n; i++ {
		rot = append(rot, r[(start+i)%n])
	}
	var ids []int
	from := 0
	for i := 1; i <= n; i++ {
		if i == n || t.isJunction(rot[i]) {
			ids = append(ids, t.arc(rot[from:i+1]))
			from = i
		}
	}
	return ids
}

func less(a, b point) bool {
	return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1])
}

// arc returns the id of the stretch pts, adding it when it is new; a stretch seen before in the
// other direction comes back as ^id.
func (t *topology) arc(pts []point) int {
	key := func(ps []point, backwards bool) string {
		b := make([]byte, 0, len(ps)*16)
		for i := range ps {
			p := ps[i]
			if backwards {
				p = ps[len(ps)-1-i]
			}
			b = strconv.AppendFloat(b, p[0], 'g', -1, 64)
			b = append(b, ',')
			b = strconv.AppendFloat(b, p[1], 'g', -1, 64)
			b = append(b, ';')
		}
		return string(b)
	}
	if id, ok := t.index[key(pts, false)]; ok {
		return id
	}
	if id, ok := t.index[key(pts, true)]; ok {
		return ^id
	}
	// A closed ring without junctions, met again the other way round, starts at the same
	// least point but runs backwards: reverse it about that point.
	if pts[0] == pts[len(pts)-1] {
		rev := make([]point, len(pts))
		for i := range pts {
			rev[i] = pts[(len(pts)-1-i)%len(pts)]
		}
		if id, ok := t.index[key(rev, false)]; ok {
			return ^id
		}
	}
	id := len(t.arcs)
	cp := append([]point(nil), pts...)
	t.arcs = append(t.arcs, cp)
	t.index[key(cp, false)] = id
	return id
}

// simplify thins a line with Douglas–Peucker, keeping both ends. keepMiddle keeps at least one
// inner point (the farthest from the ends), so that a ring of one or two arcs keeps an area.
func simplify(pts []point, tol float64, keepMiddle bool) []point {
	if len(pts) <= 2 {
		return pts
	}
	keep := make([]bool, len(pts))
	keep[0], keep[len(pts)-1] = true, true
	var dp func(a, b int)
	dp = func(a, b int) {
		far, fd := -1, tol
		for i := a + 1; i < b; i++ {
			if d := distance(pts[i], pts[a], pts[b]); d > fd {
				far, fd = i, d
			}
		}
		if far < 0 {
			return
		}
		keep[far] = true
		dp(a, far)
		dp(far, b)
	}
	last := len(pts) - 1
	if pts[0] == pts[last] {
		// A closed ring: split it at the point farthest from its start first.
		far, fd := 1, -1.0
		for i := 1; i < last; i++ {
			if d := math.Hypot(pts[i][0]-pts[0][0], pts[i][1]-pts[0][1]); d > fd {
				far, fd = i, d
			}
		}
		keep[far] = true
		dp(0, far)
		dp(far, last)
		if n := countTrue(keep); n < 4 && last >= 3 {
			// A closed ring needs a third point whatever its size: add the one farthest from the
			// chord of the longer half.
			a, b := 0, far
			if last-far > far {
				a, b = far, last
			}
			best, bd := -1, -1.0
			for i := a + 1; i < b; i++ {
				if d := distance(pts[i], pts[a], pts[b]); d > bd {
					best, bd = i, d
				}
			}
			if best >= 0 {
				keep[best] = true
			}
		}
	} else {
		dp(0, last)
		if keepMiddle && countTrue(keep) == 2 {
			best, bd := -1, -1.0
			for i := 1; i < last; i++ {
				if d := distance(pts[i], pts[0], pts[last]); d > bd {
					best, bd = i, d
				}
			}
			keep[best] = true
		}
	}
	out := make([]point, 0, countTrue(keep))
	for i, k := range keep {
		if k {
			out = append(out, pts[i])
		}
	}
	return out
}

func countTrue(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

// distance is from p to the segment a–b.
func distance(p, a, b point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := dx*dx + dy*dy
	if l == 0 {
		return math.Hypot(p[0]-a[0], p[1]-a[1])
	}
	u := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / l
	u = math.Max(0, math.Min(1, u))
	return math.Hypot(p[0]-a[0]-u*dx, p[1]-a[1]-u*dy)
}

// deltas rounds the points to the grid, drops repeats that rounding makes, and encodes each
// point as the step from the one before. Both ends stay, even when they round together, so
// that the arcs still meet.
func deltas(pts []point) []int {
	out := make([]int, 0, len(pts)*2)
	var px, py int
	for i, p := range pts {
		x, y := int(math.Round(p[0])), int(math.Round(p[1]))
		if i > 0 && i < len(pts)-1 && x == px && y == py {
			continue
		}
		if i == 0 {
			out = append(out, x, y)
		} else {
			out = append(out, x-px, y-py)
		}
		px, py = x, y
	}
	return out
}

// encode writes the shapes as compact JSON.
func encode(s *Shapes) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
