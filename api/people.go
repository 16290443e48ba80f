package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

type personRequest struct {
	Name         *string          `json:"name"`
	NameHi       *string          `json:"name_hi"`
	Gender       *string          `json:"gender"`
	BirthYear    optional[int]    `json:"birth_year"`
	Phone        optional[string] `json:"phone"`
	VoterID      optional[string] `json:"voter_id"`
	Category     *string          `json:"category"`
	Religion     optional[string] `json:"religion"`
	Caste        optional[string] `json:"caste"`
	HomeUnitID   optional[jsonID] `json:"home_unit_id"`
	MembershipNo optional[string] `json:"membership_no"`
	PublicOffice optional[string] `json:"public_office"`
}

// personResponse leaves out, rather than nulls, the fields the caller may not see.
type personResponse struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	NameHi       string            `json:"name_hi"`
	Gender       string            `json:"gender"`
	BirthYear    any               `json:"birth_year,omitempty"`
	Phone        any               `json:"phone,omitempty"` // absent when the caller may not see it, null when unknown
	VoterID      any               `json:"voter_id,omitempty"`
	Category     any               `json:"category,omitempty"`
	Religion     any               `json:"religion,omitempty"`
	Caste        any               `json:"caste,omitempty"`
	HomeUnitID   *string           `json:"home_unit_id"`
	UnitID       string            `json:"unit_id"`
	MembershipNo string            `json:"membership_no"`
	PublicOffice string            `json:"public_office"`
	Version      int64             `json:"version"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	HomeUnit     *unitRef          `json:"home_unit,omitempty"`     // the unit that looks after the person (lists and GET)
	CurrentSeats *[]personSeatJSON `json:"current_seats,omitempty"` // where they sit now (lists and GET)
	// SeatsElsewhere counts current seats on committees outside the reader's scope, left out of
	// current_seats (lists and GET).
	SeatsElsewhere *int `json:"seats_elsewhere,omitempty"`
	// AssignmentsActive is the person's load: in-charge assignments active today (lists and GET).
	AssignmentsActive *int `json:"assignments_active,omitempty"`
	// ErasedAt is when the person's personal data was erased (docs/PRIVACY.md); absent otherwise.
	ErasedAt *time.Time `json:"erased_at,omitempty"`
}

func toPersonResponse(v services.PersonView) personResponse {
	p := v.Person
	r := personResponse{ID: idString(p.ID), Name: p.Name, NameHi: p.NameHi, Gender: string(p.Gender), BirthYear: p.BirthYear,
		Category: string(p.Category), HomeUnitID: optIDString(p.HomeUnitID), UnitID: idString(p.UnitID),
		MembershipNo: p.MembershipNo, PublicOffice: p.PublicOffice, Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		ErasedAt: p.ErasedAt}
	if !v.Profile {
		r.BirthYear, r.Category = nil, nil
	}
	if v.Sensitive {
		r.Phone, r.VoterID = p.Phone, p.VoterID
	}
	if v.Community {
		r.Caste, r.Religion = p.Caste, p.Religion
	}
	if v.Home != nil {
		r.HomeUnit = &unitRef{ID: idString(v.Home.ID), Level: string(v.Home.Level), Code: v.Home.Code, Name: v.Home.Name, NameHi: v.Home.NameHi}
	}
	if v.Seats != nil {
		seats := make([]personSeatJSON, 0, len(v.Seats))
		for _, st := range v.Seats {
			seats = append(seats, personSeatJSON{Unit: unitRef{ID: idString(st.Unit.ID), Level: string(st.Unit.Level), Code: st.Unit.Code,
				Name: st.Unit.Name, NameHi: st.Unit.NameHi}, Position: string(st.Position)})
		}
		r.CurrentSeats = &seats
		n := v.SeatsElsewhere
		r.SeatsElsewhere = &n
		load := v.AssignmentsActive
		r.AssignmentsActive = &load
	}
	return r
}

// personSeatJSON is a current seat of a person, in a list or picker.
type personSeatJSON struct {
	Unit     unitRef `json:"unit"`
	Position string  `json:"position"`
}

func strOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// edit applies the fields the request names onto the stored values.
func (req personRequest) edit(in *services.PersonInput) error {
	if req.Name != nil {
		in.Name = *req.Name
	}
	if req.NameHi != nil {
		in.NameHi = *req.NameHi
	}
	if req.Gender != nil {
		in.Gender = models.Gender(*req.Gender)
	}
	if req.Category != nil {
		in.Category = models.Category(*req.Category)
	}
	if req.BirthYear.Set {
		in.BirthYear = req.BirthYear.Value
	}
	if req.Phone.Set {
		in.Phone = strOr(req.Phone.Value)
	}
	if req.VoterID.Set {
		in.VoterID = strOr(req.VoterID.Value)
	}
	if req.Religion.Set {
		in.Religion = strOr(req.Religion.Value)
	}
	if req.Caste.Set {
		in.Caste = strOr(req.Caste.Value)
	}
	if req.MembershipNo.Set {
		in.MembershipNo = strOr(req.MembershipNo.Value)
	}
	if req.PublicOffice.Set {
		in.PublicOffice = strOr(req.PublicOffice.Value)
	}
	if req.HomeUnitID.Set {
		in.HomeUnitID = nil
		if req.HomeUnitID.Value != nil {
			id, err := req.HomeUnitID.Value.parse("home_unit_id")
			if err != nil {
				return err
			}
			in.HomeUnitID = &id
		}
	}
	return nil
}

func (s *Server) createPerson(c *gin.Context) {
	var req personRequest
	if !bindJSON(c, &req) {
		return
	}
	var in services.PersonInput
	if err := req.edit(&in); err != nil {
		writeError(c, err)
		return
	}
	v, err := s.People.Create(c.Request.Context(), actor(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Person.Version)
	c.JSON(http.StatusCreated, toPersonResponse(v))
}

func (s *Server) listPeople(c *gin.Context) {
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	home, ok := queryID(c, "home_unit_id")
	if !ok {
		return
	}
	near, ok := queryID(c, "near")
	if !ok {
		return
	}
	var offices []string
	if v := c.Query("public_office"); v != "" {
		offices = strings.Split(v, ",")
	}
	page, err := s.People.List(c.Request.Context(), actor(c), services.PersonFilter{Under: under, HomeUnitID: home, Near: near,
		Category: models.Category(c.Query("category")), Gender: models.Gender(c.Query("gender")), Q: c.Query("q"), PublicOffices: offices, Page: pr})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toPersonResponse))
}

func (s *Server) getPerson(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	v, err := s.People.Get(c.Request.Context(), actor(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Person.Version)
	c.JSON(http.StatusOK, toPersonResponse(v))
}

func (s *Server) updatePerson(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req personRequest
	if !bindJSON(c, &req) {
		return
	}
	v, err := s.People.UpdateIfMatch(c.Request.Context(), actor(c), id, version, req.edit)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Person.Version)
	c.JSON(http.StatusOK, toPersonResponse(v))
}

func (s *Server) deletePerson(c *gin.Context) { deleteIfMatch(c, s.People.DeleteIfMatch) }
