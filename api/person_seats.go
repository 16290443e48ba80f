package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

// personSeatHeldJSON is a seat a person holds or held; until is null while it is current.
type personSeatHeldJSON struct {
	ID       string     `json:"id"`
	Unit     unitRef    `json:"unit"`
	Position string     `json:"position"`
	Since    time.Time  `json:"since"`
	Until    *time.Time `json:"until"`
}

type personSeatsResponse struct {
	Items []personSeatHeldJSON `json:"items"`
}

func toPersonSeatsResponse(seats []services.SeatHeld) personSeatsResponse {
	out := personSeatsResponse{Items: make([]personSeatHeldJSON, 0, len(seats))}
	for _, st := range seats {
		out.Items = append(out.Items, personSeatHeldJSON{ID: idString(st.ID), Position: string(st.Position), Since: st.Since, Until: st.Until,
			Unit: unitRef{ID: idString(st.Unit.ID), Level: string(st.Unit.Level), Code: st.Unit.Code, Name: st.Unit.Name, NameHi: st.Unit.NameHi}})
	}
	return out
}

func (s *Server) listPersonSeats(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	seats, err := s.People.Seats(c.Request.Context(), actor(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toPersonSeatsResponse(seats))
}
