package services

import (
	"fmt"

	"gorm.io/gorm"
)

// verifyAssignments checks the path kept on each assignment against its unit's path as
// recounted (pathOf, with the unit's code). A wrong path is fixable.
func verifyAssignments(tx *gorm.DB, unitOf func(id int64) (path, code string, ok bool)) ([]Difference, error) {
	var paths []struct {
		UnitID int64
		Path   string
		N      int64
	}
	if err := tx.Raw("SELECT unit_id, path, count(*) AS n FROM assignments GROUP BY unit_id, path").Scan(&paths).Error; err != nil {
		return nil, dbErr("verify: read assignments", err)
	}
	var out []Difference
	for _, p := range paths {
		path, code, ok := unitOf(p.UnitID)
		if ok && path != "" && p.Path != path {
			out = append(out, Difference{UnitID: p.UnitID, Code: code, Field: "assignments.path",
				Stored: fmt.Sprintf("%s on %d assignments", p.Path, p.N), Recounted: path, value: path})
		}
	}
	return out, nil
}
