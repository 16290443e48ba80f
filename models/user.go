package models

import "time"

// Role is what a user may do; every permission applies to the user's scope unit and below.
type Role string

// The roles, most powerful first.
const (
	RoleAdmin               Role = "admin"
	RoleStateOffice         Role = "state_office"
	RoleDistrictCoordinator Role = "district_coordinator"
	RoleBoothWorker         Role = "booth_worker"
	RoleViewer              Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleStateOffice, RoleDistrictCoordinator, RoleBoothWorker, RoleViewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if v == r {
			return true
		}
	}
	return false
}

// User is an account that logs in.
type User struct {
	ID           int64
	Username     string
	PasswordHash string
	Role         Role
	ScopeUnitID  *int64
	PersonID     *int64
	Active       bool
	Version      int64 `gorm:"default:1"` // one more on every write, for If-Match
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// RefreshToken is the stored hash of an opaque refresh token.
type RefreshToken struct {
	ID        int64
	UserID    int64
	Family    string
	SessionID *int64 // nil only for a login older than sessions that had ended by then
	TokenHash string
	ExpiresAt time.Time
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Session is one login: the refresh tokens it rotates through point at it, and its access tokens
// carry its id. Revoking it ends them all at once.
type Session struct {
	ID            int64
	UserID        int64
	Device        string // a short label from the User-Agent, such as "Chrome on Android"
	CreatedAt     time.Time
	LastUsedAt    time.Time
	RevokedAt     *time.Time
	RevokedReason *string
}
