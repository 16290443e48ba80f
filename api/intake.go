package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

// Public intake: anyone may report an incident and later look up where it stands, without a
// login, within per-address limits; the state office works the review queue.

// MaxPublicBody is the largest report the public may send: a description of 4,000 characters
// escaped as JSON (\uXXXX, six bytes each) and the other fields fit well inside it.
const MaxPublicBody = 32 << 10

type publicReportRequest struct {
	DistrictCode string `json:"district_code"`
	Place        string `json:"place"`
	OccurredOn   string `json:"occurred_on"`
	Description  string `json:"description"`
	Contact      string `json:"contact"`
	// Website is the honeypot: hidden from people by the form, filled only by robots.
	Website string `json:"website"`
}

type trackingCodeResponse struct {
	TrackingCode string `json:"tracking_code"`
}

type publicDistrict struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameHi string `json:"name_hi"`
}

type trackingStepJSON struct {
	Status string `json:"status"`
	On     string `json:"on"`
}

type trackingResponse struct {
	TrackingCode string             `json:"tracking_code"`
	Status       string             `json:"status"`
	District     publicDistrict     `json:"district"`
	OccurredOn   string             `json:"occurred_on"`
	Timeline     []trackingStepJSON `json:"timeline"`
}

type publicReportResponse struct {
	ID            string     `json:"id"`
	TrackingCode  string     `json:"tracking_code"`
	District      unitRef    `json:"district"`
	Place         string     `json:"place"`
	OccurredOn    string     `json:"occurred_on"`
	Description   string     `json:"description"`
	Contact       *string    `json:"contact"`
	Status        string     `json:"status"`
	IncidentID    *string    `json:"incident_id"`
	DismissReason string     `json:"dismiss_reason"`
	ReviewedBy    string     `json:"reviewed_by"`
	ReviewedAt    *time.Time `json:"reviewed_at"`
	CreatedAt     time.Time  `json:"created_at"`
	Version       int64      `json:"version"`
}

type acceptReportRequest struct {
	UnitID         *jsonID  `json:"unit_id"`
	Title          string   `json:"title"`
	Kind           string   `json:"kind"`
	AffectedGroups []string `json:"affected_groups"`
	Victims        *int     `json:"victims"`
	Place          string   `json:"place"`
	OccurredOn     string   `json:"occurred_on"`
	Description    *string  `json:"description"`
}

type dismissReportRequest struct {
	Reason string `json:"reason"`
}

func toPublicReportResponse(v services.PublicReportView) publicReportResponse {
	r, d := v.Report, v.District
	return publicReportResponse{ID: idString(r.ID), TrackingCode: services.FormatTrackingCode(r.TrackingCode),
		District: unitRef{ID: idString(d.ID), Level: string(d.Level), Code: d.Code, Name: d.Name, NameHi: d.NameHi},
		Place:    r.Place, OccurredOn: string(r.OccurredOn), Description: r.Description, Contact: r.Contact, Status: string(r.Status),
		IncidentID: optIDString(r.IncidentID), DismissReason: r.DismissReason, ReviewedBy: r.ReviewedByName, ReviewedAt: r.ReviewedAt,
		CreatedAt: r.CreatedAt, Version: r.Version}
}

func (s *Server) submitPublicReport(c *gin.Context) {
	var req publicReportRequest
	if !bindJSON(c, &req) {
		return
	}
	code, err := s.Intake.Submit(c.Request.Context(), c.ClientIP(), services.PublicReportInput{DistrictCode: req.DistrictCode,
		Place: req.Place, OccurredOn: req.OccurredOn, Description: req.Description, Contact: req.Contact, Website: req.Website})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, trackingCodeResponse{TrackingCode: code})
}

func (s *Server) trackPublicReport(c *gin.Context) {
	v, err := s.Intake.Track(c.Request.Context(), c.ClientIP(), c.Param("tracking_code"))
	if err != nil {
		writeError(c, err)
		return
	}
	out := trackingResponse{TrackingCode: v.TrackingCode, Status: string(v.Status), OccurredOn: string(v.OccurredOn),
		District: publicDistrict{Code: v.District.Code, Name: v.District.Name, NameHi: v.District.NameHi}, Timeline: []trackingStepJSON{}}
	for _, st := range v.Timeline {
		out.Timeline = append(out.Timeline, trackingStepJSON{Status: string(st.Status), On: string(st.On)})
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) publicDistricts(c *gin.Context) {
	ds, err := s.Intake.Districts(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	out := struct {
		Items []publicDistrict `json:"items"`
	}{Items: make([]publicDistrict, 0, len(ds))}
	for _, d := range ds {
		out.Items = append(out.Items, publicDistrict{Code: d.Code, Name: d.Name, NameHi: d.NameHi})
	}
	// The same for everyone and public: caches may keep it as long as the server does.
	c.Header("Cache-Control", "public, max-age=300")
	c.JSON(http.StatusOK, out)
}

func (s *Server) listPublicReports(c *gin.Context) {
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	page, err := s.Intake.List(c.Request.Context(), actor(c), services.PublicReportFilter{Status: c.Query("status"), Under: under, Page: pr})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toPublicReportResponse))
}

func (s *Server) acceptPublicReport(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req acceptReportRequest
	if !bindJSON(c, &req) {
		return
	}
	unitID, err := optID("unit_id", req.UnitID)
	if err != nil {
		writeError(c, err)
		return
	}
	v, err := s.Intake.Accept(c.Request.Context(), actor(c), id, services.AcceptInput{UnitID: unitID, Title: req.Title, Kind: req.Kind,
		AffectedGroups: req.AffectedGroups, Victims: req.Victims, Place: req.Place, OccurredOn: req.OccurredOn, Description: req.Description, IfMatch: version})
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Incident.Version)
	c.JSON(http.StatusCreated, toIncidentResponse(v))
}

func (s *Server) dismissPublicReport(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req dismissReportRequest
	if !bindJSON(c, &req) {
		return
	}
	v, err := s.Intake.Dismiss(c.Request.Context(), actor(c), id, services.DismissInput{Reason: req.Reason, IfMatch: version})
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Report.Version)
	c.JSON(http.StatusOK, toPublicReportResponse(v))
}
