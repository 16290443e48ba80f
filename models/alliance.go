package models

import "time"

// Party is a political party in the alliance (गठबंधन): an ally, or the party itself (IsOwn, at
// most one), so that the party's own seats are seat shares like its allies'.
type Party struct {
	ID            int64
	Name          string // unique, case-insensitively
	NameHi        string
	ShortName     string // unique, case-insensitively: "SP", "RLD"
	Symbol        string // the election symbol, in words: "साइकिल"
	IsOwn         bool
	Version       int64 `gorm:"default:1"`
	CreatedBy     *int64
	CreatedByName string
	CreatedAt     time.Time
	UpdatedBy     *int64
	UpdatedByName string
	UpdatedAt     time.Time
}

// SeatShare gives one seat (a Lok Sabha or assembly constituency) to one party for one election
// (सीट बंटवारा). One party per seat per election: the database holds (Election, UnitID) unique.
type SeatShare struct {
	ID            int64
	Election      string // "Lok Sabha 2029", "UP Vidhan Sabha 2027"
	UnitID        int64
	Path          string // the path of UnitID, kept with it for range scans
	PartyID       int64
	Version       int64 `gorm:"default:1"`
	CreatedBy     *int64
	CreatedByName string
	CreatedAt     time.Time
	UpdatedBy     *int64
	UpdatedByName string
	UpdatedAt     time.Time
}

// SeatLevels are the levels of the units that are seats: Lok Sabha and assembly constituencies.
var SeatLevels = []Level{LevelParliamentary, LevelAssembly}
