package services

import (
	"context"
	"slices"
	"strings"
	"time"

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
	seats, err := s.seats(db, actor, "seats.unit_id = ? AND seats.ended_at IS NULL", u.ID)
	if err != nil {
		return CommitteeView{}, err
	}
	v := CommitteeView{Unit: u, Complete: u.CommitteeComplete, Norm: n, Seats: seats,
		Composition: Composition{ByCategory: map[models.Category]int{}, ByGender: map[models.Gender]int{}}}
	for _, c := range models.Categories {
		v.Composition.ByCategory[c] = 0
	}
	for _, g := range []models.Gender{models.GenderMale, models.GenderFemale, models.GenderOther} {
		v.Composition.ByGender[g] = 0
	}
	// Counted from the stored person, so a viewer sees the same totals without the fields.
	type row struct {
		Category models.Category
		Gender   models.Gender
		Religion *string
	}
	var rows []row
	if err := db.Table("seats").Select("people.category, people.gender, people.religion").
		Joins("JOIN people ON people.id = seats.person_id").
		Where("seats.unit_id = ? AND seats.ended_at IS NULL", u.ID).Scan(&rows).Error; err != nil {
		return CommitteeView{}, dbErr("committee composition", err)
	}
	for _, r := range rows {
		v.Composition.Seats++
		v.Composition.ByCategory[r.Category]++
		v.Composition.ByGender[r.Gender]++
		if r.Religion != nil && models.Minority(*r.Religion) {
			v.Composition.Minority++
		}
	}
	return v, nil
}

// seats loads seats matching where, with their holders, most senior position first.
func (s *Committees) seats(db *gorm.DB, actor Actor, where string, args ...any) ([]SeatView, error) {
	var seats []models.Seat
	if err := db.Where(where, args...).Order("id").Find(&seats).Error; err != nil {
		return nil, dbErr("load seats", err)
	}
	ids := make([]int64, 0, len(seats))
	for _, st := range seats {
		ids = append(ids, st.PersonID)
	}
	people := map[int64]models.Person{}
	if len(ids) > 0 {
		var ps []models.Person
		if err := db.Where("id IN ?", ids).Find(&ps).Error; err != nil {
			return nil, dbErr("load seat holders", err)
		}
		for _, p := range ps {
			people[p.ID] = p
		}
	}
	out := make([]SeatView, 0, len(seats))
	for _, rank := range models.Positions {
		for _, st := range seats {
			if st.Position == rank {
				out = append(out, SeatView{Seat: st, Person: viewFor(actor, people[st.PersonID])})
			}
		}
	}
	return out, nil
}

// lockUnit loads a unit for a committee change, holding its row on PostgreSQL so that
// concurrent changes to one committee run one after the other and the rollups stay exact.
// (SQLite already runs one writer at a time.)
func (s *Committees) lockUnit(tx *gorm.DB, actor Actor, id int64) (models.Unit, error) {
	if err := lockUnits(tx, []int64{id}); err != nil {
		return models.Unit{}, err
	}
	return s.units.visible(tx, actor, id, "")
}

// Seat places a person on a unit's committee. Returns NotFound when the unit is outside scope,
// Invalid for an unknown position, a booth agent off a booth or a person outside scope,
// Conflict when the position is single-holder and taken, the person already sits on this
// committee, or the committee is at its maximum size; Forbidden for roles that may not manage.
func (s *Committees) Seat(ctx context.Context, actor Actor, unitID, personID int64, position models.Position) (SeatView, error) {
	if !actor.canManageUnits() {
		return SeatView{}, Errorf(EForbidden, "your role may not change committees")
	}
	if !position.Valid() {
		return SeatView{}, invalid("position", "must be one of president, vice_president, general_secretary, secretary, treasurer, booth_agent, member")
	}
	var out SeatView
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := s.lockUnit(tx, actor, unitID)
		if err != nil {
			return err
		}
		if position == models.PositionBoothAgent && u.Level != models.LevelBooth {
			return invalid("position", "a booth-level agent sits only on a booth committee")
		}
		var p models.Person
		var pathOfPerson string
		err = tx.Table("people").Select("people.*").Joins("JOIN units ON units.id = people.unit_id").
			Where("people.id = ?", personID).Take(&p).Error
		if err == nil {
			err = tx.Table("units").Select("path").Where("id = ?", p.UnitID).Scan(&pathOfPerson).Error
		}
		if err != nil || !actor.Sees(pathOfPerson) {
			return invalid("person_id", "no such person in your scope")
		}
		st, err := seatOne(tx, s.now(), actor, u, p, position)
		if err != nil {
			return err
		}
		if err := record(tx, st.Since, actor, change{Action: "create", Entity: "seat", EntityID: st.ID, Unit: &u,
			After: map[string]any{"id": st.ID, "unit_id": u.ID, "person_id": p.ID, "position": position}}); err != nil {
			return err
		}
		out = SeatView{Seat: st, Person: viewFor(actor, p)}
		return nil
	})
	return out, err
}

