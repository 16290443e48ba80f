package loadtest

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Kind groups endpoints for the mix: reads, writes, and the login.
type Kind string

// The kinds of endpoint.
const (
	KindRead  Kind = "read"
	KindWrite Kind = "write"
	KindAuth  Kind = "auth"
)

// Endpoint names, as they appear in --mix, --skip and the report.
const (
	EpLogin          = "login"            // POST /auth/login
	EpMe             = "me"               // GET /me
	EpUnit           = "unit"             // GET /units/{id}
	EpChildren       = "children"         // GET /units/{id}/children
	EpCommittee      = "committee"        // GET /units/{id}/committee
	EpPeopleList     = "people_list"      // GET /people?under={district or assembly}
	EpPeopleSearch   = "people_search"    // GET /people?q= in Latin script
	EpPeopleSearchHi = "people_search_hi" // GET /people?q= in Devanagari
	EpUnitSearch     = "unit_search"      // GET /units?q=
	EpSeat           = "seat"             // POST /units/{booth}/committee/seats
	EpUnseat         = "unseat"           // DELETE /units/{booth}/committee/seats/{id}
	EpPersonCreate   = "person_create"    // POST /people

	// Representation (issue 9): a coordinator reads their district, the state office the state.
	EpRepresentation      = "representation"       // GET /units/{district or state}/representation
	EpRepresentationBooth = "representation_booth" // the same, ?level=booth
	EpBreakdown           = "breakdown"            // GET /units/{id}/representation/breakdown: a district by=assembly, the state by=district
	EpBreakdownBooth      = "breakdown_booth"      // the same, &level=booth
	EpGaps                = "gaps"                 // GET /units/{assembly}/representation/gaps?level=booth
)

// endpointKinds lists every endpoint of the mix, in report order.
var endpointKinds = []struct {
	name string
	kind Kind
}{
	{EpLogin, KindAuth}, {EpMe, KindRead}, {EpUnit, KindRead}, {EpChildren, KindRead}, {EpCommittee, KindRead},
	{EpPeopleList, KindRead}, {EpPeopleSearch, KindRead}, {EpPeopleSearchHi, KindRead}, {EpUnitSearch, KindRead},
	{EpRepresentation, KindRead}, {EpRepresentationBooth, KindRead}, {EpBreakdown, KindRead}, {EpBreakdownBooth, KindRead},
	{EpGaps, KindRead},
	{EpSeat, KindWrite}, {EpUnseat, KindWrite}, {EpPersonCreate, KindWrite},
}

// Endpoints returns the names of every endpoint the tool knows, in report order.
func Endpoints() []string {
	out := make([]string, 0, len(endpointKinds))
	for _, e := range endpointKinds {
		out = append(out, e.name)
	}
	return out
}

func kindOf(name string) Kind {
	for _, e := range endpointKinds {
		if e.name == name {
			return e.kind
		}
	}
	return ""
}

func order(name string) int {
	for i, e := range endpointKinds {
		if e.name == name {
			return i
		}
	}
	return len(endpointKinds)
}

// presets are the named mixes, weights per thousand. mixed is 80 % reads (the login among
// them, about one request in a thousand: each costs a bcrypt comparison) and 20 % writes;
// seat and unseat nearly balance, so the committees stay about as full as they were. The
// representation figures are 2 % of mixed: a dashboard is opened now and then, not on every page.
// representation is the state office's figures alone (run it with --state-share 1).
var presets = map[string]map[string]int{
	"mixed": {
		EpLogin: 1, EpMe: 60, EpUnit: 140, EpChildren: 140, EpCommittee: 150, EpPeopleList: 100,
		EpPeopleSearch: 45, EpPeopleSearchHi: 45, EpUnitSearch: 99,
		EpRepresentation: 5, EpRepresentationBooth: 3, EpBreakdown: 4, EpBreakdownBooth: 3, EpGaps: 5,
		EpSeat: 95, EpUnseat: 90, EpPersonCreate: 15,
	},
	"reads": {
		EpLogin: 1, EpMe: 75, EpUnit: 175, EpChildren: 175, EpCommittee: 188, EpPeopleList: 125,
		EpPeopleSearch: 56, EpPeopleSearchHi: 56, EpUnitSearch: 123,
		EpRepresentation: 6, EpRepresentationBooth: 4, EpBreakdown: 5, EpBreakdownBooth: 4, EpGaps: 7,
	},
	"writes":         {EpSeat: 475, EpUnseat: 450, EpPersonCreate: 75},
	"representation": {EpRepresentation: 250, EpRepresentationBooth: 250, EpBreakdown: 250, EpBreakdownBooth: 250},
}

