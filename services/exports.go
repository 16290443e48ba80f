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
