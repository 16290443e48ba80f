package models

import "time"

// ProgramKind is what sort of program (कार्यक्रम / अभियान) it is.
type ProgramKind string

// The program kinds.
const (
	ProgramAwareness      ProgramKind = "awareness"       // जागरूकता अभियान
	ProgramPublicDialogue ProgramKind = "public_dialogue" // जन संवाद
	ProgramProtest        ProgramKind = "protest"         // धरना-प्रदर्शन
	ProgramMeeting        ProgramKind = "meeting"         // बैठक
	ProgramOther          ProgramKind = "other"
)

// ProgramKinds lists every kind.
var ProgramKinds = []ProgramKind{ProgramAwareness, ProgramPublicDialogue, ProgramProtest, ProgramMeeting, ProgramOther}

// Valid reports whether k is known.
func (k ProgramKind) Valid() bool {
	for _, v := range ProgramKinds {
		if v == k {
			return true
		}
	}
	return false
}

// ProgramStatus is whether a program is still to come, was held or was called off.
type ProgramStatus string

// The program statuses. Held and cancelled are final.
const (
	ProgramPlanned   ProgramStatus = "planned"
	ProgramHeld      ProgramStatus = "held"
	ProgramCancelled ProgramStatus = "cancelled"
)

// ProgramStatuses lists every status.
var ProgramStatuses = []ProgramStatus{ProgramPlanned, ProgramHeld, ProgramCancelled}

// Valid reports whether s is known.
func (s ProgramStatus) Valid() bool {
	for _, v := range ProgramStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// Program is a program planned at a unit, optionally about an incident.
type Program struct {
	ID                int64
	UnitID            int64
	Path              string // the path of UnitID, kept with it for range scans of a subtree
	IncidentID        *int64
	Kind              ProgramKind
	Title             string
	Description       string
	Place             string
	Organiser         string
	OrganiserPersonID *int64
	StartsAt          time.Time
	EndsAt            *time.Time
	Status            ProgramStatus
	Attendance        *int
	Outcome           string
	Version           int64 `gorm:"default:1"`
	CreatedBy         *int64
	CreatedByName     string
	CreatedAt         time.Time
	UpdatedBy         *int64
	UpdatedByName     string
	UpdatedAt         time.Time
}
