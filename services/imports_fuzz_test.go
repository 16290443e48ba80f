package services_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/database"
	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// Fuzzing the two CSV imports (issue 13, item 5) through their real entry points, Imports.Units
// and Imports.People, on a real database. The database is made and migrated once per fuzz
// process (dbtest.New on the *testing.F), with a small tree of units of fixed codes that seeds
// can name; every input then runs against whatever the earlier inputs left. For every input:
//
//   - no panic;
//   - an error is a *services.Error of code invalid (or forbidden, for the scoped actor), never
//     an internal one, and names a field — a row error has its line, a header error its column;
//   - a failed import writes nothing: the counts of units, people and seats, the sum of their
//     versions and the newest audit row are what they were before;
//   - a successful one writes what it says: the units (people) table grows by the rows it
//     reports inserted, and every materialised path still matches its parent's.
//
// Fuzzing needs no PostgreSQL: with SANGATHAN_TEST_DATABASE_URL set, the targets still run their
// seeds there as plain tests.

// fuzzEnv is one fuzz process's services and database.
type fuzzEnv struct {
	db       *database.DB
	set      *services.Set
	imports  *services.Imports
	district services.Actor // a district coordinator of LKO: exercises the scope rules
}

// newFuzzEnv makes the database and the fixed tree the seeds name:
//
//	UP (state) ── LKO (district) ── AC170 (assembly, Lok Sabha PC35) ── SEC1 ── B001
//	           ├─ PTN (district)
//	           └─ PC35 (parliamentary)
func newFuzzEnv(tb testing.TB) *fuzzEnv {
	tb.Helper()
	db := dbtest.New(tb)
	set, err := services.NewSet(db.DB, newClock().Now, services.AuthConfig{Secret: testSecret, BcryptCost: bcrypt.MinCost})
	if err != nil {
		tb.Fatalf("NewSet: %v", err)
	}
	ctx := context.Background()
	mk := func(level models.Level, code string, parent *models.Unit, parl *models.Unit) models.Unit {
		in := services.UnitInput{Level: level, Code: code, Name: "Unit " + code}
		if parent != nil {
			in.ParentID = &parent.ID
		}
		if parl != nil {
			in.ParliamentaryID = &parl.ID
		}
		u, err := set.Units.Create(ctx, services.System, in)
		if err != nil {
			tb.Fatalf("create %s: %v", code, err)
		}
		return u
	}
	up := mk(models.LevelState, "UP", nil, nil)
	lko := mk(models.LevelDistrict, "LKO", &up, nil)
	mk(models.LevelDistrict, "PTN", &up, nil)
	pc := mk(models.LevelParliamentary, "PC35", &up, nil)
	ac := mk(models.LevelAssembly, "AC170", &lko, &pc)
	sec := mk(models.LevelSector, "SEC1", &ac, nil)
	mk(models.LevelBooth, "B001", &sec, nil)
	return &fuzzEnv{db: db, set: set, imports: set.Imports, district: scoped(models.RoleDistrictCoordinator, lko)}
}

// importTally is what a failed import must leave as it was.
type importTally struct {
	Units, People, Seats        int64
	UnitVersions, PeopleVersion int64
	Audit                       int64
}

func (e *fuzzEnv) tally(t *testing.T) importTally {
	t.Helper()
	var n importTally
	err := e.db.Raw(`SELECT (SELECT count(*) FROM units) AS units, (SELECT count(*) FROM people) AS people,
		(SELECT count(*) FROM seats) AS seats, (SELECT coalesce(sum(version), 0) FROM units) AS unit_versions,
		(SELECT coalesce(sum(version), 0) FROM people) AS people_version, (SELECT coalesce(max(id), 0) FROM audit_log) AS audit`).Scan(&n).Error
	if err != nil {
		t.Fatalf("tally: %v", err)
	}
	return n
}

// importFunc is Imports.Units or Imports.People.
type importFunc func(ctx context.Context, actor services.Actor, r []byte, mode services.ImportMode) (services.ImportResult, error)

