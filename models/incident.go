package models

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Date is a calendar date, "YYYY-MM-DD": a DATE column on PostgreSQL, checked text on SQLite.
// Its text orders as the dates do.
type Date string

// DateLayout is the layout of a Date.
const DateLayout = "2006-01-02"

// DateOf is the date of t in t's location.
func DateOf(t time.Time) Date { return Date(t.Format(DateLayout)) }

// Valid reports whether d is a real date in the layout, in the years 1 to 9999. (Go parses the
// year 0000, which PostgreSQL's date type refuses — its 1 BC comes before 1 AD — so a filter or
// cursor of year 0 was a 500 there.)
func (d Date) Valid() bool {
	t, err := time.Parse(DateLayout, string(d))
	return err == nil && t.Year() >= 1
}

// AddDays is d moved by n days; d must be valid.
func (d Date) AddDays(n int) Date {
	t, _ := time.Parse(DateLayout, string(d))
	return DateOf(t.AddDate(0, 0, n))
}

// Scan reads a DATE (a time from PostgreSQL, text from SQLite).
func (d *Date) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*d = DateOf(x)
	case string:
		*d = Date(x)
	case []byte:
		*d = Date(x)
	case nil:
		*d = ""
	default:
		return fmt.Errorf("date: cannot scan %T", v)
	}
	if len(*d) > len(DateLayout) {
		*d = (*d)[:len(DateLayout)]
	}
	return nil
}

// Value writes the date as text, which both databases read as a date.
func (d Date) Value() (driver.Value, error) { return string(d), nil }

// IncidentKind is what happened.
type IncidentKind string

// The incident kinds.
const (
	KindViolence     IncidentKind = "violence"
	KindAtrocity     IncidentKind = "atrocity"
	KindPoliceExcess IncidentKind = "police_excess"
	KindLandDispute  IncidentKind = "land_dispute"
	KindCommunal     IncidentKind = "communal"
	KindOther        IncidentKind = "other"
)

// IncidentKinds lists every kind.
var IncidentKinds = []IncidentKind{KindViolence, KindAtrocity, KindPoliceExcess, KindLandDispute, KindCommunal, KindOther}

// Valid reports whether k is known.
func (k IncidentKind) Valid() bool {
	for _, v := range IncidentKinds {
		if v == k {
			return true
		}
	}
	return false
}

// AffectedGroups lists the communities an incident may have affected.
var AffectedGroups = []string{"SC", "ST", "OBC", "minority", "women", "children", "other"}

// IncidentStatus is where an investigation stands.
type IncidentStatus string

// The statuses, in the order the investigation passes them.
const (
	IncidentReported        IncidentStatus = "reported"
	IncidentCommitteeFormed IncidentStatus = "committee_formed"
	IncidentReportSubmitted IncidentStatus = "report_submitted"
	IncidentForwarded       IncidentStatus = "forwarded"
	IncidentClosed          IncidentStatus = "closed"
)

// IncidentStatuses lists every status in order.
var IncidentStatuses = []IncidentStatus{IncidentReported, IncidentCommitteeFormed, IncidentReportSubmitted, IncidentForwarded, IncidentClosed}

// Valid reports whether s is known.
func (s IncidentStatus) Valid() bool {
	for _, v := range IncidentStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// ForwardTargets are whom an investigation report is forwarded to.
var ForwardTargets = []string{"administration", "governor"}

// Incident is an incident in a district (or a unit below it) and where its investigation stands.
type Incident struct {
	ID            int64
	UnitID        int64
	Path          string // the path of UnitID, kept with it for range scans of a subtree
	OccurredOn    Date
	Place         string
	Title         string
	Description   string
	Kind          IncidentKind
	Victims       *int
	Status        IncidentStatus
	Version       int64 `gorm:"default:1"`
	CreatedBy     *int64
	CreatedByName string
	CreatedAt     time.Time
	UpdatedBy     *int64
	UpdatedByName string
	UpdatedAt     time.Time
}

// IncidentGroup is one community an incident affected.
type IncidentGroup struct {
	IncidentID int64  `gorm:"primaryKey;autoIncrement:false"`
	Grp        string `gorm:"primaryKey"`
}

// IncidentCommitteeMember is one person on an incident's investigation committee.
type IncidentCommitteeMember struct {
	IncidentID int64 `gorm:"primaryKey;autoIncrement:false"`
	PersonID   int64 `gorm:"primaryKey;autoIncrement:false"`
}

// IncidentStep is who took a step of an investigation, and when.
type IncidentStep struct {
	ByID   *int64
	ByName string
	At     time.Time
}

// IncidentCommittee is the investigation committee (जांच कमेटी) of an incident.
type IncidentCommittee struct {
	IncidentID int64 `gorm:"primaryKey;autoIncrement:false"`
	ConvenerID int64
	FormedOn   Date
	IncidentStep
}

// IncidentReport is the committee's report.
type IncidentReport struct {
	IncidentID      int64 `gorm:"primaryKey;autoIncrement:false"`
	VisitedOn       Date
	SubmittedOn     Date
	Findings        string
	Recommendations string
	Attachments     string
	IncidentStep
}

// IncidentForward is the report's forwarding to the administration and/or the Governor.
type IncidentForward struct {
	IncidentID       int64 `gorm:"primaryKey;autoIncrement:false"`
	ToAdministration bool
	ToGovernor       bool
	ForwardedOn      Date
	LetterRef        string
	IncidentStep
}

// IncidentClosure is how the case was closed.
type IncidentClosure struct {
	IncidentID int64 `gorm:"primaryKey;autoIncrement:false"`
	Outcome    string
	ClosedOn   Date
	IncidentStep
}
