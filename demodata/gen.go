//go:build ignore

// Command gen builds the Uttar Pradesh demo data of package demodata:
//
//	demodata/up_units.csv           state, 75 districts, 80 Lok Sabha and 403 assembly constituencies
//	demodata/up_booths_2014.csv.gz  all 2014 Form-20 polling stations (booths), gzip-compressed
//
// from the public source files in the shared realworld folder, plus two hand-written
// files that live beside this program:
//
//	demodata/districts.csv  ADR-2017 district name -> our code, English name and LGD name
//	demodata/names_hi.csv   hand-written Devanagari names (kind,key,name_hi)
//
// Run it from the repository root:
//
//	go run ./demodata/gen.go [-src ../shared/data/realworld] [-out demodata]
//
// Relative -src and -out paths are taken relative to the repository root (the
// directory holding go.mod), so the command also works from inside demodata/.
// The program uses only the standard library and its output is deterministic.
// Every data decision is documented in demodata/README.md.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Header is the fixed units CSV header.
var header = []string{
	"level", "code", "name", "name_hi", "parent_code", "number", "reserved",
	"parliamentary_code", "electors", "population_total", "population_sc",
	"population_st", "population_muslim", "population_minority",
}

// acNameFix overrides the ADR 2017 spelling of an assembly constituency name where
// ADR disagrees with BOTH the ECI 2008 delimitation file and psleci, and those two
// agree with each other (majority of the three sources). gen verifies the rule and
// fails if the table and the sources drift apart.
var acNameFix = map[int]string{
	151: "Mahmoodabad",       // ADR MOHMOODABAD; ECI MAHMOODABAD; psleci Mahmoodabad
	159: "Bilgram-Mallanwan", // ADR BILGRAM MALLANWAN; ECI BILGRAM-MALLANWAN; psleci Bilgram-Mallanwan
	286: "Bahraich",          // ADR BAHARAICH; ECI BAHRAICH; psleci Bahraich
	349: "Phoolpur-Pawai",    // ADR PHOOLPUR PAWAI; ECI PHOOLPUR-PAWAI; psleci Phoolpur-Pawai
}

const (
	stateCode   = "UP"
	stateName   = "Uttar Pradesh"
	stateNameHi = "उत्तर प्रदेश"
	numACs      = 403
	numPCs      = 80
	numDists    = 75
)

// table is a parsed CSV file with a header.
type table struct {
	path string
	cols map[string]int
	rows [][]string
}

func readTable(path string) *table {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	if len(recs) == 0 {
		log.Fatalf("%s: empty", path)
	}
	t := &table{path: path, cols: map[string]int{}}
	for i, h := range recs[0] {
		h = strings.TrimPrefix(h, "\ufeff")
		t.cols[strings.TrimSpace(h)] = i
	}
	for i, rec := range recs[1:] {
		if len(rec) != len(recs[0]) {
			log.Fatalf("%s: row %d has %d fields, header has %d", path, i+2, len(rec), len(recs[0]))
		}
	}
	t.rows = recs[1:]
	return t
}

// get returns the trimmed value of column col in row.
func (t *table) get(row []string, col string) string {
	i, ok := t.cols[col]
	if !ok {
		log.Fatalf("%s: no column %q", t.path, col)
	}
	return strings.TrimSpace(row[i])
}

func (t *table) atoi(row []string, col string) int {
	v := t.get(row, col)
	n, err := strconv.Atoi(v)
	if err != nil {
		log.Fatalf("%s: column %s: %q is not an integer", t.path, col, v)
	}
	return n
}

// titleCase turns "MEERUT CANTT." into "Meerut Cantt." and "CHAURI-CHAURA" into "Chauri-Chaura".
func titleCase(s string) string {
	var b strings.Builder
	start := true
	for _, r := range strings.ToLower(strings.Join(strings.Fields(s), " ")) {
		if start && unicode.IsLetter(r) {
			b.WriteRune(unicode.ToUpper(r))
			start = false
			continue
		}
		b.WriteRune(r)
		if r == ' ' || r == '-' || r == '(' {
			start = true
		}
	}
	return b.String()
}

