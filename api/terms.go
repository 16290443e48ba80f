package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// Committee terms (issue 12): the committees due for reconstitution, reconstituting one, and the
// term length and grace period per level, set with the committee norms.

type termResponse struct {
	StartedOn string `json:"started_on"`
	EndsOn    string `json:"ends_on"`
	Months    int    `json:"months"`
	DaysLeft  int    `json:"days_left"`
	GraceDays int    `json:"grace_days"`
	PastTerm  bool   `json:"past_term"`
}

func toTermResponse(t services.Term) termResponse {
	return termResponse{StartedOn: string(t.StartedOn), EndsOn: string(t.EndsOn), Months: t.Months, DaysLeft: t.DaysLeft,
		GraceDays: t.GraceDays, PastTerm: t.Lapsed}
}

type dueCommitteeResponse struct {
	UnitID        string  `json:"unit_id"`
	Unit          unitRef `json:"unit"`
	TermStartedOn string  `json:"term_started_on"`
	TermEndsOn    string  `json:"term_ends_on"`
	DaysLeft      int     `json:"days_left"`
	Seats         int     `json:"seats"`
	Version       int64   `json:"version"`
}

func toDueCommitteeResponse(d services.DueCommittee) dueCommitteeResponse {
	u := d.Unit
	return dueCommitteeResponse{UnitID: idString(u.ID),
		Unit:          unitRef{ID: idString(u.ID), Level: string(u.Level), Code: u.Code, Name: u.Name, NameHi: u.NameHi, NameHiTransliterated: transliterated(u.Name, u.NameHi)},
		TermStartedOn: string(d.TermStartedOn), TermEndsOn: string(d.TermEndsOn), DaysLeft: d.DaysLeft, Seats: d.Seats, Version: u.Version}
}

type reconstituteRequest struct {
	On string `json:"on"`
}

type committeeNormResponse struct {
	Level             string   `json:"level"`
	MinSeats          int      `json:"min_seats"`
	MaxSeats          int      `json:"max_seats"`
	RequiredPositions []string `json:"required_positions"`
	TermMonths        int      `json:"term_months"`
	GraceDays         int      `json:"grace_days"`
}

func toCommitteeNormResponse(n models.CommitteeNorm) committeeNormResponse {
	return committeeNormResponse{Level: string(n.Level), MinSeats: n.MinSeats, MaxSeats: n.MaxSeats,
		RequiredPositions: splitList(n.RequiredPositions), TermMonths: n.TermMonths, GraceDays: n.GraceDays}
}

type updateCommitteeNormRequest struct {
	TermMonths *int `json:"term_months"`
	GraceDays  *int `json:"grace_days"`
}

func (s *Server) dueCommittees(c *gin.Context) {
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	within, ok := queryInt(c, "within_days")
	if !ok {
		return
	}
	page, err := s.Committees.Due(c.Request.Context(), actor(c), under, within, pr)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toDueCommitteeResponse))
}

func (s *Server) reconstituteCommittee(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req reconstituteRequest
	if !bindJSON(c, &req) {
		return
	}
	v, err := s.Committees.Reconstitute(c.Request.Context(), actor(c), id, req.On, version)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toCommitteeResponse(v))
}

func (s *Server) listCommitteeNorms(c *gin.Context) {
	ns, err := s.Committees.Norms(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]committeeNormResponse, 0, len(ns))
	for _, n := range ns {
		items = append(items, toCommitteeNormResponse(n))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": nil})
}

func (s *Server) updateCommitteeNorm(c *gin.Context) {
	var req updateCommitteeNormRequest
	if !bindJSON(c, &req) {
		return
	}
	n, err := s.Committees.SetNorm(c.Request.Context(), actor(c), models.Level(c.Param("level")), services.NormPatch{TermMonths: req.TermMonths, GraceDays: req.GraceDays})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toCommitteeNormResponse(n))
}
