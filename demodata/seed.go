package demodata

// The generator behind `sangathan seed`: the real units of Uttar Pradesh, its 2014 booths topped
// up to the 2024 count, sectors of about ten booths, and generated committees at every booth,
// sector, assembly, district, Lok Sabha constituency and at the state. It knows nothing of
// databases: the services package numbers the rows and writes them.
//
// Everything is drawn from random streams keyed by the seed and the district's code, so a
// district comes out the same whichever other districts are seeded with it; only the state
// committee, drawn from the seeded districts' committees, and who holds the offices of a Lok
// Sabha committee (the members of its first seeded assembly), depend on the selection.

import (
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Booths2024 is the number of polling stations in Uttar Pradesh at the 2024 Lok Sabha election;
// the seed tops the 2014 booths up to it.
const Booths2024 = 162069

// SeedUnit is one unit the seed writes. Parent and Parliamentary are indexes in the seed's
// numbering of units (the skeleton first, then each seeded district's sectors and booths); -1
// means none.
type SeedUnit struct {
	Level         string
	Code          string
	Name          string
	NameHi        string
	Parent        int
	Number        *int
	Reserved      string
	Parliamentary int
	Electors      *int
	Population    *Census
}

// Census holds a district's (or the state's) Census 2011 figures.
type Census struct{ Total, SC, ST, Muslim, Minority int64 }

// SeedPerson is one generated committee member. Unit is the index of the home booth, where the
// person is looked after. Phone and VoterID are empty when the person has none.
type SeedPerson struct {
	Name, NameHi string
	Gender       string
	BirthYear    int
	Phone        string
	VoterID      string
	Category     string
	Religion     string
	Caste        string
	Unit         int
	MembershipNo string
	PublicOffice string
}

// SeedSeat seats person Person (an index in the district's People) on the committee of unit
// Unit (an index in the seed's numbering) in Position.
type SeedSeat struct {
	Unit     int
	Person   int
	Position string
}

// StateSeat seats the Member-th member of the District-th seeded district's committee
// (DistrictSeed.Committee) on the state committee.
type StateSeat struct {
	District int
	Member   int
	Position string
}

// SeedCounts are the rows a seed writes.
type SeedCounts struct{ Units, People, Seats int }

// Rows is the total.
func (c SeedCounts) Rows() int { return c.Units + c.People + c.Seats }

// SeedOrder returns the 75 district codes in the order `seed --districts N` takes them:
// Lucknow, then the other districts of serve --demo, then the rest by code.
func SeedOrder() []string {
	out := slices.Clone(DemoDistricts)
	for _, u := range skeletonRows() {
		if u.Level == "district" && !slices.Contains(out, u.Code) {
			out = append(out, u.Code)
		}
	}
	return out
}

// Seed is the plan of one seed: which districts, with what seed. Build it with NewSeed.
type Seed struct {
	seed      uint64
	skeleton  []SeedUnit
	index     map[string]int // skeleton code → index
	districts []*districtPlan
	shares    map[string]share
	state     share
	pcLead    map[int]int // Lok Sabha constituency → its first seeded assembly (skeleton indexes)
}

type districtPlan struct {
	code   string
	unit   int // skeleton index
	lgd    int
	base   int // index of the district's first sector
	acs    []*acPlan
	sizes  *districtSizes
	nUnits int
}

type acPlan struct {
	unit    int // skeleton index
	number  int
	prefix  string // of the voter IDs of its people
	booths  []boothPlan
	sectors []int // booths per sector, in order
}

type boothPlan struct {
	code, name, nameHi string
	number             int
	electors           *int
	added              bool // since 2014
}

// NewSeed plans a seed of the given district codes (in that order; empty: none, the skeleton
// only). Returns an error for an unknown or repeated code.
func NewSeed(seed uint64, districts []string) (*Seed, error) {
	s := &Seed{seed: seed, index: map[string]int{}}
	s.skeleton = skeletonRows()
	for i, u := range s.skeleton {
		s.index[u.Code] = i
	}
	var err error
	if s.shares, err = districtShares(); err != nil {
		return nil, err
	}
	s.state = share{sc: 0.21, st: 0.006, muslim: 0.19, other: 0.007}
	seen := map[string]bool{}
	acsOf := map[int][]*acPlan{} // district index → its assemblies
	acByCode := map[string]*acPlan{}
	for _, c := range districts {
		i, ok := s.index[c]
		if !ok || s.skeleton[i].Level != "district" {
			return nil, errUnknownDistrict(c)
		}
		if seen[c] {
			return nil, fmt.Errorf("demodata: district %s named twice", c)
		}
		seen[c] = true
	}
	for i, u := range s.skeleton {
		if u.Level == "assembly" && seen[s.skeleton[u.Parent].Code] {
			a := &acPlan{unit: i, number: *u.Number, prefix: voterPrefix(*u.Number)}
			acsOf[u.Parent] = append(acsOf[u.Parent], a)
			acByCode[u.Code] = a
		}
	}
	if len(acByCode) > 0 {
		if err := s.readBooths(acByCode); err != nil {
			return nil, err
		}
	}
	extra := extraBooths(s.skeleton)
	base := len(s.skeleton)
	for _, c := range districts {
		i := s.index[c]
		d := &districtPlan{code: c, unit: i, lgd: *s.skeleton[i].Number, base: base, acs: acsOf[i]}
		for _, a := range d.acs {
			a.topUp(extra[a.unit], s.seed)
			a.sectors = sectorSizes(len(a.booths))
			d.nUnits += len(a.sectors) + len(a.booths)
		}
		base += d.nUnits
		s.districts = append(s.districts, d)
	}
	s.pcLead = map[int]int{}
	for i, u := range s.skeleton {
		if _, ok := acByCode[u.Code]; ok && u.Parliamentary >= 0 {
			if _, ok := s.pcLead[u.Parliamentary]; !ok {
				s.pcLead[u.Parliamentary] = i
			}
		}
	}
	return s, nil
}

// Skeleton returns the state, its districts, Lok Sabha and assembly constituencies, parents
// first. Their indexes are the first of the seed's numbering.
func (s *Seed) Skeleton() []SeedUnit { return s.skeleton }

// Districts returns the seeded district codes, in order.
func (s *Seed) Districts() []string {
	out := make([]string, len(s.districts))
	for i, d := range s.districts {
		out[i] = d.code
	}
	return out
}

// UnitCount is the number of units in the seed's numbering: the skeleton and every seeded
// district's sectors and booths.
func (s *Seed) UnitCount() int {
	n := len(s.skeleton)
	for _, d := range s.districts {
		n += d.nUnits
	}
	return n
}

// Booths returns how many booths the seed places in each assembly of the seeded districts, by
// code: the 2014 booths and the added ones.
func (s *Seed) Booths() map[string][2]int {
	out := map[string][2]int{}
	for _, d := range s.districts {
		for _, a := range d.acs {
			real := 0
			for _, b := range a.booths {
				if !b.added {
					real++
				}
			}
			out[s.skeleton[a.unit].Code] = [2]int{real, len(a.booths) - real}
		}
	}
	return out
}

// Counts returns the rows the seed writes: the skeleton, the districts' sectors, booths,
// committee members and seats, and the state committee.
func (s *Seed) Counts() SeedCounts {
	c := SeedCounts{Units: s.UnitCount()}
	pool := 0
	for _, d := range s.districts {
		z := s.sizesOf(d)
		c.People += z.people
		c.Seats += z.seats
		pool += z.district
	}
	c.Seats += s.stateSize(pool)
	return c
}

// readBooths reads the 2014 booths of the given assemblies, in file order (by part number).
func (s *Seed) readBooths(acs map[string]*acPlan) error {
	rc, err := Booths()
	if err != nil {
		return err
	}
	defer rc.Close()
	r := csv.NewReader(rc)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("demodata: %s: %w", boothsFile, err)
	}
	col := columns(head)
	iCode, iName, iParent, iNumber, iElectors := col["code"], col["name"], col["parent_code"], col["number"], col["electors"]
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("demodata: %s: %w", boothsFile, err)
		}
		a := acs[rec[iParent]]
		if a == nil {
			continue
		}
		n, err := strconv.Atoi(rec[iNumber])
		if err != nil {
			return fmt.Errorf("demodata: %s: booth %s: number: %w", boothsFile, rec[iCode], err)
		}
		a.booths = append(a.booths, boothPlan{code: strings.Clone(rec[iCode]), name: strings.Clone(rec[iName]), number: n, electors: optInt(rec[iElectors])})
	}
}

