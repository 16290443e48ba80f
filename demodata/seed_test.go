package demodata

import (
	"crypto/sha256"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// digest hashes every generated row of a district, naming units by code (their indexes depend
// on the districts seeded before).
func digest(s *Seed, i int) string {
	h := sha256.New()
	d := s.District(i)
	code := func(i int) string {
		switch {
		case i < 0:
			return ""
		case i < d.Base:
			return s.Skeleton()[i].Code
		}
		return d.Units[i-d.Base].Code
	}
	for _, u := range d.Units {
		var pop Census
		if u.Population != nil {
			pop = *u.Population
		}
		fmt.Fprintln(h, u.Level, u.Code, u.Name, u.NameHi, code(u.Parent), deref(u.Number), u.Reserved, code(u.Parliamentary), deref(u.Electors), pop)
	}
	for _, p := range d.People {
		home := code(p.Unit)
		p.Unit = 0
		fmt.Fprintf(h, "%+v %s\n", p, home)
	}
	for _, st := range d.Seats {
		fmt.Fprintln(h, code(st.Unit), st.Person, st.Position)
	}
	fmt.Fprintln(h, d.Committee)
	return fmt.Sprintf("%x", h.Sum(nil))
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// The smallest district (2 assemblies), so that generating it is quick.
const smallDistrict = "UP-MAHOBA"

func TestSeedIsDeterministic(t *testing.T) {
	plan := func(seed uint64, districts ...string) *Seed {
		t.Helper()
		s, err := NewSeed(seed, districts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b, c := plan(7, smallDistrict), plan(7, smallDistrict), plan(8, smallDistrict)
	if digest(a, 0) != digest(b, 0) {
		t.Error("the same seed gave different rows")
	}
	if digest(a, 0) == digest(c, 0) {
		t.Error("another seed gave the same rows")
	}
	// A district comes out the same whichever districts are seeded with it.
	d := plan(7, "UP-CHITRAKOOT", smallDistrict)
	if digest(a, 0) != digest(d, 1) {
		t.Error("the district's rows depend on the other districts seeded")
	}
	if !slices.Equal(a.StateCommittee(), b.StateCommittee()) || slices.Equal(a.StateCommittee(), c.StateCommittee()) {
		t.Error("the state committee does not follow the seed")
	}
}

func TestSeedOrder(t *testing.T) {
	order := SeedOrder()
	if len(order) != 75 || order[0] != "UP-LUCKNOW" {
		t.Fatalf("order = %d districts starting %v, want 75 starting with UP-LUCKNOW", len(order), order[:1])
	}
	seen := map[string]bool{}
	for _, c := range order {
		if seen[c] {
			t.Errorf("%s twice", c)
		}
		seen[c] = true
	}
	if _, err := NewSeed(1, []string{"UP-NOWHERE"}); err == nil {
		t.Error("an unknown district was accepted")
	}
	if _, err := NewSeed(1, []string{"UP-AC-001"}); err == nil {
		t.Error("an assembly was accepted as a district")
	}
	if _, err := NewSeed(1, []string{smallDistrict, smallDistrict}); err == nil {
		t.Error("a district named twice was accepted")
	}
}

// TestSeedBoothsAddUpTo2024: the whole state's booths are the 2014 ones, each assembly topped up
// in proportion to its electors, to 162,069; added booths are numbered after the real ones.
func TestSeedBoothsAddUpTo2024(t *testing.T) {
	s, err := NewSeed(1, SeedOrder())
	if err != nil {
		t.Fatal(err)
	}
	booths := s.Booths()
	if len(booths) != 403 {
		t.Fatalf("%d assemblies, want 403", len(booths))
	}
	real, added := 0, 0
	electors := map[string]int{}
	for _, u := range s.Skeleton() {
		if u.Level == "assembly" {
			electors[u.Code] = *u.Electors
		}
	}
	total := 0
	for _, e := range electors {
		total += e
	}
	for code, b := range booths {
		real += b[0]
		added += b[1]
		// Largest remainder: each assembly gets its exact share, rounded down or up.
		share := float64(Booths2024-wantBooths2014) * float64(electors[code]) / float64(total)
		if float64(b[1]) < share-1 || float64(b[1]) > share+1 {
			t.Errorf("%s: %d booths added, its share is %.1f", code, b[1], share)
		}
	}
	if real != wantBooths2014 || real+added != Booths2024 {
		t.Errorf("booths: %d real + %d added = %d, want %d + %d", real, added, real+added, wantBooths2014, Booths2024-wantBooths2014)
	}
}

// TestSeedDistrictShape checks one district's generated rows: sectors of about ten booths,
// added booths after the real ones with names in both scripts, committees within their sizes
// (about 8 % of booth committees incomplete), people with valid phones and unique voter IDs,
// names in both scripts, and communities near the census shares.
func TestSeedDistrictShape(t *testing.T) {
	s, err := NewSeed(3, []string{smallDistrict})
	if err != nil {
		t.Fatal(err)
	}
	d := s.District(0)
	counts := s.Counts()
	if got := len(s.Skeleton()) + len(d.Units); got != counts.Units {
		t.Errorf("units: %d, Counts says %d", got, counts.Units)
	}
	if len(d.People) != counts.People || len(d.Seats)+len(s.StateCommittee()) != counts.Seats {
		t.Errorf("people %d, seats %d+%d; Counts says %+v", len(d.People), len(d.Seats), len(s.StateCommittee()), counts)
	}
	// Sectors and booths.
	boothsIn := map[int]int{}
	level := func(i int) string {
		if i < d.Base {
			return s.Skeleton()[i].Level
		}
		return d.Units[i-d.Base].Level
	}
	sectors, booths := 0, 0
	lastNumber := map[int]int{}
	for k, u := range d.Units {
		switch u.Level {
		case "sector":
			sectors++
			if level(u.Parent) != "assembly" {
				t.Errorf("sector %s under a %s", u.Code, level(u.Parent))
			}
		case "booth":
			booths++
			boothsIn[u.Parent]++
			if level(u.Parent) != "sector" || u.Parent >= d.Base+k {
				t.Errorf("booth %s not after its sector", u.Code)
			}
			if u.NameHi != "" {
				if !strings.HasPrefix(u.NameHi, fmt.Sprintf("बूथ %d", *u.Number)) || !strings.HasSuffix(u.Name, "(AUXILIARY)") {
					t.Errorf("added booth %s named %q / %q", u.Code, u.Name, u.NameHi)
				}
			} else {
				lastNumber[d.Units[u.Parent-d.Base].Parent] = max(lastNumber[d.Units[u.Parent-d.Base].Parent], *u.Number)
			}
		}
	}
	for _, u := range d.Units {
		if u.NameHi != "" && u.Level == "booth" && *u.Number <= lastNumber[d.Units[u.Parent-d.Base].Parent] {
			t.Errorf("added booth %s numbered %d, not after the real ones (last %d)", u.Code, *u.Number, lastNumber[d.Units[u.Parent-d.Base].Parent])
		}
	}
	if mean := float64(booths) / float64(sectors); mean < 9.5 || mean > 10.5 {
		t.Errorf("%d booths in %d sectors: %.2f a sector, want about 10", booths, sectors, mean)
	}
	for sec, n := range boothsIn {
		if n < 5 || n > 15 {
			t.Errorf("sector %s has %d booths", d.Units[sec-d.Base].Code, n)
		}
	}

	// Committees.
	type committee struct {
		seats int
		pos   map[string]int
	}
	comm := map[int]*committee{}
	for _, st := range d.Seats {
		c := comm[st.Unit]
		if c == nil {
			c = &committee{pos: map[string]int{}}
			comm[st.Unit] = c
		}
		c.seats++
		c.pos[st.Position]++
	}
	pcAssemblies := map[int]int{} // Lok Sabha constituency → its assemblies in the district
	for _, u := range s.Skeleton() {
		if u.Level == "assembly" && s.Skeleton()[u.Parent].Code == smallDistrict && u.Parliamentary >= 0 {
			pcAssemblies[u.Parliamentary]++
		}
	}
	incomplete := 0
	for i, c := range comm {
		for _, p := range []string{"president", "general_secretary", "treasurer", "booth_agent"} {
			if c.pos[p] > 1 {
				t.Errorf("%d holders of %s on one committee", c.pos[p], p)
			}
		}
		switch level(i) {
		case "booth":
			if c.seats > 21 {
				t.Errorf("a booth committee of %d", c.seats)
			}
			if c.seats < 10 || c.pos["president"] == 0 || c.pos["booth_agent"] == 0 {
				incomplete++
			}
		case "sector":
			if c.seats < 7 || c.seats > 15 || c.pos["president"] == 0 {
				t.Errorf("a sector committee of %d, positions %v", c.seats, c.pos)
			}
		case "assembly", "district":
			if c.seats < 21 || c.seats > 61 || c.pos["president"]+c.pos["general_secretary"]+c.pos["treasurer"] != 3 {
				t.Errorf("a %s committee of %d, positions %v", level(i), c.seats, c.pos)
			}
		case "parliamentary":
			// Each of its seeded assemblies sends 3 to 6; the first, the office bearers.
			if c.seats < 3 || c.seats > 6*pcAssemblies[i] || c.pos["president"]+c.pos["general_secretary"]+c.pos["treasurer"] != 3 {
				t.Errorf("a Lok Sabha committee of %d from %d assemblies, positions %v", c.seats, pcAssemblies[i], c.pos)
			}
		default:
			t.Errorf("a committee at a %s", level(i))
		}
	}
	if share := float64(incomplete) / float64(booths); share < 0.05 || share > 0.11 {
		t.Errorf("%d of %d booth committees incomplete (%.1f %%), want about 8 %%", incomplete, booths, 100*share)
	}
	if len(pcAssemblies) == 0 || len(comm) != booths+sectors+2+1+len(pcAssemblies) { // Mahoba's 2 assemblies and the district
		t.Errorf("%d committees, want one per booth, sector, assembly, Lok Sabha constituency and the district", len(comm))
	}

	// People.
	phone := regexp.MustCompile(`^\+91[6-9][0-9]{9}$`)
	voter := regexp.MustCompile(`^[A-Z]{3}[0-9]{7}$`)
	voters := map[string]bool{}
	var sc, st, muslim float64
	for _, p := range d.People {
		if p.Phone != "" && !phone.MatchString(p.Phone) {
			t.Errorf("phone %q", p.Phone)
		}
		if p.VoterID != "" {
			if !voter.MatchString(p.VoterID) || voters[p.VoterID] {
				t.Errorf("voter ID %q bad or repeated", p.VoterID)
			}
			voters[p.VoterID] = true
		}
		if !strings.ContainsFunc(p.NameHi, func(r rune) bool { return unicode.Is(unicode.Devanagari, r) }) ||
			strings.ContainsFunc(p.Name, func(r rune) bool { return r > unicode.MaxASCII }) {
			t.Errorf("names %q / %q", p.Name, p.NameHi)
		}
		switch {
		case p.Category == "SC":
			sc++
		case p.Category == "ST":
			st++
		}
		if p.Religion == "muslim" {
			muslim++
		}
	}
	if len(voters) < len(d.People)*8/10 {
		t.Errorf("only %d of %d people have a voter ID", len(voters), len(d.People))
	}
	sh := s.shareOf(smallDistrict)
	n := float64(len(d.People))
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"SC", sc / n, sh.sc}, {"ST", st / n, sh.st}, {"Muslim", muslim / n, sh.muslim}} {
		if c.got < c.want-0.02 || c.got > c.want+0.02 {
			t.Errorf("%s share %.3f, census %.3f", c.name, c.got, c.want)
		}
	}
}

// TestUpperCommittees: the demo's committees above the booth, one per assembly of the given
// districts, per district, per Lok Sabha constituency and for the state, each with one president, general secretary and
// treasurer, and voter IDs clear of those of the booth committees.
func TestUpperCommittees(t *testing.T) {
	r, err := UpperCommittees(1, "UP-LUCKNOW", smallDistrict)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	booth, err := Committees(1, 1, smallDistrict)
	if err != nil {
		t.Fatal(err)
	}
	boothRecs, err := csv.NewReader(booth).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	voters := map[string]bool{}
	for _, rec := range boothRecs[1:] {
		if rec[5] != "" {
			voters[rec[5]] = true
		}
	}
	pos := map[string]map[string]int{}
	for _, rec := range recs[1:] {
		if rec[9] != rec[10] {
			t.Errorf("member entered at %s sits at %s", rec[9], rec[10])
		}
		if pos[rec[10]] == nil {
			pos[rec[10]] = map[string]int{}
		}
		pos[rec[10]][rec[11]]++
		if rec[5] != "" && voters[rec[5]] {
			t.Errorf("voter ID %s also in the booth committees", rec[5])
		}
	}
	// Lucknow's 9 assemblies and Mahoba's 2, the two districts, the state, and the Lok Sabha
	// constituencies of those assemblies (Lucknow and Mohanlalganj, Hamirpur).
	if len(pos) != 9+2+2+1+3 {
		t.Errorf("%d committees: %v", len(pos), pos)
	}
	for code, p := range pos {
		n := 0
		for _, k := range p {
			n += k
		}
		if p["president"] != 1 || p["general_secretary"] != 1 || p["treasurer"] != 1 || n < 21 || n > 61 {
			t.Errorf("%s: %d seats %v", code, n, p)
		}
	}
	if _, err := UpperCommittees(1, "UP-NOWHERE"); err == nil {
		t.Error("an unknown district was accepted")
	}
}

// holderStats counts, per committee level, the seats and the holders' categories and religions.
type holderStats map[string]*struct {
	seats      int
	categories map[string]int
	religions  map[string]int
}

func (h holderStats) add(level, category, religion string) {
	s := h[level]
	if s == nil {
		s = &struct {
			seats      int
			categories map[string]int
			religions  map[string]int
		}{categories: map[string]int{}, religions: map[string]int{}}
		h[level] = s
	}
	s.seats++
	s.categories[category]++
	s.religions[religion]++
}

// check fails for a level without seats, and for one whose holders are all of one category or
// all Hindu: the representation figures would have nothing to show there.
func (h holderStats) check(t *testing.T, what string, levels []string) {
	t.Helper()
	for _, l := range levels {
		s := h[l]
		switch {
		case s == nil:
			t.Errorf("%s: no committee at the %s level", what, l)
		case len(s.categories) < 3 || s.religions["hindu"] == s.seats || s.religions[""] > 0:
			t.Errorf("%s: %d seats at the %s level, categories %v, religions %v", what, s.seats, l, s.categories, s.religions)
		}
	}
}

// TestSeedFillsEveryLevel: a seed of two districts that share a Lok Sabha constituency has a
// committee at every unit it creates, of every level (the constituency's filled by both, with one
// set of office bearers), held by people of several categories and religions.
func TestSeedFillsEveryLevel(t *testing.T) {
	s, err := NewSeed(5, []string{smallDistrict, "UP-HAMIRPUR"}) // UP-PC-047 spans both
	if err != nil {
		t.Fatal(err)
	}
	level := map[int]string{}
	needs := map[int]bool{0: true} // units that must have a committee: the state, and below
	for i, u := range s.Skeleton() {
		level[i] = u.Level
	}
	h := holderStats{}
	positions := map[int]map[string]int{}
	var ds []*DistrictSeed
	for i := range s.Districts() {
		d := s.District(i)
		ds = append(ds, d)
		needs[d.Unit] = true
		for k, u := range d.Units {
			level[d.Base+k] = u.Level
			needs[d.Base+k] = true
		}
		for j, u := range s.Skeleton() {
			if u.Level == "assembly" && u.Parent == d.Unit {
				needs[j], needs[u.Parliamentary] = true, true
			}
		}
		for _, st := range d.Seats {
			p := d.People[st.Person]
			h.add(level[st.Unit], p.Category, p.Religion)
			if positions[st.Unit] == nil {
				positions[st.Unit] = map[string]int{}
			}
			positions[st.Unit][st.Position]++
		}
	}
	for _, st := range s.StateCommittee() {
		d := ds[st.District]
		p := d.People[d.Committee[st.Member]]
		h.add("state", p.Category, p.Religion)
		positions[0] = map[string]int{"seats": 1}
	}
	for i := range needs {
		if positions[i] == nil {
			t.Errorf("%s %d has no committee", level[i], i)
		}
	}
	for i, p := range positions {
		if level[i] == "parliamentary" && (p["president"] != 1 || p["general_secretary"] != 1 || p["treasurer"] != 1) {
			t.Errorf("Lok Sabha committee %s: positions %v", s.Skeleton()[i].Code, p)
		}
	}
	h.check(t, "seed", []string{"state", "district", "parliamentary", "assembly", "sector", "booth"})
}

// TestDemoFillsEveryLevel: the committees of serve --demo (booth committees of some booths, and
// UpperCommittees) sit at every level the demo's units have, held by people of several
// categories and religions.
func TestDemoFillsEveryLevel(t *testing.T) {
	districts := []string{"UP-LUCKNOW", smallDistrict}
	level := map[string]string{}
	for _, r := range []func() (*csv.Reader, error){
		func() (*csv.Reader, error) { return csv.NewReader(Units()), nil },
		func() (*csv.Reader, error) {
			b, err := BoothsOf(districts...)
			return csv.NewReader(b), err
		},
	} {
		cr, err := r()
		if err != nil {
			t.Fatal(err)
		}
		recs, err := cr.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs[1:] {
			level[rec[1]] = rec[0]
		}
	}
	h := holderStats{}
	booth, err := Committees(0.6, 1, districts...)
	if err != nil {
		t.Fatal(err)
	}
	upper, err := UpperCommittees(1, districts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []io.Reader{booth, upper} {
		recs, err := csv.NewReader(r).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs[1:] {
			h.add(level[rec[10]], rec[6], rec[7])
		}
	}
	levels := map[string]bool{}
	for _, l := range level {
		levels[l] = true
	}
	delete(levels, "sector") // the demo's booths hang under their assemblies
	var want []string
	for l := range levels {
		want = append(want, l)
	}
	slices.Sort(want)
	h.check(t, "demo", want)
}
