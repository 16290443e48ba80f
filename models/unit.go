// Package models holds the GORM models and enums that mirror the SQL schema in migrations/.
// They carry no behaviour beyond small validation helpers.
package models

import (
	"strconv"
	"strings"
	"time"
)

// Level is the level of a unit in the organisation tree.
type Level string

// The unit levels, top to bottom. Parliamentary constituencies sit under a state beside districts.
const (
	LevelNational      Level = "national"
	LevelState         Level = "state"
	LevelDistrict      Level = "district"
	LevelParliamentary Level = "parliamentary"
	LevelAssembly      Level = "assembly"
	LevelSector        Level = "sector"
	LevelBooth         Level = "booth"
)

// Levels lists every level, top to bottom.
var Levels = []Level{LevelNational, LevelState, LevelDistrict, LevelParliamentary, LevelAssembly, LevelSector, LevelBooth}

// Valid reports whether l is a known level.
func (l Level) Valid() bool {
	for _, v := range Levels {
		if v == l {
			return true
		}
	}
	return false
}

// ParentLevels says which levels a unit of level l may hang under; empty means it is a root.
func (l Level) ParentLevels() []Level {
	switch l {
	case LevelState:
		return []Level{LevelNational}
	case LevelDistrict, LevelParliamentary:
		return []Level{LevelState}
	case LevelAssembly:
		return []Level{LevelDistrict}
	case LevelSector:
		return []Level{LevelAssembly}
	case LevelBooth:
		return []Level{LevelAssembly, LevelSector}
	}
	return nil
}

// MayHaveParent reports whether a unit of level l may sit under a unit of level p.
func (l Level) MayHaveParent(p Level) bool {
	for _, v := range l.ParentLevels() {
		if v == p {
			return true
		}
	}
	return false
}

// ParentOptional reports whether a unit of level l may be a root (a state without a national unit).
func (l Level) ParentOptional() bool { return l == LevelState || l == LevelNational }

// Reservation of a constituency: SC, ST or none.
const (
	ReservedSC = "SC"
	ReservedST = "ST"
)

// Unit is one node of the organisation tree: a state, district, constituency, sector or booth.
type Unit struct {
	ID                 int64
	Level              Level
	ParentID           *int64
	Path               string // materialised ancestor ids, root first, self last: "/1/7/93/"
	Depth              int
	Code               string
	Name               string
	NameHi             string
	SearchText         string // lower-cased Latin and Devanagari names and their phonetic keys, for q= (models.SearchText)
	Number             *int
	Reserved           string
	ParliamentaryID    *int64
	Electors           *int
	PopulationTotal    *int64
	PopulationSC       *int64 `gorm:"column:population_sc"`
	PopulationST       *int64 `gorm:"column:population_st"`
	PopulationMuslim   *int64
	PopulationMinority *int64
	// Rollups kept by the services in the same transaction as each change: the unit's own
	// committee, and the booths below it and how many of them have a complete committee.
	Seats             int
	CommitteeComplete bool
	Booths            int64
	BoothsComplete    int64
	Version           int64 `gorm:"default:1"` // one more on every write of the unit's own fields, for If-Match
	// TermStartedOn is the day the committee's current term started (India time): the unit's
	// creation, or its last reconstitution. The term's length is its level's norm (CommitteeNorm).
	TermStartedOn Date `gorm:"default:(-)"`
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// AncestorIDs returns the ids on the unit's path, root first, the unit itself last.
func (u Unit) AncestorIDs() []int64 {
	return PathIDs(u.Path)
}

// PathIDs parses a materialised path into ids.
func PathIDs(path string) []int64 {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	ids := make([]int64, 0, len(parts))
	for _, p := range parts {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// ValidPath reports whether s has the shape of a materialised path: "/", then one or more ids
// each followed by "/".
func ValidPath(s string) bool {
	if len(s) < 3 || s[0] != '/' || s[len(s)-1] != '/' || len(s) > 400 {
		return false
	}
	for _, part := range strings.Split(s[1:len(s)-1], "/") {
		if part == "" || len(part) > 19 {
			return false
		}
		for _, r := range part {
			if r < '0' || r > '9' {
				return false
			}
		}
	}
	return true
}

// ChildPath is the path of a child with id under a unit with path parent ("" for a root).
func ChildPath(parent string, id int64) string {
	if parent == "" {
		parent = "/"
	}
	return parent + strconv.FormatInt(id, 10) + "/"
}

// SubtreeRange returns the bounds [lo, hi) of the paths of a unit and everything below it.
// Paths hold only digits and '/', and '0' is the byte after '/', so the range is exact.
func SubtreeRange(path string) (lo, hi string) {
	return path, path[:len(path)-1] + "0"
}

// RollupColumns are the columns only the rollup code writes; ordinary saves leave them alone.
var RollupColumns = []string{"seats", "committee_complete", "booths", "booths_complete"}