// extraBooths spreads the booths added since 2014 over all 403 assemblies in proportion to
// their electors (largest remainder, ties by assembly number), by skeleton index.
func extraBooths(skeleton []SeedUnit) map[int]int {
	type ac struct{ i, electors int }
	var acs []ac
	total := 0
	for i, u := range skeleton {
		if u.Level == "assembly" {
			e := 0
			if u.Electors != nil {
				e = *u.Electors
			}
			acs = append(acs, ac{i, e})
			total += e
		}
	}
	extra := Booths2024 - wantBooths2014
	out := map[int]int{}
	rem := make([]int, len(acs))
	given := 0
	for k, a := range acs {
		q := extra * a.electors
		out[a.i] = q / total
		rem[k] = q % total
		given += out[a.i]
	}
	order := make([]int, len(acs))
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(x, y int) bool { return rem[order[x]] > rem[order[y]] })
	for _, k := range order[:extra-given] {
		out[acs[k].i]++
	}
	return out
}

// wantBooths2014 is the number of booths in up_booths_2014.csv.gz.
const wantBooths2014 = 138771

// topUp adds n booths after the real ones: each is an auxiliary booth split from a real booth,
// spread evenly over the assembly, numbered after the last real part and listed right after the
// booth it was split from.
func (a *acPlan) topUp(n int, seed uint64) {
	real := a.booths
	if n == 0 || len(real) == 0 {
		return
	}
	last := 0
	for _, b := range real {
		last = max(last, b.number)
	}
	code := real[0].code[:strings.LastIndex(real[0].code, "-")+1] // "UP-AC-173-PS-"
	after := make([][]boothPlan, len(real))
	for k := range n {
		p := (2*k + 1) * len(real) / (2 * n)
		num := last + k + 1
		electors := 500 + int(mix(seed, code, uint64(num))%800)
		name := real[p].name
		if r := []rune(name); len(r) > 180 {
			name = string(r[:180])
		}
		after[p] = append(after[p], boothPlan{code: fmt.Sprintf("%s%04d", code, num), name: name + " (AUXILIARY)",
			nameHi: fmt.Sprintf("बूथ %d (सहायक)", num), number: num, electors: &electors, added: true})
	}
	out := make([]boothPlan, 0, len(real)+n)
	for i, b := range real {
		out = append(out, b)
		out = append(out, after[i]...)
	}
	a.booths = out
}

