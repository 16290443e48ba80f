package services

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/sangathan/sangathan/models"
)

// Alliances keeps the allied parties (गठबंधन) and the seat sharing (सीट बंटवारा): which party
// contests which Lok Sabha or assembly seat in which election. One party per seat per election:
// the database holds (election, unit_id) unique, so of two requests at once exactly one wins.
//
// Who may do what:
//   - admin and the state office add, change and delete parties and seat shares (seat shares of
//     the seats inside their scope);
//   - every role reads the parties, the seat shares and the summary of the whole installation,
//     not only its own scope: which party contests which seat is public party information, the
//     same table for the booth worker as for the state office. Reads carry no personal data.
//
// Every change locks the row it changes, checks the caller's version (If-Match), raises the
// version and writes its audit row in the same transaction.
type Alliances struct {
	db    *gorm.DB
	now   Clock
	units *Units
}

// NewAlliances returns the alliances service.
func NewAlliances(db *gorm.DB, now Clock, units *Units) *Alliances {
	return &Alliances{db: db, now: now, units: units}
}

// Limits of the alliances' fields.
const (
	maxPartyName   = 100
	maxShortName   = 20
	maxSymbol      = 100
	MaxElection    = 100
	maxSummaryRows = 20000
)

// mayManageAlliances: only admin and the state office change parties and seat shares.
func (a Actor) mayManageAlliances() bool {
	return a.Role == models.RoleAdmin || a.Role == models.RoleStateOffice
}

// mayReadAlliances: every role reads the seat sharing.
func (a Actor) mayReadAlliances() bool { return a.Role != "" }

// PartyInput is a new party, or (pointers set) the fields of a party to change.
type PartyInput struct {
	Name      *string
	NameHi    *string
	ShortName *string
	Symbol    *string
	IsOwn     *bool
	IfMatch   *int64
}

func partyText(f *Fields, field string, v *string, required bool, max int) {
	if v == nil {
		if required {
			f.AddCode(field, "required", nil, "is required")
		}
		return
	}
	*v = strings.Join(strings.Fields(*v), " ")
	textField(f, field, *v, required, max, false)
}

func (in *PartyInput) validate(create bool) Fields {
	var f Fields
	partyText(&f, "name", in.Name, create, maxPartyName)
	partyText(&f, "name_hi", in.NameHi, false, maxPartyName)
	partyText(&f, "short_name", in.ShortName, create, maxShortName)
	partyText(&f, "symbol", in.Symbol, false, maxSymbol)
	return f
}

// partyTaken names the field of a party whose name or short name another party holds.
func partyTaken(tx *gorm.DB, id int64, name, short *string) error {
	var f []FieldError
	check := func(field, col string, v *string) error {
		if v == nil {
			return nil
		}
		var n int64
		if err := tx.Model(&models.Party{}).Where("lower("+col+") = lower(?) AND id <> ?", *v, id).Count(&n).Error; err != nil {
			return dbErr("check party", err)
		}
		if n > 0 {
			f = append(f, FieldError{Field: field, Message: "is already used by another party", Code: "party_taken"})
		}
		return nil
	}
	if err := check("name", "name", name); err != nil {
		return err
	}
	if err := check("short_name", "short_name", short); err != nil {
		return err
	}
	if len(f) > 0 {
		return &Error{Code: EConflict, Message: "another party already has this name or short name", Fields: f}
	}
	return nil
}

// partyConflict words a unique violation of parties (two requests at once) as partyTaken does.
func partyConflict(err error) error {
	if ErrorCode(err) == EConflict {
		return &Error{Code: EConflict, Message: "another party already has this name or short name, or is already the party's own",
			Fields: []FieldError{{Field: "name", Message: "is already used by another party", Code: "party_taken"}}}
	}
	return err
}

// partyAudit is what the audit log keeps of a party.
func partyAudit(p models.Party) map[string]any {
	return map[string]any{"id": p.ID, "name": p.Name, "name_hi": p.NameHi, "short_name": p.ShortName, "symbol": p.Symbol,
		"is_own": p.IsOwn, "version": p.Version}
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// CreateParty adds a party. Returns Forbidden but for admin and the state office, Invalid for
// bad fields, Conflict when another party has the name or short name (case aside), or when
// IsOwn is set and the party's own row exists.
func (s *Alliances) CreateParty(ctx context.Context, actor Actor, in PartyInput) (models.Party, error) {
	if !actor.mayManageAlliances() {
		return models.Party{}, Errorf(EForbidden, "only the state office and admin change the alliance")
	}
	if err := in.validate(true).Err(); err != nil {
		return models.Party{}, err
	}
	var out models.Party
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := partyTaken(tx, 0, in.Name, in.ShortName); err != nil {
			return err
		}
		now := s.now()
		p := models.Party{Name: str(in.Name), NameHi: str(in.NameHi), ShortName: str(in.ShortName), Symbol: str(in.Symbol),
			IsOwn: in.IsOwn != nil && *in.IsOwn, Version: 1,
			CreatedBy: actorID(actor), CreatedByName: actorName(actor), CreatedAt: now,
			UpdatedBy: actorID(actor), UpdatedByName: actorName(actor), UpdatedAt: now}
		if err := tx.Create(&p).Error; err != nil {
			return partyConflict(dbErr("create party", err))
		}
		out = p
		return record(tx, now, actor, change{Action: "create", Entity: "party", EntityID: p.ID, After: partyAudit(p)})
	})
	return out, err
}

