package demodata

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

var wantHeader = []string{
	"level", "code", "name", "name_hi", "parent_code", "number", "reserved",
	"parliamentary_code", "electors", "population_total", "population_sc",
	"population_st", "population_muslim", "population_minority",
}

// Counts computed from the generated files (see README.md).
const (
	wantBooths        = 138771
	wantLucknowBooths = 3160 // ACs 168-176
	wantDemoBooths    = 8431 // Lucknow 3160 + Varanasi 2553 + Rampur 1434 + Sonbhadra 1284
	wantStateElectors = 137297351
)

type row map[string]string

func readAll(t *testing.T, r io.Reader) []row {
	t.Helper()
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	if len(recs) == 0 {
		t.Fatal("no header")
	}
	if strings.Join(recs[0], ",") != strings.Join(wantHeader, ",") {
		t.Fatalf("header = %v, want %v", recs[0], wantHeader)
	}
	rows := make([]row, 0, len(recs)-1)
	for _, rec := range recs[1:] {
		m := row{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	return rows
}

func units(t *testing.T) ([]row, map[string]row) {
	t.Helper()
	rows := readAll(t, Units())
	by := map[string]row{}
	for _, r := range rows {
		if _, dup := by[r["code"]]; dup {
			t.Errorf("duplicate unit code %s", r["code"])
		}
		by[r["code"]] = r
	}
	return rows, by
}

func booths(t *testing.T) []row {
	t.Helper()
	rc, err := Booths()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	return readAll(t, rc)
}

func hasDevanagari(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Devanagari, r) {
			return true
		}
	}
	return false
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not an integer: %q", s)
	}
	return n
}

func TestUnits(t *testing.T) {
	rows, by := units(t)
	count := map[string]int{}
	reserved := map[string]int{}
	pcReserved := map[string]int{}
	seen := map[string]bool{}
	for _, r := range rows {
		count[r["level"]]++
		switch r["level"] {
		case "state":
			if r["parent_code"] != "" || r["code"] != "UP" || r["name"] != "Uttar Pradesh" || r["name_hi"] != "उत्तर प्रदेश" {
				t.Errorf("state row %v", r)
			}
		case "district", "parliamentary":
			if r["parent_code"] != "UP" {
				t.Errorf("%s %s: parent %q", r["level"], r["code"], r["parent_code"])
			}
		case "assembly":
			if p := by[r["parent_code"]]; p == nil || p["level"] != "district" {
				t.Errorf("assembly %s: parent %q is not a district", r["code"], r["parent_code"])
			}
			if p := by[r["parliamentary_code"]]; p == nil || p["level"] != "parliamentary" {
				t.Errorf("assembly %s: parliamentary_code %q does not resolve", r["code"], r["parliamentary_code"])
			}
			reserved[r["reserved"]]++
		default:
			t.Errorf("unexpected level %q", r["level"])
		}
		if r["level"] == "parliamentary" {
			pcReserved[r["reserved"]]++
		}
		if r["parent_code"] != "" && !seen[r["parent_code"]] {
			t.Errorf("%s appears before its parent %s", r["code"], r["parent_code"])
		}
		seen[r["code"]] = true
		if r["level"] != "state" {
			if !hasDevanagari(r["name_hi"]) {
				t.Errorf("%s: name_hi %q has no Devanagari", r["code"], r["name_hi"])
			}
			if r["name"] == "" || strings.Contains(r["name"], "(") {
				t.Errorf("%s: name %q", r["code"], r["name"])
			}
		}
	}
	want := map[string]int{"state": 1, "district": 75, "parliamentary": 80, "assembly": 403}
	for l, n := range want {
		if count[l] != n {
			t.Errorf("%d %s rows, want %d", count[l], l, n)
		}
	}
	// ECI 2008 order: 85 SC, 0 ST. Since 2017 Duddhi (SC) and Obra (GEN) are ST seats,
	// as the ADR 2017 names mark them: 84 SC + 2 ST (README, "Reservation").
	if reserved["SC"] != 84 || reserved["ST"] != 2 || reserved[""] != 317 {
		t.Errorf("assembly reservations %v, want 84 SC, 2 ST, 317 general", reserved)
	}
	if by["UP-AC-402"]["reserved"] != "ST" || by["UP-AC-403"]["reserved"] != "ST" {
		t.Errorf("Obra/Duddhi should be ST")
	}
	if pcReserved["SC"] != 17 || pcReserved["ST"] != 0 {
		t.Errorf("PC reservations %v, want 17 SC", pcReserved)
	}
	// Every district has at least one assembly, every PC 5 or 6.
	perDistrict, perPC := map[string]int{}, map[string]int{}
	for _, r := range rows {
		if r["level"] == "assembly" {
			perDistrict[r["parent_code"]]++
			perPC[r["parliamentary_code"]]++
		}
	}
	for _, r := range rows {
		switch r["level"] {
		case "district":
			if perDistrict[r["code"]] == 0 {
				t.Errorf("district %s has no assembly", r["code"])
			}
		case "parliamentary":
			if n := perPC[r["code"]]; n != 5 && n != 6 {
				t.Errorf("PC %s has %d assemblies", r["code"], n)
			}
		}
	}
	if n := perDistrict["UP-LUCKNOW"]; n != 9 {
		t.Errorf("Lucknow has %d assemblies, want 9", n)
	}
	if got := by["UP-AC-024"]["parliamentary_code"]; got != "UP-PC-005" {
		t.Errorf("Noorpur PC = %s, want UP-PC-005 (ECI 2008)", got)
	}
	if got := by["UP-AC-271"]["parent_code"]; got != "UP-AYODHYA" {
		t.Errorf("Rudauli district = %s, want UP-AYODHYA (ADR 2017)", got)
	}
	if got := by["UP-AC-173"]; got["name"] != "Lucknow East" || got["name_hi"] != "लखनऊ पूर्व" {
		t.Errorf("UP-AC-173 = %v", got)
	}
}