// sectorSizes splits n booths into sectors of about ten, as evenly as possible.
func sectorSizes(n int) []int {
	if n == 0 {
		return nil
	}
	k := max(1, (n+5)/10)
	out := make([]int, k)
	for i := range out {
		out[i] = n / k
		if i < n%k {
			out[i]++
		}
	}
	return out
}

// The kinds of booth committee: complete, or one of the two ways of falling short of the norm.
const (
	boothComplete = iota
	boothSmall    // fewer than ten members
	boothNoAgent  // no booth agent yet
)

// incompleteShare of booth committees fall short of the norm.
const incompleteShare = 0.08

type districtSizes struct {
	booth    []int // members per booth committee, in the district's booth order
	kind     []int
	sector   []int // seats per sector committee
	assembly []int // per assembly
	pc       []int // seats each assembly's committee sends to its Lok Sabha constituency's
	district int
	people   int
	seats    int
}

// sizesOf draws the size of every committee of a district, from the district's own stream.
// Upper committees cannot be larger than the pool they are drawn from (the members of the
// committees one level down).
func (s *Seed) sizesOf(d *districtPlan) *districtSizes {
	if d.sizes != nil {
		return d.sizes
	}
	rng := s.rng(d.code, 1)
	z := &districtSizes{}
	dpool := 0
	for _, a := range d.acs {
		apool := 0
		b := 0
		for _, n := range a.sectors {
			spool := 0
			for range n {
				size, kind := 10+rng.IntN(12), boothComplete
				if rng.Float64() < incompleteShare {
					if rng.IntN(2) == 0 {
						size, kind = 3+rng.IntN(7), boothSmall
					} else {
						kind = boothNoAgent
					}
				}
				z.booth = append(z.booth, size)
				z.kind = append(z.kind, kind)
				spool += size
				b++
			}
			seats := min(7+rng.IntN(9), spool)
			z.sector = append(z.sector, seats)
			apool += seats
		}
		seats := min(21+rng.IntN(21), apool)
		z.assembly = append(z.assembly, seats)
		dpool += seats
	}
	z.district = min(31+rng.IntN(31), dpool)
	for _, n := range z.booth {
		z.people += n
	}
	z.seats = z.people + z.district
	for _, n := range z.sector {
		z.seats += n
	}
	for _, n := range z.assembly {
		z.seats += n
	}
	// Drawn last, so that every size before stays what it was before Lok Sabha committees.
	for ai, a := range d.acs {
		n := 0
		if s.skeleton[a.unit].Parliamentary >= 0 {
			n = min(3+rng.IntN(4), z.assembly[ai])
		}
		z.pc = append(z.pc, n)
		z.seats += n
	}
	d.sizes = z
	return z
}

