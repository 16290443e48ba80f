package loadtest

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Role names as the API speaks them.
const (
	roleStateOffice = "state_office"
	roleCoordinator = "district_coordinator"
)

// Account is a login the tool may use.
type Account struct {
	Username string
	Password string
}

// ParseAccounts reads lines "username password"; blank lines and lines starting with # are skipped.
func ParseAccounts(r io.Reader) ([]Account, error) {
	var out []Account
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.Fields(s)
		if len(f) != 2 {
			return nil, fmt.Errorf("accounts line %d: want \"username password\"", line)
		}
		out = append(out, Account{Username: f[0], Password: f[1]})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("accounts: no account listed")
	}
	return out, nil
}

// session is a logged-in account.
type session struct {
	Account
	userID  string
	role    string
	scopeID string
	token   string
}

func (a *httpAPI) login(ctx context.Context, acc Account) (session, answer) {
	ans := a.do(ctx, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": acc.Username, "password": acc.Password})
	var s sessionJSON
	if ans.err != nil || ans.status != http.StatusOK {
		return session{}, ans
	}
	if err := ans.decode("login", &s); err != nil {
		ans.err = err
		return session{}, ans
	}
	out := session{Account: acc, userID: s.User.ID, role: s.User.Role, token: s.AccessToken}
	if s.User.ScopeUnitID != nil {
		out.scopeID = *s.User.ScopeUnitID
	}
	return out, ans
}

// district is one district and the units and people a client there picks from.
type district struct {
	mu             sync.Mutex // guards people, which grows as clients create people
	id, code, name string
	assemblies     []string
	sectors        []string
	booths         []string
	people         []string // people looked after inside the district, for seats
	words          []string // words of unit names, for unit search
	assembly       string   // the code of the one assembly whose booths are kept (--writers-in assembly)
}

// world is what discovery found: the accounts the clients log in as, and the districts.
type world struct {
	state     *session    // the state office account (nil: none)
	stateUnit string      // the state's unit id
	districts []unitJSON  // every district the state office sees
	coords    []*session  // district coordinators that logged in
	pools     []*district // the coordinators' districts, with their units and people
	byID      map[string]*district
	skipped   []string // accounts or districts left out, and why
}

// discover logs in the accounts the load needs and reads each district's units and people.
// With accounts listed, those are used (by the role each has); otherwise up.office (stateUser)
// logs in with password, lists the districts and the coordinator accounts, and the
// coordinators named <district>.coord (lucknow.coord for UP-LUCKNOW) are used, as many as
// there are coordinator clients, chosen by rng.
func discover(ctx context.Context, a *httpAPI, cfg Config, rng *rand.Rand, wantCoords int, log func(string, ...any)) (*world, error) {
	w := &world{byID: map[string]*district{}}
	var candidates []Account // coordinators to log in
	var logged []*session    // coordinators already logged in (from --accounts)
	if len(cfg.Accounts) > 0 {
		for _, acc := range cfg.Accounts {
			s, ans := a.login(ctx, acc)
			if ans.err != nil || ans.status != http.StatusOK {
				w.skipped = append(w.skipped, fmt.Sprintf("%s: login answered %s", acc.Username, describe(ans)))
				continue
			}
			switch s.role {
			case roleStateOffice:
				if w.state == nil {
					w.state = &s
				}
			case roleCoordinator:
				logged = append(logged, &s)
			default:
				w.skipped = append(w.skipped, fmt.Sprintf("%s: role %s is not in the mix", acc.Username, s.role))
			}
		}
	} else {
		s, ans := a.login(ctx, Account{Username: cfg.StateUser, Password: cfg.Password})
		if ans.err != nil || ans.status != http.StatusOK {
			return nil, fmt.Errorf("log in as %s: %s", cfg.StateUser, describe(ans))
		}
		w.state = &s
	}
	if w.state != nil {
		w.stateUnit = w.state.scopeID
		ds, err := listAll[unitJSON](ctx, a, "/api/v1/units?level=district", w.state.token, 500, 20)
		if err != nil {
			return nil, err
		}
		w.districts = ds
	}
	if len(cfg.Accounts) == 0 {
		// The coordinator accounts that exist, so that no login is tried for a district that was
		// not seeded: failed logins count against the server's login limits.
		users, err := listAll[accountJSON](ctx, a, "/api/v1/users?role="+roleCoordinator+"&active=true", w.state.token, 500, 20)
		if err != nil {
			return nil, fmt.Errorf("list coordinator accounts as %s: %w", cfg.StateUser, err)
		}
		// <district>.coord by the contract (lucknow.coord); failing that, any *.coord whose scope
		// is the district (ambedkarnagar.coord for UP-AMBEDKAR-NAGAR).
		have := map[string]bool{}
		byScope := map[string]string{}
		for _, u := range users {
			have[u.Username] = true
			if u.Scope != nil && strings.HasSuffix(u.Username, ".coord") && byScope[u.Scope.ID] == "" {
				byScope[u.Scope.ID] = u.Username
			}
		}
		for _, d := range w.districts {
			name := coordinatorName(d.Code)
			if !have[name] {
				name = byScope[d.ID]
			}
			if name != "" {
				candidates = append(candidates, Account{Username: name, Password: cfg.Password})
			}
		}
		if len(candidates) < len(w.districts) {
			w.skipped = append(w.skipped, fmt.Sprintf("%d of %d districts have no coordinator account <district>.coord", len(w.districts)-len(candidates), len(w.districts)))
		}
	}
	rng.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	rng.Shuffle(len(logged), func(i, j int) { logged[i], logged[j] = logged[j], logged[i] })
	w.coords = logged[:min(len(logged), wantCoords)]
	for _, acc := range candidates {
		if len(w.coords) >= wantCoords {
			break
		}
		s, ans := a.login(ctx, acc)
		if ans.err != nil || ans.status != http.StatusOK {
			w.skipped = append(w.skipped, fmt.Sprintf("%s: login answered %s", acc.Username, describe(ans)))
			continue
		}
		w.coords = append(w.coords, &s)
	}
	log("logged in %d district coordinators%s; reading their districts", len(w.coords), map[bool]string{true: " and the state office", false: ""}[w.state != nil])

	// One district per coordinator account; several accounts of one district share its pool.
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, s := range w.coords {
		mu.Lock()
		if _, ok := w.byID[s.scopeID]; ok {
			mu.Unlock()
			continue
		}
		d := &district{id: s.scopeID}
		w.byID[s.scopeID] = d
		w.pools = append(w.pools, d)
		mu.Unlock()
		wg.Add(1)
		go func(s *session, d *district) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := d.load(ctx, a, s.token); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("district of %s: %w", s.Username, err)
				}
				mu.Unlock()
			}
		}(s, d)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	slices.SortFunc(w.pools, func(x, y *district) int { return strings.Compare(x.code, y.code) })
	return w, nil
}

