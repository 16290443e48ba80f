package models

import "time"

// Gender of a person.
type Gender string

// The genders.
const (
	GenderMale   Gender = "male"
	GenderFemale Gender = "female"
	GenderOther  Gender = "other"
)

// Genders lists every gender.
var Genders = []Gender{GenderMale, GenderFemale, GenderOther}

// Valid reports whether g is known.
func (g Gender) Valid() bool {
	for _, v := range Genders {
		if v == g {
			return true
		}
	}
	return false
}

// Category is a person's social category.
type Category string

// The social categories: Scheduled Caste (Dalit), Scheduled Tribe, Other Backward Class, General.
const (
	CategorySC  Category = "SC"
	CategoryST  Category = "ST"
	CategoryOBC Category = "OBC"
	CategoryGEN Category = "GEN"
)

// Categories lists every category.
var Categories = []Category{CategorySC, CategoryST, CategoryOBC, CategoryGEN}

// Valid reports whether c is known.
func (c Category) Valid() bool {
	for _, v := range Categories {
		if v == c {
			return true
		}
	}
	return false
}

// Religions lists the religions a person may record.
var Religions = []string{"hindu", "muslim", "christian", "sikh", "buddhist", "jain", "other", "none"}

// Minority reports whether a religion counts as a religious minority (every recorded religion
// but hindu and none).
func Minority(religion string) bool {
	return religion != "" && religion != "hindu" && religion != "none"
}

// PublicOffices lists the public offices a person may hold.
var PublicOffices = []string{"mla", "mp", "former_mla", "former_mp", "minister", "local_body"}

// Person is a party worker or office bearer. Phone, voter ID, caste and religion are sensitive.
type Person struct {
	ID           int64
	Name         string
	NameHi       string
	SearchText   string
	Gender       Gender
	BirthYear    *int
	Phone        *string
	VoterID      *string
	Category     Category
	Religion     *string
	Caste        string
	HomeUnitID   *int64
	UnitID       int64  // the unit whose managers look after this record
	Path         string `json:"-"` // the path of UnitID, kept with it for range scans of a subtree
	MembershipNo string
	PublicOffice string
	Version      int64 `gorm:"default:1"` // one more on every write, for If-Match
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// ErasedAt is when the person's personal fields were erased (DPDP Act 2023; docs/PRIVACY.md);
	// nil for everyone else.
	ErasedAt *time.Time
}

// TableName is the people table.
func (Person) TableName() string { return "people" }

// Position on a committee.
type Position string

// The positions.
const (
	PositionPresident        Position = "president"
	PositionVicePresident    Position = "vice_president"
	PositionGeneralSecretary Position = "general_secretary"
	PositionSecretary        Position = "secretary"
	PositionTreasurer        Position = "treasurer"
	PositionBoothAgent       Position = "booth_agent"
	PositionMember           Position = "member"
)

// Positions lists every position, most senior first.
var Positions = []Position{PositionPresident, PositionVicePresident, PositionGeneralSecretary, PositionSecretary,
	PositionTreasurer, PositionBoothAgent, PositionMember}

// Valid reports whether p is known.
func (p Position) Valid() bool {
	for _, v := range Positions {
		if v == p {
			return true
		}
	}
	return false
}

// SingleHolder reports whether only one person may hold p on a committee at a time.
func (p Position) SingleHolder() bool {
	return p == PositionPresident || p == PositionGeneralSecretary || p == PositionTreasurer || p == PositionBoothAgent
}

// Seat is a person holding a position on a unit's committee for a term.
type Seat struct {
	ID        int64
	UnitID    int64
	PersonID  int64
	Position  Position
	Since     time.Time
	EndedAt   *time.Time
	CreatedBy *int64
	EndedBy   *int64
}

// CommitteeNorm is the size rule of committees at one level.
type CommitteeNorm struct {
	Level             Level `gorm:"primaryKey"`
	MinSeats          int
	MaxSeats          int
	RequiredPositions string // comma-separated
	TermMonths        int    // the length of a committee's term at this level
	GraceDays         int    // how long past its term a booth committee still counts as complete in coverage
}
