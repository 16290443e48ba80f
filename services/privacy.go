package services

// A person's rights under India's Digital Personal Data Protection Act 2023 (docs/PRIVACY.md):
// access (Export: everything the installation holds about them, in one document) and erasure
// (Erase: the personal fields removed, the name replaced, the seats and every figure kept).

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Privacy answers a person's requests for access and erasure.
type Privacy struct {
	db    *gorm.DB
	now   Clock
	units *Units
	// people reads a person as the people routes do (scope, NotFound).
	people *People
}

// NewPrivacy returns the privacy service.
func NewPrivacy(db *gorm.DB, now Clock, units *Units, people *People) *Privacy {
	return &Privacy{db: db, now: now, units: units, people: people}
}

// ErasedName is the name an erased person is shown under: fixed text and the record's id, so
// that a committee's history still reads as "a member held this seat" and two erased members are
// told apart, while nothing of the person is left.
func ErasedName(id int64) string { return "Erased person #" + idStr(id) }

// ErasedNameHi is ErasedName in Hindi.
func ErasedNameHi(id int64) string {
	return "मिटाया गया व्यक्ति #" + idStr(id)
}

// maxEraseReason bounds the reason an erasure gives.
const maxEraseReason = 500

// errErased answers a change to a person who has been erased.
var errErased = Errorf(EConflict, "the person's personal data has been erased; the record only keeps their seats")

// mayAnswerDataRequests: the data fiduciary's answer to a person's request for access or
// erasure is the state office's (or the administrator's), never a district's or a booth's: it
// reaches every seat and account of the person, across districts, and erasure cannot be undone.
func (a Actor) mayAnswerDataRequests() bool {
	return a.Role == models.RoleAdmin || a.Role == models.RoleStateOffice
}

// PersonExport is everything the installation holds about one person: the record with every
// field, the units it names, every seat held (current and ended), in-charge assignments,
// investigation committees sat on, programs organised, the accounts linked to the person (never
// a password hash) and the audit rows about the person, their seats, assignments and accounts.
type PersonExport struct {
	GeneratedAt time.Time
	Person      models.Person
	// LookedAfterBy is the unit whose managers keep the record; Home the person's home unit.
	LookedAfterBy UnitRef
	Home          *UnitRef
	Seats         []SeatHeld
	Assignments   []ExportAssignment
	Incidents     []ExportIncidentMembership
	Programs      []ExportProgram
	Accounts      []ExportAccount
	Audit         []models.AuditEntry
	// AuditTruncated is set when the person has more audit rows than an export carries.
	AuditTruncated bool
}

// ExportAssignment is an in-charge (prabhari) assignment of the person.
type ExportAssignment struct {
	ID       int64
	Unit     UnitRef
	Purpose  string
	StartsOn models.Date
	EndsOn   *models.Date
}

// ExportIncidentMembership is a seat on an incident's investigation committee.
type ExportIncidentMembership struct {
	IncidentID int64
	Title      string
	OccurredOn models.Date
	Unit       UnitRef
	Convener   bool
}

// ExportProgram is a program the person is named as organiser of.
type ExportProgram struct {
	ID        int64
	Title     string
	Kind      models.ProgramKind
	StartsAt  time.Time
	Unit      UnitRef
	Organiser string
}

// ExportAccount is a user account linked to the person.
type ExportAccount struct {
	ID          int64
	Username    string
	Role        models.Role
	ScopeUnitID *int64
	Active      bool
	CreatedAt   time.Time
}

// exportAuditMax bounds the audit rows of an export; a person with more (years of edits) is
// told that the list was cut (AuditTruncated) and the office reads the rest from the audit log.
const exportAuditMax = 5000

