package services_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/sangathan/sangathan/demodata"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// seedDistrict is the smallest district (2 assemblies, about 1,000 booths), so that a seed in a
// test stays quick.
const seedDistrict = "UP-MAHOBA"

func (e *env) seeder() *services.Seeder {
	return services.NewSeeder(e.db.DB, e.clock.Now, e.users, e.units)
}

func mustPlan(t *testing.T, seed uint64, districts ...string) *demodata.Seed {
	t.Helper()
	p, err := demodata.NewSeed(seed, districts)
	noErr(t, err)
	return p
}

// TestSeedDistrict seeds one district into an empty database and checks what it wrote: the
// whole skeleton, the booths of every assembly (the 2014 ones and those added up to 2024),
// sectors of about ten booths, committees within their sizes with about 8 % of the booths'
// incomplete, communities near the census, valid and unique personal data, rollups that
// `sangathan verify` confirms, one audit row per batch, and accounts that log in. A second seed
// is refused and changes nothing.
func TestSeedDistrict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	plan := mustPlan(t, 11, seedDistrict)
	last := 0
	res, err := e.seeder().Seed(ctx, services.System, plan, func(rows int) {
		if rows < last {
			t.Errorf("progress went back from %d to %d", last, rows)
		}
		last = rows
	})
	noErr(t, err)
	want := plan.Counts()
	if res.Units != want.Units || res.People != want.People || res.Seats != want.Seats || last != want.Rows() {
		t.Fatalf("seeded %+v (progress %d), the plan counts %+v", res, last, want)
	}
	db := e.db.DB
	count := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		noErr(t, db.Raw(q, args...).Scan(&n).Error)
		return n
	}
	for level, n := range map[string]int64{"state": 1, "district": 75, "parliamentary": 80, "assembly": 403} {
		if got := count("SELECT count(*) FROM units WHERE level = ?", level); got != n {
			t.Errorf("%d units of level %s, want %d", got, level, n)
		}
	}

	t.Run("booths and sectors", func(t *testing.T) {
		var rows []struct {
			Code   string
			Booths int64
			Stored int64
		}
		noErr(t, db.Raw(`SELECT a.code, a.booths AS stored,
			(SELECT count(*) FROM units b JOIN units s ON s.id = b.parent_id WHERE b.level = 'booth' AND s.parent_id = a.id) AS booths
			FROM units a JOIN units d ON d.id = a.parent_id WHERE a.level = 'assembly' AND d.code = ?`, seedDistrict).Scan(&rows).Error)
		perAC := plan.Booths()
		if len(rows) != len(perAC) || len(rows) == 0 {
			t.Fatalf("%d assemblies, the plan has %d", len(rows), len(perAC))
		}
		for _, r := range rows {
			b := perAC[r.Code]
			if r.Booths != int64(b[0]+b[1]) || r.Stored != r.Booths || b[1] == 0 {
				t.Errorf("%s: %d booths under its sectors (rollup %d), want %d real + %d added", r.Code, r.Booths, r.Stored, b[0], b[1])
			}
		}
		var sizes []int64
		noErr(t, db.Raw(`SELECT count(b.id) FROM units s LEFT JOIN units b ON b.parent_id = s.id WHERE s.level = 'sector' GROUP BY s.id`).Scan(&sizes).Error)
		total := int64(0)
		for _, n := range sizes {
			total += n
			if n < 5 || n > 15 {
				t.Errorf("a sector of %d booths", n)
			}
		}
		if mean := float64(total) / float64(len(sizes)); mean < 9.5 || mean > 10.5 {
			t.Errorf("%.2f booths a sector, want about 10", mean)
		}
		if n := count("SELECT count(*) FROM units b JOIN units p ON p.id = b.parent_id WHERE b.level = 'booth' AND p.level <> 'sector'"); n != 0 {
			t.Errorf("%d booths not under a sector", n)
		}
		if n := count("SELECT count(*) FROM units WHERE level = 'booth' AND name_hi LIKE 'बूथ %'"); n == 0 {
			t.Error("no added booth with a Devanagari name")
		}
	})

	t.Run("committees", func(t *testing.T) {
		var rows []struct {
			Level    string
			Seats    int
			Complete bool
		}
		noErr(t, db.Raw(`SELECT u.level, count(s.id) AS seats, u.committee_complete AS complete FROM units u
			JOIN seats s ON s.unit_id = u.id AND s.ended_at IS NULL GROUP BY u.id, u.level, u.committee_complete`).Scan(&rows).Error)
		n := map[string]int{}
		booths, incomplete := 0, 0
		for _, r := range rows {
			n[r.Level]++
			switch r.Level {
			case "booth":
				booths++
				if !r.Complete {
					incomplete++
				} else if r.Seats < 10 || r.Seats > 21 {
					t.Errorf("a complete booth committee of %d", r.Seats)
				}
				if r.Seats > 21 {
					t.Errorf("a booth committee of %d", r.Seats)
				}
			default:
				if !r.Complete {
					t.Errorf("an incomplete %s committee of %d", r.Level, r.Seats)
				}
			}
		}
		if share := float64(incomplete) / float64(booths); share < 0.05 || share > 0.11 {
			t.Errorf("%d of %d booth committees incomplete (%.1f %%), want about 8 %%", incomplete, booths, 100*share)
		}
		if int64(booths) != count("SELECT count(*) FROM units WHERE level = 'booth'") {
			t.Errorf("%d booth committees for %d booths", booths, count("SELECT count(*) FROM units WHERE level = 'booth'"))
		}
		if n["sector"] != int(count("SELECT count(*) FROM units WHERE level = 'sector'")) || n["assembly"] != 2 || n["district"] != 1 || n["state"] != 1 {
			t.Errorf("committees by level: %v", n)
		}
	})

	t.Run("people", func(t *testing.T) {
		var people []models.Person
		noErr(t, db.Find(&people).Error)
		if len(people) != want.People {
			t.Fatalf("%d people, want %d", len(people), want.People)
		}
		phone := regexp.MustCompile(`^\+91[6-9][0-9]{9}$`)
		voters := map[string]bool{}
		var sc, st, muslim float64
		for _, p := range people {
			if p.Phone != nil && !phone.MatchString(*p.Phone) {
				t.Fatalf("phone %q", *p.Phone)
			}
			if p.VoterID != nil {
				if voters[*p.VoterID] {
					t.Fatalf("voter ID %s twice", *p.VoterID)
				}
				voters[*p.VoterID] = true
			}
			if !strings.ContainsFunc(p.NameHi, func(r rune) bool { return unicode.Is(unicode.Devanagari, r) }) || p.Name == "" {
				t.Fatalf("names %q / %q", p.Name, p.NameHi)
			}
			if p.HomeUnitID == nil || *p.HomeUnitID != p.UnitID {
				t.Fatalf("person %d is not looked after at their home booth", p.ID)
			}
			switch p.Category {
			case models.CategorySC:
				sc++
			case models.CategoryST:
				st++
			}
			if p.Religion != nil && *p.Religion == "muslim" {
				muslim++
			}
		}
		if n := count("SELECT count(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE p.path <> u.path"); n != 0 {
			t.Errorf("%d people whose path is not their unit's", n)
		}
		if count("SELECT count(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.level <> 'booth'") != 0 {
			t.Error("people looked after elsewhere than at a booth")
		}
		var d models.Unit
		noErr(t, db.Where("code = ?", seedDistrict).Take(&d).Error)
		total := float64(*d.PopulationTotal)
		n := float64(len(people))
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"SC", sc / n, float64(*d.PopulationSC) / total}, {"ST", st / n, float64(*d.PopulationST) / total},
			{"Muslim", muslim / n, float64(*d.PopulationMuslim) / total}} {
			if c.got < c.want-0.02 || c.got > c.want+0.02 {
				t.Errorf("%s share %.3f, census %.3f", c.name, c.got, c.want)
			}
		}
	})

	t.Run("verify finds nothing", func(t *testing.T) {
		diffs, err := services.NewVerifier(db, e.clock.Now).Check(ctx, services.System)
		noErr(t, err)
		if len(diffs) != 0 {
			t.Errorf("%d differences after the seed, the first: %v", len(diffs), diffs[0])
		}
	})

	t.Run("audit", func(t *testing.T) {
		var rows []models.AuditEntry
		noErr(t, db.Where("action = ?", "seed").Order("id").Find(&rows).Error)
		got := make([]string, len(rows))
		for i, r := range rows {
			got[i] = r.Entity
			if r.ActorUsername != "system" || r.UnitPath == nil || r.After == nil || !strings.Contains(*r.After, `"rows":`) {
				t.Errorf("audit row %+v", r)
			}
		}
		// The skeleton's units; the district's units, people and seats; the state committee.
		if strings.Join(got, ",") != "unit,unit,person,seat,seat" {
			t.Errorf("seed audit rows for %v", got)
		}
	})

	t.Run("accounts log in", func(t *testing.T) {
		const pw = "seed-password-1"
		accounts, err := e.seeder().Accounts(ctx, services.System, plan, pw)
		noErr(t, err)
		var booth models.Unit
		noErr(t, db.Where("code = ?", plan.FirstBooth(0)).Take(&booth).Error)
		wantScope := map[string]struct {
			role  models.Role
			scope string
		}{
			"up.office":    {models.RoleStateOffice, "UP"},
			"up.viewer":    {models.RoleViewer, "UP"},
			"mahoba.coord": {models.RoleDistrictCoordinator, seedDistrict},
			"mahoba.booth": {models.RoleBoothWorker, booth.Code},
		}
		if len(accounts) != len(wantScope) {
			t.Fatalf("accounts %+v", accounts)
		}
		for _, a := range accounts {
			w, ok := wantScope[a.Username]
			if !ok || a.Role != w.role || a.Scope != w.scope || !a.Created {
				t.Errorf("account %+v, want %+v", a, w)
			}
			s, err := e.auth.Login(ctx, a.Username, pw, "127.0.0.1")
			noErr(t, err)
			var scope models.Unit
			noErr(t, db.Where("id = ?", *s.User.ScopeUnitID).Take(&scope).Error)
			if s.User.Role != w.role || scope.Code != w.scope {
				t.Errorf("%s logged in as %s scoped to %s", a.Username, s.User.Role, scope.Code)
			}
		}
		if !strings.HasPrefix(booth.Code, "UP-AC-") || !strings.HasSuffix(booth.Code, "-PS-0001") {
			t.Errorf("the first booth is %s", booth.Code)
		}
		// Again: every account is there already and left alone (its password too).
		again, err := e.seeder().Accounts(ctx, services.System, plan, "another-password")
		noErr(t, err)
		for _, a := range again {
			if a.Created {
				t.Errorf("%s made twice", a.Username)
			}
		}
		_, err = e.auth.Login(ctx, "mahoba.coord", pw, "127.0.0.1")
		noErr(t, err)
	})

	t.Run("a second seed is refused", func(t *testing.T) {
		before := count("SELECT count(*) FROM units") + count("SELECT count(*) FROM people") + count("SELECT count(*) FROM seats")
		for _, p := range []*demodata.Seed{plan, mustPlan(t, 11, "UP-CHITRAKOOT")} {
			err := e.seeder().Check(ctx, services.System, p)
			wantErr(t, err, services.EConflict)
			_, err = e.seeder().Seed(ctx, services.System, p, nil)
			if e := wantErr(t, err, services.EConflict); !strings.Contains(e.Message, "already holds") {
				t.Errorf("message %q", e.Message)
			}
		}
		after := count("SELECT count(*) FROM units") + count("SELECT count(*) FROM people") + count("SELECT count(*) FROM seats")
		if before != after {
			t.Errorf("rows %d before the refused seeds, %d after", before, after)
		}
	})
}

