package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two constituencies side by side, sharing the border x = 1 (with a bend in it), and a third
// one inside the second as an enclave.
const fixture = `{"type": "FeatureCollection", "features": [
 {"properties": {"AC_NO": "1", "AC_NAME": "West", "PC_NO": "1"}, "geometry": {"type": "Polygon", "coordinates":
  [[[0, 0, 0], [1, 0, 0], [1.001, 0.5, 0], [1, 1, 0], [0, 1, 0], [0, 0, 0]]]}},
 {"properties": {"AC_NO": "2", "AC_NAME": "East", "PC_NO": "1"}, "geometry": {"type": "GeometryCollection", "geometries": [
  {"type": "Polygon", "coordinates": [[[1, 0], [2, 0], [2, 1], [1, 1], [1.001, 0.5], [1, 0]],
   [[1.4, 0.4], [1.6, 0.4], [1.6, 0.6], [1.4, 0.6], [1.4, 0.4]]]}]}},
 {"properties": {"AC_NO": "3", "AC_NAME": "Enclave", "PC_NO": "2"}, "geometry": {"type": "Polygon", "coordinates":
  [[[1.4, 0.4], [1.4, 0.6], [1.6, 0.6], [1.6, 0.4], [1.4, 0.4]]]}}
]}`

// TestSharedBordersAreKeptOnce: a border two constituencies share is one arc, walked forwards
// by one and backwards by the other, so simplifying it cannot open a gap; an enclave's outline
// is the hole of the constituency around it.
func TestSharedBordersAreKeptOnce(t *testing.T) {
	acs, err := read(strings.NewReader(fixture))
	require.NoError(t, err)
	require.Len(t, acs, 3)
	assert.Equal(t, 2, acs[2].PC)
	s := build(acs, 0.001, 0.01) // the bend (0.001 off the line) is under the tolerance

	uses := map[int][]bool{} // arc → the directions it is walked in
	for _, ac := range s.ACs {
		for _, p := range ac.Polygons {
			for _, r := range p {
				for _, id := range r {
					uses[unref(id)] = append(uses[unref(id)], id >= 0)
				}
			}
		}
	}
	shared := 0
	for id, dirs := range uses {
		require.LessOrEqual(t, len(dirs), 2, "arc %d is on at most two rings", id)
		if len(dirs) == 2 {
			shared++
			assert.NotEqual(t, dirs[0], dirs[1], "arc %d is walked both ways", id)
		}
	}
	assert.Equal(t, 2, shared, "the west–east border and the enclave's outline")

	// The border lost its bend (both ends are junctions and stay); rings keep an area.
	for id := range s.Arcs {
		assert.GreaterOrEqual(t, len(s.Arcs[id])/2, 2)
	}
	for _, ac := range s.ACs {
		for _, p := range ac.Polygons {
			for _, r := range p {
				n := 0
				for _, id := range r {
					n += len(s.Arcs[unref(id)])/2 - 1
				}
				assert.GreaterOrEqual(t, n, 3, "AC %d keeps at least a triangle", ac.No)
			}
		}
	}
}

// TestTheShippedShapesAreCurrent: the committed file is what the generator makes from the
// source, where the source is at hand (it lives outside the repository).
func TestTheShippedShapesAreCurrent(t *testing.T) {
	const src = "../../../shared/data/realworld/up_ac_psleci.geojson"
	f, err := os.Open(src)
	if err != nil {
		t.Skipf("source not at hand: %v", err)
	}
	defer f.Close()
	acs, err := read(f)
	require.NoError(t, err)
	require.Len(t, acs, 403)
	s := build(acs, defaultGrid, defaultTolerance)
	s.Attribution = defaultAttribution
	b, err := encode(s)
	require.NoError(t, err)
	shipped, err := os.ReadFile("../../frontend/static/map/up-ac.json")
	require.NoError(t, err)
	assert.True(t, string(b) == string(shipped), "frontend/static/map/up-ac.json is stale: run go generate ./frontend")
}
