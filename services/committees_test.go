package services_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

func seatIDs(vs []services.SeatView) []int64 {
	out := make([]int64, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Seat.ID)
	}
	return out
}

// currentHolders counts the current seats of a position on a unit, straight from the database.
func (e *env) currentHolders(t *testing.T, u models.Unit, pos models.Position) int64 {
	t.Helper()
	var n int64
	noErr(t, e.db.Model(&models.Seat{}).Where("unit_id = ? AND position = ? AND ended_at IS NULL", u.ID, pos).Count(&n).Error)
	return n
}

func TestCommitteeGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	mk := func(c models.Category, g models.Gender, religion string) models.Person {
		return e.mustPerson(t, services.System, tr.b1, func(in *services.PersonInput) { in.Category, in.Gender, in.Religion = c, g, religion })
	}
	// Seated out of rank order; the committee lists the most senior position first.
	member := e.mustSeat(t, services.System, tr.b1, mk(models.CategorySC, models.GenderFemale, "muslim"), models.PositionMember)
	agent := e.mustSeat(t, services.System, tr.b1, mk(models.CategoryOBC, models.GenderMale, "hindu"), models.PositionBoothAgent)
	president := e.mustSeat(t, services.System, tr.b1, mk(models.CategorySC, models.GenderFemale, ""), models.PositionPresident)
	vice := e.mustSeat(t, services.System, tr.b1, mk(models.CategoryGEN, models.GenderOther, "sikh"), models.PositionVicePresident)
	ended := e.mustSeat(t, services.System, tr.b1, mk(models.CategoryST, models.GenderMale, "christian"), models.PositionSecretary)
	noErr(t, e.set.Committees.EndSeat(ctx, services.System, tr.b1.ID, ended.ID))

	v, err := e.set.Committees.Get(ctx, scoped(models.RoleBoothWorker, tr.b1), tr.b1.ID)
	noErr(t, err)
	if d := cmp.Diff([]int64{president.ID, vice.ID, agent.ID, member.ID}, seatIDs(v.Seats)); d != "" {
		t.Errorf("seats, senior first, without the ended one (-want +got):\n%s", d)
	}
	if v.Unit.ID != tr.b1.ID || v.Complete {
		t.Errorf("unit %d complete %v, want %d, not complete", v.Unit.ID, v.Complete, tr.b1.ID)
	}
	wantNorm := models.CommitteeNorm{Level: models.LevelBooth, MinSeats: 10, MaxSeats: 21, RequiredPositions: "president,booth_agent", TermMonths: 36, GraceDays: 90}
	if d := cmp.Diff(wantNorm, v.Norm); d != "" {
		t.Errorf("booth norm (-want +got):\n%s", d)
	}
	wantComp := services.Composition{Seats: 4,
		ByCategory: map[models.Category]int{models.CategorySC: 2, models.CategoryST: 0, models.CategoryOBC: 1, models.CategoryGEN: 1},
		ByGender:   map[models.Gender]int{models.GenderMale: 1, models.GenderFemale: 2, models.GenderOther: 1},
		Minority:   2}
	if d := cmp.Diff(wantComp, v.Composition); d != "" {
		t.Errorf("composition (-want +got):\n%s", d)
	}
	for _, s := range v.Seats {
		if s.Person.Person.ID != s.Seat.PersonID || s.Person.Person.Name == "" {
			t.Errorf("seat %d: holder %+v, want person %d", s.Seat.ID, s.Person.Person, s.Seat.PersonID)
		}
	}

	// An empty committee has zeros, not missing keys.
	v, err = e.set.Committees.Get(ctx, services.System, tr.a2.ID)
	noErr(t, err)
	if len(v.Seats) != 0 || v.Composition.Seats != 0 || len(v.Composition.ByCategory) != 4 || len(v.Composition.ByGender) != 3 {
		t.Errorf("empty committee: %+v", v)
	}
	// Outside the scope, or missing, there is no committee.
	for _, c := range []struct {
		actor services.Actor
		unit  int64
	}{{scoped(models.RoleBoothWorker, tr.b1), tr.b2.ID}, {scoped(models.RoleDistrictCoordinator, tr.d2), tr.b1.ID}, {services.System, 987654321}} {
		_, err := e.set.Committees.Get(ctx, c.actor, c.unit)
		wantErr(t, err, services.ENotFound)
		_, err = e.set.Committees.History(ctx, c.actor, c.unit, services.PageRequest{})
		wantErr(t, err, services.ENotFound)
	}
}

