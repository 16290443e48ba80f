package services_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/database"
	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/demodata"
	"github.com/sangathan/sangathan/services"
)

// benchBooths is the full UP booth list (138,771 rows), decompressed once.
func benchBooths(b *testing.B) []byte {
	b.Helper()
	r, err := demodata.Booths()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// benchStateDB is a fresh database holding UP's state, districts and constituencies.
func benchStateDB(b *testing.B) (*database.DB, *services.Imports) {
	b.Helper()
	db := dbtest.New(b)
	units := services.NewUnits(db.DB, services.SystemClock)
	imp := services.NewImports(db.DB, services.SystemClock, units)
	if _, err := imp.Units(context.Background(), services.System, demodata.Units(), services.AllOrNothing); err != nil {
		b.Fatal(err)
	}
	return db, imp
}

// BenchmarkImportUPBooths loads every polling station of Uttar Pradesh through the real import
// (validation, parent resolution, paths, constituency links, one transaction) and, as the
// baseline in the same run, the same CSV into a bare table of text columns: psql's \copy on
// PostgreSQL, plain multi-row INSERTs on SQLite.
//
//	SANGATHAN_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable \
//	  go test ./services -run '^$' -bench ImportUPBooths -benchtime 3x
func BenchmarkImportUPBooths(b *testing.B) {
	data := benchBooths(b)
	b.Run("baseline_bare_copy", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			db := dbtest.New(b)
			cols := strings.Join(services.UnitColumns, " TEXT, ") + " TEXT"
			if err := db.Exec("CREATE TABLE bare_units (" + cols + ")").Error; err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if db.Dialect == "postgres" {
				psqlCopy(b, db, data)
			} else {
				insertBare(b, db, data)
			}
		}
	})
	b.Run("sangathan_import", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			_, imp := benchStateDB(b)
			b.StartTimer()
			res, err := imp.Units(context.Background(), services.System, bytes.NewReader(data), services.AllOrNothing)
			if err != nil {
				b.Fatal(err)
			}
			if res.Inserted != 138771 {
				b.Fatalf("inserted %d booths", res.Inserted)
			}
		}
	})
	b.Run("sangathan_reimport_updates", func(b *testing.B) {
		_, imp := benchStateDB(b)
		if _, err := imp.Units(context.Background(), services.System, bytes.NewReader(data), services.AllOrNothing); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			res, err := imp.Units(context.Background(), services.System, bytes.NewReader(data), services.AllOrNothing)
			if err != nil {
				b.Fatal(err)
			}
			if res.Updated != 138771 {
				b.Fatalf("updated %d booths", res.Updated)
			}
		}
	})
}

// psqlCopy runs the command-line baseline the issue names: psql \copy of the same file.
func psqlCopy(b *testing.B, db *database.DB, data []byte) {
	b.Helper()
	psql, err := exec.LookPath("psql")
	if err != nil {
		b.Skip("psql is not installed; the baseline needs it")
	}
	f := filepath.Join(b.TempDir(), "booths.csv")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		b.Fatal(err)
	}
	var name string
	if err := db.Raw("SELECT current_database()").Scan(&name).Error; err != nil {
		b.Fatal(err)
	}
	url := strings.Replace(os.Getenv(dbtest.EnvURL), "/postgres?", "/"+name+"?", 1)
	if !strings.Contains(url, name) {
		b.Skip("cannot derive the test database URL for psql")
	}
	out, err := exec.Command(psql, url, "-v", "ON_ERROR_STOP=1", "-c", `\copy bare_units FROM '`+f+`' CSV HEADER`).CombinedOutput()
	if err != nil {
		b.Fatalf("psql: %v: %s", err, out)
	}
}

func insertBare(b *testing.B, db *database.DB, data []byte) {
	b.Helper()
	insertBareWidth(b, db, data, len(services.UnitColumns))
}

