package services_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestPersonSeats: a person's seats, current and ended, newest first, each reader seeing only the
// seats on committees inside their scope; the person outside scope is not found, a viewer refused.
func TestPersonSeats(t *testing.T) {
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	p := e.mustPerson(t, services.System, tr.b1)
	other := e.mustPerson(t, services.System, tr.b1)

	booth := e.mustSeat(t, services.System, tr.b1, p, models.PositionMember)
	e.clock.Advance(time.Hour)
	noErr(t, e.set.Committees.EndSeat(ctx, services.System, tr.b1.ID, booth.ID))
	ended := e.clock.Now()
	e.clock.Advance(time.Hour)
	assembly := e.mustSeat(t, services.System, tr.a1, p, models.PositionPresident)
	e.clock.Advance(time.Hour)
	lokSabha := e.mustSeat(t, services.System, tr.pc, p, models.PositionMember) // above every district
	e.clock.Advance(time.Hour)
	elsewhere := e.mustSeat(t, services.System, tr.b4, p, models.PositionMember) // in the other district
	e.mustSeat(t, services.System, tr.b1, other, models.PositionPresident)       // someone else's seat

	type seat struct {
		ID       int64
		Unit     int64
		Position models.Position
		Ended    bool
	}
	all := []seat{
		{elsewhere.ID, tr.b4.ID, models.PositionMember, false},
		{lokSabha.ID, tr.pc.ID, models.PositionMember, false},
		{assembly.ID, tr.a1.ID, models.PositionPresident, false},
		{booth.ID, tr.b1.ID, models.PositionMember, true},
	}
	for _, c := range []struct {
		name  string
		actor services.Actor
		want  []seat
	}{
		{"admin", services.System, all},
		{"state office", scoped(models.RoleStateOffice, tr.state), all},
		{"coordinator of the district", scoped(models.RoleDistrictCoordinator, tr.d1), all[2:]},
		{"coordinator of the assembly", scoped(models.RoleDistrictCoordinator, tr.a1), all[2:]},
		{"booth worker", scoped(models.RoleBoothWorker, tr.b1), all[3:]},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := e.set.People.Seats(ctx, c.actor, p.ID)
			noErr(t, err)
			var short []seat
			for _, st := range got {
				short = append(short, seat{st.ID, st.Unit.ID, st.Position, st.Until != nil})
				if st.Unit.ID == tr.b1.ID {
					if st.Until == nil || !st.Until.Equal(ended) || st.Unit.Level != models.LevelBooth || st.Unit.Name != tr.b1.Name {
						t.Errorf("ended booth seat = %+v, want until %v and the booth's name", st, ended)
					}
				}
			}
			if d := cmp.Diff(c.want, short); d != "" {
				t.Errorf("seats (-want +got):\n%s", d)
			}
		})
	}

	_, err := e.set.People.Seats(ctx, scoped(models.RoleDistrictCoordinator, tr.d2), p.ID)
	wantErr(t, err, services.ENotFound)
	_, err = e.set.People.Seats(ctx, scoped(models.RoleBoothWorker, tr.b2), p.ID)
	wantErr(t, err, services.ENotFound)
	_, err = e.set.People.Seats(ctx, scoped(models.RoleViewer, tr.d1), p.ID)
	wantErr(t, err, services.EForbidden)
	_, err = e.set.People.Seats(ctx, services.System, p.ID+1_000_000)
	wantErr(t, err, services.ENotFound)

	none, err := e.set.People.Seats(ctx, services.System, e.mustPerson(t, services.System, tr.b2).ID)
	noErr(t, err)
	if none == nil || len(none) != 0 {
		t.Errorf("seats of a person without any = %#v, want an empty list", none)
	}
}
