package models

import "time"

// PublicReportStatus is where a report from the public stands in the review queue.
type PublicReportStatus string

// The review statuses.
const (
	ReportPending   PublicReportStatus = "pending"
	ReportAccepted  PublicReportStatus = "accepted"
	ReportDismissed PublicReportStatus = "dismissed"
)

// PublicReportStatuses lists every review status.
var PublicReportStatuses = []PublicReportStatus{ReportPending, ReportAccepted, ReportDismissed}

// Valid reports whether s is known.
func (s PublicReportStatus) Valid() bool {
	for _, v := range PublicReportStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// TrackingStatus is what a reporter is told of their report: the review status and, once the
// report became an incident, the incident's investigation in plain words.
type TrackingStatus string

// The tracking statuses.
const (
	TrackReceived           TrackingStatus = "received"
	TrackUnderReview        TrackingStatus = "under_review"
	TrackUnderInvestigation TrackingStatus = "under_investigation"
	TrackForwarded          TrackingStatus = "forwarded"
	TrackDismissed          TrackingStatus = "dismissed"
	TrackClosed             TrackingStatus = "closed"
)

// TrackingStatuses lists every tracking status.
var TrackingStatuses = []TrackingStatus{TrackReceived, TrackUnderReview, TrackUnderInvestigation, TrackForwarded, TrackDismissed, TrackClosed}

// PublicReport is an incident reported by a member of the public (table public_reports).
type PublicReport struct {
	ID             int64
	TrackingCode   string
	DistrictID     int64
	Place          string
	OccurredOn     Date
	Description    string
	Contact        *string // personal data: never logged
	Status         PublicReportStatus
	IncidentID     *int64
	DismissReason  string
	ReviewedBy     *int64
	ReviewedByName string
	ReviewedAt     *time.Time
	CreatedAt      time.Time
	Version        int64 `gorm:"default:1"`
}

// IntakeThrottle is one counted key of the public intake's limits.
type IntakeThrottle struct {
	Key         string `gorm:"primaryKey"`
	Hits        int
	WindowStart int64
}

// TableName is intake_throttle.
func (IntakeThrottle) TableName() string { return "intake_throttle" }
