package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

// sessionItem is one open login as GET /me/sessions lists it: never a token, never an address.
type sessionItem struct {
	ID         string    `json:"id"`
	Device     string    `json:"device"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	Current    bool      `json:"current"`
}

func toSessionItem(v services.SessionView) sessionItem {
	return sessionItem{ID: idString(v.ID), Device: v.Device, CreatedAt: v.CreatedAt, LastUsedAt: v.LastUsedAt, Current: v.Current}
}

// withClient hands the services what a login records of its caller (the device label comes
// from the User-Agent; the address is not kept).
func withClient(c *gin.Context) {
	c.Request = c.Request.WithContext(services.WithClient(c.Request.Context(),
		services.Client{UserAgent: c.Request.UserAgent(), RequestID: requestID(c)}))
}

// sessionsOf serves GET /me/sessions and GET /users/{id}/sessions.
func (s *Server) sessionsOf(c *gin.Context, userID int64) {
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	page, err := s.Users.Sessions(c.Request.Context(), actor(c), userID, pr)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, newList(page, toSessionItem))
}

func (s *Server) listMySessions(c *gin.Context) { s.sessionsOf(c, actor(c).UserID) }

func (s *Server) listUserSessions(c *gin.Context) {
	if id, ok := pathID(c, "id"); ok {
		s.sessionsOf(c, id)
	}
}

// revokeSessionOf serves DELETE /me/sessions/{session_id} and /users/{id}/sessions/{session_id}.
func (s *Server) revokeSessionOf(c *gin.Context, userID int64) {
	sid, ok := pathID(c, "session_id")
	if !ok {
		return
	}
	if err := s.Users.RevokeSession(c.Request.Context(), actor(c), userID, sid); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) revokeMySession(c *gin.Context) { s.revokeSessionOf(c, actor(c).UserID) }

func (s *Server) revokeUserSession(c *gin.Context) {
	if id, ok := pathID(c, "id"); ok {
		s.revokeSessionOf(c, id)
	}
}

// signOutEverywhere serves DELETE /me/sessions: every login of the caller ends, this one too,
// so the browser's refresh cookie goes as at logout.
func (s *Server) signOutEverywhere(c *gin.Context) {
	if _, err := s.Users.EndAllSessions(c.Request.Context(), actor(c), actor(c).UserID); err != nil {
		writeError(c, err)
		return
	}
	s.clearSessionCookies(c)
	c.Status(http.StatusNoContent)
}

// endUserSessions serves DELETE /users/{id}/sessions: every login of that account ends.
func (s *Server) endUserSessions(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if _, err := s.Users.EndAllSessions(c.Request.Context(), actor(c), id); err != nil {
		writeError(c, err)
		return
	}
	if id == actor(c).UserID {
		s.clearSessionCookies(c)
	}
	c.Status(http.StatusNoContent)
}