// TestCommitteeSingleHolderPositions: president, general secretary, treasurer and booth agent have
// one holder at a time; the other positions many.
func TestCommitteeSingleHolderPositions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	for _, pos := range models.Positions {
		t.Run(string(pos), func(t *testing.T) {
			e.mustSeat(t, dc, tr.b1, e.mustPerson(t, dc, tr.b1), pos)
			_, err := e.set.Committees.Seat(ctx, dc, tr.b1.ID, e.mustPerson(t, dc, tr.b1).ID, pos)
			if pos.SingleHolder() {
				wantErr(t, err, services.EConflict, "position")
			} else {
				noErr(t, err)
			}
			want := int64(2)
			if pos.SingleHolder() {
				want = 1
			}
			if n := e.currentHolders(t, tr.b1, pos); n != want {
				t.Errorf("%d current holders, want %d", n, want)
			}
		})
	}
	single := []models.Position{}
	for _, p := range models.Positions {
		if p.SingleHolder() {
			single = append(single, p)
		}
	}
	if d := cmp.Diff([]models.Position{models.PositionPresident, models.PositionGeneralSecretary, models.PositionTreasurer, models.PositionBoothAgent}, single); d != "" {
		t.Errorf("single-holder positions (-want +got):\n%s", d)
	}
	// The same position on another committee is another seat.
	e.mustSeat(t, dc, tr.b2, e.mustPerson(t, dc, tr.b2), models.PositionPresident)
	checkRollups(t, e.db)
}

func TestCommitteeOneSeatPerPerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	p := e.mustPerson(t, services.System, tr.b1)
	e.mustSeat(t, services.System, tr.b1, p, models.PositionMember)
	for _, pos := range []models.Position{models.PositionMember, models.PositionSecretary, models.PositionPresident} {
		_, err := e.set.Committees.Seat(ctx, services.System, tr.b1.ID, p.ID, pos)
		wantErr(t, err, services.EConflict, "person_id")
	}
	// A person may sit on the committees of other units at the same time.
	e.mustSeat(t, services.System, tr.a1, p, models.PositionPresident)
	e.mustSeat(t, services.System, tr.b2, p, models.PositionMember)
	if got := loadUnit(t, e.db, tr.b1.ID).Seats; got != 1 {
		t.Errorf("b1 has %d seats, want 1", got)
	}
	checkRollups(t, e.db)
}

func TestCommitteeBoothAgentOnlyOnBooths(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	p := e.mustPerson(t, services.System, tr.b1)
	for _, u := range []models.Unit{tr.s1, tr.a1, tr.d1, tr.pc, tr.state} {
		_, err := e.set.Committees.Seat(ctx, services.System, u.ID, p.ID, models.PositionBoothAgent)
		wantErr(t, err, services.EInvalid, "position")
	}
	for _, pos := range []models.Position{"chairman", "", "President"} {
		_, err := e.set.Committees.Seat(ctx, services.System, tr.b1.ID, p.ID, pos)
		wantErr(t, err, services.EInvalid, "position")
	}
	e.mustSeat(t, services.System, tr.b1, p, models.PositionBoothAgent)
	var n int64
	noErr(t, e.db.Model(&models.Seat{}).Count(&n).Error)
	if n != 1 {
		t.Errorf("%d seats stored, want only the booth's", n)
	}
}

func TestCommitteeMaximumSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	e.fillCommittee(t, tr.b1, 21)
	_, err := e.set.Committees.Seat(ctx, services.System, tr.b1.ID, e.mustPerson(t, services.System, tr.b1).ID, models.PositionMember)
	wantErr(t, err, services.EConflict)
	if got := loadUnit(t, e.db, tr.b1.ID); got.Seats != 21 || !got.CommitteeComplete {
		t.Errorf("a full booth committee: %d seats, complete %v; want 21, complete", got.Seats, got.CommitteeComplete)
	}
	// A sector committee stops at 15.
	e.fillCommittee(t, tr.s1, 15)
	_, err = e.set.Committees.Seat(ctx, services.System, tr.s1.ID, e.mustPerson(t, services.System, tr.b1).ID, models.PositionMember)
	wantErr(t, err, services.EConflict)
	checkRollups(t, e.db)
}

// TestCommitteeSeatScope: managers seat people of their scope on committees of their scope;
// nobody else seats anyone.
func TestCommitteeSeatScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dcA := scoped(models.RoleDistrictCoordinator, tr.d1)
	inA := e.mustPerson(t, services.System, tr.b1)
	inB := e.mustPerson(t, services.System, tr.b4)
	cases := []struct {
		name   string
		actor  services.Actor
		unit   int64
		person int64
		code   services.Code
		fields []string
	}{
		{"a booth worker on their booth", scoped(models.RoleBoothWorker, tr.b1), tr.b1.ID, inA.ID, services.EForbidden, nil},
		{"a viewer", scoped(models.RoleViewer, tr.d1), tr.b1.ID, inA.ID, services.EForbidden, nil},
		{"a coordinator on a booth of another district", dcA, tr.b4.ID, inA.ID, services.ENotFound, nil},
		{"a coordinator seating a person of another district", dcA, tr.b1.ID, inB.ID, services.EInvalid, []string{"person_id"}},
		{"a person that does not exist", dcA, tr.b1.ID, 987654321, services.EInvalid, []string{"person_id"}},
		{"a unit that does not exist", dcA, 987654321, inA.ID, services.ENotFound, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.set.Committees.Seat(ctx, c.actor, c.unit, c.person, models.PositionMember)
			wantErr(t, err, c.code, c.fields...)
		})
	}
	var n int64
	noErr(t, e.db.Model(&models.Seat{}).Count(&n).Error)
	if n != 0 {
		t.Errorf("%d seats stored by refused requests", n)
	}
	e.mustSeat(t, dcA, tr.b1, inA, models.PositionMember)
	e.mustSeat(t, scoped(models.RoleStateOffice, tr.state), tr.b4, inB, models.PositionMember)
}

