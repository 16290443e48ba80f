package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

type auditResponse struct {
	ID            string          `json:"id"`
	At            time.Time       `json:"at"`
	ActorID       *string         `json:"actor_id"`
	ActorUsername string          `json:"actor_username"`
	Action        string          `json:"action"`
	Entity        string          `json:"entity"`
	EntityID      string          `json:"entity_id"`
	UnitID        *string         `json:"unit_id"`
	RequestID     string          `json:"request_id"`
	Before        json.RawMessage `json:"before"`
	After         json.RawMessage `json:"after"`
}

func rawJSON(s *string) json.RawMessage {
	if s == nil {
		return json.RawMessage("null")
	}
	return json.RawMessage(*s)
}

func toAuditResponse(e models.AuditEntry) auditResponse {
	return auditResponse{ID: idString(e.ID), At: e.At, ActorID: optIDString(e.ActorID), ActorUsername: e.ActorUsername,
		Action: e.Action, Entity: e.Entity, EntityID: e.EntityID, UnitID: optIDString(e.UnitID), RequestID: e.RequestID,
		Before: rawJSON(e.Before), After: rawJSON(e.After)}
}

func (s *Server) listAudit(c *gin.Context) {
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	actorID, ok := queryID(c, "actor")
	if !ok {
		return
	}
	f := services.AuditFilter{Under: under, ActorID: actorID, Page: pr}
	if v := c.Query("since"); v != "" {
		t, err := parseSince(v)
		if err != nil {
			fail(c, http.StatusUnprocessableEntity, "validation failed", services.FieldError{Field: "since", Message: "must be a date (YYYY-MM-DD) or an RFC 3339 time", Code: "date_invalid"})
			return
		}
		f.Since = &t
	}
	page, err := s.Audit.List(c.Request.Context(), actor(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toAuditResponse))
}

func parseSince(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	return time.Parse(time.DateOnly, v)
}
