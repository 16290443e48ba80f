package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

type auditResponse struct {
	ID            string                `json:"id"`
	At            time.Time             `json:"at"`
	ActorID       *string               `json:"actor_id"`
	ActorUsername string                `json:"actor_username"`
	Action        string                `json:"action"`
	Entity        string                `json:"entity"`
	EntityID      string                `json:"entity_id"`
	UnitID        *string               `json:"unit_id"`
	RequestID     string                `json:"request_id"`
	Before        json.RawMessage       `json:"before"`
	After         json.RawMessage       `json:"after"`
	Actor         auditActorResponse    `json:"actor"`
	Target        auditTargetResponse   `json:"target"`
	Changes       []auditChangeResponse `json:"changes"`
}

// auditActorResponse is who made a change, as the reader may know them.
type auditActorResponse struct {
	Username string  `json:"username"`
	Role     *string `json:"role"`
	Name     *string `json:"name"`
	NameHi   *string `json:"name_hi"`
}

// auditRefResponse names a record an audit row mentions; hidden records have no id or name.
type auditRefResponse struct {
	Kind     string            `json:"kind"`
	ID       *string           `json:"id"`
	Hidden   bool              `json:"hidden"`
	Name     *string           `json:"name"`
	NameHi   *string           `json:"name_hi"`
	Level    string            `json:"level,omitempty"`
	Number   *int              `json:"number,omitempty"`
	Within   *auditRefResponse `json:"within,omitempty"`
	Username string            `json:"username,omitempty"`
	Role     string            `json:"role,omitempty"`
}

// auditTargetResponse is what a row is about.
type auditTargetResponse struct {
	auditRefResponse
	Person   *auditRefResponse `json:"person,omitempty"`
	Unit     *auditRefResponse `json:"unit,omitempty"`
	Position string            `json:"position,omitempty"`
	Created  *int              `json:"created,omitempty"`
	Updated  *int              `json:"updated,omitempty"`
	Rows     *int              `json:"rows,omitempty"`
}

type auditChangeResponse struct {
	Field  string `json:"field"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

func rawJSON(s *string) json.RawMessage {
	if s == nil {
		return json.RawMessage("null")
	}
	return json.RawMessage(*s)
}

func optText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toAuditRef(r *services.AuditRef) *auditRefResponse {
	if r == nil {
		return nil
	}
	out := auditRefResponse{Kind: r.Kind, Hidden: r.Hidden}
	if r.Hidden {
		return &out
	}
	if r.ID != 0 {
		out.ID = ptrTo(idString(r.ID))
	}
	out.Name, out.NameHi, out.Level, out.Number = optText(r.Name), optText(r.NameHi), string(r.Level), r.Number
	out.Within, out.Username, out.Role = toAuditRef(r.Within), r.Username, string(r.Role)
	return &out
}

func ptrTo[T any](v T) *T { return &v }

func toAuditResponse(v services.AuditView) auditResponse {
	e := v.AuditEntry
	out := auditResponse{ID: idString(e.ID), At: e.At, ActorID: optIDString(e.ActorID), ActorUsername: e.ActorUsername,
		Action: e.Action, Entity: e.Entity, EntityID: e.EntityID, UnitID: optIDString(e.UnitID), RequestID: e.RequestID,
		Before: rawJSON(e.Before), After: rawJSON(e.After),
		Actor: auditActorResponse{Username: v.Actor.Username, Role: optText(string(v.Actor.Role)), Name: optText(v.Actor.Name), NameHi: optText(v.Actor.NameHi)},
		Target: auditTargetResponse{auditRefResponse: *toAuditRef(&v.Target.AuditRef), Person: toAuditRef(v.Target.Person),
			Unit: toAuditRef(v.Target.Unit), Position: v.Target.Position, Created: v.Target.Created, Updated: v.Target.Updated, Rows: v.Target.Rows},
		Changes: make([]auditChangeResponse, 0, len(v.Changes))}
	for _, c := range v.Changes {
		out.Changes = append(out.Changes, auditChangeResponse{Field: c.Field, Before: auditValue(c.Before), After: auditValue(c.After)})
	}
	return out
}

// auditValue writes a changed value: references as named records, the rest as stored.
func auditValue(v any) any {
	if r, ok := v.(*services.AuditRef); ok {
		return toAuditRef(r)
	}
	return v
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