func insertBareWidth(b *testing.B, db *database.DB, data []byte, width int) {
	b.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	err = db.Transaction(func(tx *gorm.DB) error {
		per := 500 / width // under 500 parameters, as the import does
		for start := 1; start < len(recs); start += per {
			end := min(start+per, len(recs))
			var sb strings.Builder
			args := make([]any, 0, (end-start)*width)
			sb.WriteString("INSERT INTO bare_units VALUES ")
			for i := start; i < end; i++ {
				if i > start {
					sb.WriteByte(',')
				}
				sb.WriteString("(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")")
				for _, v := range recs[i] {
					args = append(args, v)
				}
			}
			if err := tx.Exec(sb.String(), args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkUnitReadsFullUP measures the read paths a dashboard hits, on the whole state
// (138,771 booths), against a trivial query on the same connection pool as the baseline.
//
//	go test ./services -run '^$' -bench UnitReadsFullUP
func BenchmarkUnitReadsFullUP(b *testing.B) {
	db, imp := benchStateDB(b)
	ctx := context.Background()
	if _, err := imp.Units(ctx, services.System, bytes.NewReader(benchBooths(b)), services.AllOrNothing); err != nil {
		b.Fatal(err)
	}
	units := services.NewUnits(db.DB, services.SystemClock)
	up, err := units.UnitByCode(ctx, services.System, "UP")
	if err != nil {
		b.Fatal(err)
	}
	lko, err := units.UnitByCode(ctx, services.System, "UP-LUCKNOW")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("baseline_select_1", func(b *testing.B) {
		for b.Loop() {
			var n int
			if err := db.Raw("SELECT 1").Scan(&n).Error; err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get_state_with_coverage", func(b *testing.B) {
		for b.Loop() {
			d, err := units.Get(ctx, services.System, up.ID)
			if err != nil || d.Coverage.Booths != 138771 {
				b.Fatalf("%v %+v", err, d.Coverage)
			}
		}
	})
	b.Run("children_of_state_with_coverage", func(b *testing.B) {
		for b.Loop() {
			if _, err := units.Children(ctx, services.System, up.ID, services.PageRequest{Limit: 500}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("children_of_district_with_coverage", func(b *testing.B) {
		for b.Loop() {
			if _, err := units.Children(ctx, services.System, lko.ID, services.PageRequest{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("search_booths_by_name", func(b *testing.B) {
		for b.Loop() {
			if _, err := units.List(ctx, services.System, services.UnitFilter{Q: "prathmik vidyalaya", Level: "booth"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("list_booths_under_district_page", func(b *testing.B) {
		for b.Loop() {
			if _, err := units.List(ctx, services.System, services.UnitFilter{Under: &lko.ID, Level: "booth"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkImportPeople loads about 107,000 committee members (every booth of the four demo
// districts gets a generated committee) through the real people import — validation, unit and
// voter-ID resolution, seat rules, people and seats by COPY, committee rollups, one audit row
// per person and per seat, one transaction — against psql's \copy of the same file into a bare
// table of twelve text columns, in the same run.
//
//	SANGATHAN_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable \
//	  go test ./services -run '^$' -bench ImportPeople -benchtime 2x
func BenchmarkImportPeople(b *testing.B) {
	r, err := demodata.Committees(1.0, 7, demodata.DemoDistricts...)
	if err != nil {
		b.Fatal(err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		b.Fatal(err)
	}
	rowsInFile := bytes.Count(data, []byte("\n")) - 1
	b.Logf("%d people in the file", rowsInFile)
	b.Run("baseline_bare_copy", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			db := dbtest.New(b)
			if err := db.Exec("CREATE TABLE bare_units (" + strings.Join(services.PeopleColumns, " TEXT, ") + " TEXT)").Error; err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if db.Dialect == "postgres" {
				psqlCopy(b, db, data)
			} else {
				insertBareWidth(b, db, data, len(services.PeopleColumns))
			}
		}
	})
	b.Run("sangathan_import", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			_, imp := benchStateDB(b)
			booths, err := demodata.BoothsOf(demodata.DemoDistricts...)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := imp.Units(context.Background(), services.System, booths, services.AllOrNothing); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			res, err := imp.People(context.Background(), services.System, bytes.NewReader(data), services.AllOrNothing)
			if err != nil {
				b.Fatal(err)
			}
			if res.Inserted != rowsInFile || res.Seated != rowsInFile {
				b.Fatalf("inserted %d, seated %d of %d", res.Inserted, res.Seated, rowsInFile)
			}
		}
	})
}

// benchPeopleFile writes a people CSV of generated committees (demodata.Committees) over the
// booths of districts to a file, every row with a voter ID so that importing it again updates
// each person, and returns the file and its row count. changed writes the same people with
// other names, so that a re-import changes every row.
func benchPeopleFile(b *testing.B, fill float64, districts []string, changed bool) (string, int) {
	b.Helper()
	r, err := demodata.Committees(fill, 7, districts...)
	if err != nil {
		b.Fatal(err)
	}
	name := filepath.Join(b.TempDir(), "people.csv")
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	cr := csv.NewReader(r)
	w := csv.NewWriter(bufio.NewWriterSize(f, 1<<20))
	n := -1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if n >= 0 {
			rec[5] = fmt.Sprintf("UPV%07d", n+1)
			if changed {
				rec[0] += " Ji"
			}
		}
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
		n++
	}
	w.Flush()
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		b.Fatal(err)
	}
	return name, n
}

// benchDistricts is every district of demodata.Units, or the first SANGATHAN_BENCH_DISTRICTS.
func benchDistricts(b *testing.B) []string {
	b.Helper()
	recs, err := csv.NewReader(demodata.Units()).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for _, r := range recs[1:] {
		if r[0] == "district" {
			out = append(out, r[1])
		}
	}
	if n, err := strconv.Atoi(os.Getenv("SANGATHAN_BENCH_DISTRICTS")); err == nil && n > 0 && n < len(out) {
		out = out[:n]
	}
	return out
}

// heapPeak samples the heap in use every 20 ms until stop is called, which returns the peak.
func heapPeak() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

// BenchmarkImportPeopleState loads generated committees for every booth of Uttar Pradesh
// (138,771 booths loaded first, untimed; fill 0.85 gives about 1.5 million people and seats)
// through the real people import — row checks, voter IDs, units and scope, every seat through
// checkSeat, people and seats written set-based, committee and booth rollups, one audit row
// per unit and block of lines, statistics — and, in the same run, the baseline: psql \copy of
// the same file into a bare table of twelve text columns. It reports each time and its ratio
// to the baseline: the first load, a re-import of the same file (every row matches a stored
// person and seat, nothing changes) and a re-import in which every row's name changed (every
// person is rewritten), and the peak heap of the first load. For scale it also reports the floor
// (insertFloor): the bare copy plus plain INSERT … SELECTs into people and seats.
//
//	SANGATHAN_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable \
//	  go test ./services -run '^$' -bench ImportPeopleState -benchtime 1x -timeout 60m
//
// SANGATHAN_BENCH_DISTRICTS=N takes the first N districts, SANGATHAN_BENCH_FILL the share of
// booths that get a committee (0.85).
func BenchmarkImportPeopleState(b *testing.B) {
	fill := 0.85
	if f, err := strconv.ParseFloat(os.Getenv("SANGATHAN_BENCH_FILL"), 64); err == nil && f > 0 {
		fill = f
	}
	districts := benchDistricts(b)
	file, rows := benchPeopleFile(b, fill, districts, false)
	changedFile, _ := benchPeopleFile(b, fill, districts, true)
	b.Logf("%d people over %d districts", rows, len(districts))
	ctx := context.Background()
	for range b.N { // the times that matter are measured inside and reported as metrics
		b.StopTimer()
		bare := dbtest.New(b)
		if bare.Dialect != "postgres" {
			b.Skip("the baseline is psql \\copy: PostgreSQL")
		}
		if err := bare.Exec("CREATE TABLE bare_units (" + strings.Join(services.PeopleColumns, " TEXT, ") + " TEXT)").Error; err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		psqlCopyFile(b, bare, file)
		baseline := time.Since(start)

		_, imp := benchStateDB(b)
		booths, err := demodata.Booths()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := imp.Units(ctx, services.System, booths, services.AllOrNothing); err != nil {
			b.Fatal(err)
		}
		booths.Close()
		runtime.GC()
		run := func(name string, wantInserted, wantUpdated, wantSeated int) time.Duration {
			f, err := os.Open(name)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			start := time.Now()
			res, err := imp.People(ctx, services.System, bufio.NewReaderSize(f, 1<<16), services.AllOrNothing)
			if err != nil {
				b.Fatal(err)
			}
			if res.Inserted != wantInserted || res.Updated != wantUpdated || res.Seated != wantSeated {
				b.Fatalf("%s: %+v, want %d inserted, %d updated, %d seated", name, res, wantInserted, wantUpdated, wantSeated)
			}
			return time.Since(start)
		}
		b.StartTimer()
		stop := heapPeak()
		first := run(file, rows, 0, rows)
		peak := stop()
		again := run(file, 0, rows, 0)
		changed := run(changedFile, 0, rows, 0)
		b.StopTimer()
		floor := insertFloor(b, file)
		for _, m := range []struct {
			d    time.Duration
			unit string
		}{{baseline, "baseline_s"}, {first, "first_load_s"}, {again, "reimport_same_s"}, {changed, "reimport_changed_s"}, {floor, "floor_s"}} {
			b.ReportMetric(m.d.Seconds(), m.unit)
			if m.d != baseline {
				b.ReportMetric(m.d.Seconds()/baseline.Seconds(), strings.TrimSuffix(m.unit, "_s")+"_x")
			}
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MiB")
		b.StartTimer()
	}
}

// insertFloor is what no people import with this schema can go below: psql \copy of the file
// into a bare table, then one INSERT … SELECT of its rows into people and one into seats, with
// no checks at all — only the tables' own constraints, indexes and foreign keys. It runs on a
// state database of its own, with the booths loaded untimed.
func insertFloor(b *testing.B, file string) time.Duration {
	b.Helper()
	db, imp := benchStateDB(b)
	booths, err := demodata.Booths()
	if err != nil {
		b.Fatal(err)
	}
	defer booths.Close()
	if _, err := imp.Units(context.Background(), services.System, booths, services.AllOrNothing); err != nil {
		b.Fatal(err)
	}
	if err := db.Exec("CREATE TABLE bare_units (" + strings.Join(services.PeopleColumns, " TEXT, ") + " TEXT)").Error; err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	psqlCopyFile(b, db, file)
	for _, q := range []string{
		"ANALYZE bare_units", // as the import analyzes its staging table: plans for a handful of rows are slow
		`INSERT INTO people (name, name_hi, search_text, gender, birth_year, phone, voter_id, category, religion, caste,
			home_unit_id, unit_id, path, created_at, updated_at)
		SELECT f.name, f.name_hi, lower(f.name) || ' ' || f.name_hi, f.gender, NULLIF(f.birth_year, '')::int, NULLIF(f.phone, ''),
			NULLIF(f.voter_id, ''), f.category, NULLIF(f.religion, ''), f.caste, u.id, u.id, u.path, now(), now()
		FROM bare_units f JOIN units u ON u.code = f.home_unit_code`,
		"ANALYZE people",
		`INSERT INTO seats (unit_id, person_id, position, since)
		SELECT c.id, p.id, f.position, now() FROM bare_units f JOIN people p ON p.voter_id = f.voter_id JOIN units c ON c.code = f.committee_unit_code`,
	} {
		if err := db.Exec(q).Error; err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

// psqlCopyFile runs psql's \copy of a CSV file into bare_units.
func psqlCopyFile(b *testing.B, db *database.DB, file string) {
	b.Helper()
	psql, err := exec.LookPath("psql")
	if err != nil {
		b.Skip("psql is not installed; the baseline needs it")
	}
	var name string
	if err := db.Raw("SELECT current_database()").Scan(&name).Error; err != nil {
		b.Fatal(err)
	}
	url := strings.Replace(os.Getenv(dbtest.EnvURL), "/postgres?", "/"+name+"?", 1)
	if !strings.Contains(url, name) {
		b.Skip("cannot derive the test database URL for psql")
	}
	out, err := exec.Command(psql, url, "-v", "ON_ERROR_STOP=1", "-c", `\copy bare_units FROM '`+file+`' CSV HEADER`).CombinedOutput()
	if err != nil {
		b.Fatalf("psql: %v: %s", err, out)
	}
}
