package services

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Committees places people on the committee of a unit and keeps the rollups that booth
// coverage is read from.
type Committees struct {
	db    *gorm.DB
	now   Clock
	units *Units
}

// NewCommittees returns the committees service.
func NewCommittees(db *gorm.DB, now Clock, units *Units) *Committees {
	return &Committees{db: db, now: now, units: units}
}

// SeatView is a current or ended seat with its holder as the actor may see them.
type SeatView struct {
	Seat   models.Seat
	Person PersonView
}

// Composition counts a committee's current seats by community and gender.
type Composition struct {
	Seats      int
	ByCategory map[models.Category]int
	ByGender   map[models.Gender]int
	Minority   int
}

// CommitteeView is a unit's committee: its current seats, completeness and composition.
type CommitteeView struct {
	Unit        models.Unit
	Complete    bool
	Norm        models.CommitteeNorm
	Seats       []SeatView
	Composition Composition
	Term        Term
}

// norm returns the size rule for a level.
func norm(tx *gorm.DB, level models.Level) (models.CommitteeNorm, error) {
	var n models.CommitteeNorm
	if err := tx.Where("level = ?", level).Take(&n).Error; err != nil {
		return n, dbErr("load committee norm", err)
	}
	return n, nil
}

// meets reports whether current seats by position satisfy the norm.
func meets(n models.CommitteeNorm, byPosition map[models.Position]int) bool {
	total := 0
	for _, c := range byPosition {
		total += c
	}
	if total < n.MinSeats || total > n.MaxSeats {
		return false
	}
	for _, p := range strings.Split(n.RequiredPositions, ",") {
		if p = strings.TrimSpace(p); p != "" && byPosition[models.Position(p)] == 0 {
			return false
		}
	}
	return true
}

// Get returns the current committee of a unit. Returns NotFound outside scope.
func (s *Committees) Get(ctx context.Context, actor Actor, unitID int64) (CommitteeView, error) {
	db := s.db.WithContext(ctx)
	u, err := s.units.visible(db, actor, unitID, "")
	if err != nil {
		return CommitteeView{}, err
	}
	n, err := norm(db, u.Level)
	if err != nil {
		return CommitteeView{}, err
	}
	seats, people, err := s.seats(db, actor, "seats.unit_id = ? AND seats.ended_at IS NULL", u.ID)
	if err != nil {
		return CommitteeView{}, err
	}
	v := CommitteeView{Unit: u, Complete: u.CommitteeComplete, Norm: n, Seats: seats,
		Composition: Composition{ByCategory: map[models.Category]int{}, ByGender: map[models.Gender]int{}},
		Term:        termOf(n, u, todayIST(s.now))}
	for _, c := range models.Categories {
		v.Composition.ByCategory[c] = 0
	}
	for _, g := range models.Genders {
		v.Composition.ByGender[g] = 0
	}
	// Counted from the stored people, so a viewer sees the same totals without the fields. A
	// person holds one current seat per committee.
	for _, st := range seats {
		p, ok := people[st.Seat.PersonID]
		if !ok {
			continue
		}
		v.Composition.Seats++
		v.Composition.ByCategory[p.Category]++
		v.Composition.ByGender[p.Gender]++
		if p.Religion != nil && models.Minority(*p.Religion) {
			v.Composition.Minority++
		}
	}
	return v, nil
}

// seats loads seats matching where, with their holders, most senior position first, and the
// holders as stored, by id.
func (s *Committees) seats(db *gorm.DB, actor Actor, where string, args ...any) ([]SeatView, map[int64]models.Person, error) {
	var seats []models.Seat
	if err := db.Where(where, args...).Order("id").Find(&seats).Error; err != nil {
		return nil, nil, dbErr("load seats", err)
	}
	people, err := loadHolders(db, seats)
	if err != nil {
		return nil, nil, err
	}
	out := make([]SeatView, 0, len(seats))
	for _, rank := range models.Positions {
		for _, st := range seats {
			if st.Position == rank {
				out = append(out, SeatView{Seat: st, Person: viewFor(actor, people[st.PersonID], people[st.PersonID].Path)})
			}
		}
	}
	return out, people, nil
}

// seatHolders loads the people holding seats, each as the actor may see them: a holder the
// actor may not read (looked after outside the actor's scope) comes without phone, voter ID,
// caste and religion, whatever committee they sit on (viewFor).
func seatHolders(db *gorm.DB, actor Actor, seats []models.Seat) (map[int64]PersonView, error) {
	people, err := loadHolders(db, seats)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]PersonView, len(people))
	for id, p := range people {
		out[id] = viewFor(actor, p, p.Path)
	}
	return out, nil
}

