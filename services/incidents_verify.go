package services

import (
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// verifyIncidents checks what the incidents store against what it follows from: the path kept
// on each incident against its unit's path as recounted (pathOf, with the unit's code), and each
// incident's status against the rows of its steps, which must also run without a gap (no report
// without a committee). A wrong path is fixable; a wrong status is only reported.
func verifyIncidents(tx *gorm.DB, unitOf func(id int64) (path, code string, ok bool)) ([]Difference, error) {
	var paths []struct {
		UnitID int64
		Path   string
		N      int64
	}
	if err := tx.Raw("SELECT unit_id, path, count(*) AS n FROM incidents GROUP BY unit_id, path").Scan(&paths).Error; err != nil {
		return nil, dbErr("verify: read incidents", err)
	}
	var out []Difference
	for _, p := range paths {
		path, code, ok := unitOf(p.UnitID)
		if ok && path != "" && p.Path != path {
			out = append(out, Difference{UnitID: p.UnitID, Code: code, Field: "incidents.path",
				Stored: fmt.Sprintf("%s on %d incidents", p.Path, p.N), Recounted: path, value: path})
		}
	}
	var steps []struct {
		ID        int64
		UnitID    int64
		Status    string
		Committee bool
		Members   bool
		Report    bool
		Forward   bool
		Closure   bool
	}
	q := `SELECT i.id, i.unit_id, i.status,
		EXISTS (SELECT 1 FROM incident_committees c WHERE c.incident_id = i.id) AS committee,
		EXISTS (SELECT 1 FROM incident_committee_members m WHERE m.incident_id = i.id) AS members,
		EXISTS (SELECT 1 FROM incident_reports r WHERE r.incident_id = i.id) AS report,
		EXISTS (SELECT 1 FROM incident_forwards f WHERE f.incident_id = i.id) AS forward,
		EXISTS (SELECT 1 FROM incident_closures x WHERE x.incident_id = i.id) AS closure
		FROM incidents i ORDER BY i.id`
	if err := tx.Raw(q).Scan(&steps).Error; err != nil {
		return nil, dbErr("verify: read incident steps", err)
	}
	for _, s := range steps {
		// The steps held, in order: the status is the last of an unbroken run from the start.
		has := []bool{s.Committee, s.Report, s.Forward, s.Closure}
		k := 0
		for k < len(has) && has[k] {
			k++
		}
		gap := slices.Contains(has[k:], true)
		want := string(models.IncidentStatuses[k])
		_, code, _ := unitOf(s.UnitID)
		if s.Committee != s.Members {
			out = append(out, Difference{UnitID: s.UnitID, Code: code, Field: fmt.Sprintf("incident %d committee", s.ID),
				Stored: fmt.Sprintf("committee row %v, members %v", s.Committee, s.Members), Recounted: "both or neither"})
		}
		if gap {
			out = append(out, Difference{UnitID: s.UnitID, Code: code, Field: fmt.Sprintf("incident %d steps", s.ID),
				Stored:    fmt.Sprintf("committee %v, report %v, forward %v, closure %v", s.Committee, s.Report, s.Forward, s.Closure),
				Recounted: "steps without the ones before them"})
			continue
		}
		if s.Status != want {
			out = append(out, Difference{UnitID: s.UnitID, Code: code, Field: fmt.Sprintf("incident %d status", s.ID),
				Stored: s.Status, Recounted: want + " (from its step rows)"})
		}
	}
	return out, nil
}