func loadParty(tx *gorm.DB, id int64) (models.Party, error) {
	var p models.Party
	if err := tx.Where("id = ?", id).Take(&p).Error; err != nil {
		if ErrorCode(dbErr("load party", err)) == ENotFound {
			return p, Errorf(ENotFound, "party not found")
		}
		return p, dbErr("load party", err)
	}
	return p, nil
}

// GetParty returns one party. Every role reads the parties.
func (s *Alliances) GetParty(ctx context.Context, actor Actor, id int64) (models.Party, error) {
	if !actor.mayReadAlliances() {
		return models.Party{}, Errorf(EForbidden, "no role")
	}
	return loadParty(s.db.WithContext(ctx), id)
}

// ListParties returns the parties, the party's own first, then by short name (at most MaxLimit:
// an alliance has a handful).
func (s *Alliances) ListParties(ctx context.Context, actor Actor) ([]models.Party, error) {
	if !actor.mayReadAlliances() {
		return nil, Errorf(EForbidden, "no role")
	}
	var out []models.Party
	err := s.db.WithContext(ctx).Order("is_own DESC, lower(short_name), id").Limit(MaxLimit).Find(&out).Error
	return out, dbErr("list parties", err)
}

// UpdateParty changes the fields given. Returns as CreateParty, NotFound, Precondition for a
// stale IfMatch.
func (s *Alliances) UpdateParty(ctx context.Context, actor Actor, id int64, in PartyInput) (models.Party, error) {
	if !actor.mayManageAlliances() {
		return models.Party{}, Errorf(EForbidden, "only the state office and admin change the alliance")
	}
	if err := in.validate(false).Err(); err != nil {
		return models.Party{}, err
	}
	var out models.Party
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockRow(tx, "parties", id, lockChange); err != nil {
			return err
		}
		before, err := loadParty(tx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(in.IfMatch, before.Version); err != nil {
			return err
		}
		if err := partyTaken(tx, id, in.Name, in.ShortName); err != nil {
			return err
		}
		changes := map[string]any{}
		set := func(col string, v *string, cur string) {
			if v != nil && *v != cur {
				changes[col] = *v
			}
		}
		set("name", in.Name, before.Name)
		set("name_hi", in.NameHi, before.NameHi)
		set("short_name", in.ShortName, before.ShortName)
		set("symbol", in.Symbol, before.Symbol)
		if in.IsOwn != nil && *in.IsOwn != before.IsOwn {
			changes["is_own"] = *in.IsOwn
		}
		if len(changes) == 0 {
			out = before
			return nil
		}
		now := s.now()
		changes["updated_by"], changes["updated_by_name"] = actorID(actor), actorName(actor)
		if err := writeChanges(tx, &models.Party{}, id, changes, now); err != nil {
			return partyConflict(dbErr("update party", err))
		}
		after, err := loadParty(tx, id)
		if err != nil {
			return err
		}
		out = after
		return record(tx, now, actor, change{Action: "update", Entity: "party", EntityID: id, Before: partyAudit(before), After: partyAudit(after)})
	})
	return out, err
}

// DeleteParty removes a party that holds no seat share. Returns Conflict when it holds some
// (move or delete them first), otherwise as UpdateParty.
func (s *Alliances) DeleteParty(ctx context.Context, actor Actor, id int64, ifMatch *int64) error {
	if !actor.mayManageAlliances() {
		return Errorf(EForbidden, "only the state office and admin change the alliance")
	}
	return runTx(ctx, s.db, func(tx *gorm.DB) error {
		// FOR UPDATE: a seat share being given to this party (KEY SHARE, by its foreign key) waits.
		if err := lockRow(tx, "parties", id, lockDelete); err != nil {
			return err
		}
		before, err := loadParty(tx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(ifMatch, before.Version); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&models.SeatShare{}).Where("party_id = ?", id).Count(&n).Error; err != nil {
			return dbErr("count seat shares", err)
		}
		if n > 0 {
			return &Error{Code: EConflict, Message: fmt.Sprintf("%s holds %d seat shares; move or delete them first", before.ShortName, n),
				Fields: []FieldError{{Field: "id", Message: fmt.Sprintf("the party holds %d seat shares", n), Code: "party_has_seats", Params: map[string]any{"seats": n}}}}
		}
		res := tx.Where("id = ?", id).Delete(&models.Party{})
		if res.Error != nil {
			return dbErr("delete party", res.Error)
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("delete party %d: %d rows deleted, want 1", id, res.RowsAffected)
		}
		return record(tx, s.now(), actor, change{Action: "delete", Entity: "party", EntityID: id, Before: partyAudit(before)})
	})
}