var resSuffix = regexp.MustCompile(`\s*\((SC|ST)\)\s*$`)

// stripRes removes a trailing "(SC)" / "(ST)" and reports which one it was.
func stripRes(s string) (string, string) {
	m := resSuffix.FindStringSubmatch(s)
	if m == nil {
		return strings.TrimSpace(s), ""
	}
	return strings.TrimSpace(resSuffix.ReplaceAllString(s, "")), m[1]
}

func isDevanagari(r rune) bool { return r >= 0x0900 && r <= 0x097F }

func hasDevanagari(s string) bool {
	for _, r := range s {
		if isDevanagari(r) {
			return true
		}
	}
	return false
}

// cleanBoothName trims, collapses runs of whitespace to one space and drops
// ZERO WIDTH JOINERs (U+200D) that do not follow a Devanagari letter: they are
// invisible leftovers of a font conversion inside Latin text ("SARAS\u200dVATI").
func cleanBoothName(s string) (string, bool) {
	var b strings.Builder
	var prev rune
	dropped := false
	for _, r := range s {
		if r == '\u200d' && !isDevanagari(prev) {
			dropped = true
			continue
		}
		b.WriteRune(r)
		prev = r
	}
	return strings.Join(strings.Fields(b.String()), " "), dropped
}

// unit is one row of the units CSV.
type unit struct {
	level, code, name, nameHi, parent string
	number                            int
	reserved, pcCode                  string
	electors                          int64
	hasElectors                       bool
	pop                               *population
}

type population struct {
	total, sc, st, muslim, minority int64
}

func (u *unit) record() []string {
	num := ""
	if u.number > 0 {
		num = strconv.Itoa(u.number)
	}
	el := ""
	if u.hasElectors {
		el = strconv.FormatInt(u.electors, 10)
	}
	p := []string{"", "", "", "", ""}
	if u.pop != nil {
		p = []string{
			strconv.FormatInt(u.pop.total, 10), strconv.FormatInt(u.pop.sc, 10),
			strconv.FormatInt(u.pop.st, 10), strconv.FormatInt(u.pop.muslim, 10),
			strconv.FormatInt(u.pop.minority, 10),
		}
	}
	return append([]string{u.level, u.code, u.name, u.nameHi, u.parent, num, u.reserved, u.pcCode, el}, p...)
}

