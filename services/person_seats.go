package services

import (
	"context"
	"time"

	"github.com/sangathan/sangathan/models"
)

// SeatHeld is one seat a person holds or held: the committee's unit, the position and the term.
// Until is nil while the seat is current.
type SeatHeld struct {
	ID       int64
	Unit     UnitRef
	Position models.Position
	Since    time.Time
	Until    *time.Time
}

// personSeatsMax bounds the answer: a party worker holds a handful of seats in a lifetime, and a
// record with more than this is an error of data entry, not a history to page through.
const personSeatsMax = 500

// Seats returns the seats a person holds and held, newest first (by the start of the term),
// on the committees of units inside the actor's scope only: a seat outside it (a Lok Sabha
// committee above a district coordinator, a committee in another district) is left out, never
// shown by id. The person is found as for Get.
// Returns Forbidden for viewers, NotFound when the person does not exist or is looked after
// outside the actor's scope.
func (s *People) Seats(ctx context.Context, actor Actor, id int64) ([]SeatHeld, error) {
	if !actor.mayReadPeople() {
		return nil, Errorf(EForbidden, "your role may not read people")
	}
	db := s.db.WithContext(ctx)
	if _, _, err := s.load(db, actor, id); err != nil {
		return nil, err
	}
	scope, scopeArgs := scopeCond(actor, "units.path")
	var rows []struct {
		ID       int64
		Position models.Position
		Since    time.Time
		EndedAt  *time.Time
		UnitID   int64
		Level    models.Level
		Code     string
		Name     string
		NameHi   string
	}
	// One statement: seats_person_history_idx finds the person's seats, the units' primary key
	// their units.
	err := db.Table("seats").
		Select("seats.id, seats.position, seats.since, seats.ended_at, units.id AS unit_id, units.level, units.code, units.name, units.name_hi").
		Joins("JOIN units ON units.id = seats.unit_id").
		Where("seats.person_id = ?", id).Where(scope, scopeArgs...).
		Order("seats.since DESC, seats.id DESC").Limit(personSeatsMax).Scan(&rows).Error
	if err != nil {
		return nil, dbErr("person seats", err)
	}
	out := make([]SeatHeld, 0, len(rows))
	for _, r := range rows {
		out = append(out, SeatHeld{ID: r.ID, Position: r.Position, Since: r.Since, Until: r.EndedAt,
			Unit: UnitRef{ID: r.UnitID, Level: r.Level, Code: r.Code, Name: r.Name, NameHi: r.NameHi}})
	}
	return out, nil
}
