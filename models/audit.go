package models

import "time"

// AuditEntry is one append-only row of the audit log.
type AuditEntry struct {
	ID            int64 `gorm:"column:id"`
	At            time.Time
	ActorID       *int64
	ActorUsername string
	Action        string
	Entity        string
	EntityID      string
	UnitID        *int64
	UnitPath      *string
	Before        *string
	After         *string
	RequestID     string
}

// TableName is the audit table.
func (AuditEntry) TableName() string { return "audit_log" }

// APIToken is a named, revocable token for integrations; only its hash is stored.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	TokenHash  string
	ExpiresAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
}