// seatOne inserts one seat on a locked unit and refreshes the committee's rollups.
func seatOne(tx *gorm.DB, now time.Time, actor Actor, u models.Unit, p models.Person, position models.Position) (models.Seat, error) {
	n, err := norm(tx, u.Level)
	if err != nil {
		return models.Seat{}, err
	}
	if u.Seats >= n.MaxSeats {
		return models.Seat{}, Errorf(EConflict, "the committee already has its maximum of %d seats", n.MaxSeats)
	}
	st := models.Seat{UnitID: u.ID, PersonID: p.ID, Position: position, Since: now}
	if actor.UserID != 0 {
		id := actor.UserID
		st.CreatedBy = &id
	}
	// A savepoint keeps the transaction usable on PostgreSQL when the unique index refuses.
	err = tx.Transaction(func(sp *gorm.DB) error { return sp.Create(&st).Error })
	if err != nil {
		if ErrorCode(dbErr("seat", err)) == EConflict {
			if position.SingleHolder() {
				var taken int64
				if cerr := tx.Model(&models.Seat{}).Where("unit_id = ? AND position = ? AND ended_at IS NULL", u.ID, position).Count(&taken).Error; cerr == nil && taken > 0 {
					return st, &Error{Code: EConflict, Message: "the position " + string(position) + " is already held on this committee",
						Fields: []FieldError{{Field: "position", Message: "is already held"}}}
				}
			}
			return st, &Error{Code: EConflict, Message: "the person already sits on this committee",
				Fields: []FieldError{{Field: "person_id", Message: "already sits on this committee"}}}
		}
		return st, dbErr("seat", err)
	}
	return st, refreshCommittee(tx, u)
}

