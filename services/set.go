package services

import "gorm.io/gorm"

// Set is every service, wired over one database and one clock.
type Set struct {
	Auth       *Auth
	Units      *Units
	Users      *Users
	Imports    *Imports
	Exports    *Exports
	Tokens     *Tokens
	Audit      *Audit
	People     *People
	Committees *Committees
	// Representation reads and sets the communities' share of the committees.
	Representation *Representation
	// Incidents logs incidents and runs their investigations.
	Incidents *Incidents
	// Intake takes reports from the public and keeps their review queue.
	Intake *Intake
	// Programs plans programs at the units and records how they went.
	Programs *Programs
	// Alliances keeps the allied parties and the seat sharing.
	Alliances *Alliances
	// Assignments appoints in-charges (prabhari) of the units.
	Assignments *Assignments
	// Privacy answers a person's requests for access and erasure (DPDP Act 2023).
	Privacy *Privacy
}

// NewSet builds every service.
func NewSet(db *gorm.DB, now Clock, cfg AuthConfig) (*Set, error) {
	auth, err := NewAuth(db, now, cfg)
	if err != nil {
		return nil, err
	}
	units := NewUnits(db, now)
	incidents := NewIncidents(db, now, units)
	people := NewPeople(db, now, units)
	return &Set{
		Auth:           auth,
		Units:          units,
		Users:          NewUsers(db, now, auth, units),
		Tokens:         NewTokens(db, now),
		Audit:          NewAudit(db, units),
		People:         people,
		Committees:     NewCommittees(db, now, units),
		Imports:        NewImports(db, now, units),
		Exports:        NewExports(db, units),
		Representation: NewRepresentation(db, now, units),
		Incidents:      incidents,
		Intake:         NewIntake(db, now, units, incidents),
		Programs:       NewPrograms(db, now, units),
		Alliances:      NewAlliances(db, now, units),
		Assignments:    NewAssignments(db, now, units),
		Privacy:        NewPrivacy(db, now, units, people),
	}, nil
}