// fuzzImport runs one input through an import and checks the properties in the file comment.
// flags picks the mode (bit 0: valid_rows) and the actor (bit 1: the district coordinator).
func (e *fuzzEnv) fuzzImport(t *testing.T, run importFunc, data []byte, flags uint8, grown func(before, after importTally) int64) {
	mode, actor := services.AllOrNothing, services.System
	if flags&1 != 0 {
		mode = services.ValidRows
	}
	if flags&2 != 0 {
		actor = e.district
	}
	before := e.tally(t)
	res, err := run(context.Background(), actor, data, mode)
	after := e.tally(t)
	if err != nil {
		var se *services.Error
		if !errors.As(err, &se) {
			t.Fatalf("error %v (%T) is not a *services.Error", err, err)
		}
		if code := services.ErrorCode(err); code != services.EInvalid {
			t.Fatalf("error code %q, want invalid: %v", code, err)
		}
		if len(se.Fields) == 0 {
			t.Fatalf("error names no field: %v", err)
		}
		for _, fe := range se.Fields {
			if fe.Field == "" || fe.Code == "" {
				t.Fatalf("field error without field or code: %+v", fe)
			}
			if fe.Line <= 0 && fe.Code != "more_errors" {
				t.Fatalf("field error without a line: %+v", fe)
			}
			if _, ok := services.FieldCodes[fe.Code]; !ok {
				t.Fatalf("field error code %q is not in FieldCodes: %+v", fe.Code, fe)
			}
		}
		if after != before {
			t.Fatalf("a failed import wrote: before %+v, after %+v (error %v)", before, after, err)
		}
		return
	}
	if mode == services.AllOrNothing && len(res.Errors) > 0 {
		t.Fatalf("all_or_nothing succeeded with %d row errors: %+v", len(res.Errors), res.Errors[0])
	}
	for _, fe := range res.Errors {
		if fe.Field == "" || fe.Code == "" {
			t.Fatalf("row error without field or code: %+v", fe)
		}
	}
	if got := grown(before, after); got != int64(res.Inserted) {
		t.Fatalf("import reports %d inserted, the table grew by %d", res.Inserted, got)
	}
	if after.Audit < before.Audit {
		t.Fatalf("audit rows vanished: %d, then %d", before.Audit, after.Audit)
	}
	if res.Inserted+res.Updated+res.Seated > 0 {
		checkTree(t, e.db)
	}
}

// FuzzUnitsImport fuzzes the units CSV import (Imports.Units).
func FuzzUnitsImport(f *testing.F) {
	hdr := "level,code,name,name_hi,parent_code,number,reserved,parliamentary_code,electors,population_total,population_sc,population_st,population_muslim,population_minority\n"
	for _, s := range []struct {
		csv   string
		flags uint8
	}{
		{hdr + "booth,B002,Prathmik Vidyalaya Gudamba,प्राथमिक विद्यालय गुडम्बा,SEC1,2,,,1043,,,,,\n", 0},
		{hdr + "booth,B003,\"JUNIOR HIGH SCHOOL BARAWAN KALA ROOM NO-2\",,SEC1,3,,,,,,,,\n", 1},
		{"\ufefflevel,code,name,parent_code\r\ndistrict,PTN2,Patna,UP\r\nassembly,AC178,Mokama,PTN2\r\n", 0},
		{"level,code,name,parent_code\nsector,S9,Child first,AC999\nassembly,AC999,Parent later,LKO\n", 0},
		{"level,code,name,parent_code\nsector,L1,Loop,L2\nsector,L2,Loop,L1\n", 1},
		{"level,code,name,parent_code\nbooth,B1,\"a \"\"quoted\"\" name, with comma\",SEC1\n", 0},
		{"level,code,name,parent_code\nbooth,B1,\"unterminated,SEC1\n", 1},
		{"level,code,name,parent_code,electors,population_total\nassembly,AC1,Big,LKO,99999999999999999999,-1\n", 1},
		{"level,code,name,parent_code,number\nassembly,AC2,Nul\x00name,LKO,1\n", 1},
		{"level,code,name,parent_code\nassembly,AC3,\xff\xfe bad,LKO\n", 1},
		{"level,code,name,parent_code\nassembly,AC170,Renamed,LKO\n", 2},
		{"level,code,name,parent_code\ndistrict,X1,Outside scope,UP\n", 3},
		{"level,code,level\n", 0},
		{"", 0},
		{"level,code,name\nstate,'=HYPERLINK(\"x\"),'+91\n", 1},
		{"level,code,name,parent_code,reserved,parliamentary_code\nassembly,AC4,Sc seat,PTN,SC,PC35\nassembly,AC5,Bad parl,PTN,,B001\n", 1},
		{"level,code,name,parent_code\nbooth,B001,Same,SEC1\nbooth,B001,Twice,SEC1\n", 1},
	} {
		f.Add([]byte(s.csv), s.flags)
	}
	e := newFuzzEnv(f)
	run := func(ctx context.Context, actor services.Actor, r []byte, mode services.ImportMode) (services.ImportResult, error) {
		return e.imports.Units(ctx, actor, bytes.NewReader(r), mode)
	}
	f.Fuzz(func(t *testing.T, data []byte, flags uint8) {
		e.fuzzImport(t, run, data, flags, func(b, a importTally) int64 { return a.Units - b.Units })
	})
}

