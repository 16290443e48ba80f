package services

import (
	"fmt"

	"gorm.io/gorm"
)

// verifySessions checks the rules of login sessions: no live refresh token belongs to an ended
// session, to no session at all, or to a session of another account; and an ended session says
// why. They are reported only (UnitID 0): ending the session again is the repair.
func verifySessions(tx *gorm.DB) ([]Difference, error) {
	var bad []struct {
		ID        int64
		SessionID *int64
		Problem   string
	}
	err := tx.Raw(`SELECT rt.id, rt.session_id, CASE
			WHEN rt.session_id IS NULL THEN 'no session'
			WHEN s.revoked_at IS NOT NULL THEN 'an ended session'
			ELSE 'a session of another account' END AS problem
		FROM refresh_tokens rt LEFT JOIN sessions s ON s.id = rt.session_id
		WHERE rt.revoked_at IS NULL AND (rt.session_id IS NULL OR s.revoked_at IS NOT NULL OR s.user_id <> rt.user_id)
		ORDER BY rt.id`).Scan(&bad).Error
	if err != nil {
		return nil, dbErr("verify: read sessions", err)
	}
	var out []Difference
	for _, b := range bad {
		out = append(out, Difference{Field: fmt.Sprintf("refresh token %d", b.ID), Stored: "live, in " + b.Problem, Recounted: "revoked"})
	}
	var odd []int64
	if err := tx.Raw("SELECT id FROM sessions WHERE (revoked_at IS NULL) <> (revoked_reason IS NULL) ORDER BY id").Scan(&odd).Error; err != nil {
		return nil, dbErr("verify: read sessions", err)
	}
	for _, id := range odd {
		out = append(out, Difference{Field: fmt.Sprintf("session %d", id), Stored: "ended without a reason, or a reason without an end", Recounted: "both or neither"})
	}
	return out, nil
}