var electionYear = regexp.MustCompile(`^[^\x00-\x1f]*[0-9]{4}$`)

// normaliseElection trims an election's name and closes up its spaces; an election named
// already in another case ("lok sabha 2029") takes the stored spelling ("Lok Sabha 2029").
func normaliseElection(tx *gorm.DB, f *Fields, s string) string {
	s = strings.Join(strings.Fields(s), " ")
	textField(f, "election", s, true, MaxElection, false)
	if s != "" && len(*f) == 0 && !electionYear.MatchString(s) {
		f.AddCode("election", "election_format", nil, "must end in the election's year, such as \"Lok Sabha 2029\"")
	}
	if tx == nil || len(*f) > 0 {
		return s
	}
	var stored []string
	if err := tx.Model(&models.SeatShare{}).Where("lower(election) = lower(?)", s).Distinct().Limit(1).Pluck("election", &stored).Error; err == nil && len(stored) == 1 {
		return stored[0]
	}
	return s
}

// SeatShareInput is a new seat share.
type SeatShareInput struct {
	Election string
	UnitID   *int64
	PartyID  *int64
}

// SeatShareView is a seat share with its seat and party.
type SeatShareView struct {
	Share models.SeatShare
	Unit  models.Unit
	Party models.Party
}

// seatUnit loads the seat of a share: a unit in the actor's scope of a seat level.
func (s *Alliances) seatUnit(tx *gorm.DB, actor Actor, id int64) (models.Unit, error) {
	if err := lockRow(tx, "units", id, lockKeyShare); err != nil {
		return models.Unit{}, err
	}
	u, err := s.units.visible(tx, actor, id, "unit_id")
	if err != nil {
		return u, err
	}
	if u.Level != models.LevelParliamentary && u.Level != models.LevelAssembly {
		return u, invalid("unit_id", "level_not_allowed", map[string]any{"levels": models.SeatLevels}, "must be a Lok Sabha (parliamentary) or assembly constituency")
	}
	return u, nil
}

func partyField(tx *gorm.DB, id int64) (models.Party, error) {
	if err := lockRow(tx, "parties", id, lockKeyShare); err != nil {
		return models.Party{}, err
	}
	p, err := loadParty(tx, id)
	if ErrorCode(err) == ENotFound {
		return p, invalid("party_id", "party_unknown", nil, "no such party")
	}
	return p, err
}

// seatTaken is the conflict of a second share for a seat: it names the party that holds it.
func seatTaken(tx *gorm.DB, election string, unit models.Unit) error {
	var held models.SeatShare
	if err := tx.Where("election = ? AND unit_id = ?", election, unit.ID).Take(&held).Error; err != nil {
		return &Error{Code: EConflict, Message: "the seat is already allotted for this election"}
	}
	p, _ := loadParty(tx, held.PartyID)
	return &Error{Code: EConflict,
		Message: fmt.Sprintf("%s is already allotted to %s (%s) for %s", unit.Name, p.Name, p.ShortName, election),
		Fields: []FieldError{{Field: "unit_id", Message: fmt.Sprintf("is already allotted to %s for %s", p.ShortName, election), Code: "seat_taken",
			Params: map[string]any{"party_id": idStr(p.ID), "short_name": p.ShortName, "name": p.Name, "seat_share_id": idStr(held.ID)}}}}
}

// shareAudit is what the audit log keeps of a seat share.
func shareAudit(v SeatShareView) map[string]any {
	return map[string]any{"id": v.Share.ID, "election": v.Share.Election, "unit_id": v.Share.UnitID, "unit": v.Unit.Name,
		"party_id": v.Share.PartyID, "party": v.Party.ShortName, "version": v.Share.Version}
}

