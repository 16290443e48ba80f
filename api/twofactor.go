package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

// Two-step verification: the second step of a login, enrolment during login, the user's own
// settings under /me and an administrator's reset.

// challengeResponse answers a right password of an account that needs a second step. It has no
// access_token, so a client that knows nothing of two-step verification does not log in.
type challengeResponse struct {
	SecondFactor string       `json:"second_factor"`
	Challenge    string       `json:"challenge"`
	ExpiresIn    int          `json:"expires_in"`
	User         userResponse `json:"user"`
}

type challengeRequest struct {
	Challenge string `json:"challenge"`
}

type secondFactorRequest struct {
	Challenge    string `json:"challenge"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}

type enrolmentResponse struct {
	Secret     string `json:"secret"`
	OtpauthURI string `json:"otpauth_uri"`
	QR         string `json:"qr"`
}

type codeRequest struct {
	Code string `json:"code"`
}

type disableSecondFactorRequest struct {
	CurrentPassword string `json:"current_password"`
	Code            string `json:"code"`
}

type recoveryCodesResponse struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

type secondFactorStatusResponse struct {
	Enabled           bool       `json:"enabled"`
	Pending           bool       `json:"pending"`
	Required          bool       `json:"required"`
	EnabledAt         *time.Time `json:"enabled_at"`
	RecoveryCodesLeft int        `json:"recovery_codes_left"`
}

func toEnrolmentResponse(e services.Enrolment) enrolmentResponse {
	return enrolmentResponse{Secret: e.Secret, OtpauthURI: e.URI, QR: e.QR}
}

// writeChallenge answers the first step of a login that needs a second one.
func writeChallenge(c *gin.Context, ses services.Session) {
	c.JSON(http.StatusOK, challengeResponse{SecondFactor: ses.SecondFactor, Challenge: ses.Challenge, ExpiresIn: ses.ChallengeExpiresIn, User: toUserResponse(ses.User)})
}

func (s *Server) loginSecondFactor(c *gin.Context) {
	var req secondFactorRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.Challenge == "" {
		writeError(c, &services.Error{Code: services.EInvalid, Message: "the challenge is required", Fields: []services.FieldError{{Field: "challenge", Code: "required", Message: "is required"}}})
		return
	}
	ses, err := s.Auth.CompleteLogin(c.Request.Context(), services.SecondFactorInput{Challenge: req.Challenge, Code: req.Code, RecoveryCode: req.RecoveryCode, ClientIP: c.ClientIP()})
	if err != nil {
		writeError(c, err)
		return
	}
	s.writeSession(c, ses)
}

func (s *Server) loginEnrol(c *gin.Context) {
	var req challengeRequest
	if !bindJSON(c, &req) {
		return
	}
	e, err := s.Auth.EnrolDuringLogin(c.Request.Context(), req.Challenge)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toEnrolmentResponse(e))
}

func (s *Server) getSecondFactor(c *gin.Context) {
	st, err := s.Auth.SecondFactorStatus(c.Request.Context(), actor(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, secondFactorStatusResponse{Enabled: st.Enabled, Pending: st.Pending, Required: st.Required, EnabledAt: st.EnabledAt, RecoveryCodesLeft: st.RecoveryCodesLeft})
}

func (s *Server) startSecondFactor(c *gin.Context) {
	e, err := s.Auth.StartEnrolment(c.Request.Context(), actor(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toEnrolmentResponse(e))
}

func (s *Server) confirmSecondFactor(c *gin.Context) {
	var req codeRequest
	if !bindJSON(c, &req) {
		return
	}
	codes, err := s.Auth.ConfirmEnrolment(c.Request.Context(), actor(c), req.Code, c.ClientIP())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, recoveryCodesResponse{RecoveryCodes: codes})
}

func (s *Server) regenerateRecoveryCodes(c *gin.Context) {
	var req codeRequest
	if !bindJSON(c, &req) {
		return
	}
	codes, err := s.Auth.RegenerateRecoveryCodes(c.Request.Context(), actor(c), req.Code, c.ClientIP())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, recoveryCodesResponse{RecoveryCodes: codes})
}

func (s *Server) disableSecondFactor(c *gin.Context) {
	var req disableSecondFactorRequest
	if !bindJSON(c, &req) {
		return
	}
	err := s.Auth.DisableSecondFactor(c.Request.Context(), actor(c), services.DisableSecondFactorInput{CurrentPassword: req.CurrentPassword, Code: req.Code, ClientIP: c.ClientIP()})
	if err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) resetSecondFactor(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if err := s.Users.ResetSecondFactor(c.Request.Context(), actor(c), id); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
