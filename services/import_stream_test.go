package services_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/services"
)

// TestImportPeopleReadsPastAMillionRows: an import has no row limit. A file of 1,000,001 bad
// rows and one good one, fed through a pipe as it is written (never whole in memory), is read
// to the end: the good row is written, and the answer lists the first MaxImportErrors errors
// and says how many more there are.
func TestImportPeopleReadsPastAMillionRows(t *testing.T) {
	if testing.Short() {
		t.Skip("a million rows")
	}
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	const bad = 1_000_001
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriter(pw)
		fmt.Fprintln(w, peopleHdr)
		for range bad {
			fmt.Fprintf(w, "Bad Gender,,x,,,,SC,,,%s,,\n", tr.b1.Code)
		}
		fmt.Fprintln(w, newRow(tr.b2.Code))
		pw.CloseWithError(w.Flush())
	}()
	res, err := e.imports.People(context.Background(), services.System, pr, services.ValidRows)
	noErr(t, err)
	if res.Inserted != 1 || len(res.Errors) != services.MaxImportErrors+1 {
		t.Fatalf("inserted %d, %d errors; want 1 and %d", res.Inserted, len(res.Errors), services.MaxImportErrors+1)
	}
	want := services.FieldError{Field: "file", Message: fmt.Sprintf("%d more errors not shown; fix these and import again", bad-services.MaxImportErrors),
		Code: "more_errors", Params: map[string]any{"count": bad - services.MaxImportErrors}}
	if d := cmp.Diff(want, res.Errors[services.MaxImportErrors]); d != "" {
		t.Errorf("last entry (-want +got):\n%s", d)
	}
	if first := res.Errors[0]; first.Line != 2 || first.Field != "gender" {
		t.Errorf("first error %+v", first)
	}
	if p, ok := e.personNamed(t, "Bad Gender"); ok {
		t.Errorf("a bad row was written: %+v", p)
	}
}

// TestImportRefreshesStatistics: after an import that writes many rows — more than 10,000, or
// more than a tenth of what the table held — the written tables' planner statistics are
// refreshed (ANALYZE through sangathan_analyze, which the server's role may call); a small
// import into a large table leaves them alone. sangathan_analyze analyzes no other table.
func TestImportRefreshesStatistics(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if !e.isPostgres() {
		t.Skip("PostgreSQL statistics; SQLite plans without them")
	}
	tr := e.newTree(t)
	reltuples := func(table string) float64 {
		var n float64
		noErr(t, e.db.Raw("SELECT reltuples FROM pg_class WHERE oid = ?::regclass", table).Scan(&n).Error)
		return n
	}
	if got := reltuples("people"); got != -1 {
		t.Fatalf("people has statistics before any import: %v rows", got)
	}
	var rows []csvPerson
	for i := range 30 {
		if i < 21 {
			rows = append(rows, seatedRow(tr.b1.Code, tr.b1, "member"))
		} else {
			rows = append(rows, newRow(tr.b2.Code))
		}
	}
	e.importPeople(t, services.System, services.AllOrNothing, peopleFile(rows...))
	if p, s := reltuples("people"), reltuples("seats"); p != 30 || s != 21 {
		t.Errorf("after 30 people and 21 seats into empty tables: statistics say %v people, %v seats", p, s)
	}
	e.importPeople(t, services.System, services.AllOrNothing, peopleFile(newRow(tr.b3.Code)))
	if p := reltuples("people"); p != 30 {
		t.Errorf("one more person into 30 refreshed the statistics (%v rows)", p)
	}
	before := reltuples("units")
	var units []string
	for i := range 20 {
		units = append(units, fmt.Sprintf("booth,%s,Booth %d,%s", uniq("ST"), i, tr.s1.Code))
	}
	e.importUnits(t, services.System, services.AllOrNothing, csvFile("level,code,name,parent_code", units...))
	if got, want := reltuples("units"), float64(countUnits(t, e.db)); got != want {
		t.Errorf("after 20 new units (statistics said %v): %v units, want %v", before, got, want)
	}
	err := e.db.Exec("SELECT sangathan_analyze('{users}')").Error
	if err == nil || !strings.Contains(err.Error(), "not a table it analyzes") {
		t.Errorf("sangathan_analyze of users: %v, want a refusal", err)
	}
}
