package services

import (
	"context"

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
// connection runs it (see customPlanned). search is the name search among them, if any.
type conds struct {
	list   []cond
	search *cond
}

type cond struct {
	sql  string
	args []any
}

func (c *conds) add(sql string, args ...any) { c.list = append(c.list, cond{sql, args}) }

// addSearch adds the name search condition.
func (c *conds) addSearch(sql string, args ...any) { c.search = &cond{sql, args} }

// apply adds every condition but the search to q.
func (c conds) apply(q *gorm.DB) *gorm.DB {
	for _, w := range c.list {
		q = q.Where(w.sql, w.args...)
	}
	return q
}

// Search windows: how many rows of a list's range, in the list's order, a name search reads
// before it turns to the trigram index. A common word (a few rows in a hundred: "kumar",
// "vidyalaya") fills a page within the window; one that does not is rare in the range, and the
// index then reads few matches. The planner, which cannot tell how common a word is, otherwise
// often takes the index for common words — and reads every match in the state — or walks a whole
// district in order for a rare one. Unit rows are wider and their names more varied.
const (
	peopleSearchWindow = 4000
	unitSearchWindow   = 1000
)

// findPage reads one page of a list: limit rows of table matching where, in order. A name
// search is answered in two steps, so that neither a common word nor a rare one reads the whole
// district or state: first the next window rows of the range, in order, filtered by the word;
// when that does not fill the page, the whole range with the word, planned for that word
// (customPlanned).
func findPage[T any](ctx context.Context, db *gorm.DB, table string, where conds, order string, limit, window int, out *[]T) error {
	db = db.WithContext(ctx)
	if where.search == nil {
		return where.apply(db.Table(table)).Order(order).Limit(limit).Find(out).Error
	}
	inner := where.apply(db.Table(table)).Order(order).Limit(window)
	var first []T
	if err := db.Table("(?) AS "+table, inner).Where(where.search.sql, where.search.args...).Order(order).Limit(limit).Find(&first).Error; err != nil {
		return err
	}
	if len(first) >= limit {
		*out = first
		return nil
	}
	return customPlanned(ctx, db, func(tx *gorm.DB) error {
		return where.apply(tx.Table(table)).Where(where.search.sql, where.search.args...).Order(order).Limit(limit).Find(out).Error
	})
}