// loadHolders reads the people holding seats, as stored, in one query.
func loadHolders(db *gorm.DB, seats []models.Seat) (map[int64]models.Person, error) {
	out := map[int64]models.Person{}
	if len(seats) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(seats))
	for _, st := range seats {
		ids = append(ids, st.PersonID)
	}
	var ps []models.Person
	if err := db.Where("id IN ?", ids).Find(&ps).Error; err != nil {
		return nil, dbErr("load seat holders", err)
	}
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, nil
}

// lockCommittee loads a unit for a change of its committee under the unit's row lock, so that
// changes to one committee run one after the other and its counts stay exact. wide takes the
// booth's whole lock set instead (see rollups.go): a change that flips a booth's completeness
// moves the counts above it too, and those locks come first in the lock order.
func (s *Committees) lockCommittee(tx *gorm.DB, actor Actor, id int64, wide bool) (models.Unit, error) {
	if err := lockSettled(tx, func() (lockList, error) {
		if !wide {
			return lockList{ids: []int64{id}}, nil
		}
		ids, err := boothLockSet(tx, id)
		return lockList{ids: ids}, err
	}); err != nil {
		return models.Unit{}, err
	}
	return s.units.visible(tx, actor, id, "")
}

// committeeState is a committee's current seats as read under its lock.
type committeeState struct {
	unit   models.Unit
	norm   models.CommitteeNorm
	count  int
	byPos  map[models.Position]int
	people map[int64]bool
}

// completeWith reports whether the committee meets its norm after delta seats of position.
func (c *committeeState) completeWith(position models.Position, delta int) bool {
	byPos := make(map[models.Position]int, len(c.byPos)+1)
	for p, n := range c.byPos {
		byPos[p] = n
	}
	byPos[position] += delta
	return meets(c.norm, byPos)
}

// take records a seat taken in this transaction (personID 0: a person created with it).
func (c *committeeState) take(position models.Position, personID int64) {
	c.count++
	c.byPos[position]++
	if personID != 0 {
		c.people[personID] = true
	}
}

// change is the rollup change that the seats taken so far make.
func (c *committeeState) change() committeeChange {
	return committeeChange{unit: c.unit, seats: c.count, complete: meets(c.norm, c.byPos)}
}

