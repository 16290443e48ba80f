package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Names searched for in the people register, in each script: common given names and surnames of
// Uttar Pradesh (the seed and the demo data draw from the same ones).
var (
	searchLatin      = []string{"Ramesh", "Yadav", "Sunita", "Singh", "Kumar", "Sharma", "Geeta", "Khan", "Mohan", "Gupta", "Ansari", "Maurya", "Devi", "Verma"}
	searchDevanagari = []string{"रमेश", "यादव", "सुनीता", "सिंह", "कुमार", "शर्मा", "गीता", "ख़ान", "मोहन", "गुप्ता", "अंसारी", "मौर्य", "देवी", "वर्मा"}
)

// New people get names from these, both scripts together.
var newNames = []struct{ given, givenHi, gender string }{
	{"Ramesh", "रमेश", "male"}, {"Sunita", "सुनीता", "female"}, {"Mohan", "मोहन", "male"}, {"Geeta", "गीता", "female"},
	{"Salim", "सलीम", "male"}, {"Rekha", "रेखा", "female"}, {"Arvind", "अरविंद", "male"}, {"Kiran", "किरण", "female"},
}

var newSurnames = []struct{ name, nameHi, category string }{
	{"Yadav", "यादव", "OBC"}, {"Kumar", "कुमार", "SC"}, {"Sharma", "शर्मा", "GEN"}, {"Maurya", "मौर्य", "OBC"}, {"Gond", "गोंड", "ST"}, {"Ansari", "अंसारी", "OBC"},
}

// call is one read as the bare-SQL baseline replays it.
type call struct {
	ep     string
	userID int64
	sid    int64 // the session of the caller's token (its sid claim)
	unitID int64
	q      string
	by     string // a breakdown's by= (the child level of the unit)
}

// ownSeat is a seat a client created, which it may end again.
type ownSeat struct{ unit, seat string }

// client is one virtual user: a district coordinator working in their district, or the state
// office looking across the state.
type client struct {
	idx   int
	api   *httpAPI
	rng   *rand.Rand
	mix   Mix
	w     *world
	sess  session
	home  *district // nil for the state office
	since time.Time // when sess.token was issued

	st       *stats // nil while warming up
	errs     *samples
	record   bool // keep calls for the baseline
	maxCalls int
	calls    []call
	uid      int64
	sid      int64 // the session of c.sess's token

	seats   []ownSeat
	written writeCounts

	requests, errors int64 // answers recorded in st, by this client (its server's share)
}

type writeCounts struct {
	seated, unseated, created int64
}

// samples keeps the first few error descriptions.
type samples struct {
	mu   sync.Mutex
	list []string
	max  int
}

func (s *samples) add(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.list) < s.max {
		s.list = append(s.list, msg)
	}
}

// tokenTTL is how long the client uses one access token before it logs in again (the server's
// tokens last 15 minutes).
const tokenTTL = 10 * time.Minute

// note records an answer; it returns whether the request succeeded.
func (c *client) note(ctx context.Context, ep, what string, ans answer) bool {
	if ctx.Err() != nil {
		return false // stopped from outside: the request did not finish on its own
	}
	if c.st != nil {
		c.requests++
		if c.st.add(ep, ans) == outcomeError {
			c.errors++
			c.errs.add(fmt.Sprintf("%s %s: %s%s", ep, what, describe(ans), problemDetail(ans)))
		}
	}
	return ans.err == nil && ans.status/100 == 2
}

func problemDetail(ans answer) string {
	if ans.err != nil || ans.status/100 == 2 {
		return ""
	}
	var p struct {
		Detail string `json:"detail"`
	}
	if json.Unmarshal(ans.body, &p) != nil || p.Detail == "" {
		return ""
	}
	return ": " + p.Detail
}

func (c *client) get(ctx context.Context, ep, path string, rec call) {
	ans := c.api.do(ctx, http.MethodGet, path, c.sess.token, nil)
	if c.note(ctx, ep, "GET "+path, ans) && c.record && len(c.calls) < c.maxCalls {
		rec.ep, rec.userID, rec.sid = ep, c.uid, c.sid
		c.calls = append(c.calls, rec)
	}
}

func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

