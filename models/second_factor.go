package models

import "time"

// SecondFactor is a user's TOTP (RFC 6238) second factor: the secret sealed for storage, when
// enrolment finished (nil while it waits for its first code) and the last time step accepted.
type SecondFactor struct {
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	SecretEnc string
	EnabledAt *time.Time
	LastStep  *int64
	CreatedAt time.Time
}

// RecoveryCode is the SHA-256 of one single-use recovery code.
type RecoveryCode struct {
	ID        int64
	UserID    int64
	CodeHash  string
	UsedAt    *time.Time
	CreatedAt time.Time
}

// LoginChallenge is a login whose password was right and that waits for its second step.
type LoginChallenge struct {
	ID        int64
	UserID    int64
	TokenHash string
	Purpose   string // "required" or "enrol"
	Failures  int
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}