// stateSize is the size of the state committee drawn from pool district committee members.
func (s *Seed) stateSize(pool int) int {
	return min(81+s.rng("UP", 1).IntN(41), pool)
}

// DistrictSeed is everything the seed writes for one district: its sectors and booths (each
// sector followed by its booths), the members of its committees and their seats at every
// booth, sector and assembly of the district and at the district itself, and the seats its
// assembly committees' members take on their Lok Sabha constituency's committee.
type DistrictSeed struct {
	Code   string
	Unit   int // index of the district in the skeleton
	Base   int // index of Units[0] in the seed's numbering
	Units  []SeedUnit
	People []SeedPerson
	Seats  []SeedSeat
	// Committee lists the district committee's members (indexes in People), in seat order.
	Committee []int
}

// District generates the i-th seeded district.
func (s *Seed) District(i int) *DistrictSeed {
	d := s.districts[i]
	z := s.sizesOf(d)
	g := &gen{rng: s.rng(d.code, 2), seed: s, sh: s.shareOf(d.code), plan: d}
	out := &DistrictSeed{Code: d.code, Unit: d.unit, Base: d.base,
		Units:  make([]SeedUnit, 0, d.nUnits),
		People: make([]SeedPerson, 0, z.people),
		Seats:  make([]SeedSeat, 0, z.seats)}
	g.out = out
	boothNo, sectorNo := 0, 0
	var districtPool []int
	assemblies := make([][]int, len(d.acs)) // each assembly committee's members
	for ai, a := range d.acs {
		ac := s.skeleton[a.unit]
		g.voterSerial = 1 + int(mix(s.seed, ac.Code, 0)%8_000_000)
		next := 0 // next booth of the assembly
		var assemblyPool []int
		for k, n := range a.sectors {
			sector := d.base + len(out.Units)
			num := k + 1
			electors := 0
			for _, b := range a.booths[next : next+n] {
				if b.electors != nil {
					electors += *b.electors
				}
			}
			out.Units = append(out.Units, SeedUnit{Level: "sector", Code: fmt.Sprintf("%s-SEC-%03d", ac.Code, num),
				Name: fmt.Sprintf("Sector %d, %s", num, ac.Name), NameHi: fmt.Sprintf("सेक्टर %d, %s", num, ac.NameHi),
				Parent: a.unit, Number: &num, Parliamentary: -1, Electors: &electors})
			firstPerson := len(out.People)
			for _, b := range a.booths[next : next+n] {
				booth := d.base + len(out.Units)
				number := b.number
				out.Units = append(out.Units, SeedUnit{Level: "booth", Code: b.code, Name: b.name, NameHi: b.nameHi,
					Parent: sector, Number: &number, Parliamentary: -1, Electors: b.electors})
				g.boothCommittee(booth, a, z.booth[boothNo], z.kind[boothNo])
				boothNo++
			}
			next += n
			pool := make([]int, 0, len(out.People)-firstPerson)
			for p := firstPerson; p < len(out.People); p++ {
				pool = append(pool, p)
			}
			assemblyPool = append(assemblyPool, g.upperCommittee(sector, pool, z.sector[sectorNo])...)
			sectorNo++
		}
		assemblies[ai] = g.upperCommittee(a.unit, assemblyPool, z.assembly[ai])
		districtPool = append(districtPool, assemblies[ai]...)
	}
	out.Committee = g.upperCommittee(d.unit, districtPool, z.district)
	s.pcCommittees(d, z, assemblies, out)
	return out
}