func TestCommitteeEndSeat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dc := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))
	p := e.mustPerson(t, dc, tr.b1)
	st := e.mustSeat(t, dc, tr.b1, p, models.PositionTreasurer)
	since := e.clock.Now()
	e.clock.Advance(90 * 24 * time.Hour)

	// Refused: the wrong roles, the wrong committee, a seat elsewhere.
	wantErr(t, e.set.Committees.EndSeat(ctx, scoped(models.RoleBoothWorker, tr.b1), tr.b1.ID, st.ID), services.EForbidden)
	wantErr(t, e.set.Committees.EndSeat(ctx, scoped(models.RoleViewer, tr.d1), tr.b1.ID, st.ID), services.EForbidden)
	wantErr(t, e.set.Committees.EndSeat(ctx, scoped(models.RoleDistrictCoordinator, tr.d2), tr.b1.ID, st.ID), services.ENotFound)
	wantErr(t, e.set.Committees.EndSeat(ctx, dc, tr.b2.ID, st.ID), services.ENotFound)
	wantErr(t, e.set.Committees.EndSeat(ctx, dc, tr.b1.ID, 987654321), services.ENotFound)

	noErr(t, e.set.Committees.EndSeat(ctx, dc, tr.b1.ID, st.ID))
	var stored models.Seat
	noErr(t, e.db.Where("id = ?", st.ID).Take(&stored).Error)
	if stored.EndedAt == nil || !stored.EndedAt.Equal(e.clock.Now()) || stored.EndedBy == nil || *stored.EndedBy != dc.UserID || !stored.Since.Equal(since) {
		t.Errorf("ended seat stored as since %v ended %v by %v; want since %v, ended %v by %d", stored.Since, stored.EndedAt, stored.EndedBy, since, e.clock.Now(), dc.UserID)
	}
	h, err := e.set.Committees.History(ctx, dc, tr.b1.ID, services.PageRequest{})
	noErr(t, err)
	if len(h.Items) != 1 || h.Items[0].Seat.EndedAt == nil || h.Items[0].Seat.EndedBy == nil || *h.Items[0].Seat.EndedBy != dc.UserID {
		t.Errorf("history %+v, want the ended seat with its end and who ended it", h.Items)
	}
	v, err := e.set.Committees.Get(ctx, dc, tr.b1.ID)
	noErr(t, err)
	if len(v.Seats) != 0 {
		t.Errorf("the committee still lists %d seats", len(v.Seats))
	}
	// Ending it again is a conflict, and changes nothing.
	e.clock.Advance(time.Hour)
	wantErr(t, e.set.Committees.EndSeat(ctx, dc, tr.b1.ID, st.ID), services.EConflict)
	var again models.Seat
	noErr(t, e.db.Where("id = ?", st.ID).Take(&again).Error)
	if !again.EndedAt.Equal(*stored.EndedAt) {
		t.Errorf("a second end moved ended_at from %v to %v", stored.EndedAt, again.EndedAt)
	}
	checkRollups(t, e.db)
}

// TestCommitteeFreedPositionIsTakenAgain: ending a single-holder seat frees the position, and the
// person who held it may sit on the committee again.
func TestCommitteeFreedPositionIsTakenAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	for _, pos := range []models.Position{models.PositionPresident, models.PositionGeneralSecretary, models.PositionTreasurer, models.PositionBoothAgent} {
		t.Run(string(pos), func(t *testing.T) {
			first, second := e.mustPerson(t, services.System, tr.b1), e.mustPerson(t, services.System, tr.b1)
			st := e.mustSeat(t, services.System, tr.b1, first, pos)
			noErr(t, e.set.Committees.EndSeat(ctx, services.System, tr.b1.ID, st.ID))
			e.mustSeat(t, services.System, tr.b1, second, pos)
			e.mustSeat(t, services.System, tr.b1, first, models.PositionMember)
			if n := e.currentHolders(t, tr.b1, pos); n != 1 {
				t.Errorf("%d current holders, want 1", n)
			}
		})
	}
	checkRollups(t, e.db)
}

func TestCommitteeHistoryNewestFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	var seats []models.Seat
	for _, pos := range []models.Position{models.PositionPresident, models.PositionMember, models.PositionSecretary, models.PositionMember, models.PositionTreasurer} {
		seats = append(seats, e.mustSeat(t, services.System, tr.b1, e.mustPerson(t, services.System, tr.b1), pos))
		e.clock.Advance(24 * time.Hour)
	}
	noErr(t, e.set.Committees.EndSeat(ctx, services.System, tr.b1.ID, seats[0].ID))
	noErr(t, e.set.Committees.EndSeat(ctx, services.System, tr.b1.ID, seats[3].ID))
	// The president's place taken again: the newest seat.
	seats = append(seats, e.mustSeat(t, services.System, tr.b1, e.mustPerson(t, services.System, tr.b1), models.PositionPresident))
	// Another committee's seats are not this one's history.
	e.mustSeat(t, services.System, tr.b2, e.mustPerson(t, services.System, tr.b2), models.PositionPresident)

	want := []int64{seats[5].ID, seats[4].ID, seats[3].ID, seats[2].ID, seats[1].ID, seats[0].ID}
	var got []int64
	var ended []bool
	pr := services.PageRequest{Limit: 4}
	pages := 0
	for {
		h, err := e.set.Committees.History(ctx, scoped(models.RoleViewer, tr.b1), tr.b1.ID, pr)
		noErr(t, err)
		pages++
		for _, s := range h.Items {
			got = append(got, s.Seat.ID)
			ended = append(ended, s.Seat.EndedAt != nil)
		}
		if h.NextCursor == "" {
			break
		}
		pr.Cursor = h.NextCursor
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("history (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]bool{false, false, true, false, false, true}, ended); d != "" {
		t.Errorf("ended flags, newest first (-want +got):\n%s", d)
	}
	if pages != 2 {
		t.Errorf("%d pages of 4 for 6 seats, want 2", pages)
	}
	_, err := e.set.Committees.History(ctx, services.System, tr.b1.ID, services.PageRequest{Limit: 501})
	wantErr(t, err, services.EInvalid, "limit")
}

// TestCommitteeCompletenessMovesCoverage: a booth committee that meets the norm (10 to 21 seats,
// a president and a booth agent) counts once in the coverage of every unit above the booth,
// including its Lok Sabha seat, and stops counting when it no longer meets it.
func TestCommitteeCompletenessMovesCoverage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	all := []models.Unit{tr.state, tr.pc, tr.d1, tr.d2, tr.a1, tr.a2, tr.s1, tr.b1, tr.b2, tr.b3, tr.b4}
	before := e.coverages(t, all...)
	wantBooths := map[string]int64{tr.state.Code: 4, tr.pc.Code: 4, tr.d1.Code: 3, tr.d2.Code: 1, tr.a1.Code: 3, tr.a2.Code: 1, tr.s1.Code: 2,
		tr.b1.Code: 1, tr.b2.Code: 1, tr.b3.Code: 1, tr.b4.Code: 1}
	for code, c := range before {
		if c.Booths != wantBooths[code] || c.Complete != 0 {
			t.Errorf("%s before: %+v, want %d booths, none complete", code, c, wantBooths[code])
		}
	}
	// above are b1 and every unit whose coverage it counts in.
	above := map[string]bool{tr.b1.Code: true, tr.s1.Code: true, tr.a1.Code: true, tr.d1.Code: true, tr.state.Code: true, tr.pc.Code: true}
	wantCoverage := func(when string, complete int64) {
		t.Helper()
		for code, c := range e.coverages(t, all...) {
			want := before[code]
			if above[code] {
				want.Complete += complete
			}
			if c != want {
				t.Errorf("%s: %s coverage %+v, want %+v", when, code, c, want)
			}
			if wantShare := float64(want.Complete) / float64(want.Booths); c.Share() != wantShare {
				t.Errorf("%s: %s share %v, want %v", when, code, c.Share(), wantShare)
			}
		}
		checkRollups(t, e.db)
	}
	complete := func() bool {
		t.Helper()
		v, err := e.set.Committees.Get(ctx, services.System, tr.b1.ID)
		noErr(t, err)
		return v.Complete
	}

	seats := e.fillCommittee(t, tr.b1, 9) // president, booth agent, 7 members
	if complete() {
		t.Fatal("9 seats: complete, want not yet")
	}
	wantCoverage("9 seats", 0)
	tenth := e.mustSeat(t, services.System, tr.b1, e.mustPerson(t, services.System, tr.b1), models.PositionMember)
	if !complete() {
		t.Fatal("10 seats with a president and a booth agent: not complete")
	}
	wantCoverage("10 seats", 1)
	// More seats do not count the booth twice.
	e.mustSeat(t, services.System, tr.b1, e.mustPerson(t, services.System, tr.b1), models.PositionVicePresident)
	wantCoverage("11 seats", 1)

	// Without a booth agent the committee falls short, though it has the seats.
	noErr(t, e.set.Committees.EndSeat(ctx, services.System, tr.b1.ID, seats[1].ID))
	if complete() {
		t.Fatal("no booth agent: still complete")
	}
	wantCoverage("the booth agent gone", 0)
	e.mustSeat(t, services.System, tr.b1, e.mustPerson(t, services.System, tr.b1), models.PositionBoothAgent)
	wantCoverage("a new booth agent", 1)
	// Without a president likewise.
	noErr(t, e.set.Committees.EndSeat(ctx, services.System, tr.b1.ID, seats[0].ID))
	wantCoverage("the president gone", 0)
	e.mustSeat(t, services.System, tr.b1, e.mustPerson(t, services.System, tr.b1), models.PositionPresident)
	wantCoverage("a new president", 1)
	// Below ten seats it falls short again.
	noErr(t, e.set.Committees.EndSeat(ctx, services.System, tr.b1.ID, tenth.ID))
	wantCoverage("10 seats again", 1)
	noErr(t, e.set.Committees.EndSeat(ctx, services.System, tr.b1.ID, seats[2].ID))
	wantCoverage("9 seats again", 0)

	// Complete committees above the booths change no booth coverage.
	e.fillCommittee(t, tr.a1, 3)
	e.mustSeat(t, services.System, tr.a1, e.mustPerson(t, services.System, tr.a1), models.PositionGeneralSecretary)
	e.mustSeat(t, services.System, tr.a1, e.mustPerson(t, services.System, tr.a1), models.PositionTreasurer)
	if u := loadUnit(t, e.db, tr.a1.ID); !u.CommitteeComplete || u.Seats != 5 {
		t.Errorf("assembly committee: %d seats, complete %v; want 5, complete", u.Seats, u.CommitteeComplete)
	}
	wantCoverage("a complete assembly committee", 0)
}