// FuzzPeopleImport fuzzes the people CSV import (Imports.People).
func FuzzPeopleImport(f *testing.F) {
	hdr := "name,name_hi,gender,birth_year,phone,voter_id,category,religion,caste,home_unit_code,committee_unit_code,position\n"
	for _, s := range []struct {
		csv   string
		flags uint8
	}{
		{hdr + "Ramesh Kumar,रमेश कुमार,male,1980,9876543210,ABC1234567,OBC,Hindu,Kurmi,B001,B001,president\n", 0},
		{hdr + "Sunita Devi,सुनीता देवी,female,1975,+91 98765 43211,XYZ7654321,SC,,Pasi,B001,B001,booth_agent\n" +
			"Mohd. Irfan,मोहम्मद इरफ़ान,male,1990,,,GEN,Muslim,,SEC1,SEC1,member\n", 1},
		{"\ufeffname,gender,category,home_unit_code\r\nGita,female,ST,LKO\r\n", 0},
		{"name,gender,category,voter_id\nA,male,SC,ABC1234567\nB,male,SC,ABC1234567\n", 1},
		{"name,gender,category,home_unit_code,committee_unit_code,position\nP1,male,SC,B001,B001,president\nP2,male,SC,B001,B001,president\n", 1},
		{"name,gender,category,birth_year\nOld,male,SC,99999999999999999999\nYoung,female,OBC,2024\n", 1},
		{"name,gender,category,phone\n\"=cmd|' /C calc'!A0\",male,SC,'+919876543210\n", 0},
		{"name,gender,category\n\"Nul\x00\",male,SC\n", 1},
		{"name,gender,category\n\xc3\x28,male,SC\n", 1},
		{"name,gender,category,home_unit_code\nOutside,male,SC,PTN\n", 3},
		{"name,gender,category,committee_unit_code\nNo position,male,SC,B001\n", 1},
		{"name,gender,category,committee_unit_code,position\nNo unit,male,SC,NOPE,member\n", 1},
		{"name,gender,category\n\"a\nb\",male,SC\n\"stray \"quote\",female,GEN\n", 1},
		{"name,name,gender,category\n", 0},
		{"gender\n", 0},
	} {
		f.Add([]byte(s.csv), s.flags)
	}
	e := newFuzzEnv(f)
	run := func(ctx context.Context, actor services.Actor, r []byte, mode services.ImportMode) (services.ImportResult, error) {
		return e.imports.People(ctx, actor, bytes.NewReader(r), mode)
	}
	f.Fuzz(func(t *testing.T, data []byte, flags uint8) {
		e.fuzzImport(t, run, data, flags, func(b, a importTally) int64 { return a.People - b.People })
	})
}
