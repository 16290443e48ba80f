package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

type createUserRequest struct {
	Username    string  `json:"username"`
	Password    string  `json:"password"`
	Role        string  `json:"role"`
	ScopeUnitID *jsonID `json:"scope_unit_id"`
	PersonID    *jsonID `json:"person_id"`
}

type updateUserRequest struct {
	Role        *string `json:"role"`
	ScopeUnitID *jsonID `json:"scope_unit_id"`
	Active      *bool   `json:"active"`
	Password    *string `json:"password"`
	// PersonID links the account to a person; null unlinks it.
	PersonID optional[jsonID] `json:"person_id"`
	// CurrentPassword is required when changing one's own password.
	CurrentPassword string `json:"current_password"`
}

type accountResponse struct {
	userResponse
	Scope     *unitRef  `json:"scope"`
	Active    bool      `json:"active"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toUnitRef(u *models.Unit) *unitRef {
	if u == nil {
		return nil
	}
	return &unitRef{ID: idString(u.ID), Level: string(u.Level), Code: u.Code, Name: u.Name, NameHi: u.NameHi}
}

func toAccountResponse(v services.UserView) accountResponse {
	return accountResponse{userResponse: toUserResponse(v.User), Scope: toUnitRef(v.Scope), Active: v.User.Active,
		Version: v.User.Version, CreatedAt: v.User.CreatedAt, UpdatedAt: v.User.UpdatedAt}
}

func (s *Server) createUser(c *gin.Context) {
	var req createUserRequest
	if !bindJSON(c, &req) {
		return
	}
	scope, err := optID("scope_unit_id", req.ScopeUnitID)
	if err != nil {
		writeError(c, err)
		return
	}
	person, err := optID("person_id", req.PersonID)
	if err != nil {
		writeError(c, err)
		return
	}
	v, err := s.Users.Create(c.Request.Context(), actor(c), services.UserInput{Username: req.Username, Password: req.Password,
		Role: models.Role(req.Role), ScopeUnitID: scope, PersonID: person})
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.User.Version)
	c.JSON(http.StatusCreated, toAccountResponse(v))
}

func (s *Server) listUsers(c *gin.Context) {
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	f := services.UserFilter{Under: under, Role: models.Role(c.Query("role")), Q: c.Query("q"), Page: pr}
	if f.Active, ok = queryBool(c, "active"); !ok {
		return
	}
	page, err := s.Users.List(c.Request.Context(), actor(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toAccountResponse))
}

func (s *Server) getUser(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	v, err := s.Users.Get(c.Request.Context(), actor(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.User.Version)
	c.JSON(http.StatusOK, toAccountResponse(v))
}

func (s *Server) updateUser(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req updateUserRequest
	if !bindJSON(c, &req) {
		return
	}
	scope, err := optID("scope_unit_id", req.ScopeUnitID)
	if err != nil {
		writeError(c, err)
		return
	}
	p := services.UserPatch{ScopeUnitID: scope, Active: req.Active, Password: req.Password, CurrentPassword: req.CurrentPassword, IfMatch: version}
	if req.PersonID.Set {
		p.PersonID.Set = true
		if req.PersonID.Value != nil {
			pid, err := req.PersonID.Value.parse("person_id")
			if err != nil {
				writeError(c, err)
				return
			}
			p.PersonID.Value = &pid
		}
	}
	if req.Role != nil {
		r := models.Role(*req.Role)
		p.Role = &r
	}
	v, err := s.Users.Update(c.Request.Context(), actor(c), id, p)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.User.Version)
	c.JSON(http.StatusOK, toAccountResponse(v))
}

func (s *Server) deleteUser(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	if err := s.Users.DeactivateIfMatch(c.Request.Context(), actor(c), id, version); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