// TestCommitteeMovingACompleteBooth: a booth moved with its complete committee takes its count
// from the units it left to the units it joined.
func TestCommitteeMovingACompleteBooth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	pc2 := e.newChild(t, models.LevelParliamentary, tr.state)
	a3 := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelAssembly, ParentID: &tr.d2.ID, Code: uniq("AC"), Name: "Third", ParliamentaryID: &pc2.ID})
	e.newChild(t, models.LevelBooth, a3)
	e.fillCommittee(t, tr.b1, 10)
	all := []models.Unit{tr.state, tr.pc, pc2, tr.d1, tr.d2, tr.a1, tr.a2, a3, tr.s1, tr.b1}
	complete := func() map[string]int64 {
		out := map[string]int64{}
		for code, c := range e.coverages(t, all...) {
			out[code] = c.Complete
		}
		return out
	}
	wantDelta := func(when string, before map[string]int64, delta map[string]int64) {
		t.Helper()
		got := complete()
		for code, n := range before {
			if got[code] != n+delta[code] {
				t.Errorf("%s: %s has %d complete booths, want %d", when, code, got[code], n+delta[code])
			}
		}
		checkRollups(t, e.db)
	}
	move := func(to models.Unit) {
		t.Helper()
		_, err := e.units.Update(ctx, scoped(models.RoleStateOffice, tr.state), tr.b1.ID, services.UnitPatch{ParentID: &to.ID})
		noErr(t, err)
	}

	before := complete()
	move(tr.a2) // out of s1, a1 and d1 into a2 and d2, inside the same Lok Sabha seat
	wantDelta("to another district's assembly", before, map[string]int64{tr.s1.Code: -1, tr.a1.Code: -1, tr.d1.Code: -1, tr.a2.Code: +1, tr.d2.Code: +1})

	before = complete()
	move(a3) // into another Lok Sabha seat, inside the same district
	wantDelta("to another Lok Sabha seat", before, map[string]int64{tr.a2.Code: -1, a3.Code: +1, tr.pc.Code: -1, pc2.Code: +1})

	before = complete()
	move(tr.s1)
	wantDelta("back home", before, map[string]int64{a3.Code: -1, pc2.Code: -1, tr.d2.Code: -1, tr.s1.Code: +1, tr.a1.Code: +1, tr.d1.Code: +1, tr.pc.Code: +1})

	// An assembly that changes its Lok Sabha seat takes its booths along.
	before = complete()
	_, err := e.units.Update(ctx, services.System, tr.a1.ID, services.UnitPatch{ParliamentaryID: services.Nullable[int64]{Set: true, Value: &pc2.ID}})
	noErr(t, err)
	wantDelta("the assembly to another seat", before, map[string]int64{tr.pc.Code: -1, pc2.Code: +1})
	if c := e.coverageOf(t, pc2); c.Booths != 4 {
		t.Errorf("second Lok Sabha seat has %d booths, want 4 (a1's 3 and a3's 1)", c.Booths)
	}
}