// stateOnly lists the endpoints the state office can call with no district in the load (every
// other one reads or writes inside a coordinator's district).
var stateOnly = []string{EpLogin, EpMe, EpChildren, EpCommittee, EpPeopleList, EpPeopleSearch, EpPeopleSearchHi,
	EpRepresentation, EpRepresentationBooth, EpBreakdown, EpBreakdownBooth}

// needsDistrict returns the first endpoint of the mix that needs a coordinator's district, or "".
func (m Mix) needsDistrict() string {
	for _, n := range m.names {
		if !slices.Contains(stateOnly, n) {
			return n
		}
	}
	return ""
}

// Presets returns the names of the named mixes.
func Presets() []string {
	out := make([]string, 0, len(presets))
	for k := range presets {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Mix is the weight of each endpoint in the load.
type Mix struct {
	Name    string
	Weights map[string]int
	names   []string // endpoints with weight > 0, in report order
	cum     []int    // cumulative weights over names
	total   int
}

// ParseMix reads --mix (a preset name, or name=weight,… pairs) and removes the endpoints in skip.
func ParseMix(spec string, skip []string) (Mix, error) {
	m := Mix{Name: spec, Weights: map[string]int{}}
	if p, ok := presets[spec]; ok {
		for k, v := range p {
			m.Weights[k] = v
		}
	} else {
		for _, part := range strings.Split(spec, ",") {
			name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				return Mix{}, fmt.Errorf("--mix %q: not a preset (%s) nor name=weight pairs", spec, strings.Join(Presets(), ", "))
			}
			n, err := strconv.Atoi(w)
			if err != nil || n < 0 {
				return Mix{}, fmt.Errorf("--mix: weight of %s must be a whole number ≥ 0", name)
			}
			if kindOf(name) == "" {
				return Mix{}, fmt.Errorf("--mix: unknown endpoint %q (known: %s)", name, strings.Join(Endpoints(), ", "))
			}
			m.Weights[name] = n
		}
	}
	for _, s := range skip {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if kindOf(s) == "" {
			return Mix{}, fmt.Errorf("--skip: unknown endpoint %q (known: %s)", s, strings.Join(Endpoints(), ", "))
		}
		delete(m.Weights, s)
		m.Name += " -" + s
	}
	for name, w := range m.Weights {
		if w > 0 {
			m.names = append(m.names, name)
		}
	}
	slices.SortFunc(m.names, func(a, b string) int { return order(a) - order(b) })
	for _, n := range m.names {
		m.total += m.Weights[n]
		m.cum = append(m.cum, m.total)
	}
	if m.total == 0 {
		return Mix{}, fmt.Errorf("--mix %q leaves no endpoint to call", m.Name)
	}
	return m, nil
}

// pick returns the endpoint for a number r drawn uniformly from [0, total).
func (m Mix) pick(r int) string {
	i := sort.SearchInts(m.cum, r+1)
	return m.names[i]
}

// has reports whether the mix calls the endpoint.
func (m Mix) has(name string) bool { return m.Weights[name] > 0 }

// Names returns the endpoints the mix calls, in report order.
func (m Mix) Names() []string { return slices.Clone(m.names) }