// CreateShare allots a seat to a party for an election. Returns Forbidden but for admin and the
// state office, Invalid for bad fields, a unit outside the actor's scope or of another level than
// a seat's (level_not_allowed), or an unknown party; Conflict (seat_taken, naming the party) when
// the seat is already allotted for that election — also to the loser of two requests at once.
func (s *Alliances) CreateShare(ctx context.Context, actor Actor, in SeatShareInput) (SeatShareView, error) {
	if !actor.mayManageAlliances() {
		return SeatShareView{}, Errorf(EForbidden, "only the state office and admin change the seat sharing")
	}
	var out SeatShareView
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		var f Fields
		election := normaliseElection(tx, &f, in.Election)
		if in.UnitID == nil {
			f.AddCode("unit_id", "required", nil, "is required")
		}
		if in.PartyID == nil {
			f.AddCode("party_id", "required", nil, "is required")
		}
		var unit models.Unit
		var party models.Party
		var checks []error
		if in.UnitID != nil {
			var err error
			unit, err = s.seatUnit(tx, actor, *in.UnitID)
			checks = append(checks, err)
		}
		if in.PartyID != nil {
			var err error
			party, err = partyField(tx, *in.PartyID)
			checks = append(checks, err)
		}
		if err := together(f, checks...); err != nil {
			return err
		}
		now := s.now()
		sh := models.SeatShare{Election: election, UnitID: unit.ID, Path: unit.Path, PartyID: party.ID, Version: 1,
			CreatedBy: actorID(actor), CreatedByName: actorName(actor), CreatedAt: now,
			UpdatedBy: actorID(actor), UpdatedByName: actorName(actor), UpdatedAt: now}
		// ON CONFLICT DO NOTHING: the loser of a race waits for the winner's commit and then
		// writes nothing, and (read committed) sees whom the seat went to.
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "election"}, {Name: "unit_id"}}, DoNothing: true}).Create(&sh)
		if res.Error != nil {
			return dbErr("create seat share", res.Error)
		}
		if res.RowsAffected == 0 {
			return seatTaken(tx, election, unit)
		}
		out = SeatShareView{Share: sh, Unit: unit, Party: party}
		return record(tx, now, actor, change{Action: "create", Entity: "seat_share", EntityID: sh.ID, Unit: &unit, After: shareAudit(out)})
	})
	return out, err
}

func (s *Alliances) loadShare(tx *gorm.DB, id int64) (SeatShareView, error) {
	var sh models.SeatShare
	if err := tx.Where("id = ?", id).Take(&sh).Error; err != nil {
		if ErrorCode(dbErr("load seat share", err)) == ENotFound {
			return SeatShareView{}, Errorf(ENotFound, "seat share not found")
		}
		return SeatShareView{}, dbErr("load seat share", err)
	}
	views, err := describeShares(tx, []models.SeatShare{sh})
	if err != nil {
		return SeatShareView{}, err
	}
	return views[0], nil
}

// describeShares adds their units and parties to shares: two queries however many.
func describeShares(db *gorm.DB, shares []models.SeatShare) ([]SeatShareView, error) {
	out := make([]SeatShareView, len(shares))
	if len(shares) == 0 {
		return out, nil
	}
	units, err := unitsByID(db, shares, func(s models.SeatShare) *int64 { return &s.UnitID })
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, sh := range shares {
		ids = append(ids, sh.PartyID)
	}
	var parties []models.Party
	if err := db.Where("id IN ?", ids).Find(&parties).Error; err != nil {
		return nil, dbErr("load parties", err)
	}
	byID := map[int64]models.Party{}
	for _, p := range parties {
		byID[p.ID] = p
	}
	for i, sh := range shares {
		out[i] = SeatShareView{Share: sh, Unit: units[sh.UnitID], Party: byID[sh.PartyID]}
	}
	return out, nil
}

// GetShare returns one seat share; every role reads them.
func (s *Alliances) GetShare(ctx context.Context, actor Actor, id int64) (SeatShareView, error) {
	if !actor.mayReadAlliances() {
		return SeatShareView{}, Errorf(EForbidden, "no role")
	}
	return s.loadShare(s.db.WithContext(ctx), id)
}

// MoveShare gives a seat to another party for the same election. Returns Forbidden but for
// admin and the state office, NotFound, NotFound also for a seat outside the actor's scope,
// Precondition for a stale IfMatch, Invalid for an unknown party.
func (s *Alliances) MoveShare(ctx context.Context, actor Actor, id int64, partyID *int64, ifMatch *int64) (SeatShareView, error) {
	if !actor.mayManageAlliances() {
		return SeatShareView{}, Errorf(EForbidden, "only the state office and admin change the seat sharing")
	}
	var out SeatShareView
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockRow(tx, "seat_shares", id, lockChange); err != nil {
			return err
		}
		before, err := s.loadShare(tx, id)
		if err != nil {
			return err
		}
		if !actor.Sees(before.Share.Path) {
			return Errorf(ENotFound, "seat share not found")
		}
		if err := checkVersion(ifMatch, before.Share.Version); err != nil {
			return err
		}
		if partyID == nil {
			return invalid("party_id", "required", nil, "is required")
		}
		party, err := partyField(tx, *partyID)
		if err != nil {
			return err
		}
		if party.ID == before.Share.PartyID {
			out = before
			return nil
		}
		now := s.now()
		if err := writeChanges(tx, &models.SeatShare{}, id, map[string]any{"party_id": party.ID,
			"updated_by": actorID(actor), "updated_by_name": actorName(actor)}, now); err != nil {
			return dbErr("move seat share", err)
		}
		after, err := s.loadShare(tx, id)
		if err != nil {
			return err
		}
		out = after
		return record(tx, now, actor, change{Action: "update", Entity: "seat_share", EntityID: id, Unit: &after.Unit,
			Before: shareAudit(before), After: shareAudit(after)})
	})
	return out, err
}

