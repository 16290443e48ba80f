package api

import (
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

// Prabhari (प्रभारी) assignments: a person in charge of a unit for a purpose over a period.
// Only the state office and admin appoint and end; DELETE ends an assignment (history kept).

type createAssignmentRequest struct {
	PersonID *jsonID `json:"person_id"`
	UnitID   *jsonID `json:"unit_id"`
	Purpose  string  `json:"purpose"`
	StartsOn string  `json:"starts_on"`
	EndsOn   *string `json:"ends_on"`
}

type endAssignmentRequest struct {
	On *string `json:"on"`
}

type assignmentPersonJSON struct {
	ID                string `json:"id"`
	Name              string `json:"name"`
	NameHi            string `json:"name_hi"`
	PublicOffice      string `json:"public_office"`
	AssignmentsActive int    `json:"assignments_active"`
}

type assignmentResponse struct {
	ID        string               `json:"id"`
	PersonID  string               `json:"person_id"`
	Person    assignmentPersonJSON `json:"person"`
	UnitID    string               `json:"unit_id"`
	Unit      unitRef              `json:"unit"`
	Purpose   string               `json:"purpose"`
	StartsOn  string               `json:"starts_on"`
	EndsOn    *string              `json:"ends_on"`
	Active    bool                 `json:"active"`
	Version   int64                `json:"version"`
	CreatedBy string               `json:"created_by"`
	CreatedAt time.Time            `json:"created_at"`
	EndedBy   string               `json:"ended_by"`
	UpdatedAt time.Time            `json:"updated_at"`
}

type purposeJSON struct {
	Purpose string `json:"purpose"`
	Active  int    `json:"active"`
	Total   int    `json:"total"`
}

func (s *Server) toAssignmentResponse(v services.AssignmentView) assignmentResponse {
	a := v.Assignment
	r := assignmentResponse{ID: idString(a.ID), PersonID: idString(a.PersonID), UnitID: idString(a.UnitID),
		Person: assignmentPersonJSON{ID: idString(v.Person.ID), Name: v.Person.Name, NameHi: v.Person.NameHi, PublicOffice: v.Person.PublicOffice,
			AssignmentsActive: v.Person.Load},
		Unit:    unitRef{ID: idString(v.Unit.ID), Level: string(v.Unit.Level), Code: v.Unit.Code, Name: v.Unit.Name, NameHi: v.Unit.NameHi},
		Purpose: a.Purpose, StartsOn: string(a.StartsOn), Active: v.Active(s.Assignments.Today()), Version: a.Version,
		CreatedBy: a.CreatedByName, CreatedAt: a.CreatedAt, EndedBy: a.EndedByName, UpdatedAt: a.UpdatedAt}
	if a.EndsOn != nil {
		e := string(*a.EndsOn)
		r.EndsOn = &e
	}
	return r
}

func (s *Server) createAssignment(c *gin.Context) {
	var req createAssignmentRequest
	if !bindJSON(c, &req) {
		return
	}
	var f services.Fields
	id := func(field string, j *jsonID) *int64 {
		v, err := optID(field, j)
		f = append(f, services.FieldsOf(err)...)
		return v
	}
	in := services.AssignmentInput{PersonID: id("person_id", req.PersonID), UnitID: id("unit_id", req.UnitID), Purpose: req.Purpose, StartsOn: req.StartsOn}
	if req.EndsOn != nil {
		in.EndsOn = *req.EndsOn
	}
	if err := f.Err(); err != nil {
		writeError(c, err)
		return
	}
	v, err := s.Assignments.Create(c.Request.Context(), actor(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Assignment.Version)
	c.JSON(http.StatusCreated, s.toAssignmentResponse(v))
}

// endAssignment ends an assignment on ?on= or the body's on (default today, India time) → 204.
func (s *Server) endAssignment(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	on := c.Query("on")
	if c.Request.ContentLength != 0 && c.Request.Body != nil && c.Request.Body != http.NoBody {
		var req endAssignmentRequest
		if !bindJSON(c, &req) {
			return
		}
		if req.On != nil {
			on = *req.On
		}
	}
	if _, err := s.Assignments.End(c.Request.Context(), actor(c), id, on, version); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) getAssignment(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	v, err := s.Assignments.Get(c.Request.Context(), actor(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Assignment.Version)
	c.JSON(http.StatusOK, s.toAssignmentResponse(v))
}

func assignmentFilter(c *gin.Context) (services.AssignmentFilter, bool) {
	pr, ok := pageRequest(c)
	if !ok {
		return services.AssignmentFilter{}, false
	}
	f := services.AssignmentFilter{Purpose: c.Query("purpose"), Level: c.Query("level"), Active: c.Query("active"), On: c.Query("on"), Page: pr}
	if f.Under, ok = queryID(c, "under"); !ok {
		return f, false
	}
	if f.UnitID, ok = queryID(c, "unit_id"); !ok {
		return f, false
	}
	if f.PersonID, ok = queryID(c, "person_id"); !ok {
		return f, false
	}
	return f, true
}

func (s *Server) listAssignments(c *gin.Context) {
	f, ok := assignmentFilter(c)
	if !ok {
		return
	}
	page, err := s.Assignments.List(c.Request.Context(), actor(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, s.toAssignmentResponse))
}

func (s *Server) assignmentVacancies(c *gin.Context) {
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	page, err := s.Assignments.Vacancies(c.Request.Context(), actor(c), services.VacancyFilter{Level: c.Query("level"), Purpose: c.Query("purpose"),
		Under: under, On: c.Query("on"), Page: pr})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toUnitResponse))
}

func (s *Server) assignmentPurposes(c *gin.Context) {
	rows, err := s.Assignments.Purposes(c.Request.Context(), actor(c))
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]purposeJSON, 0, len(rows))
	for _, r := range rows {
		items = append(items, purposeJSON{Purpose: r.Purpose, Active: r.Active, Total: r.Total})
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": nil})
}

// exportAssignments streams the assignments the list would show, with the same filters, as CSV.
func (s *Server) exportAssignments(c *gin.Context) {
	f, ok := assignmentFilter(c)
	if !ok {
		return
	}
	sel, err := s.Assignments.Select(c.Request.Context(), actor(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	streamCSV(c, "assignments.csv", func(w io.Writer) error { return s.Assignments.ExportCSV(c.Request.Context(), sel, w) })
}