// TestSeedOverTheSkeleton: a database that holds only the skeleton (imported from the units
// CSV) is seeded around it, its rollups brought up to date; a database holding any other unit
// is refused before anything is written; only an administrator may seed.
func TestSeedOverTheSkeleton(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	e := newEnv(t)
	_, err := e.imports.Units(ctx, services.System, demodata.Units(), services.AllOrNothing)
	noErr(t, err)
	var before models.Unit
	noErr(t, e.db.Where("code = ?", seedDistrict).Take(&before).Error)
	plan := mustPlan(t, 5, seedDistrict)
	res, err := e.seeder().Seed(ctx, services.System, plan, nil)
	noErr(t, err)
	if res.Units != plan.Counts().Units-len(plan.Skeleton()) {
		t.Errorf("%d units inserted, want the district's %d", res.Units, plan.Counts().Units-len(plan.Skeleton()))
	}
	after := loadUnit(t, e.db, before.ID)
	if after.Path != before.Path || after.Booths == 0 || after.Seats == 0 || !after.CommitteeComplete {
		t.Errorf("district before %+v, after %+v", before, after)
	}
	diffs, err := services.NewVerifier(e.db.DB, e.clock.Now).Check(ctx, services.System)
	noErr(t, err)
	if len(diffs) != 0 {
		t.Errorf("%d differences, the first: %v", len(diffs), diffs[0])
	}

	other := newEnv(t)
	_, err = other.imports.Units(ctx, services.System, strings.NewReader(
		"level,code,name,parent_code\nstate,UP,Uttar Pradesh,\ndistrict,UP-ELSEWHERE,Elsewhere,UP\n"), services.AllOrNothing)
	noErr(t, err)
	_, err = other.seeder().Seed(ctx, services.System, plan, nil)
	if e := wantErr(t, err, services.EConflict); !strings.Contains(e.Message, "UP-ELSEWHERE") {
		t.Errorf("message %q does not name the stray unit", e.Message)
	}
	var n int64
	noErr(t, other.db.Table("units").Count(&n).Error)
	if n != 2 {
		t.Errorf("%d units after a refused seed, want the 2 there before", n)
	}

	// A skeleton unit changed (an assembly given another Lok Sabha seat) is not the skeleton.
	moved := newEnv(t)
	_, err = moved.imports.Units(ctx, services.System, demodata.Units(), services.AllOrNothing)
	noErr(t, err)
	noErr(t, moved.db.Exec("UPDATE units SET parliamentary_id = (SELECT id FROM units WHERE code = 'UP-PC-001') WHERE code = 'UP-AC-229'").Error)
	_, err = moved.seeder().Seed(ctx, services.System, plan, nil)
	if e := wantErr(t, err, services.EConflict); !strings.Contains(e.Message, "UP-AC-229 does not belong to") {
		t.Errorf("message %q", e.Message)
	}

	state := loadUnit(t, e.db, *after.ParentID)
	_, err = e.seeder().Seed(ctx, scoped(models.RoleStateOffice, state), plan, nil)
	wantErr(t, err, services.EForbidden)
}
