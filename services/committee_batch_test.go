package services_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// newRows is a booth committee of n new people: a president, a booth agent, then members.
func newRows(n int, edit func(i int, in *services.PersonInput)) []services.BatchSeat {
	rows := make([]services.BatchSeat, n)
	for i := range rows {
		pos := models.PositionMember
		switch i {
		case 0:
			pos = models.PositionPresident
		case 1:
			pos = models.PositionBoothAgent
		}
		in := &services.PersonInput{Name: uniq("Batch"), Gender: models.Genders[i%2], Category: models.Categories[i%4]}
		if edit != nil {
			edit(i, in)
		}
		rows[i] = services.BatchSeat{Person: in, Position: pos}
	}
	return rows
}

func TestSeatBatchBuildsACommittee(t *testing.T) {
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	before := e.coverages(t, tr.b1, tr.a1, tr.d1, tr.state)
	repBefore := e.figures(t, services.System, tr.d1, models.LevelBooth)
	v, err := e.set.Committees.SeatBatch(ctx, dc, tr.b1.ID, newRows(10, nil))
	noErr(t, err)
	if len(v.Seats) != 10 || !v.Complete {
		t.Fatalf("committee after the batch: %d seats, complete %v", len(v.Seats), v.Complete)
	}
	after := e.coverages(t, tr.b1, tr.a1, tr.d1, tr.state)
	for code, c := range after {
		if c.Complete != before[code].Complete+1 || c.Booths != before[code].Booths {
			t.Errorf("%s coverage %+v → %+v, want one more complete booth", code, before[code], c)
		}
	}
	rep := e.figures(t, services.System, tr.d1, models.LevelBooth)
	if rep.Seats != repBefore.Seats+10 || rep.ByGender["male"] != repBefore.ByGender["male"]+5 || rep.ByCategory["SC"] != repBefore.ByCategory["SC"]+3 {
		t.Errorf("district representation after the batch: %+v", rep.ByCategory)
	}
	// New people live at the booth unless a row says otherwise.
	for _, st := range v.Seats {
		if st.Person.Person.UnitID != tr.b1.ID {
			t.Errorf("new person %d looked after by unit %d, want the booth", st.Person.Person.ID, st.Person.Person.UnitID)
		}
	}
	e.requireConsistent(t)
}

