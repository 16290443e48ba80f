package services

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Exports writes CSV files in the formats that imports read.
type Exports struct {
	db    *gorm.DB
	units *Units
}

// NewExports returns the export service.
func NewExports(db *gorm.DB, units *Units) *Exports { return &Exports{db: db, units: units} }

// UnitSelection is the set of units an export covers, checked against the actor's scope.
type UnitSelection struct {
	conds []string
	args  []any
	under *models.Unit // the unit asked for; nil for the actor's whole scope
}

// CheckUnits returns the units an export covers, so that callers can refuse a bad request before
// they start streaming: under and everything below it (for a Lok Sabha constituency, its
// assemblies and below), within the actor's scope; under nil means the actor's whole scope.
// Returns NotFound when under is outside the actor's scope.
func (s *Exports) CheckUnits(ctx context.Context, actor Actor, under *int64) (UnitSelection, error) {
	var sel UnitSelection
	scope, args := scopeCond(actor, "u.path")
	sel.conds = append(sel.conds, scope)
	sel.args = append(sel.args, args...)
	if under != nil {
		u, err := s.units.visible(s.db.WithContext(ctx), actor, *under, "")
		if err != nil {
			return sel, err
		}
		c, args := subtreeCond("u.path", u)
		sel.conds = append(sel.conds, c)
		sel.args = append(sel.args, args...)
		sel.under = &u
	}
	return sel, nil
}