// pcCommittees seats members of each assembly committee of the district on its Lok Sabha
// constituency's committee, which a constituency's assemblies fill together across district
// lines: the first seeded assembly sends the office bearers, the others members. Drawn from a
// stream of their own, so that the district's other rows stay as they were.
func (s *Seed) pcCommittees(d *districtPlan, z *districtSizes, assemblies [][]int, out *DistrictSeed) {
	rng := s.rng(d.code, 3)
	for ai, a := range d.acs {
		pc, n := s.skeleton[a.unit].Parliamentary, z.pc[ai]
		if n == 0 {
			continue
		}
		positions := upperPositions(n)
		if s.pcLead[pc] != a.unit {
			positions = slices.Repeat([]string{"member"}, n)
		}
		pool := slices.Clone(assemblies[ai])
		for j, pos := range positions {
			x := j + rng.IntN(len(pool)-j)
			pool[j], pool[x] = pool[x], pool[j]
			out.Seats = append(out.Seats, SeedSeat{Unit: pc, Person: pool[j], Position: pos})
		}
	}
}

// StateCommittee draws the state committee from the seeded districts' committees.
func (s *Seed) StateCommittee() []StateSeat {
	type member struct{ district, k int }
	var pool []member
	for i, d := range s.districts {
		for k := range s.sizesOf(d).district {
			pool = append(pool, member{i, k})
		}
	}
	n := s.stateSize(len(pool))
	rng := s.rng("UP", 2)
	out := make([]StateSeat, 0, n)
	for j, pos := range upperPositions(n) {
		x := j + rng.IntN(len(pool)-j)
		pool[j], pool[x] = pool[x], pool[j]
		out = append(out, StateSeat{District: pool[j].district, Member: pool[j].k, Position: pos})
	}
	return out
}

// gen generates one district's people and seats.
type gen struct {
	rng         *rand.Rand
	seed        *Seed
	sh          share
	plan        *districtPlan
	out         *DistrictSeed
	voterSerial int
	members     int
}

// boothCommittee adds the members of a booth's committee, who all live at the booth.
func (g *gen) boothCommittee(booth int, a *acPlan, size, kind int) {
	var positions []string
	switch kind {
	case boothComplete:
		positions = []string{"president", "booth_agent", "vice_president", "general_secretary", "secretary", "treasurer"}
	case boothSmall:
		positions = []string{"president", "booth_agent", "vice_president", "secretary"}
	default:
		positions = []string{"president", "vice_president", "general_secretary", "secretary", "treasurer"}
	}
	for i := range size {
		pos := "member"
		if i < len(positions) {
			pos = positions[i]
		}
		g.out.Seats = append(g.out.Seats, SeedSeat{Unit: booth, Person: len(g.out.People), Position: pos})
		g.out.People = append(g.out.People, g.person(booth, a))
	}
}

// upperCommittee seats size members drawn from pool (people already seated one level down) on
// the committee of unit, and returns them in seat order.
func (g *gen) upperCommittee(unit int, pool []int, size int) []int {
	out := make([]int, 0, size)
	for j, pos := range upperPositions(size) {
		x := j + g.rng.IntN(len(pool)-j)
		pool[j], pool[x] = pool[x], pool[j]
		g.out.Seats = append(g.out.Seats, SeedSeat{Unit: unit, Person: pool[j], Position: pos})
		out = append(out, pool[j])
	}
	return out
}