// loadCommittees reads the committees of the units with ids, which the caller has locked: the
// units as stored now, their norms and their current seats. Set-based, for one committee or an
// import's thousands.
func loadCommittees(tx *gorm.DB, ids []int64) (map[int64]*committeeState, error) {
	out := make(map[int64]*committeeState, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var ns []models.CommitteeNorm
	if err := tx.Find(&ns).Error; err != nil {
		return nil, dbErr("load committee norms", err)
	}
	norms := map[models.Level]models.CommitteeNorm{}
	for _, n := range ns {
		norms[n.Level] = n
	}
	for _, chunk := range chunks(ids, 5000) {
		var us []models.Unit
		if err := tx.Where("id IN ?", chunk).Find(&us).Error; err != nil {
			return nil, dbErr("load committees", err)
		}
		for _, u := range us {
			out[u.ID] = &committeeState{unit: u, norm: norms[u.Level], byPos: map[models.Position]int{}, people: map[int64]bool{}}
		}
		var seats []models.Seat
		if err := tx.Select("unit_id", "person_id", "position").Where("unit_id IN ? AND ended_at IS NULL", chunk).Find(&seats).Error; err != nil {
			return nil, dbErr("load seats", err)
		}
		for _, st := range seats {
			if c := out[st.UnitID]; c != nil {
				c.take(st.Position, st.PersonID)
			}
		}
	}
	return out, nil
}

// seatRefusal says why a person may not take a position, for the API and for a CSV row.
type seatRefusal struct {
	code    Code
	field   string // the API's input field, "" for the committee as a whole
	short   string // the field's message
	message string
	column  string // the people CSV column
	row     string // the CSV row's message
	rule    string // the field error's code (FieldCodes)
	params  map[string]any
}

// fieldError is the refusal as a field error under field.
func (r *seatRefusal) fieldError(field string) FieldError {
	msg := r.short
	if r.code != EInvalid && r.message != "" {
		msg = r.message
	}
	return FieldError{Field: field, Message: msg, Code: r.rule, Params: r.params}
}

// err is the refusal as the API answers it.
func (r *seatRefusal) err() error {
	if r.code == EInvalid {
		return &Error{Code: EInvalid, Message: "validation failed", Fields: []FieldError{{Field: r.field, Message: r.short, Code: r.rule, Params: r.params}}}
	}
	e := &Error{Code: r.code, Message: r.message}
	if r.field != "" {
		e.Fields = []FieldError{{Field: r.field, Message: r.short, Code: r.rule, Params: r.params}}
	}
	return e
}

// mustBePosition is the message for an unknown position, built once from the one list.
var mustBePosition = "must be " + oneOf(models.Positions)

// checkSeat is the one rule that decides whether a person may take a position on a committee,
// for POST …/committee/seats and the people import alike: the position must exist, a booth agent
// sits only on a booth, the person must be one the actor may see, may not already sit on the
// committee, a single-holder position must be free, and the committee must be below its maximum
// size. personID 0 is a person created with the seat (who sits nowhere yet). c is the committee
// as read under its lock, with the seats taken earlier in the same transaction. nil: allowed.
func checkSeat(c *committeeState, position models.Position, personID int64, personVisible bool) *seatRefusal {
	switch {
	case !position.Valid():
		return &seatRefusal{code: EInvalid, field: "position", short: mustBePosition, column: "position", row: mustBePosition,
			rule: "one_of", params: map[string]any{"allowed": models.Positions}}
	case position == models.PositionBoothAgent && c.unit.Level != models.LevelBooth:
		m := "a booth-level agent sits only on a booth committee"
		return &seatRefusal{code: EInvalid, field: "position", short: m, column: "position", row: m, rule: "booth_agent_booth"}
	case !personVisible:
		m := "no such person in your scope"
		return &seatRefusal{code: EInvalid, field: "person_id", short: m, column: "voter_id", row: m, rule: "person_not_in_scope"}
	case personID != 0 && c.people[personID]:
		m := "the person already sits on this committee"
		return &seatRefusal{code: EConflict, field: "person_id", short: "already sits on this committee", message: m,
			column: "committee_unit_code", row: m, rule: "already_seated"}
	case position.SingleHolder() && c.byPos[position] > 0:
		return &seatRefusal{code: EConflict, field: "position", short: "is already held",
			message: "the position " + string(position) + " is already held on this committee",
			column:  "position", row: "the position " + string(position) + " is already held on committee " + c.unit.Code,
			rule: "position_taken", params: map[string]any{"position": position}}
	case c.count >= c.norm.MaxSeats:
		m := fmt.Sprintf("the committee already has its maximum of %d seats", c.norm.MaxSeats)
		return &seatRefusal{code: EConflict, message: m, column: "committee_unit_code", row: m, rule: "committee_full",
			params: map[string]any{"max": c.norm.MaxSeats}}
	}
	return nil
}

// Seat places a person on a unit's committee. Returns NotFound when the unit is outside scope,
// Invalid for an unknown position, a booth agent off a booth or a person outside scope,
// Conflict when the position is single-holder and taken, the person already sits on this
// committee, or the committee is at its maximum size; Forbidden for roles that may not manage.
func (s *Committees) Seat(ctx context.Context, actor Actor, unitID, personID int64, position models.Position) (SeatView, error) {
	if !actor.canManageUnits() {
		return SeatView{}, Errorf(EForbidden, "your role may not change committees")
	}
	var out SeatView
	wide := false
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		u, err := s.lockCommittee(tx, actor, unitID, wide)
		if err != nil {
			return err
		}
		if err := lockHolder(tx, personID); err != nil { // see representation_rollup.go
			return err
		}
		p, personPath, err := s.seatable(tx, personID)
		if err != nil {
			return err
		}
		visible := personPath != "" && actor.Sees(personPath)
		cs, err := loadCommittees(tx, []int64{u.ID})
		if err != nil {
			return err
		}
		c := cs[u.ID]
		if r := checkSeat(c, position, p.ID, visible); r != nil {
			return r.err()
		}
		c.take(position, p.ID)
		ch := c.change()
		if ch.complete != u.CommitteeComplete && u.Level == models.LevelBooth && !wide {
			wide = true
			return errWiden
		}
		now := s.now()
		st := models.Seat{UnitID: u.ID, PersonID: p.ID, Position: position, Since: now}
		if actor.UserID != 0 {
			id := actor.UserID
			st.CreatedBy = &id
		}
		if err := tx.Create(&st).Error; err != nil {
			return dbErr("seat", err) // the unique indexes stand behind checkSeat
		}
		if err := committeesChanged(tx, nil, []committeeChange{ch}); err != nil {
			return err
		}
		if err := seatChanged(tx, u, holderOf(p), 1); err != nil {
			return err
		}
		if err := record(tx, now, actor, change{Action: "create", Entity: "seat", EntityID: st.ID, Unit: &u,
			After: map[string]any{"id": st.ID, "unit_id": u.ID, "person_id": p.ID, "position": position}}); err != nil {
			return err
		}
		out = SeatView{Seat: st, Person: viewFor(actor, p, personPath)}
		return nil
	})
	return out, err
}

