package services

import (
	"fmt"

	"gorm.io/gorm"
)

// verifyPrograms checks the path kept on each program against its unit's path as recounted
// (pathOf, with the unit's code), and that only held programs carry an attendance (the database
// also checks it). A wrong path is fixable; the rest is only reported.
func verifyPrograms(tx *gorm.DB, unitOf func(id int64) (path, code string, ok bool)) ([]Difference, error) {
	var paths []struct {
		UnitID int64
		Path   string
		N      int64
	}
	if err := tx.Raw("SELECT unit_id, path, count(*) AS n FROM programs GROUP BY unit_id, path").Scan(&paths).Error; err != nil {
		return nil, dbErr("verify: read programs", err)
	}
	var out []Difference
	for _, p := range paths {
		path, code, ok := unitOf(p.UnitID)
		if ok && path != "" && p.Path != path {
			out = append(out, Difference{UnitID: p.UnitID, Code: code, Field: "programs.path",
				Stored: fmt.Sprintf("%s on %d programs", p.Path, p.N), Recounted: path, value: path})
		}
	}
	var odd []struct {
		ID     int64
		UnitID int64
		Status string
	}
	if err := tx.Raw("SELECT id, unit_id, status FROM programs WHERE attendance IS NOT NULL AND status <> 'held' ORDER BY id").Scan(&odd).Error; err != nil {
		return nil, dbErr("verify: read programs", err)
	}
	for _, p := range odd {
		_, code, _ := unitOf(p.UnitID)
		out = append(out, Difference{UnitID: p.UnitID, Code: code, Field: fmt.Sprintf("program %d attendance", p.ID),
			Stored: "an attendance on a " + p.Status + " program", Recounted: "attendance only when held"})
	}
	return out, nil
}
