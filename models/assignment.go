package models

import "time"

// Assignment puts a person in charge (प्रभारी) of a unit for a purpose, from StartsOn until
// EndsOn. EndsOn is the first day the person is no longer in charge (nil: open-ended), so the
// assignment is active on D when StartsOn <= D < EndsOn.
type Assignment struct {
	ID            int64
	PersonID      int64
	UnitID        int64
	Path          string // the path of UnitID, kept with it for range scans of a subtree
	Purpose       string
	StartsOn      Date
	EndsOn        *Date
	Version       int64 `gorm:"default:1"`
	CreatedBy     *int64
	CreatedByName string
	CreatedAt     time.Time
	EndedBy       *int64
	EndedByName   string
	UpdatedAt     time.Time
}

// ActiveOn reports whether the assignment is active on d.
func (a Assignment) ActiveOn(d Date) bool {
	return a.StartsOn <= d && (a.EndsOn == nil || d < *a.EndsOn)
}