func id64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// act makes one request of the endpoint ep.
func (c *client) act(ctx context.Context, ep string) {
	if ep != EpLogin && time.Since(c.since) > tokenTTL {
		ep = EpLogin
	}
	switch ep {
	case EpLogin:
		s, ans := c.api.login(ctx, c.sess.Account)
		if c.note(ctx, ep, "POST /api/v1/auth/login", ans) {
			c.sess.token, c.since = s.token, time.Now()
		}
	case EpMe:
		c.get(ctx, ep, "/api/v1/me", call{})
	case EpUnit:
		id := c.pickUnit()
		c.get(ctx, ep, "/api/v1/units/"+id, call{unitID: id64(id)})
	case EpChildren:
		id := c.pickParent()
		c.get(ctx, ep, "/api/v1/units/"+id+"/children", call{unitID: id64(id)})
	case EpCommittee:
		id := c.pickCommittee()
		c.get(ctx, ep, "/api/v1/units/"+id+"/committee", call{unitID: id64(id)})
	case EpPeopleList:
		id := c.pickUnder()
		c.get(ctx, ep, "/api/v1/people?under="+id, call{unitID: id64(id)})
	case EpPeopleSearch, EpPeopleSearchHi:
		list := searchLatin
		if ep == EpPeopleSearchHi {
			list = searchDevanagari
		}
		q := pick(c.rng, list)
		c.get(ctx, ep, "/api/v1/people?q="+url.QueryEscape(q), call{q: q})
	case EpUnitSearch:
		q := c.pickWord()
		c.get(ctx, ep, "/api/v1/units?q="+url.QueryEscape(q), call{q: q})
	case EpRepresentation, EpRepresentationBooth:
		id := c.figuresUnit()
		c.get(ctx, ep, "/api/v1/units/"+id+"/representation"+levelQuery(ep, "?"), call{unitID: id64(id)})
	case EpBreakdown, EpBreakdownBooth:
		id, by := c.figuresUnit(), "assembly"
		if c.home == nil {
			by = "district"
		}
		c.get(ctx, ep, "/api/v1/units/"+id+"/representation/breakdown?by="+by+levelQuery(ep, "&"), call{unitID: id64(id), by: by})
	case EpGaps:
		id := c.pickAssembly()
		c.get(ctx, ep, "/api/v1/units/"+id+"/representation/gaps?level=booth", call{unitID: id64(id)})
	case EpSeat:
		c.seat(ctx)
	case EpUnseat:
		c.unseat(ctx)
	case EpPersonCreate:
		c.createPerson(ctx, c.writeDistrict())
	}
}

// writeDistrict is where the client writes: a coordinator in their own district, the state
// office in any district the load has a coordinator for.
func (c *client) writeDistrict() *district {
	if c.home != nil {
		return c.home
	}
	return pick(c.rng, c.w.pools)
}

// seat puts a person of the district on a booth committee as a member; with nobody to seat yet,
// it creates a person instead.
func (c *client) seat(ctx context.Context) {
	d := c.writeDistrict()
	person, ok := d.randomPerson(c.rng)
	if !ok {
		c.createPerson(ctx, d)
		return
	}
	booth := pick(c.rng, d.booths)
	path := "/api/v1/units/" + booth + "/committee/seats"
	ans := c.api.do(ctx, http.MethodPost, path, c.sess.token, map[string]string{"person_id": person, "position": "member"})
	if c.note(ctx, EpSeat, "POST "+path, ans) {
		var s seatJSON
		if ans.decode("seat", &s) == nil {
			c.seats = append(c.seats, ownSeat{unit: booth, seat: s.ID})
			c.written.seated++
		}
	}
}

// unseat ends one of the seats this client made; with none, it seats someone instead.
func (c *client) unseat(ctx context.Context) {
	if len(c.seats) == 0 {
		c.seat(ctx)
		return
	}
	i := c.rng.IntN(len(c.seats))
	s := c.seats[i]
	c.seats[i] = c.seats[len(c.seats)-1]
	c.seats = c.seats[:len(c.seats)-1]
	path := "/api/v1/units/" + s.unit + "/committee/seats/" + s.seat
	ans := c.api.do(ctx, http.MethodDelete, path, c.sess.token, nil)
	if c.note(ctx, EpUnseat, "DELETE "+path, ans) {
		c.written.unseated++
	}
}

