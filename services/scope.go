package services

import (
	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// scopeCond is the SQL condition that keeps a query to the actor's scope: col names the column
// that holds the path of the unit a row belongs to ("units.path", "u.path", "unit_path"). Every
// list, export and audit query takes its scope from here, so that the rule Actor.Sees applies to
// one row is the rule the queries apply to many. Rows whose path is NULL (audit rows about no
// unit) fall outside every scope but the whole installation's.
func scopeCond(actor Actor, col string) (string, []any) {
	if actor.Everywhere() {
		return "1 = 1", nil
	}
	if actor.ScopePath == "" {
		return "1 = 0", nil // Sees refuses everything to a scoped actor without a scope unit
	}
	lo, hi := models.SubtreeRange(actor.ScopePath)
	return col + " >= ? AND " + col + " < ?", []any{lo, hi}
}

// conds collects the conditions of a list, so that the query can be built on whichever
// connection runs it (see customPlanned). search says one of them is a name search.
type conds struct {
	list   []cond
	search bool
}

type cond struct {
	sql  string
	args []any
}

func (c *conds) add(sql string, args ...any) { c.list = append(c.list, cond{sql, args}) }

func (c conds) apply(q *gorm.DB) *gorm.DB {
	for _, w := range c.list {
		q = q.Where(w.sql, w.args...)
	}
	return q
}