// DeleteShare takes a seat's share back: the seat is unallotted again. Returns as MoveShare.
func (s *Alliances) DeleteShare(ctx context.Context, actor Actor, id int64, ifMatch *int64) error {
	if !actor.mayManageAlliances() {
		return Errorf(EForbidden, "only the state office and admin change the seat sharing")
	}
	return runTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockRow(tx, "seat_shares", id, lockDelete); err != nil {
			return err
		}
		before, err := s.loadShare(tx, id)
		if err != nil {
			return err
		}
		if !actor.Sees(before.Share.Path) {
			return Errorf(ENotFound, "seat share not found")
		}
		if err := checkVersion(ifMatch, before.Share.Version); err != nil {
			return err
		}
		res := tx.Where("id = ?", id).Delete(&models.SeatShare{})
		if res.Error != nil {
			return dbErr("delete seat share", res.Error)
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("delete seat share %d: %d rows deleted, want 1", id, res.RowsAffected)
		}
		return record(tx, s.now(), actor, change{Action: "delete", Entity: "seat_share", EntityID: id, Unit: &before.Unit, Before: shareAudit(before)})
	})
}

// ShareFilter narrows the seat shares and the seat table. Under selects the seats in a subtree,
// and the Lok Sabha seats whose district (seatsCTE) lies in it; DistrictID the seats of one
// district in that sense.
type ShareFilter struct {
	Election   string
	PartyID    *int64
	Under      *int64
	DistrictID *int64
	Level      string
	Page       PageRequest
}

// seatsCTE lists every seat (Lok Sabha and assembly constituency) with its district: an
// assembly's is its parent; a Lok Sabha constituency sits under the state beside the districts,
// so its district is the one that holds most of its assemblies (units.parliamentary_id), the
// lowest id on a tie, and none when no assembly names it.
const seatsCTE = `WITH pcd AS (
	SELECT parliamentary_id AS pc_id, parent_id AS district_id,
		ROW_NUMBER() OVER (PARTITION BY parliamentary_id ORDER BY count(*) DESC, parent_id) AS rn
	FROM units WHERE level = 'assembly' AND parliamentary_id IS NOT NULL GROUP BY parliamentary_id, parent_id
), seats AS (
	SELECT u.id, u.level, u.path, CASE WHEN u.level = 'assembly' THEN u.parent_id ELSE pcd.district_id END AS district_id
	FROM units u LEFT JOIN pcd ON pcd.pc_id = u.id AND pcd.rn = 1
	WHERE u.level IN ('parliamentary', 'assembly')
)`

// seatConds turns a filter into the conditions on seats s (district d) of seatsCTE.
func (s *Alliances) seatConds(db *gorm.DB, f ShareFilter, fe *Fields) ([]string, []any, error) {
	var where []string
	var args []any
	if f.Level != "" {
		if f.Level != string(models.LevelParliamentary) && f.Level != string(models.LevelAssembly) {
			fe.AddCode("level", "one_of", map[string]any{"allowed": models.SeatLevels}, "must be %s", oneOf(models.SeatLevels))
		}
		where, args = append(where, "s.level = ?"), append(args, f.Level)
	}
	if f.Under != nil {
		var u models.Unit
		if err := db.Where("id = ?", *f.Under).Take(&u).Error; err != nil {
			if ErrorCode(dbErr("load unit", err)) == ENotFound {
				return nil, nil, Errorf(ENotFound, "unit not found")
			}
			return nil, nil, dbErr("load unit", err)
		}
		lo, hi := models.SubtreeRange(u.Path)
		where = append(where, "((s.path >= ? AND s.path < ?) OR (d.path >= ? AND d.path < ?))")
		args = append(args, lo, hi, lo, hi)
	}
	if f.DistrictID != nil {
		where, args = append(where, "s.district_id = ?"), append(args, *f.DistrictID)
	}
	return where, args, nil
}