func (u *unit) addElectors(n int64) {
	u.electors += n
	u.hasElectors = true
}

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			log.Fatalf("no go.mod above %s; run from the repository", dir)
		}
	}
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	src := flag.String("src", "../shared/data/realworld", "folder with the realworld source files (relative paths: from the repository root)")
	out := flag.String("out", "demodata", "output folder; also holds districts.csv and names_hi.csv (relative paths: from the repository root)")
	flag.Parse()
	root := repoRoot()
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, p)
	}
	srcDir, outDir := abs(*src), abs(*out)
	in := func(name string) string { return filepath.Join(srcDir, name) }
	local := func(name string) string { return filepath.Join(outDir, name) }

	// ---- hand-written Hindi names ----
	namesHi := map[string]string{} // "kind/key" -> name
	{
		t := readTable(local("names_hi.csv"))
		for _, row := range t.rows {
			k := t.get(row, "kind") + "/" + t.get(row, "key")
			v := t.get(row, "name_hi")
			if _, dup := namesHi[k]; dup {
				log.Fatalf("names_hi.csv: duplicate %s", k)
			}
			if !hasDevanagari(v) || !utf8.ValidString(v) {
				log.Fatalf("names_hi.csv: %s: %q is not Devanagari", k, v)
			}
			namesHi[k] = v
		}
	}
	usedHi := map[string]bool{}
	hindi := func(kind, key string) string {
		v, ok := namesHi[kind+"/"+key]
		if !ok {
			log.Fatalf("names_hi.csv: no name for %s %s", kind, key)
		}
		usedHi[kind+"/"+key] = true
		return v
	}

	// ---- census 2011 PCA (TOT_P, P_SC, P_ST), UP = State 09 ----
	pca := map[int]*population{}
	{
		t := readTable(in("india_census2011_pca_district_total.csv"))
		for _, row := range t.rows {
			if t.get(row, "State") != "09" || t.get(row, "Level") != "DISTRICT" || t.get(row, "TRU") != "Total" {
				continue
			}
			c := t.atoi(row, "District")
			if pca[c] != nil {
				log.Fatalf("PCA: duplicate district %d", c)
			}
			pca[c] = &population{
				total: int64(t.atoi(row, "TOT_P")),
				sc:    int64(t.atoi(row, "P_SC")),
				st:    int64(t.atoi(row, "P_ST")),
			}
		}
	}
	if len(pca) != 71 {
		log.Fatalf("PCA: %d UP districts, want 71", len(pca))
	}

	// ---- Kaggle census copy: religion columns, checked against the PCA ----
	{
		t := readTable(in("india_districts_census_2011_kaggle.csv"))
		seen := 0
		for _, row := range t.rows {
			if t.get(row, "State name") != "UTTAR PRADESH" {
				continue
			}
			c := t.atoi(row, "District code")
			p := pca[c]
			if p == nil {
				log.Fatalf("Kaggle: UP district %d not in PCA", c)
			}
			if int64(t.atoi(row, "Population")) != p.total || int64(t.atoi(row, "SC")) != p.sc || int64(t.atoi(row, "ST")) != p.st {
				log.Fatalf("Kaggle: district %d Population/SC/ST differ from the PCA", c)
			}
			p.muslim = int64(t.atoi(row, "Muslims"))
			for _, col := range []string{"Muslims", "Christians", "Sikhs", "Buddhists", "Jains", "Others_Religions"} {
				p.minority += int64(t.atoi(row, col))
			}
			var sum int64
			for _, col := range []string{"Hindus", "Muslims", "Christians", "Sikhs", "Buddhists", "Jains", "Others_Religions", "Religion_Not_Stated"} {
				sum += int64(t.atoi(row, col))
			}
			if sum != p.total {
				log.Fatalf("Kaggle: district %d religions add to %d, population %d", c, sum, p.total)
			}
			seen++
		}
		if seen != len(pca) {
			log.Fatalf("Kaggle: %d UP districts, want %d", seen, len(pca))
		}
	}

	// ---- LGD districts of UP ----
	type lgdDist struct {
		code, census int
		used         bool
	}
	lgd := map[string]*lgdDist{} // upper-case LGD name
	{
		t := readTable(in("india_districts_lgd.csv"))
		for _, row := range t.rows {
			if t.get(row, "State Name") != "UTTAR PRADESH" {
				continue
			}
			name := strings.ToUpper(t.get(row, "District Name"))
			census := 0
			if v := t.get(row, "Census 2011 Code"); v != "" {
				census = t.atoi(row, "Census 2011 Code")
			}
			lgd[name] = &lgdDist{code: t.atoi(row, "District Code"), census: census}
		}
		if len(lgd) != numDists {
			log.Fatalf("LGD: %d UP districts, want %d", len(lgd), numDists)
		}
	}

	// ---- district mapping (ADR name -> code/name/LGD name) ----
	state := &unit{level: "state", code: stateCode, name: stateName, nameHi: stateNameHi, pop: &population{}}
	districts := map[string]*unit{} // by ADR name
	var districtList []*unit
	censusUsed := map[int]string{}
	{
		t := readTable(local("districts.csv"))
		codes := map[string]bool{}
		for _, row := range t.rows {
			adr := t.get(row, "adr_district")
			d := &unit{level: "district", code: t.get(row, "code"), name: t.get(row, "name"), parent: stateCode}
			if districts[adr] != nil || codes[d.code] {
				log.Fatalf("districts.csv: duplicate %s / %s", adr, d.code)
			}
			if want := "UP-" + slug(d.name); d.code != want {
				log.Fatalf("districts.csv: code %s for name %q, want %s", d.code, d.name, want)
			}
			codes[d.code] = true
			l := lgd[t.get(row, "lgd_name")]
			if l == nil || l.used {
				log.Fatalf("districts.csv: LGD name %q unknown or used twice", t.get(row, "lgd_name"))
			}
			l.used = true
			d.number = l.code
			d.nameHi = hindi("district", d.code)
			if l.census != 0 {
				p := pca[l.census]
				if p == nil {
					log.Fatalf("district %s: LGD census code %d not in the PCA", d.code, l.census)
				}
				if other, dup := censusUsed[l.census]; dup {
					log.Fatalf("census code %d used by %s and %s", l.census, other, d.code)
				}
				censusUsed[l.census] = d.code
				cp := *p
				d.pop = &cp
			}
			districts[adr] = d
			districtList = append(districtList, d)
		}
		if len(districts) != numDists {
			log.Fatalf("districts.csv: %d districts, want %d", len(districts), numDists)
		}
		if len(censusUsed) != len(pca) {
			log.Fatalf("only %d of %d census districts are joined", len(censusUsed), len(pca))
		}
	}
	// State population = sum of the 71 census-2011 districts (the PCA file has no state row).
	for _, p := range pca {
		state.pop.total += p.total
		state.pop.sc += p.sc
		state.pop.st += p.st
		state.pop.muslim += p.muslim
		state.pop.minority += p.minority
	}

	// ---- ECI 2008 delimitation: PCs and AC -> PC ----
	type eciAC struct {
		name, acType string
		pc           int
	}
	eci := map[int]eciAC{}
	pcs := map[int]*unit{}
	{
		t := readTable(in("india_2008_delimitation_pc_ac.csv"))
		for _, row := range t.rows {
			if t.get(row, "ST_ABBR") != "UP" {
				continue
			}
			ac, pc := t.atoi(row, "AC_CODE"), t.atoi(row, "PC_CODE")
			if _, dup := eci[ac]; dup {
				log.Fatalf("ECI: duplicate AC %d", ac)
			}
			eci[ac] = eciAC{name: t.get(row, "AC_NAME"), acType: t.get(row, "AC_TYPE"), pc: pc}
			name := titleCase(t.get(row, "PC_NAME"))
			res := t.get(row, "PC_TYPE")
			if u := pcs[pc]; u != nil {
				if u.name != name || u.reserved != res {
					log.Fatalf("ECI: PC %d has two names/types", pc)
				}
				continue
			}
			code := fmt.Sprintf("UP-PC-%03d", pc)
			pcs[pc] = &unit{level: "parliamentary", code: code, name: name, nameHi: hindi("parliamentary", code),
				parent: stateCode, number: pc, reserved: res}
		}
		if len(eci) != numACs || len(pcs) != numPCs {
			log.Fatalf("ECI: %d ACs and %d PCs, want %d and %d", len(eci), len(pcs), numACs, numPCs)
		}
	}
	// Cross-check PC reservation with datameet's 2019 PC table (reported, not used).
	{
		t := readTable(in("india_pc_2019_datameet.csv"))
		for _, row := range t.rows {
			if t.get(row, "ST_NAME") != "UTTAR PRADESH" {
				continue
			}
			pc := t.atoi(row, "PC_CODE")
			res := t.get(row, "Res")
			if res == "GEN" {
				res = ""
			}
			if u := pcs[pc]; u == nil {
				log.Fatalf("datameet 2019: unknown PC %d", pc)
			} else if u.reserved != res {
				log.Printf("note: PC %d %s: ECI 2008 type %q, datameet 2019 Res %q (row text %q); ECI used",
					pc, u.name, u.reserved, res, t.get(row, "PC_NAME"))
			}
		}
	}

	// ---- psleci (AC -> PC cross-check, and names for the majority rule) ----
	type psAC struct {
		name string
		pc   int
	}
	ps := map[int]psAC{}
	{
		t := readTable(in("up_ac_district_pc_psleci.csv"))
		for _, row := range t.rows {
			ac := t.atoi(row, "AC_NO")
			n, _ := stripRes(t.get(row, "AC_NAME"))
			ps[ac] = psAC{name: n, pc: t.atoi(row, "PC_NO")}
		}
		if len(ps) != numACs {
			log.Fatalf("psleci: %d ACs", len(ps))
		}
	}

	// ---- ADR 2017 lookup: AC name, reservation, district ----
	acs := map[int]*unit{}
	var acList []*unit
	{
		t := readTable(in("up_ac_district_2017_adr_lookup.csv"))
		usedDist := map[string]bool{}
		for _, row := range t.rows {
			no := t.atoi(row, "ac_no")
			if acs[no] != nil || no < 1 || no > numACs {
				log.Fatalf("ADR: bad or duplicate AC %d", no)
			}
			raw, suffix := stripRes(t.get(row, "constituency"))
			name := titleCase(raw)
			e, p := eci[no], ps[no]
			norm := func(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), " ")) }
			majority := norm(e.name) == norm(p.name) && norm(e.name) != norm(raw)
			if fix, ok := acNameFix[no]; ok {
				if !majority || norm(fix) != norm(p.name) {
					log.Fatalf("acNameFix[%d] = %q no longer matches the sources (ADR %q, ECI %q, psleci %q)", no, fix, raw, e.name, p.name)
				}
				log.Printf("note: AC %d name: ADR %q -> %q (ECI %q, psleci %q agree)", no, raw, fix, e.name, p.name)
				name = fix
			} else if majority {
				log.Fatalf("AC %d: ECI and psleci agree on %q against ADR %q; add it to acNameFix", no, p.name, raw)
			}

			res := t.get(row, "reservations")
			switch res {
			case "GEN":
				res = ""
			case "SC", "ST":
			default:
				log.Fatalf("ADR: AC %d: reservation %q", no, res)
			}
			eciRes := e.acType
			if res != eciRes {
				log.Fatalf("ADR: AC %d reservation %q differs from ECI 2008 %q", no, res, eciRes)
			}
			// The ADR names carry "(ST)" for Obra and Duddhi, reserved for Scheduled
			// Tribes since the 2017 election; the reservations column still has the
			// 2008 status. The name suffix wins (see README).
			if suffix == "ST" && res != "ST" {
				log.Printf("note: AC %d %s: ADR reservations %q, name marked (ST); ST used", no, name, t.get(row, "reservations"))
				res = "ST"
			} else if suffix != "" && suffix != res {
				log.Fatalf("ADR: AC %d: name suffix (%s), reservation %q", no, suffix, res)
			}

			d := districts[t.get(row, "district")]
			if d == nil {
				log.Fatalf("ADR: AC %d: district %q not in districts.csv", no, t.get(row, "district"))
			}
			usedDist[t.get(row, "district")] = true
			if p.pc != e.pc {
				log.Printf("note: AC %d %s: PC %d in ECI 2008, %d in psleci; ECI used", no, name, e.pc, p.pc)
			}
			code := fmt.Sprintf("UP-AC-%03d", no)
			acs[no] = &unit{level: "assembly", code: code, name: name, nameHi: hindi("assembly", code),
				parent: d.code, number: no, reserved: res, pcCode: pcs[e.pc].code}
		}
		if len(acs) != numACs || len(usedDist) != numDists {
			log.Fatalf("ADR: %d ACs in %d districts", len(acs), len(usedDist))
		}
		for no := 1; no <= numACs; no++ {
			acList = append(acList, acs[no])
		}
	}
	for k := range namesHi {
		if !usedHi[k] {
			log.Fatalf("names_hi.csv: %s is not a unit", k)
		}
	}

	// ---- booths ----
	type booth struct {
		ac, part    int
		name        string
		electors    int64
		hasElectors bool
	}
	var booths []booth
	var missingElectors []string
	zwjRows := 0
	for _, f := range []string{"up_polling_stations_2014_ac001-200.csv", "up_polling_stations_2014_ac201-403.csv"} {
		t := readTable(in(f))
		for i, row := range t.rows {
			b := booth{ac: t.atoi(row, "ac_no"), part: t.atoi(row, "part_no")}
			if acs[b.ac] == nil || b.part < 1 || b.part > 9999 {
				log.Fatalf("%s row %d: AC %d part %d unusable", f, i+2, b.ac, b.part)
			}
			var dropped bool
			b.name, dropped = cleanBoothName(t.get(row, "part_name"))
			if dropped {
				zwjRows++
			}
			if b.name == "" {
				log.Fatalf("%s row %d: empty part_name", f, i+2)
			}
			if v := t.get(row, "electors_total"); v != "" {
				b.electors = int64(t.atoi(row, "electors_total"))
				b.hasElectors = true
			} else {
				missingElectors = append(missingElectors, fmt.Sprintf("AC %d part %d (%s)", b.ac, b.part, b.name))
			}
			booths = append(booths, b)
		}
	}
	sort.SliceStable(booths, func(i, j int) bool {
		if booths[i].ac != booths[j].ac {
			return booths[i].ac < booths[j].ac
		}
		return booths[i].part < booths[j].part
	})
	boothRecs := make([][]string, 0, len(booths))
	seenCode := map[string]bool{}
	dupParts := 0
	for _, b := range booths {
		ac := acs[b.ac]
		code := fmt.Sprintf("%s-PS-%04d", ac.code, b.part)
		// Part numbers are unique within every AC in the 2014 data; should a later
		// source repeat one, the 2nd, 3rd, ... occurrence gets suffix A, B, ...
		if seenCode[code] {
			base := code
			for s := 'A'; seenCode[code]; s++ {
				code = base + string(s)
			}
			dupParts++
		}
		seenCode[code] = true
		u := &unit{level: "booth", code: code, name: b.name, parent: ac.code, number: b.part}
		if b.hasElectors {
			u.addElectors(b.electors)
			ac.addElectors(b.electors)
		}
		boothRecs = append(boothRecs, u.record())
	}
	// Roll the elector sums up: AC -> district, PC, state.
	byCode := map[string]*unit{}
	for _, d := range districtList {
		byCode[d.code] = d
	}
	for _, p := range pcs {
		byCode[p.code] = p
	}
	for _, ac := range acList {
		if !ac.hasElectors {
			continue
		}
		byCode[ac.parent].addElectors(ac.electors)
		byCode[ac.pcCode].addElectors(ac.electors)
		state.addElectors(ac.electors)
	}

	// ---- write ----
	units := [][]string{header, state.record()}
	sort.Slice(districtList, func(i, j int) bool { return districtList[i].code < districtList[j].code })
	for _, d := range districtList {
		units = append(units, d.record())
	}
	for pc := 1; pc <= numPCs; pc++ {
		units = append(units, pcs[pc].record())
	}
	for _, ac := range acList {
		units = append(units, ac.record())
	}
	if err := os.WriteFile(local("up_units.csv"), encodeCSV(units), 0o644); err != nil {
		log.Fatal(err)
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	zw.Name = "up_booths_2014.csv" // ModTime stays zero: reproducible bytes
	if _, err := zw.Write(encodeCSV(append([][]string{header}, boothRecs...))); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(local("up_booths_2014.csv.gz"), gz.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}

	// ---- report ----
	sc, st := 0, 0
	for _, ac := range acList {
		switch ac.reserved {
		case "SC":
			sc++
		case "ST":
			st++
		}
	}
	fmt.Printf("wrote %s: 1 state, %d districts, %d parliamentary, %d assembly (%d SC, %d ST)\n",
		local("up_units.csv"), len(districtList), len(pcs), len(acList), sc, st)
	fmt.Printf("wrote %s: %d booths, %d with a repeated part number, %d names with stray U+200D removed\n",
		local("up_booths_2014.csv.gz"), len(boothRecs), dupParts, zwjRows)
	fmt.Printf("state electors (sum of booths): %d; population 2011: %d\n", state.electors, state.pop.total)
	for _, m := range missingElectors {
		fmt.Printf("booth without electors_total (kept, electors empty): %s\n", m)
	}
}

// slug makes "Sant Kabir Nagar" into "SANT-KABIR-NAGAR".
func slug(s string) string {
	var parts []string
	for _, f := range strings.FieldsFunc(strings.ToUpper(s), func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) {
		parts = append(parts, f)
	}
	return strings.Join(parts, "-")
}

func encodeCSV(recs [][]string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(recs); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}
