package services

import (
	"fmt"

	"gorm.io/gorm"
)

// verifySeatShares checks the path kept on each seat share against its unit's path as recounted
// (unitOf, with the unit's code), and that every share's unit is a seat: a Lok Sabha or assembly
// constituency (the service refuses others; a unit whose level changed would break it). A wrong
// path is fixable; a wrong level is only reported.
func verifySeatShares(tx *gorm.DB, unitOf func(id int64) (path, code string, ok bool)) ([]Difference, error) {
	var paths []struct {
		UnitID int64
		Path   string
		N      int64
	}
	if err := tx.Raw("SELECT unit_id, path, count(*) AS n FROM seat_shares GROUP BY unit_id, path").Scan(&paths).Error; err != nil {
		return nil, dbErr("verify: read seat shares", err)
	}
	var out []Difference
	for _, p := range paths {
		path, code, ok := unitOf(p.UnitID)
		if ok && path != "" && p.Path != path {
			out = append(out, Difference{UnitID: p.UnitID, Code: code, Field: "seat_shares.path",
				Stored: fmt.Sprintf("%s on %d seat shares", p.Path, p.N), Recounted: path, value: path})
		}
	}
	var odd []struct {
		ID     int64
		UnitID int64
		Level  string
	}
	if err := tx.Raw(`SELECT ss.id, ss.unit_id, u.level FROM seat_shares ss JOIN units u ON u.id = ss.unit_id
		WHERE u.level NOT IN ('parliamentary', 'assembly') ORDER BY ss.id`).Scan(&odd).Error; err != nil {
		return nil, dbErr("verify: read seat shares", err)
	}
	for _, s := range odd {
		_, code, _ := unitOf(s.UnitID)
		out = append(out, Difference{UnitID: s.UnitID, Code: code, Field: fmt.Sprintf("seat share %d unit", s.ID),
			Stored: "a seat share on a " + s.Level, Recounted: "seat shares only on parliamentary or assembly units"})
	}
	return out, nil
}
