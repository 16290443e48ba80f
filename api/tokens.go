package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

type createTokenRequest struct {
	Name          string `json:"name"`
	ExpiresInDays int    `json:"expires_in_days"`
}

type tokenResponse struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Token      string     `json:"token,omitempty"` // the secret: only in the answer to its creation
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

func toTokenResponse(t models.APIToken) tokenResponse {
	return tokenResponse{ID: idString(t.ID), Name: t.Name, ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt, CreatedAt: t.CreatedAt}
}

func (s *Server) createToken(c *gin.Context) {
	var req createTokenRequest
	if !bindJSON(c, &req) {
		return
	}
	nt, err := s.Tokens.Create(c.Request.Context(), actor(c), services.TokenInput{Name: req.Name, ExpiresInDays: req.ExpiresInDays})
	if err != nil {
		writeError(c, err)
		return
	}
	r := toTokenResponse(nt.Token)
	r.Token = nt.Secret
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, r)
}

func (s *Server) listTokens(c *gin.Context) {
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	page, err := s.Tokens.List(c.Request.Context(), actor(c), pr)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toTokenResponse))
}

func (s *Server) deleteToken(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if err := s.Tokens.Revoke(c.Request.Context(), actor(c), id); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
