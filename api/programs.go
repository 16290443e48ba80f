package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

// Programs (कार्यक्रम / अभियान): planned at a unit, optionally about an incident, then reported
// held or cancelled. PATCH changes only the fields given and honours If-Match.

type createProgramRequest struct {
	UnitID            *jsonID `json:"unit_id"`
	IncidentID        *jsonID `json:"incident_id"`
	Kind              string  `json:"kind"`
	Title             string  `json:"title"`
	Description       string  `json:"description"`
	Place             string  `json:"place"`
	Organiser         string  `json:"organiser"`
	OrganiserPersonID *jsonID `json:"organiser_person_id"`
	StartsAt          string  `json:"starts_at"`
	EndsAt            *string `json:"ends_at"`
}

type updateProgramRequest struct {
	Status            *string          `json:"status"`
	Attendance        optional[int]    `json:"attendance"`
	Outcome           *string          `json:"outcome"`
	Kind              *string          `json:"kind"`
	Title             *string          `json:"title"`
	Description       *string          `json:"description"`
	Place             *string          `json:"place"`
	Organiser         *string          `json:"organiser"`
	OrganiserPersonID optional[jsonID] `json:"organiser_person_id"`
	StartsAt          *string          `json:"starts_at"`
	EndsAt            optional[string] `json:"ends_at"`
	IncidentID        optional[jsonID] `json:"incident_id"`
}

type programIncidentJSON struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status string `json:"status"`
}

type programResponse struct {
	ID                string               `json:"id"`
	UnitID            string               `json:"unit_id"`
	Unit              unitRef              `json:"unit"`
	IncidentID        *string              `json:"incident_id"`
	Incident          *programIncidentJSON `json:"incident"`
	Kind              string               `json:"kind"`
	Title             string               `json:"title"`
	Description       string               `json:"description"`
	Place             string               `json:"place"`
	Organiser         string               `json:"organiser"`
	OrganiserPersonID *string              `json:"organiser_person_id"`
	StartsAt          time.Time            `json:"starts_at"`
	EndsAt            *time.Time           `json:"ends_at"`
	Status            string               `json:"status"`
	Attendance        *int                 `json:"attendance"`
	Outcome           string               `json:"outcome"`
	Version           int64                `json:"version"`
	CreatedBy         string               `json:"created_by"`
	CreatedAt         time.Time            `json:"created_at"`
	UpdatedBy         string               `json:"updated_by"`
	UpdatedAt         time.Time            `json:"updated_at"`
}

type programCountJSON struct {
	Month      string `json:"month"`
	Kind       string `json:"kind"`
	Planned    int64  `json:"planned"`
	Held       int64  `json:"held"`
	Cancelled  int64  `json:"cancelled"`
	Attendance int64  `json:"attendance"`
}

func toProgramResponse(v services.ProgramView) programResponse {
	p := v.Program
	r := programResponse{ID: idString(p.ID), UnitID: idString(p.UnitID),
		Unit:       unitRef{ID: idString(v.Unit.ID), Level: string(v.Unit.Level), Code: v.Unit.Code, Name: v.Unit.Name, NameHi: v.Unit.NameHi},
		IncidentID: optIDString(p.IncidentID), Kind: string(p.Kind), Title: p.Title, Description: p.Description, Place: p.Place,
		Organiser: p.Organiser, OrganiserPersonID: optIDString(p.OrganiserPersonID), StartsAt: p.StartsAt.UTC(), Status: string(p.Status),
		Attendance: p.Attendance, Outcome: p.Outcome, Version: p.Version, CreatedBy: p.CreatedByName, CreatedAt: p.CreatedAt,
		UpdatedBy: p.UpdatedByName, UpdatedAt: p.UpdatedAt}
	if p.EndsAt != nil {
		e := p.EndsAt.UTC()
		r.EndsAt = &e
	}
	if i := v.Incident; i != nil {
		r.Incident = &programIncidentJSON{ID: idString(i.ID), Title: i.Title, Status: string(i.Status)}
	}
	return r
}