// Units streams the selected units as CSV to w, parents before children, in one query whose
// rows are written as they arrive. Rows are ordered by depth and code, not path: paths hold ids,
// which differ between databases, so path order would make export → import → export unstable.
func (s *Exports) Units(ctx context.Context, sel UnitSelection, w io.Writer) error {
	where := "1 = 1"
	if len(sel.conds) > 0 {
		where = "(" + strings.Join(sel.conds, ") AND (") + ")"
	}
	rows, err := s.db.WithContext(ctx).Raw(`SELECT u.level, u.code, u.name, u.name_hi, p.code, u.number, u.reserved, pc.code,
		u.electors, u.population_total, u.population_sc, u.population_st, u.population_muslim, u.population_minority
		FROM units u LEFT JOIN units p ON p.id = u.parent_id LEFT JOIN units pc ON pc.id = u.parliamentary_id
		WHERE `+where+` ORDER BY u.depth, u.code`, sel.args...).Rows()
	if err != nil {
		return dbErr("export units", err)
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := writeRow(cw, slices.Clone(UnitColumns)); err != nil {
		return err
	}
	var (
		level, code, name, nameHi, reserved string
		parent, parl                        sql.NullString
		number, electors                    sql.NullInt64
		pt, psc, pst, pm, pmin              sql.NullInt64
	)
	rec := make([]string, len(UnitColumns))
	for rows.Next() {
		if err := rows.Scan(&level, &code, &name, &nameHi, &parent, &number, &reserved, &parl, &electors, &pt, &psc, &pst, &pm, &pmin); err != nil {
			return dbErr("export units", err)
		}
		rec[0], rec[1], rec[2], rec[3], rec[4] = level, code, name, nameHi, parent.String
		rec[5], rec[6], rec[7], rec[8] = nullInt(number), reserved, parl.String, nullInt(electors)
		rec[9], rec[10], rec[11], rec[12], rec[13] = nullInt(pt), nullInt(psc), nullInt(pst), nullInt(pm), nullInt(pmin)
		if err := writeRow(cw, rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return dbErr("export units", err)
	}
	cw.Flush()
	return cw.Error()
}

// writeRow writes one record with every cell made safe to open in a spreadsheet (see exportCell).
// It changes rec.
func writeRow(cw *csv.Writer, rec []string) error {
	for i, v := range rec {
		rec[i] = exportCell(v)
	}
	return cw.Write(rec)
}

func nullInt(n sql.NullInt64) string {
	if !n.Valid {
		return ""
	}
	return strconv.FormatInt(n.Int64, 10)
}

// CheckPeople returns the people an export covers (the same selection as CheckUnits, applied to
// the unit that looks after each person). Returns Forbidden for roles below district coordinator
// (booth workers and viewers), and NotFound when under is outside scope.
func (s *Exports) CheckPeople(ctx context.Context, actor Actor, under *int64) (UnitSelection, error) {
	if !actor.canManageUnits() {
		return UnitSelection{}, Errorf(EForbidden, "your role may not export personal data")
	}
	return s.CheckUnits(ctx, actor, under)
}

// seniority orders seats by position, most senior first, in the order of models.Positions.
var seniority = func() string {
	var b strings.Builder
	b.WriteString("CASE st.position")
	for i, p := range models.Positions {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", p, i+1)
	}
	fmt.Fprintf(&b, " ELSE %d END, st.id", len(models.Positions)+1)
	return b.String()
}()

// People streams the selected people as a people CSV, with the fields the actor may not see
// left empty, ordered by id. A person with several current seats is written once, with the most
// senior seat. A person without a home unit is written with the unit that looks after them as
// home_unit_code, so that the file re-imports where no scope unit supplies a default.
//
// Every export is written to the audit log (action export, entity people: who, the unit asked
// for and how many rows went out) once the rows are written, in a statement of its own, so that
// a stream cut short is recorded too, with the rows written until then and complete false.
func (s *Exports) People(ctx context.Context, actor Actor, sel UnitSelection, w io.Writer) error {
	cw := csv.NewWriter(w)
	n, err := s.streamPeople(ctx, actor, sel, cw)
	if aerr := s.recordPeopleExport(context.WithoutCancel(ctx), actor, sel, n, err == nil); aerr != nil && err == nil {
		err = aerr
	}
	if err != nil {
		return err
	}
	// Flushed after the audit row is in: an export whose audit row cannot be written is cut short.
	cw.Flush()
	return cw.Error()
}

// streamPeople writes the header and the people rows to cw and returns how many people it wrote.
func (s *Exports) streamPeople(ctx context.Context, actor Actor, sel UnitSelection, cw *csv.Writer) (int, error) {
	where := "1 = 1"
	if len(sel.conds) > 0 {
		where = "(" + strings.Join(sel.conds, ") AND (") + ")"
	}
	// The most senior current seat, among committees inside the actor's scope only: a seat an
	// administrator gave one of the actor's people elsewhere is not the actor's to see.
	seatScope, args := scopeCond(actor, "cu.path")
	seat := `FROM seats st JOIN units cu ON cu.id = st.unit_id WHERE st.person_id = p.id AND st.ended_at IS NULL AND (` + seatScope +
		`) ORDER BY ` + seniority + ` LIMIT 1`
	params := append(append(slices.Clone(args), args...), sel.args...)
	rows, err := s.db.WithContext(ctx).Raw(`SELECT p.id, p.name, p.name_hi, p.gender, p.birth_year, p.phone, p.voter_id, p.category,
		p.religion, p.caste, COALESCE(h.code, u.code), (SELECT cu.code `+seat+`), (SELECT st.position `+seat+`), u.path
		FROM people p JOIN units u ON u.id = p.unit_id LEFT JOIN units h ON h.id = p.home_unit_id
		WHERE `+where+` ORDER BY p.id`, params...).Rows()
	if err != nil {
		return 0, dbErr("export people", err)
	}
	defer rows.Close()
	if err := writeRow(cw, slices.Clone(PeopleColumns)); err != nil {
		return 0, err
	}
	var (
		n                                  int
		id                                 int64
		name, nameHi, gender, category     string
		caste, path                        string
		birth                              sql.NullInt64
		phone, voter, religion, home, comm sql.NullString
		position                           sql.NullString
	)
	for rows.Next() {
		if err := rows.Scan(&id, &name, &nameHi, &gender, &birth, &phone, &voter, &category, &religion, &caste, &home, &comm, &position, &path); err != nil {
			return n, dbErr("export people", err)
		}
		p := models.Person{Phone: nullStr(phone), VoterID: nullStr(voter), Religion: nullStr(religion), Caste: caste,
			Category: models.Category(category), BirthYear: nullIntPtr(birth)}
		v := viewFor(actor, p, path)
		rec := []string{name, nameHi, gender, intPtr(v.Person.BirthYear), deref(v.Person.Phone), deref(v.Person.VoterID),
			string(v.Person.Category), deref(v.Person.Religion), v.Person.Caste, home.String, comm.String, position.String}
		if err := writeRow(cw, rec); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, dbErr("export people", err)
	}
	return n, nil
}

// recordPeopleExport writes the audit row of a people export. The row sits at the unit asked
// for (or the actor's scope unit), so that whoever may read the audit log there sees it.
func (s *Exports) recordPeopleExport(ctx context.Context, actor Actor, sel UnitSelection, rows int, complete bool) error {
	at := s.units.now()
	var where *models.Unit
	after := map[string]any{"under": nil, "rows": rows, "complete": complete}
	switch {
	case sel.under != nil:
		where = sel.under
		after["under"] = map[string]any{"id": sel.under.ID, "code": sel.under.Code}
	case actor.ScopeUnitID != nil:
		where = &models.Unit{ID: *actor.ScopeUnitID, Path: actor.ScopePath}
	}
	return record(s.db.WithContext(ctx), at, actor, change{Action: "export", Entity: "people", Unit: where, After: after})
}

func nullStr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	return &n.String
}

func nullIntPtr(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func intPtr(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}
