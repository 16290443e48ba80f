package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

type seatRequest struct {
	PersonID *jsonID `json:"person_id"`
	Position string  `json:"position"`
}

type seatResponse struct {
	ID       string         `json:"id"`
	UnitID   string         `json:"unit_id"`
	Person   personResponse `json:"person"`
	Position string         `json:"position"`
	Since    time.Time      `json:"since"`
	EndedAt  *time.Time     `json:"ended_at"`
	EndedBy  *string        `json:"ended_by"`
}

type normResponse struct {
	MinSeats          int      `json:"min_seats"`
	MaxSeats          int      `json:"max_seats"`
	RequiredPositions []string `json:"required_positions"`
}

type compositionResponse struct {
	Seats      int            `json:"seats"`
	ByCategory map[string]int `json:"by_category"`
	ByGender   map[string]int `json:"by_gender"`
	Minority   int            `json:"minority"`
}

type committeeResponse struct {
	UnitID      string              `json:"unit_id"`
	Complete    bool                `json:"complete"`
	Norm        normResponse        `json:"norm"`
	Seats       []seatResponse      `json:"seats"`
	Composition compositionResponse `json:"composition"`
	Term        termResponse        `json:"term"`
}

func toSeatResponse(v services.SeatView) seatResponse {
	return seatResponse{ID: idString(v.Seat.ID), UnitID: idString(v.Seat.UnitID), Person: toPersonResponse(v.Person),
		Position: string(v.Seat.Position), Since: v.Seat.Since, EndedAt: v.Seat.EndedAt, EndedBy: optIDString(v.Seat.EndedBy)}
}

func toCommitteeResponse(v services.CommitteeView) committeeResponse {
	r := committeeResponse{UnitID: idString(v.Unit.ID), Complete: v.Complete, Seats: make([]seatResponse, 0, len(v.Seats)),
		Norm: normResponse{MinSeats: v.Norm.MinSeats, MaxSeats: v.Norm.MaxSeats, RequiredPositions: splitList(v.Norm.RequiredPositions)},
		Composition: compositionResponse{Seats: v.Composition.Seats, Minority: v.Composition.Minority,
			ByCategory: map[string]int{}, ByGender: map[string]int{}},
		Term: toTermResponse(v.Term)}
	for _, st := range v.Seats {
		r.Seats = append(r.Seats, toSeatResponse(st))
	}
	for k, n := range v.Composition.ByCategory {
		r.Composition.ByCategory[string(k)] = n
	}
	for k, n := range v.Composition.ByGender {
		r.Composition.ByGender[string(k)] = n
	}
	return r
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' })
}

func (s *Server) getCommittee(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	v, err := s.Committees.Get(c.Request.Context(), actor(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toCommitteeResponse(v))
}

func (s *Server) createSeat(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req seatRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.PersonID == nil {
		fail(c, http.StatusUnprocessableEntity, "validation failed", services.FieldError{Field: "person_id", Message: "is required", Code: "required"})
		return
	}
	pid, err := req.PersonID.parse("person_id")
	if err != nil {
		writeError(c, err)
		return
	}
	v, err := s.Committees.Seat(c.Request.Context(), actor(c), id, pid, models.Position(req.Position))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toSeatResponse(v))
}

func (s *Server) deleteSeat(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	seat, ok := pathID(c, "seat_id")
	if !ok {
		return
	}
	if err := s.Committees.EndSeat(c.Request.Context(), actor(c), id, seat); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) committeeHistory(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	page, err := s.Committees.History(c.Request.Context(), actor(c), id, pr)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toSeatResponse))
}

type batchSeatRequest struct {
	PersonID *jsonID        `json:"person_id"`
	Person   *personRequest `json:"person"`
	Position string         `json:"position"`
}

type batchRequest struct {
	Seats []batchSeatRequest `json:"seats"`
}

// createSeatBatch is POST …/committee/batch: a whole committee in one request, all or nothing.
func (s *Server) createSeatBatch(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req batchRequest
	if !bindJSON(c, &req) {
		return
	}
	if len(req.Seats) > services.MaxBatchSeats {
		fail(c, http.StatusUnprocessableEntity, "validation failed", services.FieldError{Field: "seats",
			Message: "may list at most " + strconv.Itoa(services.MaxBatchSeats) + " seats", Code: "list_too_long", Params: map[string]any{"max": services.MaxBatchSeats}})
		return
	}
	rows := make([]services.BatchSeat, len(req.Seats))
	var bad []services.FieldError
	for i, r := range req.Seats {
		at := "seats[" + strconv.Itoa(i) + "]"
		rows[i].Position = models.Position(r.Position)
		if r.PersonID != nil {
			pid, err := r.PersonID.parse(at + ".person_id")
			if err != nil {
				bad = append(bad, services.FieldsOf(err)...)
				continue
			}
			rows[i].PersonID = &pid
		}
		if r.Person != nil {
			var in services.PersonInput
			if err := r.Person.edit(&in); err != nil {
				for _, fe := range services.FieldsOf(err) {
					bad = append(bad, services.FieldError{Field: at + ".person." + fe.Field, Message: fe.Message, Code: fe.Code, Params: fe.Params})
				}
				continue
			}
			rows[i].Person = &in
		}
	}
	if len(bad) > 0 {
		fail(c, http.StatusUnprocessableEntity, "validation failed", bad...)
		return
	}
	v, err := s.Committees.SeatBatch(c.Request.Context(), actor(c), id, rows)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toCommitteeResponse(v))
}
