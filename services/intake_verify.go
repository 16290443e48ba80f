package services

import (
	"fmt"

	"gorm.io/gorm"
)

// verifyIntake checks each report from the public against its review: an accepted report names
// the incident it became, a pending or dismissed one names none, and a report carries a reviewer
// and a time exactly when it is no longer pending. Nothing here is fixable: it is only reported.
func verifyIntake(tx *gorm.DB, unitOf func(id int64) (path, code string, ok bool)) ([]Difference, error) {
	var rows []struct {
		ID         int64
		DistrictID int64
		Status     string
		IncidentID *int64
		Reviewed   bool
	}
	q := `SELECT id, district_id, status, incident_id, reviewed_at IS NOT NULL AS reviewed FROM public_reports
		WHERE (status = 'accepted') <> (incident_id IS NOT NULL) OR (status = 'pending') = (reviewed_at IS NOT NULL)
		ORDER BY id`
	if err := tx.Raw(q).Scan(&rows).Error; err != nil {
		return nil, dbErr("verify: read public reports", err)
	}
	var out []Difference
	for _, r := range rows {
		_, code, _ := unitOf(r.DistrictID)
		incident := "none"
		if r.IncidentID != nil {
			incident = fmt.Sprintf("incident %d", *r.IncidentID)
		}
		if (r.Status == "accepted") != (r.IncidentID != nil) {
			want := "an incident"
			if r.Status != "accepted" {
				want = "no incident"
			}
			out = append(out, Difference{UnitID: r.DistrictID, Code: code, Field: fmt.Sprintf("public report %d incident", r.ID),
				Stored: fmt.Sprintf("%s with %s", r.Status, incident), Recounted: want + " (from its status)"})
		}
		if (r.Status == "pending") == r.Reviewed {
			out = append(out, Difference{UnitID: r.DistrictID, Code: code, Field: fmt.Sprintf("public report %d review", r.ID),
				Stored: fmt.Sprintf("%s, reviewed %v", r.Status, r.Reviewed), Recounted: "reviewed exactly when not pending"})
		}
	}
	return out, nil
}