func TestCensus(t *testing.T) {
	_, by := units(t)
	check := func(code string, want ...string) {
		t.Helper()
		r := by[code]
		if r == nil {
			t.Fatalf("no %s", code)
		}
		got := []string{r["population_total"], r["population_sc"], r["population_st"], r["population_muslim"], r["population_minority"]}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s population = %v, want %v", code, got, want)
		}
	}
	// Census 2011 PCA (TOT_P, P_SC, P_ST) and religion table (Muslims; all non-Hindu stated religions).
	check("UP", "199812341", "41357608", "1134273", "38483967", "39917065")
	check("UP-LUCKNOW", "4589838", "948294", "7506", "985070", "1038802")
	check("UP-PRAYAGRAJ", "5954391", "1309851", "7955", "796756", "821858") // census Allahabad (175)
	check("UP-AYODHYA", "2470996", "555047", "931", "365806", "372223")     // census Faizabad (177)
	check("UP-RAMPUR", "2335819", "307936", "358", "1181337", "1257608")
	check("UP-SONBHADRA", "1862559", "421661", "385018", "103567", "113320")
	check("UP-KASGANJ", "1436719", "254299", "150", "213822", "222363") // census Kanshiram Nagar (202)
	for _, c := range []string{"UP-AMETHI", "UP-HAPUR", "UP-SAMBHAL", "UP-SHAMLI"} {
		check(c, "", "", "", "", "") // created after the 2011 census
	}
	if by["UP-LUCKNOW"]["number"] != "162" {
		t.Errorf("Lucknow LGD code %s, want 162", by["UP-LUCKNOW"]["number"])
	}
	// The 71 census districts add up to the state.
	var sum int
	n := 0
	for _, r := range by {
		if r["level"] == "district" && r["population_total"] != "" {
			sum += atoi(t, r["population_total"])
			n++
		}
	}
	if n != 71 || sum != 199812341 {
		t.Errorf("%d census districts summing to %d", n, sum)
	}
}

