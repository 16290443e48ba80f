package services

import (
	"context"
	"database/sql"
	"encoding/csv"
	"io"
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
}

// CheckUnits returns the units an export covers, so that callers can refuse a bad request before
// they start streaming: under and everything below it (for a Lok Sabha constituency, its
// assemblies and below), within the actor's scope; under nil means the actor's whole scope.
// Returns NotFound when under is outside the actor's scope.
func (s *Exports) CheckUnits(ctx context.Context, actor Actor, under *int64) (UnitSelection, error) {
	var sel UnitSelection
	if !actor.Everywhere() {
		lo, hi := models.SubtreeRange(actor.ScopePath)
		sel.conds = append(sel.conds, "u.path >= ? AND u.path < ?")
		sel.args = append(sel.args, lo, hi)
	}
	if under != nil {
		u, err := s.units.visible(s.db.WithContext(ctx), actor, *under, "")
		if err != nil {
			return sel, err
		}
		c, args := subtreeCond("u", u)
		sel.conds = append(sel.conds, c)
		sel.args = append(sel.args, args...)
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
	if err := cw.Write(UnitColumns); err != nil {
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
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return dbErr("export units", err)
	}
	cw.Flush()
	return cw.Error()
}

func nullInt(n sql.NullInt64) string {
	if !n.Valid {
		return ""
	}
	return strconv.FormatInt(n.Int64, 10)
}

// CheckPeople returns the people an export covers (the same selection as CheckUnits, applied to
// the unit that looks after each person). Returns Forbidden for viewers, who see no personal
// data, and NotFound when under is outside scope.
func (s *Exports) CheckPeople(ctx context.Context, actor Actor, under *int64) (UnitSelection, error) {
	if actor.Role == models.RoleViewer {
		return UnitSelection{}, Errorf(EForbidden, "your role may not export personal data")
	}
	return s.CheckUnits(ctx, actor, under)
}

// People streams the selected people as a people CSV, with the fields the actor's role may
// not see left empty, ordered by id. A person with several current seats is written once, with
// the most senior seat. A person without a home unit is written with the unit that looks after
// them as home_unit_code, so that the file re-imports where no scope unit supplies a default.
func (s *Exports) People(ctx context.Context, actor Actor, sel UnitSelection, w io.Writer) error {
	where := "1 = 1"
	if len(sel.conds) > 0 {
		where = "(" + strings.Join(sel.conds, ") AND (") + ")"
	}
	// The most senior current seat, among committees inside the actor's scope only: a seat an
	// administrator gave one of the actor's people elsewhere is not the actor's to see.
	seatScope, args := "", []any{}
	if !actor.Everywhere() {
		lo, hi := models.SubtreeRange(actor.ScopePath)
		seatScope = " AND cu.path >= ? AND cu.path < ?"
		args = append(args, lo, hi, lo, hi)
	}
	const seniority = `CASE st.position WHEN 'president' THEN 1 WHEN 'vice_president' THEN 2 WHEN 'general_secretary' THEN 3
		WHEN 'secretary' THEN 4 WHEN 'treasurer' THEN 5 WHEN 'booth_agent' THEN 6 ELSE 7 END, st.id`
	seat := `FROM seats st JOIN units cu ON cu.id = st.unit_id WHERE st.person_id = p.id AND st.ended_at IS NULL` + seatScope +
		` ORDER BY ` + seniority + ` LIMIT 1`
	rows, err := s.db.WithContext(ctx).Raw(`SELECT p.id, p.name, p.name_hi, p.gender, p.birth_year, p.phone, p.voter_id, p.category,
		p.religion, p.caste, COALESCE(h.code, u.code), (SELECT cu.code `+seat+`), (SELECT st.position `+seat+`)
		FROM people p JOIN units u ON u.id = p.unit_id LEFT JOIN units h ON h.id = p.home_unit_id
		WHERE `+where+` ORDER BY p.id`, append(args, sel.args...)...).Rows()
	if err != nil {
		return dbErr("export people", err)
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := cw.Write(PeopleColumns); err != nil {
		return err
	}
	var (
		id                                 int64
		name, nameHi, gender, category     string
		caste                              string
		birth                              sql.NullInt64
		phone, voter, religion, home, comm sql.NullString
		position                           sql.NullString
	)
	for rows.Next() {
		if err := rows.Scan(&id, &name, &nameHi, &gender, &birth, &phone, &voter, &category, &religion, &caste, &home, &comm, &position); err != nil {
			return dbErr("export people", err)
		}
		p := models.Person{Phone: nullStr(phone), VoterID: nullStr(voter), Religion: nullStr(religion), Caste: caste}
		v := viewFor(actor, p)
		rec := []string{name, nameHi, gender, nullInt(birth), deref(v.Person.Phone), deref(v.Person.VoterID), category,
			deref(v.Person.Religion), v.Person.Caste, home.String, comm.String, position.String}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return dbErr("export people", err)
	}
	cw.Flush()
	return cw.Error()
}

func nullStr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	return &n.String
}