func (s *Server) createProgram(c *gin.Context) {
	var req createProgramRequest
	if !bindJSON(c, &req) {
		return
	}
	var f services.Fields
	id := func(field string, j *jsonID) *int64 {
		v, err := optID(field, j)
		f = append(f, services.FieldsOf(err)...)
		return v
	}
	in := services.ProgramInput{UnitID: id("unit_id", req.UnitID), IncidentID: id("incident_id", req.IncidentID), Kind: req.Kind,
		Title: req.Title, Description: req.Description, Place: req.Place, Organiser: req.Organiser,
		OrganiserPersonID: id("organiser_person_id", req.OrganiserPersonID), StartsAt: req.StartsAt}
	if req.EndsAt != nil {
		in.EndsAt = *req.EndsAt
	}
	if err := f.Err(); err != nil {
		writeError(c, err)
		return
	}
	v, err := s.Programs.Create(c.Request.Context(), actor(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Program.Version)
	c.JSON(http.StatusCreated, toProgramResponse(v))
}

// optionalID turns an optional id of a patch into the service's Nullable.
func optionalID(f *services.Fields, field string, o optional[jsonID]) services.Nullable[int64] {
	n := services.Nullable[int64]{Set: o.Set}
	if o.Value != nil {
		v, err := o.Value.parse(field)
		if err != nil {
			*f = append(*f, services.FieldsOf(err)...)
		}
		n.Value = &v
	}
	return n
}

func (s *Server) updateProgram(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req updateProgramRequest
	if !bindJSON(c, &req) {
		return
	}
	var f services.Fields
	p := services.ProgramPatch{Status: req.Status, Attendance: services.Nullable[int]{Set: req.Attendance.Set, Value: req.Attendance.Value},
		Outcome: req.Outcome, Kind: req.Kind, Title: req.Title, Description: req.Description, Place: req.Place, Organiser: req.Organiser,
		OrganiserPersonID: optionalID(&f, "organiser_person_id", req.OrganiserPersonID), StartsAt: req.StartsAt,
		EndsAt:     services.Nullable[string]{Set: req.EndsAt.Set, Value: req.EndsAt.Value},
		IncidentID: optionalID(&f, "incident_id", req.IncidentID), IfMatch: version}
	if err := f.Err(); err != nil {
		writeError(c, err)
		return
	}
	v, err := s.Programs.Update(c.Request.Context(), actor(c), id, p)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Program.Version)
	c.JSON(http.StatusOK, toProgramResponse(v))
}

func (s *Server) deleteProgram(c *gin.Context) { deleteIfMatch(c, s.Programs.Delete) }

func (s *Server) getProgram(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	v, err := s.Programs.Get(c.Request.Context(), actor(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Program.Version)
	c.JSON(http.StatusOK, toProgramResponse(v))
}

func (s *Server) listPrograms(c *gin.Context) {
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	f := services.ProgramFilter{Status: c.Query("status"), Kind: c.Query("kind"), From: c.Query("from"), To: c.Query("to"), Sort: c.Query("sort"), Page: pr}
	if f.Under, ok = queryID(c, "under"); !ok {
		return
	}
	if f.UnitID, ok = queryID(c, "unit_id"); !ok {
		return
	}
	if f.IncidentID, ok = queryID(c, "incident_id"); !ok {
		return
	}
	page, err := s.Programs.List(c.Request.Context(), actor(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toProgramResponse))
}

func (s *Server) programCalendar(c *gin.Context) {
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	days, ok := queryInt(c, "days")
	if !ok {
		return
	}
	n := 0
	if days != nil {
		n = *days
		if n == 0 {
			n = -1 // an explicit 0 is out of range, not "the default"
		}
	}
	page, err := s.Programs.Calendar(c.Request.Context(), actor(c), under, n, pr)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toProgramResponse))
}

func (s *Server) programCounts(c *gin.Context) {
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	rows, err := s.Programs.Counts(c.Request.Context(), actor(c), services.CountsFilter{Under: under, From: c.Query("from"), To: c.Query("to")})
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]programCountJSON, 0, len(rows))
	for _, r := range rows {
		items = append(items, programCountJSON{Month: r.Month, Kind: string(r.Kind), Planned: r.Planned, Held: r.Held, Cancelled: r.Cancelled, Attendance: r.Attendance})
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": nil})
}
