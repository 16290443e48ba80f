package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

const refreshCookie = "sangathan_refresh"

// sessionCookie tells the web UI, which cannot read the HttpOnly refresh cookie, that one may
// exist, so a first visit does not send a refresh that is sure to fail. It holds no secret: it
// lives and dies with the refresh cookie.
const sessionCookie = "sangathan_session"

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

type userResponse struct {
	ID          string  `json:"id"`
	Username    string  `json:"username"`
	Role        string  `json:"role"`
	ScopeUnitID *string `json:"scope_unit_id"`
	PersonID    *string `json:"person_id"`
}

type sessionResponse struct {
	AccessToken  string       `json:"access_token"`
	TokenType    string       `json:"token_type"`
	ExpiresIn    int          `json:"expires_in"`
	RefreshToken string       `json:"refresh_token"`
	User         userResponse `json:"user"`
	// RecoveryCodes come once, with the session that finishes an enrolment during login.
	RecoveryCodes []string `json:"recovery_codes,omitempty"`
}

func toUserResponse(u models.User) userResponse {
	return userResponse{ID: idString(u.ID), Username: u.Username, Role: string(u.Role), ScopeUnitID: optIDString(u.ScopeUnitID), PersonID: optIDString(u.PersonID)}
}

func (s *Server) writeSession(c *gin.Context, ses services.Session) {
	// A new login's rows (its session, its refresh token) are read back at once, as by the list
	// of one's sessions: with a replica, from the primary until the replica has them.
	s.markWrite(c, ses.User.ID)
	// The browser keeps the refresh token only in this cookie, out of reach of scripts.
	http.SetCookie(c.Writer, &http.Cookie{Name: refreshCookie, Value: ses.RefreshToken, Path: "/api/v1/auth",
		MaxAge: int(services.RefreshTokenTTL.Seconds()), HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteStrictMode})
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "1", Path: "/",
		MaxAge: int(services.RefreshTokenTTL.Seconds()), Secure: s.SecureCookies, SameSite: http.SameSiteStrictMode})
	c.JSON(http.StatusOK, sessionResponse{AccessToken: ses.AccessToken, TokenType: "Bearer", ExpiresIn: ses.ExpiresIn,
		RefreshToken: ses.RefreshToken, User: toUserResponse(ses.User), RecoveryCodes: ses.RecoveryCodes})
}

func (s *Server) login(c *gin.Context) {
	var req loginRequest
	if !bindJSON(c, &req) {
		return
	}
	var f services.Fields
	if req.Username == "" {
		f.AddCode("username", "required", nil, "is required")
	}
	if req.Password == "" {
		f.AddCode("password", "required", nil, "is required")
	}
	if err := f.Err(); err != nil {
		writeError(c, err)
		return
	}
	ses, err := s.Auth.Login(c.Request.Context(), req.Username, req.Password, c.ClientIP())
	if err != nil {
		writeError(c, err)
		return
	}
	if ses.Challenge != "" { // two-step verification: no tokens yet
		writeChallenge(c, ses)
		return
	}
	s.writeSession(c, ses)
}

// refreshToken takes the token from the body or, for the browser, from the cookie.
func refreshToken(c *gin.Context) (string, bool) {
	var req refreshRequest
	if c.Request.ContentLength != 0 {
		if !bindJSON(c, &req) {
			return "", false
		}
	}
	if req.RefreshToken == "" {
		if ck, err := c.Cookie(refreshCookie); err == nil {
			req.RefreshToken = ck
		}
	}
	return req.RefreshToken, true
}

func (s *Server) refresh(c *gin.Context) {
	tok, ok := refreshToken(c)
	if !ok {
		return
	}
	if tok == "" {
		writeError(c, &services.Error{Code: services.EUnauthenticated, Message: "a refresh token is required", Fields: []services.FieldError{{Field: "refresh_token", Message: "is required", Code: "required"}}})
		return
	}
	ses, err := s.Auth.Refresh(c.Request.Context(), tok)
	if err != nil {
		writeError(c, err)
		return
	}
	s.writeSession(c, ses)
}

func (s *Server) logout(c *gin.Context) {
	tok, ok := refreshToken(c)
	if !ok {
		return
	}
	if tok != "" {
		if err := s.Auth.Logout(c.Request.Context(), tok); err != nil {
			writeError(c, err)
			return
		}
	}
	s.clearSessionCookies(c)
	c.Status(http.StatusNoContent)
}

// clearSessionCookies drops the browser's refresh cookie and its marker.
func (s *Server) clearSessionCookies(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: refreshCookie, Value: "", Path: "/api/v1/auth", MaxAge: -1, HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteStrictMode})
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Secure: s.SecureCookies, SameSite: http.SameSiteStrictMode})
}

func (s *Server) me(c *gin.Context) {
	v, err := s.Users.Get(c.Request.Context(), actor(c), actor(c).UserID)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toAccountResponse(v))
}