// EndSeat ends a current seat: the term is kept in the history with its end and who ended it.
// Returns NotFound when the unit or seat is outside scope or the seat is not on this committee,
// Conflict when it has already ended.
func (s *Committees) EndSeat(ctx context.Context, actor Actor, unitID, seatID int64) error {
	if !actor.canManageUnits() {
		return Errorf(EForbidden, "your role may not change committees")
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := s.lockUnit(tx, actor, unitID)
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
		now := s.now()
		upd := map[string]any{"ended_at": now}
		if actor.UserID != 0 {
			upd["ended_by"] = actor.UserID
		}
		if err := tx.Model(&models.Seat{}).Where("id = ?", st.ID).Updates(upd).Error; err != nil {
			return dbErr("end seat", err)
		}
		if err := refreshCommittee(tx, u); err != nil {
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
	people := map[int64]models.Person{}
	if len(page.Items) > 0 {
		ids := make([]int64, 0, len(page.Items))
		for _, st := range page.Items {
			ids = append(ids, st.PersonID)
		}
		var ps []models.Person
		if err := db.Where("id IN ?", ids).Find(&ps).Error; err != nil {
			return Page[SeatView]{}, dbErr("committee history", err)
		}
		for _, p := range ps {
			people[p.ID] = p
		}
	}
	out := Page[SeatView]{Items: make([]SeatView, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, st := range page.Items {
		out.Items = append(out.Items, SeatView{Seat: st, Person: viewFor(actor, people[st.PersonID])})
	}
	return out, nil
}

// refreshCommittee recomputes the seat count and completeness of u's committee from its
// current seats. When a booth's completeness flips, the booths_complete of every unit above it
// (and of its Lok Sabha constituency) moves by one, in this same transaction.
func refreshCommittee(tx *gorm.DB, u models.Unit) error {
	n, err := norm(tx, u.Level)
	if err != nil {
		return err
	}
	type row struct {
		Position models.Position
		N        int
	}
	var rows []row
	if err := tx.Model(&models.Seat{}).Select("position, count(*) AS n").Where("unit_id = ? AND ended_at IS NULL", u.ID).
		Group("position").Scan(&rows).Error; err != nil {
		return dbErr("count seats", err)
	}
	byPos := map[models.Position]int{}
	total := 0
	for _, r := range rows {
		byPos[r.Position] = r.N
		total += r.N
	}
	complete := meets(n, byPos)
	if err := tx.Model(&models.Unit{}).Where("id = ?", u.ID).UpdateColumns(map[string]any{"seats": total, "committee_complete": complete}).Error; err != nil {
		return dbErr("committee rollup", err)
	}
	if u.Level != models.LevelBooth || complete == u.CommitteeComplete {
		return nil
	}
	delta := 1
	if !complete {
		delta = -1
	}
	return bumpBooths(tx, u, 0, delta)
}

// bumpBooths adds to the booth counts of a booth's ancestors (itself included) and of the Lok
// Sabha constituency of its assembly.
func bumpBooths(tx *gorm.DB, booth models.Unit, booths, complete int) error {
	ids := booth.AncestorIDs()
	var pc *int64
	if err := tx.Model(&models.Unit{}).Select("parliamentary_id").
		Where("id IN ? AND level = ?", ids, models.LevelAssembly).Scan(&pc).Error; err != nil {
		return dbErr("booth rollup", err)
	}
	if pc != nil {
		ids = append(ids, *pc)
	}
	if err := lockUnits(tx, ids); err != nil {
		return err
	}
	if err := tx.Model(&models.Unit{}).Where("id IN ?", ids).UpdateColumns(map[string]any{
		"booths":          gorm.Expr("booths + ?", booths),
		"booths_complete": gorm.Expr("booths_complete + ?", complete),
	}).Error; err != nil {
		return dbErr("booth rollup", err)
	}
	return nil
}

// recountBooths recomputes the booth rollups of the given units (not booths) from the tree, for
// changes that move many booths at once (moves, imports), then every Lok Sabha constituency from
// its assemblies (a few hundred rows even for all of India). Each unit costs one index range scan.
func recountBooths(tx *gorm.DB, ids []int64) error {
	if err := lockForRecount(tx, ids); err != nil {
		return err
	}
	const under = "b.level = 'booth' AND b.path >= units.path AND b.path < substr(units.path, 1, length(units.path) - 1) || '0'"
	for start := 0; start < len(ids); start += 5000 {
		chunk := ids[start:min(start+5000, len(ids))]
		if err := tx.Exec("UPDATE units SET booths = (SELECT count(*) FROM units b WHERE "+under+"), "+
			"booths_complete = (SELECT count(*) FROM units b WHERE "+under+" AND b.committee_complete) "+
			"WHERE id IN ? AND level NOT IN ('parliamentary', 'booth')", chunk).Error; err != nil {
			return dbErr("recount booths", err)
		}
	}
	return sumConstituencies(tx)
}

// lockForRecount locks the units a recount rewrites, and every Lok Sabha constituency, in id
// order, before the recount reads anything. A recount sets counts rather than adding to them: on
// PostgreSQL its UPDATE counts with a snapshot taken when the statement starts, so a seat change,
// move or new booth that commits while the UPDATE waits for a row would be counted from stale
// rows and lost. Taking the locks first makes the counting statement start after every
// transaction that held one of these rows has committed; those that come later wait and add on
// top. (SQLite runs one writer at a time.)
func lockForRecount(tx *gorm.DB, ids []int64) error {
	var pcs []int64
	if err := tx.Model(&models.Unit{}).Where("level = ?", models.LevelParliamentary).Pluck("id", &pcs).Error; err != nil {
		return dbErr("lock units", err)
	}
	return lockUnits(tx, append(slices.Clone(ids), pcs...))
}

// recountConstituencies sums every Lok Sabha constituency's booth rollups from its assemblies.
func recountConstituencies(tx *gorm.DB) error {
	if err := lockForRecount(tx, nil); err != nil {
		return err
	}
	return sumConstituencies(tx)
}

// sumConstituencies is recountConstituencies once the rows are locked.
func sumConstituencies(tx *gorm.DB) error {
	if err := tx.Exec("UPDATE units SET booths = COALESCE((SELECT sum(a.booths) FROM units a WHERE a.parliamentary_id = units.id), 0), " +
		"booths_complete = COALESCE((SELECT sum(a.booths_complete) FROM units a WHERE a.parliamentary_id = units.id), 0) " +
		"WHERE level = 'parliamentary'").Error; err != nil {
		return dbErr("recount constituencies", err)
	}
	return nil
}