// Export gathers everything held about a person, for the person (DPDP Act s.11), and records
// that it was read (action data_export, no personal value in the row). Returns Forbidden for
// roles other than admin and state office, NotFound when the person is outside scope.
func (s *Privacy) Export(ctx context.Context, actor Actor, id int64) (PersonExport, error) {
	if !actor.mayAnswerDataRequests() {
		return PersonExport{}, Errorf(EForbidden, "only the state office or an administrator may export a person's data")
	}
	var out PersonExport
	var unit models.Unit
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, u, err := s.people.load(tx, actor, id)
		if err != nil {
			return err
		}
		unit = u
		out = PersonExport{GeneratedAt: s.now(), Person: p}
		return s.gather(tx, &out)
	})
	if err != nil {
		return PersonExport{}, err
	}
	after := map[string]any{"seats": len(out.Seats), "assignments": len(out.Assignments), "incidents": len(out.Incidents),
		"programs": len(out.Programs), "accounts": len(out.Accounts), "audit_rows": len(out.Audit)}
	if err := record(s.db.WithContext(ctx), s.now(), actor, change{Action: "data_export", Entity: "person", EntityID: id, Unit: &unit, After: after}); err != nil {
		return PersonExport{}, err
	}
	return out, nil
}

// gather fills in everything but the person's own row.
func (s *Privacy) gather(tx *gorm.DB, out *PersonExport) error {
	id := out.Person.ID
	unitIDs := []int64{out.Person.UnitID}
	if out.Person.HomeUnitID != nil {
		unitIDs = append(unitIDs, *out.Person.HomeUnitID)
	}
	var seats []models.Seat
	if err := tx.Where("person_id = ?", id).Order("since DESC, id DESC").Find(&seats).Error; err != nil {
		return dbErr("export: seats", err)
	}
	var assignments []models.Assignment
	if err := tx.Where("person_id = ?", id).Order("starts_on DESC, id DESC").Find(&assignments).Error; err != nil {
		return dbErr("export: assignments", err)
	}
	var incidents []struct {
		models.Incident
		ConvenerID *int64
	}
	if err := tx.Table("incidents").Select("incidents.*, incident_committees.convener_id").
		Joins("JOIN incident_committee_members m ON m.incident_id = incidents.id").
		Joins("LEFT JOIN incident_committees ON incident_committees.incident_id = incidents.id").
		Where("m.person_id = ?", id).Order("incidents.id").Scan(&incidents).Error; err != nil {
		return dbErr("export: incidents", err)
	}
	var programs []models.Program
	if err := tx.Where("organiser_person_id = ?", id).Order("starts_at DESC, id DESC").Find(&programs).Error; err != nil {
		return dbErr("export: programs", err)
	}
	var users []models.User
	if err := tx.Where("person_id = ?", id).Order("id").Find(&users).Error; err != nil {
		return dbErr("export: accounts", err)
	}
	for _, st := range seats {
		unitIDs = append(unitIDs, st.UnitID)
	}
	for _, a := range assignments {
		unitIDs = append(unitIDs, a.UnitID)
	}
	for _, i := range incidents {
		unitIDs = append(unitIDs, i.UnitID)
	}
	for _, p := range programs {
		unitIDs = append(unitIDs, p.UnitID)
	}
	refs, err := unitRefs(tx, unitIDs)
	if err != nil {
		return err
	}
	out.LookedAfterBy = refs[out.Person.UnitID]
	if h := out.Person.HomeUnitID; h != nil {
		r := refs[*h]
		out.Home = &r
	}
	out.Seats = make([]SeatHeld, 0, len(seats))
	seatIDs := make([]string, 0, len(seats))
	for _, st := range seats {
		out.Seats = append(out.Seats, SeatHeld{ID: st.ID, Unit: refs[st.UnitID], Position: st.Position, Since: st.Since, Until: st.EndedAt})
		seatIDs = append(seatIDs, idStr(st.ID))
	}
	out.Assignments = make([]ExportAssignment, 0, len(assignments))
	assignmentIDs := make([]string, 0, len(assignments))
	for _, a := range assignments {
		out.Assignments = append(out.Assignments, ExportAssignment{ID: a.ID, Unit: refs[a.UnitID], Purpose: a.Purpose, StartsOn: a.StartsOn, EndsOn: a.EndsOn})
		assignmentIDs = append(assignmentIDs, idStr(a.ID))
	}
	out.Incidents = make([]ExportIncidentMembership, 0, len(incidents))
	for _, i := range incidents {
		out.Incidents = append(out.Incidents, ExportIncidentMembership{IncidentID: i.ID, Title: i.Title, OccurredOn: i.OccurredOn,
			Unit: refs[i.UnitID], Convener: i.ConvenerID != nil && *i.ConvenerID == id})
	}
	out.Programs = make([]ExportProgram, 0, len(programs))
	for _, p := range programs {
		out.Programs = append(out.Programs, ExportProgram{ID: p.ID, Title: p.Title, Kind: p.Kind, StartsAt: p.StartsAt, Unit: refs[p.UnitID], Organiser: p.Organiser})
	}
	out.Accounts = make([]ExportAccount, 0, len(users))
	userIDs := make([]string, 0, len(users))
	for _, u := range users {
		out.Accounts = append(out.Accounts, ExportAccount{ID: u.ID, Username: u.Username, Role: u.Role, ScopeUnitID: u.ScopeUnitID, Active: u.Active, CreatedAt: u.CreatedAt})
		userIDs = append(userIDs, idStr(u.ID))
	}
	// The rows about the person, their seats, assignments and accounts: audit_log_entity_idx.
	q := tx.Where("entity = ? AND entity_id = ?", "person", idStr(id))
	for _, e := range []struct {
		entity string
		ids    []string
	}{{"seat", seatIDs}, {"assignment", assignmentIDs}, {"user", userIDs}} {
		if len(e.ids) > 0 {
			q = q.Or("entity = ? AND entity_id IN ?", e.entity, e.ids)
		}
	}
	if err := tx.Where(q).Order("id").Limit(exportAuditMax + 1).Find(&out.Audit).Error; err != nil {
		return dbErr("export: audit", err)
	}
	if len(out.Audit) > exportAuditMax {
		out.Audit, out.AuditTruncated = out.Audit[:exportAuditMax], true
	}
	return nil
}