func TestCommitteeDeletingABooth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	all := []models.Unit{tr.state, tr.pc, tr.d1, tr.d2, tr.a1, tr.a2, tr.s1}
	before := e.coverages(t, all...)
	extra := e.newChild(t, models.LevelBooth, tr.s1)
	above := map[string]bool{tr.state.Code: true, tr.pc.Code: true, tr.d1.Code: true, tr.a1.Code: true, tr.s1.Code: true}
	for code, c := range e.coverages(t, all...) {
		want := before[code].Booths
		if above[code] {
			want++
		}
		if c.Booths != want {
			t.Errorf("after the new booth: %s has %d booths, want %d", code, c.Booths, want)
		}
	}
	noErr(t, e.units.Delete(ctx, services.System, extra.ID))
	if d := cmp.Diff(before, e.coverages(t, all...)); d != "" {
		t.Errorf("after deleting the empty booth (-before +after):\n%s", d)
	}
	checkRollups(t, e.db)

	// A booth with a committee, even one whose terms have ended, is not deleted.
	st := e.mustSeat(t, services.System, tr.b3, e.mustPerson(t, services.System, tr.b3), models.PositionMember)
	wantErr(t, e.units.Delete(ctx, services.System, tr.b3.ID), services.EConflict)
	noErr(t, e.set.Committees.EndSeat(ctx, services.System, tr.b3.ID, st.ID))
	wantErr(t, e.units.Delete(ctx, services.System, tr.b3.ID), services.EConflict)
	e.fillCommittee(t, tr.b2, 10)
	wantErr(t, e.units.Delete(ctx, services.System, tr.b2.ID), services.EConflict)
	if d := cmp.Diff(before[tr.d1.Code].Booths, e.coverageOf(t, tr.d1).Booths); d != "" {
		t.Errorf("refused deletes changed the booth count (-want +got):\n%s", d)
	}
	checkRollups(t, e.db)
}

// TestCommitteeRollupsAfterRandomOperations runs a random mix of seat, end, create, move and delete
// operations and after each compares every rollup with a count from scratch.
func TestCommitteeRollupsAfterRandomOperations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 42))
	pc2 := e.newChild(t, models.LevelParliamentary, tr.state)
	a3 := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelAssembly, ParentID: &tr.d2.ID, Code: uniq("AC"), Name: "Third", ParliamentaryID: &pc2.ID})
	s3 := e.newChild(t, models.LevelSector, a3)
	parents := []models.Unit{tr.a1, tr.a2, a3, tr.s1, s3}
	booths := []models.Unit{tr.b1, tr.b2, tr.b3, tr.b4}
	assemblies := []models.Unit{tr.a1, tr.a2, a3}
	pcs := []*int64{&tr.pc.ID, &pc2.ID, nil}
	dc := scoped(models.RoleStateOffice, tr.state)
	pick := func(us []models.Unit) models.Unit { return us[rng.IntN(len(us))] }
	// okOr accepts a refusal the rules allow (a taken position, a full committee, a booth with seats).
	okOr := func(op string, err error, allowed ...services.Code) {
		t.Helper()
		if err != nil && !slices.Contains(allowed, services.ErrorCode(err)) {
			t.Fatalf("%s: %v", op, err)
		}
	}
	fill := func(b models.Unit) {
		for _, pos := range []models.Position{models.PositionPresident, models.PositionBoothAgent} {
			_, err := e.set.Committees.Seat(ctx, dc, b.ID, e.mustPerson(t, dc, b).ID, pos)
			okOr("fill", err, services.EConflict)
		}
		for loadUnit(t, e.db, b.ID).Seats < 10 {
			e.mustSeat(t, dc, b, e.mustPerson(t, dc, b), models.PositionMember)
		}
	}
	for step := range 120 {
		var op string
		switch r := rng.IntN(100); {
		case r < 15:
			b := pick(booths)
			op = "fill " + b.Code
			fill(b)
		case r < 40:
			b := pick(booths)
			pos := models.Positions[rng.IntN(len(models.Positions))]
			op = fmt.Sprintf("seat a %s on %s", pos, b.Code)
			_, err := e.set.Committees.Seat(ctx, dc, b.ID, e.mustPerson(t, dc, b).ID, pos)
			okOr(op, err, services.EConflict)
		case r < 60:
			var current []models.Seat
			noErr(t, e.db.Where("ended_at IS NULL").Order("id").Find(&current).Error)
			if len(current) == 0 {
				continue
			}
			st := current[rng.IntN(len(current))]
			op = fmt.Sprintf("end seat %d (%s) on unit %d", st.ID, st.Position, st.UnitID)
			okOr(op, e.set.Committees.EndSeat(ctx, dc, st.UnitID, st.ID))
		case r < 70:
			parent := pick(parents)
			op = "new booth under " + parent.Code
			booths = append(booths, e.newChild(t, models.LevelBooth, parent))
		case r < 82:
			b, to := pick(booths), pick(parents)
			op = fmt.Sprintf("move %s under %s", b.Code, to.Code)
			_, err := e.units.Update(ctx, dc, b.ID, services.UnitPatch{ParentID: &to.ID})
			okOr(op, err)
		case r < 90:
			i := rng.IntN(len(booths))
			op = "delete " + booths[i].Code
			err := e.units.Delete(ctx, dc, booths[i].ID)
			okOr(op, err, services.EConflict)
			if err == nil {
				booths = slices.Delete(booths, i, i+1)
			}
		case r < 95:
			a, pc := pick(assemblies), pcs[rng.IntN(len(pcs))]
			op = fmt.Sprintf("assembly %s to Lok Sabha seat %v", a.Code, pc)
			_, err := e.units.Update(ctx, dc, a.ID, services.UnitPatch{ParliamentaryID: services.Nullable[int64]{Set: true, Value: pc}})
			okOr(op, err)
		default:
			u := pick([]models.Unit{tr.s1, tr.a1, tr.d1, s3})
			op = "seat on the committee of " + u.Code
			_, err := e.set.Committees.Seat(ctx, dc, u.ID, e.mustPerson(t, dc, u).ID, models.Positions[rng.IntN(5)])
			okOr(op, err, services.EConflict)
		}
		checkRollups(t, e.db)
		if t.Failed() {
			t.Fatalf("rollups wrong after step %d: %s (seed %d)", step, op, seed)
		}
	}
	var complete int64
	noErr(t, e.db.Model(&models.Unit{}).Where("level = ? AND committee_complete", models.LevelBooth).Count(&complete).Error)
	t.Logf("%d booths, %d complete at the end", len(booths), complete)
}

