package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

// A person's requests under the DPDP Act 2023 (docs/PRIVACY.md): GET .../data-export and
// POST .../erase.

// personRecordJSON is every field of a person's record, as stored: the export shows the person
// everything, so nothing is masked here (only the state office and admin reach it).
type personRecordJSON struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	NameHi       string     `json:"name_hi"`
	Gender       string     `json:"gender"`
	BirthYear    *int       `json:"birth_year"`
	Phone        *string    `json:"phone"`
	VoterID      *string    `json:"voter_id"`
	Category     string     `json:"category"`
	Religion     *string    `json:"religion"`
	Caste        string     `json:"caste"`
	HomeUnitID   *string    `json:"home_unit_id"`
	UnitID       string     `json:"unit_id"`
	MembershipNo string     `json:"membership_no"`
	PublicOffice string     `json:"public_office"`
	Version      int64      `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	ErasedAt     *time.Time `json:"erased_at"`
}

type exportAssignmentJSON struct {
	ID       string  `json:"id"`
	Unit     unitRef `json:"unit"`
	Purpose  string  `json:"purpose"`
	StartsOn string  `json:"starts_on"`
	EndsOn   *string `json:"ends_on"`
}

type exportIncidentJSON struct {
	IncidentID string  `json:"incident_id"`
	Title      string  `json:"title"`
	OccurredOn string  `json:"occurred_on"`
	Unit       unitRef `json:"unit"`
	Convener   bool    `json:"convener"`
}

type exportProgramJSON struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Kind      string    `json:"kind"`
	StartsAt  time.Time `json:"starts_at"`
	Unit      unitRef   `json:"unit"`
	Organiser string    `json:"organiser"`
}

type exportAccountJSON struct {
	ID          string    `json:"id"`
	Username    string    `json:"username"`
	Role        string    `json:"role"`
	ScopeUnitID *string   `json:"scope_unit_id"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
}

type exportAuditJSON struct {
	ID            string          `json:"id"`
	At            time.Time       `json:"at"`
	ActorUsername string          `json:"actor_username"`
	Action        string          `json:"action"`
	Entity        string          `json:"entity"`
	EntityID      string          `json:"entity_id"`
	Before        json.RawMessage `json:"before"`
	After         json.RawMessage `json:"after"`
}

// personExportResponse is everything held about a person (services.PersonExport).
type personExportResponse struct {
	GeneratedAt    time.Time              `json:"generated_at"`
	Person         personRecordJSON       `json:"person"`
	LookedAfterBy  unitRef                `json:"looked_after_by"`
	HomeUnit       *unitRef               `json:"home_unit"`
	Seats          []personSeatHeldJSON   `json:"seats"`
	Assignments    []exportAssignmentJSON `json:"assignments"`
	Incidents      []exportIncidentJSON   `json:"incident_committees"`
	Programs       []exportProgramJSON    `json:"programs_organised"`
	Accounts       []exportAccountJSON    `json:"accounts"`
	Audit          []exportAuditJSON      `json:"audit"`
	AuditTruncated bool                   `json:"audit_truncated"`
}

func refOfUnit(u services.UnitRef) unitRef {
	return unitRef{ID: idString(u.ID), Level: string(u.Level), Code: u.Code, Name: u.Name, NameHi: u.NameHi}
}

func toPersonExportResponse(x services.PersonExport) personExportResponse {
	p := x.Person
	r := personExportResponse{GeneratedAt: x.GeneratedAt, LookedAfterBy: refOfUnit(x.LookedAfterBy), AuditTruncated: x.AuditTruncated,
		Person: personRecordJSON{ID: idString(p.ID), Name: p.Name, NameHi: p.NameHi, Gender: string(p.Gender), BirthYear: p.BirthYear,
			Phone: p.Phone, VoterID: p.VoterID, Category: string(p.Category), Religion: p.Religion, Caste: p.Caste,
			HomeUnitID: optIDString(p.HomeUnitID), UnitID: idString(p.UnitID), MembershipNo: p.MembershipNo, PublicOffice: p.PublicOffice,
			Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, ErasedAt: p.ErasedAt},
		Seats: toPersonSeatsResponse(x.Seats).Items, Assignments: []exportAssignmentJSON{}, Incidents: []exportIncidentJSON{},
		Programs: []exportProgramJSON{}, Accounts: []exportAccountJSON{}, Audit: []exportAuditJSON{}}
	if x.Home != nil {
		h := refOfUnit(*x.Home)
		r.HomeUnit = &h
	}
	for _, a := range x.Assignments {
		j := exportAssignmentJSON{ID: idString(a.ID), Unit: refOfUnit(a.Unit), Purpose: a.Purpose, StartsOn: string(a.StartsOn)}
		if a.EndsOn != nil {
			e := string(*a.EndsOn)
			j.EndsOn = &e
		}
		r.Assignments = append(r.Assignments, j)
	}
	for _, i := range x.Incidents {
		r.Incidents = append(r.Incidents, exportIncidentJSON{IncidentID: idString(i.IncidentID), Title: i.Title, OccurredOn: string(i.OccurredOn),
			Unit: refOfUnit(i.Unit), Convener: i.Convener})
	}
	for _, p := range x.Programs {
		r.Programs = append(r.Programs, exportProgramJSON{ID: idString(p.ID), Title: p.Title, Kind: string(p.Kind), StartsAt: p.StartsAt,
			Unit: refOfUnit(p.Unit), Organiser: p.Organiser})
	}
	for _, a := range x.Accounts {
		r.Accounts = append(r.Accounts, exportAccountJSON{ID: idString(a.ID), Username: a.Username, Role: string(a.Role),
			ScopeUnitID: optIDString(a.ScopeUnitID), Active: a.Active, CreatedAt: a.CreatedAt})
	}
	for _, e := range x.Audit {
		r.Audit = append(r.Audit, exportAuditJSON{ID: idString(e.ID), At: e.At, ActorUsername: e.ActorUsername, Action: e.Action,
			Entity: e.Entity, EntityID: e.EntityID, Before: rawJSON(e.Before), After: rawJSON(e.After)})
	}
	return r
}

// exportPersonData answers a person's request for access: one JSON document, offered as a file.
func (s *Server) exportPersonData(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	x, err := s.Privacy.Export(c.Request.Context(), actor(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="person-`+idString(id)+`-data.json"`)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, toPersonExportResponse(x))
}

type eraseRequest struct {
	Reason string `json:"reason"`
}

type erasureResponse struct {
	Person            personResponse `json:"person"`
	SeatsKept         int64          `json:"seats_kept"`
	AccountsUnlinked  int64          `json:"accounts_unlinked"`
	ProgramsCleared   int64          `json:"programs_cleared"`
	AuditRowsRedacted int64          `json:"audit_rows_redacted"`
}

// erasePerson answers a person's request for erasure. If-Match is required: what cannot be
// undone is done only to the version the office read.
func (s *Server) erasePerson(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req eraseRequest
	if !bindJSON(c, &req) {
		return
	}
	out, err := s.Privacy.Erase(c.Request.Context(), actor(c), id, version, req.Reason)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, out.Person.Person.Version)
	c.JSON(http.StatusOK, erasureResponse{Person: toPersonResponse(out.Person), SeatsKept: out.SeatsKept,
		AccountsUnlinked: out.AccountsUnlinked, ProgramsCleared: out.ProgramsCleared, AuditRowsRedacted: out.AuditRowsRedacted})
}
