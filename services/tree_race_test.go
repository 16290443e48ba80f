package services_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestTreeMoveRenameRace: round after round, a sector moves between two assemblies of two
// districts while, at the same moment, the sector is renamed, its booth is renamed, a member is
// seated on that booth, a new booth is created under the sector, a person is entered at the
// booth and another is moved to it from elsewhere. Every change succeeds, none undoes another:
// the sector ends under the assembly it was moved to, with the last name given, and every
// booth's path and every person's kept path runs through the sector's new path (nobody keeps the
// old district in their breadcrumb, nor drops out of the district's people list). Afterwards
// verify finds no difference.
func TestTreeMoveRenameRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	rounds := 24
	if testing.Short() {
		rounds = 12
	}
	state := e.newRoot(t)
	pc := e.newChild(t, models.LevelParliamentary, state)
	d1, d2 := e.newChild(t, models.LevelDistrict, state), e.newChild(t, models.LevelDistrict, state)
	assembly := func(d models.Unit) models.Unit {
		return e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelAssembly, ParentID: &d.ID, Code: uniq("AC"),
			Name: "Assembly", ParliamentaryID: &pc.ID})
	}
	a1, a2 := assembly(d1), assembly(d2)
	sector := e.newChild(t, models.LevelSector, a1)
	booth := e.newChild(t, models.LevelBooth, sector)
	e.fillCommittee(t, booth, 9) // the seated member completes the committee: the counts move too
	for round := range rounds {
		to := a2
		if round%2 == 1 {
			to = a1
		}
		sectorName, boothName := uniq("Sector"), uniq("Booth")
		var created models.Unit
		p := e.mustPerson(t, services.System, booth)
		var seat models.Seat
		elsewhere := e.mustPerson(t, services.System, d2)
		errs := race(7, func(i int) error {
			var err error
			switch i {
			case 0:
				_, err = e.units.Update(ctx, services.System, sector.ID, services.UnitPatch{ParentID: &to.ID})
			case 1:
				_, err = e.units.Update(ctx, services.System, sector.ID, services.UnitPatch{Name: &sectorName})
			case 2:
				_, err = e.units.Update(ctx, services.System, booth.ID, services.UnitPatch{Name: &boothName})
			case 3:
				var v services.SeatView
				v, err = e.set.Committees.Seat(ctx, services.System, booth.ID, p.ID, models.PositionMember)
				seat = v.Seat
			case 4:
				created, err = e.units.Create(ctx, services.System, services.UnitInput{Level: models.LevelBooth, ParentID: &sector.ID,
					Code: uniq("BO"), Name: "New booth"})
			case 5:
				_, err = e.set.People.Create(ctx, services.System, services.PersonInput{Name: uniq("Person"), Gender: models.GenderMale,
					Category: models.CategorySC, HomeUnitID: &booth.ID})
			case 6:
				_, err = e.set.People.Update(ctx, services.System, elsewhere.ID, func(in *services.PersonInput) error {
					in.HomeUnitID = &booth.ID
					return nil
				})
			}
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: change %d failed: %v", round, i, err)
			}
		}
		s := loadUnit(t, e.db, sector.ID)
		if s.ParentID == nil || *s.ParentID != to.ID || s.Name != sectorName {
			t.Fatalf("round %d: sector under %v named %q, want under %d named %q", round, s.ParentID, s.Name, to.ID, sectorName)
		}
		for _, id := range []int64{booth.ID, created.ID} {
			b := loadUnit(t, e.db, id)
			if !strings.HasPrefix(b.Path, s.Path) || b.Depth != s.Depth+1 {
				t.Fatalf("round %d: booth %s has path %q depth %d; its sector has %q depth %d", round, b.Code, b.Path, b.Depth, s.Path, s.Depth)
			}
		}
		if b := loadUnit(t, e.db, booth.ID); b.Name != boothName {
			t.Fatalf("round %d: booth named %q, want %q", round, b.Name, boothName)
		}
		noErr(t, e.set.Committees.EndSeat(ctx, services.System, booth.ID, seat.ID))
		checkTree(t, e.db)
		if t.Failed() {
			t.Fatalf("tree broken after round %d", round)
		}
	}
	e.requireConsistent(t)
}