// upperPositions are the positions of a committee above the booth with n seats: the three
// office bearers every such committee needs, vice presidents and secretaries, then members.
func upperPositions(n int) []string {
	out := make([]string, 0, n)
	add := func(p string, k int) {
		for range k {
			if len(out) < n {
				out = append(out, p)
			}
		}
	}
	add("president", 1)
	add("general_secretary", 1)
	add("treasurer", 1)
	add("vice_president", 1+n/10)
	add("secretary", 1+n/10)
	add("member", n)
	return out
}

// person draws one member living at booth: community from the district's census shares, names
// in both scripts, about a third women, and a voter ID (numbered within the assembly) and
// phone for most.
func (g *gen) person(booth int, a *acPlan) SeedPerson {
	rng := g.rng
	p := SeedPerson{Unit: booth, Gender: "male", BirthYear: 1950 + rng.IntN(55)}
	female := rng.Float64() < 0.34
	if female {
		p.Gender = "female"
	} else if rng.IntN(2000) == 0 {
		p.Gender = "other"
	}
	pick := func(l [][2]string) [2]string { return l[rng.IntN(len(l))] }
	var given [2]string
	var sur [3]string
	sh := g.sh
	switch x := rng.Float64(); {
	case x < sh.muslim:
		p.Religion, p.Category = "muslim", "OBC"
		if rng.IntN(3) == 0 {
			p.Category = "GEN"
		}
		sur = muslimSurnames[rng.IntN(len(muslimSurnames))]
		given = pick(seedMuslimMale)
		if female {
			given = pick(seedMuslimFemale)
		}
	case x < sh.muslim+sh.other:
		y := rng.Float64()
		switch {
		case y < 0.45:
			p.Religion, p.Category = "sikh", "GEN"
			given, sur = pick(sikhMale), [3]string{"Singh", "सिंह", "Jat Sikh"}
			if female {
				given, sur = pick(sikhFemale), [3]string{"Kaur", "कौर", "Jat Sikh"}
			}
			if rng.IntN(4) == 0 {
				sur[2] = "Ramgarhia"
			}
		case y < 0.70:
			p.Religion, p.Category = "christian", "OBC"
			sur = christianSurnames[rng.IntN(len(christianSurnames))]
			given = pick(christianMale)
			if female {
				given = pick(christianFemale)
			}
		case y < 0.85:
			p.Religion, p.Category = "buddhist", "SC"
			sur = [3]string{"Bauddh", "बौद्ध", "Jatav"}
			given = pick(maleNames)
			if female {
				given = pick(femaleNames)
			}
		default:
			p.Religion, p.Category = "jain", "GEN"
			sur = [3]string{"Jain", "जैन", "Jain"}
			given = pick(maleNames)
			if female {
				given = pick(femaleNames)
			}
		}
	default:
		p.Religion = "hindu"
		hindu := 1 - sh.muslim - sh.other
		buddhistSC := sh.other * 0.15
		switch y := rng.Float64(); {
		case y < (sh.sc-buddhistSC)/hindu:
			p.Category = "SC"
		case y < (sh.sc-buddhistSC+sh.st)/hindu:
			p.Category = "ST"
		case y < 0.75:
			p.Category = "OBC"
		default:
			p.Category = "GEN"
		}
		list := seedSurnames[p.Category]
		sur = list[rng.IntN(len(list))]
		given = pick(seedMale)
		if female {
			given = pick(seedFemale)
			if rng.IntN(3) == 0 { // many women in Uttar Pradesh write Devi as their surname
				sur[0], sur[1] = "Devi", "देवी"
			}
		}
	}
	p.Name, p.NameHi, p.Caste = given[0]+" "+sur[0], given[1]+" "+sur[1], sur[2]
	if rng.IntN(10) != 0 {
		p.VoterID = a.prefix + fmt.Sprintf("%07d", g.voterSerial)
		g.voterSerial++
	}
	if rng.IntN(20) != 0 {
		p.Phone = "+91" + strconv.Itoa(6+rng.IntN(4)) + fmt.Sprintf("%09d", rng.IntN(1_000_000_000))
	}
	g.members++
	p.MembershipNo = fmt.Sprintf("UP%03d%07d", g.plan.lgd, g.members)
	if rng.IntN(200) == 0 {
		p.PublicOffice = "local_body"
	}
	return p
}