func TestSeatBatchIsAllOrNothing(t *testing.T) {
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	seated := e.mustPerson(t, services.System, tr.b1)
	e.mustSeat(t, services.System, tr.b1, seated, models.PositionMember)
	elsewhere := e.mustPerson(t, services.System, tr.b4) // in the other district
	taken := e.mustPerson(t, services.System, tr.b2, func(in *services.PersonInput) { in.VoterID = "TAK0000001" })
	_ = taken
	rows := newRows(9, func(i int, in *services.PersonInput) {
		switch i {
		case 3:
			in.Phone = "12345"
		case 4:
			in.VoterID = "DUP0000001"
		case 5:
			in.VoterID = "DUP0000001"
		case 6:
			in.VoterID = "TAK0000001"
		}
	})
	rows[2].Position = models.PositionPresident // a second president
	rows[7] = services.BatchSeat{PersonID: &seated.ID, Position: models.PositionMember}
	rows[8] = services.BatchSeat{PersonID: &elsewhere.ID, Position: models.PositionMember}
	rows = append(rows, services.BatchSeat{PersonID: &seated.ID, Person: &services.PersonInput{Name: "X"}, Position: "chief"})
	stateBefore := e.state(t)
	_, err := e.set.Committees.SeatBatch(ctx, dc, tr.b1.ID, rows)
	var fields []string
	for _, f := range services.FieldsOf(err) {
		fields = append(fields, f.Field)
	}
	// Every error at once: the rows' own fields and the seat rules alike (issue 10: a second
	// submit must not reveal errors the first could have named).
	want := []string{"seats[3].person.phone", "seats[9].person_id", "seats[9].position",
		"seats[2].position", "seats[5].person.voter_id", "seats[6].person.voter_id", "seats[7].person_id", "seats[8].person_id"}
	if services.ErrorCode(err) != services.EInvalid || !cmp.Equal(fields, want) {
		t.Fatalf("first answer: %v, fields %v, want %v", err, fields, want)
	}
	rows[3].Person.Phone, rows = "", rows[:9]
	_, err = e.set.Committees.SeatBatch(ctx, dc, tr.b1.ID, rows)
	fields = fields[:0]
	for _, f := range services.FieldsOf(err) {
		fields = append(fields, f.Field)
	}
	want = []string{"seats[2].position", "seats[5].person.voter_id", "seats[6].person.voter_id", "seats[7].person_id", "seats[8].person_id"}
	if services.ErrorCode(err) != services.EInvalid || !cmp.Equal(fields, want) {
		t.Fatalf("second answer: %v, fields %v, want %v", err, fields, want)
	}
	for _, f := range services.FieldsOf(err) {
		if f.Field == "seats[6].person.voter_id" && f.Message != fmt.Sprintf("person %d already has this voter ID", taken.ID) {
			t.Errorf("voter ID message %q", f.Message)
		}
	}
	if d := cmp.Diff(stateBefore, e.state(t)); d != "" {
		t.Fatalf("a refused batch wrote (-before +after):\n%s", d)
	}
	// Too many seats for a booth committee (21 at most, one already taken).
	_, err = e.set.Committees.SeatBatch(ctx, dc, tr.b1.ID, newRows(21, nil))
	if f := services.FieldsOf(err); services.ErrorCode(err) != services.EInvalid || len(f) != 1 || f[0].Field != "seats[20].position" {
		t.Errorf("an overfull batch: %v", err)
	}
	for _, c := range []struct {
		rows  []services.BatchSeat
		field string
	}{{nil, "seats"}, {newRows(31, nil), "seats"}} {
		_, err := e.set.Committees.SeatBatch(ctx, dc, tr.b1.ID, c.rows)
		wantErr(t, err, services.EInvalid, c.field)
	}
	_, err = e.set.Committees.SeatBatch(ctx, dc, tr.b4.ID, newRows(2, nil))
	wantErr(t, err, services.ENotFound)
	_, err = e.set.Committees.SeatBatch(ctx, scoped(models.RoleViewer, tr.d1), tr.b1.ID, newRows(2, nil))
	wantErr(t, err, services.EForbidden)
	if d := cmp.Diff(stateBefore, e.state(t)); d != "" {
		t.Fatalf("refused batches wrote (-before +after):\n%s", d)
	}
}

// TestSeatBatchConcurrent: coordinators send whole committees at once, eight to one booth and
// one to each of eight others; of the eight for one booth exactly one wins (the others' president
// is taken), every other booth gets its committee, and verify finds nothing.
func TestSeatBatchConcurrent(t *testing.T) {
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	var booths []models.Unit
	for range 8 {
		booths = append(booths, e.newChild(t, models.LevelBooth, tr.s1))
	}
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := tr.b1
			if i >= 8 {
				b = booths[i-8]
			}
			_, errs[i] = e.set.Committees.SeatBatch(ctx, scoped(models.RoleDistrictCoordinator, tr.d1), b.ID, newRows(10, nil))
		}()
	}
	wg.Wait()
	won := slices.IndexFunc(errs[:8], func(err error) bool { return err == nil })
	for i, err := range errs {
		switch {
		case i >= 8 || i == won:
			noErr(t, err)
		default:
			if services.ErrorCode(err) != services.EInvalid {
				t.Errorf("batch %d to the contested booth: %v, want 422", i, err)
			}
		}
	}
	if won < 0 {
		t.Fatal("no batch to the contested booth won")
	}
	if c := e.coverageOf(t, tr.s1); c.Complete != 9 {
		t.Errorf("sector coverage %+v, want 9 complete booths", c)
	}
	e.requireConsistent(t)
}