// createPerson adds a person looked after at a booth of the district, named in both scripts.
func (c *client) createPerson(ctx context.Context, d *district) {
	n, s := pick(c.rng, newNames), pick(c.rng, newSurnames)
	body := map[string]any{"name": n.given + " " + s.name, "name_hi": n.givenHi + " " + s.nameHi, "gender": n.gender,
		"category": s.category, "birth_year": 1950 + c.rng.IntN(50), "home_unit_id": pick(c.rng, d.booths)}
	ans := c.api.do(ctx, http.MethodPost, "/api/v1/people", c.sess.token, body)
	if c.note(ctx, EpPersonCreate, "POST /api/v1/people", ans) {
		var p personJSON
		if ans.decode("person", &p) == nil {
			d.addPerson(p.ID)
			c.written.created++
		}
	}
}

// cleanup ends the seats the client made and still holds, so that a run leaves the committees
// as it found them (their history keeps the terms). Not measured.
func (c *client) cleanup(ctx context.Context) (ended int64) {
	for _, s := range c.seats {
		ans := c.api.do(ctx, http.MethodDelete, "/api/v1/units/"+s.unit+"/committee/seats/"+s.seat, c.sess.token, nil)
		if ans.err == nil && ans.status == http.StatusNoContent {
			ended++
		}
	}
	c.seats = nil
	return ended
}

func (d *district) randomPerson(rng *rand.Rand) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.people) == 0 {
		return "", false
	}
	return pick(rng, d.people), true
}

func (d *district) addPerson(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.people = append(d.people, id)
}

// The units a read goes to. A coordinator reads inside their district: the district itself,
// its assemblies, sectors and booths, more often the lower ones. The state office reads the
// state, its districts and the assemblies of the districts in the load.

func (c *client) pickUnit() string {
	r := c.rng.IntN(100)
	if d := c.home; d != nil {
		switch {
		case r < 10:
			return d.id
		case r < 40:
			return pickOr(c.rng, d.assemblies, d.id)
		case r < 60 && len(d.sectors) > 0:
			return pick(c.rng, d.sectors)
		}
		return pick(c.rng, d.booths)
	}
	switch {
	case r < 20:
		return c.w.stateUnit
	case r < 60:
		return pick(c.rng, c.w.districts).ID
	}
	d := pick(c.rng, c.w.pools)
	return pickOr(c.rng, d.assemblies, d.id)
}

func (c *client) pickParent() string {
	r := c.rng.IntN(100)
	if d := c.home; d != nil {
		switch {
		case r < 30:
			return d.id
		case r < 70 || len(d.sectors) == 0:
			return pickOr(c.rng, d.assemblies, d.id)
		}
		return pick(c.rng, d.sectors)
	}
	if r < 50 {
		return c.w.stateUnit
	}
	return pick(c.rng, c.w.districts).ID
}

func (c *client) pickCommittee() string {
	r := c.rng.IntN(100)
	if d := c.home; d != nil {
		switch {
		case r < 80:
			return pick(c.rng, d.booths)
		case r < 90 && len(d.sectors) > 0:
			return pick(c.rng, d.sectors)
		case r < 95:
			return pickOr(c.rng, d.assemblies, d.id)
		}
		return d.id
	}
	if r < 20 {
		return c.w.stateUnit
	}
	return pick(c.rng, c.w.districts).ID
}

func (c *client) pickUnder() string {
	if d := c.home; d != nil {
		if c.rng.IntN(2) == 0 {
			return d.id
		}
		return pickOr(c.rng, d.assemblies, d.id)
	}
	return pick(c.rng, c.w.districts).ID
}

func (c *client) pickWord() string {
	d := c.home
	if d == nil {
		d = pick(c.rng, c.w.pools)
	}
	if len(d.words) == 0 {
		return d.name
	}
	return pick(c.rng, d.words)
}

// figuresUnit is whose representation a client reads: a coordinator their district, the state
// office the state.
func (c *client) figuresUnit() string {
	if c.home != nil {
		return c.home.id
	}
	return c.w.stateUnit
}

// levelQuery is the level= parameter of the booth variants of the representation endpoints.
func levelQuery(ep, sep string) string {
	if ep == EpRepresentationBooth || ep == EpBreakdownBooth {
		return sep + "level=booth"
	}
	return ""
}

// pickAssembly is an assembly of the client's district (the state office: of any district in the
// load), or the district when it has none.
func (c *client) pickAssembly() string {
	d := c.writeDistrict()
	return pickOr(c.rng, d.assemblies, d.id)
}

func pickOr[T any](rng *rand.Rand, list []T, def T) T {
	if len(list) == 0 {
		return def
	}
	return pick(rng, list)
}