// race runs n calls of f at once and returns their errors.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// tally counts nil errors and conflicts and fails on anything else.
func tally(t *testing.T, errs []error) (ok, conflicts int) {
	t.Helper()
	for _, err := range errs {
		switch services.ErrorCode(err) {
		case "":
			ok++
		case services.EConflict:
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	return ok, conflicts
}

// TestCommitteeConcurrentPresidents: twenty coordinators make twenty different people president of
// one booth at the same moment. Exactly one wins.
func TestCommitteeConcurrentPresidents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	const n = 20
	people := make([]models.Person, n)
	for i := range people {
		people[i] = e.mustPerson(t, services.System, tr.b1)
	}
	errs := race(n, func(i int) error {
		_, err := e.set.Committees.Seat(ctx, scoped(models.RoleDistrictCoordinator, tr.d1), tr.b1.ID, people[i].ID, models.PositionPresident)
		return err
	})
	ok, conflicts := tally(t, errs)
	if ok != 1 || conflicts != n-1 {
		t.Errorf("%d seated and %d conflicts, want 1 and %d", ok, conflicts, n-1)
	}
	if got := e.currentHolders(t, tr.b1, models.PositionPresident); got != 1 {
		t.Errorf("%d current presidents stored, want 1", got)
	}
	if u := loadUnit(t, e.db, tr.b1.ID); u.Seats != 1 {
		t.Errorf("booth rollup: %d seats, want 1", u.Seats)
	}
	checkRollups(t, e.db)
}

// TestCommitteeConcurrentMembers: twenty members seated at once on a booth with nine seats. The
// tenth completes the committee, the twenty-first fills it, and the booth counts once everywhere.
func TestCommitteeConcurrentMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	e.fillCommittee(t, tr.b1, 9)
	const n = 20
	people := make([]models.Person, n)
	for i := range people {
		people[i] = e.mustPerson(t, services.System, tr.b1)
	}
	errs := race(n, func(i int) error {
		_, err := e.set.Committees.Seat(ctx, scoped(models.RoleDistrictCoordinator, tr.d1), tr.b1.ID, people[i].ID, models.PositionMember)
		return err
	})
	ok, conflicts := tally(t, errs)
	if ok != 12 || conflicts != 8 {
		t.Errorf("%d seated and %d refused, want 12 (up to 21 seats) and 8", ok, conflicts)
	}
	if u := loadUnit(t, e.db, tr.b1.ID); u.Seats != 21 || !u.CommitteeComplete {
		t.Errorf("booth: %d seats, complete %v; want 21, complete", u.Seats, u.CommitteeComplete)
	}
	for _, u := range []models.Unit{tr.b1, tr.s1, tr.a1, tr.d1, tr.state, tr.pc} {
		if c := e.coverageOf(t, u); c.Complete != 1 {
			t.Errorf("%s: %d complete booths, want 1", u.Code, c.Complete)
		}
	}
	checkRollups(t, e.db)
}