// ListShares returns the seat shares matching the filter, by id. Every role reads the whole
// installation's shares (see Alliances). Returns Invalid for a bad filter, NotFound when under
// names no unit.
func (s *Alliances) ListShares(ctx context.Context, actor Actor, f ShareFilter) (Page[SeatShareView], error) {
	if !actor.mayReadAlliances() {
		return Page[SeatShareView]{}, Errorf(EForbidden, "no role")
	}
	limit, after, err := f.Page.bounds()
	if err != nil {
		return Page[SeatShareView]{}, err
	}
	db := s.db.WithContext(ctx)
	var fe Fields
	election := ""
	if strings.TrimSpace(f.Election) != "" {
		election = normaliseElection(db, &fe, f.Election)
	}
	where, args, err := s.seatConds(db, f, &fe)
	if err != nil {
		return Page[SeatShareView]{}, err
	}
	if err := fe.Err(); err != nil {
		return Page[SeatShareView]{}, err
	}
	where = append(where, "ss.id > ?")
	args = append(args, after)
	if election != "" {
		where, args = append(where, "ss.election = ?"), append(args, election)
	}
	if f.PartyID != nil {
		where, args = append(where, "ss.party_id = ?"), append(args, *f.PartyID)
	}
	var rows []models.SeatShare
	q := seatsCTE + ` SELECT ss.* FROM seat_shares ss JOIN seats s ON s.id = ss.unit_id LEFT JOIN units d ON d.id = s.district_id
		WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ss.id LIMIT ?`
	if err := db.Raw(q, append(args, limit+1)...).Scan(&rows).Error; err != nil {
		return Page[SeatShareView]{}, dbErr("list seat shares", err)
	}
	page := paginate(rows, limit, func(r models.SeatShare) int64 { return r.ID })
	views, err := describeShares(db, page.Items)
	if err != nil {
		return Page[SeatShareView]{}, err
	}
	return Page[SeatShareView]{Items: views, NextCursor: page.NextCursor}, nil
}

// SeatRow is one seat of the seat table: the seat, its district, and its share in the election
// when it has one.
type SeatRow struct {
	Unit     models.Unit
	District *models.Unit
	Share    *SeatShareView
}

// Seats returns the seat table of one election (required): every seat matching the filter, by
// id, with its district and, when allotted, its share. Returns as ListShares.
func (s *Alliances) Seats(ctx context.Context, actor Actor, f ShareFilter) (Page[SeatRow], error) {
	if !actor.mayReadAlliances() {
		return Page[SeatRow]{}, Errorf(EForbidden, "no role")
	}
	limit, after, err := f.Page.bounds()
	if err != nil {
		return Page[SeatRow]{}, err
	}
	db := s.db.WithContext(ctx)
	var fe Fields
	election := normaliseElection(db, &fe, f.Election)
	where, args, err := s.seatConds(db, f, &fe)
	if err != nil {
		return Page[SeatRow]{}, err
	}
	if err := fe.Err(); err != nil {
		return Page[SeatRow]{}, err
	}
	where = append(where, "s.id > ?")
	args = append(args, after)
	if f.PartyID != nil {
		where, args = append(where, "ss.party_id = ?"), append(args, *f.PartyID)
	}
	var rows []struct {
		ID         int64
		DistrictID *int64
		ShareID    *int64
	}
	q := seatsCTE + ` SELECT s.id, s.district_id, ss.id AS share_id FROM seats s LEFT JOIN units d ON d.id = s.district_id
		LEFT JOIN seat_shares ss ON ss.unit_id = s.id AND ss.election = ?
		WHERE ` + strings.Join(where, " AND ") + ` ORDER BY s.id LIMIT ?`
	if err := db.Raw(q, append(append([]any{election}, args...), limit+1)...).Scan(&rows).Error; err != nil {
		return Page[SeatRow]{}, dbErr("list seats", err)
	}
	page := paginate(rows, limit, func(r struct {
		ID         int64
		DistrictID *int64
		ShareID    *int64
	}) int64 {
		return r.ID
	})
	var unitIDs, shareIDs []int64
	for _, r := range page.Items {
		unitIDs = append(unitIDs, r.ID)
		if r.DistrictID != nil {
			unitIDs = append(unitIDs, *r.DistrictID)
		}
		if r.ShareID != nil {
			shareIDs = append(shareIDs, *r.ShareID)
		}
	}
	units := map[int64]models.Unit{}
	if len(unitIDs) > 0 {
		var us []models.Unit
		if err := db.Where("id IN ?", unitIDs).Find(&us).Error; err != nil {
			return Page[SeatRow]{}, dbErr("load units", err)
		}
		for _, u := range us {
			units[u.ID] = u
		}
	}
	shares := map[int64]SeatShareView{}
	if len(shareIDs) > 0 {
		var ss []models.SeatShare
		if err := db.Where("id IN ?", shareIDs).Find(&ss).Error; err != nil {
			return Page[SeatRow]{}, dbErr("load seat shares", err)
		}
		views, err := describeShares(db, ss)
		if err != nil {
			return Page[SeatRow]{}, err
		}
		for _, v := range views {
			shares[v.Share.ID] = v
		}
	}
	out := make([]SeatRow, 0, len(page.Items))
	for _, r := range page.Items {
		row := SeatRow{Unit: units[r.ID]}
		if r.DistrictID != nil {
			if d, ok := units[*r.DistrictID]; ok {
				row.District = &d
			}
		}
		if r.ShareID != nil {
			v := shares[*r.ShareID]
			row.Share = &v
		}
		out = append(out, row)
	}
	return Page[SeatRow]{Items: out, NextCursor: page.NextCursor}, nil
}