// seatable loads the person to be seated with the path of the unit that looks after them ("" when
// there is no such person); the caller decides from the path whether the actor may see them.
func (s *Committees) seatable(tx *gorm.DB, personID int64) (models.Person, string, error) {
	var ps []models.Person
	if err := tx.Where("id = ?", personID).Find(&ps).Error; err != nil {
		return models.Person{}, "", dbErr("load person", err)
	}
	if len(ps) == 0 || ps[0].ErasedAt != nil { // an erased person is no one to seat (privacy.go)
		return models.Person{ID: personID}, "", nil
	}
	return ps[0], ps[0].Path, nil
}

// EndSeat ends a current seat: the term is kept in the history with its end and who ended it.
// Returns NotFound when the unit or seat is outside scope or the seat is not on this committee,
// Conflict when it has already ended.
func (s *Committees) EndSeat(ctx context.Context, actor Actor, unitID, seatID int64) error {
	if !actor.canManageUnits() {
		return Errorf(EForbidden, "your role may not change committees")
	}
	wide := false
	return runTx(ctx, s.db, func(tx *gorm.DB) error {
		u, err := s.lockCommittee(tx, actor, unitID, wide)
		if err != nil {
			return err
		}
		var st models.Seat
		if err := tx.Where("id = ? AND unit_id = ?", seatID, u.ID).Take(&st).Error; err != nil {
			return dbErr("end seat", err)
		}
		if st.EndedAt != nil {
			return Errorf(EConflict, "the seat has already ended")
		}
		cs, err := loadCommittees(tx, []int64{u.ID})
		if err != nil {
			return err
		}
		c := cs[u.ID]
		c.count--
		c.byPos[st.Position]--
		ch := c.change()
		if ch.complete != u.CommitteeComplete && u.Level == models.LevelBooth && !wide {
			wide = true
			return errWiden
		}
		now := s.now()
		upd := map[string]any{"ended_at": now}
		if actor.UserID != 0 {
			upd["ended_by"] = actor.UserID
		}
		if err := tx.Model(&models.Seat{}).Where("id = ?", st.ID).Updates(upd).Error; err != nil {
			return dbErr("end seat", err)
		}
		if err := committeesChanged(tx, nil, []committeeChange{ch}); err != nil {
			return err
		}
		if err := lockHolder(tx, st.PersonID); err != nil {
			return err
		}
		var holderRow models.Person
		if err := tx.Select("id", "category", "gender", "religion", "birth_year").Where("id = ?", st.PersonID).Take(&holderRow).Error; err != nil {
			return dbErr("end seat: read holder", err)
		}
		if err := seatChanged(tx, u, holderOf(holderRow), -1); err != nil {
			return err
		}
		return record(tx, now, actor, change{Action: "end", Entity: "seat", EntityID: st.ID, Unit: &u,
			Before: map[string]any{"id": st.ID, "unit_id": u.ID, "person_id": st.PersonID, "position": st.Position}})
	})
}

// History returns every seat of a unit's committee, current and ended, newest first.
// Returns NotFound outside scope.
func (s *Committees) History(ctx context.Context, actor Actor, unitID int64, pr PageRequest) (Page[SeatView], error) {
	limit, before, err := pr.bounds()
	if err != nil {
		return Page[SeatView]{}, err
	}
	db := s.db.WithContext(ctx)
	u, err := s.units.visible(db, actor, unitID, "")
	if err != nil {
		return Page[SeatView]{}, err
	}
	q := db.Where("unit_id = ?", u.ID)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var seats []models.Seat
	if err := q.Order("id DESC").Limit(limit + 1).Find(&seats).Error; err != nil {
		return Page[SeatView]{}, dbErr("committee history", err)
	}
	page := paginate(seats, limit, func(st models.Seat) int64 { return st.ID })
	holders, err := seatHolders(db, actor, page.Items)
	if err != nil {
		return Page[SeatView]{}, err
	}
	out := Page[SeatView]{Items: make([]SeatView, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, st := range page.Items {
		out.Items = append(out.Items, SeatView{Seat: st, Person: holders[st.PersonID]})
	}
	return out, nil
}