// unitRefs names the units with the given ids.
func unitRefs(tx *gorm.DB, ids []int64) (map[int64]UnitRef, error) {
	out := map[int64]UnitRef{}
	for _, chunk := range chunks(ids, 5000) {
		var us []UnitRef
		if err := tx.Model(&models.Unit{}).Select("id", "level", "code", "name", "name_hi").Where("id IN ?", chunk).Scan(&us).Error; err != nil {
			return nil, dbErr("read units", err)
		}
		for _, u := range us {
			out[u.ID] = u
		}
	}
	return out, nil
}

// Erasure is what an erasure did, without any personal value.
type Erasure struct {
	Person PersonView
	// SeatsKept counts the seats (current and ended) the record still holds under the placeholder.
	SeatsKept int64
	// AccountsUnlinked counts the accounts that pointed at the person and no longer do.
	AccountsUnlinked int64
	// ProgramsCleared counts the programs whose organiser text was removed.
	ProgramsCleared int64
	// AuditRowsRedacted counts the audit rows whose personal values were set to null.
	AuditRowsRedacted int64
}

// Erase removes a person's personal data (DPDP Act s.12), in one transaction: phone, voter ID,
// caste, religion, birth year, home unit, membership number, public office and the names (and so
// their search keys) go; the name becomes ErasedName / ErasedNameHi; the seats stay (the
// committee had a member in that seat) and so do the category and gender, the two coarse
// classifications the representation figures count; the counts move from the birth year and
// religion to "unknown", exactly as a recount finds them. Accounts linked to the person are
// unlinked, a program's organiser text naming the person is removed, and the audit rows about
// the person keep every row but lose the personal values (the erased keys set to null). The
// erasure is recorded with its reason and no personal value.
//
// Returns Forbidden for roles other than admin and state office, NotFound outside scope,
// Invalid without a reason or a version (ifMatch), Precondition when ifMatch is not the stored version, Conflict when
// the person was already erased.
func (s *Privacy) Erase(ctx context.Context, actor Actor, id int64, ifMatch *int64, reason string) (Erasure, error) {
	if !actor.mayAnswerDataRequests() {
		return Erasure{}, Errorf(EForbidden, "only the state office or an administrator may erase a person's data")
	}
	reason = strings.TrimSpace(reason)
	var f Fields
	if ifMatch == nil { // what cannot be undone is done only to the version the office has read
		f.AddCode("If-Match", "required", nil, "is required: the version of the person read before erasing, such as \"v3\"")
	}
	switch {
	case reason == "":
		f.AddCode("reason", "required", nil, "is required: say whose request this answers and why")
	case utf8.RuneCountInString(reason) > maxEraseReason || !cleanText(reason):
		f.AddCode("reason", "too_long", map[string]any{"max": maxEraseReason}, "must be at most %d characters of text", maxEraseReason)
	}
	var out Erasure
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		out = Erasure{}
		// The lock order of People.UpdateIfMatch: the units of the person's seats (key share),
		// then the person's row, then the counts rows (representation_rollup.go).
		if err := lockPersonSeats(tx, id); err != nil {
			return err
		}
		if err := lockRow(tx, "people", id, lockChange); err != nil {
			return err
		}
		p, unit, err := s.people.load(tx, actor, id)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := checkVersion(ifMatch, p.Version); err != nil {
			return err
		}
		if p.ErasedAt != nil {
			return Errorf(EConflict, "the person's personal data was already erased")
		}
		now := s.now()
		next := p
		next.Name, next.NameHi, next.SearchText = ErasedName(p.ID), ErasedNameHi(p.ID), ""
		next.BirthYear, next.Phone, next.VoterID, next.Religion, next.Caste = nil, nil, nil, nil, ""
		next.HomeUnitID, next.MembershipNo, next.PublicOffice = nil, "", ""
		next.ErasedAt, next.UpdatedAt = &now, now
		changes := personChanges(p, next)
		changes["erased_at"] = now
		if err := writeChanges(tx, &models.Person{}, p.ID, changes, now); err != nil {
			return dbErr("erase person", err)
		}
		next.Version++
		// A seat taken since lockPersonSeats read them is on a unit not yet locked: lock it too.
		if err := lockPersonSeats(tx, p.ID); err != nil {
			return err
		}
		if err := holderChanged(tx, p.ID, holderOf(p), holderOf(next)); err != nil {
			return err
		}
		if err := tx.Model(&models.Seat{}).Where("person_id = ?", p.ID).Count(&out.SeatsKept).Error; err != nil {
			return dbErr("erase person: seats", err)
		}
		var accounts []int64
		if err := tx.Model(&models.User{}).Where("person_id = ?", p.ID).Order("id").Pluck("id", &accounts).Error; err != nil {
			return dbErr("erase person: accounts", err)
		}
		for _, uid := range accounts {
			if err := writeChanges(tx, &models.User{}, uid, map[string]any{"person_id": nil}, now); err != nil {
				return dbErr("erase person: unlink account", err)
			}
			if err := record(tx, now, actor, change{Action: "update", Entity: "user", EntityID: uid, Unit: &unit,
				Before: map[string]any{"id": uid, "person_id": p.ID}, After: map[string]any{"id": uid, "person_id": nil}}); err != nil {
				return err
			}
		}
		out.AccountsUnlinked = int64(len(accounts))
		res := tx.Session(&gorm.Session{SkipHooks: true}).Model(&models.Program{}).Where("organiser_person_id = ? AND organiser <> ''", p.ID).
			Updates(map[string]any{"organiser": "", "version": gorm.Expr("version + 1"), "updated_at": now})
		if res.Error != nil {
			return dbErr("erase person: programs", res.Error)
		}
		out.ProgramsCleared = res.RowsAffected
		if out.AuditRowsRedacted, err = redactPersonAudit(tx, p.ID); err != nil {
			return err
		}
		if err := record(tx, now, actor, change{Action: "erase", Entity: "person", EntityID: p.ID, Unit: &unit,
			After: map[string]any{"id": p.ID, "reason": reason, "seats_kept": out.SeatsKept, "accounts_unlinked": out.AccountsUnlinked,
				"programs_cleared": out.ProgramsCleared, "audit_rows_redacted": out.AuditRowsRedacted, "version": next.Version}}); err != nil {
			return err
		}
		out.Person = viewFor(actor, next, unit.Path)
		return nil
	})
	return out, err
}
