package services_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
