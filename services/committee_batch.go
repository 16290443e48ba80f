package services

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// MaxBatchSeats is the most rows one committee batch may hold: more than any committee's
// maximum size.
const MaxBatchSeats = 30

// BatchSeat is one row of a committee batch: an existing person (PersonID) or a new one
// (Person), and the position.
type BatchSeat struct {
	PersonID *int64
	Person   *PersonInput
	Position models.Position
}

// SeatBatch seats every row on the committee of a unit in one transaction, all or nothing: the
// new people are created and every seat taken, or nothing is written. Each row goes through
// checkSeat — the rule of a single seat — against the committee as read under its lock with the
// rows before it taken, so two rows for one single-holder position or one person twice are
// refused like a second request would be. Every row's errors come back together as one Invalid
// error naming seats[i].field (seats[2].person.phone, seats[0].position); Invalid naming seats
// for an empty or too long list; NotFound outside scope; Forbidden for roles that may not manage.
// A new person's home is the committee's unit unless the row names another.
func (s *Committees) SeatBatch(ctx context.Context, actor Actor, unitID int64, rows []BatchSeat) (CommitteeView, error) {
	if !actor.canManageUnits() {
		return CommitteeView{}, Errorf(EForbidden, "your role may not change committees")
	}
	var f Fields
	switch {
	case len(rows) == 0:
		f.AddCode("seats", "list_empty", nil, "must list at least one seat")
	case len(rows) > MaxBatchSeats:
		f.AddCode("seats", "list_too_long", map[string]any{"max": MaxBatchSeats}, "may list at most %d seats", MaxBatchSeats)
	}
	if err := f.Err(); err != nil {
		return CommitteeView{}, err
	}
	// The rows' own fields first. A row's errors do not stop the checks against the committee
	// and the stored people below, so that every problem of the batch comes back at once;
	// only a check that cannot be made (no person, no valid position, a bad voter ID) is skipped.
	year := s.now().Year()
	noPerson := make([]bool, len(rows))
	voterBad := make([]bool, len(rows))
	for i, r := range rows {
		at := fmt.Sprintf("seats[%d]", i)
		switch {
		case (r.PersonID == nil) == (r.Person == nil):
			f.AddCode(at+".person_id", "person_or_id", nil, "give either person_id or person")
			noPerson[i] = true
		case r.Person != nil:
			r.Person.normalise()
			for _, fe := range r.Person.validate(year) {
				voterBad[i] = voterBad[i] || fe.Field == "voter_id"
				fe.Field = at + ".person." + fe.Field
				f = append(f, fe)
			}
		}
		if !r.Position.Valid() {
			f.AddCode(at+".position", "one_of", map[string]any{"allowed": models.Positions}, "%s", mustBePosition)
		}
	}
	static := f
	people := NewPeople(s.db, s.now, s.units)
	wide := false
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		u, err := s.lockCommittee(tx, actor, unitID, wide)
		if err != nil {
			return err
		}
		// The holders' rows before they are read (representation_rollup.go), in id order.
		var ids []int64
		for _, r := range rows {
			if r.PersonID != nil {
				ids = append(ids, *r.PersonID)
			}
		}
		slices.Sort(ids)
		for _, id := range slices.Compact(slices.Clone(ids)) {
			if err := lockHolder(tx, id); err != nil {
				return err
			}
		}
		cs, err := loadCommittees(tx, []int64{u.ID})
		if err != nil {
			return err
		}
		c := cs[u.ID]
		holders := make([]models.Person, len(rows))
		paths := make([]string, len(rows))
		voters := map[string]int{}
		f := slices.Clone(static) // a retried transaction starts again from the rows' own errors
		for i, r := range rows {
			at := fmt.Sprintf("seats[%d]", i)
			if noPerson[i] || !r.Position.Valid() {
				continue
			}
			personID, visible := int64(0), true
			if r.PersonID != nil {
				p, path, err := s.seatable(tx, *r.PersonID)
				if err != nil {
					return err
				}
				holders[i], paths[i] = p, path
				personID, visible = p.ID, path != "" && actor.Sees(path)
			} else if v := r.Person.VoterID; v != "" && !voterBad[i] {
				if j, dup := voters[v]; dup {
					f.AddCode(at+".person.voter_id", "duplicate_in_batch", map[string]any{"row": j}, "is also given in seats[%d]", j)
				}
				voters[v] = i
				if err := people.voterIDFree(tx, actor, v, 0); ErrorCode(err) == EConflict {
					f.AddCode(at+".person.voter_id", "voter_id_taken", nil, "%s", ErrorMessage(err))
				} else if err != nil {
					return err
				}
			}
			if ref := checkSeat(c, r.Position, personID, visible); ref != nil {
				field := ref.field
				if field == "" {
					field = "position"
				}
				if field == "person_id" && r.Person != nil {
					field = "person"
				}
				f = append(f, ref.fieldError(at+"."+field))
				continue
			}
			c.take(r.Position, personID)
		}
		if err := f.Err(); err != nil {
			return err
		}
		ch := c.change()
		if ch.complete != u.CommitteeComplete && u.Level == models.LevelBooth && !wide {
			wide = true
			return errWiden
		}
		now := s.now()
		for i, r := range rows {
			if r.Person == nil {
				continue
			}
			home := r.Person.HomeUnitID
			if home == nil {
				home = &u.ID
			}
			owner, err := people.owner(tx, actor, home)
			if err != nil {
				if fe := FieldsOf(err); ErrorCode(err) == EInvalid && len(fe) > 0 {
					return invalid(fmt.Sprintf("seats[%d].person.%s", i, fe[0].Field), fe[0].Code, fe[0].Params, "%s", fe[0].Message)
				}
				return err
			}
			p := models.Person{UnitID: owner.ID, Path: owner.Path, CreatedAt: now, UpdatedAt: now}
			r.Person.apply(&p)
			if err := tx.Create(&p).Error; err != nil {
				return dbErr("create person", err)
			}
			if err := record(tx, now, actor, change{Action: "create", Entity: "person", EntityID: p.ID, Unit: &owner, After: personAudit(p)}); err != nil {
				return err
			}
			holders[i], paths[i] = p, owner.Path
		}
		targets, err := repTargets(tx, u)
		if err != nil {
			return err
		}
		d := newRepDelta()
		for i, r := range rows {
			st := models.Seat{UnitID: u.ID, PersonID: holders[i].ID, Position: r.Position, Since: now}
			if actor.UserID != 0 {
				id := actor.UserID
				st.CreatedBy = &id
			}
			if err := tx.Create(&st).Error; err != nil {
				return dbErr("seat", err) // the unique indexes stand behind checkSeat
			}
			d.seat(targets[0], u, holderOf(holders[i]), 1)
			if err := record(tx, now, actor, change{Action: "create", Entity: "seat", EntityID: st.ID, Unit: &u,
				After: map[string]any{"id": st.ID, "unit_id": u.ID, "person_id": holders[i].ID, "position": r.Position}}); err != nil {
				return err
			}
		}
		if err := committeesChanged(tx, nil, []committeeChange{ch}); err != nil {
			return err
		}
		return d.apply(tx)
	})
	if err != nil {
		return CommitteeView{}, err
	}
	return s.Get(ctx, actor, unitID)
}
