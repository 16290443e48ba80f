package services

import (
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Units, people and accounts are changed under a lock on the row that was read, one column at a
// time (only what the caller named), and each write adds one to the row's version. The version
// lets a client say which state it edited (If-Match): a change to an older state is refused
// rather than silently laid over someone else's.

// checkVersion returns Precondition, naming the stored version, when the caller expected
// another one. A nil expectation matches every version.
func checkVersion(expected *int64, stored int64) error {
	if expected == nil || *expected == stored {
		return nil
	}
	msg := fmt.Sprintf("the record was changed by someone else; current version is %d", stored)
	return &Error{Code: EPrecondition, Message: msg, Fields: []FieldError{{Field: "version", Message: fmt.Sprintf("current version is %d", stored), Code: "version_mismatch", Params: map[string]any{"current": stored}}}}
}

// writeChanges writes the changed columns of one row with the next version and the time of the
// change, and fails unless exactly that row was written.
func writeChanges(tx *gorm.DB, model any, id int64, changes map[string]any, now time.Time) error {
	changes["version"] = gorm.Expr("version + 1")
	changes["updated_at"] = now
	// SkipHooks keeps now (the service's clock) instead of GORM's own timestamp.
	res := tx.Session(&gorm.Session{SkipHooks: true}).Model(model).Where("id = ?", id).Updates(changes)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("%d rows written, want 1", res.RowsAffected)
	}
	return nil
}

// sameValue reports whether two optional values are equal (both absent, or both present and equal).
func sameValue[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// bumpIfChanged is the SET term of a bulk UPDATE ... FROM a staging table s that raises the
// version of the rows whose values the assignments ("col = s.col") change, and of no other:
// re-importing an export changes nothing.
func bumpIfChanged(table string, set []string) string {
	changed := make([]string, 0, len(set))
	for _, a := range set {
		col := strings.Fields(a)[0]
		changed = append(changed, table+"."+col+" IS DISTINCT FROM s."+col)
	}
	return "version = version + CASE WHEN " + strings.Join(changed, " OR ") + " THEN 1 ELSE 0 END"
}