// coordinatorName is the seeded coordinator's username of a district code: UP-LUCKNOW → lucknow.coord.
func coordinatorName(code string) string {
	if _, rest, ok := strings.Cut(code, "-"); ok {
		code = rest
	}
	return strings.ToLower(code) + ".coord"
}

// load reads the district's assemblies, sectors, booths (up to 2,000) and people (up to 200).
func (d *district) load(ctx context.Context, a *httpAPI, token string) error {
	var u unitJSON
	if err := a.do(ctx, http.MethodGet, "/api/v1/units/"+d.id, token, nil).decode("GET unit", &u); err != nil {
		return err
	}
	d.code, d.name = u.Code, u.Name
	under := "/api/v1/units?under=" + url.QueryEscape(d.id) + "&level="
	as, err := listAll[unitJSON](ctx, a, under+"assembly", token, 500, 1)
	if err != nil {
		return err
	}
	ss, err := listAll[unitJSON](ctx, a, under+"sector", token, 500, 2)
	if err != nil {
		return err
	}
	bs, err := listAll[unitJSON](ctx, a, under+"booth", token, 500, 4)
	if err != nil {
		return err
	}
	ps, err := listAll[personJSON](ctx, a, "/api/v1/people?under="+url.QueryEscape(d.id), token, 200, 1)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, list := range [][]unitJSON{{u}, as, ss, bs} {
		for _, x := range list {
			switch x.Level {
			case "assembly":
				d.assemblies = append(d.assemblies, x.ID)
			case "sector":
				d.sectors = append(d.sectors, x.ID)
			case "booth":
				d.booths = append(d.booths, x.ID)
			}
			for _, w := range append(strings.Fields(x.Name), strings.Fields(x.NameHi)...) {
				w = strings.Trim(w, ".,()-/")
				if utf8.RuneCountInString(w) >= 4 && !seen[w] && !isNumber(w) {
					seen[w] = true
					d.words = append(d.words, w)
				}
			}
		}
	}
	for _, p := range ps {
		d.people = append(d.people, p.ID)
	}
	if len(d.booths) == 0 {
		return fmt.Errorf("%s has no booths: load booths first", d.code)
	}
	return nil
}

// narrowToAssembly keeps the booths of one assembly of the district, chosen by rng, and that
// assembly alone; every seat the load takes then lands in it.
func (d *district) narrowToAssembly(ctx context.Context, a *httpAPI, token string, rng *rand.Rand) error {
	if len(d.assemblies) == 0 {
		return fmt.Errorf("%s has no assemblies", d.code)
	}
	id := pick(rng, d.assemblies)
	var u unitJSON
	if err := a.do(ctx, http.MethodGet, "/api/v1/units/"+id, token, nil).decode("GET unit", &u); err != nil {
		return err
	}
	bs, err := listAll[unitJSON](ctx, a, "/api/v1/units?under="+url.QueryEscape(id)+"&level=booth", token, 500, 4)
	if err != nil {
		return err
	}
	if len(bs) == 0 {
		return fmt.Errorf("assembly %s has no booths", u.Code)
	}
	d.booths = d.booths[:0]
	for _, b := range bs {
		d.booths = append(d.booths, b.ID)
	}
	d.assemblies, d.sectors, d.assembly = []string{id}, nil, u.Code
	return nil
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// describe says what an answer was, for a message.
func describe(ans answer) string {
	if ans.err != nil {
		return ans.err.Error()
	}
	return strconv.Itoa(ans.status) + " " + http.StatusText(ans.status)
}

// tokenSession reads the session id (the sid claim) from an access token's payload, without
// checking its signature: the bare-SQL baseline needs it to mirror the server's actor query.
// 0 when the token carries none.
func tokenSession(token string) int64 {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return 0
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return 0
	}
	var c struct {
		SID string `json:"sid"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return 0
	}
	return id64(c.SID)
}