func TestBooths(t *testing.T) {
	urows, by := units(t)
	rows := booths(t)
	if len(rows) != wantBooths {
		t.Fatalf("%d booths, want %d", len(rows), wantBooths)
	}
	codes := map[string]bool{}
	acSum := map[string]int{}
	prevAC, prevPart := "", 0
	missing := 0
	for _, r := range rows {
		if r["level"] != "booth" {
			t.Fatalf("level %q", r["level"])
		}
		if codes[r["code"]] {
			t.Errorf("duplicate booth code %s", r["code"])
		}
		codes[r["code"]] = true
		if by[r["code"]] != nil {
			t.Errorf("booth code %s clashes with a unit", r["code"])
		}
		p := by[r["parent_code"]]
		if p == nil || p["level"] != "assembly" {
			t.Fatalf("booth %s: parent %q is not an assembly", r["code"], r["parent_code"])
		}
		part := atoi(t, r["number"])
		if !strings.HasPrefix(r["code"], r["parent_code"]+"-PS-") {
			t.Errorf("booth code %s vs parent %s", r["code"], r["parent_code"])
		}
		if r["parent_code"] < prevAC || (r["parent_code"] == prevAC && part <= prevPart) {
			t.Errorf("booth %s out of order", r["code"])
		}
		prevAC, prevPart = r["parent_code"], part
		if strings.TrimSpace(r["name"]) != r["name"] || strings.Contains(r["name"], "  ") || r["name"] == "" {
			t.Errorf("booth %s: name %q", r["code"], r["name"])
		}
		if r["electors"] == "" {
			missing++
			continue
		}
		acSum[r["parent_code"]] += atoi(t, r["electors"])
	}
	if missing != 5 {
		t.Errorf("%d booths without electors, want the 5 listed in README.md", missing)
	}
	// Unit electors are booth sums: AC = its booths, district/PC = their ACs, state = all.
	distSum, pcSum, total := map[string]int{}, map[string]int{}, 0
	for _, u := range urows {
		if u["level"] != "assembly" {
			continue
		}
		if got := atoi(t, u["electors"]); got != acSum[u["code"]] {
			t.Errorf("%s electors %d, booths sum to %d", u["code"], got, acSum[u["code"]])
		}
		distSum[u["parent_code"]] += acSum[u["code"]]
		pcSum[u["parliamentary_code"]] += acSum[u["code"]]
		total += acSum[u["code"]]
	}
	for _, u := range urows {
		var want int
		switch u["level"] {
		case "district":
			want = distSum[u["code"]]
		case "parliamentary":
			want = pcSum[u["code"]]
		case "state":
			want = total
		default:
			continue
		}
		if atoi(t, u["electors"]) != want {
			t.Errorf("%s electors %s, want %d", u["code"], u["electors"], want)
		}
	}
	if total != wantStateElectors {
		t.Errorf("state electors %d, want %d", total, wantStateElectors)
	}
}

func TestBoothsOf(t *testing.T) {
	_, by := units(t)
	r, err := BoothsOf("UP-LUCKNOW")
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, r)
	if len(rows) != wantLucknowBooths {
		t.Errorf("Lucknow: %d booths, want %d", len(rows), wantLucknowBooths)
	}
	for _, b := range rows {
		if ac := by[b["parent_code"]]; ac == nil || ac["parent_code"] != "UP-LUCKNOW" {
			t.Fatalf("booth %s is not in Lucknow", b["code"])
		}
	}
	r, err = BoothsOf(DemoDistricts...)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(readAll(t, r)); n != wantDemoBooths {
		t.Errorf("demo districts: %d booths, want %d", n, wantDemoBooths)
	}
	for _, d := range DemoDistricts {
		if by[d] == nil || by[d]["level"] != "district" {
			t.Errorf("demo district %s missing", d)
		}
	}
	if _, err := BoothsOf("UP-NOWHERE"); err == nil {
		t.Error("unknown district accepted")
	}
	r, err = BoothsOf()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(readAll(t, r)); n != 0 {
		t.Errorf("no districts: %d booths", n)
	}
}