// voterPrefix gives each assembly its own three letters (as the Election Commission does): a
// bijection of the number onto AAA..ZZZ, so no two assemblies share one.
func voterPrefix(ac int) string {
	n := (ac*7919 + 4111) % (26 * 26 * 26) // 7919 is prime to 26³, so distinct numbers stay distinct
	return string([]byte{byte('A' + n/676), byte('A' + n/26%26), byte('A' + n%26)})
}

// rng is the random stream number stream of the named district (or "UP").
func (s *Seed) rng(code string, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(s.seed, hashCode(code)*4+stream))
}

func (s *Seed) shareOf(code string) share {
	if sh, ok := s.shares[code]; ok {
		return sh
	}
	return s.state
}

func hashCode(code string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(code))
	return h.Sum64()
}

// mix is a splitmix64 of the seed, a code and a number: a value that depends on all three.
func mix(seed uint64, code string, n uint64) uint64 {
	z := seed ^ hashCode(code) ^ (n * 0x9e3779b97f4a7c15)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func optInt(s string) *int {
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return nil
	}
	return &n
}

func optInt64(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// skeletonRows parses Units() into seed units, parents first.
func skeletonRows() []SeedUnit {
	recs, err := csv.NewReader(Units()).ReadAll()
	if err != nil || len(recs) < 2 {
		panic("demodata: " + unitsFile + " is unreadable") // embedded at build time and tested
	}
	col := columns(recs[0])
	index := map[string]int{}
	out := make([]SeedUnit, 0, len(recs)-1)
	for _, r := range recs[1:] {
		get := func(c string) string { return r[col[c]] }
		u := SeedUnit{Level: get("level"), Code: get("code"), Name: get("name"), NameHi: get("name_hi"), Parent: -1,
			Number: optInt(get("number")), Reserved: get("reserved"), Parliamentary: -1, Electors: optInt(get("electors"))}
		if p, ok := index[get("parent_code")]; ok {
			u.Parent = p
		}
		if p, ok := index[get("parliamentary_code")]; ok {
			u.Parliamentary = p
		}
		if t, ok := optInt64(get("population_total")); ok {
			c := &Census{Total: t}
			c.SC, _ = optInt64(get("population_sc"))
			c.ST, _ = optInt64(get("population_st"))
			c.Muslim, _ = optInt64(get("population_muslim"))
			c.Minority, _ = optInt64(get("population_minority"))
			u.Population = c
		}
		index[u.Code] = len(out)
		out = append(out, u)
	}
	return out
}

// The seed's name lists: those of people.go and the ones below.
var (
	seedMale         = slices.Concat(maleNames, extraMaleNames)
	seedFemale       = slices.Concat(femaleNames, extraFemaleNames)
	seedMuslimMale   = slices.Concat(muslimMale, extraMuslimMale)
	seedMuslimFemale = slices.Concat(muslimFem, extraMuslimFem)
	seedSurnames     = map[string][][3]string{}
)

func init() {
	for c, l := range surnames {
		seedSurnames[c] = slices.Concat(l, extraSurnames[c])
	}
}

// More names for the seed, beside those of people.go: the seed makes millions of members.
var (
	extraMaleNames = [][2]string{{"Amit", "अमित"}, {"Sandeep", "संदीप"}, {"Pankaj", "पंकज"}, {"Rahul", "राहुल"}, {"Vinod", "विनोद"},
		{"Pramod", "प्रमोद"}, {"Rajendra", "राजेंद्र"}, {"Naresh", "नरेश"}, {"Umesh", "उमेश"}, {"Brijesh", "बृजेश"},
		{"Awadhesh", "अवधेश"}, {"Kamlesh", "कमलेश"}, {"Shiv", "शिव"}, {"Hari", "हरि"}, {"Krishna", "कृष्ण"},
		{"Lalit", "ललित"}, {"Satish", "सतीश"}, {"Jitendra", "जितेंद्र"}, {"Ravi", "रवि"}, {"Gopal", "गोपाल"}}
	extraFemaleNames = [][2]string{{"Pooja", "पूजा"}, {"Priya", "प्रिया"}, {"Mamta", "ममता"}, {"Asha", "आशा"}, {"Usha", "उषा"},
		{"Manju", "मंजू"}, {"Saroj", "सरोज"}, {"Kusum", "कुसुम"}, {"Lakshmi", "लक्ष्मी"}, {"Rita", "रीता"},
		{"Vandana", "वंदना"}, {"Archana", "अर्चना"}, {"Sarita", "सरिता"}, {"Nirmala", "निर्मला"}, {"Urmila", "उर्मिला"}}
	extraMuslimMale = [][2]string{{"Ahmad", "अहमद"}, {"Javed", "जावेद"}, {"Shahid", "शाहिद"}, {"Arif", "आरिफ़"}, {"Wasim", "वसीम"},
		{"Tariq", "तारिक़"}, {"Nadeem", "नदीम"}, {"Zahid", "ज़ाहिद"}}
	extraMuslimFem    = [][2]string{{"Ayesha", "आयशा"}, {"Zainab", "ज़ैनब"}, {"Shahnaz", "शहनाज़"}, {"Rehana", "रेहाना"}, {"Noor", "नूर"}}
	sikhMale          = [][2]string{{"Gurpreet", "गुरप्रीत"}, {"Harjeet", "हरजीत"}, {"Manjeet", "मनजीत"}, {"Jaswant", "जसवंत"}, {"Balwinder", "बलविंदर"}}
	sikhFemale        = [][2]string{{"Harpreet", "हरप्रीत"}, {"Simran", "सिमरन"}, {"Jasleen", "जसलीन"}, {"Manpreet", "मनप्रीत"}}
	christianMale     = [][2]string{{"Joseph", "जोसेफ"}, {"Thomas", "थॉमस"}, {"Peter", "पीटर"}, {"Daniel", "डेनियल"}, {"Samuel", "सैमुअल"}}
	christianFemale   = [][2]string{{"Mary", "मैरी"}, {"Grace", "ग्रेस"}, {"Sarah", "सारा"}, {"Esther", "एस्थर"}}
	christianSurnames = [][3]string{{"Masih", "मसीह", "Masih"}, {"Lal", "लाल", ""}, {"Charan", "चरण", ""}}
	extraSurnames     = map[string][][3]string{
		"SC":  {{"Ram", "राम", "Chamar"}, {"Rawat", "रावत", "Pasi"}, {"Khatik", "खटीक", "Khatik"}, {"Dhanuk", "धानुक", "Dhanuk"}},
		"ST":  {{"Agariya", "अगरिया", "Agariya"}, {"Tharu", "थारू", "Tharu"}},
		"OBC": {{"Patel", "पटेल", "Kurmi"}, {"Verma", "वर्मा", "Kurmi"}, {"Saini", "सैनी", "Saini"}, {"Kushwaha", "कुशवाहा", "Kushwaha"}, {"Pal", "पाल", "Gadariya"}, {"Chauhan", "चौहान", "Nonia"}, {"Kashyap", "कश्यप", "Kashyap"}},
		"GEN": {{"Mishra", "मिश्रा", "Brahmin"}, {"Pandey", "पांडेय", "Brahmin"}, {"Shukla", "शुक्ला", "Brahmin"}, {"Tripathi", "त्रिपाठी", "Brahmin"}, {"Chaudhary", "चौधरी", "Jat"}, {"Rastogi", "रस्तोगी", "Vaishya"}, {"Tyagi", "त्यागी", "Tyagi"}},
	}
)

func errUnknownDistrict(code string) error {
	return fmt.Errorf("demodata: unknown district code %q", code)
}

// SeedNumber is the seed the plan was made with.
func (s *Seed) SeedNumber() uint64 { return s.seed }

// FirstBooth returns the code of the i-th seeded district's first booth: part 1 (or the lowest
// part) of its lowest-numbered assembly.
func (s *Seed) FirstBooth(i int) string {
	for _, a := range s.districts[i].acs {
		if len(a.booths) > 0 {
			return a.booths[0].code
		}
	}
	return ""
}