// PartySeats is how many seats of a district one party contests.
type PartySeats struct {
	PartyID   int64
	ShortName string
	Seats     int64
}

// SummaryRow is one district's seats of one level in one election: per party, unallotted, total.
type SummaryRow struct {
	District   *models.Unit // nil for Lok Sabha seats that no assembly links to a district
	Level      models.Level
	ByParty    []PartySeats
	Unallotted int64
	Total      int64
}

// Summary counts the seats of an election (required) by district and level: per party and not
// yet allotted, in one set-based query. Assembly seats count in their district; a Lok Sabha seat
// in the district of most of its assemblies (seatsCTE), so that every seat counts once. Under
// narrows as in ListShares. Rows go by district code, Lok Sabha before assembly; parties by
// seats, most first. Every role reads it.
func (s *Alliances) Summary(ctx context.Context, actor Actor, election string, under *int64) ([]SummaryRow, error) {
	if !actor.mayReadAlliances() {
		return nil, Errorf(EForbidden, "no role")
	}
	db := s.db.WithContext(ctx)
	var fe Fields
	election = normaliseElection(db, &fe, election)
	where, args, err := s.seatConds(db, ShareFilter{Under: under}, &fe)
	if err != nil {
		return nil, err
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	cond := ""
	if len(where) > 0 {
		cond = "WHERE " + strings.Join(where, " AND ")
	}
	var rows []struct {
		DistrictID *int64
		Code       *string
		Name       *string
		NameHi     *string
		Level      string
		PartyID    *int64
		ShortName  *string
		Seats      int64
	}
	q := seatsCTE + ` SELECT s.district_id, d.code, d.name, d.name_hi, s.level, ss.party_id, p.short_name, count(*) AS seats
		FROM seats s LEFT JOIN units d ON d.id = s.district_id
		LEFT JOIN seat_shares ss ON ss.unit_id = s.id AND ss.election = ?
		LEFT JOIN parties p ON p.id = ss.party_id ` + cond + `
		GROUP BY s.district_id, d.code, d.name, d.name_hi, s.level, ss.party_id, p.short_name
		ORDER BY d.code, s.level DESC, count(*) DESC, p.short_name LIMIT ?`
	if err := db.Raw(q, append(append([]any{election}, args...), maxSummaryRows)...).Scan(&rows).Error; err != nil {
		return nil, dbErr("summarise seat shares", err)
	}
	var out []SummaryRow
	for _, r := range rows {
		var last *SummaryRow
		if n := len(out); n > 0 {
			last = &out[n-1]
		}
		same := last != nil && string(last.Level) == r.Level && ((last.District == nil && r.DistrictID == nil) ||
			(last.District != nil && r.DistrictID != nil && last.District.ID == *r.DistrictID))
		if !same {
			row := SummaryRow{Level: models.Level(r.Level), ByParty: []PartySeats{}}
			if r.DistrictID != nil {
				row.District = &models.Unit{ID: *r.DistrictID, Code: str(r.Code), Name: str(r.Name), NameHi: str(r.NameHi), Level: models.LevelDistrict}
			}
			out = append(out, row)
			last = &out[len(out)-1]
		}
		last.Total += r.Seats
		if r.PartyID == nil {
			last.Unallotted += r.Seats
		} else {
			last.ByParty = append(last.ByParty, PartySeats{PartyID: *r.PartyID, ShortName: str(r.ShortName), Seats: r.Seats})
		}
	}
	return out, nil
}

// repathSeatShares rewrites the path kept on the seat shares of a subtree that moved from oldPath
// to newPath, as repathPrograms does for programs.
func repathSeatShares(tx *gorm.DB, oldPath, newPath string) error {
	lo, hi := models.SubtreeRange(oldPath)
	err := tx.Exec("UPDATE seat_shares SET path = ? || substr(path, ?) WHERE path >= ? AND path < ?", newPath, len(oldPath)+1, lo, hi).Error
	return dbErr("move seat shares", err)
}

// SeatShareColumns are the columns of the seat-sharing export: every seat of the election, its
// district and the party it is allotted to (empty when not yet allotted).
var SeatShareColumns = []string{"election", "district_code", "district", "level", "seat_code", "seat_number", "seat", "seat_hi",
	"party_short_name", "party"}

// SeatSelection is a checked export request: an election and optionally a unit to export under.
type SeatSelection struct {
	actor    Actor
	election string
	under    *models.Unit
}

// CheckExport checks an export request before the response starts, so that a bad one is an
// error of its own. Every role may export (the table is public party information).
func (s *Alliances) CheckExport(ctx context.Context, actor Actor, election string, under *int64) (SeatSelection, error) {
	if !actor.mayReadAlliances() {
		return SeatSelection{}, Errorf(EForbidden, "no role")
	}
	db := s.db.WithContext(ctx)
	var fe Fields
	sel := SeatSelection{actor: actor, election: normaliseElection(db, &fe, election)}
	if err := fe.Err(); err != nil {
		return sel, err
	}
	if under != nil {
		var u models.Unit
		if err := db.Where("id = ?", *under).Take(&u).Error; err != nil {
			if ErrorCode(dbErr("load unit", err)) == ENotFound {
				return sel, Errorf(ENotFound, "unit not found")
			}
			return sel, dbErr("load unit", err)
		}
		sel.under = &u
	}
	return sel, nil
}

// ExportCSV streams the seat table of the selection (every cell through the formula guard), a
// page at a time, then writes the audit row (action export, entity seat_shares) in a statement
// of its own, with the rows written and whether the stream completed.
func (s *Alliances) ExportCSV(ctx context.Context, sel SeatSelection, w io.Writer) error {
	cw := csv.NewWriter(w)
	n, err := s.streamSeats(ctx, sel, cw)
	after := map[string]any{"election": sel.election, "under": nil, "rows": n, "complete": err == nil}
	var where *models.Unit
	if sel.under != nil {
		where = sel.under
		after["under"] = map[string]any{"id": sel.under.ID, "code": sel.under.Code}
	}
	aerr := record(s.db.WithContext(context.WithoutCancel(ctx)), s.now(), sel.actor, change{Action: "export", Entity: "seat_shares", Unit: where, After: after})
	if aerr != nil && err == nil {
		err = aerr
	}
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func (s *Alliances) streamSeats(ctx context.Context, sel SeatSelection, cw *csv.Writer) (int, error) {
	if err := writeRow(cw, slices.Clone(SeatShareColumns)); err != nil {
		return 0, err
	}
	f := ShareFilter{Election: sel.election, Page: PageRequest{Limit: MaxLimit}}
	if sel.under != nil {
		f.Under = &sel.under.ID
	}
	n := 0
	for {
		p, err := s.Seats(ctx, sel.actor, f)
		if err != nil {
			return n, err
		}
		for _, r := range p.Items {
			rec := []string{sel.election, "", "", string(r.Unit.Level), r.Unit.Code, "", r.Unit.Name, r.Unit.NameHi, "", ""}
			if r.District != nil {
				rec[1], rec[2] = r.District.Code, r.District.Name
			}
			if r.Unit.Number != nil {
				rec[5] = strconv.Itoa(*r.Unit.Number)
			}
			if r.Share != nil {
				rec[8], rec[9] = r.Share.Party.ShortName, r.Share.Party.Name
			}
			if err := writeRow(cw, rec); err != nil {
				return n, err
			}
			n++
		}
		if p.NextCursor == "" {
			return n, nil
		}
		f.Page.Cursor = p.NextCursor
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
	}
}

// EnsureOwnParty adds the party itself (is_own) named name — DefaultLetterhead's name when
// empty — unless a party is already the own one; `sangathan seed` calls it so that the demo's
// seat table can allot the party's own seats. The short name is the initials of a name of several
// words, else the name (at most maxShortName characters). Returns the own party and whether it
// was added now.
func (s *Alliances) EnsureOwnParty(ctx context.Context, actor Actor, name string) (models.Party, bool, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		name = DefaultLetterhead.Name
	}
	var own []models.Party
	if err := s.db.WithContext(ctx).Where("is_own").Limit(1).Find(&own).Error; err != nil {
		return models.Party{}, false, dbErr("load own party", err)
	}
	if len(own) == 1 {
		return own[0], false, nil
	}
	short := []rune(name)
	if words := strings.Fields(name); len(words) > 1 {
		short = nil
		for _, w := range words {
			short = append(short, []rune(strings.ToUpper(w))[0])
		}
	}
	if len(short) > maxShortName {
		short = short[:maxShortName]
	}
	in := PartyInput{Name: &name, ShortName: ptrTo(string(short)), IsOwn: ptrTo(true)}
	if !strings.ContainsFunc(name, func(r rune) bool { return r < 0x80 }) {
		in.NameHi = &name
	}
	p, err := s.CreateParty(ctx, actor, in)
	return p, err == nil, err
}

func ptrTo[T any](v T) *T { return &v }