// TestCommitteeConcurrentBooths: the tenth seat on twenty booths at once, ten under a sector of
// district A and ten under an assembly of district B, all in one state and Lok Sabha seat. Every
// unit above them counts exactly the booths below it, none lost.
func TestCommitteeConcurrentBooths(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	const n = 20
	booths := make([]models.Unit, n)
	people := make([]models.Person, n)
	for i := range booths {
		parent := tr.s1
		if i%2 == 1 {
			parent = tr.a2
		}
		booths[i] = e.newChild(t, models.LevelBooth, parent)
		e.fillCommittee(t, booths[i], 9)
		people[i] = e.mustPerson(t, services.System, booths[i])
	}
	errs := race(n, func(i int) error {
		_, err := e.set.Committees.Seat(ctx, services.System, booths[i].ID, people[i].ID, models.PositionMember)
		return err
	})
	if ok, _ := tally(t, errs); ok != n {
		t.Errorf("%d of %d seated", ok, n)
	}
	for _, c := range []struct {
		u    models.Unit
		want int64
	}{{tr.state, n}, {tr.pc, n}, {tr.d1, n / 2}, {tr.d2, n / 2}, {tr.s1, n / 2}, {tr.a2, n / 2}} {
		if got := e.coverageOf(t, c.u); got.Complete != c.want {
			t.Errorf("%s: %d complete booths, want %d", c.u.Code, got.Complete, c.want)
		}
	}
	checkRollups(t, e.db)
}

// TestCommitteeAudit: seating and ending leave audit rows at the committee's unit with who, which
// position and which person — and nothing of the person's phone, voter ID, caste or religion.
func TestCommitteeAudit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	actor := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))
	p := e.mustPerson(t, actor, tr.b1, func(in *services.PersonInput) {
		in.Phone, in.VoterID, in.Caste, in.Religion = "98765 43210", "QWE1234567", "Kushwaha", "buddhist"
	})
	mark := e.auditMark(t)
	st := e.mustSeat(t, actor, tr.b1, p, models.PositionPresident)
	_, err := e.set.Committees.Seat(ctx, actor, tr.b1.ID, p.ID, models.PositionMember) // refused: no row
	wantErr(t, err, services.EConflict)
	noErr(t, e.set.Committees.EndSeat(ctx, actor, tr.b1.ID, st.ID))
	rows := e.auditSince(t, mark)
	if len(rows) != 2 {
		t.Fatalf("%d audit rows, want 2: %+v", len(rows), rows)
	}
	want := map[string]any{"id": float64(st.ID), "unit_id": float64(tr.b1.ID), "person_id": float64(p.ID), "position": "president"}
	for i, action := range []string{"create", "end"} {
		r := rows[i]
		if r.Action != action || r.Entity != "seat" || r.EntityID != strconv.FormatInt(st.ID, 10) || r.ActorUsername != actor.Username ||
			r.ActorID == nil || *r.ActorID != actor.UserID || r.UnitID == nil || *r.UnitID != tr.b1.ID {
			t.Errorf("row %d: %+v, want %s of seat %d by %s at unit %d", i, r, action, st.ID, actor.Username, tr.b1.ID)
		}
		side := r.After
		if action == "end" {
			side = r.Before
		}
		if side == nil {
			t.Fatalf("%s row without the seat", action)
		}
		var m map[string]any
		noErr(t, json.Unmarshal([]byte(*side), &m))
		if d := cmp.Diff(want, m); d != "" {
			t.Errorf("%s row (-want +got):\n%s", action, d)
		}
		for _, s := range []string{"9876543210", "QWE1234567", "Kushwaha", "buddhist"} {
			for _, v := range []*string{r.Before, r.After} {
				if v != nil && strings.Contains(*v, s) {
					t.Errorf("%s row holds %q", action, s)
				}
			}
		}
	}
}

// TestCommitteeConcurrentMovesAndSeats: booths complete their committees while other booths move
// between assemblies of the same districts, whose counts the moves recount. No count is lost.
func TestCommitteeConcurrentMovesAndSeats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	const n = 10
	filling := make([]models.Unit, n)
	people := make([]models.Person, n)
	moving := make([]models.Unit, n)
	for i := range n {
		filling[i] = e.newChild(t, models.LevelBooth, tr.s1)
		e.fillCommittee(t, filling[i], 9)
		people[i] = e.mustPerson(t, services.System, filling[i])
		moving[i] = e.newChild(t, models.LevelBooth, tr.a1)
	}
	errs := race(2*n, func(i int) error {
		if i < n {
			_, err := e.set.Committees.Seat(ctx, services.System, filling[i].ID, people[i].ID, models.PositionMember)
			return err
		}
		_, err := e.units.Update(ctx, services.System, moving[i-n].ID, services.UnitPatch{ParentID: &tr.a2.ID})
		return err
	})
	if ok, _ := tally(t, errs); ok != 2*n {
		t.Errorf("%d of %d changes made", ok, 2*n)
	}
	checkRollups(t, e.db)
}
